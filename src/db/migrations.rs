//! Embedded migrations, applied under an advisory lock so that two instances starting together do not race.

use anyhow::Context;
use diesel::QueryableByName;
use diesel::migration::MigrationSource;
use diesel::pg::Pg;
use diesel::sql_types::{BigInt, Text};
use diesel_async::AsyncPgConnection;
use diesel_async::async_connection_wrapper::AsyncConnectionWrapper;
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

/// The migrations of `migrations/`, compiled into the binary.
pub const MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations");

/// Advisory lock key held while migrating ("pengadua" in ASCII).
const MIGRATION_LOCK_KEY: i64 = 0x7065_6e67_6164_7561;

/// Applies every pending migration and returns the names of those applied.
///
/// diesel's migration harness is synchronous; it runs on a blocking thread through diesel-async's wrapper, so no
/// libpq is needed.
pub async fn run_pending(database_url: &str) -> anyhow::Result<Vec<String>> {
    let url = database_url.to_owned();
    tokio::task::spawn_blocking(move || {
        use diesel::{Connection, RunQueryDsl};
        let mut conn = AsyncConnectionWrapper::<AsyncPgConnection>::establish(&url)
            .context("cannot connect to the database to migrate it")?;
        diesel::sql_query("SELECT pg_advisory_lock($1)").bind::<BigInt, _>(MIGRATION_LOCK_KEY).execute(&mut conn)?;
        let applied = conn
            .run_pending_migrations(MIGRATIONS)
            .map(|versions| versions.iter().map(ToString::to_string).collect::<Vec<_>>())
            .map_err(|err| anyhow::anyhow!("migration failed: {err}"));
        diesel::sql_query("SELECT pg_advisory_unlock($1)").bind::<BigInt, _>(MIGRATION_LOCK_KEY).execute(&mut conn)?;
        applied
    })
    .await?
}

/// The versions of every embedded migration, oldest first.
pub fn embedded_versions() -> Vec<String> {
    let migrations = MigrationSource::<Pg>::migrations(&MIGRATIONS).unwrap_or_default();
    migrations.iter().map(|m| m.name().version().to_string()).collect()
}

#[derive(QueryableByName)]
struct AppliedVersion {
    #[diesel(sql_type = Text)]
    version: String,
}

/// Whether every embedded migration has been applied to the database behind `conn`.
pub async fn are_current(conn: &mut AsyncPgConnection) -> anyhow::Result<bool> {
    use diesel_async::RunQueryDsl;
    let applied: Vec<AppliedVersion> =
        diesel::sql_query("SELECT version FROM __diesel_schema_migrations").load(conn).await?;
    let applied: Vec<String> = applied.into_iter().map(|row| row.version).collect();
    Ok(embedded_versions().iter().all(|version| applied.contains(version)))
}

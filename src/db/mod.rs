//! Database access: the connection pool, embedded migrations, the private local PostgreSQL, and the row models and
//! queries of each table.
//!
//! Query functions take `&mut AsyncPgConnection`, never the pool: the caller (a service) owns the transaction.

pub mod action_plans;
pub mod api_clients;
pub mod attachments;
pub mod audit;
pub mod changes;
pub mod complaints;
pub mod deadlines;
pub mod dispositions;
pub mod exports;
pub mod idempotency;
pub mod local;
pub mod mail;
pub mod migrations;
pub mod open311;
pub mod page;
pub mod rankings;
pub mod rate_limits;
pub mod reference;
pub mod reports;
pub mod schema;
pub mod sessions;
pub mod units;
pub mod users;
pub mod webhooks;

use std::time::Duration;

use diesel::QueryableByName;
use diesel::sql_types::Bool;
use diesel_async::pooled_connection::deadpool::{Object, Pool};
use diesel_async::pooled_connection::{AsyncDieselConnectionManager, ManagerConfig, RecyclingMethod};
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};

use crate::config::Secret;

/// The connection pool shared by all requests and jobs.
pub type DbPool = Pool<AsyncPgConnection>;

/// A connection checked out of the pool.
pub type PooledConnection = Object<AsyncPgConnection>;

/// How long a request waits for a connection (or for a new one to open) before the API answers 503.
const POOL_TIMEOUT: Duration = Duration::from_secs(5);

/// Builds the pool. Connections open lazily, so this succeeds even while the database is down.
///
/// A connection handed out is not pinged first (`RecyclingMethod::Fast`): the pool still drops any connection whose
/// socket has closed, which is what a database restart or a killed backend leaves behind, and a ping would add a
/// round trip to every checkout, that is to every request.
pub fn build_pool(url: &Secret, max_size: usize) -> anyhow::Result<DbPool> {
    let mut config = ManagerConfig::default();
    config.recycling_method = RecyclingMethod::Fast;
    let manager = AsyncDieselConnectionManager::<AsyncPgConnection>::new_with_config(url.expose(), config);
    Ok(Pool::builder(manager)
        .max_size(max_size)
        .wait_timeout(Some(POOL_TIMEOUT))
        .create_timeout(Some(POOL_TIMEOUT))
        .recycle_timeout(Some(POOL_TIMEOUT))
        .runtime(deadpool::Runtime::Tokio1)
        .build()?)
}

/// The database URL with any password removed, for log lines.
pub fn redacted_url(url: &str) -> String {
    if let Some((scheme, rest)) = url.split_once("://") {
        let (authority, tail) = rest.split_once('/').map_or((rest, None), |(a, t)| (a, Some(t)));
        let authority = match authority.rsplit_once('@') {
            Some((user_info, host)) => {
                let user = user_info.split_once(':').map_or(user_info, |(user, _)| user);
                format!("{user}@{host}")
            }
            None => authority.to_owned(),
        };
        let tail = tail.map(|t| format!("/{}", t.split('?').next().unwrap_or(t))).unwrap_or_default();
        format!("{scheme}://{authority}{tail}")
    } else {
        url.split_whitespace().filter(|pair| !pair.starts_with("password=")).collect::<Vec<_>>().join(" ")
    }
}

/// The same server as `url`, but database `name`: used to reach the maintenance database `postgres`.
pub fn url_with_database(url: &str, name: &str) -> String {
    if let Some((base, _)) = url.split_once("://").and_then(|(scheme, rest)| {
        rest.split_once('/').map(|(authority, path)| (format!("{scheme}://{authority}"), path))
    }) {
        let query = url.split_once('?').map(|(_, q)| format!("?{q}")).unwrap_or_default();
        format!("{base}/{name}{query}")
    } else if url.contains("://") {
        format!("{url}/{name}")
    } else {
        let kept: Vec<&str> = url.split_whitespace().filter(|pair| !pair.starts_with("dbname=")).collect();
        format!("{} dbname={name}", kept.join(" "))
    }
}

#[derive(QueryableByName)]
struct Exists {
    #[diesel(sql_type = Bool)]
    exists: bool,
}

#[derive(QueryableByName)]
struct Locked {
    #[diesel(sql_type = Bool)]
    locked: bool,
}

/// Takes the session-level advisory lock `key` if no other session holds it: work that only one instance may do at a
/// time (housekeeping) runs while it is held.
pub async fn try_advisory_lock(conn: &mut AsyncPgConnection, key: i64) -> diesel::QueryResult<bool> {
    let locked: Locked = diesel::sql_query("SELECT pg_try_advisory_lock($1) AS locked")
        .bind::<diesel::sql_types::BigInt, _>(key)
        .get_result(conn)
        .await?;
    Ok(locked.locked)
}

/// Releases the advisory lock `key` taken by [`try_advisory_lock`].
pub async fn advisory_unlock(conn: &mut AsyncPgConnection, key: i64) -> diesel::QueryResult<()> {
    diesel::sql_query("SELECT pg_advisory_unlock($1)")
        .bind::<diesel::sql_types::BigInt, _>(key)
        .execute(conn)
        .await
        .map(drop)
}

/// Creates database `name` on the server of `admin_url` unless it exists; `template` clones another database.
pub async fn ensure_database(admin_url: &str, name: &str, template: Option<&str>) -> anyhow::Result<bool> {
    anyhow::ensure!(is_plain_identifier(name), "database name {name:?} must be a plain identifier");
    let mut conn = AsyncPgConnection::establish(admin_url).await?;
    let found: Exists = diesel::sql_query("SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1) AS exists")
        .bind::<diesel::sql_types::Text, _>(name)
        .get_result(&mut conn)
        .await?;
    if found.exists {
        return Ok(false);
    }
    let template = match template {
        Some(template) => {
            anyhow::ensure!(is_plain_identifier(template), "template name {template:?} must be a plain identifier");
            format!(" TEMPLATE \"{template}\"")
        }
        None => String::new(),
    };
    diesel::sql_query(format!("CREATE DATABASE \"{name}\"{template} ENCODING 'UTF8'")).execute(&mut conn).await?;
    Ok(true)
}

/// Drops database `name`, ending its connections first.
pub async fn drop_database(admin_url: &str, name: &str) -> anyhow::Result<()> {
    anyhow::ensure!(is_plain_identifier(name), "database name {name:?} must be a plain identifier");
    let mut conn = AsyncPgConnection::establish(admin_url).await?;
    diesel::sql_query(format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)")).execute(&mut conn).await?;
    Ok(())
}

/// Database names are spliced into DDL (it takes no parameters), so only plain identifiers are accepted.
fn is_plain_identifier(name: &str) -> bool {
    (1..=63).contains(&name.len())
        && name.starts_with(|c: char| c.is_ascii_lowercase() || c == '_')
        && name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_are_removed_from_logged_urls() {
        assert_eq!(
            redacted_url("postgres://app:s3cret@db:5432/pengaduan?sslmode=require"),
            "postgres://app@db:5432/pengaduan"
        );
        assert_eq!(redacted_url("postgres://app@db/pengaduan"), "postgres://app@db/pengaduan");
        assert_eq!(redacted_url("host=/run/pg user=app password=s3cret dbname=x"), "host=/run/pg user=app dbname=x");
    }

    #[test]
    fn the_maintenance_database_is_reached_on_the_same_server() {
        assert_eq!(
            url_with_database("postgres://app:pw@db:5432/pengaduan?sslmode=require", "postgres"),
            "postgres://app:pw@db:5432/postgres?sslmode=require"
        );
        assert_eq!(url_with_database("postgres://app@db", "postgres"), "postgres://app@db/postgres");
        assert_eq!(
            url_with_database("host=/run/pg dbname=pengaduan user=app", "postgres"),
            "host=/run/pg user=app dbname=postgres"
        );
    }

    #[test]
    fn only_plain_names_reach_ddl() {
        assert!(is_plain_identifier("pengaduan_test_0194"));
        assert!(!is_plain_identifier("x\"; DROP DATABASE y; --"));
        assert!(!is_plain_identifier("Pengaduan"));
        assert!(!is_plain_identifier(""));
    }
}

/// A position in a list ordered by a timestamp and then `id`: the last row of the previous page.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Keyset {
    /// The sort timestamp (`created_at`, `updated_at`, a deadline) of the last row seen.
    pub at: chrono::DateTime<chrono::Utc>,
    /// `id` of the last row seen.
    pub id: uuid::Uuid,
}

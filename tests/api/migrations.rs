use diesel::QueryableByName;
use diesel::sql_types::Text;
use diesel_async::AsyncPgConnection;
use diesel_async::async_connection_wrapper::AsyncConnectionWrapper;
use diesel_migrations::MigrationHarness;
use pengaduan::db::migrations::{self, MIGRATIONS};

use crate::helpers::empty_database;

#[derive(QueryableByName)]
struct Snapshot {
    #[diesel(sql_type = Text)]
    schema: String,
}

/// Everything in the public schema that a migration can create, one line per object, in a stable order.
const SNAPSHOT: &str = r#"
SELECT coalesce(string_agg(line, E'\n' ORDER BY line), '') AS schema FROM (
    SELECT format('column %s.%s %s %s default %s', table_name, column_name, data_type, is_nullable, column_default) AS line
      FROM information_schema.columns WHERE table_schema = 'public'
    UNION ALL SELECT format('constraint %s %s %s', conrelid::regclass, conname, pg_get_constraintdef(oid))
      FROM pg_constraint WHERE connamespace = 'public'::regnamespace
    UNION ALL SELECT format('index %s', indexdef) FROM pg_indexes WHERE schemaname = 'public'
    UNION ALL SELECT format('trigger %s %s', tgrelid::regclass, pg_get_triggerdef(oid)) FROM pg_trigger WHERE NOT tgisinternal
    UNION ALL SELECT format('function %s', pg_get_functiondef(p.oid)) FROM pg_proc p WHERE pronamespace = 'public'::regnamespace
    UNION ALL SELECT format('type %s %s', typname, typtype) FROM pg_type
      WHERE typnamespace = 'public'::regnamespace AND typtype IN ('e', 'd', 'c') AND typrelid = 0
    UNION ALL SELECT format('sequence %s', sequencename) FROM pg_sequences WHERE schemaname = 'public'
    UNION ALL SELECT format('view %s', viewname) FROM pg_views WHERE schemaname = 'public'
) objects WHERE line NOT LIKE '%__diesel_schema_migrations%'
"#;

fn snapshot(conn: &mut AsyncConnectionWrapper<AsyncPgConnection>) -> String {
    use diesel::RunQueryDsl;
    diesel::sql_query(SNAPSHOT).get_result::<Snapshot>(conn).unwrap().schema
}

#[tokio::test]
async fn every_migration_reverts_exactly_what_it_applied() {
    let database = empty_database().await;
    let url = database.url.clone();
    tokio::task::spawn_blocking(move || {
        use diesel::Connection;
        let mut conn = AsyncConnectionWrapper::<AsyncPgConnection>::establish(&url).unwrap();
        let mut snapshots = vec![snapshot(&mut conn)];
        let count = migrations::embedded_versions().len();
        for _ in 0..count {
            conn.run_next_migration(MIGRATIONS).unwrap();
            snapshots.push(snapshot(&mut conn));
        }
        assert!(snapshots[0].is_empty(), "an empty database starts empty: {}", snapshots[0]);
        for step in (0..count).rev() {
            let reverted = conn.revert_last_migration(MIGRATIONS).unwrap();
            assert_eq!(snapshot(&mut conn), snapshots[step], "reverting {reverted} leaves the schema as before it");
        }
        conn.run_pending_migrations(MIGRATIONS).unwrap();
        assert_eq!(snapshot(&mut conn), snapshots[count], "applying everything again gives the same schema");
    })
    .await
    .unwrap();
}

#[tokio::test]
async fn two_instances_migrating_at_once_do_not_race() {
    let database = empty_database().await;
    let (first, second) = tokio::join!(migrations::run_pending(&database.url), migrations::run_pending(&database.url));
    let (first, second) = (first.unwrap(), second.unwrap());
    assert_eq!(
        first.len() + second.len(),
        migrations::embedded_versions().len(),
        "each migration ran once: {first:?} {second:?}"
    );
    let again = migrations::run_pending(&database.url).await.unwrap();
    assert!(again.is_empty());
}

//! The change feed's queries. `changes` has an `xid8` column diesel has no type for, so these are written in SQL; the
//! transaction id travels as a `bigint` (an xid8 is a 64-bit counter that never wraps).

use chrono::{DateTime, Utc};
use diesel::sql_types::{Array, BigInt, Bool, Integer, Nullable, Text, Timestamptz};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

/// A row of `changes`.
#[derive(Debug, Clone, diesel::QueryableByName)]
pub struct ChangeRow {
    #[diesel(sql_type = BigInt)]
    pub id: i64,
    #[diesel(sql_type = BigInt)]
    pub txid: i64,
    #[diesel(sql_type = Text)]
    pub entity_type: String,
    #[diesel(sql_type = diesel::sql_types::Uuid)]
    pub entity_id: Uuid,
    #[diesel(sql_type = Text)]
    pub action: String,
    #[diesel(sql_type = Text)]
    pub status: String,
    #[diesel(sql_type = Integer)]
    pub version: i32,
    #[diesel(sql_type = Timestamptz)]
    pub changed_at: DateTime<Utc>,
}

/// What a reader asks for.
#[derive(Debug, Clone)]
pub struct FeedQuery {
    /// Only these Pemda; `None` for all.
    pub pemda_ids: Option<Vec<Uuid>>,
    /// After this position: (transaction id, row id).
    pub after: (i64, i64),
    /// Only these entity types.
    pub types: Vec<String>,
    /// Whether changes of supervision complaints are included.
    pub supervision: bool,
    pub limit: i64,
}

/// The next changes after a position, in (transaction id, row id) order, only from transactions that have ended and
/// below every transaction still running: what this returns can never be preceded later by a late commit.
pub async fn after(conn: &mut AsyncPgConnection, query: &FeedQuery) -> diesel::QueryResult<Vec<ChangeRow>> {
    diesel::sql_query(
        "SELECT id, txid::text::bigint AS txid, entity_type, entity_id, action, status, version, changed_at \
         FROM changes \
         WHERE ($1::uuid[] IS NULL OR pemda_id = ANY($1)) \
           AND (txid, id) > ($2::text::xid8, $3) \
           AND txid < pg_snapshot_xmin(pg_current_snapshot()) \
           AND entity_type = ANY($4) \
           AND ($5 OR NOT supervision) \
         ORDER BY txid, id \
         LIMIT $6",
    )
    .bind::<Nullable<Array<diesel::sql_types::Uuid>>, _>(query.pemda_ids.as_deref())
    .bind::<Text, _>(query.after.0.to_string())
    .bind::<BigInt, _>(query.after.1)
    .bind::<Array<Text>, _>(&query.types)
    .bind::<Bool, _>(query.supervision)
    .bind::<BigInt, _>(query.limit)
    .load(conn)
    .await
}

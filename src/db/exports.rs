//! Rows and queries of `exports`: asynchronous complaint exports and the queue their workers take them from.

use chrono::{DateTime, Utc};
use diesel::pg::Pg;
use diesel::prelude::*;
use diesel::sql_types::{Bool, Nullable};
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::schema::exports;

/// A row of `exports`.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = exports, check_for_backend(diesel::pg::Pg))]
pub struct ExportRow {
    pub id: Uuid,
    pub requested_by: Uuid,
    pub format: String,
    /// The complaint filter as resolved for the requester when they asked.
    pub filter: serde_json::Value,
    pub status: String,
    pub attempts: i16,
    pub locked_until: Option<DateTime<Utc>>,
    pub row_count: Option<i64>,
    pub size_bytes: Option<i64>,
    /// The file's name in the exports folder of the data folder.
    pub file_name: Option<String>,
    pub error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub started_at: Option<DateTime<Utc>>,
    pub finished_at: Option<DateTime<Utc>>,
    pub expires_at: Option<DateTime<Utc>>,
}

/// Queues an export.
pub async fn insert(conn: &mut AsyncPgConnection, row: &ExportRow) -> QueryResult<ExportRow> {
    diesel::insert_into(exports::table).values(row).returning(ExportRow::as_returning()).get_result(conn).await
}

/// An export by id.
pub async fn find(conn: &mut AsyncPgConnection, id: Uuid) -> QueryResult<Option<ExportRow>> {
    exports::table.find(id).select(ExportRow::as_select()).first(conn).await.optional()
}

/// Takes the oldest waiting export (or a running one whose lease ran out: its worker died) and holds it until
/// `lease_until`. Rows another worker is claiming are skipped, so workers of several instances never take the same job.
pub async fn claim(
    conn: &mut AsyncPgConnection,
    now: DateTime<Utc>,
    lease_until: DateTime<Utc>,
) -> QueryResult<Option<ExportRow>> {
    conn.transaction(async |conn| {
        let next: Option<Uuid> = exports::table
            .filter(exports::status.eq("queued").or(exports::status.eq("running").and(exports::locked_until.lt(now))))
            .order(exports::created_at)
            .select(exports::id)
            .for_update()
            .skip_locked()
            .first(conn)
            .await
            .optional()?;
        let Some(id) = next else { return Ok(None) };
        diesel::update(exports::table.find(id))
            .set((
                exports::status.eq("running"),
                exports::attempts.eq(exports::attempts + 1),
                exports::started_at.eq(now),
                exports::locked_until.eq(lease_until),
            ))
            .returning(ExportRow::as_returning())
            .get_result(conn)
            .await
            .map(Some)
    })
    .await
}

/// Extends the lease of a running export; `false` when it is no longer this worker's (it ran out and was taken over).
pub async fn renew(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    started_at: DateTime<Utc>,
    lease_until: DateTime<Utc>,
) -> QueryResult<bool> {
    diesel::update(exports::table.filter(mine(id, started_at)))
        .set(exports::locked_until.eq(lease_until))
        .execute(conn)
        .await
        .map(|n| n == 1)
}

/// The running export `id` as claimed at `started_at` (a later claim by another worker has another start).
type Mine = Box<dyn BoxableExpression<exports::table, Pg, SqlType = Nullable<Bool>>>;

fn mine(id: Uuid, started_at: DateTime<Utc>) -> Mine {
    Box::new(exports::id.eq(id).and(exports::status.eq("running")).and(exports::started_at.eq(started_at)))
}

/// The file is written.
pub struct Finished<'a> {
    pub file_name: &'a str,
    pub row_count: i64,
    pub size_bytes: i64,
    pub finished_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

/// Marks a running export done; `false` when it was no longer this worker's.
pub async fn finish(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    started_at: DateTime<Utc>,
    done: &Finished<'_>,
) -> QueryResult<bool> {
    diesel::update(exports::table.filter(mine(id, started_at)))
        .set((
            exports::status.eq("done"),
            exports::file_name.eq(done.file_name),
            exports::row_count.eq(done.row_count),
            exports::size_bytes.eq(done.size_bytes),
            exports::finished_at.eq(done.finished_at),
            exports::expires_at.eq(done.expires_at),
            exports::locked_until.eq(None::<DateTime<Utc>>),
        ))
        .execute(conn)
        .await
        .map(|n| n == 1)
}

/// Marks a running export failed with a reason for its requester.
pub async fn fail(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    started_at: DateTime<Utc>,
    error: &str,
    at: DateTime<Utc>,
) -> QueryResult<bool> {
    diesel::update(exports::table.filter(mine(id, started_at)))
        .set((
            exports::status.eq("failed"),
            exports::error.eq(error),
            exports::finished_at.eq(at),
            exports::locked_until.eq(None::<DateTime<Utc>>),
        ))
        .execute(conn)
        .await
        .map(|n| n == 1)
}

/// Done exports whose files expired by `now`: id and file name.
pub async fn expired(conn: &mut AsyncPgConnection, now: DateTime<Utc>) -> QueryResult<Vec<(Uuid, String)>> {
    exports::table
        .filter(exports::status.eq("done"))
        .filter(exports::expires_at.le(now))
        .select((exports::id, exports::file_name.assume_not_null()))
        .load(conn)
        .await
}

/// Records that an export's file is gone.
pub async fn mark_expired(conn: &mut AsyncPgConnection, id: Uuid) -> QueryResult<usize> {
    diesel::update(exports::table.filter(exports::id.eq(id)).filter(exports::status.eq("done")))
        .set(exports::status.eq("expired"))
        .execute(conn)
        .await
}

/// Exports of one requester waiting for or being written by a worker.
pub async fn pending_of(conn: &mut AsyncPgConnection, requested_by: Uuid) -> QueryResult<i64> {
    exports::table
        .filter(exports::requested_by.eq(requested_by))
        .filter(exports::status.eq_any(["queued", "running"]))
        .count()
        .get_result(conn)
        .await
}

/// Exports waiting for or being written by a worker.
pub async fn backlog(conn: &mut AsyncPgConnection) -> QueryResult<i64> {
    exports::table.filter(exports::status.eq_any(["queued", "running"])).count().get_result(conn).await
}

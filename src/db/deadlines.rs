//! What the deadline job reads and writes: reports whose reply window ended, open dispositions and complaints past a
//! deadline (claimed in id order with `FOR UPDATE SKIP LOCKED`, so instances share the work), the levels already
//! recorded, and the escalation level shown on each row (not an edit: the row's version, and so `If-Match`, stays).

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::complaints::ComplaintRow;
use super::dispositions::DispositionRow;
use super::schema::{complaints, dispositions, escalations};

/// Up to `limit` complaints awaiting the reporter whose reply window ended before `now`, locked.
pub async fn claim_unanswered(
    conn: &mut AsyncPgConnection,
    now: DateTime<Utc>,
    limit: i64,
) -> QueryResult<Vec<ComplaintRow>> {
    complaints::table
        .filter(complaints::status.eq("awaiting_reporter"))
        .filter(complaints::reporter_reply_by.lt(now))
        .select(ComplaintRow::as_select())
        .limit(limit)
        .for_update()
        .skip_locked()
        .load(conn)
        .await
}

/// Up to `limit` open dispositions after `after` (by id) whose first answer is overdue at `now`, with their
/// complaints, locked.
pub async fn claim_overdue_dispositions(
    conn: &mut AsyncPgConnection,
    now: DateTime<Utc>,
    after: Uuid,
    limit: i64,
) -> QueryResult<Vec<(DispositionRow, ComplaintRow)>> {
    dispositions::table
        .inner_join(complaints::table)
        .filter(dispositions::status.eq_any(["sent", "accepted", "delegated"]))
        .filter(dispositions::due_at.lt(now))
        .filter(dispositions::first_answer_at.is_null())
        .filter(dispositions::id.gt(after))
        .order(dispositions::id)
        .select((DispositionRow::as_select(), ComplaintRow::as_select()))
        .limit(limit)
        .for_update()
        .skip_locked()
        .load(conn)
        .await
}

/// Up to `limit` complaints after `after` (by id) unverified past `verify_by` or open past `resolve_by` at `now`,
/// locked.
pub async fn claim_overdue_complaints(
    conn: &mut AsyncPgConnection,
    now: DateTime<Utc>,
    after: Uuid,
    limit: i64,
) -> QueryResult<Vec<ComplaintRow>> {
    complaints::table
        .filter(
            complaints::status.eq("submitted").and(complaints::verify_by.lt(now)).or(complaints::status
                .ne_all(["archived", "forwarded", "finished", "awaiting_reporter", "postponed"])
                .and(complaints::resolve_by.lt(now))),
        )
        .filter(complaints::id.gt(after))
        .order(complaints::id)
        .select(ComplaintRow::as_select())
        .limit(limit)
        .for_update()
        .skip_locked()
        .load(conn)
        .await
}

/// The highest level recorded for one deadline of a complaint (or of one of its dispositions) in a round.
pub async fn recorded_level(
    conn: &mut AsyncPgConnection,
    complaint_id: Uuid,
    disposition_id: Option<Uuid>,
    deadline: &str,
    round: i32,
) -> QueryResult<Option<i16>> {
    let query = escalations::table
        .filter(escalations::complaint_id.eq(complaint_id))
        .filter(escalations::deadline.eq(deadline))
        .filter(escalations::round.eq(round))
        .select(diesel::dsl::max(escalations::level))
        .into_boxed();
    let query = match disposition_id {
        Some(id) => query.filter(escalations::disposition_id.eq(id)),
        None => query.filter(escalations::disposition_id.is_null()),
    };
    query.first(conn).await
}

/// Shows `level` on a disposition.
pub async fn set_disposition_level(conn: &mut AsyncPgConnection, id: Uuid, level: i16) -> QueryResult<()> {
    diesel::update(dispositions::table.find(id))
        .set(dispositions::escalation_level.eq(level))
        .execute(conn)
        .await
        .map(drop)
}

/// Shows `level` on a complaint.
pub async fn set_complaint_level(conn: &mut AsyncPgConnection, id: Uuid, level: i16) -> QueryResult<()> {
    diesel::update(complaints::table.find(id)).set(complaints::escalation_level.eq(level)).execute(conn).await.map(drop)
}

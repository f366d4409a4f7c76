//! Rows and queries of dispositions, follow-ups, reporter feedback, escalations and notifications.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::Keyset;
use super::page::with_literal_limit;
use super::schema::{complaint_feedback, complaints, dispositions, escalations, follow_ups, notifications, users};

/// A row of `dispositions`.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = dispositions, check_for_backend(diesel::pg::Pg))]
pub struct DispositionRow {
    pub id: Uuid,
    pub complaint_id: Uuid,
    pub unit_id: Uuid,
    pub delegated_to: Option<Uuid>,
    pub status: String,
    pub instruction: String,
    pub share_contact: bool,
    pub due_at: DateTime<Utc>,
    pub return_reason: Option<String>,
    pub return_note: Option<String>,
    pub escalation_level: i16,
    pub first_answer_at: Option<DateTime<Utc>>,
    pub created_by: Option<Uuid>,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// Columns a disposition step changes besides the status.
#[derive(Debug, Default, AsChangeset)]
#[diesel(table_name = dispositions)]
pub struct DispositionChanges {
    pub status: Option<String>,
    pub delegated_to: Option<Option<Uuid>>,
    pub return_reason: Option<Option<String>>,
    pub return_note: Option<Option<String>>,
    pub escalation_level: Option<i16>,
    pub first_answer_at: Option<Option<DateTime<Utc>>>,
    pub due_at: Option<DateTime<Utc>>,
}

/// A row of `follow_ups`.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = follow_ups, check_for_backend(diesel::pg::Pg))]
pub struct FollowUpRow {
    pub id: Uuid,
    pub disposition_id: Uuid,
    pub complaint_id: Uuid,
    pub body: String,
    pub visibility: String,
    pub final_: bool,
    pub status: String,
    pub rejection_reason: Option<String>,
    pub created_by: Uuid,
    pub decided_by: Option<Uuid>,
    pub decided_at: Option<DateTime<Utc>>,
    pub version: i32,
    pub created_at: DateTime<Utc>,
}

/// A row of `complaint_feedback`.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = complaint_feedback, check_for_backend(diesel::pg::Pg))]
pub struct FeedbackRow {
    pub id: Uuid,
    pub complaint_id: Uuid,
    pub rating: i16,
    pub satisfied: bool,
    pub comment: Option<String>,
    pub created_at: DateTime<Utc>,
}

/// A row of `escalations`.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = escalations, check_for_backend(diesel::pg::Pg))]
pub struct EscalationRow {
    pub id: Uuid,
    pub complaint_id: Uuid,
    pub disposition_id: Option<Uuid>,
    pub deadline: String,
    pub round: i32,
    pub level: i16,
    pub due_at: DateTime<Utc>,
    pub created_at: DateTime<Utc>,
}

/// A row of `notifications`.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = notifications, check_for_backend(diesel::pg::Pg))]
pub struct NotificationRow {
    pub id: Uuid,
    pub user_id: Uuid,
    pub kind: String,
    pub complaint_id: Option<Uuid>,
    pub disposition_id: Option<Uuid>,
    pub follow_up_id: Option<Uuid>,
    pub message: String,
    pub created_at: DateTime<Utc>,
    pub read_at: Option<DateTime<Utc>>,
}

/// Filters of the disposition list.
#[derive(Debug, Default)]
pub struct DispositionFilter {
    /// Only dispositions sent to (or delegated to) one of these units; `None` for no restriction.
    pub units: Option<Vec<Uuid>>,
    /// Only dispositions of complaints of these Pemda; `None` for no restriction.
    pub pemda_ids: Option<Vec<Uuid>>,
    /// Leave out supervision complaints (OPD roles never see them).
    pub exclude_supervision: bool,
    pub status: Option<String>,
    pub overdue_at: Option<DateTime<Utc>>,
    pub escalation_level: Option<i16>,
    pub category_id: Option<Uuid>,
    pub created_from: Option<DateTime<Utc>>,
    pub created_to: Option<DateTime<Utc>>,
}

/// Inserts a disposition.
pub async fn insert(conn: &mut AsyncPgConnection, row: &DispositionRow) -> QueryResult<DispositionRow> {
    diesel::insert_into(dispositions::table)
        .values(row)
        .returning(DispositionRow::as_returning())
        .get_result(conn)
        .await
}

/// The disposition `id`.
pub async fn find(conn: &mut AsyncPgConnection, id: Uuid) -> QueryResult<Option<DispositionRow>> {
    dispositions::table.find(id).select(DispositionRow::as_select()).first(conn).await.optional()
}

/// The dispositions of a complaint, oldest first, locked for the rest of the transaction.
pub async fn lock_of_complaint(conn: &mut AsyncPgConnection, complaint_id: Uuid) -> QueryResult<Vec<DispositionRow>> {
    dispositions::table
        .filter(dispositions::complaint_id.eq(complaint_id))
        .order((dispositions::created_at, dispositions::id))
        .select(DispositionRow::as_select())
        .for_update()
        .load(conn)
        .await
}

/// The dispositions of a complaint, oldest first.
pub async fn of_complaint(conn: &mut AsyncPgConnection, complaint_id: Uuid) -> QueryResult<Vec<DispositionRow>> {
    dispositions::table
        .filter(dispositions::complaint_id.eq(complaint_id))
        .order((dispositions::created_at, dispositions::id))
        .select(DispositionRow::as_select())
        .load(conn)
        .await
}

/// Applies `changes` at `now` and bumps the version.
pub async fn update(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    changes: &DispositionChanges,
    now: DateTime<Utc>,
) -> QueryResult<DispositionRow> {
    diesel::update(dispositions::table.find(id))
        .set((changes, dispositions::version.eq(dispositions::version + 1), dispositions::updated_at.eq(now)))
        .returning(DispositionRow::as_returning())
        .get_result(conn)
        .await
}

/// One page of dispositions, newest first, after `after`.
pub async fn list(
    conn: &mut AsyncPgConnection,
    filter: &DispositionFilter,
    after: Option<Keyset>,
    limit: i64,
) -> QueryResult<Vec<DispositionRow>> {
    let mut query = dispositions::table.inner_join(complaints::table).select(DispositionRow::as_select()).into_boxed();
    if let Some(units) = &filter.units {
        query = query
            .filter(dispositions::unit_id.eq_any(units.clone()).or(dispositions::delegated_to.eq_any(units.clone())));
    }
    if let Some(pemda_ids) = &filter.pemda_ids {
        query = query.filter(complaints::pemda_id.eq_any(pemda_ids.clone()));
    }
    if filter.exclude_supervision {
        query = query.filter(complaints::supervision.eq(false));
    }
    if let Some(status) = &filter.status {
        query = query.filter(dispositions::status.eq(status.clone()));
    }
    if let Some(now) = filter.overdue_at {
        query = query
            .filter(dispositions::status.eq_any(["sent", "accepted", "delegated"]))
            .filter(dispositions::due_at.lt(now));
    }
    if let Some(level) = filter.escalation_level {
        query = query.filter(dispositions::escalation_level.eq(level));
    }
    if let Some(category) = filter.category_id {
        query = query.filter(complaints::category_id.eq(category));
    }
    if let Some(from) = filter.created_from {
        query = query.filter(dispositions::created_at.ge(from));
    }
    if let Some(to) = filter.created_to {
        query = query.filter(dispositions::created_at.lt(to));
    }
    if let Some(after) = after {
        query = query.filter(
            dispositions::created_at
                .lt(after.at)
                .or(dispositions::created_at.eq(after.at).and(dispositions::id.lt(after.id))),
        );
    }
    with_literal_limit(query.order((dispositions::created_at.desc(), dispositions::id.desc())), limit).load(conn).await
}

/// Inserts a follow-up.
pub async fn insert_follow_up(conn: &mut AsyncPgConnection, row: &FollowUpRow) -> QueryResult<FollowUpRow> {
    diesel::insert_into(follow_ups::table).values(row).returning(FollowUpRow::as_returning()).get_result(conn).await
}

/// The follow-up `id`, locked for the rest of the transaction.
pub async fn lock_follow_up(conn: &mut AsyncPgConnection, id: Uuid) -> QueryResult<Option<FollowUpRow>> {
    follow_ups::table.find(id).select(FollowUpRow::as_select()).for_update().first(conn).await.optional()
}

/// The follow-up `id`.
pub async fn find_follow_up(conn: &mut AsyncPgConnection, id: Uuid) -> QueryResult<Option<FollowUpRow>> {
    follow_ups::table.find(id).select(FollowUpRow::as_select()).first(conn).await.optional()
}

/// Records the decision on a follow-up.
pub async fn decide_follow_up(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    status: &str,
    rejection_reason: Option<&str>,
    decided_by: Uuid,
    now: DateTime<Utc>,
) -> QueryResult<FollowUpRow> {
    diesel::update(follow_ups::table.find(id))
        .set((
            follow_ups::status.eq(status),
            follow_ups::rejection_reason.eq(rejection_reason),
            follow_ups::decided_by.eq(decided_by),
            follow_ups::decided_at.eq(now),
            follow_ups::version.eq(follow_ups::version + 1),
        ))
        .returning(FollowUpRow::as_returning())
        .get_result(conn)
        .await
}

/// The follow-ups of a disposition, oldest first.
pub async fn follow_ups_of_disposition(
    conn: &mut AsyncPgConnection,
    disposition_id: Uuid,
) -> QueryResult<Vec<FollowUpRow>> {
    follow_ups::table
        .filter(follow_ups::disposition_id.eq(disposition_id))
        .order((follow_ups::created_at, follow_ups::id))
        .select(FollowUpRow::as_select())
        .load(conn)
        .await
}

/// The approved public answers of a complaint, oldest first: what the reporter and the public see.
pub async fn published_answers(
    conn: &mut AsyncPgConnection,
    complaint_id: Uuid,
) -> QueryResult<Vec<(FollowUpRow, Uuid)>> {
    follow_ups::table
        .inner_join(dispositions::table)
        .filter(follow_ups::complaint_id.eq(complaint_id))
        .filter(follow_ups::status.eq("approved"))
        .order((follow_ups::decided_at, follow_ups::id))
        .select((FollowUpRow::as_select(), dispositions::unit_id))
        .load(conn)
        .await
}

/// Records a reporter's response.
pub async fn insert_feedback(conn: &mut AsyncPgConnection, row: &FeedbackRow) -> QueryResult<()> {
    diesel::insert_into(complaint_feedback::table).values(row).execute(conn).await.map(drop)
}

/// Records an escalation level unless it was recorded already; returns whether it is new.
pub async fn insert_escalation(conn: &mut AsyncPgConnection, row: &EscalationRow) -> QueryResult<bool> {
    Ok(diesel::insert_into(escalations::table).values(row).on_conflict_do_nothing().execute(conn).await? == 1)
}

/// The escalations of a complaint, oldest first.
pub async fn escalations_of(conn: &mut AsyncPgConnection, complaint_id: Uuid) -> QueryResult<Vec<EscalationRow>> {
    escalations::table
        .filter(escalations::complaint_id.eq(complaint_id))
        .order((escalations::created_at, escalations::level))
        .select(EscalationRow::as_select())
        .load(conn)
        .await
}

/// Active users of `units` with one of `roles`: the recipients of a notification.
pub async fn recipients(conn: &mut AsyncPgConnection, units: &[Uuid], roles: &[&str]) -> QueryResult<Vec<Uuid>> {
    users::table
        .filter(users::unit_id.eq_any(units.to_vec()))
        .filter(users::role.eq_any(roles.iter().map(|r| r.to_string()).collect::<Vec<_>>()))
        .filter(users::active.eq(true))
        .select(users::id)
        .load(conn)
        .await
}

/// Writes notification rows (in the caller's transaction).
pub async fn notify(conn: &mut AsyncPgConnection, rows: &[NotificationRow]) -> QueryResult<()> {
    if rows.is_empty() {
        return Ok(());
    }
    diesel::insert_into(notifications::table).values(rows).execute(conn).await.map(drop)
}

/// One page of a user's notifications, newest first.
pub async fn notifications_of(
    conn: &mut AsyncPgConnection,
    user_id: Uuid,
    unread_only: bool,
    after: Option<Keyset>,
    limit: i64,
) -> QueryResult<Vec<NotificationRow>> {
    let mut query = notifications::table
        .filter(notifications::user_id.eq(user_id))
        .select(NotificationRow::as_select())
        .into_boxed();
    if unread_only {
        query = query.filter(notifications::read_at.is_null());
    }
    if let Some(after) = after {
        query = query.filter(
            notifications::created_at
                .lt(after.at)
                .or(notifications::created_at.eq(after.at).and(notifications::id.lt(after.id))),
        );
    }
    with_literal_limit(query.order((notifications::created_at.desc(), notifications::id.desc())), limit)
        .load(conn)
        .await
}

/// Marks a user's notification read; `None` when it is not theirs.
pub async fn mark_read(
    conn: &mut AsyncPgConnection,
    user_id: Uuid,
    id: Uuid,
    now: DateTime<Utc>,
) -> QueryResult<Option<NotificationRow>> {
    diesel::update(notifications::table.filter(notifications::id.eq(id)).filter(notifications::user_id.eq(user_id)))
        .set(
            notifications::read_at.eq(diesel::dsl::sql::<diesel::sql_types::Nullable<diesel::sql_types::Timestamptz>>(
                "coalesce(read_at, ",
            )
            .bind::<diesel::sql_types::Timestamptz, _>(now)
            .sql(")")),
        )
        .returning(NotificationRow::as_returning())
        .get_result(conn)
        .await
        .optional()
}

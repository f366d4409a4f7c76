//! Rows and queries of complaints and what hangs on them: reporters, supplements, the identity access log, tracking
//! sequences and idempotency keys.

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel::sql_types::{Bool, Text};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::Keyset;
use super::page::with_literal_limit;
use super::schema::{
    complaint_reporters, complaint_supplements, complaints, idempotency_keys, reporter_access_log, tracking_sequences,
};

/// A row of `complaints` (without the generated search vector).
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = complaints, check_for_backend(diesel::pg::Pg))]
pub struct ComplaintRow {
    pub id: Uuid,
    pub pemda_id: Uuid,
    pub tracking_code: String,
    pub classification: String,
    pub supervision: bool,
    pub channel: String,
    pub category_id: Option<Uuid>,
    pub title: String,
    pub body: String,
    pub incident_date: NaiveDate,
    pub service_date: Option<NaiveDate>,
    pub region_id: Option<Uuid>,
    pub location: Option<String>,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    pub anonymous: bool,
    pub confidential: bool,
    pub source_url: Option<String>,
    pub source_platform: Option<String>,
    pub source_captured_at: Option<DateTime<Utc>>,
    pub status: String,
    pub archive_reason: Option<String>,
    pub duplicate_of: Option<Uuid>,
    pub forwarded_to: Option<String>,
    pub policy_id: Uuid,
    pub verify_by: DateTime<Utc>,
    pub first_response_by: DateTime<Utc>,
    pub resolve_by: DateTime<Utc>,
    pub reporter_reply_by: Option<DateTime<Utc>>,
    pub verified_at: Option<DateTime<Utc>>,
    pub reporter_secret_hash: Vec<u8>,
    pub created_by: Option<Uuid>,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub reopen_count: i32,
    pub escalation_level: i16,
    pub closed_reason: Option<String>,
    pub finished_at: Option<DateTime<Utc>>,
    pub first_response_at: Option<DateTime<Utc>>,
    pub needs_redisposition: bool,
}

/// Columns a workflow step may change besides the status.
#[derive(Debug, Default, AsChangeset)]
#[diesel(table_name = complaints)]
pub struct ComplaintChanges {
    pub status: Option<String>,
    pub classification: Option<String>,
    pub supervision: Option<bool>,
    pub category_id: Option<Option<Uuid>>,
    pub title: Option<String>,
    pub anonymous: Option<bool>,
    pub confidential: Option<bool>,
    pub archive_reason: Option<Option<String>>,
    pub duplicate_of: Option<Option<Uuid>>,
    pub forwarded_to: Option<Option<String>>,
    pub verified_at: Option<Option<DateTime<Utc>>>,
    pub policy_id: Option<Uuid>,
    pub verify_by: Option<DateTime<Utc>>,
    pub first_response_by: Option<DateTime<Utc>>,
    pub resolve_by: Option<DateTime<Utc>>,
    pub reporter_reply_by: Option<Option<DateTime<Utc>>>,
    pub reopen_count: Option<i32>,
    pub closed_reason: Option<Option<String>>,
    pub finished_at: Option<Option<DateTime<Utc>>>,
    pub first_response_at: Option<DateTime<Utc>>,
    pub needs_redisposition: Option<bool>,
    pub escalation_level: Option<i16>,
}

impl ComplaintChanges {
    /// Sets the three deadlines.
    pub fn with_deadlines(mut self, deadlines: &crate::domain::deadlines::Deadlines) -> Self {
        self.verify_by = Some(deadlines.verify_by);
        self.first_response_by = Some(deadlines.first_response_by);
        self.resolve_by = Some(deadlines.resolve_by);
        self
    }
}

/// The sealed reporter identity of a complaint.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = complaint_reporters, check_for_backend(diesel::pg::Pg))]
pub struct ReporterRow {
    pub complaint_id: Uuid,
    pub nonce: Vec<u8>,
    pub ciphertext: Vec<u8>,
}

/// A row of `complaint_supplements`.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = complaint_supplements, check_for_backend(diesel::pg::Pg))]
pub struct SupplementRow {
    pub id: Uuid,
    pub complaint_id: Uuid,
    pub body: String,
    pub created_at: DateTime<Utc>,
}

/// A row of `reporter_access_log`.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = reporter_access_log, check_for_backend(diesel::pg::Pg))]
pub struct AccessLogRow {
    pub id: Uuid,
    pub complaint_id: Uuid,
    pub user_id: Uuid,
    pub accessed_at: DateTime<Utc>,
}

/// A stored idempotent response.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = idempotency_keys, check_for_backend(diesel::pg::Pg))]
pub struct IdempotencyRow {
    pub scope: String,
    pub key: String,
    pub request_hash: Vec<u8>,
    pub status: i16,
    pub nonce: Vec<u8>,
    pub response: Vec<u8>,
    pub created_at: DateTime<Utc>,
}

/// The order of the staff list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ComplaintSort {
    /// By arrival.
    CreatedAt,
    /// By last change.
    UpdatedAt,
    /// By resolution deadline.
    ResolveBy,
}

/// Filters of the staff list. Every field narrows the result. Serialisable: an asynchronous export keeps the filter
/// as it was resolved for its requester until a worker runs it.
#[derive(Debug, Default, serde::Serialize, serde::Deserialize)]
pub struct ComplaintFilter {
    /// Only these Pemda (the caller's reach); `None` for no restriction.
    pub pemda_ids: Option<Vec<Uuid>>,
    pub statuses: Vec<String>,
    pub classification: Option<String>,
    pub supervision: Option<bool>,
    pub channel: Option<String>,
    pub category_id: Option<Uuid>,
    pub region_id: Option<Uuid>,
    pub created_from: Option<DateTime<Utc>>,
    pub created_to: Option<DateTime<Utc>>,
    pub updated_after: Option<DateTime<Utc>>,
    /// Only complaints past a deadline at this instant.
    pub overdue_at: Option<DateTime<Utc>>,
    /// Full-text search over title and body (web-search syntax).
    pub q: Option<String>,
    /// Only complaints at this escalation level.
    pub escalation_level: Option<i16>,
}

/// Hands out the next tracking number of a Pemda for a year. Runs in its own short transaction (the caller's
/// connection must not be inside one), so the counter row is locked only for an instant.
pub async fn next_tracking_number(conn: &mut AsyncPgConnection, pemda_id: Uuid, year: i32) -> QueryResult<i64> {
    diesel::insert_into(tracking_sequences::table)
        .values((
            tracking_sequences::pemda_id.eq(pemda_id),
            tracking_sequences::year.eq(year),
            tracking_sequences::last_value.eq(1_i64),
        ))
        .on_conflict((tracking_sequences::pemda_id, tracking_sequences::year))
        .do_update()
        .set(tracking_sequences::last_value.eq(tracking_sequences::last_value + 1))
        .returning(tracking_sequences::last_value)
        .get_result(conn)
        .await
}

/// Inserts a complaint.
pub async fn insert(conn: &mut AsyncPgConnection, row: &ComplaintRow) -> QueryResult<ComplaintRow> {
    diesel::insert_into(complaints::table).values(row).returning(ComplaintRow::as_returning()).get_result(conn).await
}

/// Stores the sealed reporter identity.
pub async fn insert_reporter(conn: &mut AsyncPgConnection, row: &ReporterRow) -> QueryResult<()> {
    diesel::insert_into(complaint_reporters::table).values(row).execute(conn).await.map(drop)
}

/// The sealed reporter identity of a complaint, if one was given.
pub async fn reporter(conn: &mut AsyncPgConnection, complaint_id: Uuid) -> QueryResult<Option<ReporterRow>> {
    complaint_reporters::table.find(complaint_id).select(ReporterRow::as_select()).first(conn).await.optional()
}

/// The complaint `id`.
pub async fn find(conn: &mut AsyncPgConnection, id: Uuid) -> QueryResult<Option<ComplaintRow>> {
    complaints::table.find(id).select(ComplaintRow::as_select()).first(conn).await.optional()
}

/// The complaint `id`, locked for the rest of the transaction: workflow steps on one complaint run one at a time.
pub async fn lock(conn: &mut AsyncPgConnection, id: Uuid) -> QueryResult<Option<ComplaintRow>> {
    complaints::table.find(id).select(ComplaintRow::as_select()).for_update().first(conn).await.optional()
}

/// The complaint with this tracking code.
pub async fn find_by_tracking_code(conn: &mut AsyncPgConnection, code: &str) -> QueryResult<Option<ComplaintRow>> {
    complaints::table
        .filter(complaints::tracking_code.eq(code))
        .select(ComplaintRow::as_select())
        .first(conn)
        .await
        .optional()
}

/// Applies `changes` at `now` and bumps the version.
pub async fn update(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    changes: &ComplaintChanges,
    now: DateTime<Utc>,
) -> QueryResult<ComplaintRow> {
    diesel::update(complaints::table.find(id))
        .set((changes, complaints::version.eq(complaints::version + 1), complaints::updated_at.eq(now)))
        .returning(ComplaintRow::as_returning())
        .get_result(conn)
        .await
}

/// Appends what the reporter added.
pub async fn insert_supplement(conn: &mut AsyncPgConnection, row: &SupplementRow) -> QueryResult<()> {
    diesel::insert_into(complaint_supplements::table).values(row).execute(conn).await.map(drop)
}

/// What the reporter added, oldest first.
pub async fn supplements(conn: &mut AsyncPgConnection, complaint_id: Uuid) -> QueryResult<Vec<SupplementRow>> {
    complaint_supplements::table
        .filter(complaint_supplements::complaint_id.eq(complaint_id))
        .order(complaint_supplements::created_at)
        .select(SupplementRow::as_select())
        .load(conn)
        .await
}

/// Records a read of reporter identity.
pub async fn log_reporter_access(conn: &mut AsyncPgConnection, row: &AccessLogRow) -> QueryResult<()> {
    diesel::insert_into(reporter_access_log::table).values(row).execute(conn).await.map(drop)
}

/// Reads of reporter identity on complaints of these Pemda (all when `None`), oldest first after `after`.
pub async fn reporter_accesses(
    conn: &mut AsyncPgConnection,
    pemda_ids: Option<&[Uuid]>,
    complaint_id: Option<Uuid>,
    after: Option<Keyset>,
    limit: i64,
) -> QueryResult<Vec<AccessLogRow>> {
    let mut query =
        reporter_access_log::table.inner_join(complaints::table).select(AccessLogRow::as_select()).into_boxed();
    if let Some(pemda_ids) = pemda_ids {
        query = query.filter(complaints::pemda_id.eq_any(pemda_ids.to_vec()));
    }
    if let Some(complaint_id) = complaint_id {
        query = query.filter(reporter_access_log::complaint_id.eq(complaint_id));
    }
    if let Some(after) = after {
        query = query.filter(
            reporter_access_log::accessed_at
                .gt(after.at)
                .or(reporter_access_log::accessed_at.eq(after.at).and(reporter_access_log::id.gt(after.id))),
        );
    }
    with_literal_limit(query.order((reporter_access_log::accessed_at, reporter_access_log::id)), limit).load(conn).await
}

/// One page of the staff list.
pub async fn list(
    conn: &mut AsyncPgConnection,
    filter: &ComplaintFilter,
    sort: ComplaintSort,
    descending: bool,
    after: Option<Keyset>,
    limit: i64,
) -> QueryResult<Vec<ComplaintRow>> {
    let mut query = filtered(complaints::table.select(ComplaintRow::as_select()).into_boxed(), filter);
    macro_rules! keyset {
        ($column:expr) => {{
            if let Some(after) = after {
                query = if descending {
                    query.filter($column.lt(after.at).or($column.eq(after.at).and(complaints::id.lt(after.id))))
                } else {
                    query.filter($column.gt(after.at).or($column.eq(after.at).and(complaints::id.gt(after.id))))
                };
            }
            query = if descending {
                query.order(($column.desc(), complaints::id.desc()))
            } else {
                query.order(($column.asc(), complaints::id.asc()))
            };
        }};
    }
    match sort {
        ComplaintSort::CreatedAt => keyset!(complaints::created_at),
        ComplaintSort::UpdatedAt => keyset!(complaints::updated_at),
        ComplaintSort::ResolveBy => keyset!(complaints::resolve_by),
    }
    with_literal_limit(query, limit).load(conn).await
}

/// What an export reads of one complaint: the dates of each step and its deadlines, never its text or its reporter.
#[derive(Debug, Clone, Queryable)]
pub struct ExportRow {
    pub id: Uuid,
    pub tracking_code: String,
    pub created_at: DateTime<Utc>,
    pub classification: String,
    pub supervision: bool,
    pub channel: String,
    pub category_code: Option<String>,
    pub region_code: Option<String>,
    pub status: String,
    pub verify_by: DateTime<Utc>,
    pub verified_at: Option<DateTime<Utc>>,
    pub first_response_by: DateTime<Utc>,
    pub first_response_at: Option<DateTime<Utc>>,
    pub resolve_by: DateTime<Utc>,
    pub resolved_at: Option<DateTime<Utc>>,
    pub finished_at: Option<DateTime<Utc>>,
    pub closed_reason: Option<String>,
    pub archive_reason: Option<String>,
    pub reopen_count: i32,
    pub escalation_level: i16,
    pub units: Option<String>,
}

/// One page of an export: the complaints of `filter` after `after`, oldest first.
pub async fn export_page(
    conn: &mut AsyncPgConnection,
    filter: &ComplaintFilter,
    after: Option<Keyset>,
    limit: i64,
) -> QueryResult<Vec<ExportRow>> {
    use diesel::dsl::sql;
    use diesel::sql_types::{Nullable, Timestamptz};
    let selection = (
        complaints::id,
        complaints::tracking_code,
        complaints::created_at,
        complaints::classification,
        complaints::supervision,
        complaints::channel,
        sql::<Nullable<Text>>("(SELECT code FROM categories WHERE categories.id = complaints.category_id)"),
        sql::<Nullable<Text>>("(SELECT code FROM regions WHERE regions.id = complaints.region_id)"),
        complaints::status,
        complaints::verify_by,
        complaints::verified_at,
        complaints::first_response_by,
        complaints::first_response_at,
        complaints::resolve_by,
        // As the reports define resolution: the last final answer approved, once the reporter's turn has come.
        sql::<Nullable<Timestamptz>>(
            "(SELECT max(f.decided_at) FROM follow_ups f WHERE f.complaint_id = complaints.id AND f.final \
             AND f.status = 'approved' AND complaints.status IN ('awaiting_reporter', 'finished'))",
        ),
        complaints::finished_at,
        complaints::closed_reason,
        complaints::archive_reason,
        complaints::reopen_count,
        complaints::escalation_level,
        sql::<Nullable<Text>>(
            "(SELECT string_agg(u.name, '; ' ORDER BY u.name) FROM dispositions d JOIN units u ON u.id = d.unit_id \
             WHERE d.complaint_id = complaints.id AND d.status <> 'returned')",
        ),
    );
    let mut query = filtered(complaints::table.select(selection).into_boxed(), filter);
    if let Some(after) = after {
        query = query.filter(
            complaints::created_at
                .gt(after.at)
                .or(complaints::created_at.eq(after.at).and(complaints::id.gt(after.id))),
        );
    }
    with_literal_limit(query.order((complaints::created_at.asc(), complaints::id.asc())), limit).load(conn).await
}

/// `query` narrowed by every condition of `filter`.
fn filtered<'a, ST: 'a>(
    mut query: complaints::BoxedQuery<'a, diesel::pg::Pg, ST>,
    filter: &ComplaintFilter,
) -> complaints::BoxedQuery<'a, diesel::pg::Pg, ST> {
    if let Some(pemda_ids) = &filter.pemda_ids {
        query = match pemda_ids.as_slice() {
            [single] => query.filter(complaints::pemda_id.eq(*single)),
            many => query.filter(complaints::pemda_id.eq_any(many.to_vec())),
        };
    }
    match filter.statuses.as_slice() {
        [] => {}
        [single] => query = query.filter(complaints::status.eq(single.clone())),
        many => query = query.filter(complaints::status.eq_any(many.to_vec())),
    }
    if let Some(classification) = &filter.classification {
        query = query.filter(complaints::classification.eq(classification.clone()));
    }
    if let Some(supervision) = filter.supervision {
        query = query.filter(complaints::supervision.eq(supervision));
    }
    if let Some(channel) = &filter.channel {
        query = query.filter(complaints::channel.eq(channel.clone()));
    }
    if let Some(category_id) = filter.category_id {
        query = query.filter(complaints::category_id.eq(category_id));
    }
    if let Some(region_id) = filter.region_id {
        query = query.filter(complaints::region_id.eq(region_id));
    }
    if let Some(from) = filter.created_from {
        query = query.filter(complaints::created_at.ge(from));
    }
    if let Some(to) = filter.created_to {
        query = query.filter(complaints::created_at.lt(to));
    }
    if let Some(after) = filter.updated_after {
        query = query.filter(complaints::updated_at.gt(after));
    }
    if let Some(now) = filter.overdue_at {
        query = query.filter(complaints::status.ne_all(["archived", "forwarded", "finished"])).filter(
            complaints::status
                .eq_any(["submitted", "postponed"])
                .and(complaints::verify_by.lt(now))
                .or(complaints::resolve_by.lt(now)),
        );
    }
    if let Some(level) = filter.escalation_level {
        query = query.filter(complaints::escalation_level.eq(level));
    }
    if let Some(q) = &filter.q {
        query = query.filter(
            diesel::dsl::sql::<Bool>("search @@ websearch_to_tsquery('simple', ").bind::<Text, _>(q.clone()).sql(")"),
        );
    }
    query
}

/// The stored response for an idempotency key, if any.
pub async fn idempotent_response(
    conn: &mut AsyncPgConnection,
    scope: &str,
    key: &str,
) -> QueryResult<Option<IdempotencyRow>> {
    idempotency_keys::table.find((scope, key)).select(IdempotencyRow::as_select()).first(conn).await.optional()
}

/// Stores the response of an idempotent request. `false` when another request with the same key got there first
/// (its transaction committed meanwhile): the caller must roll back and answer with the stored response.
pub async fn store_idempotent_response(conn: &mut AsyncPgConnection, row: &IdempotencyRow) -> QueryResult<bool> {
    let inserted =
        diesel::insert_into(idempotency_keys::table).values(row).on_conflict_do_nothing().execute(conn).await?;
    Ok(inserted == 1)
}

/// Open complaints of one Pemda and how many of them are past a deadline (as the list's `overdue` filter counts).
#[derive(Debug, diesel::QueryableByName)]
pub struct OpenByPemda {
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub pemda_code: String,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    pub open: i64,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    pub overdue: i64,
}

/// Open and overdue complaints per Pemda at `now` (for the metrics). The overdue rule is the one `filtered` applies.
pub async fn open_by_pemda(conn: &mut AsyncPgConnection, now: DateTime<Utc>) -> QueryResult<Vec<OpenByPemda>> {
    diesel::sql_query(
        "SELECT u.code AS pemda_code, count(*) AS open, \
                count(*) FILTER (WHERE (c.status IN ('submitted', 'postponed') AND c.verify_by < $1) \
                                    OR c.resolve_by < $1) AS overdue \
         FROM complaints c JOIN units u ON u.id = c.pemda_id \
         WHERE c.status NOT IN ('archived', 'forwarded', 'finished') \
         GROUP BY u.code ORDER BY u.code",
    )
    .bind::<diesel::sql_types::Timestamptz, _>(now)
    .load(conn)
    .await
}

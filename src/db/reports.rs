//! The facts reports are computed from: one row per complaint or disposition in a scope, with the dates of each step
//! (first and last approved answers come from `follow_ups`). The figures themselves are `domain::report`'s.

use chrono::{DateTime, Utc};
use diesel::QueryableByName;
use diesel::pg::Pg;
use diesel::query_builder::BoxedSqlQuery;
use diesel::sql_types::{Array, Bool, Int2, Int4, Nullable, Text, Timestamptz, Uuid as SqlUuid};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

/// Which complaints a report covers: one Pemda, optionally narrowed.
#[derive(Debug, Clone, Default)]
pub struct ReportScope {
    /// The Pemda.
    pub pemda_id: Uuid,
    /// Only complaints disposed to one of these units (sent to it, or delegated to it).
    pub units: Option<Vec<Uuid>>,
    /// Only this classification.
    pub classification: Option<String>,
    /// Only this channel.
    pub channel: Option<String>,
    /// Only these categories (a category and its subtree).
    pub categories: Option<Vec<Uuid>>,
    /// Only these regions (a region and its subtree).
    pub regions: Option<Vec<Uuid>>,
    /// Only supervision complaints, or only the others.
    pub supervision: Option<bool>,
}

/// The conditions of a scope over `complaints c`, binding $1 to $7.
const SCOPE: &str = "c.pemda_id = $1 \
    AND ($2::uuid[] IS NULL OR EXISTS (SELECT 1 FROM dispositions sd WHERE sd.complaint_id = c.id \
         AND (sd.unit_id = ANY($2) OR sd.delegated_to = ANY($2)))) \
    AND ($3::text IS NULL OR c.classification = $3) \
    AND ($4::text IS NULL OR c.channel = $4) \
    AND ($5::uuid[] IS NULL OR c.category_id = ANY($5)) \
    AND ($6::uuid[] IS NULL OR c.region_id = ANY($6)) \
    AND ($7::bool IS NULL OR c.supervision = $7)";

fn scoped<'a>(sql: String, scope: &ReportScope) -> BoxedSqlQuery<'a, Pg, diesel::query_builder::SqlQuery> {
    diesel::sql_query(sql)
        .into_boxed()
        .bind::<SqlUuid, _>(scope.pemda_id)
        .bind::<Nullable<Array<SqlUuid>>, _>(scope.units.clone())
        .bind::<Nullable<Text>, _>(scope.classification.clone())
        .bind::<Nullable<Text>, _>(scope.channel.clone())
        .bind::<Nullable<Array<SqlUuid>>, _>(scope.categories.clone())
        .bind::<Nullable<Array<SqlUuid>>, _>(scope.regions.clone())
        .bind::<Nullable<Bool>, _>(scope.supervision)
}

/// One complaint as reports read it.
#[derive(Debug, Clone, QueryableByName)]
pub struct ComplaintFactsRow {
    #[diesel(sql_type = SqlUuid)]
    pub id: Uuid,
    #[diesel(sql_type = Timestamptz)]
    pub created_at: DateTime<Utc>,
    #[diesel(sql_type = Text)]
    pub classification: String,
    #[diesel(sql_type = Bool)]
    pub supervision: bool,
    #[diesel(sql_type = Text)]
    pub channel: String,
    #[diesel(sql_type = Nullable<SqlUuid>)]
    pub category_id: Option<Uuid>,
    #[diesel(sql_type = Nullable<SqlUuid>)]
    pub region_id: Option<Uuid>,
    #[diesel(sql_type = Text)]
    pub status: String,
    #[diesel(sql_type = Nullable<Text>)]
    pub archive_reason: Option<String>,
    #[diesel(sql_type = Timestamptz)]
    pub verify_by: DateTime<Utc>,
    #[diesel(sql_type = Timestamptz)]
    pub first_response_by: DateTime<Utc>,
    #[diesel(sql_type = Timestamptz)]
    pub resolve_by: DateTime<Utc>,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    pub verified_at: Option<DateTime<Utc>>,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    pub first_response_at: Option<DateTime<Utc>>,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    pub resolved_at: Option<DateTime<Utc>>,
    #[diesel(sql_type = Nullable<Text>)]
    pub closed_reason: Option<String>,
    #[diesel(sql_type = Int4)]
    pub reopen_count: i32,
    #[diesel(sql_type = Nullable<Int2>)]
    pub rating: Option<i16>,
    #[diesel(sql_type = Nullable<Bool>)]
    pub satisfied: Option<bool>,
}

const COMPLAINT_FACTS: &str = "SELECT c.id, c.created_at, c.classification, c.supervision, c.channel, c.category_id, \
       c.region_id, c.status, c.archive_reason, c.verify_by, c.first_response_by, c.resolve_by, c.verified_at, \
       c.first_response_at, c.closed_reason, c.reopen_count, \
       CASE WHEN c.status IN ('awaiting_reporter', 'finished') THEN \
         (SELECT max(f.decided_at) FROM follow_ups f WHERE f.complaint_id = c.id AND f.final AND f.status = 'approved') \
       END AS resolved_at, \
       fb.rating, fb.satisfied \
     FROM complaints c \
     LEFT JOIN LATERAL (SELECT rating, satisfied FROM complaint_feedback WHERE complaint_id = c.id \
                        ORDER BY created_at DESC, id DESC LIMIT 1) fb ON true";

/// The complaints of `scope` that the period `[start, end)` touches: received before its end, and received, changed
/// or due at or after its start.
pub async fn complaint_facts(
    conn: &mut AsyncPgConnection,
    scope: &ReportScope,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
) -> diesel::QueryResult<Vec<ComplaintFactsRow>> {
    let sql = format!(
        "{COMPLAINT_FACTS} WHERE {SCOPE} AND c.created_at < $8 \
         AND (c.updated_at >= $9 OR c.verify_by >= $9 OR c.first_response_by >= $9 OR c.resolve_by >= $9)"
    );
    scoped(sql, scope).bind::<Timestamptz, _>(end).bind::<Timestamptz, _>(start).load(conn).await
}

/// The open complaints of `scope` (not archived, forwarded or finished), whenever they arrived.
pub async fn open_complaint_facts(
    conn: &mut AsyncPgConnection,
    scope: &ReportScope,
) -> diesel::QueryResult<Vec<ComplaintFactsRow>> {
    let sql = format!("{COMPLAINT_FACTS} WHERE {SCOPE} AND c.status NOT IN ('archived', 'forwarded', 'finished')");
    scoped(sql, scope).load(conn).await
}

/// One disposition as reports read it.
#[derive(Debug, Clone, QueryableByName)]
pub struct DispositionFactsRow {
    #[diesel(sql_type = SqlUuid)]
    pub unit_id: Uuid,
    #[diesel(sql_type = SqlUuid)]
    pub complaint_id: Uuid,
    #[diesel(sql_type = Text)]
    pub status: String,
    #[diesel(sql_type = Nullable<Text>)]
    pub return_reason: Option<String>,
    #[diesel(sql_type = Bool)]
    pub delegated: bool,
    #[diesel(sql_type = Timestamptz)]
    pub created_at: DateTime<Utc>,
    #[diesel(sql_type = Timestamptz)]
    pub due_at: DateTime<Utc>,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    pub first_answer_at: Option<DateTime<Utc>>,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    pub completed_at: Option<DateTime<Utc>>,
    #[diesel(sql_type = Nullable<Bool>)]
    pub reporter_satisfied: Option<bool>,
}

const DISPOSITION_FACTS: &str = "SELECT d.unit_id, d.complaint_id, d.status, d.return_reason, \
       d.delegated_to IS NOT NULL AS delegated, d.created_at, d.due_at, \
       (SELECT min(f.decided_at) FROM follow_ups f WHERE f.disposition_id = d.id AND f.status = 'approved') \
         AS first_answer_at, \
       CASE WHEN d.status = 'completed' THEN \
         (SELECT max(f.decided_at) FROM follow_ups f WHERE f.disposition_id = d.id AND f.final AND f.status = 'approved') \
       END AS completed_at, \
       (SELECT fb.satisfied FROM complaint_feedback fb WHERE fb.complaint_id = d.complaint_id \
        ORDER BY fb.created_at DESC, fb.id DESC LIMIT 1) AS reporter_satisfied \
     FROM dispositions d JOIN complaints c ON c.id = d.complaint_id";

/// The dispositions of the scope's complaints sent within `[start, end)`.
pub async fn disposition_facts(
    conn: &mut AsyncPgConnection,
    scope: &ReportScope,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
) -> diesel::QueryResult<Vec<DispositionFactsRow>> {
    let sql = format!("{DISPOSITION_FACTS} WHERE {SCOPE} AND d.created_at >= $8 AND d.created_at < $9");
    scoped(sql, scope).bind::<Timestamptz, _>(start).bind::<Timestamptz, _>(end).load(conn).await
}

/// The open dispositions (sent, accepted, delegated) of the scope's complaints, whenever they were sent.
pub async fn open_disposition_facts(
    conn: &mut AsyncPgConnection,
    scope: &ReportScope,
) -> diesel::QueryResult<Vec<DispositionFactsRow>> {
    let sql = format!("{DISPOSITION_FACTS} WHERE {SCOPE} AND d.status IN ('sent', 'accepted', 'delegated')");
    scoped(sql, scope).load(conn).await
}

/// One escalation of a disposition.
#[derive(Debug, Clone, QueryableByName)]
pub struct EscalationRow {
    #[diesel(sql_type = SqlUuid)]
    pub unit_id: Uuid,
    #[diesel(sql_type = Int2)]
    pub level: i16,
}

/// The escalations raised within `[start, end)` on dispositions of the scope's complaints.
pub async fn escalations(
    conn: &mut AsyncPgConnection,
    scope: &ReportScope,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
) -> diesel::QueryResult<Vec<EscalationRow>> {
    let sql = format!(
        "SELECT d.unit_id, e.level FROM escalations e \
         JOIN dispositions d ON d.id = e.disposition_id JOIN complaints c ON c.id = d.complaint_id \
         WHERE {SCOPE} AND e.created_at >= $8 AND e.created_at < $9"
    );
    scoped(sql, scope).bind::<Timestamptz, _>(start).bind::<Timestamptz, _>(end).load(conn).await
}

/// Which units each complaint of a Pemda received within `[start, end)` went to (returned dispositions left out).
pub async fn disposed_units(
    conn: &mut AsyncPgConnection,
    pemda_id: Uuid,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
) -> diesel::QueryResult<Vec<(Uuid, Uuid)>> {
    #[derive(QueryableByName)]
    struct Pair {
        #[diesel(sql_type = SqlUuid)]
        complaint_id: Uuid,
        #[diesel(sql_type = SqlUuid)]
        unit_id: Uuid,
    }
    let rows: Vec<Pair> = diesel::sql_query(
        "SELECT DISTINCT d.complaint_id, d.unit_id FROM dispositions d JOIN complaints c ON c.id = d.complaint_id \
         WHERE c.pemda_id = $1 AND c.created_at >= $2 AND c.created_at < $3 AND d.status <> 'returned'",
    )
    .bind::<SqlUuid, _>(pemda_id)
    .bind::<Timestamptz, _>(start)
    .bind::<Timestamptz, _>(end)
    .load(conn)
    .await?;
    Ok(rows.into_iter().map(|pair| (pair.complaint_id, pair.unit_id)).collect())
}

/// One overdue item of the monthly report: an open disposition past its due date, or a report waiting for
/// verification past `verify_by`.
#[derive(Debug, Clone, QueryableByName)]
pub struct OverdueRow {
    #[diesel(sql_type = Text)]
    pub tracking_code: String,
    #[diesel(sql_type = Text)]
    pub title: String,
    #[diesel(sql_type = Bool)]
    pub supervision: bool,
    #[diesel(sql_type = Bool)]
    pub confidential: bool,
    /// The OPD holding it; `None` while the main admin has to verify it.
    #[diesel(sql_type = Nullable<Text>)]
    pub unit_name: Option<String>,
    #[diesel(sql_type = Timestamptz)]
    pub due_at: DateTime<Utc>,
}

/// Everything of a Pemda overdue at `now`, longest overdue first, at most `limit` items.
pub async fn overdue(
    conn: &mut AsyncPgConnection,
    pemda_id: Uuid,
    now: DateTime<Utc>,
    limit: i64,
) -> diesel::QueryResult<Vec<OverdueRow>> {
    diesel::sql_query(
        "SELECT c.tracking_code, c.title, c.supervision, c.confidential, u.name AS unit_name, d.due_at \
         FROM dispositions d JOIN complaints c ON c.id = d.complaint_id JOIN units u ON u.id = d.unit_id \
         WHERE c.pemda_id = $1 AND d.status IN ('sent', 'accepted', 'delegated') AND d.due_at < $2 \
         UNION ALL \
         SELECT c.tracking_code, c.title, c.supervision, c.confidential, NULL, c.verify_by \
         FROM complaints c WHERE c.pemda_id = $1 AND c.status IN ('submitted', 'postponed') AND c.verify_by < $2 \
         ORDER BY due_at, tracking_code LIMIT $3",
    )
    .bind::<SqlUuid, _>(pemda_id)
    .bind::<Timestamptz, _>(now)
    .bind::<diesel::sql_types::BigInt, _>(limit)
    .load(conn)
    .await
}

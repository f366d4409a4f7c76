//! Rows and queries of Rencana Aksi periods, forms, their rows and frozen versions.

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::schema::{
    action_plan_period_units, action_plan_periods, action_plan_realisations, action_plan_reviews, action_plan_rows,
    action_plan_versions, action_plans,
};

/// A row of `action_plan_periods`.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = action_plan_periods, check_for_backend(diesel::pg::Pg))]
pub struct PeriodRow {
    pub id: Uuid,
    pub pemda_id: Uuid,
    pub name: String,
    pub first_year: i32,
    pub last_year: i32,
    pub legal_basis: Option<String>,
    pub submission_deadline: Option<NaiveDate>,
    pub matrix: serde_json::Value,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// Changed columns of a period.
#[derive(Debug, Default, AsChangeset)]
#[diesel(table_name = action_plan_periods)]
pub struct PeriodChanges {
    pub name: Option<String>,
    pub legal_basis: Option<Option<String>>,
    pub submission_deadline: Option<Option<NaiveDate>>,
}

/// A row of `action_plans` (a form).
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = action_plans, check_for_backend(diesel::pg::Pg))]
pub struct PlanRow {
    pub id: Uuid,
    pub period_id: Uuid,
    pub unit_id: Uuid,
    pub status: String,
    pub current_version: i32,
    pub submitted_at: Option<DateTime<Utc>>,
    pub version: i32,
    pub created_by: Option<Uuid>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub letter_number: Option<String>,
    pub letter_date: Option<NaiveDate>,
    pub letter_attachment_id: Option<Uuid>,
}

/// A row of `action_plan_reviews`.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = action_plan_reviews, check_for_backend(diesel::pg::Pg))]
pub struct ReviewRow {
    pub id: Uuid,
    pub plan_id: Uuid,
    pub version_number: i32,
    pub reviewer_unit_id: Uuid,
    pub reviewer_id: Uuid,
    pub decision: String,
    pub comment: Option<String>,
    pub row_comments: serde_json::Value,
    pub created_at: DateTime<Utc>,
}

/// A row of `action_plan_rows` (a line of a form).
#[derive(Debug, Clone, Queryable, Selectable, Insertable, serde::Serialize)]
#[diesel(table_name = action_plan_rows, check_for_backend(diesel::pg::Pg))]
pub struct LineRow {
    pub id: Uuid,
    pub plan_id: Uuid,
    pub position: i32,
    pub template: bool,
    pub cells: serde_json::Value,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A row of `action_plan_versions`.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = action_plan_versions, check_for_backend(diesel::pg::Pg))]
pub struct VersionRow {
    pub plan_id: Uuid,
    pub number: i32,
    pub rows: serde_json::Value,
    pub submitted_by: Option<Uuid>,
    pub submitted_at: DateTime<Utc>,
}

/// Inserts a period with its target and reviewer units.
pub async fn insert_period(
    conn: &mut AsyncPgConnection,
    row: &PeriodRow,
    targets: &[Uuid],
    reviewers: &[Uuid],
) -> QueryResult<PeriodRow> {
    let period = diesel::insert_into(action_plan_periods::table)
        .values(row)
        .returning(PeriodRow::as_returning())
        .get_result(conn)
        .await?;
    let links: Vec<_> = targets
        .iter()
        .map(|unit| {
            (
                action_plan_period_units::period_id.eq(period.id),
                action_plan_period_units::unit_id.eq(*unit),
                action_plan_period_units::role.eq("target"),
            )
        })
        .chain(reviewers.iter().map(|unit| {
            (
                action_plan_period_units::period_id.eq(period.id),
                action_plan_period_units::unit_id.eq(*unit),
                action_plan_period_units::role.eq("reviewer"),
            )
        }))
        .collect();
    diesel::insert_into(action_plan_period_units::table).values(&links).execute(conn).await?;
    Ok(period)
}

/// The period `id`.
pub async fn find_period(conn: &mut AsyncPgConnection, id: Uuid) -> QueryResult<Option<PeriodRow>> {
    action_plan_periods::table.find(id).select(PeriodRow::as_select()).first(conn).await.optional()
}

/// The periods of these Pemda (all when `None`), newest first.
pub async fn periods(conn: &mut AsyncPgConnection, pemda_ids: Option<&[Uuid]>) -> QueryResult<Vec<PeriodRow>> {
    let mut query = action_plan_periods::table.select(PeriodRow::as_select()).into_boxed();
    if let Some(ids) = pemda_ids {
        query = query.filter(action_plan_periods::pemda_id.eq_any(ids.to_vec()));
    }
    query.order((action_plan_periods::first_year.desc(), action_plan_periods::created_at.desc())).load(conn).await
}

/// The units of a period with a role (`target` or `reviewer`).
pub async fn period_units(conn: &mut AsyncPgConnection, period_id: Uuid, role: &str) -> QueryResult<Vec<Uuid>> {
    action_plan_period_units::table
        .filter(action_plan_period_units::period_id.eq(period_id))
        .filter(action_plan_period_units::role.eq(role))
        .select(action_plan_period_units::unit_id)
        .order(action_plan_period_units::unit_id)
        .load(conn)
        .await
}

/// Applies changes to a period if still at `expected_version` (when given).
pub async fn update_period(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    expected_version: Option<i32>,
    changes: &PeriodChanges,
) -> QueryResult<Option<PeriodRow>> {
    let mut query = diesel::update(action_plan_periods::table).filter(action_plan_periods::id.eq(id)).into_boxed();
    if let Some(version) = expected_version {
        query = query.filter(action_plan_periods::version.eq(version));
    }
    query
        .set((
            changes,
            action_plan_periods::version.eq(action_plan_periods::version + 1),
            action_plan_periods::updated_at.eq(diesel::dsl::now),
        ))
        .returning(PeriodRow::as_returning())
        .get_result(conn)
        .await
        .optional()
}

/// Inserts a form; `None` when the unit already has one for the period.
pub async fn insert_plan(conn: &mut AsyncPgConnection, row: &PlanRow) -> QueryResult<Option<PlanRow>> {
    diesel::insert_into(action_plans::table)
        .values(row)
        .on_conflict_do_nothing()
        .returning(PlanRow::as_returning())
        .get_result(conn)
        .await
        .optional()
}

/// The form `id`.
pub async fn find_plan(conn: &mut AsyncPgConnection, id: Uuid) -> QueryResult<Option<PlanRow>> {
    action_plans::table.find(id).select(PlanRow::as_select()).first(conn).await.optional()
}

/// The form `id`, locked for the rest of the transaction.
pub async fn lock_plan(conn: &mut AsyncPgConnection, id: Uuid) -> QueryResult<Option<PlanRow>> {
    action_plans::table.find(id).select(PlanRow::as_select()).for_update().first(conn).await.optional()
}

/// Forms filtered by period, unit and status; `units` limits to those units (`None`: no limit).
pub async fn plans(
    conn: &mut AsyncPgConnection,
    periods: Option<&[Uuid]>,
    units: Option<&[Uuid]>,
    status: Option<&str>,
) -> QueryResult<Vec<PlanRow>> {
    let mut query = action_plans::table.select(PlanRow::as_select()).into_boxed();
    if let Some(periods) = periods {
        query = query.filter(action_plans::period_id.eq_any(periods.to_vec()));
    }
    if let Some(units) = units {
        query = query.filter(action_plans::unit_id.eq_any(units.to_vec()));
    }
    if let Some(status) = status {
        query = query.filter(action_plans::status.eq(status.to_owned()));
    }
    query.order((action_plans::created_at, action_plans::id)).load(conn).await
}

/// Sets a form's status (and submission data), bumping its version.
pub async fn set_plan_status(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    status: &str,
    current_version: Option<i32>,
    submitted_at: Option<DateTime<Utc>>,
) -> QueryResult<PlanRow> {
    diesel::update(action_plans::table.find(id))
        .set((
            action_plans::status.eq(status),
            current_version.map(|v| action_plans::current_version.eq(v)),
            submitted_at.map(|at| action_plans::submitted_at.eq(at)),
            action_plans::version.eq(action_plans::version + 1),
            action_plans::updated_at.eq(diesel::dsl::now),
        ))
        .returning(PlanRow::as_returning())
        .get_result(conn)
        .await
}

/// Bumps a form's version after an edit of its rows (so `If-Match` covers rows too).
pub async fn touch_plan(conn: &mut AsyncPgConnection, id: Uuid) -> QueryResult<PlanRow> {
    diesel::update(action_plans::table.find(id))
        .set((action_plans::version.eq(action_plans::version + 1), action_plans::updated_at.eq(diesel::dsl::now)))
        .returning(PlanRow::as_returning())
        .get_result(conn)
        .await
}

/// The lines of a form, in order.
pub async fn lines(conn: &mut AsyncPgConnection, plan_id: Uuid) -> QueryResult<Vec<LineRow>> {
    action_plan_rows::table
        .filter(action_plan_rows::plan_id.eq(plan_id))
        .order((action_plan_rows::position, action_plan_rows::created_at))
        .select(LineRow::as_select())
        .load(conn)
        .await
}

/// Inserts lines.
pub async fn insert_lines(conn: &mut AsyncPgConnection, rows: &[LineRow]) -> QueryResult<()> {
    diesel::insert_into(action_plan_rows::table).values(rows).execute(conn).await.map(drop)
}

/// Replaces a line's cells and position.
pub async fn update_line(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    cells: &serde_json::Value,
    position: i32,
) -> QueryResult<LineRow> {
    diesel::update(action_plan_rows::table.find(id))
        .set((
            action_plan_rows::cells.eq(cells),
            action_plan_rows::position.eq(position),
            action_plan_rows::updated_at.eq(diesel::dsl::now),
        ))
        .returning(LineRow::as_returning())
        .get_result(conn)
        .await
}

/// Gives each line of a form its position: the first id gets 1.
pub async fn set_line_positions(conn: &mut AsyncPgConnection, ordered: &[Uuid]) -> QueryResult<()> {
    for (index, id) in ordered.iter().enumerate() {
        let position = i32::try_from(index + 1).unwrap_or(i32::MAX);
        diesel::update(action_plan_rows::table.find(id))
            .set(action_plan_rows::position.eq(position))
            .execute(conn)
            .await?;
    }
    Ok(())
}

/// Removes a line.
pub async fn delete_line(conn: &mut AsyncPgConnection, id: Uuid) -> QueryResult<()> {
    diesel::delete(action_plan_rows::table.find(id)).execute(conn).await.map(drop)
}

/// Freezes a version.
pub async fn insert_version(conn: &mut AsyncPgConnection, row: &VersionRow) -> QueryResult<()> {
    diesel::insert_into(action_plan_versions::table).values(row).execute(conn).await.map(drop)
}

/// A frozen version.
pub async fn find_version(conn: &mut AsyncPgConnection, plan_id: Uuid, number: i32) -> QueryResult<Option<VersionRow>> {
    action_plan_versions::table.find((plan_id, number)).select(VersionRow::as_select()).first(conn).await.optional()
}

/// Records a review.
pub async fn insert_review(conn: &mut AsyncPgConnection, row: &ReviewRow) -> QueryResult<()> {
    diesel::insert_into(action_plan_reviews::table).values(row).execute(conn).await.map(drop)
}

/// The reviews of a form, oldest first.
pub async fn reviews(conn: &mut AsyncPgConnection, plan_id: Uuid) -> QueryResult<Vec<ReviewRow>> {
    action_plan_reviews::table
        .filter(action_plan_reviews::plan_id.eq(plan_id))
        .order((action_plan_reviews::created_at, action_plan_reviews::id))
        .select(ReviewRow::as_select())
        .load(conn)
        .await
}

/// Records the letter that sent the plan, and its new status.
pub async fn set_plan_sent(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    status: &str,
    letter_number: &str,
    letter_date: NaiveDate,
    letter_attachment_id: Option<Uuid>,
) -> QueryResult<PlanRow> {
    diesel::update(action_plans::table.find(id))
        .set((
            action_plans::status.eq(status),
            action_plans::letter_number.eq(letter_number),
            action_plans::letter_date.eq(letter_date),
            action_plans::letter_attachment_id.eq(letter_attachment_id),
            action_plans::version.eq(action_plans::version + 1),
            action_plans::updated_at.eq(diesel::dsl::now),
        ))
        .returning(PlanRow::as_returning())
        .get_result(conn)
        .await
}

/// A row of `action_plan_realisations`.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = action_plan_realisations, check_for_backend(diesel::pg::Pg))]
pub struct RealisationRow {
    pub id: Uuid,
    pub plan_id: Uuid,
    pub row_id: Uuid,
    pub year: i32,
    pub quarter: i16,
    pub realised_value: Option<f64>,
    pub realised_text: Option<String>,
    pub percent_achieved: Option<f64>,
    pub obstacles: Option<String>,
    pub evidence_urls: serde_json::Value,
    pub status: String,
    pub review_comment: Option<String>,
    pub recorded_by: Uuid,
    pub reviewed_by: Option<Uuid>,
    pub version: i32,
    pub updated_at: DateTime<Utc>,
}

/// The realisation of a row for a quarter, locked for the rest of the transaction.
pub async fn lock_realisation(
    conn: &mut AsyncPgConnection,
    row_id: Uuid,
    year: i32,
    quarter: i16,
) -> QueryResult<Option<RealisationRow>> {
    action_plan_realisations::table
        .filter(action_plan_realisations::row_id.eq(row_id))
        .filter(action_plan_realisations::year.eq(year))
        .filter(action_plan_realisations::quarter.eq(quarter))
        .select(RealisationRow::as_select())
        .for_update()
        .first(conn)
        .await
        .optional()
}

/// Inserts or replaces a realisation (the row of the same row, year and quarter), bumping its version.
pub async fn upsert_realisation(conn: &mut AsyncPgConnection, row: &RealisationRow) -> QueryResult<RealisationRow> {
    use diesel::upsert::excluded;
    diesel::insert_into(action_plan_realisations::table)
        .values(row)
        .on_conflict((
            action_plan_realisations::row_id,
            action_plan_realisations::year,
            action_plan_realisations::quarter,
        ))
        .do_update()
        .set((
            action_plan_realisations::realised_value.eq(excluded(action_plan_realisations::realised_value)),
            action_plan_realisations::realised_text.eq(excluded(action_plan_realisations::realised_text)),
            action_plan_realisations::percent_achieved.eq(excluded(action_plan_realisations::percent_achieved)),
            action_plan_realisations::obstacles.eq(excluded(action_plan_realisations::obstacles)),
            action_plan_realisations::evidence_urls.eq(excluded(action_plan_realisations::evidence_urls)),
            action_plan_realisations::status.eq(excluded(action_plan_realisations::status)),
            action_plan_realisations::recorded_by.eq(excluded(action_plan_realisations::recorded_by)),
            action_plan_realisations::version.eq(action_plan_realisations::version + 1),
            action_plan_realisations::updated_at.eq(excluded(action_plan_realisations::updated_at)),
        ))
        .returning(RealisationRow::as_returning())
        .get_result(conn)
        .await
}

/// Records the review team's decision on a realisation.
pub async fn review_realisation(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    status: &str,
    comment: Option<&str>,
    reviewer: Uuid,
) -> QueryResult<RealisationRow> {
    diesel::update(action_plan_realisations::table.find(id))
        .set((
            action_plan_realisations::status.eq(status),
            action_plan_realisations::review_comment.eq(comment),
            action_plan_realisations::reviewed_by.eq(reviewer),
            action_plan_realisations::version.eq(action_plan_realisations::version + 1),
            action_plan_realisations::updated_at.eq(diesel::dsl::now),
        ))
        .returning(RealisationRow::as_returning())
        .get_result(conn)
        .await
}

/// The realisations of these forms, by form, year and quarter.
pub async fn realisations(conn: &mut AsyncPgConnection, plan_ids: &[Uuid]) -> QueryResult<Vec<RealisationRow>> {
    action_plan_realisations::table
        .filter(action_plan_realisations::plan_id.eq_any(plan_ids.to_vec()))
        .order((action_plan_realisations::plan_id, action_plan_realisations::year, action_plan_realisations::quarter))
        .select(RealisationRow::as_select())
        .load(conn)
        .await
}

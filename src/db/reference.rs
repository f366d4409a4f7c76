//! Rows and queries of the reference data: categories, regions, holidays and deadline policies.

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::schema::{categories, deadline_policies, holidays, regions};

/// A row of `categories`.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = categories, check_for_backend(diesel::pg::Pg))]
pub struct CategoryRow {
    pub id: Uuid,
    pub pemda_id: Uuid,
    pub code: String,
    pub name: String,
    pub parent_id: Option<Uuid>,
    pub active: bool,
    pub created_at: DateTime<Utc>,
}

/// A row of `regions`.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = regions, check_for_backend(diesel::pg::Pg))]
pub struct RegionRow {
    pub id: Uuid,
    pub pemda_id: Uuid,
    pub kind: String,
    pub code: String,
    pub name: String,
    pub parent_id: Option<Uuid>,
    pub active: bool,
    pub created_at: DateTime<Utc>,
}

/// A row of `holidays`.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = holidays, check_for_backend(diesel::pg::Pg))]
pub struct HolidayRow {
    pub pemda_id: Uuid,
    pub date: NaiveDate,
    pub kind: String,
    pub name: String,
    pub source: Option<String>,
    pub created_at: DateTime<Utc>,
}

/// A row of `deadline_policies`.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = deadline_policies, check_for_backend(diesel::pg::Pg))]
pub struct PolicyRow {
    pub id: Uuid,
    pub pemda_id: Uuid,
    pub classification: String,
    pub supervision: bool,
    pub verify_days: i32,
    pub first_response_days: i32,
    pub resolve_days: i32,
    pub reporter_window_days: i32,
    pub regulation: String,
    pub valid_from: NaiveDate,
    pub valid_to: Option<NaiveDate>,
    pub created_by: Option<Uuid>,
    pub created_at: DateTime<Utc>,
}

/// Categories of a Pemda, by code.
pub async fn categories(conn: &mut AsyncPgConnection, pemda_id: Uuid) -> QueryResult<Vec<CategoryRow>> {
    categories::table
        .filter(categories::pemda_id.eq(pemda_id))
        .order(categories::code)
        .select(CategoryRow::as_select())
        .load(conn)
        .await
}

/// The category `id`, if it belongs to `pemda_id`.
pub async fn find_category(conn: &mut AsyncPgConnection, pemda_id: Uuid, id: Uuid) -> QueryResult<Option<CategoryRow>> {
    categories::table
        .filter(categories::id.eq(id))
        .filter(categories::pemda_id.eq(pemda_id))
        .select(CategoryRow::as_select())
        .first(conn)
        .await
        .optional()
}

/// Regions of a Pemda, by code.
pub async fn regions(conn: &mut AsyncPgConnection, pemda_id: Uuid) -> QueryResult<Vec<RegionRow>> {
    regions::table
        .filter(regions::pemda_id.eq(pemda_id))
        .order(regions::code)
        .select(RegionRow::as_select())
        .load(conn)
        .await
}

/// The region `id`, if it belongs to `pemda_id`.
pub async fn find_region(conn: &mut AsyncPgConnection, pemda_id: Uuid, id: Uuid) -> QueryResult<Option<RegionRow>> {
    regions::table
        .filter(regions::id.eq(id))
        .filter(regions::pemda_id.eq(pemda_id))
        .select(RegionRow::as_select())
        .first(conn)
        .await
        .optional()
}

/// Holidays of a Pemda between two dates (inclusive), by date.
pub async fn holidays(
    conn: &mut AsyncPgConnection,
    pemda_id: Uuid,
    from: NaiveDate,
    to: NaiveDate,
) -> QueryResult<Vec<HolidayRow>> {
    holidays::table
        .filter(holidays::pemda_id.eq(pemda_id))
        .filter(holidays::date.between(from, to))
        .order(holidays::date)
        .select(HolidayRow::as_select())
        .load(conn)
        .await
}

/// Just the dates, for a working-day calendar.
pub async fn holiday_dates(
    conn: &mut AsyncPgConnection,
    pemda_id: Uuid,
    from: NaiveDate,
    to: NaiveDate,
) -> QueryResult<Vec<NaiveDate>> {
    holidays::table
        .filter(holidays::pemda_id.eq(pemda_id))
        .filter(holidays::date.between(from, to))
        .select(holidays::date)
        .load(conn)
        .await
}

/// Adds a holiday unless the date is already one; returns whether it was added.
pub async fn insert_holiday(conn: &mut AsyncPgConnection, row: &HolidayRow) -> QueryResult<bool> {
    let inserted = diesel::insert_into(holidays::table).values(row).on_conflict_do_nothing().execute(conn).await?;
    Ok(inserted == 1)
}

/// Removes the holiday on `date`; returns whether there was one.
pub async fn delete_holiday(conn: &mut AsyncPgConnection, pemda_id: Uuid, date: NaiveDate) -> QueryResult<bool> {
    let deleted = diesel::delete(holidays::table.find((pemda_id, date))).execute(conn).await?;
    Ok(deleted == 1)
}

/// Every policy version of a Pemda, newest first within each kind of report.
pub async fn policies(conn: &mut AsyncPgConnection, pemda_id: Uuid) -> QueryResult<Vec<PolicyRow>> {
    deadline_policies::table
        .filter(deadline_policies::pemda_id.eq(pemda_id))
        .order((
            deadline_policies::classification,
            deadline_policies::supervision,
            deadline_policies::valid_from.desc(),
        ))
        .select(PolicyRow::as_select())
        .load(conn)
        .await
}

/// The policy for a kind of report valid on `on`.
pub async fn policy_on(
    conn: &mut AsyncPgConnection,
    pemda_id: Uuid,
    classification: &str,
    supervision: bool,
    on: NaiveDate,
) -> QueryResult<Option<PolicyRow>> {
    deadline_policies::table
        .filter(deadline_policies::pemda_id.eq(pemda_id))
        .filter(deadline_policies::classification.eq(classification))
        .filter(deadline_policies::supervision.eq(supervision))
        .filter(deadline_policies::valid_from.le(on))
        .filter(deadline_policies::valid_to.is_null().or(deadline_policies::valid_to.ge(on)))
        .order(deadline_policies::valid_from.desc())
        .select(PolicyRow::as_select())
        .first(conn)
        .await
        .optional()
}

/// Locks the policy versions of one kind of report, so two admins adding versions at once are serialised.
pub async fn lock_policies(
    conn: &mut AsyncPgConnection,
    pemda_id: Uuid,
    classification: &str,
    supervision: bool,
) -> QueryResult<Vec<PolicyRow>> {
    deadline_policies::table
        .filter(deadline_policies::pemda_id.eq(pemda_id))
        .filter(deadline_policies::classification.eq(classification))
        .filter(deadline_policies::supervision.eq(supervision))
        .order(deadline_policies::valid_from)
        .select(PolicyRow::as_select())
        .for_update()
        .load(conn)
        .await
}

/// Ends an open policy version the day before its successor starts.
pub async fn end_policy(conn: &mut AsyncPgConnection, id: Uuid, valid_to: NaiveDate) -> QueryResult<()> {
    diesel::update(deadline_policies::table.find(id))
        .set(deadline_policies::valid_to.eq(valid_to))
        .execute(conn)
        .await
        .map(drop)
}

/// Inserts a policy version.
pub async fn insert_policy(conn: &mut AsyncPgConnection, row: &PolicyRow) -> QueryResult<PolicyRow> {
    diesel::insert_into(deadline_policies::table)
        .values(row)
        .returning(PolicyRow::as_returning())
        .get_result(conn)
        .await
}

/// Inserts a category; `None` when the Pemda already has its code.
pub async fn insert_category(conn: &mut AsyncPgConnection, row: &CategoryRow) -> QueryResult<Option<CategoryRow>> {
    diesel::insert_into(categories::table)
        .values(row)
        .on_conflict_do_nothing()
        .returning(CategoryRow::as_returning())
        .get_result(conn)
        .await
        .optional()
}

/// Renames or (de)activates a category of `pemda_id`.
pub async fn update_category(
    conn: &mut AsyncPgConnection,
    pemda_id: Uuid,
    id: Uuid,
    name: Option<String>,
    active: Option<bool>,
) -> QueryResult<Option<CategoryRow>> {
    #[derive(AsChangeset)]
    #[diesel(table_name = categories)]
    struct Changes {
        name: Option<String>,
        active: Option<bool>,
    }
    let target = categories::table.filter(categories::id.eq(id)).filter(categories::pemda_id.eq(pemda_id));
    if name.is_none() && active.is_none() {
        return target.select(CategoryRow::as_select()).first(conn).await.optional();
    }
    diesel::update(target)
        .set(Changes { name, active })
        .returning(CategoryRow::as_returning())
        .get_result(conn)
        .await
        .optional()
}

/// Inserts a region; `None` when the Pemda already has its code.
pub async fn insert_region(conn: &mut AsyncPgConnection, row: &RegionRow) -> QueryResult<Option<RegionRow>> {
    diesel::insert_into(regions::table)
        .values(row)
        .on_conflict_do_nothing()
        .returning(RegionRow::as_returning())
        .get_result(conn)
        .await
        .optional()
}

/// Whether the Pemda has any deadline-policy version for this kind of report.
pub async fn has_policy(
    conn: &mut AsyncPgConnection,
    pemda_id: Uuid,
    classification: &str,
    supervision: bool,
) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        deadline_policies::table
            .filter(deadline_policies::pemda_id.eq(pemda_id))
            .filter(deadline_policies::classification.eq(classification))
            .filter(deadline_policies::supervision.eq(supervision)),
    ))
    .get_result(conn)
    .await
}

/// The id of the Pemda's category with `code`.
pub async fn category_id_by_code(
    conn: &mut AsyncPgConnection,
    pemda_id: Uuid,
    code: &str,
) -> QueryResult<Option<Uuid>> {
    categories::table
        .filter(categories::pemda_id.eq(pemda_id))
        .filter(categories::code.eq(code))
        .select(categories::id)
        .first(conn)
        .await
        .optional()
}

/// The latest national holiday or cuti bersama in the Pemda's calendar: the calendar counts working days correctly up
/// to the end of its year.
pub async fn last_national_holiday(conn: &mut AsyncPgConnection, pemda_id: Uuid) -> QueryResult<Option<NaiveDate>> {
    holidays::table
        .filter(holidays::pemda_id.eq(pemda_id))
        .filter(holidays::kind.eq_any(["national", "cuti_bersama"]))
        .select(diesel::dsl::max(holidays::date))
        .first(conn)
        .await
}

/// The latest national holiday or cuti bersama of every Pemda calendar that has one, in one pass.
pub async fn last_national_holidays(conn: &mut AsyncPgConnection) -> QueryResult<Vec<(Uuid, Option<NaiveDate>)>> {
    holidays::table
        .filter(holidays::kind.eq_any(["national", "cuti_bersama"]))
        .group_by(holidays::pemda_id)
        .select((holidays::pemda_id, diesel::dsl::max(holidays::date)))
        .load(conn)
        .await
}

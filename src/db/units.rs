//! Rows and queries of `units`.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::Uuid as SqlUuid;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::Keyset;
use super::page::with_literal_limit;
use super::schema::units;

/// A row of `units`.
#[derive(Debug, Clone, Queryable, QueryableByName, Selectable)]
#[diesel(table_name = units, check_for_backend(diesel::pg::Pg))]
pub struct UnitRow {
    pub id: Uuid,
    pub kind: String,
    pub code: String,
    pub name: String,
    pub short_name: Option<String>,
    pub parent_id: Option<Uuid>,
    pub active: bool,
    pub inspectorate: bool,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A new unit.
#[derive(Debug, Insertable)]
#[diesel(table_name = units)]
pub struct NewUnitRow<'a> {
    pub id: Uuid,
    pub kind: &'a str,
    pub code: &'a str,
    pub name: &'a str,
    pub short_name: Option<&'a str>,
    pub parent_id: Option<Uuid>,
    pub active: bool,
    pub inspectorate: bool,
}

/// Changed columns of a unit; `None` leaves a column as it is.
#[derive(Debug, Default, AsChangeset)]
#[diesel(table_name = units)]
pub struct UnitChanges {
    pub name: Option<String>,
    pub short_name: Option<Option<String>>,
    pub parent_id: Option<Option<Uuid>>,
    pub active: Option<bool>,
    pub inspectorate: Option<bool>,
}

/// Filters of the unit list.
#[derive(Debug, Default)]
pub struct UnitFilter {
    /// Only units with one of these ids (the caller's reach); `None` for no restriction.
    pub within: Option<Vec<Uuid>>,
    pub kind: Option<String>,
    pub parent_id: Option<Uuid>,
    pub active: Option<bool>,
}

/// The unit with `id`, if any.
pub async fn find(conn: &mut AsyncPgConnection, id: Uuid) -> QueryResult<Option<UnitRow>> {
    units::table.find(id).select(UnitRow::as_select()).first(conn).await.optional()
}

/// The unit with `code` (codes are stored upper-case), if any.
pub async fn find_by_code(conn: &mut AsyncPgConnection, code: &str) -> QueryResult<Option<UnitRow>> {
    units::table.filter(units::code.eq(code)).select(UnitRow::as_select()).first(conn).await.optional()
}

/// Inserts a unit.
pub async fn insert(conn: &mut AsyncPgConnection, unit: &NewUnitRow<'_>) -> QueryResult<UnitRow> {
    diesel::insert_into(units::table).values(unit).returning(UnitRow::as_returning()).get_result(conn).await
}

/// Applies `changes` if the row is still at `expected_version` (when given); bumps the version.
/// `None` when the row does not exist or has moved on.
pub async fn update(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    expected_version: Option<i32>,
    changes: &UnitChanges,
) -> QueryResult<Option<UnitRow>> {
    let mut query = diesel::update(units::table).filter(units::id.eq(id)).into_boxed();
    if let Some(version) = expected_version {
        query = query.filter(units::version.eq(version));
    }
    query
        .set((changes, units::version.eq(units::version + 1), units::updated_at.eq(diesel::dsl::now)))
        .returning(UnitRow::as_returning())
        .get_result(conn)
        .await
        .optional()
}

/// The unit `id` followed by each of its ancestors up to the root; empty when the unit does not exist.
pub async fn ancestry(conn: &mut AsyncPgConnection, id: Uuid) -> QueryResult<Vec<UnitRow>> {
    diesel::sql_query(
        "WITH RECURSIVE up AS ( \
             SELECT u.*, 0 AS depth FROM units u WHERE u.id = $1 \
             UNION ALL \
             SELECT p.*, up.depth + 1 FROM units p JOIN up ON p.id = up.parent_id WHERE up.depth < 64 \
         ) \
         SELECT id, kind, code, name, short_name, parent_id, active, inspectorate, version, created_at, updated_at \
         FROM up ORDER BY depth",
    )
    .bind::<SqlUuid, _>(id)
    .load(conn)
    .await
}

/// The ids of `root` and of every unit below it within its Pemda: the walk does not enter a Pemda hanging below
/// (a province's kabupaten/kota are Pemdas of their own).
pub async fn subtree_ids(conn: &mut AsyncPgConnection, root: Uuid) -> QueryResult<Vec<Uuid>> {
    #[derive(QueryableByName)]
    struct Id {
        #[diesel(sql_type = SqlUuid)]
        id: Uuid,
    }
    let rows: Vec<Id> = diesel::sql_query(
        "WITH RECURSIVE down AS ( \
             SELECT id, 0 AS depth FROM units WHERE id = $1 \
             UNION ALL \
             SELECT c.id, down.depth + 1 FROM units c JOIN down ON c.parent_id = down.id \
             WHERE down.depth < 64 AND c.kind NOT IN ('province', 'regency', 'city') \
         ) SELECT id FROM down",
    )
    .bind::<SqlUuid, _>(root)
    .load(conn)
    .await?;
    Ok(rows.into_iter().map(|row| row.id).collect())
}

/// One page of units in creation order, after `after`.
pub async fn list(
    conn: &mut AsyncPgConnection,
    filter: &UnitFilter,
    after: Option<Keyset>,
    limit: i64,
) -> QueryResult<Vec<UnitRow>> {
    let mut query = units::table.select(UnitRow::as_select()).into_boxed();
    if let Some(ids) = &filter.within {
        query = query.filter(units::id.eq_any(ids.clone()));
    }
    if let Some(kind) = &filter.kind {
        query = query.filter(units::kind.eq(kind.clone()));
    }
    if let Some(parent) = filter.parent_id {
        query = query.filter(units::parent_id.eq(parent));
    }
    if let Some(active) = filter.active {
        query = query.filter(units::active.eq(active));
    }
    if let Some(after) = after {
        query =
            query.filter(units::created_at.gt(after.at).or(units::created_at.eq(after.at).and(units::id.gt(after.id))));
    }
    with_literal_limit(query.order((units::created_at.asc(), units::id.asc())), limit).load(conn).await
}

/// Every Pemda (province, regency, city), by code.
pub async fn pemdas(conn: &mut AsyncPgConnection) -> QueryResult<Vec<UnitRow>> {
    units::table
        .filter(units::kind.eq_any(["province", "regency", "city"]))
        .order(units::code)
        .select(UnitRow::as_select())
        .load(conn)
        .await
}

/// The units directly below `parent` whose kind is one of `kinds`, by name: a Pemda's OPDs, a province's
/// kabupaten/kota.
pub async fn children_of_kind(conn: &mut AsyncPgConnection, parent: Uuid, kinds: &[&str]) -> QueryResult<Vec<UnitRow>> {
    units::table
        .filter(units::parent_id.eq(parent))
        .filter(units::kind.eq_any(kinds))
        .order((units::name, units::id))
        .select(UnitRow::as_select())
        .load(conn)
        .await
}

/// Hangs `id` below `parent` if it stands at the top of a tree; `false` when it already had a parent.
pub async fn adopt_if_top(conn: &mut AsyncPgConnection, id: Uuid, parent: Uuid) -> QueryResult<bool> {
    let moved = diesel::update(units::table.filter(units::id.eq(id)).filter(units::parent_id.is_null()))
        .set(units::parent_id.eq(parent))
        .execute(conn)
        .await?;
    Ok(moved == 1)
}

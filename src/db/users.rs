//! Rows and queries of `users`.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::Keyset;
use super::page::with_literal_limit;
use super::schema::{sessions, units, users};

/// A row of `users`.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = users, check_for_backend(diesel::pg::Pg))]
pub struct UserRow {
    pub id: Uuid,
    pub email: String,
    pub name: String,
    pub nip: Option<String>,
    pub phone: Option<String>,
    pub unit_id: Uuid,
    pub role: String,
    pub active: bool,
    pub password_hash: String,
    pub password_changed_at: DateTime<Utc>,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A new account.
#[derive(Debug, Insertable)]
#[diesel(table_name = users)]
pub struct NewUserRow<'a> {
    pub id: Uuid,
    pub email: &'a str,
    pub name: &'a str,
    pub nip: Option<&'a str>,
    pub phone: Option<&'a str>,
    pub unit_id: Uuid,
    pub role: &'a str,
    pub active: bool,
    pub password_hash: &'a str,
}

/// Changed columns of an account; `None` leaves a column as it is.
#[derive(Debug, Default, AsChangeset)]
#[diesel(table_name = users)]
pub struct UserChanges {
    pub name: Option<String>,
    pub nip: Option<Option<String>>,
    pub phone: Option<Option<String>>,
    pub unit_id: Option<Uuid>,
    pub role: Option<String>,
    pub active: Option<bool>,
}

/// What the authentication extractor needs to know about the caller, read in one round trip.
#[derive(Debug, Clone, Queryable)]
pub struct SessionUser {
    pub id: Uuid,
    pub role: String,
    pub unit_id: Uuid,
    pub active: bool,
    /// The nearest province, regency or city at or above the user's unit.
    pub pemda_id: Option<Uuid>,
}

/// Filters of the user list.
#[derive(Debug, Default)]
pub struct UserFilter {
    /// Only accounts of these units (the caller's reach); `None` for no restriction.
    pub units: Option<Vec<Uuid>>,
    pub unit_id: Option<Uuid>,
    pub role: Option<String>,
    pub active: Option<bool>,
}

/// The account with `id`, if any.
pub async fn find(conn: &mut AsyncPgConnection, id: Uuid) -> QueryResult<Option<UserRow>> {
    users::table.find(id).select(UserRow::as_select()).first(conn).await.optional()
}

/// The account with this (lower-case) e-mail, if any.
pub async fn find_by_email(conn: &mut AsyncPgConnection, email: &str) -> QueryResult<Option<UserRow>> {
    users::table
        .filter(diesel::dsl::sql::<diesel::sql_types::Text>("lower(email)").eq(email))
        .select(UserRow::as_select())
        .first(conn)
        .await
        .optional()
}

/// The user of a live (unrevoked) session with their Pemda, or `None`.
///
/// Every authenticated request runs this, so it is a fixed DSL query: diesel keeps it prepared on each connection,
/// and the Pemda comes from the denormalised `units.pemda_id` rather than a walk up the unit tree.
pub async fn find_session_user(
    conn: &mut AsyncPgConnection,
    user_id: Uuid,
    session_id: Uuid,
) -> QueryResult<Option<SessionUser>> {
    users::table
        .inner_join(sessions::table.on(sessions::user_id.eq(users::id)))
        .inner_join(units::table.on(units::id.eq(users::unit_id)))
        .filter(users::id.eq(user_id))
        .filter(sessions::id.eq(session_id))
        .filter(sessions::revoked_at.is_null())
        .select((users::id, users::role, users::unit_id, users::active, units::pemda_id))
        .first(conn)
        .await
        .optional()
}

/// An account as it is now, with its Pemda (for work done on its behalf outside a request, such as an export).
pub async fn find_with_pemda(conn: &mut AsyncPgConnection, user_id: Uuid) -> QueryResult<Option<SessionUser>> {
    users::table
        .inner_join(units::table.on(units::id.eq(users::unit_id)))
        .filter(users::id.eq(user_id))
        .select((users::id, users::role, users::unit_id, users::active, units::pemda_id))
        .first(conn)
        .await
        .optional()
}

/// Inserts an account.
pub async fn insert(conn: &mut AsyncPgConnection, user: &NewUserRow<'_>) -> QueryResult<UserRow> {
    diesel::insert_into(users::table).values(user).returning(UserRow::as_returning()).get_result(conn).await
}

/// Applies `changes` if the row is still at `expected_version` (when given); bumps the version.
pub async fn update(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    expected_version: Option<i32>,
    changes: &UserChanges,
) -> QueryResult<Option<UserRow>> {
    let mut query = diesel::update(users::table).filter(users::id.eq(id)).into_boxed();
    if let Some(version) = expected_version {
        query = query.filter(users::version.eq(version));
    }
    query
        .set((changes, users::version.eq(users::version + 1), users::updated_at.eq(diesel::dsl::now)))
        .returning(UserRow::as_returning())
        .get_result(conn)
        .await
        .optional()
}

/// Replaces the password hash.
pub async fn set_password_hash(conn: &mut AsyncPgConnection, id: Uuid, hash: &str) -> QueryResult<usize> {
    diesel::update(users::table.find(id))
        .set((
            users::password_hash.eq(hash),
            users::password_changed_at.eq(diesel::dsl::now),
            users::version.eq(users::version + 1),
            users::updated_at.eq(diesel::dsl::now),
        ))
        .execute(conn)
        .await
}

/// One page of accounts in creation order, after `after`.
pub async fn list(
    conn: &mut AsyncPgConnection,
    filter: &UserFilter,
    after: Option<Keyset>,
    limit: i64,
) -> QueryResult<Vec<UserRow>> {
    let mut query = users::table.select(UserRow::as_select()).into_boxed();
    if let Some(units) = &filter.units {
        query = query.filter(users::unit_id.eq_any(units.clone()));
    }
    if let Some(unit) = filter.unit_id {
        query = query.filter(users::unit_id.eq(unit));
    }
    if let Some(role) = &filter.role {
        query = query.filter(users::role.eq(role.clone()));
    }
    if let Some(active) = filter.active {
        query = query.filter(users::active.eq(active));
    }
    if let Some(after) = after {
        query =
            query.filter(users::created_at.gt(after.at).or(users::created_at.eq(after.at).and(users::id.gt(after.id))));
    }
    with_literal_limit(query.order((users::created_at.asc(), users::id.asc())), limit).load(conn).await
}

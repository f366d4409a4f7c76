//! Rows and queries of `api_clients`: machine clients of a Pemda.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::schema::api_clients;

/// A row of `api_clients`.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = api_clients, check_for_backend(diesel::pg::Pg))]
pub struct ApiClientRow {
    pub id: Uuid,
    pub pemda_id: Uuid,
    pub name: String,
    pub scopes: Vec<String>,
    pub channel: Option<String>,
    pub secret_hash: Vec<u8>,
    pub previous_secret_hash: Option<Vec<u8>>,
    pub previous_secret_valid_until: Option<DateTime<Utc>>,
    pub rate_limit_per_minute: i32,
    pub expires_at: Option<DateTime<Utc>>,
    pub active: bool,
    pub revoked_at: Option<DateTime<Utc>>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub created_by: Uuid,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// Fields an admin changes.
#[derive(Debug, Default, AsChangeset)]
#[diesel(table_name = api_clients)]
pub struct ApiClientChanges {
    pub name: Option<String>,
    pub scopes: Option<Vec<String>>,
    pub channel: Option<Option<String>>,
    pub rate_limit_per_minute: Option<i32>,
    pub expires_at: Option<Option<DateTime<Utc>>>,
    pub active: Option<bool>,
    pub secret_hash: Option<Vec<u8>>,
    pub previous_secret_hash: Option<Option<Vec<u8>>>,
    pub previous_secret_valid_until: Option<Option<DateTime<Utc>>>,
    pub revoked_at: Option<Option<DateTime<Utc>>>,
    pub updated_at: Option<DateTime<Utc>>,
}

/// Adds a client.
pub async fn insert(conn: &mut AsyncPgConnection, row: &ApiClientRow) -> QueryResult<ApiClientRow> {
    diesel::insert_into(api_clients::table).values(row).returning(ApiClientRow::as_returning()).get_result(conn).await
}

/// A client by id.
pub async fn find(conn: &mut AsyncPgConnection, id: Uuid) -> QueryResult<Option<ApiClientRow>> {
    api_clients::table.find(id).select(ApiClientRow::as_select()).first(conn).await.optional()
}

/// The client whose current or previous secret has this hash (the Open311 `api_key`).
pub async fn find_by_secret_hash(conn: &mut AsyncPgConnection, hash: &[u8]) -> QueryResult<Option<ApiClientRow>> {
    api_clients::table
        .filter(api_clients::secret_hash.eq(hash).or(api_clients::previous_secret_hash.eq(hash)))
        .select(ApiClientRow::as_select())
        .first(conn)
        .await
        .optional()
}

/// The clients of a Pemda (every Pemda's for `None`), oldest first.
pub async fn list(conn: &mut AsyncPgConnection, pemda_id: Option<Uuid>) -> QueryResult<Vec<ApiClientRow>> {
    let mut query = api_clients::table.select(ApiClientRow::as_select()).order(api_clients::created_at).into_boxed();
    if let Some(pemda_id) = pemda_id {
        query = query.filter(api_clients::pemda_id.eq(pemda_id));
    }
    query.load(conn).await
}

/// Applies `changes`; the row after.
pub async fn update(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    changes: &ApiClientChanges,
) -> QueryResult<Option<ApiClientRow>> {
    diesel::update(api_clients::table.find(id))
        .set(changes)
        .returning(ApiClientRow::as_returning())
        .get_result(conn)
        .await
        .optional()
}

/// Records a use, at most once a minute per client (a write per request would cost more than the request).
pub async fn touch(conn: &mut AsyncPgConnection, id: Uuid, now: DateTime<Utc>) -> QueryResult<usize> {
    diesel::update(api_clients::table.find(id).filter(
        api_clients::last_used_at.is_null().or(api_clients::last_used_at.lt(now - chrono::Duration::minutes(1))),
    ))
    .set(api_clients::last_used_at.eq(now))
    .execute(conn)
    .await
}

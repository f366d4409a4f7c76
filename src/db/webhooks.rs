//! Rows and queries of webhook endpoints, their deliveries and every attempt.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Timestamptz};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::schema::{webhook_attempts, webhook_deliveries, webhook_endpoints};

/// A row of `webhook_endpoints`.
#[derive(Debug, Clone, Queryable, Selectable, Insertable, QueryableByName)]
#[diesel(table_name = webhook_endpoints, check_for_backend(diesel::pg::Pg))]
pub struct EndpointRow {
    pub id: Uuid,
    pub pemda_id: Uuid,
    pub url: String,
    pub description: String,
    pub event_types: Vec<String>,
    pub secret_sealed: Vec<u8>,
    pub previous_secret_sealed: Option<Vec<u8>>,
    pub previous_secret_valid_until: Option<DateTime<Utc>>,
    pub active: bool,
    pub disabled_reason: Option<String>,
    pub failing_since: Option<DateTime<Utc>>,
    pub cursor_txid: i64,
    pub cursor_row: i64,
    pub created_by: Option<Uuid>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// Fields that change.
#[derive(Debug, Default, AsChangeset)]
#[diesel(table_name = webhook_endpoints)]
pub struct EndpointChanges {
    pub url: Option<String>,
    pub description: Option<String>,
    pub event_types: Option<Vec<String>>,
    pub secret_sealed: Option<Vec<u8>>,
    pub previous_secret_sealed: Option<Option<Vec<u8>>>,
    pub previous_secret_valid_until: Option<Option<DateTime<Utc>>>,
    pub active: Option<bool>,
    pub disabled_reason: Option<Option<String>>,
    pub failing_since: Option<Option<DateTime<Utc>>>,
    pub cursor_txid: Option<i64>,
    pub cursor_row: Option<i64>,
    pub updated_at: Option<DateTime<Utc>>,
}

/// A row of `webhook_deliveries`.
#[derive(Debug, Clone, Queryable, Selectable, Insertable, QueryableByName)]
#[diesel(table_name = webhook_deliveries, check_for_backend(diesel::pg::Pg))]
pub struct DeliveryRow {
    pub id: Uuid,
    pub endpoint_id: Uuid,
    pub change_id: i64,
    pub event_type: String,
    pub payload: String,
    pub status: String,
    pub attempts: i32,
    pub next_attempt_at: Option<DateTime<Utc>>,
    pub last_attempt_at: Option<DateTime<Utc>>,
    pub last_response_status: Option<i32>,
    pub last_duration_ms: Option<i32>,
    pub last_error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub delivered_at: Option<DateTime<Utc>>,
}

/// A row of `webhook_attempts`.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = webhook_attempts, check_for_backend(diesel::pg::Pg))]
pub struct AttemptRow {
    pub id: i64,
    pub delivery_id: Uuid,
    pub attempt: i32,
    pub attempted_at: DateTime<Utc>,
    pub response_status: Option<i32>,
    pub duration_ms: i32,
    pub error: Option<String>,
    pub succeeded: bool,
}

/// An attempt to record.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = webhook_attempts)]
pub struct NewAttempt {
    pub delivery_id: Uuid,
    pub attempt: i32,
    pub attempted_at: DateTime<Utc>,
    pub response_status: Option<i32>,
    pub duration_ms: i32,
    pub error: Option<String>,
    pub succeeded: bool,
}

/// Adds an endpoint whose cursor starts at the present: it hears of changes from transactions still running or yet
/// to start, never of history (the change feed has that).
pub async fn insert_endpoint(conn: &mut AsyncPgConnection, row: &EndpointRow) -> QueryResult<EndpointRow> {
    let start = present_position(conn).await?;
    // Change rows are numbered from 1, so (xmin, 0) precedes every change of xmin and later transactions.
    let row = EndpointRow { cursor_txid: start, cursor_row: 0, ..row.clone() };
    diesel::insert_into(webhook_endpoints::table)
        .values(&row)
        .returning(EndpointRow::as_returning())
        .get_result(conn)
        .await
}

/// The oldest transaction still running (or the next one): every change below it is history.
async fn present_position(conn: &mut AsyncPgConnection) -> QueryResult<i64> {
    #[derive(QueryableByName)]
    struct Position {
        #[diesel(sql_type = BigInt)]
        xmin: i64,
    }
    let position: Position = diesel::sql_query("SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint AS xmin")
        .get_result(conn)
        .await?;
    Ok(position.xmin)
}

/// An endpoint by id.
pub async fn find_endpoint(conn: &mut AsyncPgConnection, id: Uuid) -> QueryResult<Option<EndpointRow>> {
    webhook_endpoints::table.find(id).select(EndpointRow::as_select()).first(conn).await.optional()
}

/// The endpoints of a Pemda (every Pemda's for `None`), oldest first.
pub async fn list_endpoints(conn: &mut AsyncPgConnection, pemda_id: Option<Uuid>) -> QueryResult<Vec<EndpointRow>> {
    let mut query =
        webhook_endpoints::table.select(EndpointRow::as_select()).order(webhook_endpoints::created_at).into_boxed();
    if let Some(pemda_id) = pemda_id {
        query = query.filter(webhook_endpoints::pemda_id.eq(pemda_id));
    }
    query.load(conn).await
}

/// Applies `changes`; the row after.
pub async fn update_endpoint(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    changes: &EndpointChanges,
) -> QueryResult<Option<EndpointRow>> {
    diesel::update(webhook_endpoints::table.find(id))
        .set(changes)
        .returning(EndpointRow::as_returning())
        .get_result(conn)
        .await
        .optional()
}

/// Removes an endpoint with its deliveries and attempts.
pub async fn delete_endpoint(conn: &mut AsyncPgConnection, id: Uuid) -> QueryResult<bool> {
    Ok(diesel::delete(webhook_endpoints::table.find(id)).execute(conn).await? > 0)
}

/// Active endpoints no other instance is feeding right now, locked until the caller's transaction ends.
pub async fn lock_active_endpoints(conn: &mut AsyncPgConnection, limit: i64) -> QueryResult<Vec<EndpointRow>> {
    webhook_endpoints::table
        .filter(webhook_endpoints::active.eq(true))
        .order(webhook_endpoints::id)
        .limit(limit)
        .for_update()
        .skip_locked()
        .select(EndpointRow::as_select())
        .load(conn)
        .await
}

/// Adds deliveries; one a change already made for the endpoint is left alone.
pub async fn insert_deliveries(conn: &mut AsyncPgConnection, rows: &[DeliveryRow]) -> QueryResult<usize> {
    if rows.is_empty() {
        return Ok(0);
    }
    diesel::insert_into(webhook_deliveries::table)
        .values(rows)
        .on_conflict((webhook_deliveries::endpoint_id, webhook_deliveries::change_id))
        .do_nothing()
        .execute(conn)
        .await
}

/// Takes up to `limit` deliveries due at `now` for sending, each leased until `lease_until` (a worker that dies
/// mid-send leaves it to be tried again then: at least once).
pub async fn claim_due(
    conn: &mut AsyncPgConnection,
    now: DateTime<Utc>,
    lease_until: DateTime<Utc>,
    limit: i64,
) -> QueryResult<Vec<DeliveryRow>> {
    diesel::sql_query(
        "UPDATE webhook_deliveries d SET next_attempt_at = $2, attempts = d.attempts + 1 \
         FROM webhook_endpoints e \
         WHERE d.endpoint_id = e.id AND d.id IN ( \
             SELECT id FROM webhook_deliveries \
             WHERE status = 'pending' AND next_attempt_at <= $1 \
             ORDER BY next_attempt_at, change_id \
             LIMIT $3 FOR UPDATE SKIP LOCKED) \
           AND e.active \
         RETURNING d.*",
    )
    .bind::<Timestamptz, _>(now)
    .bind::<Timestamptz, _>(lease_until)
    .bind::<BigInt, _>(limit)
    .load(conn)
    .await
}

/// What an attempt came to, written onto its delivery.
#[derive(Debug, Default, AsChangeset)]
#[diesel(table_name = webhook_deliveries)]
pub struct DeliveryOutcome {
    pub status: Option<String>,
    pub next_attempt_at: Option<Option<DateTime<Utc>>>,
    pub last_attempt_at: Option<Option<DateTime<Utc>>>,
    pub last_response_status: Option<Option<i32>>,
    pub last_duration_ms: Option<Option<i32>>,
    pub last_error: Option<Option<String>>,
    pub delivered_at: Option<Option<DateTime<Utc>>>,
}

/// Records an attempt of the claim `attempt` of a delivery; only if the delivery is still at that attempt (a
/// redelivery requested meanwhile wins).
pub async fn record_attempt(
    conn: &mut AsyncPgConnection,
    attempt: &NewAttempt,
    outcome: &DeliveryOutcome,
) -> QueryResult<bool> {
    diesel::insert_into(webhook_attempts::table).values(attempt).execute(conn).await?;
    let updated = diesel::update(
        webhook_deliveries::table
            .find(attempt.delivery_id)
            .filter(webhook_deliveries::attempts.eq(attempt.attempt))
            .filter(webhook_deliveries::status.eq("pending")),
    )
    .set(outcome)
    .execute(conn)
    .await?;
    Ok(updated > 0)
}

/// A delivery of an endpoint.
pub async fn find_delivery(
    conn: &mut AsyncPgConnection,
    endpoint_id: Uuid,
    id: Uuid,
) -> QueryResult<Option<DeliveryRow>> {
    webhook_deliveries::table
        .find(id)
        .filter(webhook_deliveries::endpoint_id.eq(endpoint_id))
        .select(DeliveryRow::as_select())
        .first(conn)
        .await
        .optional()
}

/// An endpoint's deliveries, newest first, before the keyset `before` (created_at, id); optionally of one status.
pub async fn list_deliveries(
    conn: &mut AsyncPgConnection,
    endpoint_id: Uuid,
    status: Option<&str>,
    before: Option<(DateTime<Utc>, Uuid)>,
    limit: i64,
) -> QueryResult<Vec<DeliveryRow>> {
    let mut query = webhook_deliveries::table
        .filter(webhook_deliveries::endpoint_id.eq(endpoint_id))
        .select(DeliveryRow::as_select())
        .order((webhook_deliveries::created_at.desc(), webhook_deliveries::id.desc()))
        .limit(limit)
        .into_boxed();
    if let Some(status) = status {
        query = query.filter(webhook_deliveries::status.eq(status.to_owned()));
    }
    if let Some((at, id)) = before {
        query = query.filter(
            webhook_deliveries::created_at
                .lt(at)
                .or(webhook_deliveries::created_at.eq(at).and(webhook_deliveries::id.lt(id))),
        );
    }
    query.load(conn).await
}

/// The attempts of a delivery, first first.
pub async fn attempts_of(conn: &mut AsyncPgConnection, delivery_id: Uuid) -> QueryResult<Vec<AttemptRow>> {
    webhook_attempts::table
        .filter(webhook_attempts::delivery_id.eq(delivery_id))
        .order(webhook_attempts::id)
        .select(AttemptRow::as_select())
        .load(conn)
        .await
}

/// Sends a delivery again from its first attempt's schedule, at once.
pub async fn redeliver(conn: &mut AsyncPgConnection, id: Uuid, now: DateTime<Utc>) -> QueryResult<Option<DeliveryRow>> {
    diesel::update(webhook_deliveries::table.find(id))
        .set((
            webhook_deliveries::status.eq("pending"),
            webhook_deliveries::attempts.eq(0),
            webhook_deliveries::next_attempt_at.eq(Some(now)),
        ))
        .returning(DeliveryRow::as_returning())
        .get_result(conn)
        .await
        .optional()
}

/// Deliveries waiting to be sent, for the metrics page.
pub async fn backlog(conn: &mut AsyncPgConnection) -> QueryResult<i64> {
    webhook_deliveries::table.filter(webhook_deliveries::status.eq("pending")).count().get_result(conn).await
}

//! Rows and queries of webhook endpoints, their deliveries and every attempt.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Integer, Timestamptz};
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
    pub claim: Option<Uuid>,
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

/// Adds an endpoint whose cursor starts at the present as the feed can place it: at the oldest transaction still
/// running, so nothing from now on is missed; changes that transaction's peers committed a moment ago may come too.
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

/// The next active endpoint after `after` (in id order) that no other instance is feeding right now, locked until
/// the caller's transaction ends.
pub async fn lock_next_active_endpoint(
    conn: &mut AsyncPgConnection,
    after: Option<Uuid>,
) -> QueryResult<Option<EndpointRow>> {
    // Locking clauses cannot be boxed: the "no endpoint yet" start is the nil id, below every v7 id.
    webhook_endpoints::table
        .filter(webhook_endpoints::active.eq(true))
        .filter(webhook_endpoints::id.gt(after.unwrap_or(Uuid::nil())))
        .order(webhook_endpoints::id)
        .limit(1)
        .for_update()
        .skip_locked()
        .select(EndpointRow::as_select())
        .first(conn)
        .await
        .optional()
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

/// Takes up to `limit` deliveries of active endpoints due at `now` for sending, each under a claim of its own and
/// leased until `lease_until` (a worker that dies mid-send leaves it to be tried again then: at least once). A
/// delivery that has used up `max_attempts` claims without recording one (its sender kept dying) has failed.
pub async fn claim_due(
    conn: &mut AsyncPgConnection,
    now: DateTime<Utc>,
    lease_until: DateTime<Utc>,
    limit: i64,
    max_attempts: i32,
) -> QueryResult<Vec<DeliveryRow>> {
    diesel::sql_query(
        "UPDATE webhook_deliveries SET status = 'failed', claim = NULL, next_attempt_at = NULL, \
             last_error = 'no attempt could be recorded' \
         WHERE status = 'pending' AND next_attempt_at <= $1 AND attempts >= $2",
    )
    .bind::<Timestamptz, _>(now)
    .bind::<Integer, _>(max_attempts)
    .execute(conn)
    .await?;
    diesel::sql_query(
        "UPDATE webhook_deliveries SET next_attempt_at = $2, attempts = attempts + 1, claim = gen_random_uuid() \
         WHERE id IN ( \
             SELECT d.id FROM webhook_deliveries d JOIN webhook_endpoints e ON e.id = d.endpoint_id \
             WHERE d.status = 'pending' AND d.next_attempt_at <= $1 AND e.active \
             ORDER BY d.next_attempt_at, d.change_id \
             LIMIT $3 FOR UPDATE OF d SKIP LOCKED) \
         RETURNING *",
    )
    .bind::<Timestamptz, _>(now)
    .bind::<Timestamptz, _>(lease_until)
    .bind::<BigInt, _>(limit)
    .load(conn)
    .await
}

/// Gives a claimed delivery back untried (its endpoint was switched off meanwhile): due again at `now`.
pub async fn release(conn: &mut AsyncPgConnection, id: Uuid, claim: Uuid, now: DateTime<Utc>) -> QueryResult<()> {
    diesel::update(webhook_deliveries::table.find(id).filter(webhook_deliveries::claim.eq(claim)))
        .set((
            webhook_deliveries::attempts.eq(webhook_deliveries::attempts - 1),
            webhook_deliveries::claim.eq(None::<Uuid>),
            webhook_deliveries::next_attempt_at.eq(Some(now)),
        ))
        .execute(conn)
        .await
        .map(drop)
}

/// What an attempt came to, written onto its delivery.
#[derive(Debug, Default, AsChangeset)]
#[diesel(table_name = webhook_deliveries)]
pub struct DeliveryOutcome {
    pub status: Option<String>,
    pub claim: Option<Option<Uuid>>,
    pub next_attempt_at: Option<Option<DateTime<Utc>>>,
    pub last_attempt_at: Option<Option<DateTime<Utc>>>,
    pub last_response_status: Option<Option<i32>>,
    pub last_duration_ms: Option<Option<i32>>,
    pub last_error: Option<Option<String>>,
    pub delivered_at: Option<Option<DateTime<Utc>>>,
}

/// Records an attempt made under `claim`; the delivery takes its outcome only if that claim still stands (a
/// redelivery requested meanwhile, or a lease that ran out and was claimed again, wins).
pub async fn record_attempt(
    conn: &mut AsyncPgConnection,
    claim: Uuid,
    attempt: &NewAttempt,
    outcome: &DeliveryOutcome,
) -> QueryResult<bool> {
    diesel::insert_into(webhook_attempts::table).values(attempt).execute(conn).await?;
    let updated =
        diesel::update(webhook_deliveries::table.find(attempt.delivery_id).filter(webhook_deliveries::claim.eq(claim)))
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
            webhook_deliveries::claim.eq(None::<Uuid>),
            webhook_deliveries::next_attempt_at.eq(Some(now)),
        ))
        .returning(DeliveryRow::as_returning())
        .get_result(conn)
        .await
        .optional()
}

/// Deliveries of active endpoints waiting to be sent, for the metrics page.
pub async fn backlog(conn: &mut AsyncPgConnection) -> QueryResult<i64> {
    webhook_deliveries::table
        .inner_join(webhook_endpoints::table)
        .filter(webhook_deliveries::status.eq("pending"))
        .filter(webhook_endpoints::active.eq(true))
        .count()
        .get_result(conn)
        .await
}

/// Switches an endpoint off unless it is off already; whether this call did it.
pub async fn switch_off(conn: &mut AsyncPgConnection, id: Uuid, reason: &str, now: DateTime<Utc>) -> QueryResult<bool> {
    let changed = diesel::update(webhook_endpoints::table.find(id).filter(webhook_endpoints::active.eq(true)))
        .set((
            webhook_endpoints::active.eq(false),
            webhook_endpoints::disabled_reason.eq(Some(reason)),
            webhook_endpoints::updated_at.eq(now),
        ))
        .execute(conn)
        .await?;
    Ok(changed > 0)
}

/// Starts an endpoint's failing streak at `now` unless one is running.
pub async fn start_failing(conn: &mut AsyncPgConnection, id: Uuid, now: DateTime<Utc>) -> QueryResult<()> {
    diesel::update(webhook_endpoints::table.find(id).filter(webhook_endpoints::failing_since.is_null()))
        .set(webhook_endpoints::failing_since.eq(Some(now)))
        .execute(conn)
        .await
        .map(drop)
}

/// Ends an endpoint's failing streak.
pub async fn recovered(conn: &mut AsyncPgConnection, id: Uuid) -> QueryResult<()> {
    diesel::update(webhook_endpoints::table.find(id))
        .set(webhook_endpoints::failing_since.eq(None::<DateTime<Utc>>))
        .execute(conn)
        .await
        .map(drop)
}

/// Forgets finished deliveries (and their attempts) created before `before`; how many.
pub async fn purge_finished(conn: &mut AsyncPgConnection, before: DateTime<Utc>) -> QueryResult<usize> {
    diesel::delete(
        webhook_deliveries::table
            .filter(webhook_deliveries::status.ne("pending"))
            .filter(webhook_deliveries::created_at.lt(before)),
    )
    .execute(conn)
    .await
}

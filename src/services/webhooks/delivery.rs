//! Getting messages to endpoints: changes from the feed become deliveries (fan-out), and due deliveries are signed,
//! sent and recorded, retried on the schedule in domain::webhook, and endpoints that fail for days or answer 410 are
//! switched off with their admins told. Safe with several instances: fan-out locks each endpoint it feeds
//! (`SKIP LOCKED`), a delivery's (endpoint, change) pair is unique, and each attempt is made under a claim of its
//! own with a lease: only the claim that still stands records its outcome.

use std::time::Instant;

use chrono::{DateTime, Duration, Utc};
use diesel_async::{AsyncConnection, AsyncPgConnection};
use rand::Rng;
use serde_json::json;
use uuid::Uuid;

use crate::db;
use crate::db::changes::{ChangeRow, FeedQuery};
use crate::db::webhooks::{DeliveryOutcome, DeliveryRow, EndpointChanges, EndpointRow, NewAttempt};
use crate::domain::change::{Cursor, EntityType};
use crate::domain::webhook::{self, DeliveryStatus, EndpointChange, EventType, Verdict};
use crate::services::notifications::{self, Notice};
use crate::state::AppState;

/// Changes turned into deliveries per endpoint per transaction.
const FAN_OUT_BATCH: i64 = 500;
/// How long a claimed delivery is left to its sender before another may try it.
const LEASE: Duration = Duration::seconds(60);

/// Turns new changes into deliveries for every active endpoint; the number of deliveries made. Each endpoint is fed
/// in transactions of its own, locked while fed, so instances share the endpoints and a lock is held only briefly.
pub async fn fan_out(state: &AppState) -> anyhow::Result<usize> {
    let mut conn = state.conn().await?;
    let now = state.clock.now();
    let mut made = 0;
    let mut after = None;
    loop {
        let fed = conn
            .transaction(async |conn| {
                let Some(endpoint) = db::webhooks::lock_next_active_endpoint(conn, after).await? else {
                    return Ok::<_, anyhow::Error>(None);
                };
                let (count, full) = feed(conn, &endpoint, now).await?;
                Ok(Some((endpoint.id, count, full)))
            })
            .await?;
        let Some((endpoint, count, full)) = fed else {
            return Ok(made);
        };
        made += count;
        // A full batch means more is waiting: the same endpoint again before the next.
        if !full {
            after = Some(endpoint);
        }
    }
}

/// Feeds one endpoint from its cursor; the deliveries made and whether a full batch was read.
async fn feed(
    conn: &mut AsyncPgConnection,
    endpoint: &EndpointRow,
    now: DateTime<Utc>,
) -> anyhow::Result<(usize, bool)> {
    let wanted: Vec<EventType> = endpoint.event_types.iter().filter_map(|text| text.parse().ok()).collect();
    let mut entities: Vec<String> = wanted.iter().map(|kind| kind.entity().as_str().to_owned()).collect();
    entities.sort();
    entities.dedup();
    let query = FeedQuery {
        pemda_ids: Some(vec![endpoint.pemda_id]),
        after: (endpoint.cursor_txid, endpoint.cursor_row),
        types: entities,
        // Supervision complaints are the Inspektorat's: never sent out of the service.
        supervision: false,
        limit: FAN_OUT_BATCH,
    };
    let changes = db::changes::after(conn, &query).await?;
    let Some(last) = changes.last() else {
        return Ok((0, false));
    };
    let deliveries: Vec<DeliveryRow> = changes
        .iter()
        .filter_map(|change| {
            let event = EventType::of_change(change.entity_type.parse::<EntityType>().ok()?, &change.action)?;
            wanted.contains(&event).then(|| delivery(endpoint.id, change, event, now))
        })
        .collect();
    let made = db::webhooks::insert_deliveries(conn, &deliveries).await?;
    let cursor = EndpointChanges { cursor_txid: Some(last.txid), cursor_row: Some(last.id), ..Default::default() };
    db::webhooks::update_endpoint(conn, endpoint.id, &cursor).await?;
    Ok((made, changes.len() as i64 == FAN_OUT_BATCH))
}

/// The message for one change: a thin payload (ids, status, version; never personal data), as the specification
/// recommends: `type`, `timestamp` (when the change happened) and `data`.
fn delivery(endpoint_id: Uuid, change: &ChangeRow, event: EventType, now: DateTime<Utc>) -> DeliveryRow {
    let payload = json!({
        "type": event.as_str(),
        "timestamp": change.changed_at.to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
        "data": {
            "entity_type": change.entity_type,
            "entity_id": change.entity_id,
            "action": change.action,
            "status": change.status,
            "version": change.version,
            "cursor": Cursor { txid: change.txid, row: change.id }.encode(),
        }
    });
    DeliveryRow {
        id: Uuid::now_v7(),
        endpoint_id,
        change_id: change.id,
        event_type: event.as_str().to_owned(),
        payload: payload.to_string(),
        status: DeliveryStatus::Pending.as_str().into(),
        attempts: 0,
        claim: None,
        next_attempt_at: Some(now),
        last_attempt_at: None,
        last_response_status: None,
        last_duration_ms: None,
        last_error: None,
        created_at: now,
        delivered_at: None,
    }
}

/// The `webhook-id` of a delivery: the same on every attempt and redelivery, so receivers can drop duplicates.
pub fn message_id(delivery: Uuid) -> String {
    format!("msg_{}", delivery.simple())
}

/// Takes up to `limit` due deliveries for sending (see db::webhooks::claim_due).
pub async fn claim(state: &AppState, limit: i64) -> anyhow::Result<Vec<DeliveryRow>> {
    let now = state.clock.now();
    let mut conn = state.conn().await?;
    Ok(db::webhooks::claim_due(&mut conn, now, now + LEASE, limit, webhook::MAX_ATTEMPTS).await?)
}

/// One attempt of one delivery, and what follows from its answer.
pub async fn send_one(state: &AppState, client: &reqwest::Client, delivery: DeliveryRow) -> anyhow::Result<()> {
    let claim = delivery.claim.ok_or_else(|| anyhow::anyhow!("a claimed delivery has its claim"))?;
    let mut conn = state.conn().await?;
    let Some(endpoint) = db::webhooks::find_endpoint(&mut conn, delivery.endpoint_id).await? else {
        return Ok(());
    };
    if !endpoint.active {
        // Switched off since the claim: nothing is sent, and the delivery waits for the endpoint to come back.
        db::webhooks::release(&mut conn, delivery.id, claim, state.clock.now()).await?;
        return Ok(());
    }
    drop(conn);
    let result = attempt(state, client, &endpoint, &delivery).await;
    let now = state.clock.now();
    let verdict = webhook::verdict(result.status);
    let mut conn = state.conn().await?;
    conn.transaction(async |conn| {
        let attempt = NewAttempt {
            delivery_id: delivery.id,
            attempt: delivery.attempts,
            attempted_at: now,
            response_status: result.status.map(i32::from),
            duration_ms: result.duration_ms,
            error: result.error.clone(),
            succeeded: verdict == Verdict::Delivered,
        };
        let next = match verdict {
            Verdict::Delivered => None,
            _ => webhook::retry_delay(delivery.attempts, rand::rng().random_range(-1.0..=1.0), result.retry_after),
        };
        let status = match (verdict, next) {
            (Verdict::Delivered, _) => DeliveryStatus::Delivered,
            (_, Some(_)) => DeliveryStatus::Pending,
            (_, None) => DeliveryStatus::Failed,
        };
        let outcome = DeliveryOutcome {
            status: Some(status.as_str().into()),
            claim: Some(None),
            next_attempt_at: Some(next.map(|wait| now + wait)),
            last_attempt_at: Some(Some(now)),
            last_response_status: Some(attempt.response_status),
            last_duration_ms: Some(Some(attempt.duration_ms)),
            last_error: Some(attempt.error.clone()),
            delivered_at: Some((verdict == Verdict::Delivered).then_some(now)),
        };
        if !db::webhooks::record_attempt(conn, claim, &attempt, &outcome).await? {
            // The claim no longer stands (a redelivery, or a lease that ran out): this attempt only goes into the log.
            return Ok::<_, anyhow::Error>(());
        }
        judge_endpoint(conn, &endpoint, verdict, now).await
    })
    .await?;
    crate::monitoring::webhook_attempted(verdict == Verdict::Delivered);
    Ok(())
}

/// What an attempt came to.
struct AttemptResult {
    status: Option<u16>,
    duration_ms: i32,
    error: Option<String>,
    retry_after: Option<Duration>,
}

/// Signs and posts a delivery's payload.
async fn attempt(
    state: &AppState,
    client: &reqwest::Client,
    endpoint: &EndpointRow,
    delivery: &DeliveryRow,
) -> AttemptResult {
    let started = Instant::now();
    let finished = |status: Option<u16>, error: Option<String>, retry_after: Option<Duration>| AttemptResult {
        status,
        duration_ms: i32::try_from(started.elapsed().as_millis()).unwrap_or(i32::MAX),
        error,
        retry_after,
    };
    let allow_private = state.settings.webhook_allow_private;
    let url = match reqwest::Url::parse(&endpoint.url) {
        Ok(url) if !super::target::literal_address_refused(&url, allow_private) => url,
        _ => return finished(None, Some("the URL is not a public address".into()), None),
    };
    let keys = match super::signing_keys(state, endpoint, state.clock.now()) {
        Ok(keys) => keys,
        Err(error) => return finished(None, Some(format!("the signing secret could not be opened: {error}")), None),
    };
    let id = message_id(delivery.id);
    // The attempt's time, not the domain clock: receivers compare it with their own clocks to refuse replays.
    let timestamp = Utc::now().timestamp();
    let key_refs: Vec<&[u8]> = keys.iter().map(Vec::as_slice).collect();
    let signature = webhook::signature_header(&key_refs, &id, timestamp, &delivery.payload);
    let response = client
        .post(url)
        .header("content-type", "application/json")
        .header("webhook-id", &id)
        .header("webhook-timestamp", timestamp.to_string())
        .header("webhook-signature", signature)
        .body(delivery.payload.clone())
        .send()
        .await;
    match response {
        Ok(response) => {
            let status = response.status().as_u16();
            let retry_after = response
                .headers()
                .get("retry-after")
                .and_then(|value| value.to_str().ok())
                .and_then(|text| text.trim().parse::<i64>().ok())
                // Bounded before it becomes a duration: a receiver's number must not overflow one.
                .map(|seconds| Duration::seconds(seconds.clamp(0, 86_400)));
            let error = (!(200..300).contains(&status)).then(|| format!("the endpoint answered {status}"));
            finished(Some(status), error, retry_after)
        }
        Err(error) => {
            let what = if error.is_timeout() {
                "no answer within the timeout".to_owned()
            } else if error.is_connect() {
                "could not connect".to_owned()
            } else {
                "the request failed".to_owned()
            };
            // The error's chain says why (a refused private address, a TLS failure), without the secret or body.
            let mut detail = what;
            let mut source = std::error::Error::source(&error);
            while let Some(cause) = source {
                detail = format!("{detail}: {cause}");
                source = cause.source();
            }
            finished(None, Some(detail.chars().take(500).collect()), None)
        }
    }
}

/// Keeps the endpoint's failing streak, and switches it off when it answered 410 or has failed for days (see
/// domain::webhook::judge). Each change is a conditional update, so senders racing on one endpoint switch it off, and
/// tell its admins, once.
async fn judge_endpoint(
    conn: &mut AsyncPgConnection,
    endpoint: &EndpointRow,
    verdict: Verdict,
    now: DateTime<Utc>,
) -> anyhow::Result<()> {
    let Some(current) = db::webhooks::find_endpoint(conn, endpoint.id).await? else {
        return Ok(());
    };
    let reason = match webhook::judge(verdict, current.failing_since, now) {
        EndpointChange::None => return Ok(()),
        EndpointChange::StartFailing => return Ok(db::webhooks::start_failing(conn, current.id, now).await?),
        EndpointChange::Recovered => return Ok(db::webhooks::recovered(conn, current.id).await?),
        EndpointChange::SwitchOff(reason) => reason,
    };
    if !db::webhooks::switch_off(conn, current.id, reason, now).await? {
        return Ok(());
    }
    let why = if reason == "gone" {
        "menjawab 410 Gone (tidak ingin menerima lagi)".to_owned()
    } else {
        format!("gagal menerima sejak {}", current.failing_since.unwrap_or(now).format("%Y-%m-%d %H:%M UTC"))
    };
    let notice = Notice {
        kind: "webhook_disabled",
        message: format!(
            "Webhook ke {} dinonaktifkan karena {why}. Periksa penerima, lalu aktifkan kembali; pesan yang tertunda \
             akan dikirim ulang.",
            current.url
        ),
        complaint_id: None,
        disposition_id: None,
        follow_up_id: None,
        at: now,
    };
    notifications::notify_pemda(conn, current.pemda_id, &["admin"], &notice).await?;
    db::audit::record(
        conn,
        db::audit::NewAuditEvent::new(None, "webhook_endpoint", current.id, "disabled", json!({ "reason": reason })),
    )
    .await?;
    tracing::warn!(webhook.id = %current.id, reason, "a webhook endpoint was switched off");
    Ok(())
}

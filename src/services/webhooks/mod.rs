//! Webhook subscriptions of a Pemda (Standard Webhooks): its admins, or API clients with `webhooks:manage`, choose a
//! URL and event types; the secret is shown once and kept sealed; rotation keeps the old secret signing beside the new
//! one for a day; the delivery log shows every attempt, and any delivery can be sent again.

pub mod delivery;
pub mod target;

use chrono::{DateTime, Utc};
use diesel_async::AsyncPgConnection;
use rand::RngCore;
use serde_json::json;
use uuid::Uuid;

use crate::auth::{AuthUser, MachineClient};
use crate::db;
use crate::db::webhooks::{AttemptRow, DeliveryRow, EndpointChanges, EndpointRow};
use crate::domain::api_client::Scope;
use crate::domain::role::Role;
use crate::domain::webhook::{DeliveryStatus, EventType, ROTATION_OVERLAP, SECRET_BYTES, encode_secret};
use crate::error::ApiError;
use crate::services::access;
use crate::state::AppState;

/// Who manages webhooks, and of which Pemda.
#[derive(Debug, Clone)]
pub struct Manager {
    /// Their Pemda; `None` for a super admin (every Pemda's, but creates none without one of their own).
    pemda: Option<Uuid>,
    /// The person or client, for the audit trail.
    actor: Uuid,
    /// Whether the actor is a person (a client is recorded in the event's details).
    person: bool,
}

impl Manager {
    /// The Pemda's admins (and super admins).
    pub fn person(user: &AuthUser) -> Result<Manager, ApiError> {
        access::require_admin(user, "webhooks")?;
        let pemda = if user.role == Role::SuperAdmin { None } else { Some(access::home_pemda(user)?.0) };
        Ok(Manager { pemda, actor: user.id.0, person: true })
    }

    /// An API client holding `webhooks:manage` and `complaints:read` (a subscription carries what the change feed
    /// does, which needs that scope): its own Pemda's webhooks.
    pub fn client(client: &MachineClient) -> Result<Manager, ApiError> {
        if !(client.has(Scope::WebhooksManage) && client.has(Scope::ComplaintsRead)) {
            return Err(ApiError::Forbidden {
                code: "insufficient_scope",
                detail: "this needs an API client token with the webhooks:manage and complaints:read scopes".into(),
            });
        }
        Ok(Manager { pemda: Some(client.pemda_id.0), actor: client.id, person: false })
    }

    fn audit(
        &self,
        id: Uuid,
        action: &'static str,
        mut details: serde_json::Value,
    ) -> db::audit::NewAuditEvent<'static> {
        if !self.person {
            details["api_client_id"] = json!(self.actor);
        }
        db::audit::NewAuditEvent::new(self.person.then_some(self.actor), "webhook_endpoint", id, action, details)
    }
}

/// A new subscription.
#[derive(Debug, Clone)]
pub struct EndpointSpec {
    pub url: String,
    pub description: String,
    pub event_types: Vec<EventType>,
}

/// What changes; `None` leaves a field.
#[derive(Debug, Default)]
pub struct EndpointEdit {
    pub url: Option<String>,
    pub description: Option<String>,
    pub event_types: Option<Vec<EventType>>,
    pub active: Option<bool>,
}

/// An endpoint with its secret, right after it was made or rotated: the only time the secret is seen.
pub struct WithSecret {
    pub endpoint: EndpointRow,
    pub secret: String,
}

fn event_texts(types: &[EventType]) -> Vec<String> {
    let mut types = types.to_vec();
    types.sort();
    types.dedup();
    types.iter().map(|kind| kind.as_str().to_owned()).collect()
}

/// A fresh random key.
fn new_key() -> Vec<u8> {
    let mut key = vec![0u8; SECRET_BYTES];
    rand::rng().fill_bytes(&mut key);
    key
}

/// The keys a message is signed with at `now`: the current one, and the previous one during a rotation's overlap.
pub(crate) fn signing_keys(
    state: &AppState,
    endpoint: &EndpointRow,
    now: DateTime<Utc>,
) -> anyhow::Result<Vec<Vec<u8>>> {
    let open = |stored: &[u8]| state.sealer.open_bytes(endpoint.id.as_bytes(), stored);
    let mut keys = vec![open(&endpoint.secret_sealed)?];
    if let (Some(previous), Some(until)) = (&endpoint.previous_secret_sealed, endpoint.previous_secret_valid_until)
        && now < until
    {
        keys.push(open(previous)?);
    }
    Ok(keys)
}

/// Subscribes a URL of the manager's Pemda to event types.
pub async fn create(state: &AppState, manager: &Manager, spec: EndpointSpec) -> Result<WithSecret, ApiError> {
    let pemda = manager
        .pemda
        .ok_or_else(|| ApiError::forbidden("a webhook belongs to a Pemda; sign in as one of its admins"))?;
    let url = target::check(&spec.url, state.settings.webhook_allow_private).await?;
    let id = Uuid::now_v7();
    let key = new_key();
    let now = state.clock.now();
    let row = EndpointRow {
        id,
        pemda_id: pemda,
        url: url.to_string(),
        description: spec.description,
        event_types: event_texts(&spec.event_types),
        // Sealed with its endpoint's id, so a secret copied onto another row does not open.
        secret_sealed: state.sealer.seal_to_bytes(id.as_bytes(), &key)?,
        previous_secret_sealed: None,
        previous_secret_valid_until: None,
        active: true,
        disabled_reason: None,
        failing_since: None,
        cursor_txid: 0,
        cursor_row: 0,
        created_by: Some(manager.actor),
        created_at: now,
        updated_at: now,
    };
    let mut conn = state.conn().await?;
    let endpoint = db::webhooks::insert_endpoint(&mut conn, &row).await?;
    let details = json!({ "url": endpoint.url, "event_types": endpoint.event_types });
    db::audit::record(&mut conn, manager.audit(id, "created", details)).await?;
    Ok(WithSecret { endpoint, secret: encode_secret(&key) })
}

/// The endpoints the manager sees.
pub async fn list(state: &AppState, manager: &Manager) -> Result<Vec<EndpointRow>, ApiError> {
    let mut conn = state.conn().await?;
    Ok(db::webhooks::list_endpoints(&mut conn, manager.pemda).await?)
}

/// An endpoint the manager sees (404 for another Pemda's).
pub async fn get(state: &AppState, manager: &Manager, id: Uuid) -> Result<EndpointRow, ApiError> {
    let mut conn = state.conn().await?;
    managed(&mut conn, manager, id).await
}

async fn managed(conn: &mut AsyncPgConnection, manager: &Manager, id: Uuid) -> Result<EndpointRow, ApiError> {
    let row = db::webhooks::find_endpoint(conn, id).await?.ok_or_else(|| ApiError::not_found("the webhook"))?;
    if manager.pemda.is_some_and(|pemda| pemda != row.pemda_id) {
        return Err(ApiError::not_found("the webhook"));
    }
    Ok(row)
}

/// Changes an endpoint. Switching it back on clears why it was switched off; it then receives what waited meanwhile.
pub async fn update(
    state: &AppState,
    manager: &Manager,
    id: Uuid,
    edit: EndpointEdit,
) -> Result<EndpointRow, ApiError> {
    let mut conn = state.conn().await?;
    managed(&mut conn, manager, id).await?;
    let url = match &edit.url {
        Some(url) => Some(target::check(url, state.settings.webhook_allow_private).await?.to_string()),
        None => None,
    };
    let now = state.clock.now();
    let reactivated = edit.active == Some(true);
    let changes = EndpointChanges {
        url,
        description: edit.description,
        event_types: edit.event_types.as_deref().map(event_texts),
        active: edit.active,
        disabled_reason: reactivated.then_some(None),
        failing_since: reactivated.then_some(None),
        updated_at: Some(now),
        ..Default::default()
    };
    let updated = db::webhooks::update_endpoint(&mut conn, id, &changes)
        .await?
        .ok_or_else(|| ApiError::not_found("the webhook"))?;
    let details = json!({ "url": updated.url, "event_types": updated.event_types, "active": updated.active });
    db::audit::record(&mut conn, manager.audit(id, "updated", details)).await?;
    Ok(updated)
}

/// Removes an endpoint with its delivery log.
pub async fn delete(state: &AppState, manager: &Manager, id: Uuid) -> Result<(), ApiError> {
    let mut conn = state.conn().await?;
    let row = managed(&mut conn, manager, id).await?;
    db::webhooks::delete_endpoint(&mut conn, id).await?;
    db::audit::record(&mut conn, manager.audit(id, "deleted", json!({ "url": row.url }))).await?;
    Ok(())
}

/// Gives an endpoint a new secret; messages are signed with both for [`ROTATION_OVERLAP`].
pub async fn rotate_secret(state: &AppState, manager: &Manager, id: Uuid) -> Result<WithSecret, ApiError> {
    let mut conn = state.conn().await?;
    let row = managed(&mut conn, manager, id).await?;
    let key = new_key();
    let now = state.clock.now();
    let changes = EndpointChanges {
        secret_sealed: Some(state.sealer.seal_to_bytes(id.as_bytes(), &key)?),
        previous_secret_sealed: Some(Some(row.secret_sealed)),
        previous_secret_valid_until: Some(Some(now + ROTATION_OVERLAP)),
        updated_at: Some(now),
        ..Default::default()
    };
    let endpoint = db::webhooks::update_endpoint(&mut conn, id, &changes)
        .await?
        .ok_or_else(|| ApiError::not_found("the webhook"))?;
    db::audit::record(&mut conn, manager.audit(id, "secret_rotated", json!({}))).await?;
    Ok(WithSecret { endpoint, secret: encode_secret(&key) })
}

/// Which deliveries to list.
#[derive(Debug, Clone)]
pub struct DeliveryQuery {
    pub status: Option<DeliveryStatus>,
    pub before: Option<(DateTime<Utc>, Uuid)>,
    pub limit: i64,
}

/// An endpoint's deliveries, newest first.
pub async fn deliveries(
    state: &AppState,
    manager: &Manager,
    id: Uuid,
    query: &DeliveryQuery,
) -> Result<Vec<DeliveryRow>, ApiError> {
    let mut conn = state.conn().await?;
    managed(&mut conn, manager, id).await?;
    let status = query.status.map(DeliveryStatus::as_str);
    Ok(db::webhooks::list_deliveries(&mut conn, id, status, query.before, query.limit).await?)
}

/// One delivery with every attempt.
pub async fn delivery(
    state: &AppState,
    manager: &Manager,
    id: Uuid,
    delivery_id: Uuid,
) -> Result<(DeliveryRow, Vec<AttemptRow>), ApiError> {
    let mut conn = state.conn().await?;
    managed(&mut conn, manager, id).await?;
    let delivery = db::webhooks::find_delivery(&mut conn, id, delivery_id)
        .await?
        .ok_or_else(|| ApiError::not_found("the delivery"))?;
    let attempts = db::webhooks::attempts_of(&mut conn, delivery_id).await?;
    Ok((delivery, attempts))
}

/// Sends a delivery again (same `webhook-id`, same body), at once and with a fresh retry schedule; 409 while the
/// endpoint is switched off.
pub async fn redeliver(
    state: &AppState,
    manager: &Manager,
    id: Uuid,
    delivery_id: Uuid,
) -> Result<DeliveryRow, ApiError> {
    let mut conn = state.conn().await?;
    let endpoint = managed(&mut conn, manager, id).await?;
    if !endpoint.active {
        return Err(ApiError::conflict("webhook_inactive", "switch the webhook back on before sending to it again"));
    }
    db::webhooks::find_delivery(&mut conn, id, delivery_id)
        .await?
        .ok_or_else(|| ApiError::not_found("the delivery"))?;
    let row = db::webhooks::redeliver(&mut conn, delivery_id, state.clock.now())
        .await?
        .ok_or_else(|| ApiError::not_found("the delivery"))?;
    db::audit::record(&mut conn, manager.audit(id, "redelivery_requested", json!({ "delivery_id": delivery_id })))
        .await?;
    Ok(row)
}

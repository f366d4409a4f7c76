//! Webhook subscriptions (Standard Webhooks) and their delivery log.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, delete, get, patch, post, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;
use validator::Validate;

use super::pagination::PageRequest;
use super::validation::FieldErrors;
use crate::api::extract::{Caller, Json, Query};
use crate::db::Keyset;
use crate::db::webhooks::{AttemptRow, DeliveryRow, EndpointRow};
use crate::domain::webhook::{DeliveryStatus, EventType};
use crate::error::{ApiError, Problem};
use crate::services::webhooks::delivery::message_id;
use crate::services::webhooks::{self, DeliveryQuery, EndpointEdit, EndpointSpec, Manager, WithSecret};
use crate::state::AppState;

fn manager(caller: &Caller) -> Result<Manager, ApiError> {
    match caller {
        Caller::Person(user) => Manager::person(user),
        Caller::Machine(client) => Manager::client(client),
    }
}

/// A webhook subscription (never its secret).
#[derive(Debug, Serialize, ToSchema)]
pub struct WebhookView {
    pub id: Uuid,
    pub pemda_id: Uuid,
    /// Where messages are posted.
    pub url: String,
    pub description: String,
    /// The events sent to it.
    pub event_types: Vec<EventType>,
    /// Whether messages are sent. Switched off by an admin, or by the service (see `disabled_reason`).
    pub active: bool,
    /// Why the service switched it off: `failing` (every attempt failed for three days) or `gone` (it answered
    /// 410); `null` otherwise.
    pub disabled_reason: Option<String>,
    /// Since when every attempt has failed; `null` after a success.
    pub failing_since: Option<DateTime<Utc>>,
    /// Until when messages also carry a signature by the secret before the last rotation.
    pub previous_secret_valid_until: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<EndpointRow> for WebhookView {
    fn from(row: EndpointRow) -> Self {
        WebhookView {
            id: row.id,
            pemda_id: row.pemda_id,
            url: row.url,
            description: row.description,
            event_types: row.event_types.iter().filter_map(|text| text.parse().ok()).collect(),
            active: row.active,
            disabled_reason: row.disabled_reason,
            failing_since: row.failing_since,
            previous_secret_valid_until: row.previous_secret_valid_until,
            created_at: row.created_at,
            updated_at: row.updated_at,
        }
    }
}

/// A subscription with its signing secret: shown once, when it is made or its secret rotated.
#[derive(Debug, Serialize, ToSchema)]
pub struct WebhookWithSecret {
    #[serde(flatten)]
    pub webhook: WebhookView,
    /// The signing secret (`whsec_` and base64 of 32 random bytes), for any Standard Webhooks verifier. It cannot be
    /// shown again; keep it in a secret store.
    #[schema(example = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSwJ2Wz2Yt2Yk0=")]
    pub secret: String,
}

impl From<WithSecret> for WebhookWithSecret {
    fn from(made: WithSecret) -> Self {
        WebhookWithSecret { webhook: made.endpoint.into(), secret: made.secret }
    }
}

/// The webhook subscriptions of your Pemda.
#[derive(Debug, Serialize, ToSchema)]
pub struct WebhookList {
    pub items: Vec<WebhookView>,
}

/// A new subscription.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"url": "https://dasbor.kalbarprov.go.id/hooks/pengaduan", "event_types": ["complaint.created", "complaint.updated"], "description": "Dasbor provinsi"}))]
pub struct CreateWebhookRequest {
    /// An `https` URL reaching a public address.
    #[validate(length(min = 1, max = 2000))]
    #[schema(min_length = 1, max_length = 2000)]
    pub url: String,
    /// At least one.
    #[validate(length(min = 1, max = 8))]
    #[schema(min_items = 1, max_items = 8)]
    pub event_types: Vec<EventType>,
    /// What it is for.
    #[validate(length(max = 500))]
    #[schema(max_length = 500)]
    pub description: Option<String>,
}

/// Changes to a subscription; absent fields stay.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"active": true}))]
pub struct UpdateWebhookRequest {
    #[validate(length(min = 1, max = 2000))]
    #[schema(min_length = 1, max_length = 2000)]
    pub url: Option<String>,
    #[validate(length(min = 1, max = 8))]
    #[schema(min_items = 1, max_items = 8)]
    pub event_types: Option<Vec<EventType>>,
    #[validate(length(max = 500))]
    #[schema(max_length = 500)]
    pub description: Option<String>,
    /// Switch it off, or back on (which clears `disabled_reason`; what waited meanwhile is then sent).
    pub active: Option<bool>,
}

/// One message to one endpoint.
#[derive(Debug, Serialize, ToSchema)]
pub struct DeliveryView {
    pub id: Uuid,
    /// The `webhook-id` header it is sent with, the same on every attempt (receivers drop duplicates by it).
    #[schema(example = "msg_01938f2a9c7e7b3d8a1f2e3d4c5b6a79")]
    pub message_id: String,
    pub event_type: EventType,
    pub status: DeliveryStatus,
    pub attempts: i32,
    /// When it is tried next (pending ones).
    pub next_attempt_at: Option<DateTime<Utc>>,
    pub last_attempt_at: Option<DateTime<Utc>>,
    /// The HTTP status of the last answer; `null` when none came.
    pub last_response_status: Option<i32>,
    pub last_duration_ms: Option<i32>,
    /// Why the last attempt failed.
    pub last_error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub delivered_at: Option<DateTime<Utc>>,
}

impl From<DeliveryRow> for DeliveryView {
    fn from(row: DeliveryRow) -> Self {
        let pending = row.status == "pending";
        DeliveryView {
            message_id: message_id(row.id),
            id: row.id,
            event_type: row.event_type.parse().unwrap_or(EventType::ComplaintUpdated),
            status: row.status.parse().unwrap_or(DeliveryStatus::Pending),
            attempts: row.attempts,
            next_attempt_at: if pending { row.next_attempt_at } else { None },
            last_attempt_at: row.last_attempt_at,
            last_response_status: row.last_response_status,
            last_duration_ms: row.last_duration_ms,
            last_error: row.last_error,
            created_at: row.created_at,
            delivered_at: row.delivered_at,
        }
    }
}

/// One attempt.
#[derive(Debug, Serialize, ToSchema)]
pub struct AttemptView {
    /// 1 for the first.
    pub attempt: i32,
    pub attempted_at: DateTime<Utc>,
    pub response_status: Option<i32>,
    pub duration_ms: i32,
    pub error: Option<String>,
    pub succeeded: bool,
}

impl From<AttemptRow> for AttemptView {
    fn from(row: AttemptRow) -> Self {
        AttemptView {
            attempt: row.attempt,
            attempted_at: row.attempted_at,
            response_status: row.response_status,
            duration_ms: row.duration_ms,
            error: row.error,
            succeeded: row.succeeded,
        }
    }
}

/// A delivery with its body and every attempt.
#[derive(Debug, Serialize, ToSchema)]
pub struct DeliveryDetail {
    #[serde(flatten)]
    pub delivery: DeliveryView,
    /// The body exactly as signed and sent.
    pub payload: String,
    pub attempts_log: Vec<AttemptView>,
}

/// A page of deliveries.
#[derive(Debug, Serialize, ToSchema)]
pub struct DeliveryPage {
    pub items: Vec<DeliveryView>,
    /// Pass as `cursor` for the next page; absent on the last.
    pub next_cursor: Option<String>,
}

/// Which deliveries.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct DeliveryListQuery {
    /// Only `pending`, `delivered` or `failed` ones.
    pub status: Option<String>,
    /// 1 to 100 (default 20).
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<u32>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// Subscribe a URL to events of your Pemda.
///
/// `admin` (of their own Pemda; a `super_admin` has none to subscribe) and API clients with `webhooks:manage` and
/// `complaints:read` (a subscription carries what the change feed does); others get 403. Messages follow the Standard Webhooks specification: a POST with a JSON body `{type, timestamp,
/// data}` and the headers `webhook-id`, `webhook-timestamp` and `webhook-signature` (`v1,` and the base64
/// HMAC-SHA256 of `id.timestamp.body` under the secret in this answer, which is never shown again). `data` holds the
/// change as the change feed has it (ids, status, version, cursor), never personal data; changes of supervision
/// complaints are not sent. The URL must be `https` and reach only public addresses (loopback, private and
/// link-local ones are refused, at this check and at every connection). Deliveries start with changes from this
/// moment (those of transactions still open then included), at least once each: a 2xx answer delivers; anything else is retried after 5 s, 5 min, 30 min, 2 h, 5 h,
/// 10 h and 10 h (±20 % jitter, or later if `Retry-After` says so); an endpoint failing for three days, or
/// answering 410, is switched off and the Pemda's admins are notified.
#[utoipa::path(
    tag = "webhooks",
    request_body = CreateWebhookRequest,
    security(("bearer" = []), ("oauth2" = ["webhooks:manage", "complaints:read"])),
    responses(
        (status = 201, description = "Subscribed; the secret is in this answer only", body = WebhookWithSecret),
        (status = 403, description = "Neither an admin nor a client with webhooks:manage and complaints:read", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Not an https URL, a private address, an unknown event type", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/webhooks")]
pub async fn create_webhook(
    state: web::Data<AppState>,
    caller: Caller,
    body: Json<CreateWebhookRequest>,
) -> Result<HttpResponse, ApiError> {
    let manager = manager(&caller)?;
    FieldErrors::check(&*body).finish()?;
    let body = body.into_inner();
    let spec = EndpointSpec {
        url: body.url,
        description: body.description.unwrap_or_default(),
        event_types: body.event_types,
    };
    let made = webhooks::create(&state, &manager, spec).await?;
    let location = format!("/api/v1/webhooks/{}", made.endpoint.id);
    Ok(HttpResponse::Created().insert_header((header::LOCATION, location)).json(WebhookWithSecret::from(made)))
}

/// List your Pemda's webhook subscriptions.
///
/// `admin` (their Pemda's), `super_admin` (every Pemda's) and API clients with `webhooks:manage` (their Pemda's).
#[utoipa::path(
    tag = "webhooks",
    security(("bearer" = []), ("oauth2" = ["webhooks:manage", "complaints:read"])),
    responses(
        (status = 200, description = "The subscriptions, oldest first", body = WebhookList),
        (status = 403, description = "Neither an admin nor a client with webhooks:manage and complaints:read", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/webhooks")]
pub async fn list_webhooks(state: web::Data<AppState>, caller: Caller) -> Result<HttpResponse, ApiError> {
    let manager = manager(&caller)?;
    let items = webhooks::list(&state, &manager).await?.into_iter().map(WebhookView::from).collect();
    Ok(HttpResponse::Ok().json(WebhookList { items }))
}

/// Read a webhook subscription.
///
/// As listing; another Pemda's subscription is 404.
#[utoipa::path(
    tag = "webhooks",
    params(("id" = Uuid, Path, description = "Subscription id")),
    security(("bearer" = []), ("oauth2" = ["webhooks:manage", "complaints:read"])),
    responses(
        (status = 200, description = "The subscription", body = WebhookView),
        (status = 403, description = "Neither an admin nor a client with webhooks:manage and complaints:read", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such subscription in your Pemda", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/webhooks/{id}")]
pub async fn get_webhook(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let manager = manager(&caller)?;
    Ok(HttpResponse::Ok().json(WebhookView::from(webhooks::get(&state, &manager, id.into_inner()).await?)))
}

/// Change a webhook subscription.
///
/// As listing. A new URL is checked as at subscribing. `active: true` switches a subscription back on after the
/// service switched it off; the messages that waited meanwhile are then sent.
#[utoipa::path(
    tag = "webhooks",
    params(("id" = Uuid, Path, description = "Subscription id")),
    request_body = UpdateWebhookRequest,
    security(("bearer" = []), ("oauth2" = ["webhooks:manage", "complaints:read"])),
    responses(
        (status = 200, description = "Changed", body = WebhookView),
        (status = 403, description = "Neither an admin nor a client with webhooks:manage and complaints:read", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such subscription in your Pemda", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "An invalid field", body = Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/webhooks/{id}")]
pub async fn update_webhook(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    body: Json<UpdateWebhookRequest>,
) -> Result<HttpResponse, ApiError> {
    let manager = manager(&caller)?;
    FieldErrors::check(&*body).finish()?;
    let body = body.into_inner();
    let edit = EndpointEdit {
        url: body.url,
        description: body.description,
        event_types: body.event_types,
        active: body.active,
    };
    Ok(HttpResponse::Ok().json(WebhookView::from(webhooks::update(&state, &manager, id.into_inner(), edit).await?)))
}

/// Delete a webhook subscription and its delivery log.
///
/// As listing. Nothing more is sent to it.
#[utoipa::path(
    tag = "webhooks",
    params(("id" = Uuid, Path, description = "Subscription id")),
    security(("bearer" = []), ("oauth2" = ["webhooks:manage", "complaints:read"])),
    responses(
        (status = 204, description = "Deleted"),
        (status = 403, description = "Neither an admin nor a client with webhooks:manage and complaints:read", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such subscription in your Pemda", body = Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/webhooks/{id}")]
pub async fn delete_webhook(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let manager = manager(&caller)?;
    webhooks::delete(&state, &manager, id.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Give a webhook subscription a new signing secret.
///
/// As listing. The new secret is in this answer only. For 24 hours (`previous_secret_valid_until`) every message
/// carries two signatures, by the new and the previous secret, space-delimited in `webhook-signature`: the receiver
/// can switch secrets without missing a message.
#[utoipa::path(
    tag = "webhooks",
    params(("id" = Uuid, Path, description = "Subscription id")),
    security(("bearer" = []), ("oauth2" = ["webhooks:manage", "complaints:read"])),
    responses(
        (status = 200, description = "The subscription with its new secret", body = WebhookWithSecret),
        (status = 403, description = "Neither an admin nor a client with webhooks:manage and complaints:read", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such subscription in your Pemda", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/webhooks/{id}/rotate-secret")]
pub async fn rotate_webhook_secret(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let manager = manager(&caller)?;
    let rotated = webhooks::rotate_secret(&state, &manager, id.into_inner()).await?;
    Ok(HttpResponse::Ok().json(WebhookWithSecret::from(rotated)))
}

/// The delivery log of a webhook subscription.
///
/// As listing. Newest first, optionally of one status; each with its attempts count, last answer, duration and
/// error.
#[utoipa::path(
    tag = "webhooks",
    params(("id" = Uuid, Path, description = "Subscription id"), DeliveryListQuery),
    security(("bearer" = []), ("oauth2" = ["webhooks:manage", "complaints:read"])),
    responses(
        (status = 200, description = "A page of deliveries", body = DeliveryPage),
        (status = 400, description = "A cursor this API did not give out", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Neither an admin nor a client with webhooks:manage and complaints:read", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such subscription in your Pemda", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "An unknown status or a limit out of range", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/webhooks/{id}/deliveries")]
pub async fn list_webhook_deliveries(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: Caller,
    id: web::Path<Uuid>,
    query: Query<DeliveryListQuery>,
) -> Result<HttpResponse, ApiError> {
    let manager = manager(&caller)?;
    let page = PageRequest::parse(query.limit, query.cursor.as_deref())?;
    let status = query
        .status
        .as_deref()
        .map(|text| {
            text.parse::<DeliveryStatus>()
                .map_err(|_| ApiError::invalid_field("status", "unknown_value", "pending, delivered or failed"))
        })
        .transpose()?;
    let request =
        DeliveryQuery { status, before: page.after.map(|keyset| (keyset.at, keyset.id)), limit: page.fetch_limit() };
    let rows = webhooks::deliveries(&state, &manager, id.into_inner(), &request).await?;
    Ok(page.respond(&req, rows, |row| Keyset { at: row.created_at, id: row.id }, DeliveryView::from))
}

/// Read one delivery with its body and every attempt.
///
/// As listing.
#[utoipa::path(
    tag = "webhooks",
    params(
        ("id" = Uuid, Path, description = "Subscription id"),
        ("delivery_id" = Uuid, Path, description = "Delivery id"),
    ),
    security(("bearer" = []), ("oauth2" = ["webhooks:manage", "complaints:read"])),
    responses(
        (status = 200, description = "The delivery", body = DeliveryDetail),
        (status = 403, description = "Neither an admin nor a client with webhooks:manage and complaints:read", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such subscription or delivery", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/webhooks/{id}/deliveries/{delivery_id}")]
pub async fn get_webhook_delivery(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(Uuid, Uuid)>,
) -> Result<HttpResponse, ApiError> {
    let manager = manager(&caller)?;
    let (id, delivery_id) = path.into_inner();
    let (delivery, attempts) = webhooks::delivery(&state, &manager, id, delivery_id).await?;
    let payload = delivery.payload.clone();
    Ok(HttpResponse::Ok().json(DeliveryDetail {
        delivery: delivery.into(),
        payload,
        attempts_log: attempts.into_iter().map(AttemptView::from).collect(),
    }))
}

/// Send a delivery again.
///
/// As listing. The same message (same `webhook-id` and body, freshly timestamped and signed) is sent at once with a
/// fresh retry schedule, whatever became of it before: use it after an outage of the receiver. 409 while the
/// subscription is switched off.
#[utoipa::path(
    tag = "webhooks",
    params(
        ("id" = Uuid, Path, description = "Subscription id"),
        ("delivery_id" = Uuid, Path, description = "Delivery id"),
    ),
    security(("bearer" = []), ("oauth2" = ["webhooks:manage", "complaints:read"])),
    responses(
        (status = 202, description = "Queued for sending", body = DeliveryView),
        (status = 403, description = "Neither an admin nor a client with webhooks:manage and complaints:read", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such subscription or delivery", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The subscription is switched off", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/webhooks/{id}/deliveries/{delivery_id}/redeliver")]
pub async fn redeliver_webhook_delivery(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(Uuid, Uuid)>,
) -> Result<HttpResponse, ApiError> {
    let manager = manager(&caller)?;
    let (id, delivery_id) = path.into_inner();
    let row = webhooks::redeliver(&state, &manager, id, delivery_id).await?;
    Ok(HttpResponse::Accepted().json(DeliveryView::from(row)))
}

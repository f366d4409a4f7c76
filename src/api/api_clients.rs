//! Machine clients of a Pemda, managed by its admins.

use actix_web::http::header;
use actix_web::{HttpResponse, get, patch, post, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;
use validator::Validate;

use super::validation::{FieldErrors, nullable, required_text};
use crate::api::extract::Json;
use crate::auth::AuthUser;
use crate::db::api_clients::ApiClientRow;
use crate::domain::api_client::Scope;
use crate::domain::complaint::Channel;
use crate::error::{ApiError, Problem};
use crate::services::api_clients::{self, ClientEdit, ClientSpec, WithSecret};
use crate::state::AppState;

/// Requests per minute a client gets unless the admin says otherwise.
const DEFAULT_RATE_LIMIT: i32 = 600;

/// An API client (never its secret).
#[derive(Debug, Serialize, ToSchema)]
pub struct ApiClientView {
    /// Also the `client_id` of the client credentials grant.
    pub id: Uuid,
    pub pemda_id: Uuid,
    pub name: String,
    pub scopes: Vec<Scope>,
    /// The channel its reports are filed under (clients with `complaints:write`).
    pub channel: Option<Channel>,
    pub rate_limit_per_minute: i32,
    /// When it stops working, if ever.
    pub expires_at: Option<DateTime<Utc>>,
    pub active: bool,
    /// Revoked for good (no token, no change).
    pub revoked_at: Option<DateTime<Utc>>,
    /// When it last got or used a token (to the minute).
    pub last_used_at: Option<DateTime<Utc>>,
    /// Until when the secret before the last rotation still works.
    pub previous_secret_valid_until: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<ApiClientRow> for ApiClientView {
    fn from(row: ApiClientRow) -> Self {
        ApiClientView {
            id: row.id,
            pemda_id: row.pemda_id,
            name: row.name,
            scopes: row.scopes.iter().filter_map(|text| text.parse().ok()).collect(),
            channel: row.channel.as_deref().and_then(|text| text.parse().ok()),
            rate_limit_per_minute: row.rate_limit_per_minute,
            expires_at: row.expires_at,
            active: row.active,
            revoked_at: row.revoked_at,
            last_used_at: row.last_used_at,
            previous_secret_valid_until: row.previous_secret_valid_until,
            created_at: row.created_at,
            updated_at: row.updated_at,
        }
    }
}

/// A client with its secret: shown once, when the client is made or its secret rotated.
#[derive(Debug, Serialize, ToSchema)]
pub struct ApiClientWithSecret {
    #[serde(flatten)]
    pub client: ApiClientView,
    /// The `client_id` for the token request (the client's id).
    pub client_id: String,
    /// The `client_secret`. It is not stored and cannot be shown again; keep it in a secret store.
    pub client_secret: String,
}

impl From<WithSecret> for ApiClientWithSecret {
    fn from(made: WithSecret) -> Self {
        ApiClientWithSecret {
            client_id: made.client.id.to_string(),
            client: made.client.into(),
            client_secret: made.secret,
        }
    }
}

/// The API clients of your Pemda.
#[derive(Debug, Serialize, ToSchema)]
pub struct ApiClientList {
    pub items: Vec<ApiClientView>,
}

/// A new API client.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"name": "Dasbor Provinsi", "scopes": ["reports:read"]}))]
pub struct CreateApiClientRequest {
    /// Who uses it and what for.
    #[validate(length(min = 1, max = 200), custom(function = "crate::api::validation::single_line"))]
    #[schema(min_length = 1, max_length = 200)]
    pub name: String,
    /// At least one.
    #[validate(length(min = 1, max = 4))]
    #[schema(min_items = 1, max_items = 4)]
    pub scopes: Vec<Scope>,
    /// Required with `complaints:write`: the channel its reports arrive by.
    pub channel: Option<Channel>,
    /// Requests per minute (default 600).
    #[validate(range(min = 1, max = 100_000))]
    #[schema(minimum = 1, maximum = 100_000)]
    pub rate_limit_per_minute: Option<i32>,
    /// When it stops working (default: never).
    pub expires_at: Option<DateTime<Utc>>,
}

/// Changes to an API client; absent fields stay, `null` clears `channel` or `expires_at`.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"active": false}))]
pub struct UpdateApiClientRequest {
    #[validate(length(min = 1, max = 200), custom(function = "crate::api::validation::single_line"))]
    #[schema(min_length = 1, max_length = 200)]
    pub name: Option<String>,
    #[validate(length(min = 1, max = 4))]
    #[schema(min_items = 1, max_items = 4)]
    pub scopes: Option<Vec<Scope>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<Channel>)]
    pub channel: Option<Option<Channel>>,
    #[validate(range(min = 1, max = 100_000))]
    #[schema(minimum = 1, maximum = 100_000)]
    pub rate_limit_per_minute: Option<i32>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<DateTime<Utc>>)]
    pub expires_at: Option<Option<DateTime<Utc>>>,
    /// Switch it off (tokens stop working at once) or back on.
    pub active: Option<bool>,
}

/// Make an API client for your Pemda.
///
/// `admin` (of their own Pemda) and `super_admin`; others get 403. The answer holds `client_id` and `client_secret`
/// for `POST /api/v1/oauth/token`; the secret is stored only as a hash and is never shown again. `channel` is
/// required with `complaints:write` and refused without it.
#[utoipa::path(
    tag = "api clients",
    request_body = CreateApiClientRequest,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Made; the secret is in this answer only", body = ApiClientWithSecret),
        (status = 403, description = "Not an admin", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A missing name, no or unknown scopes, a channel where none belongs", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/api-clients")]
pub async fn create_api_client(
    state: web::Data<AppState>,
    user: AuthUser,
    body: Json<CreateApiClientRequest>,
) -> Result<HttpResponse, ApiError> {
    let mut errors = FieldErrors::check(&*body);
    let name = errors.take(required_text("name", &body.name));
    errors.finish()?;
    let body = body.into_inner();
    let spec = ClientSpec {
        name: name.unwrap_or_default(),
        scopes: body.scopes,
        channel: body.channel,
        rate_limit_per_minute: body.rate_limit_per_minute.unwrap_or(DEFAULT_RATE_LIMIT),
        expires_at: body.expires_at,
    };
    let made = api_clients::create(&state, &user, spec).await?;
    let location = format!("/api/v1/api-clients/{}", made.client.id);
    Ok(HttpResponse::Created().insert_header((header::LOCATION, location)).json(ApiClientWithSecret::from(made)))
}

/// List the API clients of your Pemda.
///
/// `admin` (their Pemda's) and `super_admin` (every Pemda's); others get 403. Oldest first; never a secret.
#[utoipa::path(
    tag = "api clients",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The clients", body = ApiClientList),
        (status = 403, description = "Not an admin", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/api-clients")]
pub async fn list_api_clients(state: web::Data<AppState>, user: AuthUser) -> Result<HttpResponse, ApiError> {
    let items = api_clients::list(&state, &user).await?.into_iter().map(ApiClientView::from).collect();
    Ok(HttpResponse::Ok().json(ApiClientList { items }))
}

/// Read an API client.
///
/// `admin` of its Pemda and `super_admin`; another Pemda's client is 404.
#[utoipa::path(
    tag = "api clients",
    params(("id" = Uuid, Path, description = "Client id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The client", body = ApiClientView),
        (status = 403, description = "Not an admin", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such client in your Pemda", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/api-clients/{id}")]
pub async fn get_api_client(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(ApiClientView::from(api_clients::get(&state, &user, id.into_inner()).await?)))
}

/// Change an API client.
///
/// `admin` of its Pemda and `super_admin`. Deactivating or narrowing its scopes acts at once on tokens already
/// issued. A revoked client cannot be changed (409).
#[utoipa::path(
    tag = "api clients",
    params(("id" = Uuid, Path, description = "Client id")),
    request_body = UpdateApiClientRequest,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Changed", body = ApiClientView),
        (status = 403, description = "Not an admin", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such client in your Pemda", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The client is revoked", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "An invalid field", body = Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/api-clients/{id}")]
pub async fn update_api_client(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<Uuid>,
    body: Json<UpdateApiClientRequest>,
) -> Result<HttpResponse, ApiError> {
    let mut errors = FieldErrors::check(&*body);
    let name = body.name.as_deref().map(|name| errors.take(required_text("name", name)));
    errors.finish()?;
    let body = body.into_inner();
    let edit = ClientEdit {
        name: name.flatten(),
        scopes: body.scopes,
        channel: body.channel,
        rate_limit_per_minute: body.rate_limit_per_minute,
        expires_at: body.expires_at,
        active: body.active,
    };
    Ok(HttpResponse::Ok().json(ApiClientView::from(api_clients::update(&state, &user, id.into_inner(), edit).await?)))
}

/// Give an API client a new secret.
///
/// `admin` of its Pemda and `super_admin`. The new secret is in this answer only; the previous one keeps working for
/// 24 hours (`previous_secret_valid_until`), so the system using it can switch over without downtime.
#[utoipa::path(
    tag = "api clients",
    params(("id" = Uuid, Path, description = "Client id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The client with its new secret", body = ApiClientWithSecret),
        (status = 403, description = "Not an admin", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such client in your Pemda", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The client is revoked", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/api-clients/{id}/rotate-secret")]
pub async fn rotate_api_client_secret(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let rotated = api_clients::rotate_secret(&state, &user, id.into_inner()).await?;
    Ok(HttpResponse::Ok().json(ApiClientWithSecret::from(rotated)))
}

/// Revoke an API client for good.
///
/// `admin` of its Pemda and `super_admin`. Its secrets and every token it holds stop working at once; revoking again
/// changes nothing.
#[utoipa::path(
    tag = "api clients",
    params(("id" = Uuid, Path, description = "Client id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Revoked", body = ApiClientView),
        (status = 403, description = "Not an admin", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such client in your Pemda", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/api-clients/{id}/revoke")]
pub async fn revoke_api_client(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(ApiClientView::from(api_clients::revoke(&state, &user, id.into_inner()).await?)))
}

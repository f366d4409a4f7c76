//! Machine clients: admins manage their Pemda's clients (the secret is shown once and stored only as a hash; rotated
//! with an overlap; revoked for good), the token endpoint grants client-credentials tokens (RFC 6749 §4.4), and each
//! request with such a token finds the client as the database knows it now, so deactivation and revocation act at
//! once. Every client has its own rate limit.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use diesel_async::AsyncPgConnection;
use rand::RngCore;
use serde_json::json;
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::auth::tokens::TokenRejection;
use crate::auth::{AuthUser, MachineClient};
use crate::db;
use crate::db::api_clients::{ApiClientChanges, ApiClientRow};
use crate::domain::api_client::{ClientStanding, ROTATION_OVERLAP, Scope, granted_scopes, secret_accepted};
use crate::domain::complaint::Channel;
use crate::domain::rate_limit::Policy;
use crate::domain::role::Role;
use crate::error::ApiError;
use crate::services::access;
use crate::state::AppState;

/// Prefix of client secrets, so a leaked one is recognisable (by secret scanners too).
const SECRET_PREFIX: &str = "pgdsec_";

/// A secret: what the client keeps (shown once) and what we keep.
struct Secret {
    text: String,
    hash: Vec<u8>,
}

fn new_secret() -> Secret {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    let text = format!("{SECRET_PREFIX}{}", URL_SAFE_NO_PAD.encode(bytes));
    let hash = hash_secret(&text);
    Secret { text, hash }
}

/// SHA-256: the secret has 256 random bits, so a slow password hash would add cost and no safety.
fn hash_secret(secret: &str) -> Vec<u8> {
    Sha256::digest(secret.as_bytes()).to_vec()
}

/// What an admin asks for.
#[derive(Debug, Clone)]
pub struct ClientSpec {
    pub name: String,
    pub scopes: Vec<Scope>,
    pub channel: Option<Channel>,
    pub rate_limit_per_minute: i32,
    pub expires_at: Option<DateTime<Utc>>,
}

/// A client with its secret, right after it was made or rotated: the only time the secret is seen.
pub struct WithSecret {
    pub client: ApiClientRow,
    pub secret: String,
}

fn require_manager(actor: &AuthUser) -> Result<(), ApiError> {
    access::require_admin(actor, "API clients")
}

/// `complaints:write` needs the channel its reports arrive by; other clients have none.
fn check_channel(scopes: &[Scope], channel: Option<Channel>) -> Result<(), ApiError> {
    match (scopes.contains(&Scope::ComplaintsWrite), channel) {
        (true, None) => Err(ApiError::invalid_field(
            "channel",
            "required",
            "a client with complaints:write files by a fixed channel",
        )),
        (false, Some(_)) => Err(ApiError::invalid_field(
            "channel",
            "not_applicable",
            "only a client with complaints:write has a channel",
        )),
        _ => Ok(()),
    }
}

fn scope_texts(scopes: &[Scope]) -> Vec<String> {
    let mut texts: Vec<String> = scopes.iter().map(|scope| scope.as_str().to_owned()).collect();
    texts.sort();
    texts.dedup();
    texts
}

/// Makes a client of the admin's Pemda.
pub async fn create(state: &AppState, actor: &AuthUser, spec: ClientSpec) -> Result<WithSecret, ApiError> {
    require_manager(actor)?;
    check_channel(&spec.scopes, spec.channel)?;
    let pemda = access::home_pemda(actor)?;
    let secret = new_secret();
    let now = state.clock.now();
    let row = ApiClientRow {
        id: Uuid::now_v7(),
        pemda_id: pemda.0,
        name: spec.name,
        scopes: scope_texts(&spec.scopes),
        channel: spec.channel.map(|channel| channel.as_str().to_owned()),
        secret_hash: secret.hash,
        previous_secret_hash: None,
        previous_secret_valid_until: None,
        rate_limit_per_minute: spec.rate_limit_per_minute,
        expires_at: spec.expires_at,
        active: true,
        revoked_at: None,
        last_used_at: None,
        created_by: actor.id.0,
        created_at: now,
        updated_at: now,
    };
    let mut conn = state.conn().await?;
    let client = db::api_clients::insert(&mut conn, &row).await?;
    let details = json!({ "name": client.name, "scopes": client.scopes });
    db::audit::record(
        &mut conn,
        db::audit::NewAuditEvent::new(Some(actor.id.0), "api_client", client.id, "created", details),
    )
    .await?;
    Ok(WithSecret { client, secret: secret.text })
}

/// The clients the admin manages (a super admin: every Pemda's).
pub async fn list(state: &AppState, actor: &AuthUser) -> Result<Vec<ApiClientRow>, ApiError> {
    require_manager(actor)?;
    let pemda = if actor.role == Role::SuperAdmin { None } else { Some(access::home_pemda(actor)?.0) };
    let mut conn = state.conn().await?;
    Ok(db::api_clients::list(&mut conn, pemda).await?)
}

/// A client the admin manages (404 for another Pemda's).
pub async fn get(state: &AppState, actor: &AuthUser, id: Uuid) -> Result<ApiClientRow, ApiError> {
    require_manager(actor)?;
    let mut conn = state.conn().await?;
    managed(&mut conn, actor, id).await
}

async fn managed(conn: &mut AsyncPgConnection, actor: &AuthUser, id: Uuid) -> Result<ApiClientRow, ApiError> {
    let row = db::api_clients::find(conn, id).await?.ok_or_else(|| ApiError::not_found("the API client"))?;
    if actor.role != Role::SuperAdmin && Some(row.pemda_id) != actor.pemda_id.map(|p| p.0) {
        return Err(ApiError::not_found("the API client"));
    }
    Ok(row)
}

/// What an admin changes; `None` leaves a field.
#[derive(Debug, Default)]
pub struct ClientEdit {
    pub name: Option<String>,
    pub scopes: Option<Vec<Scope>>,
    pub channel: Option<Option<Channel>>,
    pub rate_limit_per_minute: Option<i32>,
    pub expires_at: Option<Option<DateTime<Utc>>>,
    pub active: Option<bool>,
}

/// Changes a client; a revoked one cannot be changed (409).
pub async fn update(state: &AppState, actor: &AuthUser, id: Uuid, edit: ClientEdit) -> Result<ApiClientRow, ApiError> {
    require_manager(actor)?;
    let mut conn = state.conn().await?;
    let row = managed(&mut conn, actor, id).await?;
    if row.revoked_at.is_some() {
        return Err(ApiError::conflict("api_client_revoked", "a revoked API client cannot be changed"));
    }
    let held: Vec<Scope> = row.scopes.iter().filter_map(|text| text.parse().ok()).collect();
    let scopes = edit.scopes.clone().unwrap_or(held);
    let channel = match edit.channel {
        Some(channel) => channel,
        None => row.channel.as_deref().and_then(|text| text.parse().ok()),
    };
    check_channel(&scopes, channel)?;
    let changes = ApiClientChanges {
        name: edit.name,
        scopes: edit.scopes.map(|scopes| scope_texts(&scopes)),
        channel: edit.channel.map(|channel| channel.map(|c| c.as_str().to_owned())),
        rate_limit_per_minute: edit.rate_limit_per_minute,
        expires_at: edit.expires_at,
        active: edit.active,
        updated_at: Some(state.clock.now()),
        ..Default::default()
    };
    let updated =
        db::api_clients::update(&mut conn, id, &changes).await?.ok_or_else(|| ApiError::not_found("the API client"))?;
    let details = json!({ "active": updated.active, "scopes": updated.scopes });
    db::audit::record(&mut conn, db::audit::NewAuditEvent::new(Some(actor.id.0), "api_client", id, "updated", details))
        .await?;
    Ok(updated)
}

/// Gives a client a new secret; the previous one keeps working for [`ROTATION_OVERLAP`].
pub async fn rotate_secret(state: &AppState, actor: &AuthUser, id: Uuid) -> Result<WithSecret, ApiError> {
    require_manager(actor)?;
    let mut conn = state.conn().await?;
    let row = managed(&mut conn, actor, id).await?;
    if row.revoked_at.is_some() {
        return Err(ApiError::conflict("api_client_revoked", "a revoked API client gets no new secret"));
    }
    let secret = new_secret();
    let now = state.clock.now();
    let changes = ApiClientChanges {
        secret_hash: Some(secret.hash),
        previous_secret_hash: Some(Some(row.secret_hash)),
        previous_secret_valid_until: Some(Some(now + ROTATION_OVERLAP)),
        updated_at: Some(now),
        ..Default::default()
    };
    let client =
        db::api_clients::update(&mut conn, id, &changes).await?.ok_or_else(|| ApiError::not_found("the API client"))?;
    db::audit::record(
        &mut conn,
        db::audit::NewAuditEvent::new(Some(actor.id.0), "api_client", id, "secret_rotated", json!({})),
    )
    .await?;
    Ok(WithSecret { client, secret: secret.text })
}

/// Revokes a client for good: its secrets and tokens stop working at once.
pub async fn revoke(state: &AppState, actor: &AuthUser, id: Uuid) -> Result<ApiClientRow, ApiError> {
    require_manager(actor)?;
    let mut conn = state.conn().await?;
    let row = managed(&mut conn, actor, id).await?;
    if row.revoked_at.is_some() {
        return Ok(row);
    }
    let now = state.clock.now();
    let changes = ApiClientChanges {
        active: Some(false),
        revoked_at: Some(Some(now)),
        previous_secret_hash: Some(None),
        previous_secret_valid_until: Some(None),
        updated_at: Some(now),
        ..Default::default()
    };
    let client =
        db::api_clients::update(&mut conn, id, &changes).await?.ok_or_else(|| ApiError::not_found("the API client"))?;
    db::audit::record(
        &mut conn,
        db::audit::NewAuditEvent::new(Some(actor.id.0), "api_client", id, "revoked", json!({})),
    )
    .await?;
    Ok(client)
}

fn standing(row: &ApiClientRow) -> ClientStanding {
    ClientStanding { active: row.active, revoked: row.revoked_at.is_some(), expires_at: row.expires_at }
}

/// Why a token request was refused, as RFC 6749 §5.2 names it.
#[derive(Debug)]
pub enum GrantError {
    /// Unknown client, wrong secret, or a client that may not get tokens (revoked, inactive, expired).
    InvalidClient,
    /// A scope asked for is unknown or not the client's.
    InvalidScope,
    /// Something failed on our side (the database is unreachable: 503).
    Failed(ApiError),
}

/// A granted token.
pub struct Grant {
    pub access_token: String,
    pub expires_in: u64,
    pub scope: String,
}

/// The client credentials grant: the client authenticated by id and secret gets a token for the scopes it asks for.
pub async fn grant(
    state: &AppState,
    client_id: &str,
    secret: &str,
    requested: Option<&str>,
) -> Result<Grant, GrantError> {
    let id = client_id.parse::<Uuid>().map_err(|_| GrantError::InvalidClient)?;
    let mut conn = state.conn().await.map_err(GrantError::Failed)?;
    let row = db::api_clients::find(&mut conn, id)
        .await
        .map_err(|err| GrantError::Failed(err.into()))?
        .ok_or(GrantError::InvalidClient)?;
    let now = state.clock.now();
    let previous = row.previous_secret_hash.as_deref().zip(row.previous_secret_valid_until);
    if !secret_accepted(&hash_secret(secret), &row.secret_hash, previous, now) || !standing(&row).usable(now) {
        return Err(GrantError::InvalidClient);
    }
    let held: Vec<Scope> = row.scopes.iter().filter_map(|text| text.parse().ok()).collect();
    let scopes = granted_scopes(requested, &held).ok_or(GrantError::InvalidScope)?;
    let scope = scopes.iter().map(|scope| scope.as_str()).collect::<Vec<_>>().join(" ");
    let access_token = state
        .access_tokens
        .issue_client(row.id, &scope, now)
        .map_err(|err| GrantError::Failed(ApiError::Internal(err)))?;
    let _ = db::api_clients::touch(&mut conn, row.id, now).await;
    tracing::info!(api_client.id = %row.id, scope = %scope, "token granted to an API client");
    Ok(Grant { access_token, expires_in: state.access_tokens.ttl().as_secs(), scope })
}

/// The machine client behind a client token: the token checked, the client usable now, its rate limit spent.
pub async fn authenticate(state: &AppState, token: &str) -> Result<MachineClient, ApiError> {
    let claims = state.access_tokens.verify_client(token).map_err(|rejection| match rejection {
        TokenRejection::Expired => {
            ApiError::unauthorized("token_expired", "the access token has expired; get a new one")
        }
        TokenRejection::Invalid => ApiError::unauthorized("invalid_token", "the access token is not valid"),
    })?;
    let mut conn = state.conn().await?;
    let row = db::api_clients::find(&mut conn, claims.sub)
        .await?
        .ok_or_else(|| ApiError::unauthorized("invalid_token", "the access token is not valid"))?;
    // A token keeps only the scopes its client still holds: narrowing a client narrows its live tokens at once.
    let granted: Vec<Scope> = claims.scope.split(' ').filter_map(|text| text.parse::<Scope>().ok()).collect();
    admit(state, &mut conn, row, Some(&granted)).await
}

/// The machine client whose secret is `key` (Open311's `api_key`, which is one string where OAuth has two): its
/// current secret, or the previous one within the rotation overlap; usable now, its rate limit spent. `None` for a
/// key no usable client has.
pub async fn authenticate_key(
    state: &AppState,
    conn: &mut AsyncPgConnection,
    key: &str,
) -> Result<Option<MachineClient>, ApiError> {
    let hash = hash_secret(key);
    let Some(row) = db::api_clients::find_by_secret_hash(conn, &hash).await? else {
        return Ok(None);
    };
    let previous = row.previous_secret_hash.as_deref().zip(row.previous_secret_valid_until);
    if !secret_accepted(&hash, &row.secret_hash, previous, state.clock.now()) {
        return Ok(None);
    }
    match admit(state, conn, row, None).await {
        Ok(client) => Ok(Some(client)),
        Err(ApiError::Unauthorized { .. }) => Ok(None),
        Err(other) => Err(other),
    }
}

/// Lets a client in: usable now, within its rate limit, `last_used_at` recorded; with the scopes it holds (narrowed
/// to `granted`, a token's, when given).
async fn admit(
    state: &AppState,
    conn: &mut AsyncPgConnection,
    row: ApiClientRow,
    granted: Option<&[Scope]>,
) -> Result<MachineClient, ApiError> {
    let now = state.clock.now();
    if !standing(&row).usable(now) {
        return Err(ApiError::unauthorized("client_inactive", "this API client is revoked, deactivated or expired"));
    }
    let quota = u32::try_from(row.rate_limit_per_minute).unwrap_or(1);
    let policy = Policy { name: "api_client", quota, window_secs: 60 };
    crate::services::rate_limits::spend(state, conn, policy, &row.id.to_string()).await.map_err(|(error, _)| error)?;
    db::api_clients::touch(conn, row.id, now).await?;
    tracing::Span::current().record("user.id", tracing::field::display(row.id));
    let held: Vec<Scope> = row.scopes.iter().filter_map(|text| text.parse().ok()).collect();
    let scopes = match granted {
        Some(granted) => held.iter().copied().filter(|scope| granted.contains(scope)).collect(),
        None => held,
    };
    Ok(MachineClient {
        id: row.id,
        pemda_id: crate::domain::ids::UnitId(row.pemda_id),
        scopes,
        channel: row.channel.as_deref().and_then(|text| text.parse().ok()),
    })
}

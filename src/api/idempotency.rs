//! `Idempotency-Key` on every POST: a retry with the same key and the same request gets the first answer again
//! (status, body, `Location`, `ETag`, with `Idempotent-Replayed: true`) and changes nothing; the same key with another
//! request is 422 (`key_reused`); a retry while the first is still running is 409 `idempotency_in_progress`
//! with `Retry-After`. Only successful answers are kept, so a request that failed can be retried as it is.
//!
//! Keys belong to their caller (the signed-in user, or the client address for calls without a token) and are kept 24
//! hours. Complaint intake has its own handling, which stores the answer in the transaction that creates the report.

use actix_web::body::{BoxBody, MessageBody, to_bytes};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::http::{Method, StatusCode};
use actix_web::middleware::Next;
use actix_web::{Error, HttpMessage, HttpRequest, HttpResponse, web};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use futures_util::StreamExt;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::db;
use crate::error::ApiError;
use crate::sealing::Sealed;
use crate::state::AppState;

/// The request header.
pub const KEY_HEADER: HeaderName = HeaderName::from_static("idempotency-key");
/// The response header of a replayed answer.
pub const REPLAYED_HEADER: HeaderName = HeaderName::from_static("idempotent-replayed");

/// How long a claim may stay pending before a retry may take it over (its request died with its process).
const ABANDONED_AFTER: chrono::TimeDelta = chrono::TimeDelta::seconds(60);

/// The routes that handle the key themselves: complaint intake, public and staff.
const OWN_HANDLING: [&str; 2] = ["/api/v1/public/complaints", "/api/v1/complaints"];

/// Whether a POST to `path` honours `Idempotency-Key`. Not the OAuth token endpoint (a token request creates nothing
/// and may simply be repeated), nor the answers that carry a secret shown once (a new API client or webhook, a rotated secret),
/// which are never stored for replay.
pub fn honoured_on(path: &str) -> bool {
    let shows_a_secret = ["/api/v1/api-clients", "/api/v1/webhooks"]
        .iter()
        .any(|collection| path == *collection || (path.starts_with(collection) && path.ends_with("/rotate-secret")));
    path != crate::api::oauth::TOKEN_PATH && !shows_a_secret
}

/// The `Idempotency-Key` of a request: 1 to 200 visible ASCII characters (a UUID, a ULID, `order-2026-0042` ...).
pub fn key_of(req: &HttpRequest) -> Result<Option<String>, ApiError> {
    parse_key(req.headers().get(KEY_HEADER))
}

fn parse_key(value: Option<&HeaderValue>) -> Result<Option<String>, ApiError> {
    let Some(value) = value else { return Ok(None) };
    let key = value
        .to_str()
        .ok()
        .map(str::trim)
        .filter(|key| (1..=200).contains(&key.len()) && key.chars().all(|c| c.is_ascii_graphic()));
    match key {
        Some(key) => Ok(Some(key.to_owned())),
        None => Err(ApiError::BadRequest {
            code: "invalid_idempotency_key",
            detail: "Idempotency-Key is 1 to 200 visible ASCII characters, such as a UUID".into(),
        }),
    }
}

/// A kept answer.
#[derive(Serialize, Deserialize)]
struct StoredAnswer {
    status: u16,
    headers: Vec<(String, String)>,
    body: String,
}

/// The headers an answer is replayed with.
const KEPT_HEADERS: [HeaderName; 3] = [header::CONTENT_TYPE, header::LOCATION, header::ETAG];

/// Middleware: see the module docs.
pub async fn idempotent(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    let applies = req.method() == Method::POST
        && req.headers().contains_key(KEY_HEADER)
        && !OWN_HANDLING.contains(&req.path())
        && honoured_on(req.path());
    let state = req.app_data::<web::Data<AppState>>().cloned();
    let (true, Some(state)) = (applies, state) else {
        return Ok(next.call(req).await?.map_into_boxed_body());
    };
    let key = match parse_key(req.headers().get(KEY_HEADER)) {
        Ok(Some(key)) => key,
        Ok(None) => return Ok(next.call(req).await?.map_into_boxed_body()),
        Err(error) => return Ok(req.error_response(error)),
    };
    let Some(scope) = scope_of(&req, &state) else {
        // An invalid token: the handler answers 401, and nothing is kept.
        return Ok(next.call(req).await?.map_into_boxed_body());
    };
    // The body is read here to fingerprint the request, then handed on unchanged.
    let limit = state.settings.body_limit.max(state.settings.attachment_max_bytes + 64 * 1024);
    let body = match read_body(req.take_payload(), limit).await {
        Ok(body) => body,
        Err(error) => return Ok(req.error_response(error)),
    };
    let fingerprint = fingerprint(&req, &body);
    req.set_payload(Payload::from(body));

    let context = format!("idempotency:{scope}:{key}");
    let now = state.clock.now();
    let claimed = {
        let mut conn = state.conn().await?;
        let mut found =
            db::idempotency::claim(&mut conn, &scope, &key, &fingerprint, now).await.map_err(ApiError::from)?;
        if let Some(row) = &found
            && row.status == db::idempotency::PENDING
            && row.created_at + ABANDONED_AFTER < now
        {
            db::idempotency::release(&mut conn, &scope, &key, true).await.map_err(ApiError::from)?;
            found = db::idempotency::claim(&mut conn, &scope, &key, &fingerprint, now).await.map_err(ApiError::from)?;
        }
        found
    };
    if let Some(row) = claimed {
        let answer = if row.request_hash != fingerprint {
            Err(ApiError::invalid_field(
                "Idempotency-Key",
                "key_reused",
                "this key was used with another request; use a new key for a new request",
            ))
        } else if row.status == db::idempotency::PENDING {
            Err(ApiError::Conflict {
                code: "idempotency_in_progress",
                detail: "a request with this key is still running; retry in a moment".into(),
                context: None,
            })
        } else {
            replay(&state, &context, &row)
        };
        return Ok(match answer {
            Ok(response) => req.into_response(response),
            Err(error) => {
                let mut response = req.error_response(error);
                if response.status() == StatusCode::CONFLICT {
                    response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
                }
                response
            }
        });
    }

    let response = next.call(req).await;
    let response = match response {
        Ok(response) if response.status().is_success() => response,
        other => {
            // Nothing to keep: the key may be used again for the same request.
            if let Ok(mut conn) = state.conn().await {
                let _ = db::idempotency::release(&mut conn, &scope, &key, true).await;
            }
            return Ok(other?.map_into_boxed_body());
        }
    };
    let (request, response) = response.into_parts();
    let (head, body) = response.into_parts();
    let bytes = to_bytes(body).await.map_err(|_| ApiError::Internal(anyhow::anyhow!("unreadable response body")))?;
    let stored = StoredAnswer {
        status: head.status().as_u16(),
        headers: KEPT_HEADERS
            .iter()
            .filter_map(|name| {
                head.headers().get(name).and_then(|v| v.to_str().ok()).map(|v| (name.to_string(), v.into()))
            })
            .collect(),
        body: STANDARD.encode(&bytes),
    };
    keep(&state, &scope, &key, &context, &stored).await?;
    let response = head.set_body(BoxBody::new(bytes));
    Ok(ServiceResponse::new(request, response))
}

/// Who the key belongs to: the user of a valid access token, or the client address.
fn scope_of(req: &ServiceRequest, state: &AppState) -> Option<String> {
    if !req.headers().contains_key(header::AUTHORIZATION) {
        return Some(format!("public:{}", super::client_ip(req.request(), &state.settings)));
    }
    let token = super::extract::bearer_token(req.request()).ok()?;
    let claims = state.access_tokens.verify(&token).ok()?;
    Some(format!("user:{}", claims.sub))
}

async fn read_body(mut payload: Payload, limit: usize) -> Result<web::Bytes, ApiError> {
    let mut body = web::BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|err| ApiError::BadRequest {
            code: "malformed_body",
            detail: format!("the body cannot be read: {err}"),
        })?;
        if body.len() + chunk.len() > limit {
            return Err(ApiError::body_too_large());
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body.freeze())
}

/// What makes two requests the same: method, path, query, media type and body.
fn fingerprint(req: &ServiceRequest, body: &[u8]) -> Vec<u8> {
    let mut hash = Sha256::new();
    let content_type = req.headers().get(header::CONTENT_TYPE).map(HeaderValue::as_bytes).unwrap_or_default();
    for part in [req.method().as_str().as_bytes(), req.path().as_bytes(), req.query_string().as_bytes(), content_type] {
        hash.update((part.len() as u64).to_be_bytes());
        hash.update(part);
    }
    hash.update(body);
    hash.finalize().to_vec()
}

async fn keep(state: &AppState, scope: &str, key: &str, context: &str, answer: &StoredAnswer) -> Result<(), ApiError> {
    let plain = serde_json::to_vec(answer).map_err(anyhow::Error::new)?;
    let sealed = state.sealer.seal(context.as_bytes(), &plain)?;
    let mut conn = state.conn().await?;
    let status = i16::try_from(answer.status).unwrap_or(200);
    db::idempotency::complete(&mut conn, scope, key, status, &sealed.nonce, &sealed.ciphertext).await?;
    Ok(())
}

fn replay(state: &AppState, context: &str, row: &db::complaints::IdempotencyRow) -> Result<HttpResponse, ApiError> {
    let sealed = Sealed { nonce: row.nonce.clone(), ciphertext: row.response.clone() };
    let answer: StoredAnswer =
        serde_json::from_slice(&state.sealer.open(context.as_bytes(), &sealed)?).map_err(anyhow::Error::new)?;
    let mut response = HttpResponse::build(StatusCode::from_u16(answer.status).unwrap_or(StatusCode::OK));
    for (name, value) in answer.headers {
        response.insert_header((name, value));
    }
    response.insert_header((REPLAYED_HEADER, "true"));
    let body = STANDARD.decode(answer.body).map_err(anyhow::Error::new)?;
    Ok(response.body(body))
}

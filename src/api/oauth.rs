//! The OAuth 2.0 token endpoint (RFC 6749 §3.2), for the client credentials grant (§4.4) only. It speaks OAuth, not
//! problem+json: a form in, §5.1 and §5.2 JSON out, so every OAuth library works unchanged.

use std::collections::HashMap;

use actix_web::http::{StatusCode, header};
use actix_web::web::Bytes;
use actix_web::{HttpRequest, HttpResponse, ResponseError, post, web};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::services::api_clients::{self, GrantError};
use crate::state::AppState;

/// Where the token endpoint answers.
pub const TOKEN_PATH: &str = "/api/v1/oauth/token";

/// A token request (`application/x-www-form-urlencoded`). Authenticate with HTTP Basic (`client_id:client_secret`,
/// each form-urlencoded, RFC 6749 §2.3.1) or with the two form fields, not both.
#[derive(Debug, Deserialize, ToSchema)]
#[schema(example = json!({"grant_type": "client_credentials", "client_id": "01936f0e-8a4b-7c3d-9e2f-1a2b3c4d5e6f", "client_secret": "pgdsec_…", "scope": "reports:read"}))]
pub struct TokenRequest {
    /// Always `client_credentials`.
    #[schema(example = "client_credentials")]
    pub grant_type: String,
    pub client_id: Option<String>,
    pub client_secret: Option<String>,
    /// Space-separated scopes, each held by the client (default: all it holds).
    pub scope: Option<String>,
}

/// A granted token (RFC 6749 §5.1).
#[derive(Debug, Serialize, ToSchema)]
pub struct TokenResponse {
    /// Send as `Authorization: Bearer <access_token>`.
    pub access_token: String,
    /// Always `Bearer`.
    pub token_type: &'static str,
    /// Seconds until it expires.
    pub expires_in: u64,
    /// The granted scopes, space-separated.
    pub scope: String,
}

/// A refused token request (RFC 6749 §5.2).
#[derive(Debug, Serialize, ToSchema)]
pub struct OAuthError {
    /// `invalid_request`, `invalid_client`, `unsupported_grant_type` or `invalid_scope`.
    pub error: &'static str,
    /// For the developer reading it.
    pub error_description: String,
}

fn refuse(status: StatusCode, error: &'static str, description: &str) -> HttpResponse {
    let mut response = HttpResponse::build(status);
    response.insert_header((header::CACHE_CONTROL, "no-store")).insert_header((header::PRAGMA, "no-cache"));
    response.extensions_mut().insert(crate::error::StandardErrorBody);
    if status == StatusCode::UNAUTHORIZED {
        response.insert_header((header::WWW_AUTHENTICATE, "Basic realm=\"pengaduan\", charset=\"UTF-8\""));
    }
    response.json(OAuthError { error, error_description: description.to_owned() })
}

fn invalid_request(description: &str) -> HttpResponse {
    refuse(StatusCode::BAD_REQUEST, "invalid_request", description)
}

/// `client_id` and `client_secret` from an `Authorization: Basic` header, if one is sent.
fn basic_credentials(req: &HttpRequest) -> Option<Result<(String, String), ()>> {
    let value = req.headers().get(header::AUTHORIZATION)?;
    let parsed = (|| {
        let (scheme, encoded) = value.to_str().ok()?.split_once(' ')?;
        if !scheme.eq_ignore_ascii_case("basic") {
            return None;
        }
        let decoded = String::from_utf8(STANDARD.decode(encoded.trim()).ok()?).ok()?;
        let (id, secret) = decoded.split_once(':')?;
        // RFC 6749 §2.3.1: both parts are form-urlencoded before they are joined.
        let unescape =
            |text: &str| form_urlencoded::parse(format!("x={text}").as_bytes()).next().map(|(_, v)| v.into_owned());
        Some((unescape(id)?, unescape(secret)?))
    })();
    Some(parsed.ok_or(()))
}

/// Get an access token for an API client (OAuth 2.0 client credentials).
///
/// No bearer token: the client authenticates itself, by HTTP Basic or by `client_id` and `client_secret` in the form.
/// `grant_type=client_credentials` only. The token lives as long as a staff access token (15 minutes by default);
/// there is no refresh token: ask again. Errors are RFC 6749 §5.2 JSON (`invalid_request`, `invalid_client` (401),
/// `unsupported_grant_type`, `invalid_scope`), not problem+json; answers are never cached.
#[utoipa::path(
    tag = "api clients",
    request_body(content = TokenRequest, content_type = "application/x-www-form-urlencoded"),
    responses(
        (status = 200, description = "A token", body = TokenResponse),
        (status = 400, description = "A malformed request, another grant type, or a scope the client does not hold", body = OAuthError),
        (status = 401, description = "Unknown client, wrong secret, or a client revoked, inactive or expired", body = OAuthError, headers(("WWW-Authenticate" = String, description = "Basic realm=\"pengaduan\""))),
    )
)]
#[post("/oauth/token")]
pub async fn issue_token(state: web::Data<AppState>, req: HttpRequest, body: Bytes) -> HttpResponse {
    let form_type = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.split(';').next())
        .is_some_and(|media| media.trim().eq_ignore_ascii_case("application/x-www-form-urlencoded"));
    if !form_type {
        return invalid_request("send the request as application/x-www-form-urlencoded");
    }
    let mut fields: HashMap<String, String> = HashMap::new();
    for (name, value) in form_urlencoded::parse(&body) {
        // RFC 6749 §3.2: parameters sent without a value are treated as omitted; none may repeat.
        if value.is_empty() {
            continue;
        }
        if fields.insert(name.clone().into_owned(), value.into_owned()).is_some() {
            return invalid_request(&format!("the parameter {name} is repeated"));
        }
    }
    match fields.get("grant_type").map(String::as_str) {
        None => return invalid_request("grant_type is missing"),
        Some("client_credentials") => {}
        Some(_) => {
            return refuse(StatusCode::BAD_REQUEST, "unsupported_grant_type", "only client_credentials is supported");
        }
    }
    let in_form = (fields.get("client_id"), fields.get("client_secret"));
    let (client_id, secret) = match (basic_credentials(&req), in_form) {
        // RFC 6749 §2.3.1 forbids two authentication methods; a client_id beside Basic (§3.2.1) is no second one.
        (Some(_), (_, Some(_))) => {
            return invalid_request("authenticate with HTTP Basic or with the form fields, not both");
        }
        (Some(Ok((id, _))), (Some(form_id), None)) if *form_id != id => {
            return invalid_request("the client_id in the form is not the one in the Authorization header");
        }
        (Some(Ok(credentials)), _) => credentials,
        (Some(Err(())), _) => {
            return refuse(StatusCode::UNAUTHORIZED, "invalid_client", "the Basic credentials are malformed");
        }
        (None, (Some(id), Some(secret))) => (id.clone(), secret.clone()),
        (None, _) => {
            return refuse(StatusCode::UNAUTHORIZED, "invalid_client", "send client_id and client_secret");
        }
    };
    match api_clients::grant(&state, &client_id, &secret, fields.get("scope").map(String::as_str)).await {
        Ok(grant) => HttpResponse::Ok()
            .insert_header((header::CACHE_CONTROL, "no-store"))
            .insert_header((header::PRAGMA, "no-cache"))
            .json(TokenResponse {
                access_token: grant.access_token,
                token_type: "Bearer",
                expires_in: grant.expires_in,
                scope: grant.scope,
            }),
        Err(GrantError::InvalidClient) => {
            refuse(StatusCode::UNAUTHORIZED, "invalid_client", "unknown client, wrong secret, or client not usable")
        }
        Err(GrantError::InvalidScope) => {
            refuse(StatusCode::BAD_REQUEST, "invalid_scope", "a scope asked for is unknown or not the client's")
        }
        // Not an OAuth error (RFC 6749 has none for the token endpoint's own failures): the service's 500 or 503.
        Err(GrantError::Failed(error)) => error.error_response(),
    }
}

//! Signing in, refreshing tokens and signing out.

use actix_web::{HttpRequest, HttpResponse, post, web};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

use super::validation::FieldErrors;
use crate::api::extract::Json;
use crate::auth::AuthUser;
use crate::error::{ApiError, Problem};
use crate::services;
use crate::state::AppState;

/// Credentials for signing in.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"email": "admin@sekadaukab.go.id", "password": "a long passphrase"}))]
pub struct LoginRequest {
    /// The account's e-mail address (any case).
    #[validate(length(min = 3, max = 254), custom(function = "crate::api::validation::single_line"))]
    #[schema(min_length = 3, max_length = 254, example = "admin@sekadaukab.go.id")]
    pub email: String,
    /// The account's password.
    #[validate(length(min = 1, max = 128))]
    #[schema(min_length = 1, max_length = 128, format = Password)]
    pub password: String,
}

/// A refresh token to exchange.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"refresh_token": "3q2-7wEXAMPLEq8XvYt1n0b5kD4mRw"}))]
pub struct RefreshRequest {
    /// The refresh token from the last sign-in or refresh.
    #[validate(length(min = 1, max = 200))]
    #[schema(min_length = 1, max_length = 200)]
    pub refresh_token: String,
}

/// A token pair.
#[derive(Debug, Serialize, ToSchema)]
pub struct TokenResponse {
    /// Send as `Authorization: Bearer <access_token>`.
    pub access_token: String,
    /// Always `Bearer`.
    #[schema(example = "Bearer")]
    pub token_type: &'static str,
    /// Seconds until the access token expires.
    #[schema(example = 900)]
    pub expires_in: u64,
    /// Single-use token for `POST /api/v1/auth/refresh`; keep it secret.
    pub refresh_token: String,
}

impl From<services::auth::IssuedTokens> for TokenResponse {
    fn from(tokens: services::auth::IssuedTokens) -> Self {
        Self {
            access_token: tokens.access_token,
            token_type: "Bearer",
            expires_in: tokens.expires_in,
            refresh_token: tokens.refresh_token,
        }
    }
}

/// Sign in with e-mail and password.
///
/// Public. A wrong password and an unknown address get the same 401 (`invalid_credentials`); after repeated failures
/// for one account or from one address the answer is 429 with `Retry-After`. A deactivated account gets 401
/// `account_inactive`.
#[utoipa::path(
    tag = "auth",
    request_body = LoginRequest,
    responses(
        (status = 200, description = "Signed in", body = TokenResponse, headers(("RateLimit-Policy" = String, description = "IETF RateLimit-Policy: the quota and window, e.g. `\"login\";q=5;w=900`"), ("RateLimit" = String, description = "IETF RateLimit: what is left and the seconds until the window ends, e.g. `\"login\";r=5;t=0`"))),
        (status = 401, description = "Wrong credentials or deactivated account", body = Problem, content_type = "application/problem+json", headers(("RateLimit-Policy" = String, description = "IETF RateLimit-Policy: the quota and window, e.g. `\"login\";q=5;w=900`"), ("RateLimit" = String, description = "IETF RateLimit: what is left and the seconds until the window ends, e.g. `\"login\";r=4;t=900`"))),
        (status = 429, description = "Held back: too many failures of this account from this address, too many from this address, or the account is under attack elsewhere; see Retry-After", body = Problem, content_type = "application/problem+json", headers(("Retry-After" = u64, description = "Seconds to wait"), ("RateLimit-Policy" = String, description = "IETF RateLimit-Policy: the quota and window, e.g. `\"login\";q=5;w=900`"), ("RateLimit" = String, description = "IETF RateLimit: what is left and the seconds until the window ends, e.g. `\"login\";r=0;t=840`"))),
    )
)]
#[post("/auth/login")]
pub async fn login(
    req: HttpRequest,
    state: web::Data<AppState>,
    body: Json<LoginRequest>,
) -> Result<HttpResponse, ApiError> {
    FieldErrors::check(&*body).finish()?;
    let body = body.into_inner();
    let client_ip = super::client_ip(&req, &state.settings);
    let metered = services::auth::login(&state, &body.email, body.password, &client_ip).await;
    Ok(super::rate_limit::respond(metered, |tokens| HttpResponse::Ok().json(TokenResponse::from(tokens))))
}

/// Exchange a refresh token for a new token pair.
///
/// Public (the refresh token is the credential). Each refresh token works once; presenting a used one again ends the
/// whole session (401 `refresh_token_reused`), because it means the token was copied.
#[utoipa::path(
    tag = "auth",
    request_body = RefreshRequest,
    responses(
        (status = 200, description = "A new pair", body = TokenResponse),
        (status = 401, description = "Unknown, used, expired or revoked refresh token", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/auth/refresh")]
pub async fn refresh_tokens(state: web::Data<AppState>, body: Json<RefreshRequest>) -> Result<HttpResponse, ApiError> {
    FieldErrors::check(&*body).finish()?;
    let tokens = services::auth::refresh(&state, &body.refresh_token).await?;
    Ok(HttpResponse::Ok().json(TokenResponse::from(tokens)))
}

/// Sign out: end the current session.
///
/// Any signed-in user. The session's refresh tokens and access tokens stop working at once.
#[utoipa::path(
    tag = "auth",
    security(("bearer" = [])),
    responses((status = 204, description = "Signed out"))
)]
#[post("/auth/logout")]
pub async fn logout(state: web::Data<AppState>, user: AuthUser) -> Result<HttpResponse, ApiError> {
    let mut conn = state.conn().await?;
    services::auth::logout(&mut conn, &state.sessions, &user).await?;
    Ok(HttpResponse::NoContent().finish())
}

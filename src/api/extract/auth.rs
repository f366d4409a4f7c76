//! Callers as extractors. [`AuthUser`]: a person with a valid access token (a machine client's token is 403
//! `insufficient_scope` there). [`ReportReader`]: a person, or a machine client whose token carries `reports:read`.

use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{FromRequest, HttpRequest, web};

use crate::auth::tokens::TokenRejection;
use crate::auth::{AuthUser, MachineClient};
use crate::domain::api_client::Scope;
use crate::error::ApiError;
use crate::services;
use crate::state::AppState;

/// The future every caller extractor returns.
type Extracted<T> = Pin<Box<dyn Future<Output = Result<T, ApiError>>>>;

/// Runs `resolve` with the application state and the request's bearer token: the part every caller extractor shares.
fn with_token<T, F>(req: &HttpRequest, resolve: impl FnOnce(web::Data<AppState>, String) -> F + 'static) -> Extracted<T>
where
    F: Future<Output = Result<T, ApiError>> + 'static,
{
    let state = req.app_data::<web::Data<AppState>>().cloned();
    let token = bearer_token(req);
    Box::pin(async move {
        let state = state.ok_or_else(|| ApiError::Internal(anyhow::anyhow!("application state is missing")))?;
        resolve(state, token?).await
    })
}

impl FromRequest for AuthUser {
    type Error = ApiError;
    type Future = Extracted<Self>;

    fn from_request(req: &HttpRequest, _payload: &mut Payload) -> Self::Future {
        with_token(req, |state, token| async move {
            // Refused on the token alone: a client never costs the database a lookup here.
            if is_client_token(&state, &token)? {
                return Err(not_for_clients());
            }
            services::auth::authenticate(&state, &token).await
        })
    }
}

/// Whether a token is a machine client's (checked only once it proved not to be a person's, so staff requests keep the
/// verified-token cache); an expired client token is 401 `token_expired`.
fn is_client_token(state: &AppState, token: &str) -> Result<bool, ApiError> {
    if state.access_tokens.verify(token) != Err(TokenRejection::Invalid) {
        return Ok(false);
    }
    match state.access_tokens.verify_client(token) {
        Ok(_) => Ok(true),
        Err(TokenRejection::Expired) => {
            Err(ApiError::unauthorized("token_expired", "the access token has expired; get a new one"))
        }
        Err(TokenRejection::Invalid) => Ok(false),
    }
}

fn not_for_clients() -> ApiError {
    ApiError::Forbidden {
        code: "insufficient_scope",
        detail: "this operation is for signed-in staff; no API client scope reaches it".into(),
    }
}

/// Any caller with a token: a person, or a machine client (whose scopes the operation then checks).
pub enum Caller {
    /// Signed-in staff.
    Person(AuthUser),
    /// An API client.
    Machine(MachineClient),
}

async fn caller(state: &AppState, token: &str) -> Result<Caller, ApiError> {
    if is_client_token(state, token)? {
        return services::api_clients::authenticate(state, token).await.map(Caller::Machine);
    }
    services::auth::authenticate(state, token).await.map(Caller::Person)
}

impl FromRequest for Caller {
    type Error = ApiError;
    type Future = Extracted<Self>;

    fn from_request(req: &HttpRequest, _payload: &mut Payload) -> Self::Future {
        with_token(req, |state, token| async move { caller(&state, &token).await })
    }
}

/// Who may read reports: any signed-in person (the report decides what their role sees), or a machine client whose
/// token carries `reports:read` (it reads as its Pemda's leaders do).
pub struct ReportReader(pub AuthUser);

impl FromRequest for ReportReader {
    type Error = ApiError;
    type Future = Extracted<Self>;

    fn from_request(req: &HttpRequest, _payload: &mut Payload) -> Self::Future {
        with_token(req, |state, token| async move {
            match caller(&state, &token).await? {
                Caller::Person(user) => Ok(ReportReader(user)),
                Caller::Machine(client) if client.has(Scope::ReportsRead) => {
                    Ok(ReportReader(client.as_report_reader()))
                }
                Caller::Machine(_) => Err(ApiError::Forbidden {
                    code: "insufficient_scope",
                    detail: "this operation needs the reports:read scope".into(),
                }),
            }
        })
    }
}

/// The token of an `Authorization: Bearer <token>` header.
pub fn bearer_token(req: &HttpRequest) -> Result<String, ApiError> {
    let value = req.headers().get(header::AUTHORIZATION).ok_or_else(|| {
        ApiError::unauthorized("missing_token", "sign in and send the access token as a Bearer token")
    })?;
    let value =
        value.to_str().map_err(|_| ApiError::unauthorized("invalid_token", "the Authorization header is not text"))?;
    match value.split_once(' ') {
        Some((scheme, token)) if scheme.eq_ignore_ascii_case("bearer") && !token.trim().is_empty() => {
            Ok(token.trim().to_owned())
        }
        _ => Err(ApiError::unauthorized("invalid_token", "the Authorization header must read `Bearer <token>`")),
    }
}

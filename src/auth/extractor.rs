//! The [`AuthUser`] extractor: a handler that takes one is closed to callers without a valid access token.

use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{FromRequest, HttpRequest, web};

use super::tokens::TokenRejection;
use crate::db;
use crate::domain::ids::{SessionId, UnitId, UserId};
use crate::domain::role::Role;
use crate::error::ApiError;
use crate::state::AppState;

/// The signed-in caller, as the database knows them now (read, or remembered until the database reports a change).
#[derive(Debug, Clone)]
pub struct AuthUser {
    /// The account.
    pub id: UserId,
    /// Its current role (read fresh, not from the token).
    pub role: Role,
    /// Its current unit.
    pub unit_id: UnitId,
    /// The login session the token belongs to.
    pub session_id: SessionId,
    /// The Pemda the unit belongs to (the nearest province, regency or city at or above it).
    pub pemda_id: Option<UnitId>,
}

impl FromRequest for AuthUser {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, _payload: &mut Payload) -> Self::Future {
        let state = req.app_data::<web::Data<AppState>>().cloned();
        let token = bearer_token(req);
        Box::pin(async move {
            let state = state.ok_or_else(|| ApiError::Internal(anyhow::anyhow!("application state is missing")))?;
            let token = token?;
            let claims = state.access_tokens.verify(&token).map_err(|rejection| match rejection {
                TokenRejection::Expired => {
                    ApiError::unauthorized("token_expired", "the access token has expired; refresh it")
                }
                TokenRejection::Invalid => ApiError::unauthorized("invalid_token", "the access token is not valid"),
            })?;
            let user = match state.sessions.get(claims.sub, claims.sid) {
                Some(user) => user,
                None => {
                    let ticket = state.sessions.ticket();
                    let mut conn = state.conn().await?;
                    let user =
                        db::users::find_session_user(&mut conn, claims.sub, claims.sid).await?.ok_or_else(|| {
                            ApiError::unauthorized("session_revoked", "this session has ended; sign in again")
                        })?;
                    state.sessions.remember(ticket, &user, claims.sid);
                    user
                }
            };
            if !user.active {
                return Err(ApiError::unauthorized("account_inactive", "this account is deactivated"));
            }
            let role = user.role.parse::<Role>().map_err(|err| ApiError::Internal(err.into()))?;
            tracing::Span::current().record("user.id", tracing::field::display(user.id));
            Ok(AuthUser {
                id: UserId(user.id),
                role,
                unit_id: UnitId(user.unit_id),
                session_id: SessionId(claims.sid),
                pemda_id: user.pemda_id.map(UnitId),
            })
        })
    }
}

fn bearer_token(req: &HttpRequest) -> Result<String, ApiError> {
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

//! Signing in and out, refresh-token rotation, and password changes.

use chrono::Utc;
use diesel_async::{AsyncConnection, AsyncPgConnection};
use serde_json::json;

use super::blocking;
use super::rate_limits::Metered;
use crate::auth::session_cache::SessionCache;
use crate::auth::tokens::{RefreshToken, TokenRejection, hash_refresh_token};
use crate::auth::{AuthUser, password};
use crate::db;
use crate::db::sessions::RevokeReason;
use crate::db::users::UserRow;
use crate::domain::ids::{SessionId, UserId};
use crate::domain::rate_limit::Hold;
use crate::domain::role::Role;
use crate::domain::user::{Email, NewPassword};
use crate::error::ApiError;
use crate::state::AppState;

/// The tokens handed out at sign-in and at each refresh.
#[derive(Debug)]
pub struct IssuedTokens {
    /// Short-lived bearer token.
    pub access_token: String,
    /// Seconds the access token stays valid.
    pub expires_in: u64,
    /// Single-use token that obtains the next pair.
    pub refresh_token: String,
}

fn invalid_credentials() -> ApiError {
    ApiError::unauthorized("invalid_credentials", "the e-mail address or the password is wrong")
}

/// Signs in with e-mail and password. Unknown addresses cost the same hashing work as wrong passwords, and both get
/// the same answer. Before the password is looked at, the attempt is judged on the failures the database counted
/// (see [`crate::domain::rate_limit`]): the answer carries the caller's standing for the RateLimit fields.
pub async fn login(state: &AppState, email: &str, password: String, client_ip: &str) -> Metered<IssuedTokens> {
    let policy = state.settings.sign_in_policy();
    let account = email.trim().to_lowercase();
    let now = state.clock.now();
    let since = now - policy.window;
    let mut conn = match state.conn().await {
        Ok(conn) => conn,
        Err(error) => return Metered { result: Err(error), standing: None },
    };
    let history = match db::rate_limits::sign_in_history(&mut conn, &account, client_ip, since).await {
        Ok(history) => history,
        Err(error) => return Metered { result: Err(error.into()), standing: None },
    };
    let verdict = policy.judge(&history, now);
    if let Some((hold, retry_after_secs)) = verdict.hold {
        let detail = match hold {
            Hold::Pair => "too many failed sign-ins to this account from this address; wait before trying again",
            Hold::Address => "too many failed sign-ins from this address; wait before trying another account",
            Hold::AccountDelay => "this account had failed sign-ins from elsewhere; wait a moment before trying",
        };
        tracing::info!(?hold, retry_after_secs, "sign-in held back");
        let error = ApiError::TooManyRequests { retry_after_secs, detail: detail.into() };
        return Metered { result: Err(error), standing: Some(verdict.standing) };
    }
    let (result, recorded, standing) = match check_password(state, &mut conn, email, password).await {
        Ok(SignIn::Issued(tokens)) => (
            Ok(tokens),
            db::rate_limits::record_sign_in_success(&mut conn, &account, client_ip, now).await,
            policy.after_success(),
        ),
        Ok(SignIn::WrongCredentials) => (
            Err(invalid_credentials()),
            db::rate_limits::record_sign_in_failure(&mut conn, &account, client_ip, now, since).await,
            policy.after_failure(&verdict.standing),
        ),
        Err(error) => (Err(error), Ok(()), verdict.standing),
    };
    let result = match recorded {
        Ok(()) => result,
        Err(error) => Err(error.into()),
    };
    Metered { result, standing: Some(standing) }
}

/// What the password said.
enum SignIn {
    Issued(IssuedTokens),
    /// An unknown address or a wrong password, alike: a failure to count.
    WrongCredentials,
}

async fn check_password(
    state: &AppState,
    conn: &mut AsyncPgConnection,
    email: &str,
    password: String,
) -> Result<SignIn, ApiError> {
    let user = match Email::parse(email) {
        Ok(email) => db::users::find_by_email(conn, email.as_str()).await?,
        Err(_) => None,
    };
    let hash = user.as_ref().map(|user| user.password_hash.clone());
    let matches = blocking(move || match hash {
        Some(hash) => password::verify(&password, &hash),
        None => {
            password::verify_against_dummy(&password);
            false
        }
    })
    .await?;
    let user = match user {
        Some(user) if matches => user,
        _ => return Ok(SignIn::WrongCredentials),
    };
    if !user.active {
        return Err(ApiError::unauthorized("account_inactive", "this account is deactivated"));
    }
    let session = SessionId::new();
    let refresh = RefreshToken::generate();
    // Refresh tokens live on the service's clock (the tests move it); access tokens on the system clock, which is
    // what the JWT library checks them against.
    let expires_at = state.clock.now() + state.settings.refresh_token_ttl;
    conn.transaction(async |conn| {
        db::sessions::create(conn, session.0, user.id).await?;
        db::sessions::add_refresh_token(conn, session.0, &refresh.hash, expires_at).await?;
        Ok::<_, ApiError>(())
    })
    .await?;
    tracing::info!(user.id = %user.id, session.id = %session, "signed in");
    issue(state, UserId(user.id), session, refresh).map(SignIn::Issued)
}

enum RefreshOutcome {
    Rotated { user: UserId, session: SessionId, refresh: RefreshToken },
    Reused,
    Refused(ApiError),
}

/// Exchanges a refresh token for a new pair. Each token works once; presenting a used one again ends its whole session,
/// since one of the two holders is not the rightful one.
pub async fn refresh(state: &AppState, presented: &str) -> Result<IssuedTokens, ApiError> {
    let hash = hash_refresh_token(presented);
    let ttl = state.settings.refresh_token_ttl;
    let now = state.clock.now();
    let mut conn = state.conn().await?;
    let outcome = conn
        .transaction(async |conn| {
            let Some(token) = db::sessions::lock_refresh_token(conn, &hash).await? else {
                return Ok(RefreshOutcome::Refused(ApiError::unauthorized(
                    "invalid_refresh_token",
                    "the refresh token is not valid",
                )));
            };
            if token.session_revoked_at.is_some() {
                return Ok(RefreshOutcome::Refused(ApiError::unauthorized(
                    "session_revoked",
                    "this session has ended; sign in again",
                )));
            }
            if token.used_at.is_some() {
                db::sessions::revoke(conn, token.session_id, RevokeReason::RefreshTokenReuse).await?;
                return Ok(RefreshOutcome::Reused);
            }
            if token.expires_at <= now {
                return Ok(RefreshOutcome::Refused(ApiError::unauthorized(
                    "refresh_token_expired",
                    "the refresh token has expired; sign in again",
                )));
            }
            let user = db::users::find(conn, token.user_id).await?;
            if !user.as_ref().is_some_and(|user: &UserRow| user.active) {
                return Ok(RefreshOutcome::Refused(ApiError::unauthorized(
                    "account_inactive",
                    "this account is deactivated",
                )));
            }
            db::sessions::mark_used(conn, &token.token_hash).await?;
            let refresh = RefreshToken::generate();
            db::sessions::add_refresh_token(conn, token.session_id, &refresh.hash, now + ttl).await?;
            Ok::<_, ApiError>(RefreshOutcome::Rotated {
                user: UserId(token.user_id),
                session: SessionId(token.session_id),
                refresh,
            })
        })
        .await?;
    match outcome {
        RefreshOutcome::Rotated { user, session, refresh } => issue(state, user, session, refresh),
        RefreshOutcome::Reused => {
            state.sessions.forget_all();
            tracing::warn!("a used refresh token was presented again; its session is revoked");
            Err(ApiError::unauthorized(
                "refresh_token_reused",
                "this refresh token was already used; the session is ended for safety",
            ))
        }
        RefreshOutcome::Refused(error) => Err(error),
    }
}

/// Ends the caller's session: its refresh tokens and access tokens stop working at once.
pub async fn logout(conn: &mut AsyncPgConnection, sessions: &SessionCache, actor: &AuthUser) -> Result<(), ApiError> {
    db::sessions::revoke(conn, actor.session_id.0, RevokeReason::Logout).await?;
    sessions.forget_all();
    tracing::info!(user.id = %actor.id, session.id = %actor.session_id, "signed out");
    Ok(())
}

/// Changes the caller's own password after checking the current one; every other session ends.
pub async fn change_password(
    conn: &mut AsyncPgConnection,
    sessions: &SessionCache,
    actor: &AuthUser,
    current_password: String,
    new_password: NewPassword,
) -> Result<(), ApiError> {
    let user = db::users::find(conn, actor.id.0).await?.ok_or_else(|| ApiError::not_found("the user"))?;
    let stored = user.password_hash.clone();
    let (matches, new_hash) = blocking(move || {
        let matches = password::verify(&current_password, &stored);
        (matches, matches.then(|| password::hash(&new_password)))
    })
    .await?;
    if !matches {
        return Err(ApiError::invalid_field("current_password", "wrong_password", "the current password is wrong"));
    }
    let new_hash = new_hash.transpose()?.unwrap_or_default();
    conn.transaction(async |conn| {
        db::users::set_password_hash(conn, user.id, &new_hash).await?;
        db::sessions::revoke_all_but(conn, user.id, Some(actor.session_id.0), RevokeReason::PasswordChanged).await?;
        let details = json!({ "by": "self" });
        db::audit::record(
            conn,
            db::audit::NewAuditEvent::new(Some(user.id), "user", user.id, "password_changed", details),
        )
        .await?;
        Ok::<_, ApiError>(())
    })
    .await?;
    sessions.forget_all();
    tracing::info!(user.id = %user.id, "password changed; other sessions revoked");
    Ok(())
}

fn issue(state: &AppState, user: UserId, session: SessionId, refresh: RefreshToken) -> Result<IssuedTokens, ApiError> {
    let access_token = state.access_tokens.issue(user, session, Utc::now())?;
    Ok(IssuedTokens { access_token, expires_in: state.access_tokens.ttl().as_secs(), refresh_token: refresh.token })
}

/// The caller behind an access token: its signature and expiry checked, its session live, its account active; role,
/// unit and Pemda as the database knows them now (or as remembered until the database reports a change).
pub async fn authenticate(state: &AppState, token: &str) -> Result<AuthUser, ApiError> {
    let claims = state.access_tokens.verify(token).map_err(|rejection| match rejection {
        TokenRejection::Expired => ApiError::unauthorized("token_expired", "the access token has expired; refresh it"),
        TokenRejection::Invalid => ApiError::unauthorized("invalid_token", "the access token is not valid"),
    })?;
    let user = match state.sessions.get(claims.sub, claims.sid) {
        Some(user) => user,
        None => {
            let ticket = state.sessions.ticket();
            let mut conn = state.conn().await?;
            let user = db::users::find_session_user(&mut conn, claims.sub, claims.sid)
                .await?
                .ok_or_else(|| ApiError::unauthorized("session_revoked", "this session has ended; sign in again"))?;
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
        unit_id: crate::domain::ids::UnitId(user.unit_id),
        session_id: SessionId(claims.sid),
        pemda_id: user.pemda_id.map(crate::domain::ids::UnitId),
    })
}

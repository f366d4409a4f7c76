//! Rows and queries of `sessions` and `refresh_tokens`.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::schema::{refresh_tokens, sessions};

/// Why a session ended (the `revoked_reason` column).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RevokeReason {
    /// The user signed out.
    Logout,
    /// A refresh token was presented a second time: it was stolen or leaked, so the whole family ends.
    RefreshTokenReuse,
    /// The password changed: every other session ends.
    PasswordChanged,
}

impl RevokeReason {
    fn as_str(self) -> &'static str {
        match self {
            RevokeReason::Logout => "logout",
            RevokeReason::RefreshTokenReuse => "refresh_token_reuse",
            RevokeReason::PasswordChanged => "password_changed",
        }
    }
}

/// A refresh token together with its session.
#[derive(Debug, Queryable)]
pub struct RefreshTokenWithSession {
    pub token_hash: Vec<u8>,
    pub session_id: Uuid,
    pub expires_at: DateTime<Utc>,
    pub used_at: Option<DateTime<Utc>>,
    pub user_id: Uuid,
    pub session_revoked_at: Option<DateTime<Utc>>,
}

/// Opens a session for `user_id`.
pub async fn create(conn: &mut AsyncPgConnection, id: Uuid, user_id: Uuid) -> QueryResult<()> {
    diesel::insert_into(sessions::table)
        .values((sessions::id.eq(id), sessions::user_id.eq(user_id)))
        .execute(conn)
        .await
        .map(drop)
}

/// Stores the hash of a new refresh token of `session_id`.
pub async fn add_refresh_token(
    conn: &mut AsyncPgConnection,
    session_id: Uuid,
    token_hash: &[u8],
    expires_at: DateTime<Utc>,
) -> QueryResult<()> {
    diesel::insert_into(refresh_tokens::table)
        .values((
            refresh_tokens::token_hash.eq(token_hash),
            refresh_tokens::session_id.eq(session_id),
            refresh_tokens::expires_at.eq(expires_at),
        ))
        .execute(conn)
        .await
        .map(drop)
}

/// Finds a refresh token by hash and locks it, so two concurrent refreshes with the same token cannot both win.
pub async fn lock_refresh_token(
    conn: &mut AsyncPgConnection,
    token_hash: &[u8],
) -> QueryResult<Option<RefreshTokenWithSession>> {
    refresh_tokens::table
        .inner_join(sessions::table)
        .filter(refresh_tokens::token_hash.eq(token_hash))
        .select((
            refresh_tokens::token_hash,
            refresh_tokens::session_id,
            refresh_tokens::expires_at,
            refresh_tokens::used_at,
            sessions::user_id,
            sessions::revoked_at,
        ))
        // Locks the token and its session row: a concurrent refresh with the same token waits for this one.
        .for_update()
        .first(conn)
        .await
        .optional()
}

/// Marks a refresh token as used (rotated away).
pub async fn mark_used(conn: &mut AsyncPgConnection, token_hash: &[u8]) -> QueryResult<()> {
    diesel::update(refresh_tokens::table.find(token_hash))
        .set(refresh_tokens::used_at.eq(diesel::dsl::now))
        .execute(conn)
        .await
        .map(drop)
}

/// Ends one session (idempotent).
pub async fn revoke(conn: &mut AsyncPgConnection, session_id: Uuid, reason: RevokeReason) -> QueryResult<()> {
    diesel::update(sessions::table.find(session_id).filter(sessions::revoked_at.is_null()))
        .set((sessions::revoked_at.eq(diesel::dsl::now), sessions::revoked_reason.eq(reason.as_str())))
        .execute(conn)
        .await
        .map(drop)
}

/// Ends every live session of `user_id` except `keep`.
pub async fn revoke_all_but(
    conn: &mut AsyncPgConnection,
    user_id: Uuid,
    keep: Option<Uuid>,
    reason: RevokeReason,
) -> QueryResult<usize> {
    let mut query = diesel::update(sessions::table)
        .filter(sessions::user_id.eq(user_id))
        .filter(sessions::revoked_at.is_null())
        .into_boxed();
    if let Some(keep) = keep {
        query = query.filter(sessions::id.ne(keep));
    }
    query
        .set((sessions::revoked_at.eq(diesel::dsl::now), sessions::revoked_reason.eq(reason.as_str())))
        .execute(conn)
        .await
}

/// Removes refresh tokens that expired before `before`; returns how many.
pub async fn delete_refresh_tokens_expired_before(
    conn: &mut AsyncPgConnection,
    before: DateTime<Utc>,
) -> QueryResult<usize> {
    diesel::delete(refresh_tokens::table.filter(refresh_tokens::expires_at.lt(before))).execute(conn).await
}

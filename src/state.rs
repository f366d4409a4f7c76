//! What every request handler and job shares: the pool, the settings and the long-lived helpers.

use std::sync::Arc;

use crate::auth::session_cache::SessionCache;
use crate::auth::throttle::{IntakeLimit, LoginThrottle};
use crate::auth::tokens::AccessTokens;
use crate::clock::Clock;
use crate::config::Settings;
use crate::db::DbPool;
use crate::sealing::Sealer;
use crate::storage::BlobStore;

/// Shared application state, handed to handlers as `web::Data<AppState>`.
pub struct AppState {
    /// Database connections.
    pub pool: DbPool,
    /// The configuration the process started with.
    pub settings: Arc<Settings>,
    /// Signs and checks access tokens.
    pub access_tokens: AccessTokens,
    /// Counts failed logins.
    pub login_throttle: LoginThrottle,
    /// Counts public complaint submissions.
    pub intake_limit: IntakeLimit,
    /// Counts uploads without a staff token.
    pub upload_limit: IntakeLimit,
    /// Seals reporter identity and stored idempotent responses.
    pub sealer: Sealer,
    /// Uploaded files.
    pub blobs: Arc<dyn BlobStore>,
    /// The domain's notion of now.
    pub clock: Clock,
    /// Live sessions remembered between requests.
    pub sessions: Arc<SessionCache>,
}

impl AppState {
    /// A connection from the pool; a pool timeout becomes 503.
    pub async fn conn(&self) -> Result<crate::db::PooledConnection, crate::error::ApiError> {
        Ok(self.pool.get().await?)
    }
}

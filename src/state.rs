//! What every request handler and job shares: the pool, the settings and the long-lived helpers.

use std::sync::Arc;

use crate::auth::throttle::LoginThrottle;
use crate::auth::tokens::AccessTokens;
use crate::config::Settings;
use crate::db::DbPool;

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
}

impl AppState {
    /// A connection from the pool; a pool timeout becomes 503.
    pub async fn conn(&self) -> Result<crate::db::PooledConnection, crate::error::ApiError> {
        Ok(self.pool.get().await?)
    }
}

//! What every request handler and job shares: the pool, the settings and the long-lived helpers.
//!
//! Each HTTP worker gets its own copy with its own pool ([`AppState::with_pool`]); everything else in it is shared
//! behind `Arc`s, so limits, caches and the clock are the same for every worker.

use std::sync::Arc;

use crate::auth::session_cache::SessionCache;
use crate::auth::tokens::AccessTokens;
use crate::clock::Clock;
use crate::config::Settings;
use crate::db::DbPool;
use crate::sealing::Sealer;
use crate::services::reports::public::StatisticsCache;
use crate::storage::BlobStore;

/// Shared application state, handed to handlers as `web::Data<AppState>`.
#[derive(Clone)]
pub struct AppState {
    /// Database connections.
    pub pool: DbPool,
    /// The configuration the process started with.
    pub settings: Arc<Settings>,
    /// Signs and checks access tokens.
    pub access_tokens: AccessTokens,
    /// Seals reporter identity and stored idempotent responses.
    pub sealer: Sealer,
    /// Uploaded files.
    pub blobs: Arc<dyn BlobStore>,
    /// The domain's notion of now.
    pub clock: Clock,
    /// Live sessions remembered between requests.
    pub sessions: Arc<SessionCache>,
    /// Public statistics computed in the last minute.
    pub statistics: Arc<StatisticsCache>,
    /// Wakes this instance's export worker when an export is queued (workers also look every job interval, for
    /// exports queued through other instances).
    pub exports_queued: Arc<tokio::sync::Notify>,
}

impl AppState {
    /// The same state drawing connections from `pool`.
    pub fn with_pool(&self, pool: DbPool) -> Self {
        Self { pool, ..self.clone() }
    }

    /// A connection from the pool; a pool timeout becomes 503.
    pub async fn conn(&self) -> Result<crate::db::PooledConnection, crate::error::ApiError> {
        Ok(self.pool.get().await?)
    }
}

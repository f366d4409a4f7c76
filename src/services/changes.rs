//! The change feed: what changed in a Pemda, in one total order that late commits cannot disturb (see
//! db::changes::after), page by page, with optional long polling.

use std::time::Duration;

use crate::auth::guards::{self, Action};
use crate::auth::{AuthUser, MachineClient};
use crate::db;
use crate::db::changes::{ChangeRow, FeedQuery};
use crate::domain::change::{Cursor, EntityType};
use crate::error::ApiError;
use crate::services::complaints::readable_pemdas;
use crate::state::AppState;

/// How often a long poll looks again.
const POLL_EVERY: Duration = Duration::from_millis(250);

/// Which changes a reader may see.
#[derive(Debug, Clone)]
pub struct FeedReach {
    pemda_ids: Option<Vec<uuid::Uuid>>,
    supervision: bool,
}

impl FeedReach {
    /// Staff who read complaints: their Pemda's changes (a super admin: every Pemda's).
    pub fn of_person(user: &AuthUser) -> Result<FeedReach, ApiError> {
        guards::require(user.role, Action::ReadComplaints)?;
        Ok(FeedReach { pemda_ids: readable_pemdas(user)?, supervision: true })
    }

    /// A machine client with `complaints:read`: its Pemda's changes, without supervision complaints.
    pub fn of_client(client: &MachineClient) -> Result<FeedReach, ApiError> {
        crate::services::complaints::require_client_reads(client)?;
        Ok(FeedReach { pemda_ids: Some(vec![client.pemda_id.0]), supervision: false })
    }
}

/// What a reader asks for.
#[derive(Debug, Clone)]
pub struct FeedRequest {
    pub after: Cursor,
    pub types: Vec<EntityType>,
    pub limit: i64,
    /// How long to wait for a change when there is none yet.
    pub wait: Duration,
}

/// A page of changes and where the next one starts.
pub struct FeedPage {
    pub items: Vec<(Cursor, ChangeRow)>,
    /// Send as `after` for the next page (the request's own cursor when nothing was new).
    pub next: Cursor,
}

/// The changes after the request's cursor; with `wait`, holds the request until some arrive or the wait is over.
pub async fn read(state: &AppState, reach: &FeedReach, request: &FeedRequest) -> Result<FeedPage, ApiError> {
    let query = FeedQuery {
        pemda_ids: reach.pemda_ids.clone(),
        after: (request.after.txid, request.after.row),
        types: request.types.iter().map(|kind| kind.as_str().to_owned()).collect(),
        supervision: reach.supervision,
        limit: request.limit,
    };
    let deadline = tokio::time::Instant::now() + request.wait;
    loop {
        // A connection per look, never held while waiting.
        let rows = {
            let mut conn = state.conn().await?;
            db::changes::after(&mut conn, &query).await?
        };
        if !rows.is_empty() || tokio::time::Instant::now() + POLL_EVERY > deadline {
            let items: Vec<(Cursor, ChangeRow)> =
                rows.into_iter().map(|row| (Cursor { txid: row.txid, row: row.id }, row)).collect();
            let next = items.last().map_or(request.after, |(cursor, _)| *cursor);
            return Ok(FeedPage { items, next });
        }
        tokio::time::sleep(POLL_EVERY).await;
    }
}

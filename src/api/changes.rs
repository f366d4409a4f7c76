//! The change feed, for systems that keep a copy in sync.

use std::time::Duration;

use actix_web::{HttpResponse, get, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::api::extract::{Caller, Query};
use crate::domain::change::{Cursor, EntityType, parse_types};
use crate::error::{ApiError, Problem};
use crate::services::changes::{self, FeedReach, FeedRequest};
use crate::state::AppState;

/// Where to start and what to include.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ChangesQuery {
    /// The `next_cursor` of the previous page; absent or empty: from the first change.
    pub after: Option<String>,
    /// Entity types, comma-separated: `complaint`, `disposition`, `follow_up`, `action_plan` (default: all).
    #[param(example = "complaint,disposition")]
    pub types: Option<String>,
    /// Changes per page, 1 to 1000 (default 100).
    #[param(minimum = 1, maximum = 1000)]
    pub limit: Option<u32>,
    /// Seconds to wait for a change when there is none yet, 0 to 30 (default 0: answer at once).
    #[param(minimum = 0, maximum = 30)]
    pub wait: Option<u32>,
}

/// One change.
#[derive(Debug, Serialize, ToSchema)]
pub struct Change {
    /// This change's place in the feed (resume after it with `after`).
    pub cursor: String,
    pub entity_type: EntityType,
    pub entity_id: Uuid,
    /// `created` or `updated`.
    pub action: String,
    /// The entity's status after the change.
    pub status: String,
    /// The entity's version after the change (its `ETag`).
    pub version: i32,
    pub changed_at: DateTime<Utc>,
}

/// A page of the feed.
#[derive(Debug, Serialize, ToSchema)]
pub struct ChangePage {
    pub items: Vec<Change>,
    /// Send as `after` to continue; equal to the `after` sent when nothing was new.
    pub next_cursor: String,
}

/// Read what changed since your cursor.
///
/// Staff who read complaints (`admin`, `inspector`, `super_admin`; others 403) see their Pemda's changes; API
/// clients need `complaints:read` and see their Pemda's, without supervision complaints. Changes of complaints,
/// dispositions, follow-ups and action plans come in one total order: no change is ever skipped or repeated across
/// pages, even when transactions commit out of the order they started in (a change is handed out only once every
/// transaction that could still precede it has ended). Each carries ids, status and version, never personal data:
/// fetch the entity for more. With `wait`, an empty answer is held until a change arrives or the seconds pass (long
/// polling).
#[utoipa::path(
    tag = "changes",
    params(ChangesQuery),
    security(("bearer" = []), ("oauth2" = ["complaints:read"])),
    responses(
        (status = 200, description = "The next changes", body = ChangePage),
        (status = 403, description = "Neither complaint-reading staff nor a client with complaints:read", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A malformed cursor, an unknown type, a limit or wait out of range", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/changes")]
pub async fn list_changes(
    state: web::Data<AppState>,
    caller: Caller,
    query: Query<ChangesQuery>,
) -> Result<HttpResponse, ApiError> {
    let reach = match &caller {
        Caller::Person(user) => FeedReach::of_person(user)?,
        Caller::Machine(client) => FeedReach::of_client(client)?,
    };
    let after =
        query.after.as_deref().filter(|text| !text.is_empty()).map(Cursor::decode).transpose()?.unwrap_or_default();
    let types = parse_types(query.types.as_deref())?;
    let limit = query.limit.unwrap_or(100);
    if !(1..=1000).contains(&limit) {
        return Err(ApiError::invalid_field("limit", "out_of_range", "between 1 and 1000"));
    }
    let wait = query.wait.unwrap_or(0);
    if wait > 30 {
        return Err(ApiError::invalid_field("wait", "out_of_range", "at most 30 seconds"));
    }
    let request = FeedRequest { after, types, limit: i64::from(limit), wait: Duration::from_secs(u64::from(wait)) };
    let page = changes::read(&state, &reach, &request).await?;
    let items = page
        .items
        .into_iter()
        .map(|(cursor, row)| {
            Ok(Change {
                cursor: cursor.encode(),
                entity_type: row
                    .entity_type
                    .parse()
                    .map_err(|err: crate::domain::DomainError| ApiError::Internal(err.into()))?,
                entity_id: row.entity_id,
                action: row.action,
                status: row.status,
                version: row.version,
                changed_at: row.changed_at,
            })
        })
        .collect::<Result<Vec<_>, ApiError>>()?;
    Ok(HttpResponse::Ok().json(ChangePage { items, next_cursor: page.next.encode() }))
}

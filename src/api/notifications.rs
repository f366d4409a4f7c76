//! The signed-in user's notifications (the outbox of events they must hear about).

use actix_web::{HttpRequest, HttpResponse, get, post, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::pagination::{Page, PageRequest};
use crate::api::extract::Query;
use crate::auth::AuthUser;
use crate::db;
use crate::db::Keyset;
use crate::db::dispositions::NotificationRow;
use crate::error::{ApiError, Problem};
use crate::state::AppState;

/// Something the user must hear about.
#[derive(Debug, Serialize, ToSchema)]
pub struct NotificationView {
    pub id: Uuid,
    /// `disposition_received`, `answer_awaiting_approval`, `answer_rejected`, `answer_published`,
    /// `redisposition_needed`, `complaint_reopened` or `escalation`.
    pub kind: String,
    /// The complaint it is about; absent when the reader may not know which (a leader told that a supervision
    /// complaint is late).
    pub complaint_id: Option<Uuid>,
    pub disposition_id: Option<Uuid>,
    pub follow_up_id: Option<Uuid>,
    pub message: String,
    #[serde(serialize_with = "crate::api::json_time::instant")]
    pub created_at: DateTime<Utc>,
    #[serde(serialize_with = "crate::api::json_time::optional_instant")]
    pub read_at: Option<DateTime<Utc>>,
}

impl From<NotificationRow> for NotificationView {
    fn from(row: NotificationRow) -> Self {
        Self {
            id: row.id,
            kind: row.kind,
            complaint_id: row.complaint_id,
            disposition_id: row.disposition_id,
            follow_up_id: row.follow_up_id,
            message: row.message,
            created_at: row.created_at,
            read_at: row.read_at,
        }
    }
}

/// Filters of the notification list.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct NotificationQuery {
    /// Only unread ones.
    pub unread: Option<bool>,
    /// Rows per page, 1 to 100 (default 20).
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<u32>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// List your notifications, newest first.
///
/// Any signed-in user; each sees only their own.
#[utoipa::path(
    tag = "notifications",
    params(NotificationQuery),
    security(("bearer" = [])),
    responses((status = 200, description = "A page of notifications", body = Page<NotificationView>))
)]
#[get("/notifications")]
pub async fn list_notifications(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: AuthUser,
    query: Query<NotificationQuery>,
) -> Result<HttpResponse, ApiError> {
    let page = PageRequest::parse(query.limit, query.cursor.as_deref())?;
    let mut conn = state.conn().await?;
    let rows = db::dispositions::notifications_of(
        &mut conn,
        user.id.0,
        query.unread.unwrap_or(false),
        page.after,
        page.fetch_limit(),
    )
    .await?;
    Ok(page.respond(&req, rows, |row| Keyset { at: row.created_at, id: row.id }, NotificationView::from))
}

/// Mark a notification read.
///
/// Its recipient only (404 for anyone else's). Marking twice keeps the first time.
#[utoipa::path(
    tag = "notifications",
    params(("id" = Uuid, Path, description = "Notification id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Read", body = NotificationView),
        (status = 404, description = "No such notification of yours", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/notifications/{id}/read")]
pub async fn read_notification(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let mut conn = state.conn().await?;
    let row = db::dispositions::mark_read(&mut conn, user.id.0, *id, state.clock.now())
        .await?
        .ok_or_else(|| ApiError::not_found("the notification"))?;
    Ok(HttpResponse::Ok().json(NotificationView::from(row)))
}

//! Follow-ups: answers and internal notes written by the unit, and the pejabat penghubung's approval.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, post, web};
use serde::Deserialize;
use utoipa::ToSchema;
use uuid::Uuid;
use validator::Validate;

use crate::api::etag::IfMatch;
use crate::api::validation::{FieldErrors, required_text};
use crate::auth::AuthUser;
use crate::domain::disposition::{Decision, Visibility};
use crate::error::{ApiError, Problem};
use crate::services;
use crate::services::dispositions::NewFollowUp;
use crate::state::AppState;

use super::{FollowUpView, with_attachments};
use crate::api::extract::Json;

/// A follow-up to write.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"body": "Perbaikan dijadwalkan minggu depan oleh Bidang Bina Marga.", "visibility": "public", "final": false, "attachment_ids": ["01938a6e-7c1d-7b3e-9f2a-5d4c3b2a1f30"]}))]
pub struct CreateFollowUpRequest {
    #[validate(length(min = 1, max = 4000))]
    #[schema(min_length = 1, max_length = 4000)]
    pub body: String,
    /// `public` (an answer to the reporter, published after approval) or `internal` (a note among staff).
    pub visibility: Visibility,
    /// This unit's final answer (public answers only; default false).
    #[serde(rename = "final")]
    pub final_answer: Option<bool>,
    /// Your own uploads from `POST /api/v1/attachments`.
    pub attachment_ids: Option<Vec<Uuid>>,
}

/// Write a follow-up on a disposition.
///
/// `opd_operator` of the unit it was sent or delegated to (the Inspektorat's `inspector` too); others get 403 or 404.
/// The disposition must be accepted or delegated (409 otherwise). A public answer waits for the pejabat penghubung's
/// approval (who is notified); an internal note is never shown to the reporter or the public.
#[utoipa::path(
    tag = "dispositions",
    params(("id" = Uuid, Path, description = "Disposition id")),
    request_body = CreateFollowUpRequest,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Written", body = FollowUpView),
        (status = 403, description = "Not the unit's admin penghubung", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such disposition you may see", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The disposition is not taken on", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/dispositions/{id}/follow-ups")]
pub async fn create_follow_up(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<Uuid>,
    body: Json<CreateFollowUpRequest>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let mut errors = FieldErrors::check(&body);
    let text = errors.take(required_text("body", &body.body));
    let final_answer = body.final_answer.unwrap_or(false);
    if final_answer && body.visibility == Visibility::Internal {
        errors.add("final", "internal_note", "only a public answer can be final");
    }
    errors.finish()?;
    let new = NewFollowUp {
        body: text.unwrap_or_default(),
        visibility: body.visibility,
        final_answer,
        attachment_ids: body.attachment_ids.unwrap_or_default(),
    };
    let mut conn = state.conn().await?;
    let row = services::dispositions::add_follow_up(&state, &mut conn, &user, *id, new).await?;
    let view = with_attachments(&mut conn, vec![row]).await?.pop();
    Ok(HttpResponse::build(StatusCode::CREATED).json(view))
}

/// Rejecting an answer.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"reason": "Sebutkan tanggal perbaikan."}))]
pub struct RejectRequest {
    /// What the operator must change.
    #[validate(length(min = 1, max = 1000))]
    #[schema(min_length = 1, max_length = 1000, example = "Sebutkan jadwal perbaikan yang pasti.")]
    pub reason: String,
}

async fn decide(
    state: &AppState,
    user: &AuthUser,
    id: Uuid,
    if_match: IfMatch,
    decision: Decision,
    reason: Option<String>,
) -> Result<HttpResponse, ApiError> {
    let mut conn = state.conn().await?;
    let row = services::dispositions::decide(state, &mut conn, user, id, if_match.0, decision, reason).await?;
    let view = with_attachments(&mut conn, vec![row]).await?.pop();
    Ok(HttpResponse::Ok().json(view))
}

/// Approve (publish) an answer.
///
/// `opd_official` of the unit the complaint was sent to (the Inspektorat's `inspector` too); others get 403 or 404.
/// Only a pending public answer (409 otherwise). The first approved answer meets the first-response deadline; a final
/// answer completes the disposition; when every taken-on disposition is complete the complaint awaits the reporter.
#[utoipa::path(
    tag = "dispositions",
    params(("id" = Uuid, Path, description = "Follow-up id"), ("If-Match" = Option<String>, Header, description = "The follow-up's version, as an ETag")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Approved and published", body = FollowUpView),
        (status = 403, description = "Not the unit's pejabat penghubung", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such follow-up you may see", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not waiting for approval", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "Changed since you read it", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/follow-ups/{id}/approve")]
pub async fn approve_follow_up(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<Uuid>,
    if_match: IfMatch,
) -> Result<HttpResponse, ApiError> {
    decide(&state, &user, *id, if_match, Decision::Approve, None).await
}

/// Reject an answer with a reason; it goes back to its author.
///
/// As for approving.
#[utoipa::path(
    tag = "dispositions",
    params(("id" = Uuid, Path, description = "Follow-up id"), ("If-Match" = Option<String>, Header, description = "The follow-up's version, as an ETag")),
    request_body = RejectRequest,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Rejected", body = FollowUpView),
        (status = 403, description = "Not the unit's pejabat penghubung", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such follow-up you may see", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not waiting for approval", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "Changed since you read it", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/follow-ups/{id}/reject")]
pub async fn reject_follow_up(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<Uuid>,
    if_match: IfMatch,
    body: Json<RejectRequest>,
) -> Result<HttpResponse, ApiError> {
    let mut errors = FieldErrors::check(&*body);
    let reason = errors.take(required_text("reason", &body.reason));
    errors.finish()?;
    decide(&state, &user, *id, if_match, Decision::Reject, reason).await
}

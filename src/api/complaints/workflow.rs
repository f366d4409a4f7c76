//! The main admin's verification workflow: verify, postpone, archive, forward. Each is a transition of the complaint
//! status machine; a forbidden one is 409 with the current status in `context.status`.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, post, web};
use serde::Deserialize;
use utoipa::ToSchema;
use uuid::Uuid;
use validator::Validate;

use super::{ComplaintView, with_etag};
use crate::api::etag::IfMatch;
use crate::api::extract::Json;
use crate::api::validation::{FieldErrors, nullable, required_text};
use crate::auth::AuthUser;
use crate::auth::guards::{self, Action};
use crate::domain::complaint::{ArchiveReason, Classification};
use crate::error::{ApiError, Problem};
use crate::services;
use crate::services::complaints::{Corrections, WorkflowStep};
use crate::state::AppState;

/// Accept a report, correcting what the reporter got wrong. Every field is optional.
#[derive(Debug, Default, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"category_id": "01938a6e-7c1d-7b3e-9f2a-5d4c3b2a1f40", "note": "Sesuai kewenangan Dinas PUPR."}))]
pub struct VerifyRequest {
    pub classification: Option<Classification>,
    /// About misconduct of officials (only with `pengaduan`).
    pub supervision: Option<bool>,
    /// Another category; `null` clears it.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<Uuid>)]
    pub category_id: Option<Option<Uuid>>,
    #[validate(length(min = 1, max = 150), custom(function = "crate::api::validation::single_line"))]
    #[schema(min_length = 1, max_length = 150)]
    pub title: Option<String>,
    pub anonymous: Option<bool>,
    pub confidential: Option<bool>,
    /// Internal note for the audit trail.
    #[validate(length(min = 1, max = 1000))]
    #[schema(min_length = 1, max_length = 1000)]
    pub note: Option<String>,
}

/// Ask the reporter for missing data.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"reason": "Mohon lampirkan foto lokasi dan nama desa."}))]
pub struct PostponeRequest {
    /// What is missing; shown to the reporter (with their secret).
    #[validate(length(min = 1, max = 1000))]
    #[schema(min_length = 1, max_length = 1000, example = "Mohon lampirkan foto lokasi dan nama desa.")]
    pub reason: String,
}

/// Close a report without follow-up.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"reason": "too_general", "note": "Tidak menyebut layanan atau lokasi."}))]
pub struct ArchiveRequest {
    pub reason: ArchiveReason,
    /// The report this one repeats (required with `duplicate`, refused otherwise).
    pub duplicate_of: Option<Uuid>,
    /// Explanation (required with `other`).
    #[validate(length(min = 1, max = 1000))]
    #[schema(min_length = 1, max_length = 1000)]
    pub note: Option<String>,
}

/// Pass a report outside this Pemda's authority (bukan wewenang) to another agency.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"agency": "Balai Pelaksanaan Jalan Nasional Kalimantan Barat", "reason": "Jalan nasional, bukan kewenangan kabupaten."}))]
pub struct ForwardRequest {
    /// The agency that is competent.
    #[validate(length(min = 1, max = 200), custom(function = "crate::api::validation::single_line"))]
    #[schema(min_length = 1, max_length = 200, example = "Balai Pelaksanaan Jalan Nasional Kalimantan Barat")]
    pub agency: String,
    #[validate(length(min = 1, max = 1000))]
    #[schema(min_length = 1, max_length = 1000)]
    pub reason: String,
}

async fn apply(
    state: &AppState,
    user: &AuthUser,
    id: Uuid,
    if_match: IfMatch,
    step: WorkflowStep,
) -> Result<HttpResponse, ApiError> {
    guards::require(user.role, Action::ManageComplaints)?;
    let mut conn = state.conn().await?;
    let row = services::complaints::apply(state, &mut conn, user, id, if_match.0, step).await?;
    let view = ComplaintView::new(row, state.settings.timezone, state.clock.now())?;
    Ok(with_etag(StatusCode::OK, view.version, &view))
}

/// Verify a report.
///
/// `admin` and `super_admin`, for reports of their Pemda; others get 403. From `submitted` or `postponed`. A changed
/// classification takes the deadlines of its own policy (counted from arrival). Send `If-Match` with the ETag read.
#[utoipa::path(
    tag = "complaints",
    params(("id" = Uuid, Path, description = "Complaint id"), ("If-Match" = Option<String>, Header, description = "ETag from the last read")),
    request_body = VerifyRequest,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Verified", body = ComplaintView, headers(("ETag" = String))),
        (status = 403, description = "Not an admin", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such complaint in your Pemda", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not in a status that can be verified", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "Changed since you read it", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/complaints/{id}/verify")]
pub async fn verify_complaint(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<Uuid>,
    if_match: IfMatch,
    body: Json<VerifyRequest>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let mut errors = FieldErrors::check(&body);
    let title = body.title.as_deref().map(|title| errors.take(required_text("title", title)));
    errors.finish()?;
    let corrections = Corrections {
        classification: body.classification,
        supervision: body.supervision,
        category_id: body.category_id,
        title: title.flatten(),
        anonymous: body.anonymous,
        confidential: body.confidential,
        note: body.note,
    };
    apply(&state, &user, *id, if_match, WorkflowStep::Verify(corrections)).await
}

/// Postpone a report: ask the reporter for missing data.
///
/// `admin` and `super_admin`; others get 403. From `submitted`. The reporter sees the reason (with their secret) and
/// answers with `POST /api/v1/public/complaints/{code}/supplement`.
#[utoipa::path(
    tag = "complaints",
    params(("id" = Uuid, Path, description = "Complaint id"), ("If-Match" = Option<String>, Header, description = "ETag from the last read")),
    request_body = PostponeRequest,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Postponed", body = ComplaintView, headers(("ETag" = String))),
        (status = 403, description = "Not an admin", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such complaint in your Pemda", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not in a status that can be postponed", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "Changed since you read it", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/complaints/{id}/postpone")]
pub async fn postpone_complaint(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<Uuid>,
    if_match: IfMatch,
    body: Json<PostponeRequest>,
) -> Result<HttpResponse, ApiError> {
    let mut errors = FieldErrors::check(&*body);
    let reason = errors.take(required_text("reason", &body.reason));
    errors.finish()?;
    apply(&state, &user, *id, if_match, WorkflowStep::Postpone { reason: reason.unwrap_or_default() }).await
}

/// Archive a report (spam, duplicate, too general, not about government, other).
///
/// `admin` and `super_admin`; others get 403. From `submitted`, `postponed` or `verified`. `duplicate` needs
/// `duplicate_of` (another report of the same Pemda); `other` needs a `note`.
#[utoipa::path(
    tag = "complaints",
    params(("id" = Uuid, Path, description = "Complaint id"), ("If-Match" = Option<String>, Header, description = "ETag from the last read")),
    request_body = ArchiveRequest,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Archived", body = ComplaintView, headers(("ETag" = String))),
        (status = 403, description = "Not an admin", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such complaint in your Pemda", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not in a status that can be archived", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "Changed since you read it", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/complaints/{id}/archive")]
pub async fn archive_complaint(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<Uuid>,
    if_match: IfMatch,
    body: Json<ArchiveRequest>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let mut errors = FieldErrors::check(&body);
    match (body.reason, body.duplicate_of) {
        (ArchiveReason::Duplicate, None) => errors.add("duplicate_of", "required", "name the report this one repeats"),
        (reason, Some(_)) if reason != ArchiveReason::Duplicate => {
            errors.add("duplicate_of", "not_a_duplicate", "only a duplicate names another report")
        }
        _ => {}
    }
    if body.reason == ArchiveReason::Other && body.note.as_deref().is_none_or(|n| n.trim().is_empty()) {
        errors.add("note", "required", "explain the reason");
    }
    errors.finish()?;
    let step = WorkflowStep::Archive { reason: body.reason, duplicate_of: body.duplicate_of, note: body.note };
    apply(&state, &user, *id, if_match, step).await
}

/// Forward a report to the competent agency (not this Pemda's authority).
///
/// `admin` and `super_admin`; others get 403. From `submitted`, `postponed` or `verified`.
#[utoipa::path(
    tag = "complaints",
    params(("id" = Uuid, Path, description = "Complaint id"), ("If-Match" = Option<String>, Header, description = "ETag from the last read")),
    request_body = ForwardRequest,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Forwarded", body = ComplaintView, headers(("ETag" = String))),
        (status = 403, description = "Not an admin", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such complaint in your Pemda", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not in a status that can be forwarded", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "Changed since you read it", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/complaints/{id}/forward")]
pub async fn forward_complaint(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<Uuid>,
    if_match: IfMatch,
    body: Json<ForwardRequest>,
) -> Result<HttpResponse, ApiError> {
    let mut errors = FieldErrors::check(&*body);
    let agency = errors.take(required_text("agency", &body.agency));
    let reason = errors.take(required_text("reason", &body.reason));
    errors.finish()?;
    let step = WorkflowStep::Forward { agency: agency.unwrap_or_default(), reason: reason.unwrap_or_default() };
    apply(&state, &user, *id, if_match, step).await
}

/// Reopening a finished report.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"reason": "Pelapor menyampaikan jalan kembali rusak."}))]
pub struct ReopenRequest {
    #[validate(length(min = 1, max = 1000))]
    #[schema(min_length = 1, max_length = 1000, example = "Pelapor menyampaikan jalan rusak kembali.")]
    pub reason: String,
}

/// Reopen a finished report.
///
/// `admin` and `super_admin`; others get 403. From `finished` (409 otherwise) back to `in_progress`: the units whose
/// dispositions were completed must answer again (they are notified); the reopen count rises.
#[utoipa::path(
    tag = "complaints",
    params(("id" = Uuid, Path, description = "Complaint id"), ("If-Match" = Option<String>, Header, description = "ETag from the last read")),
    request_body = ReopenRequest,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Reopened", body = ComplaintView, headers(("ETag" = String))),
        (status = 403, description = "Not an admin", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such complaint in your Pemda", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not finished", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "Changed since you read it", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/complaints/{id}/reopen")]
pub async fn reopen_complaint(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<Uuid>,
    if_match: IfMatch,
    body: Json<ReopenRequest>,
) -> Result<HttpResponse, ApiError> {
    guards::require(user.role, Action::ManageComplaints)?;
    let mut errors = FieldErrors::check(&*body);
    let reason = errors.take(required_text("reason", &body.reason));
    errors.finish()?;
    let mut conn = state.conn().await?;
    let row =
        services::dispositions::reopen(&state, &mut conn, &user, *id, if_match.0, reason.unwrap_or_default()).await?;
    let view = ComplaintView::new(row, state.settings.timezone, state.clock.now())?;
    Ok(with_etag(StatusCode::OK, view.version, &view))
}

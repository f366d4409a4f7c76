//! Sending complaints to units, and the units' answers to being sent one: accept, return, delegate.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, post, web};
use chrono::{DateTime, Utc};
use serde::Deserialize;
use utoipa::ToSchema;
use uuid::Uuid;
use validator::Validate;

use crate::api::complaints::with_etag;
use crate::api::etag::IfMatch;
use crate::api::validation::{FieldErrors, required_text};
use crate::auth::AuthUser;
use crate::domain::disposition::ReturnReason;
use crate::error::{ApiError, Problem};
use crate::services;
use crate::services::dispositions::{DispositionStep, NewDisposition};
use crate::state::AppState;

use super::DispositionView;
use crate::api::extract::Json;

/// Sending a complaint to units.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"unit_ids": ["01938a6e-7c1d-7b3e-9f2a-5d4c3b2a1f00"], "instruction": "Mohon ditindaklanjuti dan dilaporkan dalam 5 hari kerja.", "share_contact": false}))]
pub struct DisposeRequest {
    /// Target units: OPDs or sub-units of the complaint's Pemda; only the Inspektorat for supervision complaints.
    #[validate(length(min = 1, max = 20))]
    #[schema(min_items = 1, max_items = 20)]
    pub unit_ids: Vec<Uuid>,
    #[validate(length(min = 1, max = 2000))]
    #[schema(min_length = 1, max_length = 2000, example = "Mohon ditindaklanjuti dan dijawab kepada pelapor.")]
    pub instruction: String,
    /// First answer due by (default: the first-response allowance of the complaint's policy, in working days).
    pub due_at: Option<DateTime<Utc>>,
    /// Share the reporter's name, phone and e-mail with the units (refused for anonymous or confidential reports).
    pub share_contact: Option<bool>,
}

/// Dispose a verified complaint to one or more units.
///
/// `admin` and `super_admin`, for complaints of their Pemda; others get 403. The complaint must be `verified` (409
/// otherwise) and becomes `disposed`; each unit gets its own disposition (status `sent`) and a notification.
#[utoipa::path(
    tag = "dispositions",
    params(("id" = Uuid, Path, description = "Complaint id"), ("If-Match" = Option<String>, Header, description = "The complaint's ETag")),
    request_body = DisposeRequest,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Disposed", body = Vec<DispositionView>),
        (status = 403, description = "Not an admin", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such complaint in your Pemda", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not verified, or a unit already has it", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "Changed since you read it", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/complaints/{id}/dispositions")]
pub async fn dispose_complaint(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<Uuid>,
    if_match: IfMatch,
    body: Json<DisposeRequest>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let mut errors = FieldErrors::check(&body);
    let instruction = errors.take(required_text("instruction", &body.instruction));
    let mut unique = body.unit_ids.clone();
    unique.sort();
    unique.dedup();
    if unique.len() != body.unit_ids.len() {
        errors.add("unit_ids", "duplicate", "name each unit once");
    }
    errors.finish()?;
    let new = NewDisposition {
        units: body.unit_ids,
        instruction: instruction.unwrap_or_default(),
        due_at: body.due_at,
        share_contact: body.share_contact.unwrap_or(false),
    };
    let mut conn = state.conn().await?;
    let (_, rows) = services::dispositions::dispose(&state, &mut conn, &user, *id, if_match.0, new).await?;
    let now = state.clock.now();
    let views: Vec<DispositionView> =
        rows.into_iter().map(|row| DispositionView::new(row, now)).collect::<Result<_, _>>()?;
    Ok(HttpResponse::build(StatusCode::CREATED).json(views))
}

async fn act(
    state: &AppState,
    user: &AuthUser,
    id: uuid::Uuid,
    if_match: IfMatch,
    step: DispositionStep,
) -> Result<HttpResponse, ApiError> {
    let mut conn = state.conn().await?;
    let row = services::dispositions::act(state, &mut conn, user, id, if_match.0, step).await?;
    let view = DispositionView::new(row, state.clock.now())?;
    Ok(with_etag(StatusCode::OK, view.version, &view))
}

/// Accept a disposition.
///
/// `opd_operator` and `opd_official` of the unit it was sent to (the Inspektorat's `inspector` too); others get 403 or
/// 404. From `sent`; the first acceptance moves the complaint to `in_progress`.
#[utoipa::path(
    tag = "dispositions",
    params(("id" = Uuid, Path, description = "Disposition id"), ("If-Match" = Option<String>, Header, description = "The disposition's ETag")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Accepted", body = DispositionView, headers(("ETag" = String))),
        (status = 403, description = "Not staff of the target unit", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such disposition you may see", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not in a status that can be accepted", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "Changed since you read it", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/dispositions/{id}/accept")]
pub async fn accept_disposition(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<Uuid>,
    if_match: IfMatch,
) -> Result<HttpResponse, ApiError> {
    act(&state, &user, *id, if_match, DispositionStep::Accept).await
}

/// Returning a disposition.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"reason": "wrong_disposition", "note": "Jalan provinsi: kewenangan Dinas PUPR Provinsi."}))]
pub struct ReturnRequest {
    pub reason: ReturnReason,
    #[validate(length(min = 1, max = 1000))]
    #[schema(min_length = 1, max_length = 1000, example = "Jalan provinsi, kewenangan Dinas PUPR Provinsi.")]
    pub note: Option<String>,
}

/// Return a disposition as wrongly disposed or not the Pemda's authority.
///
/// Staff of the target unit, as for accepting. From `sent`. When every unit has returned the complaint, it goes back
/// to `verified`, flagged `needs_redisposition`, and the main admin is notified. Returns are counted per OPD.
#[utoipa::path(
    tag = "dispositions",
    params(("id" = Uuid, Path, description = "Disposition id"), ("If-Match" = Option<String>, Header, description = "The disposition's ETag")),
    request_body = ReturnRequest,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Returned", body = DispositionView, headers(("ETag" = String))),
        (status = 403, description = "Not staff of the target unit", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such disposition you may see", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not in a status that can be returned", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "Changed since you read it", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/dispositions/{id}/return")]
pub async fn return_disposition(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<Uuid>,
    if_match: IfMatch,
    body: Json<ReturnRequest>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let mut errors = FieldErrors::check(&body);
    let note = body.note.as_deref().map(|note| errors.take(required_text("note", note)));
    errors.finish()?;
    act(&state, &user, *id, if_match, DispositionStep::Return { reason: body.reason, note: note.flatten() }).await
}

/// Delegating a disposition.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"sub_unit_id": "01938a6e-7c1d-7b3e-9f2a-5d4c3b2a1f01"}))]
pub struct DelegateRequest {
    /// An active sub-unit (bidang) of the OPD.
    pub sub_unit_id: Uuid,
}

/// Delegate a disposition to one of the OPD's sub-units.
///
/// Staff of the target unit, as for accepting. From `sent` or `accepted`. The sub-unit's staff then see it and write
/// follow-ups; the OPD keeps responsibility (its official approves the answers).
#[utoipa::path(
    tag = "dispositions",
    params(("id" = Uuid, Path, description = "Disposition id"), ("If-Match" = Option<String>, Header, description = "The disposition's ETag")),
    request_body = DelegateRequest,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Delegated", body = DispositionView, headers(("ETag" = String))),
        (status = 403, description = "Not staff of the target unit", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such disposition you may see", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not in a status that can be delegated", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "Changed since you read it", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/dispositions/{id}/delegate")]
pub async fn delegate_disposition(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<Uuid>,
    if_match: IfMatch,
    body: Json<DelegateRequest>,
) -> Result<HttpResponse, ApiError> {
    act(&state, &user, *id, if_match, DispositionStep::Delegate { sub_unit: body.sub_unit_id }).await
}

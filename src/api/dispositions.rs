//! Dispositions: the main admin sends a verified complaint to OPDs; OPD staff accept, return or delegate it and write
//! follow-ups; the pejabat penghubung approves public answers.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;
use validator::Validate;

use super::complaints::{AttachmentView, ComplaintView, with_etag};
use super::etag::IfMatch;
use super::pagination::{Page, PageRequest};
use super::validation::{FieldErrors, required_text};
use crate::auth::AuthUser;
use crate::db;
use crate::db::Keyset;
use crate::db::dispositions::{DispositionFilter, DispositionRow, FollowUpRow};
use crate::domain::complaint::ReporterIdentity;
use crate::domain::disposition::{Decision, DispositionStatus, FollowUpStatus, ReturnReason, Visibility};
use crate::error::{ApiError, Problem};
use crate::services;
use crate::services::dispositions::{DispositionStep, NewDisposition, NewFollowUp};
use crate::state::AppState;

/// A complaint sent to a unit.
#[derive(Debug, Serialize, ToSchema)]
pub struct DispositionView {
    pub id: Uuid,
    pub complaint_id: Uuid,
    /// The unit it was sent to.
    pub unit_id: Uuid,
    /// The sub-unit it was passed down to, if any.
    pub delegated_to: Option<Uuid>,
    pub status: DispositionStatus,
    pub instruction: String,
    /// Whether the reporter's contact is shared with the unit.
    pub share_contact: bool,
    /// First answer due by.
    pub due_at: DateTime<Utc>,
    /// Past due without an answer now.
    pub overdue: bool,
    pub return_reason: Option<ReturnReason>,
    pub return_note: Option<String>,
    /// 0 none; 1 reminder to the OPD; 2 its head and the main admin; 3 flagged to the Inspektorat.
    pub escalation_level: i16,
    /// Row version: the ETag, for `If-Match`.
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl DispositionView {
    fn new(row: DispositionRow, now: DateTime<Utc>) -> Result<Self, ApiError> {
        let status: DispositionStatus = row.status.parse()?;
        let return_reason = match row.return_reason.as_deref() {
            Some("wrong_disposition") => Some(ReturnReason::WrongDisposition),
            Some("not_our_authority") => Some(ReturnReason::NotOurAuthority),
            _ => None,
        };
        Ok(Self {
            id: row.id,
            complaint_id: row.complaint_id,
            unit_id: row.unit_id,
            delegated_to: row.delegated_to,
            status,
            instruction: row.instruction,
            share_contact: row.share_contact,
            due_at: row.due_at,
            overdue: status.is_open() && row.due_at < now,
            return_reason,
            return_note: row.return_note,
            escalation_level: row.escalation_level,
            version: row.version,
            created_at: row.created_at,
            updated_at: row.updated_at,
        })
    }
}

/// A follow-up: an answer to the reporter (published once approved) or an internal note.
#[derive(Debug, Serialize, ToSchema)]
pub struct FollowUpView {
    pub id: Uuid,
    pub disposition_id: Uuid,
    pub body: String,
    pub visibility: Visibility,
    /// The final answer of this unit.
    #[serde(rename = "final")]
    pub final_answer: bool,
    pub status: FollowUpStatus,
    pub rejection_reason: Option<String>,
    pub created_by: Uuid,
    pub decided_by: Option<Uuid>,
    pub decided_at: Option<DateTime<Utc>>,
    /// Row version: send it as `If-Match` (`"1"`) when deciding.
    pub version: i32,
    pub created_at: DateTime<Utc>,
    /// Files on this follow-up (seen by whoever sees the disposition; on a published answer, by the reporter's
    /// handlers too).
    pub attachments: Vec<AttachmentView>,
}

impl TryFrom<FollowUpRow> for FollowUpView {
    type Error = ApiError;

    fn try_from(row: FollowUpRow) -> Result<Self, ApiError> {
        Ok(Self {
            id: row.id,
            disposition_id: row.disposition_id,
            body: row.body,
            visibility: if row.visibility == "public" { Visibility::Public } else { Visibility::Internal },
            final_answer: row.final_,
            status: row.status.parse()?,
            rejection_reason: row.rejection_reason,
            created_by: row.created_by,
            decided_by: row.decided_by,
            decided_at: row.decided_at,
            version: row.version,
            created_at: row.created_at,
            attachments: Vec::new(),
        })
    }
}

/// A disposition with what the unit needs to act on it.
#[derive(Debug, Serialize, ToSchema)]
pub struct DispositionDetail {
    pub disposition: DispositionView,
    /// The complaint's content (never reporter identity).
    pub complaint: ComplaintView,
    pub attachments: Vec<AttachmentView>,
    /// The complaint's status steps with their dates, oldest first.
    pub timeline: Vec<super::complaints::public::TimelineStep>,
    /// This disposition's follow-ups, internal notes included.
    pub follow_ups: Vec<FollowUpView>,
    /// The reporter's contact, only when the admin shared it and the report is neither anonymous nor confidential
    /// (each read is logged).
    pub reporter_contact: Option<ReporterIdentity>,
}

/// Follow-up views with their files, in one query for all of them.
async fn with_attachments(
    conn: &mut diesel_async::AsyncPgConnection,
    rows: Vec<FollowUpRow>,
) -> Result<Vec<FollowUpView>, ApiError> {
    let ids: Vec<Uuid> = rows.iter().map(|row| row.id).collect();
    let mut files = db::attachments::of_follow_ups(conn, &ids).await?;
    rows.into_iter()
        .map(|row| {
            let mut view = FollowUpView::try_from(row)?;
            let (mine, rest): (Vec<_>, Vec<_>) = files.drain(..).partition(|file| file.follow_up_id == Some(view.id));
            files = rest;
            view.attachments = mine.into_iter().map(AttachmentView::from).collect();
            Ok(view)
        })
        .collect()
}

/// Sending a complaint to units.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
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
    body: web::Json<DisposeRequest>,
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

/// Filters of the disposition list.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct DispositionListQuery {
    pub status: Option<DispositionStatus>,
    /// Only those sent to this unit (e.g. `status=returned&unit_id=…` counts an OPD's returns).
    pub unit_id: Option<Uuid>,
    /// Only open dispositions past their due date.
    pub overdue: Option<bool>,
    /// Only this escalation level (0 to 3).
    #[param(minimum = 0, maximum = 3)]
    pub escalation_level: Option<i16>,
    pub category_id: Option<Uuid>,
    /// Sent at or after (RFC 3339).
    pub start_date: Option<DateTime<Utc>>,
    /// Sent before (RFC 3339).
    pub end_date: Option<DateTime<Utc>>,
    /// Rows per page, 1 to 100 (default 20).
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<u32>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// List dispositions.
///
/// `opd_operator` and `opd_official`: those sent or delegated to their unit (never supervision complaints); `admin` and
/// `inspector`: those of their Pemda; `super_admin`: all. `action_plan_reviewer` and `leader` get 403. Newest first.
#[utoipa::path(
    tag = "dispositions",
    params(DispositionListQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "A page of dispositions", body = Page<DispositionView>),
        (status = 403, description = "Role does not work on dispositions", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/dispositions")]
pub async fn list_dispositions(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: AuthUser,
    query: web::Query<DispositionListQuery>,
) -> Result<HttpResponse, ApiError> {
    let scope = services::dispositions::list_scope(&user)?;
    let page = PageRequest::parse(query.limit, query.cursor.as_deref())?;
    if query.escalation_level.is_some_and(|level| !(0..=3).contains(&level)) {
        return Err(ApiError::invalid_field("escalation_level", "out_of_range", "between 0 and 3"));
    }
    let now = state.clock.now();
    let units = match (scope.units, query.unit_id) {
        (Some(mine), Some(unit)) => Some(mine.into_iter().filter(|u| *u == unit).collect()),
        (None, Some(unit)) => Some(vec![unit]),
        (scope_units, None) => scope_units,
    };
    let filter = DispositionFilter {
        units,
        pemda_ids: scope.pemda_ids,
        exclude_supervision: scope.exclude_supervision,
        status: query.status.map(|s| s.as_str().to_owned()),
        overdue_at: query.overdue.filter(|o| *o).map(|_| now),
        escalation_level: query.escalation_level,
        category_id: query.category_id,
        created_from: query.start_date,
        created_to: query.end_date,
    };
    let mut conn = state.conn().await?;
    let rows = db::dispositions::list(&mut conn, &filter, page.after, page.fetch_limit()).await?;
    let views: Vec<(Keyset, DispositionView)> = rows
        .into_iter()
        .map(|row| Ok((Keyset { at: row.created_at, id: row.id }, DispositionView::new(row, now)?)))
        .collect::<Result<_, ApiError>>()?;
    Ok(page.respond(&req, views, |(position, _)| *position, |(_, view)| view))
}

/// Read a disposition with its complaint, attachments and follow-ups.
///
/// Whoever may list it (see `GET /api/v1/dispositions`); others get 404. Reporter identity is never included, except
/// the contact the admin chose to share, for reports that are neither anonymous nor confidential (and only to OPD
/// staff; each read logged).
#[utoipa::path(
    tag = "dispositions",
    params(("id" = Uuid, Path, description = "Disposition id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The disposition", body = DispositionDetail, headers(("ETag" = String))),
        (status = 403, description = "Role does not work on dispositions", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such disposition you may see", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/dispositions/{id}")]
pub async fn get_disposition(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let mut conn = state.conn().await?;
    let (row, complaint) = services::dispositions::visible(&mut conn, &user, *id).await?;
    let contact = services::dispositions::shared_contact(&state, &mut conn, &user, &row, &complaint).await?;
    let attachments = db::attachments::of_complaint(&mut conn, complaint.id).await?;
    let follow_ups = db::dispositions::follow_ups_of_disposition(&mut conn, row.id).await?;
    let events = db::audit::events_of(&mut conn, "complaint", complaint.id).await?;
    let now = state.clock.now();
    let version = row.version;
    let detail = DispositionDetail {
        disposition: DispositionView::new(row, now)?,
        complaint: ComplaintView::new(complaint, state.settings.timezone, now)?,
        attachments: attachments.into_iter().map(AttachmentView::from).collect(),
        timeline: super::complaints::public::timeline(&events),
        follow_ups: with_attachments(&mut conn, follow_ups).await?,
        reporter_contact: contact,
    };
    Ok(with_etag(StatusCode::OK, version, &detail))
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
    body: web::Json<ReturnRequest>,
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
    body: web::Json<DelegateRequest>,
) -> Result<HttpResponse, ApiError> {
    act(&state, &user, *id, if_match, DispositionStep::Delegate { sub_unit: body.sub_unit_id }).await
}

/// A follow-up to write.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
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
    body: web::Json<CreateFollowUpRequest>,
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
    body: web::Json<RejectRequest>,
) -> Result<HttpResponse, ApiError> {
    let mut errors = FieldErrors::check(&*body);
    let reason = errors.take(required_text("reason", &body.reason));
    errors.finish()?;
    decide(&state, &user, *id, if_match, Decision::Reject, reason).await
}

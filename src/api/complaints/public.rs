//! What citizens see: a report by its tracking code, and sending the data an admin asked for.

use actix_web::{HttpRequest, HttpResponse, get, post, web};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;
use validator::Validate;

use crate::api::etag::IfMatch;
use crate::api::extract::Json;
use crate::api::validation::{FieldErrors, required_text};
use crate::db;
use crate::domain::complaint::{Classification, ComplaintStatus};
use crate::error::{ApiError, Problem};
use crate::services;
use crate::state::AppState;

/// The header that carries the reporter secret.
pub const REPORTER_SECRET_HEADER: &str = "x-reporter-secret";

/// A step of the public timeline.
#[derive(Debug, Serialize, ToSchema)]
pub struct TimelineStep {
    pub status: ComplaintStatus,
    #[serde(serialize_with = "crate::api::json_time::instant")]
    pub at: DateTime<Utc>,
}

/// The status steps of a complaint's audit trail, oldest first: every event that moved it to another status.
pub fn timeline(events: &[crate::db::audit::AuditEventRow]) -> Vec<TimelineStep> {
    events
        .iter()
        .filter_map(|event| {
            let status = event.details.get("to")?.as_str()?.parse().ok()?;
            Some(TimelineStep { status, at: event.occurred_at })
        })
        .collect()
}

/// A named reference (category or region).
#[derive(Debug, Serialize, ToSchema)]
pub struct NamedRef {
    pub id: Uuid,
    pub name: String,
}

/// A report as the public sees it.
#[derive(Debug, Serialize, ToSchema)]
pub struct PublicComplaintView {
    #[schema(example = "SKD-2026-000123")]
    pub tracking_code: String,
    pub classification: Classification,
    pub category: Option<NamedRef>,
    pub region: Option<NamedRef>,
    pub title: String,
    pub body: String,
    pub incident_date: NaiveDate,
    pub status: ComplaintStatus,
    #[serde(serialize_with = "crate::api::json_time::instant")]
    pub created_at: DateTime<Utc>,
    /// The reporter's name; never present for anonymous reports.
    pub reporter_name: Option<String>,
    pub anonymous: bool,
    /// Status changes with their dates, oldest first.
    pub timeline: Vec<TimelineStep>,
    /// Only for the reporter (with the secret) while the report waits for them: what the admin asked for.
    pub requested_information: Option<String>,
    /// The approved answers of the OPDs, oldest first (internal notes and drafts never appear).
    pub answers: Vec<PublicAnswer>,
    /// Until when the reporter may respond to the final answers (`POST .../feedback`).
    #[serde(serialize_with = "crate::api::json_time::optional_instant")]
    pub reporter_reply_by: Option<DateTime<Utc>>,
    /// Only for the reporter (with the secret): the files sent with the report and its supplements, each downloadable
    /// from `GET /api/v1/public/complaints/{tracking_code}/attachments/{id}` with the same secret.
    pub attachments: Vec<super::AttachmentView>,
    /// Row version (also the `ETag`): send it as `If-Match` with a supplement or feedback.
    pub version: i32,
}

/// A published answer.
#[derive(Debug, Serialize, ToSchema)]
pub struct PublicAnswer {
    /// The unit that answered.
    pub unit: String,
    pub body: String,
    #[serde(rename = "final")]
    pub final_answer: bool,
    #[serde(serialize_with = "crate::api::json_time::optional_instant")]
    pub published_at: Option<DateTime<Utc>>,
}

fn secret(req: &HttpRequest) -> Option<String> {
    req.headers().get(REPORTER_SECRET_HEADER).and_then(|value| value.to_str().ok()).map(|value| value.trim().to_owned())
}

/// Follow a report by its tracking code.
///
/// Public. A confidential report is found only with its reporter secret in `X-Reporter-Secret` (otherwise 404, as
/// if it did not exist). An anonymous report never shows the reporter's name.
#[utoipa::path(
    tag = "public",
    params(
        ("tracking_code" = String, Path, description = "The tracking code, e.g. SKD-2026-000123"),
        ("X-Reporter-Secret" = Option<String>, Header, description = "The secret given at filing"),
    ),
    responses(
        (status = 200, description = "The report", body = PublicComplaintView, headers(("ETag" = String), ("RateLimit-Policy" = String, description = "IETF RateLimit-Policy: the quota and window, e.g. `\"tracking\";q=60;w=60`"), ("RateLimit" = String, description = "IETF RateLimit: what is left and the seconds until the window ends, e.g. `\"tracking\";r=59;t=60`"))),
        (status = 429, description = "Too many tracking lookups from this address; see Retry-After", body = Problem, content_type = "application/problem+json", headers(("Retry-After" = u64, description = "Seconds to wait"), ("RateLimit-Policy" = String, description = "IETF RateLimit-Policy: the quota and window, e.g. `\"tracking\";q=60;w=60`"), ("RateLimit" = String, description = "IETF RateLimit: what is left and the seconds until the window ends, e.g. `\"tracking\";r=0;t=30`"))),
        (status = 404, description = "No such report (or confidential without the secret)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/public/complaints/{tracking_code}")]
pub async fn get_public_complaint(
    req: HttpRequest,
    state: web::Data<AppState>,
    tracking_code: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let work = async {
        let view = public_complaint(&state, &tracking_code, secret(&req).as_deref()).await?;
        Ok(super::with_etag(actix_web::http::StatusCode::OK, view.version, &view))
    };
    tracking_guard(&req, &state, work).await
}

/// Tracking codes are sequential and secrets are guessed one try at a time: every lookup by code is metered per
/// client address.
async fn tracking_guard(
    req: &HttpRequest,
    state: &AppState,
    work: impl Future<Output = Result<HttpResponse, ApiError>>,
) -> Result<HttpResponse, ApiError> {
    let ip = crate::api::client_ip(req, &state.settings);
    crate::api::rate_limit::guarded(state, state.settings.tracking_policy(), &ip, work).await
}

async fn public_complaint(
    state: &AppState,
    tracking_code: &str,
    secret: Option<&str>,
) -> Result<PublicComplaintView, ApiError> {
    let mut conn = state.conn().await?;
    let found = services::complaints::public_view(state, &mut conn, tracking_code, secret).await?;
    let row = found.row;
    let category = match row.category_id {
        Some(id) => db::reference::find_category(&mut conn, row.pemda_id, id)
            .await?
            .map(|c| NamedRef { id: c.id, name: c.name }),
        None => None,
    };
    let region = match row.region_id {
        Some(id) => {
            db::reference::find_region(&mut conn, row.pemda_id, id).await?.map(|r| NamedRef { id: r.id, name: r.name })
        }
        None => None,
    };
    let timeline = timeline(&found.events);
    let requested_information = found
        .events
        .iter()
        .rev()
        .find(|event| event.action == "postpone")
        .and_then(|event| event.details.get("reason").and_then(|r| r.as_str()).map(str::to_owned));
    let status: ComplaintStatus = row.status.parse()?;
    let mut answers = Vec::new();
    for (answer, unit_id) in db::dispositions::published_answers(&mut conn, row.id).await? {
        let unit =
            db::units::find(&mut conn, unit_id).await?.map(|u| u.short_name.unwrap_or(u.name)).unwrap_or_default();
        answers.push(PublicAnswer {
            unit,
            body: answer.body,
            final_answer: answer.final_,
            published_at: answer.decided_at,
        });
    }
    let view = PublicComplaintView {
        tracking_code: row.tracking_code,
        classification: row.classification.parse()?,
        category,
        region,
        title: row.title,
        body: row.body,
        incident_date: row.incident_date,
        status,
        created_at: row.created_at,
        reporter_name: found.reporter_name,
        anonymous: row.anonymous,
        timeline,
        requested_information: requested_information
            .filter(|_| found.is_reporter && status == ComplaintStatus::Postponed),
        answers,
        reporter_reply_by: row.reporter_reply_by,
        attachments: found.attachments.into_iter().map(super::AttachmentView::from).collect(),
        version: row.version,
    };
    Ok(view)
}

/// Download a file of your own report (the reporter).
///
/// Public, with the reporter secret in `X-Reporter-Secret`: the files sent with the report and with its supplements,
/// as listed in the tracking page's `attachments`. Without the right secret, or for any other file, 404. Metered like
/// every lookup by tracking code.
#[utoipa::path(
    tag = "public",
    params(
        ("tracking_code" = String, Path, description = "The tracking code"),
        ("id" = Uuid, Path, description = "Attachment id"),
        ("X-Reporter-Secret" = String, Header, description = "The secret given at filing"),
    ),
    responses(
        (status = 200, description = "The file", content(
            (crate::api::Binary = "application/pdf"), (crate::api::Binary = "image/jpeg"),
            (crate::api::Binary = "image/png"), (crate::api::Binary = "image/webp")
        )),
        (status = 404, description = "No such file of a report whose secret you hold", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many tracking lookups from this address; see Retry-After", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/public/complaints/{tracking_code}/attachments/{id}")]
pub async fn download_public_attachment(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<(String, Uuid)>,
) -> Result<HttpResponse, ApiError> {
    let (tracking_code, id) = path.into_inner();
    let work = async {
        let mut conn = state.conn().await?;
        let secret = secret(&req);
        let (row, bytes) =
            services::complaints::reporter_attachment(&state, &mut conn, &tracking_code, secret.as_deref(), id).await?;
        Ok(crate::api::attachments::file_response(row, bytes))
    };
    tracking_guard(&req, &state, work).await
}

/// The data a reporter sends when asked.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"body": "Lokasi di RT 03, foto terlampir.", "attachment_ids": ["01938a6e-7c1d-7b3e-9f2a-5d4c3b2a1f30"]}))]
pub struct SupplementRequest {
    #[validate(length(min = 1, max = 4000))]
    #[schema(min_length = 1, max_length = 4000)]
    pub body: String,
    /// Ids from `POST /api/v1/attachments`.
    pub attachment_ids: Option<Vec<Uuid>>,
}

/// Send the data the admin asked for.
///
/// Public, with the reporter secret in `X-Reporter-Secret` (403 without it; 404 for a confidential report). Only a
/// postponed report takes a supplement (409 otherwise, with the current status); it then goes back to `submitted`
/// and its deadlines restart.
#[utoipa::path(
    tag = "public",
    params(
        ("tracking_code" = String, Path, description = "The tracking code"),
        ("X-Reporter-Secret" = String, Header, description = "The secret given at filing"),
        ("If-Match" = Option<String>, Header, description = "The ETag of the tracking page last read"),
    ),
    request_body = SupplementRequest,
    responses(
        (status = 200, description = "Received; the report is back in verification", body = PublicComplaintView, headers(("RateLimit-Policy" = String, description = "IETF RateLimit-Policy: the quota and window, e.g. `\"tracking\";q=60;w=60`"), ("RateLimit" = String, description = "IETF RateLimit: what is left and the seconds until the window ends, e.g. `\"tracking\";r=59;t=60`"))),
        (status = 429, description = "Too many tracking lookups from this address; see Retry-After", body = Problem, content_type = "application/problem+json", headers(("Retry-After" = u64, description = "Seconds to wait"), ("RateLimit-Policy" = String, description = "IETF RateLimit-Policy: the quota and window, e.g. `\"tracking\";q=60;w=60`"), ("RateLimit" = String, description = "IETF RateLimit: what is left and the seconds until the window ends, e.g. `\"tracking\";r=0;t=30`"))),
        (status = 403, description = "Missing or wrong reporter secret", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such report", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The report is not waiting for data", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "Changed since you read it", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/public/complaints/{tracking_code}/supplement")]
pub async fn supplement_public_complaint(
    req: HttpRequest,
    state: web::Data<AppState>,
    tracking_code: web::Path<String>,
    if_match: IfMatch,
    body: Json<SupplementRequest>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let mut errors = FieldErrors::check(&body);
    let text = errors.take(required_text("body", &body.body));
    errors.finish()?;
    let work = async {
        let mut conn = state.conn().await?;
        let secret = secret(&req);
        services::complaints::supplement(
            &state,
            &mut conn,
            &tracking_code,
            secret.as_deref(),
            if_match.0,
            text.unwrap_or_default(),
            body.attachment_ids.unwrap_or_default(),
        )
        .await?;
        drop(conn);
        Ok(HttpResponse::Ok().json(public_complaint(&state, &tracking_code, secret.as_deref()).await?))
    };
    tracking_guard(&req, &state, work).await
}

/// The reporter's response to the final answers.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"rating": 4, "satisfied": true, "comment": "Jalan sudah diperbaiki, terima kasih."}))]
pub struct FeedbackRequest {
    /// 1 (very poor) to 5 (very good).
    #[validate(range(min = 1, max = 5))]
    #[schema(minimum = 1, maximum = 5)]
    pub rating: i16,
    /// Satisfied closes the report; not satisfied sends it back to the OPDs.
    pub satisfied: bool,
    #[validate(length(min = 1, max = 2000))]
    #[schema(min_length = 1, max_length = 2000)]
    pub comment: Option<String>,
}

/// Respond to the answers: rate them and say whether you are satisfied.
///
/// Public, with the reporter secret in `X-Reporter-Secret` (403 without it; 404 for a confidential report). Only while
/// the report awaits the reporter (409 otherwise). Satisfied finishes the report; not satisfied reopens the follow-up.
/// Without a response by `reporter_reply_by` the report finishes by itself.
#[utoipa::path(
    tag = "public",
    params(
        ("tracking_code" = String, Path, description = "The tracking code"),
        ("X-Reporter-Secret" = String, Header, description = "The secret given at filing"),
        ("If-Match" = Option<String>, Header, description = "The ETag of the tracking page last read"),
    ),
    request_body = FeedbackRequest,
    responses(
        (status = 200, description = "Recorded", body = PublicComplaintView, headers(("RateLimit-Policy" = String, description = "IETF RateLimit-Policy: the quota and window, e.g. `\"tracking\";q=60;w=60`"), ("RateLimit" = String, description = "IETF RateLimit: what is left and the seconds until the window ends, e.g. `\"tracking\";r=59;t=60`"))),
        (status = 429, description = "Too many tracking lookups from this address; see Retry-After", body = Problem, content_type = "application/problem+json", headers(("Retry-After" = u64, description = "Seconds to wait"), ("RateLimit-Policy" = String, description = "IETF RateLimit-Policy: the quota and window, e.g. `\"tracking\";q=60;w=60`"), ("RateLimit" = String, description = "IETF RateLimit: what is left and the seconds until the window ends, e.g. `\"tracking\";r=0;t=30`"))),
        (status = 403, description = "Missing or wrong reporter secret", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such report", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The report is not waiting for the reporter", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "Changed since you read it", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/public/complaints/{tracking_code}/feedback")]
pub async fn create_public_feedback(
    req: HttpRequest,
    state: web::Data<AppState>,
    tracking_code: web::Path<String>,
    if_match: IfMatch,
    body: Json<FeedbackRequest>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let mut errors = FieldErrors::check(&body);
    let comment = body.comment.as_deref().map(|c| errors.take(required_text("comment", c)));
    errors.finish()?;
    let feedback =
        services::dispositions::Feedback { rating: body.rating, satisfied: body.satisfied, comment: comment.flatten() };
    let work = async {
        let secret = secret(&req);
        let mut conn = state.conn().await?;
        services::dispositions::feedback(&state, &mut conn, &tracking_code, secret.as_deref(), if_match.0, feedback)
            .await?;
        drop(conn);
        Ok(HttpResponse::Ok().json(public_complaint(&state, &tracking_code, secret.as_deref()).await?))
    };
    tracking_guard(&req, &state, work).await
}

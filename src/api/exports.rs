//! Asynchronous complaint exports: ask, poll, download.

use actix_web::http::header;
use actix_web::web::Json;
use actix_web::{HttpResponse, get, post, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::api::complaints::export::export_filter;
use crate::api::complaints::reads::ComplaintListQuery;
use crate::api::download;
use crate::api::pagination::TimeBound;
use crate::auth::AuthUser;
use crate::db::exports::ExportRow;
use crate::domain::complaint::{Channel, Classification};
use crate::domain::export::{ExportFormat, ExportStatus};
use crate::error::{ApiError, Problem};
use crate::services::reports::export_jobs;
use crate::state::AppState;

/// Seconds a client should wait before asking again about an export being written.
const POLL_AFTER_SECS: u32 = 2;

/// The complaint list's filters (the same names, values and meaning as `GET /api/v1/complaints`), without paging.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ExportFilters {
    /// One status or several, comma-separated (`submitted,postponed`).
    pub status: Option<String>,
    pub classification: Option<Classification>,
    pub supervision: Option<bool>,
    pub channel: Option<Channel>,
    pub category_id: Option<Uuid>,
    pub region_id: Option<Uuid>,
    /// The receiving Pemda (super admins).
    pub unit_id: Option<Uuid>,
    /// Received at or after: an RFC 3339 date-time or a date (from the start of that day in the Pemda's time zone).
    #[schema(value_type = Option<String>, example = "2026-01-01")]
    pub start_date: Option<TimeBound>,
    /// Received before: an RFC 3339 date-time or a date (through the end of that day).
    #[schema(value_type = Option<String>, example = "2026-12-31")]
    pub end_date: Option<TimeBound>,
    /// Changed after: an RFC 3339 date-time or a date.
    #[schema(value_type = Option<String>)]
    pub updated_after: Option<TimeBound>,
    /// Only complaints past a deadline when the export is asked for.
    pub overdue: Option<bool>,
    /// Only complaints at this escalation level (0 to 3).
    #[schema(minimum = 0, maximum = 3)]
    pub escalation_level: Option<i16>,
    /// Full-text search over title and body.
    #[schema(max_length = 200)]
    pub q: Option<String>,
}

impl From<ExportFilters> for ComplaintListQuery {
    fn from(filters: ExportFilters) -> Self {
        ComplaintListQuery {
            status: filters.status,
            classification: filters.classification,
            supervision: filters.supervision,
            channel: filters.channel,
            category_id: filters.category_id,
            region_id: filters.region_id,
            unit_id: filters.unit_id,
            start_date: filters.start_date,
            end_date: filters.end_date,
            updated_after: filters.updated_after,
            overdue: filters.overdue,
            escalation_level: filters.escalation_level,
            q: filters.q,
            sort: None,
            limit: None,
            cursor: None,
        }
    }
}

/// An export to write.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"format": "csv", "filters": {"start_date": "2026-01-01", "end_date": "2026-12-31"}}))]
pub struct CreateExportRequest {
    /// `csv` (any size) or `xlsx` (at most 1,048,575 complaints).
    pub format: ExportFormat,
    /// Which complaints (default: every one you may read).
    #[serde(default)]
    pub filters: ExportFilters,
}

/// An export and where it stands.
#[derive(Debug, Serialize, ToSchema)]
pub struct ExportView {
    pub id: Uuid,
    pub format: ExportFormat,
    pub status: ExportStatus,
    pub created_at: DateTime<Utc>,
    /// When a worker started it (the last attempt).
    pub started_at: Option<DateTime<Utc>>,
    /// When it was done or failed.
    pub finished_at: Option<DateTime<Utc>>,
    /// Until when the file can be downloaded (24 hours after it was done).
    pub expires_at: Option<DateTime<Utc>>,
    /// Complaints in the file.
    pub row_count: Option<i64>,
    /// Size of the file in bytes.
    pub size_bytes: Option<i64>,
    /// Why it failed.
    pub error: Option<String>,
    /// Where to download the file (while `done`).
    pub download_url: Option<String>,
}

impl TryFrom<ExportRow> for ExportView {
    type Error = ApiError;

    fn try_from(row: ExportRow) -> Result<Self, ApiError> {
        let status = row.status.parse::<ExportStatus>().map_err(|err| ApiError::Internal(err.into()))?;
        Ok(ExportView {
            id: row.id,
            format: row.format.parse().map_err(|err: crate::domain::DomainError| ApiError::Internal(err.into()))?,
            status,
            created_at: row.created_at,
            started_at: row.started_at,
            finished_at: row.finished_at,
            expires_at: row.expires_at,
            row_count: row.row_count,
            size_bytes: row.size_bytes,
            error: row.error,
            download_url: (status == ExportStatus::Done).then(|| format!("/api/v1/exports/{}/file", row.id)),
        })
    }
}

fn location(id: Uuid) -> String {
    format!("/api/v1/exports/{id}")
}

/// Ask for a complaint export written in the background.
///
/// Who may: every role that reads complaints (as `GET /complaints/export.csv`); others get 403. The filters are the
/// list's, resolved now within your reach (dates in the Pemda's time zone, `overdue` as of now); the columns are the
/// CSV export's, never the text or the reporter. Answers 202 with `Location` at once; a worker of any instance writes
/// the file. Poll `GET /api/v1/exports/{id}` (it sends `Retry-After` while the export is queued or running), then
/// download `/api/v1/exports/{id}/file` within 24 hours. Your rights are checked again when the export runs. Send an
/// `Idempotency-Key` so a retried request does not queue a second export.
#[utoipa::path(
    tag = "complaints",
    request_body = CreateExportRequest,
    security(("bearer" = [])),
    responses(
        (status = 202, description = "Queued", body = ExportView, headers(("Location" = String, description = "The export"))),
        (status = 403, description = "Role may not read complaints", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Three exports of yours are already waiting or running (`too_many_exports`)", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "An unknown format or a malformed filter", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/exports")]
pub async fn create_export(
    state: web::Data<AppState>,
    user: AuthUser,
    body: Json<CreateExportRequest>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let filter = export_filter(&body.filters.into(), &user, &state)?;
    let row = export_jobs::request(&state, &user, body.format, &filter).await?;
    let id = row.id;
    Ok(HttpResponse::Accepted()
        .insert_header((header::LOCATION, location(id)))
        .insert_header((header::RETRY_AFTER, POLL_AFTER_SECS.to_string()))
        .json(ExportView::try_from(row)?))
}

/// Read where an export of yours stands.
///
/// Only who asked for it; anyone else gets 404. While `queued` or `running` the answer carries `Retry-After`.
#[utoipa::path(
    tag = "complaints",
    params(("id" = Uuid, Path, description = "Export id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The export", body = ExportView),
        (status = 404, description = "No export of yours with this id", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/exports/{id}")]
pub async fn get_export(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let view = ExportView::try_from(export_jobs::find(&state, &user, id.into_inner()).await?)?;
    let mut response = HttpResponse::Ok();
    if matches!(view.status, ExportStatus::Queued | ExportStatus::Running) {
        response.insert_header((header::RETRY_AFTER, POLL_AFTER_SECS.to_string()));
    }
    Ok(response.json(view))
}

/// Download the file of an export of yours.
///
/// Only who asked for it (404 for anyone else). 409 `export_not_ready` while it is queued or running,
/// `export_failed` when it failed, `export_expired` 24 hours after it was done. Streamed from disk.
#[utoipa::path(
    tag = "complaints",
    params(("id" = Uuid, Path, description = "Export id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The file (CSV or workbook)", content(
            (crate::api::Binary = "text/csv"),
            (crate::api::Binary = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        )),
        (status = 404, description = "No export of yours with this id", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not written yet, failed, or expired", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/exports/{id}/file")]
pub async fn download_export(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let (row, file) = export_jobs::open(&state, &user, id.into_inner()).await?;
    let format = row.format.parse::<ExportFormat>().map_err(|err| ApiError::Internal(err.into()))?;
    let (media_type, extension) = match format {
        ExportFormat::Csv => (download::CSV, "csv"),
        ExportFormat::Xlsx => (download::XLSX, "xlsx"),
    };
    let name = format!("pengaduan-{}.{extension}", row.created_at.format("%Y%m%d-%H%M%S"));
    let body = download::file_stream(file);
    Ok(download::attachment(media_type, &name).streaming(body))
}

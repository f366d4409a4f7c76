//! The monthly report as a file.

use actix_web::{HttpResponse, get, web};

use serde::Deserialize;
use utoipa::IntoParams;
use uuid::Uuid;

use crate::api::download;
use crate::api::extract::Query;
use crate::api::extract::ReportReader;
use crate::error::{ApiError, Problem};
use crate::services::reports::monthly;
use crate::state::AppState;

/// Which month, of which Pemda.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct MonthlyQuery {
    /// The month, `YYYY-MM`.
    #[param(example = "2026-11", pattern = r"^\d{4}-\d{2}$")]
    pub month: String,
    /// The Pemda (default: yours; super admins name any).
    pub pemda_id: Option<Uuid>,
}

/// Download the monthly report (laporan bulanan) as an Excel workbook.
///
/// `admin`, `leader` and `inspector` of the Pemda, and `super_admin`; others get 403 (it lists overdue complaints by
/// tracking code and title). Sheets: `Ringkasan` (the month's key figures, then the daily trend, per OPD and per
/// category, each with a native Excel chart), `OPD` (every figure of every OPD), `Terlambat` (what is overdue now:
/// tracking code, title, who holds it, working days late; supervision complaints without code or title,
/// confidential ones without title). No reporter identity. The numbers are those of `/reports/summary`, `/units`,
/// `/categories` and `/trend` for the same month.
#[utoipa::path(
    tag = "reports",
    params(MonthlyQuery),
    security(("bearer" = []), ("oauth2" = ["reports:read"])),
    responses(
        (status = 200, description = "The workbook", body = crate::api::Binary, content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        (status = 403, description = "Not an admin, leader or inspector of this Pemda", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A malformed month", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/reports/monthly.xlsx")]
pub async fn export_monthly_report_xlsx(
    state: web::Data<AppState>,
    ReportReader(user): ReportReader,
    query: Query<MonthlyQuery>,
) -> Result<HttpResponse, ApiError> {
    let report = monthly::monthly(&state, &user, query.pemda_id, &query.month).await?;
    let bytes = monthly::workbook(&report, state.settings.timezone)
        .map_err(|err| ApiError::Internal(anyhow::anyhow!("monthly workbook: {err}")))?;
    let name = format!("laporan-bulanan-{}-{}.xlsx", report.pemda.code, &query.month);
    Ok(download::attachment(download::XLSX, &name).body(bytes))
}

/// Download the monthly report (laporan bulanan) as a printable PDF.
///
/// Who may: as for the workbook (`admin`, `leader` and `inspector` of the Pemda, and `super_admin`; others 403). A4
/// portrait, fonts embedded (DejaVu Sans), charts drawn as vectors: the key figures, the daily trend, dispositions per
/// OPD and complaints per category (the 15 largest), a table of every OPD and the overdue list, with page numbers.
/// Numbers as Indonesians write them (`1.234`, `85,7`; `—` where nothing was measured). No reporter identity.
#[utoipa::path(
    tag = "reports",
    params(MonthlyQuery),
    security(("bearer" = []), ("oauth2" = ["reports:read"])),
    responses(
        (status = 200, description = "The document", body = crate::api::Binary, content_type = "application/pdf"),
        (status = 403, description = "Not an admin, leader or inspector of this Pemda", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A malformed month", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/reports/monthly.pdf")]
pub async fn export_monthly_report_pdf(
    state: web::Data<AppState>,
    ReportReader(user): ReportReader,
    query: Query<MonthlyQuery>,
) -> Result<HttpResponse, ApiError> {
    let report = monthly::monthly(&state, &user, query.pemda_id, &query.month).await?;
    let name = format!("laporan-bulanan-{}-{}.pdf", report.pemda.code, &query.month);
    let timezone = state.settings.timezone;
    // Layout and font subsetting take milliseconds of CPU: off the async workers.
    let bytes = web::block(move || monthly::document(&report, timezone))
        .await
        .map_err(|err| ApiError::Internal(anyhow::anyhow!("monthly document: {err}")))?
        .map_err(|err| ApiError::Internal(anyhow::anyhow!("monthly document: {err}")))?;
    Ok(download::attachment(download::PDF, &name).body(bytes))
}

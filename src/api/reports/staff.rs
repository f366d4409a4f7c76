//! The staff reports of one Pemda. Every signed-in role may call them; what each role sees is decided in
//! `services::reports` (OPD staff: the Pemda's totals and their own unit).

use actix_web::{HttpRequest, HttpResponse, get, web};
use serde::Serialize;
use utoipa::ToSchema;

use super::{ReportHeader, ReportQuery, csv};
use crate::api::extract::Query;
use crate::api::extract::ReportReader;
use crate::domain::report::backlog::Backlog;
use crate::domain::report::summary::Summary;
use crate::domain::report::trend::{Interval, TrendPoint};
use crate::error::{ApiError, Problem};
use crate::services::reports::{self, BacklogReport, CategoryRow, Prepared, RegionRow, UnitReportRow};
use crate::state::AppState;

/// The summary of a period.
#[derive(Debug, Serialize, ToSchema)]
pub struct SummaryReport {
    #[serde(flatten)]
    pub header: ReportHeader,
    /// The figures of the period.
    #[serde(flatten)]
    pub summary: Summary,
    /// Open complaints now, whenever they arrived.
    pub backlog: Backlog,
}

/// Rows of a tabular report.
#[derive(Debug, Serialize, ToSchema)]
pub struct Rows<T: ToSchema> {
    #[serde(flatten)]
    pub header: ReportHeader,
    /// One row each.
    pub rows: Vec<T>,
}

/// A series.
#[derive(Debug, Serialize, ToSchema)]
pub struct TrendReport {
    #[serde(flatten)]
    pub header: ReportHeader,
    /// The width of each point.
    pub interval: Interval,
    /// One point per interval, empty ones included.
    pub points: Vec<TrendPoint>,
}

/// The backlog now.
#[derive(Debug, Serialize, ToSchema)]
pub struct BacklogReportView {
    #[serde(flatten)]
    pub header: ReportHeader,
    #[serde(flatten)]
    pub backlog: BacklogReport,
}

/// Rows as JSON, or as CSV when the client asked for it.
fn tabular<T: Serialize + ToSchema>(
    req: &HttpRequest,
    query: &ReportQuery,
    prepared: &Prepared,
    rows: Vec<T>,
    as_csv: fn(&Prepared, &[T]) -> HttpResponse,
) -> HttpResponse {
    if query.wants_csv(req) {
        return as_csv(prepared, &rows);
    }
    HttpResponse::Ok().json(Rows { header: ReportHeader::from(prepared), rows })
}

/// Report on a period: received, deadlines, working days, follow-up rate, reporter response, closures.
///
/// Every role. Admins, leaders and inspectors read their whole Pemda (a province's also the kabupaten/kota below it,
/// by `pemda_id`); OPD staff read the Pemda's totals, or their own unit with `unit_id`. No complaint and no reporter
/// appears in any report. The README's table of figures defines each number.
#[utoipa::path(
    tag = "reports",
    params(ReportQuery),
    security(("bearer" = []), ("oauth2" = ["reports:read"])),
    responses(
        (status = 200, description = "The figures", body = SummaryReport),
        (status = 403, description = "Another Pemda, or another unit than an OPD caller's own", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A malformed period or filter", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/reports/summary")]
pub async fn get_report_summary(
    state: web::Data<AppState>,
    ReportReader(user): ReportReader,
    query: Query<ReportQuery>,
) -> Result<HttpResponse, ApiError> {
    if query.format == Some(super::ReportFormat::Csv) {
        return Err(ApiError::invalid_field("format", "not_tabular", "the summary is JSON only"));
    }
    let (prepared, summary, backlog) = reports::summary(&state, &user, &query.plain()?).await?;
    Ok(HttpResponse::Ok().json(SummaryReport { header: ReportHeader::from(&prepared), summary, backlog }))
}

/// Report per OPD: dispositions received, accepted, returned, delegated, completed and on time, days to the first
/// answer, escalations.
///
/// Every role; OPD staff get their own OPD's row only. Over the dispositions sent in the period; `overdue` is as of
/// now. Also `text/csv` (`format=csv` or `Accept: text/csv`).
#[utoipa::path(
    tag = "reports",
    params(ReportQuery),
    security(("bearer" = []), ("oauth2" = ["reports:read"])),
    responses(
        (status = 200, description = "One row per OPD", content((Rows<UnitReportRow> = "application/json"), (crate::api::Binary = "text/csv"))),
        (status = 403, description = "Another Pemda, or another unit than an OPD caller's own", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A malformed period or filter", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/reports/units")]
pub async fn get_report_units(
    req: HttpRequest,
    state: web::Data<AppState>,
    ReportReader(user): ReportReader,
    query: Query<ReportQuery>,
) -> Result<HttpResponse, ApiError> {
    let (prepared, rows) = reports::units(&state, &user, &query.plain()?).await?;
    Ok(tabular(&req, &query, &prepared, rows, csv::units))
}

/// Report per category: the core figures of the complaints received in the period, by category.
///
/// Every role; OPD staff over the complaints disposed to their own unit. Categories without complaints are listed
/// with zeros; complaints without a category form a row of their own. Also `text/csv`.
#[utoipa::path(
    tag = "reports",
    params(ReportQuery),
    security(("bearer" = []), ("oauth2" = ["reports:read"])),
    responses(
        (status = 200, description = "One row per category", content((Rows<CategoryRow> = "application/json"), (crate::api::Binary = "text/csv"))),
        (status = 403, description = "Another Pemda, or another unit than an OPD caller's own", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A malformed period or filter", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/reports/categories")]
pub async fn get_report_categories(
    req: HttpRequest,
    state: web::Data<AppState>,
    ReportReader(user): ReportReader,
    query: Query<ReportQuery>,
) -> Result<HttpResponse, ApiError> {
    let (prepared, rows) = reports::categories(&state, &user, &query.plain()?).await?;
    Ok(tabular(&req, &query, &prepared, rows, csv::categories))
}

/// Report per region: the core figures of the complaints received in the period, by region.
///
/// Every role; OPD staff over the complaints disposed to their own unit. Also `text/csv`.
#[utoipa::path(
    tag = "reports",
    params(ReportQuery),
    security(("bearer" = []), ("oauth2" = ["reports:read"])),
    responses(
        (status = 200, description = "One row per region", content((Rows<RegionRow> = "application/json"), (crate::api::Binary = "text/csv"))),
        (status = 403, description = "Another Pemda, or another unit than an OPD caller's own", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A malformed period or filter", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/reports/regions")]
pub async fn get_report_regions(
    req: HttpRequest,
    state: web::Data<AppState>,
    ReportReader(user): ReportReader,
    query: Query<ReportQuery>,
) -> Result<HttpResponse, ApiError> {
    let (prepared, rows) = reports::regions(&state, &user, &query.plain()?).await?;
    Ok(tabular(&req, &query, &prepared, rows, csv::regions))
}

/// Report as a series: received, verified, first answered and resolved per day, week (from Monday) or month.
///
/// Every role, scoped as the summary. A daily series covers at most 366 days. Also `text/csv`.
#[utoipa::path(
    tag = "reports",
    params(ReportQuery),
    security(("bearer" = []), ("oauth2" = ["reports:read"])),
    responses(
        (status = 200, description = "The series", content((TrendReport = "application/json"), (crate::api::Binary = "text/csv"))),
        (status = 403, description = "Another Pemda, or another unit than an OPD caller's own", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A malformed period or filter, or too many points", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/reports/trend")]
pub async fn get_report_trend(
    req: HttpRequest,
    state: web::Data<AppState>,
    ReportReader(user): ReportReader,
    query: Query<ReportQuery>,
) -> Result<HttpResponse, ApiError> {
    query.refuse_level()?;
    let interval = query.interval.unwrap_or_default();
    let (prepared, points) = reports::trend(&state, &user, &query.request(), interval).await?;
    if query.wants_csv(&req) {
        return Ok(csv::trend(&prepared, &points));
    }
    Ok(HttpResponse::Ok().json(TrendReport { header: ReportHeader::from(&prepared), interval, points }))
}

/// Report the backlog now: open complaints and each OPD's open dispositions, by age in working days, and overdue.
///
/// Every role; OPD staff their own unit. The period is ignored (the backlog is always as of now). Also `text/csv`.
#[utoipa::path(
    tag = "reports",
    params(ReportQuery),
    security(("bearer" = []), ("oauth2" = ["reports:read"])),
    responses(
        (status = 200, description = "The backlog", content((BacklogReportView = "application/json"), (crate::api::Binary = "text/csv"))),
        (status = 403, description = "Another Pemda, or another unit than an OPD caller's own", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A malformed filter", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/reports/backlog")]
pub async fn get_report_backlog(
    req: HttpRequest,
    state: web::Data<AppState>,
    ReportReader(user): ReportReader,
    query: Query<ReportQuery>,
) -> Result<HttpResponse, ApiError> {
    let (prepared, backlog) = reports::backlog(&state, &user, &query.plain()?).await?;
    if query.wants_csv(&req) {
        return Ok(csv::backlog(&prepared, &backlog));
    }
    Ok(HttpResponse::Ok().json(BacklogReportView { header: ReportHeader::from(&prepared), backlog }))
}

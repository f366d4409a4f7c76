//! Reports for leaders, the Diskominfo admin, the Inspektorat, OPDs, the province and external systems: the summary,
//! per OPD, per category, per region, the trend and the backlog. Tabular reports also answer `text/csv`.

mod csv;
pub mod monthly;
pub mod public;
pub mod rankings;
pub mod staff;

use actix_web::HttpRequest;
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::domain::complaint::{Channel, Classification};
use crate::domain::report::period::Period;
use crate::domain::report::ranking::Level;
use crate::domain::report::trend::Interval;
use crate::error::ApiError;
use crate::services::reports::{PemdaRef, Prepared, ReportRequest};

pub use monthly::{export_monthly_report_pdf, export_monthly_report_xlsx};
pub use public::get_public_statistics;
pub use rankings::{create_ranking_weights, get_report_rankings, list_ranking_weights};
pub use staff::*;

/// The scope and period of a report. The period is `from` and `to`, or one of `month`, `quarter`, `year`; with none,
/// the current month to date. Dates are calendar dates in the Pemda's time zone.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ReportQuery {
    /// The Pemda (default: yours). Super admins name any; a province's admins, leaders and inspectors a kabupaten/kota
    /// below it.
    pub pemda_id: Option<Uuid>,
    /// Only complaints disposed to this unit or a unit below it (OPD staff: their own unit, the default of the tabular
    /// reports).
    pub unit_id: Option<Uuid>,
    pub classification: Option<Classification>,
    pub channel: Option<Channel>,
    /// Only this category and those below it.
    pub category_id: Option<Uuid>,
    /// Only this region and those below it.
    pub region_id: Option<Uuid>,
    /// Only supervision complaints (`true`) or only the others (`false`).
    pub supervision: Option<bool>,
    /// First date of the period (with `to`).
    #[param(value_type = Option<String>, format = Date, example = "2026-11-01")]
    pub from: Option<NaiveDate>,
    /// Last date of the period, included (with `from`).
    #[param(value_type = Option<String>, format = Date, example = "2026-11-30")]
    pub to: Option<NaiveDate>,
    /// A calendar month, `YYYY-MM`.
    #[param(example = "2026-11", pattern = r"^\d{4}-\d{2}$")]
    pub month: Option<String>,
    /// A calendar quarter, `YYYY-Qn`.
    #[param(example = "2026-Q4", pattern = r"^\d{4}-Q[1-4]$")]
    pub quarter: Option<String>,
    /// A calendar year.
    #[param(minimum = 2000, maximum = 9998, example = 2026)]
    pub year: Option<i32>,
    /// Width of each point of `/reports/trend` (default `month`); refused elsewhere.
    pub interval: Option<Interval>,
    /// What `/reports/rankings` ranks (default `opd`); refused elsewhere.
    pub level: Option<Level>,
    /// `csv` for a CSV table instead of JSON (tabular reports; the same as `Accept: text/csv`).
    pub format: Option<ReportFormat>,
}

/// The representation of a tabular report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ReportFormat {
    /// `application/json`.
    Json,
    /// `text/csv`.
    Csv,
}

impl ReportQuery {
    fn request(&self) -> ReportRequest {
        ReportRequest {
            pemda_id: self.pemda_id,
            unit_id: self.unit_id,
            classification: self.classification,
            channel: self.channel,
            category_id: self.category_id,
            region_id: self.region_id,
            supervision: self.supervision,
            from: self.from,
            to: self.to,
            month: self.month.clone(),
            quarter: self.quarter.clone(),
            year: self.year,
        }
    }

    /// The request, refusing `interval` and `level` where they mean nothing.
    fn plain(&self) -> Result<ReportRequest, ApiError> {
        self.refuse_level()?;
        self.refuse_interval()?;
        Ok(self.request())
    }

    fn refuse_interval(&self) -> Result<(), ApiError> {
        match self.interval {
            Some(_) => {
                Err(ApiError::invalid_field("interval", "not_applicable", "interval applies to /reports/trend only"))
            }
            None => Ok(()),
        }
    }

    fn refuse_level(&self) -> Result<(), ApiError> {
        match self.level {
            Some(_) => {
                Err(ApiError::invalid_field("level", "not_applicable", "level applies to /reports/rankings only"))
            }
            None => Ok(()),
        }
    }

    /// Whether the client asked for CSV, by `format` or by `Accept`.
    fn wants_csv(&self, req: &HttpRequest) -> bool {
        match self.format {
            Some(format) => format == ReportFormat::Csv,
            None => req
                .headers()
                .get(actix_web::http::header::ACCEPT)
                .and_then(|accept| accept.to_str().ok())
                .is_some_and(|accept| accept.contains("text/csv") && !accept.contains("application/json")),
        }
    }
}

/// What every report says about itself.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReportHeader {
    /// The Pemda.
    pub pemda: PemdaRef,
    /// The unit the report was narrowed to, if any.
    pub unit_id: Option<Uuid>,
    /// The dates covered.
    pub period: Period,
    /// When the figures were computed (the backlog and pending deadlines are as of this instant).
    #[serde(serialize_with = "crate::api::json_time::instant")]
    pub generated_at: DateTime<Utc>,
}

impl From<&Prepared> for ReportHeader {
    fn from(prepared: &Prepared) -> Self {
        ReportHeader {
            pemda: prepared.pemda.clone(),
            unit_id: prepared.unit_id,
            period: prepared.period,
            generated_at: prepared.now,
        }
    }
}

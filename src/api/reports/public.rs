//! The public transparency page's figures: no sign-in, aggregates only, cacheable.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, get, web};
use chrono::NaiveDate;
use serde::Deserialize;
use utoipa::IntoParams;

use crate::api::extract::Query;
use crate::domain::report::period::PeriodRequest;
use crate::error::{ApiError, Problem};
use crate::services::reports::public::{self, PublicStatistics};
use crate::state::AppState;

/// Which Pemda and which period. The period is `from`/`to`, `month`, `quarter` or `year`; with none, the current
/// month to date.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct PublicStatisticsQuery {
    /// The Pemda's code.
    #[param(example = "SKD", max_length = 32)]
    pub pemda_code: String,
    /// First date of the period (with `to`).
    #[param(value_type = Option<String>, format = Date, example = "2026-01-01")]
    pub from: Option<NaiveDate>,
    /// Last date of the period, included (with `from`).
    #[param(value_type = Option<String>, format = Date, example = "2026-06-30")]
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
}

/// Read a Pemda's public statistics.
///
/// No sign-in. Received, finished, follow-up rate and median working days to resolution, in total, by category, by
/// OPD and by month. Aggregates only: in a cell narrower than a category over a whole month (every OPD cell, and
/// every cell when the period is not whole months) a count of 1 or 2, and any rate or median taken over one, is
/// `null` with `suppressed: true`. Answers carry an `ETag` and `Cache-Control: public, max-age=60`; `If-None-Match`
/// gives 304.
#[utoipa::path(
    tag = "public",
    params(PublicStatisticsQuery),
    responses(
        (status = 200, description = "The figures", body = PublicStatistics, headers(("ETag" = String), ("Cache-Control" = String))),
        (status = 304, description = "Unchanged since the `If-None-Match` tag"),
        (status = 404, description = "No Pemda with this code", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A malformed period", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/public/statistics")]
pub async fn get_public_statistics(
    req: HttpRequest,
    state: web::Data<AppState>,
    query: Query<PublicStatisticsQuery>,
) -> Result<HttpResponse, ApiError> {
    let code = query.pemda_code.trim().to_ascii_uppercase();
    if code.is_empty() || code.len() > 32 {
        return Err(ApiError::invalid_field("pemda_code", "invalid_code", "a Pemda code of 1 to 32 characters"));
    }
    let period = PeriodRequest {
        from: query.from,
        to: query.to,
        month: query.month.as_deref(),
        quarter: query.quarter.as_deref(),
        year: query.year,
    };
    let published = public::statistics(&state, &code, &period).await?;
    let cache = (header::CACHE_CONTROL, "public, max-age=60");
    let unchanged = req
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|tags| tags.split(',').any(|tag| tag.trim() == published.etag || tag.trim() == "*"));
    if unchanged {
        return Ok(HttpResponse::NotModified()
            .insert_header((header::ETAG, published.etag))
            .insert_header(cache)
            .finish());
    }
    Ok(HttpResponse::Ok()
        .content_type("application/json")
        .insert_header((header::ETAG, published.etag))
        .insert_header(cache)
        .body(published.body.as_ref().clone()))
}

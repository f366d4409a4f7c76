//! The Pemda's holiday calendar, which working-day deadlines skip.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, delete, get, post, web};
use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use crate::api::extract::{Json, Query};
use crate::api::validation::{FieldErrors, required_text};
use crate::auth::AuthUser;
use crate::auth::guards::{self, Action};
use crate::db::reference::HolidayRow;
use crate::error::{ApiError, Problem};
use crate::services;
use crate::services::reference::NewHoliday;
use crate::state::AppState;

/// A non-working date.
#[derive(Debug, Serialize, ToSchema)]
pub struct HolidayView {
    #[schema(example = "2026-03-21")]
    pub date: NaiveDate,
    /// `national`, `cuti_bersama` or `local`.
    #[schema(example = "national")]
    pub kind: String,
    #[schema(example = "Idul Fitri 1447 Hijriah")]
    pub name: String,
    /// The decree or regulation it comes from.
    pub source: Option<String>,
}

impl From<HolidayRow> for HolidayView {
    fn from(row: HolidayRow) -> Self {
        Self { date: row.date, kind: row.kind, name: row.name, source: row.source }
    }
}

/// Which holidays to list.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct HolidayQuery {
    /// Calendar year (default: the current one).
    #[param(minimum = 2000, maximum = 2100)]
    pub year: Option<i32>,
}

/// A holiday to add.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"date": "2026-06-21", "kind": "local", "name": "Hari Jadi Kabupaten Sekadau", "source": "Keputusan Bupati Sekadau"}))]
pub struct CreateHolidayRequest {
    #[schema(example = "2026-06-21")]
    pub date: NaiveDate,
    /// `national`, `cuti_bersama` or `local` (default `local`).
    pub kind: Option<String>,
    #[validate(length(min = 1, max = 200), custom(function = "crate::api::validation::single_line"))]
    #[schema(min_length = 1, max_length = 200, example = "Hari Jadi Kabupaten Sekadau")]
    pub name: String,
    #[validate(length(min = 1, max = 500), custom(function = "crate::api::validation::single_line"))]
    #[schema(min_length = 1, max_length = 500)]
    pub source: Option<String>,
}

/// List the holidays of your Pemda for a year.
///
/// Any signed-in user; the calendar is the one of the caller's Pemda. `Calendar-Covered-Until` says up to which day
/// deadlines are counted with decreed holidays (the end of the latest year holding national holidays); when that is
/// less than twelve months ahead, `Calendar-Warning` says so: an admin should import the next decree
/// (`pengaduan holidays import FILE.csv`).
#[utoipa::path(
    tag = "reference",
    params(HolidayQuery),
    security(("bearer" = [])),
    responses((
        status = 200,
        description = "Holidays by date",
        body = Vec<HolidayView>,
        headers(
            ("Calendar-Covered-Until" = String, description = "The last day (YYYY-MM-DD) the calendar holds decreed holidays for; absent when it holds none"),
            ("Calendar-Warning" = String, description = "Present when the calendar does not cover the next 12 months: what to do"),
        )
    ))
)]
#[get("/holidays")]
pub async fn list_holidays(
    state: web::Data<AppState>,
    user: AuthUser,
    query: Query<HolidayQuery>,
) -> Result<HttpResponse, ApiError> {
    let year = query.year.unwrap_or_else(|| state.clock.now().with_timezone(&state.settings.timezone).year());
    if !(2000..=2100).contains(&year) {
        return Err(ApiError::invalid_field("year", "out_of_range", "a year from 2000 to 2100"));
    }
    let (Some(from), Some(to)) = (NaiveDate::from_ymd_opt(year, 1, 1), NaiveDate::from_ymd_opt(year, 12, 31)) else {
        return Err(ApiError::invalid_field("year", "out_of_range", "not a calendar year"));
    };
    let today = state.clock.now().with_timezone(&state.settings.timezone).date_naive();
    let mut conn = state.conn().await?;
    let (rows, coverage) = services::reference::holidays(&mut conn, &user, from, to, today).await?;
    let mut response = HttpResponse::Ok();
    if let Some(until) = coverage.covered_until {
        response.insert_header(("Calendar-Covered-Until", until.to_string()));
    }
    if !coverage.covers_next_year {
        let ends = coverage.covered_until.map_or("holds no national holiday".to_owned(), |d| format!("ends on {d}"));
        response.insert_header((
            "Calendar-Warning",
            format!("the holiday calendar {ends}: deadlines beyond it ignore holidays; import the next decree"),
        ));
    }
    Ok(response.json(rows.into_iter().map(HolidayView::from).collect::<Vec<_>>()))
}

/// Add a holiday to your Pemda's calendar.
///
/// `admin` and `super_admin` (for their own Pemda); others get 403. A date that already is a holiday is 409.
/// Deadlines already set are not moved.
#[utoipa::path(
    tag = "reference",
    request_body = CreateHolidayRequest,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Added", body = HolidayView),
        (status = 403, description = "Not an admin", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Already a holiday", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/holidays")]
pub async fn create_holiday(
    state: web::Data<AppState>,
    user: AuthUser,
    body: Json<CreateHolidayRequest>,
) -> Result<HttpResponse, ApiError> {
    guards::require(user.role, Action::ManageReferenceData)?;
    let body = body.into_inner();
    let mut errors = FieldErrors::check(&body);
    let kind = body.kind.clone().unwrap_or_else(|| "local".into());
    if !matches!(kind.as_str(), "national" | "cuti_bersama" | "local") {
        errors.add("kind", "unknown_value", "kind is national, cuti_bersama or local");
    }
    let name = errors.take(required_text("name", &body.name));
    errors.finish()?;
    let holiday = NewHoliday { date: body.date, kind, name: name.unwrap_or_default(), source: body.source };
    let mut conn = state.conn().await?;
    let row = services::reference::add_holiday(&mut conn, &user, holiday).await?;
    Ok(HttpResponse::build(StatusCode::CREATED).json(HolidayView::from(row)))
}

/// Remove a holiday from your Pemda's calendar.
///
/// `admin` and `super_admin` (for their own Pemda); others get 403. 404 when the date is not a holiday.
#[utoipa::path(
    tag = "reference",
    params(("date" = NaiveDate, Path, description = "The date, YYYY-MM-DD")),
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Removed"),
        (status = 403, description = "Not an admin", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Not a holiday", body = Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/holidays/{date}")]
pub async fn delete_holiday(
    state: web::Data<AppState>,
    user: AuthUser,
    date: web::Path<NaiveDate>,
) -> Result<HttpResponse, ApiError> {
    guards::require(user.role, Action::ManageReferenceData)?;
    let mut conn = state.conn().await?;
    services::reference::remove_holiday(&mut conn, &user, *date).await?;
    Ok(HttpResponse::NoContent().finish())
}

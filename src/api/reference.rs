//! Reference data: categories and regions (public, for intake forms), holidays and deadline policies (staff).

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, delete, get, patch, post, web};
use chrono::{DateTime, Datelike, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;
use validator::Validate;

use super::validation::{FieldErrors, required_text};
use crate::auth::AuthUser;
use crate::auth::guards::{self, Action};
use crate::db;
use crate::db::reference::{CategoryRow, HolidayRow, PolicyRow, RegionRow};
use crate::domain::DomainError;
use crate::domain::complaint::Classification;
use crate::domain::deadlines::DeadlinePolicy;
use crate::error::{ApiError, Problem};
use crate::services;
use crate::services::reference::{NewHoliday, NewPolicy};
use crate::state::AppState;

/// Which Pemda's public reference data to read.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct PemdaQuery {
    /// Unit code of the Pemda (e.g. `SKD`); may be left out when the deployment holds a single Pemda.
    pub pemda_code: Option<String>,
}

/// A complaint category.
#[derive(Debug, Serialize, ToSchema)]
pub struct CategoryView {
    pub id: Uuid,
    #[schema(example = "kesehatan")]
    pub code: String,
    #[schema(example = "Kesehatan")]
    pub name: String,
    /// The broader category, if any.
    pub parent_id: Option<Uuid>,
    pub active: bool,
}

impl From<CategoryRow> for CategoryView {
    fn from(row: CategoryRow) -> Self {
        Self { id: row.id, code: row.code, name: row.name, parent_id: row.parent_id, active: row.active }
    }
}

/// An administrative region: a kecamatan, or a desa below one.
#[derive(Debug, Serialize, ToSchema)]
pub struct RegionView {
    pub id: Uuid,
    /// `kecamatan` or `desa`.
    #[schema(example = "kecamatan")]
    pub kind: String,
    #[schema(example = "sekadau-hilir")]
    pub code: String,
    #[schema(example = "Sekadau Hilir")]
    pub name: String,
    /// The kecamatan of a desa.
    pub parent_id: Option<Uuid>,
    pub active: bool,
}

impl From<RegionRow> for RegionView {
    fn from(row: RegionRow) -> Self {
        Self {
            id: row.id,
            kind: row.kind,
            code: row.code,
            name: row.name,
            parent_id: row.parent_id,
            active: row.active,
        }
    }
}

/// List the complaint categories of a Pemda.
///
/// Public: intake forms need them. Ordered by code.
#[utoipa::path(tag = "reference", params(PemdaQuery), responses((status = 200, description = "Categories", body = Vec<CategoryView>)))]
#[get("/categories")]
pub async fn list_categories(
    state: web::Data<AppState>,
    query: web::Query<PemdaQuery>,
) -> Result<HttpResponse, ApiError> {
    let mut conn = state.conn().await?;
    let pemda = services::complaints::receiving_pemda(&mut conn, query.pemda_code.as_deref()).await?;
    let rows = db::reference::categories(&mut conn, pemda.id).await?;
    Ok(HttpResponse::Ok().json(rows.into_iter().map(CategoryView::from).collect::<Vec<_>>()))
}

/// List the regions (kecamatan, desa) of a Pemda.
///
/// Public: intake forms need them. Ordered by code.
#[utoipa::path(tag = "reference", params(PemdaQuery), responses((status = 200, description = "Regions", body = Vec<RegionView>)))]
#[get("/regions")]
pub async fn list_regions(state: web::Data<AppState>, query: web::Query<PemdaQuery>) -> Result<HttpResponse, ApiError> {
    let mut conn = state.conn().await?;
    let pemda = services::complaints::receiving_pemda(&mut conn, query.pemda_code.as_deref()).await?;
    let rows = db::reference::regions(&mut conn, pemda.id).await?;
    Ok(HttpResponse::Ok().json(rows.into_iter().map(RegionView::from).collect::<Vec<_>>()))
}

/// A category to add.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateCategoryRequest {
    /// 1 to 40 of a-z, 0-9, `-`, `_` (stored lower case), unique in the Pemda.
    #[schema(example = "air-bersih")]
    pub code: String,
    #[validate(length(min = 1, max = 120))]
    #[schema(min_length = 1, max_length = 120, example = "Air Bersih")]
    pub name: String,
    /// The broader category.
    pub parent_id: Option<Uuid>,
}

/// Changes to a category.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateCategoryRequest {
    #[validate(length(min = 1, max = 120))]
    #[schema(min_length = 1, max_length = 120)]
    pub name: Option<String>,
    /// A deactivated category is refused for new reports and stays on old ones.
    pub active: Option<bool>,
}

/// A region to add.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateRegionRequest {
    /// `kecamatan` or `desa`.
    #[schema(example = "desa")]
    pub kind: String,
    /// 1 to 40 of a-z, 0-9, `-`, `_` (stored lower case), unique in the Pemda.
    #[schema(example = "mungguk")]
    pub code: String,
    #[validate(length(min = 1, max = 120))]
    #[schema(min_length = 1, max_length = 120, example = "Mungguk")]
    pub name: String,
    /// A desa's kecamatan (required for a desa, refused for a kecamatan).
    pub parent_id: Option<Uuid>,
}

/// Add a complaint category to your Pemda.
///
/// `admin` and `super_admin`; others get 403. A code already used in the Pemda is 409 `code_taken`.
#[utoipa::path(
    tag = "reference",
    request_body = CreateCategoryRequest,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Added", body = CategoryView),
        (status = 403, description = "Not an admin", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Code taken", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/categories")]
pub async fn create_category(
    state: web::Data<AppState>,
    user: AuthUser,
    body: web::Json<CreateCategoryRequest>,
) -> Result<HttpResponse, ApiError> {
    guards::require(user.role, Action::ManageReferenceData)?;
    let body = body.into_inner();
    let mut errors = FieldErrors::check(&body);
    let code = errors.take(crate::domain::complaint::parse_reference_code(&body.code));
    let name = errors.take(required_text("name", &body.name));
    errors.finish()?;
    let new = services::reference::NewCategory {
        code: code.unwrap_or_default(),
        name: name.unwrap_or_default(),
        parent_id: body.parent_id,
    };
    let mut conn = state.conn().await?;
    let row = services::reference::add_category(&mut conn, &user, new).await?;
    Ok(HttpResponse::build(StatusCode::CREATED).json(CategoryView::from(row)))
}

/// Rename or (de)activate a category of your Pemda.
///
/// `admin` and `super_admin`; others get 403. 404 for a category of another Pemda.
#[utoipa::path(
    tag = "reference",
    params(("id" = Uuid, Path, description = "Category id")),
    request_body = UpdateCategoryRequest,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Updated", body = CategoryView),
        (status = 403, description = "Not an admin", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such category in your Pemda", body = Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/categories/{id}")]
pub async fn update_category(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<Uuid>,
    body: web::Json<UpdateCategoryRequest>,
) -> Result<HttpResponse, ApiError> {
    guards::require(user.role, Action::ManageReferenceData)?;
    let body = body.into_inner();
    let mut errors = FieldErrors::check(&body);
    let name = body.name.as_deref().map(|name| errors.take(required_text("name", name)));
    errors.finish()?;
    let mut conn = state.conn().await?;
    let row = services::reference::update_category(&mut conn, &user, *id, name.flatten(), body.active).await?;
    Ok(HttpResponse::Ok().json(CategoryView::from(row)))
}

/// Add a kecamatan, or a desa below one, to your Pemda.
///
/// `admin` and `super_admin`; others get 403. A code already used in the Pemda is 409 `code_taken`.
#[utoipa::path(
    tag = "reference",
    request_body = CreateRegionRequest,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Added", body = RegionView),
        (status = 403, description = "Not an admin", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Code taken", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/regions")]
pub async fn create_region(
    state: web::Data<AppState>,
    user: AuthUser,
    body: web::Json<CreateRegionRequest>,
) -> Result<HttpResponse, ApiError> {
    guards::require(user.role, Action::ManageReferenceData)?;
    let body = body.into_inner();
    let mut errors = FieldErrors::check(&body);
    if !matches!(body.kind.as_str(), "kecamatan" | "desa") {
        errors.add("kind", "unknown_value", "kind is kecamatan or desa");
    }
    let code = errors.take(crate::domain::complaint::parse_reference_code(&body.code));
    let name = errors.take(required_text("name", &body.name));
    errors.finish()?;
    let new = services::reference::NewRegion {
        kind: body.kind,
        code: code.unwrap_or_default(),
        name: name.unwrap_or_default(),
        parent_id: body.parent_id,
    };
    let mut conn = state.conn().await?;
    let row = services::reference::add_region(&mut conn, &user, new).await?;
    Ok(HttpResponse::build(StatusCode::CREATED).json(RegionView::from(row)))
}

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
pub struct CreateHolidayRequest {
    #[schema(example = "2026-06-21")]
    pub date: NaiveDate,
    /// `national`, `cuti_bersama` or `local` (default `local`).
    pub kind: Option<String>,
    #[validate(length(min = 1, max = 200))]
    #[schema(min_length = 1, max_length = 200, example = "Hari Jadi Kabupaten Sekadau")]
    pub name: String,
    #[validate(length(min = 1, max = 500))]
    #[schema(min_length = 1, max_length = 500)]
    pub source: Option<String>,
}

/// List the holidays of your Pemda for a year.
///
/// Any signed-in user; the calendar is the one of the caller's Pemda.
#[utoipa::path(tag = "reference", params(HolidayQuery), security(("bearer" = [])), responses((status = 200, description = "Holidays by date", body = Vec<HolidayView>)))]
#[get("/holidays")]
pub async fn list_holidays(
    state: web::Data<AppState>,
    user: AuthUser,
    query: web::Query<HolidayQuery>,
) -> Result<HttpResponse, ApiError> {
    let year = query.year.unwrap_or_else(|| state.clock.now().with_timezone(&state.settings.timezone).year());
    let (Some(from), Some(to)) = (NaiveDate::from_ymd_opt(year, 1, 1), NaiveDate::from_ymd_opt(year, 12, 31)) else {
        return Err(ApiError::invalid_field("year", "out_of_range", "not a calendar year"));
    };
    let mut conn = state.conn().await?;
    let pemda = services::access::home_pemda(&user)?;
    let rows = db::reference::holidays(&mut conn, pemda.0, from, to).await?;
    Ok(HttpResponse::Ok().json(rows.into_iter().map(HolidayView::from).collect::<Vec<_>>()))
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
    body: web::Json<CreateHolidayRequest>,
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

/// One version of a deadline policy, in working days.
#[derive(Debug, Serialize, ToSchema)]
pub struct DeadlinePolicyView {
    pub id: Uuid,
    pub classification: Classification,
    /// For `pengaduan`: about misconduct of officials.
    pub supervision: bool,
    #[schema(example = 3)]
    pub verify_days: i32,
    #[schema(example = 5)]
    pub first_response_days: i32,
    #[schema(example = 14)]
    pub resolve_days: i32,
    #[schema(example = 10)]
    pub reporter_window_days: i32,
    /// The rule it comes from.
    pub regulation: String,
    pub valid_from: NaiveDate,
    /// Last day it applies; absent while open-ended.
    pub valid_to: Option<NaiveDate>,
    pub created_at: DateTime<Utc>,
}

impl TryFrom<PolicyRow> for DeadlinePolicyView {
    type Error = ApiError;

    fn try_from(row: PolicyRow) -> Result<Self, ApiError> {
        Ok(Self {
            id: row.id,
            classification: row.classification.parse()?,
            supervision: row.supervision,
            verify_days: row.verify_days,
            first_response_days: row.first_response_days,
            resolve_days: row.resolve_days,
            reporter_window_days: row.reporter_window_days,
            regulation: row.regulation,
            valid_from: row.valid_from,
            valid_to: row.valid_to,
            created_at: row.created_at,
        })
    }
}

/// A new policy version.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateDeadlinePolicyRequest {
    pub classification: Classification,
    /// Only with `pengaduan` (default false).
    pub supervision: Option<bool>,
    #[schema(minimum = 0, maximum = 365)]
    pub verify_days: u32,
    #[schema(minimum = 0, maximum = 365)]
    pub first_response_days: u32,
    #[schema(minimum = 1, maximum = 365)]
    pub resolve_days: u32,
    #[schema(minimum = 1, maximum = 365)]
    pub reporter_window_days: u32,
    /// The regulation or SOP it comes from.
    #[validate(length(min = 1, max = 500))]
    #[schema(min_length = 1, max_length = 500, example = "Perbup Sekadau 12/2026 tentang SOP Pengaduan")]
    pub regulation: String,
    pub valid_from: NaiveDate,
    pub valid_to: Option<NaiveDate>,
}

/// List every deadline-policy version of your Pemda.
///
/// Any signed-in user.
#[utoipa::path(tag = "reference", security(("bearer" = [])), responses((status = 200, description = "Policy versions", body = Vec<DeadlinePolicyView>)))]
#[get("/deadline-policies")]
pub async fn list_deadline_policies(state: web::Data<AppState>, user: AuthUser) -> Result<HttpResponse, ApiError> {
    let mut conn = state.conn().await?;
    let pemda = services::access::home_pemda(&user)?;
    let rows = db::reference::policies(&mut conn, pemda.0).await?;
    let views: Vec<DeadlinePolicyView> =
        rows.into_iter().map(DeadlinePolicyView::try_from).collect::<Result<_, _>>()?;
    Ok(HttpResponse::Ok().json(views))
}

/// Add a deadline-policy version for your Pemda.
///
/// `admin` and `super_admin`; others get 403. An open-ended version that started earlier is ended the day before the
/// new one starts; any other overlap is 409 `policy_overlap`. Complaints already received keep their deadlines.
#[utoipa::path(
    tag = "reference",
    request_body = CreateDeadlinePolicyRequest,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Added", body = DeadlinePolicyView),
        (status = 403, description = "Not an admin", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Overlaps another version", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/deadline-policies")]
pub async fn create_deadline_policy(
    state: web::Data<AppState>,
    user: AuthUser,
    body: web::Json<CreateDeadlinePolicyRequest>,
) -> Result<HttpResponse, ApiError> {
    guards::require(user.role, Action::ManageReferenceData)?;
    let body = body.into_inner();
    let mut errors = FieldErrors::check(&body);
    let supervision = body.supervision.unwrap_or(false);
    let policy = DeadlinePolicy {
        verify_days: body.verify_days,
        first_response_days: body.first_response_days,
        resolve_days: body.resolve_days,
        reporter_window_days: body.reporter_window_days,
    };
    errors.take(policy.check());
    errors.take(crate::domain::complaint::check_supervision(body.classification, supervision));
    if body.valid_to.is_some_and(|to| to < body.valid_from) {
        errors.take::<()>(Err(DomainError::invalid(
            "valid_to",
            "before_start",
            "valid_to cannot be before valid_from",
        )));
    }
    let regulation = errors.take(required_text("regulation", &body.regulation));
    errors.finish()?;
    let new = NewPolicy {
        classification: body.classification,
        supervision,
        policy,
        regulation: regulation.unwrap_or_default(),
        valid_from: body.valid_from,
        valid_to: body.valid_to,
    };
    let mut conn = state.conn().await?;
    let row = services::reference::add_policy(&mut conn, &user, new).await?;
    Ok(HttpResponse::build(StatusCode::CREATED).json(DeadlinePolicyView::try_from(row)?))
}

//! Categories and regions: public lists for intake forms, and the admin's additions and edits.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, get, patch, post, web};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;
use validator::Validate;

use crate::api::extract::{Json, Query};
use crate::api::validation::{FieldErrors, required_text};
use crate::auth::AuthUser;
use crate::auth::guards::{self, Action};
use crate::db;
use crate::db::reference::{CategoryRow, RegionRow};
use crate::error::{ApiError, Problem};
use crate::services;
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
pub async fn list_categories(state: web::Data<AppState>, query: Query<PemdaQuery>) -> Result<HttpResponse, ApiError> {
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
pub async fn list_regions(state: web::Data<AppState>, query: Query<PemdaQuery>) -> Result<HttpResponse, ApiError> {
    let mut conn = state.conn().await?;
    let pemda = services::complaints::receiving_pemda(&mut conn, query.pemda_code.as_deref()).await?;
    let rows = db::reference::regions(&mut conn, pemda.id).await?;
    Ok(HttpResponse::Ok().json(rows.into_iter().map(RegionView::from).collect::<Vec<_>>()))
}

/// A category to add.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"code": "air-bersih", "name": "Air Bersih", "parent_id": "01938a6e-7c1d-7b3e-9f2a-5d4c3b2a1f40"}))]
pub struct CreateCategoryRequest {
    /// 1 to 40 of a-z, 0-9, `-`, `_` (stored lower case), unique in the Pemda.
    #[schema(example = "air-bersih")]
    #[validate(custom(function = "crate::api::validation::single_line"))]
    pub code: String,
    #[validate(length(min = 1, max = 120), custom(function = "crate::api::validation::single_line"))]
    #[schema(min_length = 1, max_length = 120, example = "Air Bersih")]
    pub name: String,
    /// The broader category.
    pub parent_id: Option<Uuid>,
}

/// Changes to a category.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"name": "Air Bersih dan Sanitasi", "active": true}))]
pub struct UpdateCategoryRequest {
    #[validate(length(min = 1, max = 120), custom(function = "crate::api::validation::single_line"))]
    #[schema(min_length = 1, max_length = 120)]
    pub name: Option<String>,
    /// A deactivated category is refused for new reports and stays on old ones.
    pub active: Option<bool>,
}

/// A region to add.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"kind": "desa", "code": "mungguk", "name": "Mungguk", "parent_id": "01938a6e-7c1d-7b3e-9f2a-5d4c3b2a1f40"}))]
pub struct CreateRegionRequest {
    /// `kecamatan` or `desa`.
    #[schema(example = "desa")]
    pub kind: String,
    /// 1 to 40 of a-z, 0-9, `-`, `_` (stored lower case), unique in the Pemda.
    #[schema(example = "mungguk")]
    #[validate(custom(function = "crate::api::validation::single_line"))]
    pub code: String,
    #[validate(length(min = 1, max = 120), custom(function = "crate::api::validation::single_line"))]
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
    body: Json<CreateCategoryRequest>,
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
    body: Json<UpdateCategoryRequest>,
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
    body: Json<CreateRegionRequest>,
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

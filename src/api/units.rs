//! Organisation units: list, read, create, edit.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, get, patch, post, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;
use validator::Validate;

use super::etag::{self, IfMatch};
use super::pagination::{Page, PageRequest};
use super::validation::{FieldErrors, nullable, required_text};
use crate::api::extract::{Json, Query};
use crate::auth::AuthUser;
use crate::auth::guards::{self, Action};
use crate::db;
use crate::db::Keyset;
use crate::db::units::{UnitFilter, UnitRow};
use crate::domain::ids::UnitId;
use crate::domain::unit::{NewUnit, UnitCode, UnitKind, UnitPatch};
use crate::error::{ApiError, Problem};
use crate::services;
use crate::state::AppState;

/// An organisation unit.
#[derive(Debug, Serialize, ToSchema)]
pub struct UnitView {
    /// Identifier.
    pub id: Uuid,
    /// What kind of body it is.
    pub kind: UnitKind,
    /// Unique short code, upper case.
    #[schema(example = "SKD-DISKOMINFO")]
    pub code: String,
    /// Full name.
    #[schema(example = "Dinas Komunikasi dan Informatika")]
    pub name: String,
    /// Usual short name.
    #[schema(example = "Diskominfo")]
    pub short_name: Option<String>,
    /// The unit it belongs to; absent for a Pemda at the top.
    pub parent_id: Option<Uuid>,
    /// Whether it is in use.
    pub active: bool,
    /// Whether it is the Inspektorat (APIP), which receives supervision complaints.
    pub inspectorate: bool,
    /// Row version: the ETag, for `If-Match`.
    pub version: i32,
    /// When it was created.
    #[serde(serialize_with = "crate::api::json_time::instant")]
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    #[serde(serialize_with = "crate::api::json_time::instant")]
    pub updated_at: DateTime<Utc>,
}

impl TryFrom<UnitRow> for UnitView {
    type Error = ApiError;

    fn try_from(row: UnitRow) -> Result<Self, ApiError> {
        Ok(Self {
            id: row.id,
            kind: row.kind.parse()?,
            code: row.code,
            name: row.name,
            short_name: row.short_name,
            parent_id: row.parent_id,
            active: row.active,
            inspectorate: row.inspectorate,
            version: row.version,
            created_at: row.created_at,
            updated_at: row.updated_at,
        })
    }
}

/// Filters of the unit list.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct UnitListQuery {
    /// Only units of this kind.
    pub kind: Option<UnitKind>,
    /// Only the direct children of this unit.
    pub parent_id: Option<Uuid>,
    /// Only active (`true`) or inactive (`false`) units.
    pub active: Option<bool>,
    /// Rows per page, 1 to 100 (default 20).
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<u32>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// A unit to create.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"kind": "opd", "code": "SKD-DISPERKIM", "name": "Dinas Perumahan dan Kawasan Permukiman", "short_name": "Disperkim", "parent_id": "01938a6e-7c1d-7b3e-9f2a-5d4c3b2a1f00"}))]
pub struct CreateUnitRequest {
    /// What kind of body it is.
    pub kind: UnitKind,
    /// Unique code: 2 to 32 letters, digits, `-` or `_` (stored upper case).
    #[validate(length(min = 2, max = 32))]
    #[schema(
        min_length = 2,
        max_length = 32,
        pattern = "^[A-Za-z0-9][A-Za-z0-9_-]{1,31}$",
        example = "SKD-DISKOMINFO"
    )]
    #[validate(custom(function = "crate::api::validation::single_line"))]
    pub code: String,
    /// Full name.
    #[validate(length(min = 1, max = 200), custom(function = "crate::api::validation::single_line"))]
    #[schema(min_length = 1, max_length = 200, example = "Dinas Komunikasi dan Informatika")]
    pub name: String,
    /// Usual short name.
    #[validate(length(min = 1, max = 60), custom(function = "crate::api::validation::single_line"))]
    #[schema(min_length = 1, max_length = 60, example = "Diskominfo")]
    pub short_name: Option<String>,
    /// The unit it belongs to; required except for a Pemda at the top (super admins only).
    pub parent_id: Option<Uuid>,
    /// Whether it is in use (default true).
    pub active: Option<bool>,
    /// Whether it is the Inspektorat, which receives supervision complaints (default false).
    pub inspectorate: Option<bool>,
}

impl TryFrom<CreateUnitRequest> for NewUnit {
    type Error = ApiError;

    fn try_from(dto: CreateUnitRequest) -> Result<Self, ApiError> {
        let mut errors = FieldErrors::check(&dto);
        let code = errors.take(UnitCode::parse(&dto.code));
        let name = errors.take(required_text("name", &dto.name));
        let short_name = dto.short_name.as_deref().map(|s| errors.take(required_text("short_name", s)));
        errors.finish()?;
        Ok(NewUnit {
            kind: dto.kind,
            code: code.ok_or_else(|| ApiError::invalid_field("code", "invalid_code", "invalid code"))?,
            name: name.unwrap_or_default(),
            short_name: short_name.flatten(),
            parent_id: dto.parent_id.map(UnitId),
            active: dto.active.unwrap_or(true),
            inspectorate: dto.inspectorate.unwrap_or(false),
        })
    }
}

/// Changes to a unit. Absent fields stay as they are; `null` clears an optional field.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"short_name": "Disperkim", "active": true}))]
pub struct UpdateUnitRequest {
    /// New full name.
    #[validate(length(min = 1, max = 200), custom(function = "crate::api::validation::single_line"))]
    #[schema(min_length = 1, max_length = 200)]
    pub name: Option<String>,
    /// New short name; `null` clears it.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>, min_length = 1, max_length = 60)]
    #[validate(custom(function = "crate::api::validation::single_line"))]
    pub short_name: Option<Option<String>>,
    /// Move below another unit.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<Uuid>)]
    pub parent_id: Option<Option<Uuid>>,
    /// Activate or deactivate.
    pub active: Option<bool>,
    /// Mark or unmark as the Inspektorat.
    pub inspectorate: Option<bool>,
}

impl TryFrom<UpdateUnitRequest> for UnitPatch {
    type Error = ApiError;

    fn try_from(dto: UpdateUnitRequest) -> Result<Self, ApiError> {
        let mut errors = FieldErrors::check(&dto);
        let name = dto.name.as_deref().map(|name| errors.take(required_text("name", name)));
        let short_name = match &dto.short_name {
            Some(Some(short)) if short.chars().count() > 60 => {
                errors.add("short_name", "length", "a short name has at most 60 characters");
                None
            }
            Some(Some(short)) => Some(errors.take(required_text("short_name", short))),
            Some(None) => Some(None),
            None => None,
        };
        errors.finish()?;
        Ok(UnitPatch {
            name: name.flatten(),
            short_name,
            parent_id: dto.parent_id.map(|parent| parent.map(UnitId)),
            active: dto.active,
            inspectorate: dto.inspectorate,
        })
    }
}

fn unit_response(status: actix_web::http::StatusCode, row: UnitRow) -> Result<HttpResponse, ApiError> {
    let view = UnitView::try_from(row)?;
    Ok(HttpResponse::build(status).insert_header((header::ETAG, etag::format(view.version))).json(view))
}

/// List organisation units.
///
/// Any signed-in user: the organisation tree is public knowledge. Super admins see every Pemda; everyone else sees
/// the units of their own Pemda.
#[utoipa::path(
    tag = "units",
    params(UnitListQuery),
    security(("bearer" = [])),
    responses((status = 200, description = "A page of units", body = Page<UnitView>, headers(("Link" = String, description = "RFC 8288 link to the next page"))))
)]
#[get("/units")]
pub async fn list_units(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: AuthUser,
    query: Query<UnitListQuery>,
) -> Result<HttpResponse, ApiError> {
    guards::require(user.role, Action::ReadUnits)?;
    let page = PageRequest::parse(query.limit, query.cursor.as_deref())?;
    let mut conn = state.conn().await?;
    let reach = services::access::pemda_of(&user);
    let visible = services::access::units_within(&mut conn, &reach).await?;
    let filter = UnitFilter {
        within: visible,
        kind: query.kind.map(|kind| kind.as_str().to_owned()),
        parent_id: query.parent_id,
        active: query.active,
    };
    let rows = db::units::list(&mut conn, &filter, page.after, page.fetch_limit()).await?;
    let views: Vec<(Keyset, UnitView)> = rows
        .into_iter()
        .map(|row| Ok((Keyset { at: row.created_at, id: row.id }, UnitView::try_from(row)?)))
        .collect::<Result<_, ApiError>>()?;
    Ok(page.respond(&req, views, |(position, _)| *position, |(_, view)| view))
}

/// Read one organisation unit.
///
/// Any signed-in user, for units of their own Pemda (super admins: any). Returns an `ETag` for `If-Match`.
#[utoipa::path(
    tag = "units",
    params(("id" = Uuid, Path, description = "Unit id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The unit", body = UnitView, headers(("ETag" = String, description = "Row version"))),
        (status = 404, description = "No such unit in your Pemda", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/units/{id}")]
pub async fn get_unit(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    guards::require(user.role, Action::ReadUnits)?;
    let mut conn = state.conn().await?;
    let row = db::units::find(&mut conn, *id).await?.ok_or_else(|| ApiError::not_found("the unit"))?;
    let reach = services::access::pemda_of(&user);
    if !services::access::covers(&mut conn, &reach, row.id).await? {
        return Err(ApiError::not_found("the unit"));
    }
    unit_response(actix_web::http::StatusCode::OK, row)
}

/// Create an organisation unit.
///
/// `super_admin` anywhere (including a new Pemda at the top); `admin` below a unit of their own Pemda. Everyone else
/// gets 403. A duplicate code is 409 `code_taken`; a kind that cannot hang below the parent is 422.
#[utoipa::path(
    tag = "units",
    request_body = CreateUnitRequest,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Created", body = UnitView, headers(("ETag" = String), ("Location" = String))),
        (status = 403, description = "Not an admin, or the parent is outside your Pemda", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The code is taken", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/units")]
pub async fn create_unit(
    state: web::Data<AppState>,
    user: AuthUser,
    body: Json<CreateUnitRequest>,
) -> Result<HttpResponse, ApiError> {
    guards::require(user.role, Action::ManageUnits)?;
    let unit = NewUnit::try_from(body.into_inner())?;
    let mut conn = state.conn().await?;
    let row = services::units::create_unit(&mut conn, &user, unit).await?;
    let location = format!("/api/v1/units/{}", row.id);
    let mut response = unit_response(actix_web::http::StatusCode::CREATED, row)?;
    response
        .headers_mut()
        .insert(header::LOCATION, header::HeaderValue::from_str(&location).map_err(anyhow::Error::new)?);
    Ok(response)
}

/// Edit an organisation unit.
///
/// `super_admin` anywhere; `admin` within their own Pemda (they cannot move the Pemda itself). Send the `ETag` you
/// read as `If-Match`: a stale one is 412. Moving a unit below itself or one of its descendants is 422.
#[utoipa::path(
    tag = "units",
    params(("id" = Uuid, Path, description = "Unit id"), ("If-Match" = Option<String>, Header, description = "ETag from the last read")),
    request_body = UpdateUnitRequest,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Updated", body = UnitView, headers(("ETag" = String))),
        (status = 403, description = "Not an admin, or outside your Pemda", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such unit", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "The unit changed since you read it", body = Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/units/{id}")]
pub async fn update_unit(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<Uuid>,
    if_match: IfMatch,
    body: Json<UpdateUnitRequest>,
) -> Result<HttpResponse, ApiError> {
    guards::require(user.role, Action::ManageUnits)?;
    let patch = UnitPatch::try_from(body.into_inner())?;
    let mut conn = state.conn().await?;
    let row = services::units::update_unit(&mut conn, &state.sessions, &user, UnitId(*id), patch, if_match.0).await?;
    unit_response(actix_web::http::StatusCode::OK, row)
}

//! Staff accounts: list, read, create, edit. Admins only, within their own Pemda.

use actix_web::http::{StatusCode, header};
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
use crate::db::users::{UserFilter, UserRow};
use crate::domain::ids::{UnitId, UserId};
use crate::domain::role::Role;
use crate::domain::user::{Email, NewPassword, NewUser, UserPatch, parse_nip, parse_phone};
use crate::error::{ApiError, Problem};
use crate::services;
use crate::state::AppState;

/// A staff account. The password hash never leaves the server.
#[derive(Debug, Serialize, ToSchema)]
pub struct UserView {
    /// Identifier.
    pub id: Uuid,
    /// Sign-in address, lower case.
    #[schema(example = "operator.pupr@sekadaukab.go.id")]
    pub email: String,
    /// Full name.
    pub name: String,
    /// Civil-servant number (18 digits).
    pub nip: Option<String>,
    /// Phone number.
    pub phone: Option<String>,
    /// The unit the account belongs to.
    pub unit_id: Uuid,
    /// What the account may do.
    pub role: Role,
    /// Whether the account may sign in.
    pub active: bool,
    /// Row version: the ETag, for `If-Match`.
    pub version: i32,
    /// When it was created.
    #[serde(serialize_with = "crate::api::json_time::instant")]
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    #[serde(serialize_with = "crate::api::json_time::instant")]
    pub updated_at: DateTime<Utc>,
}

impl TryFrom<UserRow> for UserView {
    type Error = ApiError;

    fn try_from(row: UserRow) -> Result<Self, ApiError> {
        Ok(Self {
            id: row.id,
            email: row.email,
            name: row.name,
            nip: row.nip,
            phone: row.phone,
            unit_id: row.unit_id,
            role: row.role.parse().map_err(|err| ApiError::Internal(anyhow::Error::new(err)))?,
            active: row.active,
            version: row.version,
            created_at: row.created_at,
            updated_at: row.updated_at,
        })
    }
}

/// Filters of the user list.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct UserListQuery {
    /// Only accounts of this unit.
    pub unit_id: Option<Uuid>,
    /// Only accounts with this role.
    pub role: Option<Role>,
    /// Only active (`true`) or deactivated (`false`) accounts.
    pub active: Option<bool>,
    /// Rows per page, 1 to 100 (default 20).
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<u32>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// An account to create.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"email": "operator.pupr@sekadaukab.go.id", "name": "Budi Santoso", "unit_id": "01938a6e-7c1d-7b3e-9f2a-5d4c3b2a1f00", "role": "opd_operator", "password": "sandi awal yang panjang", "nip": "198001012005011001", "phone": "+6281234567890"}))]
pub struct CreateUserRequest {
    /// Sign-in address, unique regardless of case.
    #[validate(length(min = 3, max = 254), custom(function = "crate::api::validation::single_line"))]
    #[schema(min_length = 3, max_length = 254, example = "operator.pupr@sekadaukab.go.id")]
    pub email: String,
    /// Full name.
    #[validate(length(min = 1, max = 200), custom(function = "crate::api::validation::single_line"))]
    #[schema(min_length = 1, max_length = 200)]
    pub name: String,
    /// Civil-servant number: 18 digits.
    #[schema(pattern = "^[0-9]{18}$", example = "198001012005011001")]
    #[validate(custom(function = "crate::api::validation::single_line"))]
    pub nip: Option<String>,
    /// Phone: 8 to 15 digits, optionally after `+`.
    #[schema(example = "+6281234567890")]
    #[validate(custom(function = "crate::api::validation::single_line"))]
    pub phone: Option<String>,
    /// The unit the account belongs to; OPD roles need an OPD or sub-unit.
    pub unit_id: Uuid,
    /// What the account may do. Admins cannot give `super_admin`.
    pub role: Role,
    /// First password: 10 to 128 characters.
    #[schema(min_length = 10, max_length = 128, format = Password)]
    pub password: String,
    /// Whether the account may sign in (default true).
    pub active: Option<bool>,
}

impl TryFrom<CreateUserRequest> for NewUser {
    type Error = ApiError;

    fn try_from(dto: CreateUserRequest) -> Result<Self, ApiError> {
        let mut errors = FieldErrors::check(&dto);
        let email = errors.take(Email::parse(&dto.email));
        let name = errors.take(required_text("name", &dto.name));
        let nip = dto.nip.as_deref().map(|nip| errors.take(parse_nip(nip)));
        let phone = dto.phone.as_deref().map(|phone| errors.take(parse_phone(phone)));
        let password = errors.take(NewPassword::parse(&dto.password, "password"));
        errors.finish()?;
        let missing = || ApiError::Internal(anyhow::anyhow!("a parsed field went missing"));
        Ok(NewUser {
            email: email.ok_or_else(missing)?,
            name: name.ok_or_else(missing)?,
            nip: nip.flatten(),
            phone: phone.flatten(),
            unit_id: UnitId(dto.unit_id),
            role: dto.role,
            password: password.ok_or_else(missing)?,
            active: dto.active.unwrap_or(true),
        })
    }
}

/// Changes to an account. Absent fields stay as they are; `null` clears an optional field. Passwords change through
/// `PUT /api/v1/me/password` (the owner) or `pengaduan user set-password` (the operator).
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"role": "opd_official", "active": true}))]
pub struct UpdateUserRequest {
    /// New full name.
    #[validate(length(min = 1, max = 200), custom(function = "crate::api::validation::single_line"))]
    #[schema(min_length = 1, max_length = 200)]
    pub name: Option<String>,
    /// New NIP; `null` clears it.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>, pattern = "^[0-9]{18}$")]
    #[validate(custom(function = "crate::api::validation::single_line"))]
    pub nip: Option<Option<String>>,
    /// New phone; `null` clears it.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    #[validate(custom(function = "crate::api::validation::single_line"))]
    pub phone: Option<Option<String>>,
    /// Move the account to another unit of your Pemda.
    pub unit_id: Option<Uuid>,
    /// Another role (not `super_admin`, unless you are one; never your own).
    pub role: Option<Role>,
    /// Activate or deactivate (not yourself). A deactivated account is refused at once, even with a valid token.
    pub active: Option<bool>,
}

impl TryFrom<UpdateUserRequest> for UserPatch {
    type Error = ApiError;

    fn try_from(dto: UpdateUserRequest) -> Result<Self, ApiError> {
        let mut errors = FieldErrors::check(&dto);
        let name = dto.name.as_deref().map(|name| errors.take(required_text("name", name)));
        let nip = dto
            .nip
            .as_ref()
            .map(|nip| nip.as_deref().map(|nip| errors.take(parse_nip(nip))).map_or(Some(None), |n| n.map(Some)));
        let phone = dto
            .phone
            .as_ref()
            .map(|phone| phone.as_deref().map(|p| errors.take(parse_phone(p))).map_or(Some(None), |p| p.map(Some)));
        errors.finish()?;
        Ok(UserPatch {
            name: name.flatten(),
            nip: nip.flatten(),
            phone: phone.flatten(),
            unit_id: dto.unit_id.map(UnitId),
            role: dto.role,
            active: dto.active,
        })
    }
}

fn user_response(status: StatusCode, row: UserRow) -> Result<HttpResponse, ApiError> {
    let view = UserView::try_from(row)?;
    Ok(HttpResponse::build(status).insert_header((header::ETAG, etag::format(view.version))).json(view))
}

/// List staff accounts.
///
/// `super_admin`: every account; `admin`: the accounts of their own Pemda. Every other role gets 403 (use
/// `GET /api/v1/me` for your own account).
#[utoipa::path(
    tag = "users",
    params(UserListQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "A page of accounts", body = Page<UserView>, headers(("Link" = String, description = "RFC 8288 link to the next page"))),
        (status = 403, description = "Not an admin", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/users")]
pub async fn list_users(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: AuthUser,
    query: Query<UserListQuery>,
) -> Result<HttpResponse, ApiError> {
    guards::require(user.role, Action::ReadUsers)?;
    let page = PageRequest::parse(query.limit, query.cursor.as_deref())?;
    let mut conn = state.conn().await?;
    let reach = services::access::reach_of(&user);
    let filter = UserFilter {
        units: services::access::units_within(&mut conn, &reach).await?,
        unit_id: query.unit_id,
        role: query.role.map(|role| role.as_str().to_owned()),
        active: query.active,
    };
    let rows = db::users::list(&mut conn, &filter, page.after, page.fetch_limit()).await?;
    let views: Vec<(Keyset, UserView)> = rows
        .into_iter()
        .map(|row| Ok((Keyset { at: row.created_at, id: row.id }, UserView::try_from(row)?)))
        .collect::<Result<_, ApiError>>()?;
    Ok(page.respond(&req, views, |(position, _)| *position, |(_, view)| view))
}

/// Read one staff account.
///
/// `super_admin`: any; `admin`: accounts of their own Pemda (others are 404). Every other role gets 403.
#[utoipa::path(
    tag = "users",
    params(("id" = Uuid, Path, description = "User id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The account", body = UserView, headers(("ETag" = String))),
        (status = 403, description = "Not an admin", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such account in your Pemda", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/users/{id}")]
pub async fn get_user(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let mut conn = state.conn().await?;
    let row = services::users::get_user(&mut conn, &user, UserId(*id)).await?;
    user_response(StatusCode::OK, row)
}

/// Create a staff account.
///
/// `super_admin`: any role anywhere; `admin`: any role but `super_admin`, in a unit of their own Pemda. Every other role
/// gets 403. A used e-mail is 409 `email_taken`; an OPD role on a Pemda-level unit is 422.
#[utoipa::path(
    tag = "users",
    request_body = CreateUserRequest,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Created", body = UserView, headers(("ETag" = String), ("Location" = String))),
        (status = 403, description = "Not an admin, a role above yours, or a unit outside your Pemda", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The e-mail address is taken", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/users")]
pub async fn create_user(
    state: web::Data<AppState>,
    user: AuthUser,
    body: Json<CreateUserRequest>,
) -> Result<HttpResponse, ApiError> {
    guards::require(user.role, Action::ManageUsers)?;
    let new_user = NewUser::try_from(body.into_inner())?;
    let mut conn = state.conn().await?;
    let row = services::users::create_user(&mut conn, Some(&user), new_user).await?;
    let location = format!("/api/v1/users/{}", row.id);
    let mut response = user_response(StatusCode::CREATED, row)?;
    response
        .headers_mut()
        .insert(header::LOCATION, header::HeaderValue::from_str(&location).map_err(anyhow::Error::new)?);
    Ok(response)
}

/// Edit a staff account.
///
/// `super_admin`: anyone; `admin`: accounts of their own Pemda that are not super admins, and never to `super_admin`.
/// Nobody changes their own role or deactivates themselves (403 `self_lockout`). Send the `ETag` as `If-Match`; a stale
/// one is 412.
#[utoipa::path(
    tag = "users",
    params(("id" = Uuid, Path, description = "User id"), ("If-Match" = Option<String>, Header, description = "ETag from the last read")),
    request_body = UpdateUserRequest,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Updated", body = UserView, headers(("ETag" = String))),
        (status = 403, description = "Not allowed for this account or role", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such account in your Pemda", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "The account changed since you read it", body = Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/users/{id}")]
pub async fn update_user(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<Uuid>,
    if_match: IfMatch,
    body: Json<UpdateUserRequest>,
) -> Result<HttpResponse, ApiError> {
    guards::require(user.role, Action::ManageUsers)?;
    let patch = UserPatch::try_from(body.into_inner())?;
    let mut conn = state.conn().await?;
    let row = services::users::update_user(&mut conn, &state.sessions, &user, UserId(*id), patch, if_match.0).await?;
    user_response(StatusCode::OK, row)
}

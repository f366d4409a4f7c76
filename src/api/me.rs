//! The signed-in user's own account.

use actix_web::{HttpResponse, get, put, web};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

use super::units::UnitView;
use super::users::UserView;
use super::validation::FieldErrors;
use crate::api::extract::Json;
use crate::auth::AuthUser;
use crate::db;
use crate::domain::mail::MailMode;
use crate::domain::user::NewPassword;
use crate::error::{ApiError, Problem};
use crate::services;
use crate::state::AppState;

/// The signed-in user, with their unit.
#[derive(Debug, Serialize, ToSchema)]
pub struct MeView {
    /// The account.
    pub user: UserView,
    /// The unit it belongs to.
    pub unit: UnitView,
}

/// A password change.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"current_password": "a long passphrase", "new_password": "another long passphrase"}))]
pub struct ChangePasswordRequest {
    /// The password in use now.
    #[validate(length(min = 1, max = 128))]
    #[schema(min_length = 1, max_length = 128, format = Password)]
    pub current_password: String,
    /// The new password: 10 to 128 characters.
    #[schema(min_length = 10, max_length = 128, format = Password)]
    pub new_password: String,
}

/// Read your own account.
///
/// Any signed-in user.
#[utoipa::path(tag = "me", security(("bearer" = [])), responses((status = 200, description = "Your account and unit", body = MeView)))]
#[get("/me")]
pub async fn get_me(state: web::Data<AppState>, user: AuthUser) -> Result<HttpResponse, ApiError> {
    let mut conn = state.conn().await?;
    let row = db::users::find(&mut conn, user.id.0).await?.ok_or_else(|| ApiError::not_found("the user"))?;
    let unit = db::units::find(&mut conn, row.unit_id).await?.ok_or_else(|| ApiError::not_found("the unit"))?;
    Ok(HttpResponse::Ok().json(MeView { user: UserView::try_from(row)?, unit: UnitView::try_from(unit)? }))
}

/// Change your own password.
///
/// Any signed-in user, who must give the current password (422 `wrong_password` otherwise). Every other session of
/// the account ends; this one stays signed in.
#[utoipa::path(
    tag = "me",
    request_body = ChangePasswordRequest,
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Changed"),
        (status = 422, description = "Wrong current password or a weak new one", body = Problem, content_type = "application/problem+json"),
    )
)]
#[put("/me/password")]
pub async fn change_my_password(
    state: web::Data<AppState>,
    user: AuthUser,
    body: Json<ChangePasswordRequest>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let mut errors = FieldErrors::check(&body);
    let new_password = errors.take(NewPassword::parse(&body.new_password, "new_password"));
    errors.finish()?;
    let new_password =
        new_password.ok_or_else(|| ApiError::invalid_field("new_password", "invalid", "invalid password"))?;
    let mut conn = state.conn().await?;
    services::auth::change_password(&mut conn, &state.sessions, &user, body.current_password, new_password).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// How your notifications reach your e-mail.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"mode": "daily"}))]
pub struct EmailNotifications {
    /// `immediate` (one e-mail per notification; the default), `daily` (one digest a day at 07:00 local time, of
    /// the notifications since the last) or `off`.
    pub mode: MailMode,
}

/// Read how your notifications reach your e-mail.
///
/// Any signed-in user.
#[utoipa::path(
    tag = "me",
    security(("bearer" = [])),
    responses((status = 200, description = "Your choice", body = EmailNotifications))
)]
#[get("/me/email-notifications")]
pub async fn get_my_email_notifications(state: web::Data<AppState>, user: AuthUser) -> Result<HttpResponse, ApiError> {
    let mode = services::mail::mode_of(&state, user.id.0).await?;
    Ok(HttpResponse::Ok().json(EmailNotifications { mode }))
}

/// Choose how your notifications reach your e-mail.
///
/// Any signed-in user, for their own account. Notifications stay in the application whatever the choice.
#[utoipa::path(
    tag = "me",
    request_body = EmailNotifications,
    security(("bearer" = [])),
    responses((status = 200, description = "Saved", body = EmailNotifications))
)]
#[put("/me/email-notifications")]
pub async fn set_my_email_notifications(
    state: web::Data<AppState>,
    user: AuthUser,
    body: Json<EmailNotifications>,
) -> Result<HttpResponse, ApiError> {
    services::mail::set_mode(&state, user.id.0, body.mode).await?;
    Ok(HttpResponse::Ok().json(EmailNotifications { mode: body.mode }))
}

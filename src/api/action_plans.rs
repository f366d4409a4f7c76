//! Rencana Aksi over HTTP: periods (the matrix), forms (one per period and unit), their rows, submission and frozen
//! versions.

use std::collections::BTreeMap;

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, delete, get, patch, post, put, web};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;
use validator::Validate;

use super::complaints::{AttachmentView, with_etag};
use super::etag::IfMatch;
use super::validation::{FieldErrors, nullable, required_text};
use crate::auth::AuthUser;
use crate::auth::guards::{self, Action};
use crate::db;
use crate::db::action_plans::{LineRow, PeriodChanges, PeriodRow, PlanRow};
use crate::db::attachments::AttachmentRow;
use crate::domain::action_plan::{Matrix, PlanStatus};
use crate::error::{ApiError, Problem};
use crate::services;
use crate::services::action_plans::NewPeriod;
use crate::state::AppState;

/// A Rencana Aksi period and its matrix.
#[derive(Debug, Serialize, ToSchema)]
pub struct PeriodView {
    pub id: Uuid,
    pub pemda_id: Uuid,
    #[schema(example = "Rencana Aksi Pengelolaan Pengaduan 2021-2024")]
    pub name: String,
    pub first_year: i32,
    pub last_year: i32,
    pub legal_basis: Option<String>,
    pub submission_deadline: Option<NaiveDate>,
    pub matrix: Matrix,
    /// Units that fill in a form.
    pub target_unit_ids: Vec<Uuid>,
    /// Units whose reviewers must approve each form.
    pub reviewer_unit_ids: Vec<Uuid>,
    /// Row version: the ETag.
    pub version: i32,
    pub created_at: DateTime<Utc>,
}

async fn period_view(conn: &mut diesel_async::AsyncPgConnection, row: PeriodRow) -> Result<PeriodView, ApiError> {
    let matrix = services::action_plans::matrix_of(&row)?;
    Ok(PeriodView {
        target_unit_ids: db::action_plans::period_units(conn, row.id, "target").await?,
        reviewer_unit_ids: db::action_plans::period_units(conn, row.id, "reviewer").await?,
        id: row.id,
        pemda_id: row.pemda_id,
        name: row.name,
        first_year: row.first_year,
        last_year: row.last_year,
        legal_basis: row.legal_basis,
        submission_deadline: row.submission_deadline,
        matrix,
        version: row.version,
        created_at: row.created_at,
    })
}

/// A period to define.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreatePeriodRequest {
    #[validate(length(min = 1, max = 300))]
    #[schema(min_length = 1, max_length = 300)]
    pub name: String,
    #[schema(minimum = 2000, maximum = 2100)]
    pub first_year: i32,
    /// At most nine years after `first_year`.
    pub last_year: i32,
    #[validate(length(min = 1, max = 2000))]
    #[schema(min_length = 1, max_length = 2000)]
    pub legal_basis: Option<String>,
    pub submission_deadline: Option<NaiveDate>,
    /// Columns (key, label, type, required, repeat) and template rows.
    pub matrix: Matrix,
    /// OPDs of your Pemda that fill in a form.
    #[validate(length(min = 1, max = 100))]
    pub target_unit_ids: Vec<Uuid>,
    /// Units of your Pemda whose reviewers must approve each form.
    #[validate(length(min = 1, max = 20))]
    pub reviewer_unit_ids: Vec<Uuid>,
}

/// Define a Rencana Aksi period for your Pemda.
///
/// `admin` and `super_admin`; others get 403. The matrix is checked (unique keys, labels, template rows that fit).
#[utoipa::path(
    tag = "action plans",
    request_body = CreatePeriodRequest,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Defined", body = PeriodView),
        (status = 403, description = "Not an admin", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/action-plan-periods")]
pub async fn create_action_plan_period(
    state: web::Data<AppState>,
    user: AuthUser,
    body: web::Json<CreatePeriodRequest>,
) -> Result<HttpResponse, ApiError> {
    guards::require(user.role, Action::ManageActionPlanPeriods)?;
    let body = body.into_inner();
    let mut errors = FieldErrors::check(&body);
    let name = errors.take(required_text("name", &body.name));
    errors.finish()?;
    let new = NewPeriod {
        name: name.unwrap_or_default(),
        first_year: body.first_year,
        last_year: body.last_year,
        legal_basis: body.legal_basis,
        submission_deadline: body.submission_deadline,
        matrix: body.matrix,
        targets: body.target_unit_ids,
        reviewers: body.reviewer_unit_ids,
    };
    let mut conn = state.conn().await?;
    let row = services::action_plans::create_period(&mut conn, &user, new).await?;
    Ok(HttpResponse::build(StatusCode::CREATED).json(period_view(&mut conn, row).await?))
}

/// List the Rencana Aksi periods of your Pemda, newest first.
///
/// Any signed-in user (super admins: every Pemda's).
#[utoipa::path(tag = "action plans", security(("bearer" = [])), responses((status = 200, description = "Periods", body = Vec<PeriodView>)))]
#[get("/action-plan-periods")]
pub async fn list_action_plan_periods(state: web::Data<AppState>, user: AuthUser) -> Result<HttpResponse, ApiError> {
    let scope = services::action_plans::period_scope(&user)?;
    let mut conn = state.conn().await?;
    let rows = db::action_plans::periods(&mut conn, scope.as_deref()).await?;
    let mut views = Vec::new();
    for row in rows {
        views.push(period_view(&mut conn, row).await?);
    }
    Ok(HttpResponse::Ok().json(views))
}

/// Read a period with its matrix.
///
/// Any signed-in user of its Pemda; 404 otherwise.
#[utoipa::path(
    tag = "action plans",
    params(("id" = Uuid, Path, description = "Period id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The period", body = PeriodView, headers(("ETag" = String))),
        (status = 404, description = "No such period in your Pemda", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/action-plan-periods/{id}")]
pub async fn get_action_plan_period(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let mut conn = state.conn().await?;
    let row = services::action_plans::readable_period(&mut conn, &user, *id).await?;
    let view = period_view(&mut conn, row).await?;
    Ok(with_etag(StatusCode::OK, view.version, &view))
}

/// Changes to a period.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdatePeriodRequest {
    #[validate(length(min = 1, max = 300))]
    #[schema(min_length = 1, max_length = 300)]
    pub name: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub legal_basis: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<NaiveDate>)]
    pub submission_deadline: Option<Option<NaiveDate>>,
}

/// Rename a period, or change its legal basis or submission deadline.
///
/// `admin` and `super_admin`; others get 403. Send the ETag as `If-Match`; a stale one is 412.
#[utoipa::path(
    tag = "action plans",
    params(("id" = Uuid, Path, description = "Period id"), ("If-Match" = Option<String>, Header, description = "ETag from the last read")),
    request_body = UpdatePeriodRequest,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Updated", body = PeriodView, headers(("ETag" = String))),
        (status = 403, description = "Not an admin", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such period in your Pemda", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "Changed since you read it", body = Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/action-plan-periods/{id}")]
pub async fn update_action_plan_period(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<Uuid>,
    if_match: IfMatch,
    body: web::Json<UpdatePeriodRequest>,
) -> Result<HttpResponse, ApiError> {
    guards::require(user.role, Action::ManageActionPlanPeriods)?;
    let body = body.into_inner();
    let mut errors = FieldErrors::check(&body);
    let name = body.name.as_deref().map(|name| errors.take(required_text("name", name)));
    errors.finish()?;
    let changes = PeriodChanges {
        name: name.flatten(),
        legal_basis: body.legal_basis,
        submission_deadline: body.submission_deadline,
    };
    let mut conn = state.conn().await?;
    let row = services::action_plans::update_period(&mut conn, &user, *id, if_match.0, changes).await?;
    let view = period_view(&mut conn, row).await?;
    Ok(with_etag(StatusCode::OK, view.version, &view))
}

/// A line of a form.
#[derive(Debug, Serialize, ToSchema)]
pub struct ActionPlanRowView {
    pub id: Uuid,
    pub position: i32,
    /// Came from the period's template: cannot be removed, only filled in.
    pub template: bool,
    /// Cells by column key; repeated columns hold `{"2021": …}` or `{"2021-Q1": …}`.
    #[schema(value_type = Object)]
    pub cells: Value,
}

impl From<LineRow> for ActionPlanRowView {
    fn from(row: LineRow) -> Self {
        Self { id: row.id, position: row.position, template: row.template, cells: row.cells }
    }
}

/// A unit's form for a period.
#[derive(Debug, Serialize, ToSchema)]
pub struct ActionPlanView {
    pub id: Uuid,
    pub period_id: Uuid,
    pub unit_id: Uuid,
    pub status: PlanStatus,
    /// The number of the last submitted version (0 before the first submission).
    pub current_version: i32,
    pub submitted_at: Option<DateTime<Utc>>,
    /// Row version: the ETag; every change of the form or its rows moves it.
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// The letter that sent the plan to KemenPAN-RB, once recorded.
    pub letter_number: Option<String>,
    pub letter_date: Option<NaiveDate>,
    pub letter_attachment_id: Option<Uuid>,
    /// The rows, in order (only in single-form reads).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rows: Option<Vec<ActionPlanRowView>>,
}

impl ActionPlanView {
    fn new(row: PlanRow, rows: Option<Vec<LineRow>>) -> Result<Self, ApiError> {
        Ok(Self {
            id: row.id,
            period_id: row.period_id,
            unit_id: row.unit_id,
            status: row.status.parse()?,
            current_version: row.current_version,
            submitted_at: row.submitted_at,
            version: row.version,
            created_at: row.created_at,
            updated_at: row.updated_at,
            letter_number: row.letter_number,
            letter_date: row.letter_date,
            letter_attachment_id: row.letter_attachment_id,
            rows: rows.map(|rows| rows.into_iter().map(ActionPlanRowView::from).collect()),
        })
    }
}

/// Filters of the form list.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ActionPlanListQuery {
    pub period_id: Option<Uuid>,
    pub unit_id: Option<Uuid>,
    pub status: Option<PlanStatus>,
}

/// List Rencana Aksi forms.
///
/// OPD roles: their own unit's; `action_plan_reviewer`: those of periods their unit reviews; `admin`, `leader`,
/// `inspector`: those of their Pemda; `super_admin`: all.
#[utoipa::path(tag = "action plans", params(ActionPlanListQuery), security(("bearer" = [])), responses((status = 200, description = "Forms", body = Vec<ActionPlanView>)))]
#[get("/action-plans")]
pub async fn list_action_plans(
    state: web::Data<AppState>,
    user: AuthUser,
    query: web::Query<ActionPlanListQuery>,
) -> Result<HttpResponse, ApiError> {
    let mut conn = state.conn().await?;
    let (mut periods, mut units) = services::action_plans::form_scope(&mut conn, &user).await?;
    if let Some(period) = query.period_id {
        periods = Some(periods.map_or(vec![period], |p| p.into_iter().filter(|id| *id == period).collect()));
    }
    if let Some(unit) = query.unit_id {
        units = Some(units.map_or(vec![unit], |u| u.into_iter().filter(|id| *id == unit).collect()));
    }
    let rows =
        db::action_plans::plans(&mut conn, periods.as_deref(), units.as_deref(), query.status.map(PlanStatus::as_str))
            .await?;
    let views: Vec<ActionPlanView> =
        rows.into_iter().map(|row| ActionPlanView::new(row, None)).collect::<Result<_, _>>()?;
    Ok(HttpResponse::Ok().json(views))
}

/// Opening a form.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateActionPlanRequest {
    pub period_id: Uuid,
}

/// Open your unit's form for a period, prefilled with the template rows.
///
/// `opd_operator` of a unit the period targets; others get 403. One form per unit and period (409 `form_exists`).
#[utoipa::path(
    tag = "action plans",
    request_body = CreateActionPlanRequest,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Opened", body = ActionPlanView, headers(("ETag" = String))),
        (status = 403, description = "Not the operator of a targeted unit", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The unit already has a form", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/action-plans")]
pub async fn create_action_plan(
    state: web::Data<AppState>,
    user: AuthUser,
    body: web::Json<CreateActionPlanRequest>,
) -> Result<HttpResponse, ApiError> {
    let mut conn = state.conn().await?;
    let plan = services::action_plans::open_form(&mut conn, &user, body.period_id).await?;
    let rows = db::action_plans::lines(&mut conn, plan.id).await?;
    let view = ActionPlanView::new(plan, Some(rows))?;
    Ok(with_etag(StatusCode::CREATED, view.version, &view))
}

/// Read a form with its rows.
///
/// Whoever may list it (see `GET /api/v1/action-plans`); 404 otherwise.
#[utoipa::path(
    tag = "action plans",
    params(("id" = Uuid, Path, description = "Form id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The form", body = ActionPlanView, headers(("ETag" = String))),
        (status = 404, description = "No such form you may see", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/action-plans/{id}")]
pub async fn get_action_plan(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let mut conn = state.conn().await?;
    let (plan, _) = services::action_plans::readable_form(&mut conn, &user, *id).await?;
    let rows = db::action_plans::lines(&mut conn, plan.id).await?;
    let view = ActionPlanView::new(plan, Some(rows))?;
    Ok(with_etag(StatusCode::OK, view.version, &view))
}

/// The cells of a row.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RowRequest {
    /// Cells by column key, validated against the period's matrix (422 names `rows[<position>].<column>[<slot>]`).
    #[schema(value_type = Object)]
    pub cells: BTreeMap<String, Value>,
    /// Move the row (updates only).
    pub position: Option<i32>,
}

async fn form_response(
    conn: &mut diesel_async::AsyncPgConnection,
    plan_id: Uuid,
    status: StatusCode,
) -> Result<HttpResponse, ApiError> {
    let plan =
        db::action_plans::find_plan(conn, plan_id).await?.ok_or_else(|| ApiError::not_found("the action plan"))?;
    let rows = db::action_plans::lines(conn, plan.id).await?;
    let view = ActionPlanView::new(plan, Some(rows))?;
    Ok(with_etag(status, view.version, &view))
}

/// Add a row to your unit's form.
///
/// `opd_operator` and `opd_official` of the form's unit, while it is a draft or returned for revision (409
/// `not_editable` otherwise); others get 403 or 404. Returns the whole form with its new ETag.
#[utoipa::path(
    tag = "action plans",
    params(("id" = Uuid, Path, description = "Form id"), ("If-Match" = Option<String>, Header, description = "The form's ETag")),
    request_body = RowRequest,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Added", body = ActionPlanView, headers(("ETag" = String))),
        (status = 403, description = "Not staff of the form's unit", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such form you may see", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The form is not editable", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "Changed since you read it", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/action-plans/{id}/rows")]
pub async fn create_action_plan_row(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<Uuid>,
    if_match: IfMatch,
    body: web::Json<RowRequest>,
) -> Result<HttpResponse, ApiError> {
    let mut conn = state.conn().await?;
    services::action_plans::add_line(&mut conn, &user, *id, if_match.0, body.into_inner().cells).await?;
    form_response(&mut conn, *id, StatusCode::CREATED).await
}

/// Fill in or move a row of your unit's form.
///
/// As for adding rows. The cells replace the row's cells; a template row keeps its focus, action and indicator.
#[utoipa::path(
    tag = "action plans",
    params(("id" = Uuid, Path, description = "Form id"), ("row_id" = Uuid, Path, description = "Row id"), ("If-Match" = Option<String>, Header, description = "The form's ETag")),
    request_body = RowRequest,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Updated", body = ActionPlanView, headers(("ETag" = String))),
        (status = 403, description = "Not staff of the form's unit", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such form or row", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The form is not editable", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "Changed since you read it", body = Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/action-plans/{id}/rows/{row_id}")]
pub async fn update_action_plan_row(
    state: web::Data<AppState>,
    user: AuthUser,
    path: web::Path<(Uuid, Uuid)>,
    if_match: IfMatch,
    body: web::Json<RowRequest>,
) -> Result<HttpResponse, ApiError> {
    let (id, row_id) = path.into_inner();
    let body = body.into_inner();
    let mut conn = state.conn().await?;
    services::action_plans::update_line(&mut conn, &user, id, row_id, if_match.0, body.cells, body.position).await?;
    form_response(&mut conn, id, StatusCode::OK).await
}

/// The new order of a form's rows.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RowOrderRequest {
    /// Every row id of the form, each exactly once, first row first (422 `not_a_permutation` otherwise).
    pub row_ids: Vec<Uuid>,
}

/// Reorder the rows of your unit's form.
///
/// As for adding rows. The list must name every row of the form exactly once; the rows get positions 1..n in that
/// order. Template rows may move too.
#[utoipa::path(
    tag = "action plans",
    params(("id" = Uuid, Path, description = "Form id"), ("If-Match" = Option<String>, Header, description = "The form's ETag")),
    request_body = RowOrderRequest,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Reordered", body = ActionPlanView, headers(("ETag" = String))),
        (status = 403, description = "Not staff of the form's unit", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such form you may see", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The form is not editable", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "Changed since you read it", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Not every row exactly once", body = Problem, content_type = "application/problem+json"),
    )
)]
#[put("/action-plans/{id}/rows/order")]
pub async fn reorder_action_plan_rows(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<Uuid>,
    if_match: IfMatch,
    body: web::Json<RowOrderRequest>,
) -> Result<HttpResponse, ApiError> {
    let mut conn = state.conn().await?;
    services::action_plans::reorder_lines(&mut conn, &user, *id, if_match.0, body.into_inner().row_ids).await?;
    form_response(&mut conn, *id, StatusCode::OK).await
}

/// Remove a row of your unit's form (not a template row: 409 `template_row`).
///
/// As for adding rows.
#[utoipa::path(
    tag = "action plans",
    params(("id" = Uuid, Path, description = "Form id"), ("row_id" = Uuid, Path, description = "Row id"), ("If-Match" = Option<String>, Header, description = "The form's ETag")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Removed", body = ActionPlanView, headers(("ETag" = String))),
        (status = 403, description = "Not staff of the form's unit", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such form or row", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "A template row, or the form is not editable", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "Changed since you read it", body = Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/action-plans/{id}/rows/{row_id}")]
pub async fn delete_action_plan_row(
    state: web::Data<AppState>,
    user: AuthUser,
    path: web::Path<(Uuid, Uuid)>,
    if_match: IfMatch,
) -> Result<HttpResponse, ApiError> {
    let (id, row_id) = path.into_inner();
    let mut conn = state.conn().await?;
    services::action_plans::delete_line(&mut conn, &user, id, row_id, if_match.0).await?;
    form_response(&mut conn, id, StatusCode::OK).await
}

/// Submit your unit's form to the review team.
///
/// `opd_operator` and `opd_official` of the form's unit; others get 403 or 404. Every required cell of every row must
/// be filled: otherwise 422 lists each missing cell as `rows[<position>].<column>[<slot>]`. The rows are frozen as the
/// next numbered version.
#[utoipa::path(
    tag = "action plans",
    params(("id" = Uuid, Path, description = "Form id"), ("If-Match" = Option<String>, Header, description = "The form's ETag")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Submitted", body = ActionPlanView, headers(("ETag" = String))),
        (status = 403, description = "Not staff of the form's unit", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such form you may see", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not a draft or returned for revision", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "Changed since you read it", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Required cells are empty", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/action-plans/{id}/submit")]
pub async fn submit_action_plan(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<Uuid>,
    if_match: IfMatch,
) -> Result<HttpResponse, ApiError> {
    let mut conn = state.conn().await?;
    services::action_plans::submit(&state, &mut conn, &user, *id, if_match.0).await?;
    form_response(&mut conn, *id, StatusCode::OK).await
}

/// A frozen version of a form.
#[derive(Debug, Serialize, ToSchema)]
pub struct ActionPlanVersionView {
    pub number: i32,
    pub submitted_by: Option<Uuid>,
    pub submitted_at: DateTime<Utc>,
    /// The rows as they were submitted.
    #[schema(value_type = Object)]
    pub rows: Value,
}

/// Read a submitted version of a form.
///
/// Whoever may read the form; 404 for an unknown version.
#[utoipa::path(
    tag = "action plans",
    params(("id" = Uuid, Path, description = "Form id"), ("n" = i32, Path, description = "Version number")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The version", body = ActionPlanVersionView),
        (status = 404, description = "No such form or version", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/action-plans/{id}/versions/{n}")]
pub async fn get_action_plan_version(
    state: web::Data<AppState>,
    user: AuthUser,
    path: web::Path<(Uuid, i32)>,
) -> Result<HttpResponse, ApiError> {
    let (id, number) = path.into_inner();
    let mut conn = state.conn().await?;
    let (plan, _) = services::action_plans::readable_form(&mut conn, &user, id).await?;
    let version = db::action_plans::find_version(&mut conn, plan.id, number)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("version {number}")))?;
    Ok(HttpResponse::Ok().json(ActionPlanVersionView {
        number: version.number,
        submitted_by: version.submitted_by,
        submitted_at: version.submitted_at,
        rows: version.rows,
    }))
}

/// A reviewer's decision.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReviewRequest {
    /// `approve` or `request_revision`.
    #[schema(example = "request_revision")]
    pub decision: String,
    #[validate(length(min = 1, max = 4000))]
    #[schema(min_length = 1, max_length = 4000)]
    pub comment: Option<String>,
    /// Comments by row id of the submitted version.
    #[schema(value_type = Object)]
    pub row_comments: Option<BTreeMap<Uuid, String>>,
}

/// A recorded review.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReviewView {
    pub id: Uuid,
    pub version_number: i32,
    pub reviewer_unit_id: Uuid,
    pub reviewer_id: Uuid,
    pub decision: String,
    pub comment: Option<String>,
    #[schema(value_type = Object)]
    pub row_comments: Value,
    pub created_at: DateTime<Utc>,
}

/// Review the submitted version of a form.
///
/// `action_plan_reviewer` of one of the period's reviewer units; others get 403. The first review moves the form to
/// `in_review`; `request_revision` returns it to the OPD; once every reviewer unit's latest decision on the current
/// version is `approve`, the form is `approved`.
#[utoipa::path(
    tag = "action plans",
    params(("id" = Uuid, Path, description = "Form id"), ("If-Match" = Option<String>, Header, description = "The form's ETag")),
    request_body = ReviewRequest,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Recorded", body = ActionPlanView, headers(("ETag" = String))),
        (status = 403, description = "Not a reviewer of this period", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such form you may see", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not waiting for review", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "Changed since you read it", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/action-plans/{id}/reviews")]
pub async fn review_action_plan(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<Uuid>,
    if_match: IfMatch,
    body: web::Json<ReviewRequest>,
) -> Result<HttpResponse, ApiError> {
    guards::require(user.role, Action::ReviewActionPlans)?;
    let body = body.into_inner();
    let mut errors = FieldErrors::check(&body);
    let approve = match body.decision.as_str() {
        "approve" => true,
        "request_revision" => false,
        _ => {
            errors.add("decision", "unknown_value", "approve or request_revision");
            false
        }
    };
    errors.finish()?;
    let review = services::action_plans::NewReview {
        approve,
        comment: body.comment,
        row_comments: body.row_comments.unwrap_or_default(),
    };
    let mut conn = state.conn().await?;
    services::action_plans::review(&state, &mut conn, &user, *id, if_match.0, review).await?;
    form_response(&mut conn, *id, StatusCode::OK).await
}

/// List the reviews of a form, oldest first.
///
/// Whoever may read the form.
#[utoipa::path(
    tag = "action plans",
    params(("id" = Uuid, Path, description = "Form id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Reviews", body = Vec<ReviewView>),
        (status = 404, description = "No such form you may see", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/action-plans/{id}/reviews")]
pub async fn list_action_plan_reviews(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let mut conn = state.conn().await?;
    let (plan, _) = services::action_plans::readable_form(&mut conn, &user, *id).await?;
    let rows = db::action_plans::reviews(&mut conn, plan.id).await?;
    let views: Vec<ReviewView> = rows
        .into_iter()
        .map(|r| ReviewView {
            id: r.id,
            version_number: r.version_number,
            reviewer_unit_id: r.reviewer_unit_id,
            reviewer_id: r.reviewer_id,
            decision: r.decision,
            comment: r.comment,
            row_comments: r.row_comments,
            created_at: r.created_at,
        })
        .collect();
    Ok(HttpResponse::Ok().json(views))
}

/// The letter that sent the plan.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SendRequest {
    #[validate(length(min = 1, max = 200))]
    #[schema(min_length = 1, max_length = 200, example = "800/123/DKIS/2021")]
    pub letter_number: String,
    pub letter_date: NaiveDate,
    /// The scanned letter, from `POST /api/v1/attachments`.
    pub letter_attachment_id: Option<Uuid>,
}

/// Record the letter that sent an approved plan to KemenPAN-RB; the form is locked.
///
/// `admin` and `super_admin`; others get 403. Only an `approved` form (409 otherwise).
#[utoipa::path(
    tag = "action plans",
    params(("id" = Uuid, Path, description = "Form id"), ("If-Match" = Option<String>, Header, description = "The form's ETag")),
    request_body = SendRequest,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Sent", body = ActionPlanView, headers(("ETag" = String))),
        (status = 403, description = "Not an admin", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such form you may see", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not approved", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "Changed since you read it", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/action-plans/{id}/send")]
pub async fn send_action_plan(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<Uuid>,
    if_match: IfMatch,
    body: web::Json<SendRequest>,
) -> Result<HttpResponse, ApiError> {
    guards::require(user.role, Action::ManageActionPlanPeriods)?;
    let body = body.into_inner();
    let mut errors = FieldErrors::check(&body);
    let number = errors.take(required_text("letter_number", &body.letter_number));
    errors.finish()?;
    let mut conn = state.conn().await?;
    services::action_plans::send(
        &state,
        &mut conn,
        &user,
        *id,
        if_match.0,
        services::action_plans::SendingLetter {
            number: number.unwrap_or_default(),
            date: body.letter_date,
            attachment_id: body.letter_attachment_id,
        },
    )
    .await?;
    form_response(&mut conn, *id, StatusCode::OK).await
}

/// Which version to compare with.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct DiffQuery {
    /// The older version number.
    pub against: i32,
}

/// Compare two submitted versions of a form.
///
/// Whoever may read the form; 404 for an unknown version.
#[utoipa::path(
    tag = "action plans",
    params(("id" = Uuid, Path, description = "Form id"), ("n" = i32, Path, description = "The newer version"), DiffQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Rows added, removed and changed", body = services::action_plans::VersionDiff),
        (status = 404, description = "No such form or version", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/action-plans/{id}/versions/{n}/diff")]
pub async fn get_action_plan_diff(
    state: web::Data<AppState>,
    user: AuthUser,
    path: web::Path<(Uuid, i32)>,
    query: web::Query<DiffQuery>,
) -> Result<HttpResponse, ApiError> {
    let (id, number) = path.into_inner();
    let mut conn = state.conn().await?;
    let (plan, _) = services::action_plans::readable_form(&mut conn, &user, id).await?;
    let mut versions = Vec::new();
    for n in [query.against, number] {
        versions.push(
            db::action_plans::find_version(&mut conn, plan.id, n)
                .await?
                .ok_or_else(|| ApiError::not_found(format!("version {n}")))?,
        );
    }
    Ok(HttpResponse::Ok().json(services::action_plans::diff(&versions[0].rows, &versions[1].rows)))
}

/// A quarter's realisation of a row.
#[derive(Debug, Serialize, ToSchema)]
pub struct RealisationView {
    pub id: Uuid,
    pub row_id: Uuid,
    pub year: i32,
    pub quarter: i16,
    pub realised_value: Option<f64>,
    pub realised_text: Option<String>,
    /// Percent of the row's numeric annual `target` for that year (cumulative within the year).
    pub percent_achieved: Option<f64>,
    pub obstacles: Option<String>,
    pub evidence_urls: Vec<String>,
    /// Bukti dukung uploaded as files (download with `GET /api/v1/attachments/{id}`).
    pub evidence_attachments: Vec<AttachmentView>,
    /// `recorded`, `verified` or `returned`.
    pub status: String,
    pub review_comment: Option<String>,
    pub version: i32,
    pub updated_at: DateTime<Utc>,
}

impl RealisationView {
    fn new(row: db::action_plans::RealisationRow, attachments: &[AttachmentRow]) -> Self {
        let evidence_attachments = attachments
            .iter()
            .filter(|a| a.realisation_id == Some(row.id))
            .cloned()
            .map(AttachmentView::from)
            .collect();
        Self {
            id: row.id,
            row_id: row.row_id,
            year: row.year,
            quarter: row.quarter,
            realised_value: row.realised_value,
            realised_text: row.realised_text,
            percent_achieved: row.percent_achieved,
            obstacles: row.obstacles,
            evidence_urls: serde_json::from_value(row.evidence_urls).unwrap_or_default(),
            evidence_attachments,
            status: row.status,
            review_comment: row.review_comment,
            version: row.version,
            updated_at: row.updated_at,
        }
    }
}

async fn realisation_response(
    conn: &mut diesel_async::AsyncPgConnection,
    row: db::action_plans::RealisationRow,
) -> Result<HttpResponse, ApiError> {
    let attachments = db::attachments::of_realisations(conn, &[row.id]).await?;
    Ok(HttpResponse::Ok().json(RealisationView::new(row, &attachments)))
}

/// What a unit achieved in a quarter.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RealisationRequest {
    /// A number (compared with the row's annual target, cumulative within the year).
    pub realised_value: Option<f64>,
    /// A description, when the result is not a number.
    #[validate(length(min = 1, max = 2000))]
    #[schema(min_length = 1, max_length = 2000)]
    pub realised_text: Option<String>,
    /// Kendala.
    #[validate(length(min = 1, max = 2000))]
    #[schema(min_length = 1, max_length = 2000)]
    pub obstacles: Option<String>,
    /// Bukti dukung: links (http or https).
    #[validate(length(max = 50))]
    pub evidence_urls: Option<Vec<String>>,
    /// Bukti dukung as files: ids of your own uploads (`POST /api/v1/attachments`, within 24 hours). The list is the
    /// full set: files left out are unlinked. Leave the field out to keep the files as they are.
    #[validate(length(max = 20))]
    pub evidence_attachment_ids: Option<Vec<Uuid>>,
}

/// Record a row's realisation for a quarter (monev).
///
/// `opd_operator` and `opd_official` of the form's unit, once the plan is approved (409 `not_approved` before); others
/// get 403 or 404. From the quarter's start until its end plus `PENGADUAN_REALISATION_GRACE_DAYS` (409
/// `quarter_locked` after); a verified realisation is final.
#[utoipa::path(
    tag = "action plans",
    params(
        ("id" = Uuid, Path, description = "Form id"), ("row_id" = Uuid, Path, description = "Row id"),
        ("year" = i32, Path, description = "Year of the period"), ("quarter" = u8, Path, description = "1 to 4"),
    ),
    request_body = RealisationRequest,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Recorded", body = RealisationView),
        (status = 403, description = "Not staff of the form's unit", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such form or row", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not approved, quarter locked, or already verified", body = Problem, content_type = "application/problem+json"),
    )
)]
#[put("/action-plans/{id}/rows/{row_id}/realisations/{year}/{quarter}")]
pub async fn record_action_plan_realisation(
    state: web::Data<AppState>,
    user: AuthUser,
    path: web::Path<(Uuid, Uuid, i32, u8)>,
    body: web::Json<RealisationRequest>,
) -> Result<HttpResponse, ApiError> {
    let (id, row_id, year, quarter) = path.into_inner();
    let body = body.into_inner();
    let mut errors = FieldErrors::check(&body);
    if body.realised_value.is_none() && body.realised_text.as_deref().is_none_or(|t| t.trim().is_empty()) {
        errors.add("realised_value", "required", "give a realised value or a description");
    }
    let urls = body.evidence_urls.unwrap_or_default();
    if urls.iter().any(|url| !(url.starts_with("https://") || url.starts_with("http://")) || url.len() > 2000) {
        errors.add("evidence_urls", "not_urls", "http or https links");
    }
    errors.finish()?;
    let new = services::action_plans::NewRealisation {
        realised_value: body.realised_value,
        realised_text: body.realised_text,
        obstacles: body.obstacles,
        evidence_urls: urls,
        evidence_attachment_ids: body.evidence_attachment_ids,
    };
    let mut conn = state.conn().await?;
    let row =
        services::action_plans::record_realisation(&state, &mut conn, &user, id, row_id, year, quarter, new).await?;
    realisation_response(&mut conn, row).await
}

/// The review team's decision on a realisation.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RealisationReviewRequest {
    /// `true` verifies; `false` sends it back with the comment.
    pub verified: bool,
    #[validate(length(min = 1, max = 2000))]
    #[schema(min_length = 1, max_length = 2000)]
    pub comment: Option<String>,
}

/// Verify a realisation, or send it back with a comment.
///
/// `action_plan_reviewer` of one of the period's reviewer units; others get 403. Only a `recorded` realisation (409
/// otherwise); a returned one is recorded again by the unit.
#[utoipa::path(
    tag = "action plans",
    params(
        ("id" = Uuid, Path, description = "Form id"), ("row_id" = Uuid, Path, description = "Row id"),
        ("year" = i32, Path, description = "Year"), ("quarter" = u8, Path, description = "1 to 4"),
    ),
    request_body = RealisationReviewRequest,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Reviewed", body = RealisationView),
        (status = 403, description = "Not a reviewer of this period", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such realisation", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not waiting for review", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/action-plans/{id}/rows/{row_id}/realisations/{year}/{quarter}/review")]
pub async fn review_action_plan_realisation(
    state: web::Data<AppState>,
    user: AuthUser,
    path: web::Path<(Uuid, Uuid, i32, u8)>,
    body: web::Json<RealisationReviewRequest>,
) -> Result<HttpResponse, ApiError> {
    let (id, row_id, year, quarter) = path.into_inner();
    let body = body.into_inner();
    let mut errors = FieldErrors::check(&body);
    if !body.verified && body.comment.as_deref().is_none_or(|c| c.trim().is_empty()) {
        errors.add("comment", "required", "say what must change");
    }
    errors.finish()?;
    let mut conn = state.conn().await?;
    let row = services::action_plans::review_realisation(
        &mut conn,
        &user,
        id,
        row_id,
        year,
        quarter,
        body.verified,
        body.comment,
    )
    .await?;
    realisation_response(&mut conn, row).await
}

/// List the realisations of a form.
///
/// Whoever may read the form.
#[utoipa::path(
    tag = "action plans",
    params(("id" = Uuid, Path, description = "Form id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Realisations by year and quarter", body = Vec<RealisationView>),
        (status = 404, description = "No such form you may see", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/action-plans/{id}/realisations")]
pub async fn list_action_plan_realisations(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let mut conn = state.conn().await?;
    let (plan, _) = services::action_plans::readable_form(&mut conn, &user, *id).await?;
    let rows = db::action_plans::realisations(&mut conn, &[plan.id]).await?;
    let ids: Vec<Uuid> = rows.iter().map(|row| row.id).collect();
    let attachments = db::attachments::of_realisations(&mut conn, &ids).await?;
    Ok(HttpResponse::Ok().json(rows.into_iter().map(|row| RealisationView::new(row, &attachments)).collect::<Vec<_>>()))
}

/// The compiled progress of a period: per targeted unit and for the whole Pemda.
///
/// Any signed-in user of the period's Pemda (super admins: any).
#[utoipa::path(
    tag = "action plans",
    params(("id" = Uuid, Path, description = "Period id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Progress", body = services::action_plans::PeriodProgress),
        (status = 404, description = "No such period in your Pemda", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/action-plan-periods/{id}/progress")]
pub async fn get_action_plan_progress(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let mut conn = state.conn().await?;
    Ok(HttpResponse::Ok().json(services::action_plans::progress(&state, &mut conn, &user, *id).await?))
}

/// Media type of .xlsx workbooks.
const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

fn download(bytes: Vec<u8>, file_name: String) -> HttpResponse {
    let content_type = if file_name.ends_with(".csv") { "text/csv; charset=utf-8" } else { XLSX };
    HttpResponse::Ok()
        .content_type(content_type)
        .insert_header(("content-disposition", format!("attachment; filename=\"{file_name}\"")))
        .body(bytes)
}

/// Download a form as an Excel workbook.
///
/// Whoever may read the form. Title rows (period, Pemda and unit, legal basis), merged headers over the years or
/// quarters of repeated columns, Rupiah formats, a frozen header, A4 landscape. The first column holds row ids: fill in
/// the workbook and send it back to `POST /api/v1/action-plans/{id}/import`.
#[utoipa::path(
    tag = "action plans",
    params(("id" = Uuid, Path, description = "Form id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The workbook", content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        (status = 404, description = "No such form you may see", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/action-plans/{id}/export.xlsx")]
pub async fn export_action_plan_xlsx(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let mut conn = state.conn().await?;
    let (bytes, name) = services::action_plans::export_form(&mut conn, &user, *id, false).await?;
    Ok(download(bytes, name))
}

/// Download a form as CSV (one header of column keys, then the rows).
///
/// Whoever may read the form.
#[utoipa::path(
    tag = "action plans",
    params(("id" = Uuid, Path, description = "Form id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The table", content_type = "text/csv"),
        (status = 404, description = "No such form you may see", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/action-plans/{id}/export.csv")]
pub async fn export_action_plan_csv(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let mut conn = state.conn().await?;
    let (bytes, name) = services::action_plans::export_form(&mut conn, &user, *id, true).await?;
    Ok(download(bytes, name))
}

/// Download the compiled matrix of a period as an Excel workbook.
///
/// `admin`, `leader` and `inspector` of the Pemda, reviewers of the period, `super_admin`; OPD roles get 403. One
/// sheet for the whole Pemda grouped by unit, then one sheet per unit.
#[utoipa::path(
    tag = "action plans",
    params(("id" = Uuid, Path, description = "Period id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The workbook", content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        (status = 403, description = "Not allowed to see every form", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such period in your Pemda", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/action-plan-periods/{id}/matrix.xlsx")]
pub async fn export_action_plan_matrix_xlsx(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let mut conn = state.conn().await?;
    let (bytes, name) = services::action_plans::export_period(&mut conn, &user, *id, false).await?;
    Ok(download(bytes, name))
}

/// Download the compiled matrix of a period as CSV (a `unit` column first).
///
/// As for the workbook.
#[utoipa::path(
    tag = "action plans",
    params(("id" = Uuid, Path, description = "Period id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The table", content_type = "text/csv"),
        (status = 403, description = "Not allowed to see every form", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such period in your Pemda", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/action-plan-periods/{id}/matrix.csv")]
pub async fn export_action_plan_matrix_csv(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let mut conn = state.conn().await?;
    let (bytes, name) = services::action_plans::export_period(&mut conn, &user, *id, true).await?;
    Ok(download(bytes, name))
}

/// Import a workbook filled in from this form's export.
///
/// `opd_operator` and `opd_official` of the form's unit, while it is editable; others get 403 or 404. Send the .xlsx
/// as the body (`Content-Type: application/vnd.openxmlformats-officedocument.spreadsheetml.sheet`). Rows are matched by
/// their row id, rows without one are added, template rows keep their template cells. Nothing is written unless the
/// whole file is valid: 422 lists every bad cell as `Sheet!C7`.
#[utoipa::path(
    tag = "action plans",
    params(("id" = Uuid, Path, description = "Form id"), ("If-Match" = Option<String>, Header, description = "The form's ETag")),
    request_body(content = Vec<u8>, content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Imported", body = ActionPlanView, headers(("ETag" = String))),
        (status = 403, description = "Not staff of the form's unit", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such form you may see", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The form is not editable", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "Changed since you read it", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/action-plans/{id}/import")]
pub async fn import_action_plan(
    req: actix_web::HttpRequest,
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<Uuid>,
    if_match: IfMatch,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let content_type = req.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or_default();
    if !content_type.starts_with(XLSX) {
        return Err(ApiError::UnsupportedMediaType(format!("send the workbook as {XLSX}")));
    }
    let mut conn = state.conn().await?;
    services::action_plans::import(&mut conn, &user, *id, if_match.0, body.to_vec()).await?;
    form_response(&mut conn, *id, StatusCode::OK).await
}

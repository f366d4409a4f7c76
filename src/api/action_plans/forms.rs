//! Forms: one per period and unit, their rows, submission and frozen versions.

use super::*;
use crate::api::extract::{Json, Query};

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
    #[serde(serialize_with = "crate::api::json_time::optional_instant")]
    pub submitted_at: Option<DateTime<Utc>>,
    /// Row version: the ETag; every change of the form or its rows moves it.
    pub version: i32,
    #[serde(serialize_with = "crate::api::json_time::instant")]
    pub created_at: DateTime<Utc>,
    #[serde(serialize_with = "crate::api::json_time::instant")]
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
    query: Query<ActionPlanListQuery>,
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
#[schema(example = json!({"period_id": "01938a6e-7c1d-7b3e-9f2a-5d4c3b2a1f10"}))]
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
    body: Json<CreateActionPlanRequest>,
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
#[schema(example = json!({"cells": {"strategic_focus": "Sosialisasi", "action": "Sosialisasi kanal pengaduan di kecamatan", "target": {"2025": 4}, "budget": {"2025": 15000000}}}))]
pub struct RowRequest {
    /// Cells by column key, validated against the period's matrix (422 names `rows[<position>].<column>[<slot>]`).
    #[schema(value_type = Object)]
    pub cells: BTreeMap<String, Value>,
    /// Move the row (updates only).
    pub position: Option<i32>,
}

pub(super) async fn form_response(
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
    body: Json<RowRequest>,
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
    body: Json<RowRequest>,
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
#[schema(example = json!({"row_ids": ["01938a6e-7c1d-7b3e-9f2a-5d4c3b2a1f21", "01938a6e-7c1d-7b3e-9f2a-5d4c3b2a1f20"]}))]
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
    body: Json<RowOrderRequest>,
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
    #[serde(serialize_with = "crate::api::json_time::instant")]
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

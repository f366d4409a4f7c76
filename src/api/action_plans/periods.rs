//! Periods: the matrix a Pemda defines once, the units it targets and who reviews.

use super::*;
use crate::api::extract::Json;

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
    #[serde(serialize_with = "crate::api::json_time::instant")]
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
#[schema(example = json!({"name": "Rencana Aksi Pengelolaan Pengaduan 2025-2029", "first_year": 2025, "last_year": 2029, "legal_basis": "Permen PANRB 46/2020", "submission_deadline": "2025-06-30", "matrix": {"columns": [{"key": "strategic_focus", "label": "Fokus Strategis", "type": "text", "required": true}, {"key": "action", "label": "Aksi", "type": "text", "required": true}, {"key": "target", "label": "Target", "type": "integer", "repeat": "per_year"}, {"key": "budget", "label": "Anggaran (Rp)", "type": "rupiah", "repeat": "per_year"}], "template_rows": [{"strategic_focus": "Kebijakan", "action": "Menyusun SOP pengelolaan pengaduan"}]}, "target_unit_ids": ["01938a6e-7c1d-7b3e-9f2a-5d4c3b2a1f00"], "reviewer_unit_ids": ["01938a6e-7c1d-7b3e-9f2a-5d4c3b2a1f01"]}))]
pub struct CreatePeriodRequest {
    #[validate(length(min = 1, max = 300), custom(function = "crate::api::validation::single_line"))]
    #[schema(min_length = 1, max_length = 300)]
    pub name: String,
    #[schema(minimum = 2000, maximum = 2100)]
    pub first_year: i32,
    /// At most nine years after `first_year`.
    pub last_year: i32,
    #[validate(length(min = 1, max = 2000), custom(function = "crate::api::validation::single_line"))]
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
    body: Json<CreatePeriodRequest>,
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
#[schema(example = json!({"submission_deadline": "2025-07-31"}))]
pub struct UpdatePeriodRequest {
    #[validate(length(min = 1, max = 300), custom(function = "crate::api::validation::single_line"))]
    #[schema(min_length = 1, max_length = 300)]
    pub name: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    #[validate(custom(function = "crate::api::validation::single_line"))]
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
    body: Json<UpdatePeriodRequest>,
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

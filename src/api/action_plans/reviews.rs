//! The review team's decisions, the diff between versions, and the letter that sends an approved plan.

use super::*;
use crate::api::extract::{Json, Query};

/// A reviewer's decision.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"decision": "request_revision", "comment": "Lengkapi indikator baris 2.", "row_comments": {"01938a6e-7c1d-7b3e-9f2a-5d4c3b2a1f20": "Indikator belum terukur."}}))]
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
    #[serde(serialize_with = "crate::api::json_time::instant")]
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
    body: Json<ReviewRequest>,
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
#[schema(example = json!({"letter_number": "800/123/Diskominfo/2025", "letter_date": "2025-07-15", "letter_attachment_id": "01938a6e-7c1d-7b3e-9f2a-5d4c3b2a1f30"}))]
pub struct SendRequest {
    #[validate(length(min = 1, max = 200), custom(function = "crate::api::validation::single_line"))]
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
    body: Json<SendRequest>,
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
        (status = 200, description = "Rows added, removed and changed", body = crate::domain::action_plan::VersionDiff),
        (status = 404, description = "No such form or version", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/action-plans/{id}/versions/{n}/diff")]
pub async fn get_action_plan_diff(
    state: web::Data<AppState>,
    user: AuthUser,
    path: web::Path<(Uuid, i32)>,
    query: Query<DiffQuery>,
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
    Ok(HttpResponse::Ok().json(crate::domain::action_plan::diff(&versions[0].rows, &versions[1].rows)))
}

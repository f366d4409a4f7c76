//! Versioned deadline policies: the working days each kind of complaint gets.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, get, post, web};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;
use validator::Validate;

use crate::api::extract::Json;
use crate::api::validation::{FieldErrors, required_text};
use crate::auth::AuthUser;
use crate::auth::guards::{self, Action};
use crate::db;
use crate::db::reference::PolicyRow;
use crate::domain::DomainError;
use crate::domain::complaint::Classification;
use crate::domain::deadlines::DeadlinePolicy;
use crate::error::{ApiError, Problem};
use crate::services;
use crate::services::reference::NewPolicy;
use crate::state::AppState;

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
    #[serde(serialize_with = "crate::api::json_time::instant")]
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
#[schema(example = json!({"classification": "pengaduan", "supervision": false, "verify_days": 2, "first_response_days": 5, "resolve_days": 14, "reporter_window_days": 10, "regulation": "Perbup Sekadau 12/2026 tentang SOP Pengaduan", "valid_from": "2027-01-01"}))]
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
    #[validate(length(min = 1, max = 500), custom(function = "crate::api::validation::single_line"))]
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
    body: Json<CreateDeadlinePolicyRequest>,
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

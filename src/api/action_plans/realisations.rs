//! Quarterly realisation (monev) of approved plans, its review, and the period's compiled progress.

use super::*;
use crate::api::extract::Json;

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
    #[serde(serialize_with = "crate::api::json_time::instant")]
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
#[schema(example = json!({"realised_value": 3, "realised_text": "Tiga kali sosialisasi di kecamatan", "obstacles": "Jadwal bersamaan dengan musim tanam", "evidence_urls": ["https://sekadaukab.go.id/berita/sosialisasi-lapor"], "evidence_attachment_ids": ["01938a6e-7c1d-7b3e-9f2a-5d4c3b2a1f30"]}))]
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
    body: Json<RealisationRequest>,
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
#[schema(example = json!({"verified": true, "comment": "Bukti dukung lengkap."}))]
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
    body: Json<RealisationReviewRequest>,
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
    let (rows, evidence) = services::action_plans::readable_realisations(&mut conn, &user, *id).await?;
    Ok(HttpResponse::Ok().json(rows.into_iter().map(|row| RealisationView::new(row, &evidence)).collect::<Vec<_>>()))
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

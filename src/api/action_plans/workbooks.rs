//! Excel and CSV: a form and the compiled matrix out, a filled-in form back in.

use super::*;
use crate::api::download::{self, XLSX};

fn download(bytes: Vec<u8>, file_name: String) -> HttpResponse {
    let media_type = if file_name.ends_with(".csv") { download::CSV } else { XLSX };
    download::attachment(media_type, &file_name).body(bytes)
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
        (status = 200, description = "The workbook", body = crate::api::Binary, content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
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
        (status = 200, description = "The table (UTF-8)", body = crate::api::Binary, content_type = "text/csv"),
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
        (status = 200, description = "The workbook", body = crate::api::Binary, content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
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
        (status = 200, description = "The table (UTF-8)", body = crate::api::Binary, content_type = "text/csv"),
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
/// whole file is valid: 422 lists every bad cell as `Sheet!C7`. The caller's right to edit is checked before the body
/// is read; a workbook that unpacks to more than 8 MiB (4 MiB per part), declares more than 100,000 distinct texts,
/// or has a cell right of the exported columns or below row 1,006 is refused before anything is built from it.
#[utoipa::path(
    tag = "action plans",
    params(("id" = Uuid, Path, description = "Form id"), ("If-Match" = Option<String>, Header, description = "The form's ETag")),
    request_body(content = crate::api::Binary, content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", description = "The .xlsx workbook exported from this form, filled in"),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Imported", body = ActionPlanView, headers(("ETag" = String))),
        (status = 403, description = "Not staff of the form's unit", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such form you may see", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The form is not editable", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "Changed since you read it", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "The body or what it unpacks to is too large", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not sent as an .xlsx workbook", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Bad cells, each named as `Sheet!C7`", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/action-plans/{id}/import")]
pub async fn import_action_plan(
    req: actix_web::HttpRequest,
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<Uuid>,
    if_match: IfMatch,
    body: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let content_type = req.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or_default();
    if !content_type.starts_with(XLSX) {
        return Err(ApiError::UnsupportedMediaType(format!("send the workbook as {XLSX}")));
    }
    // Rights first, with the connection back in the pool while a slow client sends the body.
    let target = {
        let mut conn = state.conn().await?;
        services::action_plans::authorize_import(&mut conn, &user, *id, if_match.0).await?
    };
    let bytes =
        body.to_bytes_limited(state.settings.body_limit).await.map_err(|_| ApiError::body_too_large())?.map_err(
            |err| ApiError::BadRequest { code: "malformed_body", detail: format!("the body cannot be read: {err}") },
        )?;
    let mut conn = state.conn().await?;
    services::action_plans::import(&mut conn, &user, target, bytes.to_vec()).await?;
    form_response(&mut conn, *id, StatusCode::OK).await
}

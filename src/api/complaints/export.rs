//! The complaint list as a file: every complaint the list's filters select, one line or row each, streamed.

use actix_web::{HttpResponse, get, web};
use futures_util::stream;

use super::reads::{ComplaintListQuery, filter_of};
use crate::api::download;
use crate::api::extract::Query;
use crate::auth::AuthUser;
use crate::auth::guards::{self, Action};
use crate::db::complaints::ComplaintFilter;
use crate::error::{ApiError, Problem};
use crate::services::reports::export;
use crate::state::AppState;

/// Export complaints as CSV.
///
/// `admin` and `inspector` of their Pemda, `super_admin`; other roles get 403. The list's filters (`limit`, `cursor`
/// and `sort` are refused: an export holds every match, oldest first). One line per complaint: tracking code, dates of
/// every step in the Pemda's time zone, whether each deadline held (`yes`, `no`, empty while ahead), the OPDs, the
/// status. Never the text or the reporter. Streamed: any size, in little memory.
#[utoipa::path(
    tag = "complaints",
    params(ComplaintListQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The table (UTF-8, CRLF line ends)", body = crate::api::Binary, content_type = "text/csv"),
        (status = 403, description = "Role may not read complaints", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A malformed filter, or a paging parameter", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/complaints/export.csv")]
pub async fn export_complaints_csv(
    state: web::Data<AppState>,
    user: AuthUser,
    query: Query<ComplaintListQuery>,
) -> Result<HttpResponse, ApiError> {
    guards::require(user.role, Action::ReadComplaints)?;
    for (field, given) in
        [("limit", query.limit.is_some()), ("cursor", query.cursor.is_some()), ("sort", query.sort.is_some())]
    {
        if given {
            return Err(ApiError::invalid_field(field, "not_applicable", "an export holds every match, oldest first"));
        }
    }
    let filter = filter_of(&query, &user, &state)?;
    let (sink, chunks) = tokio::sync::mpsc::channel(4);
    tokio::spawn(export::write_csv(state.get_ref().clone(), filter, sink));
    let body = stream::unfold(chunks, |mut chunks| async move { chunks.recv().await.map(|chunk| (chunk, chunks)) });
    let name =
        format!("pengaduan-{}.csv", state.clock.now().with_timezone(&state.settings.timezone).format("%Y%m%d-%H%M"));
    Ok(download::attachment(download::CSV, &name).streaming(body))
}

/// The list's filters for an export (403 for roles that may not read complaints; paging refused).
pub(crate) fn export_filter(
    query: &ComplaintListQuery,
    user: &AuthUser,
    state: &AppState,
) -> Result<ComplaintFilter, ApiError> {
    guards::require(user.role, Action::ReadComplaints)?;
    for (field, given) in
        [("limit", query.limit.is_some()), ("cursor", query.cursor.is_some()), ("sort", query.sort.is_some())]
    {
        if given {
            return Err(ApiError::invalid_field(field, "not_applicable", "an export holds every match, oldest first"));
        }
    }
    filter_of(query, user, state)
}

/// Export complaints as an Excel workbook.
///
/// As `export.csv` (same roles, filters, columns and order), one row per complaint on the sheet `Pengaduan`. Written
/// in constant memory to a temporary file, then streamed; at most 1,048,575 complaints (an Excel sheet's limit: 422
/// beyond, export CSV instead).
#[utoipa::path(
    tag = "complaints",
    params(ComplaintListQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The workbook", body = crate::api::Binary, content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        (status = 403, description = "Role may not read complaints", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A malformed filter, a paging parameter, or more complaints than a sheet holds", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/complaints/export.xlsx")]
pub async fn export_complaints_xlsx(
    state: web::Data<AppState>,
    user: AuthUser,
    query: Query<ComplaintListQuery>,
) -> Result<HttpResponse, ApiError> {
    let filter = export_filter(&query, &user, &state)?;
    let (path, _) = export::write_xlsx(&state, &filter).await?;
    let file = tokio::fs::File::open(&path).await.map_err(|err| ApiError::Internal(err.into()))?;
    // The open handle keeps the file readable; its name goes at once, so nothing is left behind.
    let _ = tokio::fs::remove_file(&path).await;
    let body = download::file_stream(file);
    let name =
        format!("pengaduan-{}.xlsx", state.clock.now().with_timezone(&state.settings.timezone).format("%Y%m%d-%H%M"));
    Ok(download::attachment(download::XLSX, &name).streaming(body))
}

//! Reading dispositions: the list each role may see, and one disposition with what its unit needs to act.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, web};
use serde::Deserialize;
use utoipa::IntoParams;
use uuid::Uuid;

use crate::api::complaints::{AttachmentView, ComplaintView, with_etag};
use crate::api::pagination::{Page, PageRequest};
use crate::auth::AuthUser;
use crate::db;
use crate::db::Keyset;
use crate::db::dispositions::DispositionFilter;
use crate::domain::disposition::DispositionStatus;
use crate::error::{ApiError, Problem};
use crate::services;
use crate::state::AppState;

use super::{DispositionDetail, DispositionView, with_attachments};
use crate::api::extract::Query;
use crate::api::pagination::TimeBound;

/// Filters of the disposition list.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct DispositionListQuery {
    pub status: Option<DispositionStatus>,
    /// Only those sent to this unit (e.g. `status=returned&unit_id=…` counts an OPD's returns).
    pub unit_id: Option<Uuid>,
    /// Only open dispositions past their due date.
    pub overdue: Option<bool>,
    /// Only this escalation level (0 to 3).
    #[param(minimum = 0, maximum = 3)]
    pub escalation_level: Option<i16>,
    pub category_id: Option<Uuid>,
    /// Sent at or after: an RFC 3339 date-time, or a date (from the start of that day in the Pemda's time zone).
    #[param(value_type = Option<String>, example = "2026-11-01")]
    pub start_date: Option<TimeBound>,
    /// Sent before: an RFC 3339 date-time, or a date (through the end of that day).
    #[param(value_type = Option<String>, example = "2026-11-30")]
    pub end_date: Option<TimeBound>,
    /// Rows per page, 1 to 100 (default 20).
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<u32>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// List dispositions.
///
/// `opd_operator` and `opd_official`: those sent or delegated to their unit (never supervision complaints); `admin` and
/// `inspector`: those of their Pemda; `super_admin`: all. `action_plan_reviewer` and `leader` get 403. Newest first.
#[utoipa::path(
    tag = "dispositions",
    params(DispositionListQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "A page of dispositions", body = Page<DispositionView>),
        (status = 403, description = "Role does not work on dispositions", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/dispositions")]
pub async fn list_dispositions(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: AuthUser,
    query: Query<DispositionListQuery>,
) -> Result<HttpResponse, ApiError> {
    let scope = services::dispositions::list_scope(&user)?;
    let page = PageRequest::parse(query.limit, query.cursor.as_deref())?;
    if query.escalation_level.is_some_and(|level| !(0..=3).contains(&level)) {
        return Err(ApiError::invalid_field("escalation_level", "out_of_range", "between 0 and 3"));
    }
    let now = state.clock.now();
    let units = match (scope.units, query.unit_id) {
        (Some(mine), Some(unit)) => Some(mine.into_iter().filter(|u| *u == unit).collect()),
        (None, Some(unit)) => Some(vec![unit]),
        (scope_units, None) => scope_units,
    };
    let filter = DispositionFilter {
        units,
        pemda_ids: scope.pemda_ids,
        exclude_supervision: scope.exclude_supervision,
        status: query.status.map(|s| s.as_str().to_owned()),
        overdue_at: query.overdue.filter(|o| *o).map(|_| now),
        escalation_level: query.escalation_level,
        category_id: query.category_id,
        created_from: query.start_date.map(|bound| bound.from(state.settings.timezone)),
        created_to: query.end_date.map(|bound| bound.until(state.settings.timezone)),
    };
    let mut conn = state.conn().await?;
    let rows = db::dispositions::list(&mut conn, &filter, page.after, page.fetch_limit()).await?;
    let views: Vec<(Keyset, DispositionView)> = rows
        .into_iter()
        .map(|row| Ok((Keyset { at: row.created_at, id: row.id }, DispositionView::new(row, now)?)))
        .collect::<Result<_, ApiError>>()?;
    Ok(page.respond(&req, views, |(position, _)| *position, |(_, view)| view))
}

/// Read a disposition with its complaint, attachments and follow-ups.
///
/// Whoever may list it (see `GET /api/v1/dispositions`); others get 404. Reporter identity is never included, except
/// the contact the admin chose to share, for reports that are neither anonymous nor confidential (and only to OPD
/// staff; each read logged).
#[utoipa::path(
    tag = "dispositions",
    params(("id" = Uuid, Path, description = "Disposition id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The disposition", body = DispositionDetail, headers(("ETag" = String))),
        (status = 403, description = "Role does not work on dispositions", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such disposition you may see", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/dispositions/{id}")]
pub async fn get_disposition(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let mut conn = state.conn().await?;
    let (row, complaint) = services::dispositions::visible(&mut conn, &user, *id).await?;
    let contact = services::dispositions::shared_contact(&state, &mut conn, &user, &row, &complaint).await?;
    let attachments = db::attachments::of_complaint(&mut conn, complaint.id).await?;
    let follow_ups = db::dispositions::follow_ups_of_disposition(&mut conn, row.id).await?;
    let events = db::audit::events_of(&mut conn, "complaint", complaint.id).await?;
    let now = state.clock.now();
    let version = row.version;
    let detail = DispositionDetail {
        disposition: DispositionView::new(row, now)?,
        complaint: ComplaintView::new(complaint, state.settings.timezone, now)?,
        attachments: attachments.into_iter().map(AttachmentView::from).collect(),
        timeline: crate::api::complaints::public::timeline(&events),
        follow_ups: with_attachments(&mut conn, follow_ups).await?,
        reporter_contact: contact,
    };
    Ok(with_etag(StatusCode::OK, version, &detail))
}

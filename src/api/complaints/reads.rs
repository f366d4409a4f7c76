//! Staff reads: the complaint list with its filters, one complaint, its audit trail, its reporter identity (guarded
//! and logged), and the log of identity reads.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::{AttachmentView, ComplaintDetail, ComplaintView, SupplementView, with_etag};
use crate::api::extract::{Caller, Query};
use crate::api::pagination::TimeBound;
use crate::api::pagination::{Page, PageRequest};
use crate::auth::guards::{self, Action};
use crate::auth::{AuthUser, MachineClient};
use crate::db;
use crate::db::Keyset;
use crate::db::complaints::{ComplaintFilter, ComplaintRow, ComplaintSort};
use crate::domain::complaint::{Channel, Classification, ComplaintStatus, ReporterIdentity};
use crate::error::{ApiError, Problem};
use crate::services;
use crate::state::AppState;

/// Filters of the complaint list (Open311 names where one exists).
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ComplaintListQuery {
    /// One status or several, comma-separated (`submitted,postponed`).
    pub status: Option<String>,
    pub classification: Option<Classification>,
    /// Only supervision complaints (`true`) or only the others (`false`).
    pub supervision: Option<bool>,
    pub channel: Option<Channel>,
    pub category_id: Option<Uuid>,
    pub region_id: Option<Uuid>,
    /// The receiving Pemda (useful to super admins; others see their own Pemda only).
    pub unit_id: Option<Uuid>,
    /// Received at or after: an RFC 3339 date-time, or a date (`2026-11-01`: from the start of that day in the Pemda's
    /// time zone).
    #[param(value_type = Option<String>, example = "2026-11-01")]
    pub start_date: Option<TimeBound>,
    /// Received before: an RFC 3339 date-time, or a date (`2026-11-30`: through the end of that day).
    #[param(value_type = Option<String>, example = "2026-11-30")]
    pub end_date: Option<TimeBound>,
    /// Changed after: an RFC 3339 date-time or a date (from the start of that day), for systems that pull changes.
    #[param(value_type = Option<String>, example = "2026-11-28T00:00:00Z")]
    pub updated_after: Option<TimeBound>,
    /// Only complaints past a deadline now.
    pub overdue: Option<bool>,
    /// Only complaints at this escalation level (0 to 3).
    #[param(minimum = 0, maximum = 3)]
    pub escalation_level: Option<i16>,
    /// Full-text search over title and body (web-search syntax: words, "phrases", -excluded).
    pub q: Option<String>,
    /// `created_at`, `updated_at` or `resolve_by`, with `-` for descending (default `-created_at`).
    pub sort: Option<String>,
    /// Rows per page, 1 to 100 (default 20).
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<u32>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

fn parse_sort(sort: Option<&str>) -> Result<(ComplaintSort, bool), ApiError> {
    let sort = sort.unwrap_or("-created_at");
    let (descending, column) = match sort.strip_prefix('-') {
        Some(column) => (true, column),
        None => (false, sort),
    };
    let column = match column {
        "created_at" => ComplaintSort::CreatedAt,
        "updated_at" => ComplaintSort::UpdatedAt,
        "resolve_by" => ComplaintSort::ResolveBy,
        _ => {
            return Err(ApiError::invalid_field(
                "sort",
                "unknown_sort",
                "sort by created_at, updated_at or resolve_by, with - for descending",
            ));
        }
    };
    Ok((column, descending))
}

fn position(row: &ComplaintRow, sort: ComplaintSort) -> Keyset {
    let at = match sort {
        ComplaintSort::CreatedAt => row.created_at,
        ComplaintSort::UpdatedAt => row.updated_at,
        ComplaintSort::ResolveBy => row.resolve_by,
    };
    Keyset { at, id: row.id }
}

/// The list's filters as a query filter, within the caller's reach (403 for roles that may not read complaints).
pub(crate) fn filter_of(
    query: &ComplaintListQuery,
    user: &AuthUser,
    state: &AppState,
) -> Result<ComplaintFilter, ApiError> {
    filter_within(query, services::complaints::readable_pemdas(user)?, state)
}

/// The list's filters as a query filter for a machine client: its own Pemda, never supervision complaints (403 when
/// asked for them).
fn client_filter_of(
    query: &ComplaintListQuery,
    client: &MachineClient,
    state: &AppState,
) -> Result<ComplaintFilter, ApiError> {
    services::complaints::require_client_reads(client)?;
    if query.supervision == Some(true) {
        return Err(ApiError::forbidden("supervision complaints are the Inspektorat's, not an API client's"));
    }
    let mut filter = filter_within(query, Some(vec![client.pemda_id.0]), state)?;
    filter.supervision = Some(false);
    Ok(filter)
}

/// The list's filters as a query filter within `readable` Pemdas (`None`: every Pemda).
fn filter_within(
    query: &ComplaintListQuery,
    readable: Option<Vec<Uuid>>,
    state: &AppState,
) -> Result<ComplaintFilter, ApiError> {
    let statuses = match &query.status {
        Some(list) => list
            .split(',')
            .map(|status| status.trim().parse::<ComplaintStatus>().map(|s| s.as_str().to_owned()))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|_| {
                ApiError::invalid_field("status", "unknown_value", "a status or a comma-separated list of statuses")
            })?,
        None => Vec::new(),
    };
    if query.escalation_level.is_some_and(|level| !(0..=3).contains(&level)) {
        return Err(ApiError::invalid_field("escalation_level", "out_of_range", "between 0 and 3"));
    }
    let q = query.q.as_deref().map(str::trim).filter(|q| !q.is_empty());
    if q.is_some_and(|q| q.chars().count() > 200) {
        return Err(ApiError::invalid_field("q", "too_long", "a search has at most 200 characters"));
    }
    let mut pemda_ids = readable;
    if let Some(unit) = query.unit_id {
        pemda_ids = Some(match pemda_ids {
            Some(ids) => ids.into_iter().filter(|id| *id == unit).collect(),
            None => vec![unit],
        });
    }
    let now = state.clock.now();
    Ok(ComplaintFilter {
        pemda_ids,
        statuses,
        classification: query.classification.map(|c| c.as_str().to_owned()),
        supervision: query.supervision,
        channel: query.channel.map(|c| c.as_str().to_owned()),
        category_id: query.category_id,
        region_id: query.region_id,
        created_from: query.start_date.map(|bound| bound.from(state.settings.timezone)),
        created_to: query.end_date.map(|bound| bound.until(state.settings.timezone)),
        updated_after: query.updated_after.map(|bound| bound.from(state.settings.timezone)),
        overdue_at: query.overdue.filter(|overdue| *overdue).map(|_| now),
        q: q.map(str::to_owned),
        escalation_level: query.escalation_level,
    })
}

/// List complaints.
///
/// `admin` and `inspector` see the complaints of their Pemda, `super_admin` every Pemda's; other roles get 403 (OPD
/// staff see complaints through their dispositions). API clients with `complaints:read` see their Pemda's, without
/// supervision complaints, and a confidential complaint without its title, text, location or source. Reporter
/// identity is never part of the list.
#[utoipa::path(
    tag = "complaints",
    params(ComplaintListQuery),
    security(("bearer" = []), ("oauth2" = ["complaints:read"])),
    responses(
        (status = 200, description = "A page of complaints", body = Page<ComplaintView>, headers(("Link" = String, description = "RFC 8288 link to the next page"))),
        (status = 403, description = "Role may not read complaints", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/complaints")]
pub async fn list_complaints(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    query: Query<ComplaintListQuery>,
) -> Result<HttpResponse, ApiError> {
    let filter = match &caller {
        Caller::Person(user) => {
            guards::require(user.role, Action::ReadComplaints)?;
            filter_of(&query, user, &state)?
        }
        Caller::Machine(client) => client_filter_of(&query, client, &state)?,
    };
    let for_client = matches!(caller, Caller::Machine(_));
    let page = PageRequest::parse(query.limit, query.cursor.as_deref())?;
    let (sort, descending) = parse_sort(query.sort.as_deref())?;
    let now = state.clock.now();
    let mut conn = state.conn().await?;
    let rows = db::complaints::list(&mut conn, &filter, sort, descending, page.after, page.fetch_limit()).await?;
    let timezone = state.settings.timezone;
    let views: Vec<(Keyset, ComplaintView)> = rows
        .into_iter()
        .map(|row| {
            let position = position(&row, sort);
            let view = ComplaintView::new(row, timezone, now)?;
            Ok((position, if for_client { view.for_client() } else { view }))
        })
        .collect::<Result<_, ApiError>>()?;
    Ok(page.respond(&req, views, |(position, _)| *position, |(_, view)| view))
}

/// Read one complaint, with its attachments and the reporter's supplements.
///
/// `admin` and `inspector` of its Pemda, `super_admin`; other roles get 403, complaints outside the caller's Pemda 404.
/// API clients with `complaints:read`: their Pemda's complaints except supervision ones (404), redacted as in the list,
/// without attachments or the reporter's supplements. Returns an `ETag` for `If-Match`.
#[utoipa::path(
    tag = "complaints",
    params(("id" = Uuid, Path, description = "Complaint id")),
    security(("bearer" = []), ("oauth2" = ["complaints:read"])),
    responses(
        (status = 200, description = "The complaint", body = ComplaintDetail, headers(("ETag" = String))),
        (status = 403, description = "Role may not read complaints", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such complaint in your Pemda", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/complaints/{id}")]
pub async fn get_complaint(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let mut conn = state.conn().await?;
    let user = match caller {
        Caller::Person(user) => user,
        Caller::Machine(client) => {
            let row = services::complaints::readable_by_client(&mut conn, &client, *id).await?;
            let version = row.version;
            let complaint = ComplaintView::new(row, state.settings.timezone, state.clock.now())?.for_client();
            let detail = ComplaintDetail { complaint, attachments: Vec::new(), supplements: Vec::new() };
            return Ok(with_etag(StatusCode::OK, version, &detail));
        }
    };
    let row = services::complaints::readable(&mut conn, &user, *id).await?;
    let attachments = db::attachments::of_complaint(&mut conn, row.id).await?;
    let supplements = db::complaints::supplements(&mut conn, row.id).await?;
    let version = row.version;
    let detail = ComplaintDetail {
        complaint: ComplaintView::new(row, state.settings.timezone, state.clock.now())?,
        attachments: attachments.into_iter().map(AttachmentView::from).collect(),
        supplements: supplements
            .into_iter()
            .map(|s| SupplementView { body: s.body, created_at: s.created_at })
            .collect(),
    };
    Ok(with_etag(StatusCode::OK, version, &detail))
}

/// An entry of a complaint's audit trail.
#[derive(Debug, Serialize, ToSchema)]
pub struct ComplaintEvent {
    pub id: Uuid,
    #[serde(serialize_with = "crate::api::json_time::instant")]
    pub occurred_at: DateTime<Utc>,
    /// The staff member who acted; absent for the reporter and the system.
    pub actor_id: Option<Uuid>,
    /// `created`, `verify`, `postpone`, `supplemented`, `archive`, `forward`, `reporter_read`, ...
    pub action: String,
    /// From and to status, reason, changed fields.
    #[schema(value_type = Object)]
    pub details: serde_json::Value,
}

/// Read a complaint's audit trail.
///
/// `admin` and `inspector` of its Pemda, `super_admin`; other roles get 403. Every change and every read of reporter
/// identity, oldest first; entries are never changed or removed.
#[utoipa::path(
    tag = "complaints",
    params(("id" = Uuid, Path, description = "Complaint id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The trail", body = Vec<ComplaintEvent>),
        (status = 403, description = "Role may not read complaints", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such complaint in your Pemda", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/complaints/{id}/events")]
pub async fn list_complaint_events(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let mut conn = state.conn().await?;
    let row = services::complaints::readable(&mut conn, &user, *id).await?;
    let events = db::audit::events_of(&mut conn, "complaint", row.id).await?;
    let views: Vec<ComplaintEvent> = events
        .into_iter()
        .map(|e| ComplaintEvent {
            id: e.id,
            occurred_at: e.occurred_at,
            actor_id: e.actor_id,
            action: e.action,
            details: e.details,
        })
        .collect();
    Ok(HttpResponse::Ok().json(views))
}

/// Read who filed a complaint.
///
/// `admin` of its Pemda and `super_admin`; `inspector` only for supervision complaints. Everyone else gets 403. Every
/// read is written to the reporter access log and the audit trail. 404 when no identity was given.
#[utoipa::path(
    tag = "complaints",
    params(("id" = Uuid, Path, description = "Complaint id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The reporter", body = ReporterIdentity),
        (status = 403, description = "Not allowed to read reporter identity", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such complaint, or no identity recorded", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/complaints/{id}/reporter")]
pub async fn get_complaint_reporter(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let mut conn = state.conn().await?;
    let identity = services::complaints::read_reporter(&state, &mut conn, &user, *id).await?;
    Ok(HttpResponse::Ok().insert_header(("cache-control", "no-store")).json(identity))
}

/// A read of reporter identity.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReporterAccessView {
    pub id: Uuid,
    pub complaint_id: Uuid,
    /// Who read it.
    pub user_id: Uuid,
    #[serde(serialize_with = "crate::api::json_time::instant")]
    pub accessed_at: DateTime<Utc>,
}

/// Filters of the access log.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct AccessLogQuery {
    /// Only reads of this complaint.
    pub complaint_id: Option<Uuid>,
    /// Rows per page, 1 to 100 (default 20).
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<u32>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// List the reads of reporter identity.
///
/// `admin` (complaints of their Pemda) and `super_admin`; others get 403. Oldest first.
#[utoipa::path(
    tag = "complaints",
    params(AccessLogQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "A page of reads", body = Page<ReporterAccessView>),
        (status = 403, description = "Not an admin", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/reporter-access-log")]
pub async fn list_reporter_accesses(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: AuthUser,
    query: Query<AccessLogQuery>,
) -> Result<HttpResponse, ApiError> {
    guards::require(user.role, Action::ReadReporterAccessLog)?;
    let page = PageRequest::parse(query.limit, query.cursor.as_deref())?;
    let mut conn = state.conn().await?;
    let pemda_ids = services::complaints::readable_pemdas(&user)?;
    let rows = db::complaints::reporter_accesses(
        &mut conn,
        pemda_ids.as_deref(),
        query.complaint_id,
        page.after,
        page.fetch_limit(),
    )
    .await?;
    Ok(page.respond(
        &req,
        rows,
        |row| Keyset { at: row.accessed_at, id: row.id },
        |row| ReporterAccessView {
            id: row.id,
            complaint_id: row.complaint_id,
            user_id: row.user_id,
            accessed_at: row.accessed_at,
        },
    ))
}

//! Reports: who may read which scope, reading the facts of that scope, and handing them to `domain::report`.
//!
//! Every report is about one Pemda. Its admins, leaders and inspectors read all of it (and super admins any Pemda);
//! a province's admins, leaders and inspectors also read the aggregates of the kabupaten/kota below it (reports carry
//! no complaint, user or reporter); OPD staff read the Pemda's totals and their own unit's figures.

pub mod export;
pub mod export_jobs;
mod figures;
pub mod monthly;
pub mod public;
pub mod rankings;

pub use figures::{
    BacklogReport, CategoryRow, RegionRow, UnitBacklogRow, UnitReportRow, backlog, categories, regions, summary, trend,
    units,
};

use chrono::{DateTime, NaiveDate, Utc};
use diesel_async::AsyncPgConnection;
use uuid::Uuid;

use crate::auth::AuthUser;
use crate::db;
use crate::db::reports::{ComplaintFactsRow, DispositionFactsRow, ReportScope};
use crate::domain::calendar::WorkingCalendar;
pub use crate::domain::calendar::local_midnight;
use crate::domain::complaint::{Channel, Classification};
use crate::domain::report::facts::{ComplaintFacts, DispositionFacts, Feedback};
use crate::domain::report::period::{Period, PeriodRequest};
use crate::domain::role::Role;
use crate::domain::unit::UnitKind;
use crate::error::ApiError;
use crate::services::access;
use crate::state::AppState;

/// What a client asked a report about.
#[derive(Debug, Clone, Default)]
pub struct ReportRequest {
    /// The Pemda (default: the caller's).
    pub pemda_id: Option<Uuid>,
    /// Narrow to complaints disposed to this unit or a unit below it.
    pub unit_id: Option<Uuid>,
    /// Only this classification.
    pub classification: Option<Classification>,
    /// Only this channel.
    pub channel: Option<Channel>,
    /// Only this category and those below it.
    pub category_id: Option<Uuid>,
    /// Only this region and those below it.
    pub region_id: Option<Uuid>,
    /// Only supervision complaints, or only the others.
    pub supervision: Option<bool>,
    /// First date.
    pub from: Option<NaiveDate>,
    /// Last date.
    pub to: Option<NaiveDate>,
    /// `YYYY-MM`.
    pub month: Option<String>,
    /// `YYYY-Qn`.
    pub quarter: Option<String>,
    /// A year.
    pub year: Option<i32>,
}

/// The Pemda a report is about, as it appears in the report.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct PemdaRef {
    /// The Pemda's unit id.
    pub id: Uuid,
    /// Its code (`SKD`).
    pub code: String,
    /// Its name.
    pub name: String,
}

/// How much of a Pemda's reports a caller reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportReach {
    /// All of it.
    Pemda,
    /// The Pemda's totals, and the figures of this unit (and the units below it).
    OwnUnit(Uuid),
}

/// A checked request: whose reports, which complaints, which dates.
#[derive(Debug, Clone)]
pub struct Prepared {
    /// The Pemda.
    pub pemda: PemdaRef,
    /// The caller's reach in it.
    pub reach: ReportReach,
    /// The complaints covered.
    pub scope: ReportScope,
    /// The unit the request narrowed to, if any.
    pub unit_id: Option<Uuid>,
    /// The dates.
    pub period: Period,
    /// The first instant of the period.
    pub start: DateTime<Utc>,
    /// The instant after its last day.
    pub end: DateTime<Utc>,
    /// The report's "now".
    pub now: DateTime<Utc>,
}

/// Which reach a role has over its own Pemda's reports.
pub fn reach_of_role(role: Role, unit: Uuid) -> ReportReach {
    match role {
        Role::SuperAdmin | Role::Admin | Role::Leader | Role::Inspector => ReportReach::Pemda,
        Role::OpdOperator | Role::OpdOfficial | Role::ActionPlanReviewer => ReportReach::OwnUnit(unit),
    }
}

/// Checks who asks for what and reads the scope's reference (category and region subtrees, the unit's subtree).
/// With `own_unit_by_default`, OPD staff who name no unit get their own (reports that list units or categories);
/// otherwise they get the Pemda's totals.
pub async fn prepare(
    state: &AppState,
    conn: &mut AsyncPgConnection,
    caller: &AuthUser,
    request: &ReportRequest,
    own_unit_by_default: bool,
) -> Result<Prepared, ApiError> {
    let (pemda, reach) = pemda_for(conn, caller, request.pemda_id).await?;
    let now = state.clock.now();
    let timezone = state.settings.timezone;
    let today = now.with_timezone(&timezone).date_naive();
    let period = Period::parse(
        &PeriodRequest {
            from: request.from,
            to: request.to,
            month: request.month.as_deref(),
            quarter: request.quarter.as_deref(),
            year: request.year,
        },
        today,
    )?;

    let unit_id = match (reach, request.unit_id) {
        (ReportReach::OwnUnit(own), None) if own_unit_by_default => Some(own),
        (_, unit) => unit,
    };
    let units = match unit_id {
        Some(unit) => {
            let subtree = db::units::subtree_ids(conn, unit).await?;
            let in_pemda = access::ancestry_ids(conn, unit).await?.iter().any(|id| id.0 == pemda.id);
            if !in_pemda {
                return Err(ApiError::invalid_field("unit_id", "unknown_unit", "no such unit in this Pemda"));
            }
            if let ReportReach::OwnUnit(own) = reach
                && !db::units::subtree_ids(conn, own).await?.contains(&unit)
            {
                return Err(ApiError::forbidden("OPD staff read the figures of their own unit only"));
            }
            Some(subtree)
        }
        None => None,
    };
    let categories = match request.category_id {
        Some(id) => Some(subtree(
            id,
            db::reference::categories(conn, pemda.id).await?.iter().map(|c| (c.id, c.parent_id)),
            "category_id",
        )?),
        None => None,
    };
    let regions = match request.region_id {
        Some(id) => Some(subtree(
            id,
            db::reference::regions(conn, pemda.id).await?.iter().map(|r| (r.id, r.parent_id)),
            "region_id",
        )?),
        None => None,
    };
    let scope = ReportScope {
        pemda_id: pemda.id,
        units,
        classification: request.classification.map(|c| c.as_str().to_owned()),
        channel: request.channel.map(|c| c.as_str().to_owned()),
        categories,
        regions,
        supervision: request.supervision,
    };
    let start = local_midnight(timezone, period.from);
    let end = local_midnight(timezone, period.end_exclusive());
    Ok(Prepared { pemda, reach, scope, unit_id, period, start, end, now })
}

/// The Pemda a caller asks about, and their reach in it.
async fn pemda_for(
    conn: &mut AsyncPgConnection,
    caller: &AuthUser,
    requested: Option<Uuid>,
) -> Result<(PemdaRef, ReportReach), ApiError> {
    let home = caller.pemda_id.map(|id| id.0);
    let target = match (requested, home) {
        (Some(id), _) => id,
        (None, Some(home)) => home,
        (None, None) => return Err(ApiError::invalid_field("pemda_id", "required", "name the Pemda to report on")),
    };
    let row = db::units::find(conn, target).await?.filter(|row| is_pemda(&row.kind));
    let Some(row) = row else {
        return Err(ApiError::invalid_field("pemda_id", "unknown_pemda", "no such Pemda"));
    };
    let reach = if Some(row.id) == home {
        reach_of_role(caller.role, caller.unit_id.0)
    } else if caller.role == Role::SuperAdmin {
        ReportReach::Pemda
    } else if matches!(caller.role, Role::Admin | Role::Leader | Role::Inspector) && row.parent_id == home {
        // A province reads the aggregates of the kabupaten/kota below it.
        ReportReach::Pemda
    } else {
        return Err(ApiError::forbidden("reports of another Pemda are not yours to read"));
    };
    Ok((PemdaRef { id: row.id, code: row.code, name: row.name }, reach))
}

fn is_pemda(kind: &str) -> bool {
    kind.parse::<UnitKind>().is_ok_and(UnitKind::is_pemda)
}

/// `root` and every id below it in a tree of `(id, parent)` pairs; 422 on `field` when `root` is not in the tree.
fn subtree(
    root: Uuid,
    nodes: impl Iterator<Item = (Uuid, Option<Uuid>)>,
    field: &'static str,
) -> Result<Vec<Uuid>, ApiError> {
    let nodes: Vec<(Uuid, Option<Uuid>)> = nodes.collect();
    if !nodes.iter().any(|(id, _)| *id == root) {
        return Err(ApiError::invalid_field(field, "unknown_value", "no such entry in this Pemda"));
    }
    let mut found = vec![root];
    let mut index = 0;
    while index < found.len() {
        let parent = found[index];
        found.extend(nodes.iter().filter(|(_, p)| *p == Some(parent)).map(|(id, _)| *id));
        index += 1;
    }
    Ok(found)
}

/// The Pemda's working-day calendar over every date the facts and `now` span.
pub async fn calendar_for(
    state: &AppState,
    conn: &mut AsyncPgConnection,
    pemda: Uuid,
    earliest: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<WorkingCalendar, ApiError> {
    let timezone = state.settings.timezone;
    let from = earliest.with_timezone(&timezone).date_naive();
    let until = now.with_timezone(&timezone).date_naive() + chrono::Days::new(800);
    let dates = db::reference::holiday_dates(conn, pemda, from, until).await?;
    Ok(WorkingCalendar::new(timezone, dates))
}

fn corrupt(what: &str, value: &str) -> ApiError {
    ApiError::Internal(anyhow::anyhow!("a stored {what} is not a known value: {value:?}"))
}

/// A fact row in domain terms.
pub fn complaint_facts(row: ComplaintFactsRow) -> Result<ComplaintFacts, ApiError> {
    let feedback = match (row.rating, row.satisfied) {
        (Some(rating), Some(satisfied)) => Some(Feedback {
            rating: u8::try_from(rating).map_err(|_| corrupt("rating", &rating.to_string()))?,
            satisfied,
        }),
        _ => None,
    };
    let status = row.status.parse().map_err(|_| corrupt("complaint status", &row.status))?;
    Ok(ComplaintFacts {
        id: row.id,
        received_at: row.created_at,
        classification: row.classification.parse().map_err(|_| corrupt("classification", &row.classification))?,
        supervision: row.supervision,
        channel: row.channel.parse().map_err(|_| corrupt("channel", &row.channel))?,
        category_id: row.category_id,
        region_id: row.region_id,
        status,
        archive_reason: match row.archive_reason.as_deref() {
            Some(reason) => Some(reason.parse().map_err(|_| corrupt("archive reason", reason))?),
            None => None,
        },
        verify_by: row.verify_by,
        first_response_by: row.first_response_by,
        resolve_by: row.resolve_by,
        verified_at: row.verified_at,
        first_answer_at: row.first_response_at,
        resolved_at: row.resolved_at,
        closed_without_reply: row.closed_reason.as_deref() == Some("auto_closed"),
        reopen_count: u32::try_from(row.reopen_count).unwrap_or_default(),
        reached_reporter: matches!(
            status,
            crate::domain::complaint::ComplaintStatus::AwaitingReporter
                | crate::domain::complaint::ComplaintStatus::Finished
        ) || row.reopen_count > 0,
        feedback,
    })
}

/// A disposition fact row in domain terms.
pub fn disposition_facts(row: DispositionFactsRow) -> Result<DispositionFacts, ApiError> {
    Ok(DispositionFacts {
        unit_id: row.unit_id,
        complaint_id: row.complaint_id,
        status: row.status.parse().map_err(|_| corrupt("disposition status", &row.status))?,
        return_reason: match row.return_reason.as_deref() {
            Some(reason) => Some(reason.parse().map_err(|_| corrupt("return reason", reason))?),
            None => None,
        },
        delegated: row.delegated,
        sent_at: row.created_at,
        due_at: row.due_at,
        first_answer_at: row.first_answer_at,
        completed_at: row.completed_at,
        reporter_satisfied: row.reporter_satisfied,
    })
}

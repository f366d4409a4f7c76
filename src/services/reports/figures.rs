//! The staff reports of one Pemda: summary, per OPD, per category, per region, trend and backlog.

use std::collections::BTreeMap;

use diesel_async::AsyncPgConnection;
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use super::{Prepared, ReportRequest, calendar_for, complaint_facts, disposition_facts, prepare};
use crate::auth::AuthUser;
use crate::db;
use crate::db::reports::ReportScope;
use crate::domain::calendar::WorkingCalendar;
use crate::domain::report::backlog::{Backlog, complaint_backlog, unit_backlogs};
use crate::domain::report::facts::{ComplaintFacts, DispositionFacts, EscalationFact};
use crate::domain::report::summary::{self as summary_rules, Kpis, Summary, received_in};
use crate::domain::report::trend::{self as trend_rules, Interval, TrendPoint};
use crate::domain::report::units::{UnitFigures, unit_figures};
use crate::error::ApiError;
use crate::services::access;
use crate::state::AppState;

/// The facts of a prepared report and the calendar to measure them with.
pub(super) struct Loaded {
    pub(super) calendar: WorkingCalendar,
    pub(super) touched: Vec<ComplaintFacts>,
}

pub(super) async fn load(
    state: &AppState,
    conn: &mut AsyncPgConnection,
    prepared: &Prepared,
) -> Result<Loaded, ApiError> {
    let rows = db::reports::complaint_facts(conn, &prepared.scope, prepared.start, prepared.end).await?;
    let touched = rows.into_iter().map(complaint_facts).collect::<Result<Vec<_>, _>>()?;
    let earliest = touched.iter().map(|c| c.received_at).min().unwrap_or(prepared.start).min(prepared.start);
    let calendar = calendar_for(state, conn, prepared.pemda.id, earliest, prepared.now).await?;
    Ok(Loaded { calendar, touched })
}

async fn open_complaints(conn: &mut AsyncPgConnection, scope: &ReportScope) -> Result<Vec<ComplaintFacts>, ApiError> {
    db::reports::open_complaint_facts(conn, scope).await?.into_iter().map(complaint_facts).collect()
}

/// The summary of the period, and the backlog now, of the scope.
pub async fn summary(
    state: &AppState,
    caller: &AuthUser,
    request: &ReportRequest,
) -> Result<(Prepared, Summary, Backlog), ApiError> {
    let mut conn = state.conn().await?;
    let prepared = prepare(state, &mut conn, caller, request, false).await?;
    let loaded = load(state, &mut conn, &prepared).await?;
    let open = open_complaints(&mut conn, &prepared.scope).await?;
    let earliest = open.iter().map(|c| c.received_at).min().unwrap_or(prepared.start);
    let calendar = if earliest < prepared.start {
        calendar_for(state, &mut conn, prepared.pemda.id, earliest, prepared.now).await?
    } else {
        loaded.calendar.clone()
    };
    let summary = summary_rules::summary(&loaded.calendar, &prepared.period, prepared.now, &loaded.touched);
    let backlog = complaint_backlog(&calendar, prepared.now, &open);
    Ok((prepared, summary, backlog))
}

/// The series of the period.
pub async fn trend(
    state: &AppState,
    caller: &AuthUser,
    request: &ReportRequest,
    interval: Interval,
) -> Result<(Prepared, Vec<TrendPoint>), ApiError> {
    let mut conn = state.conn().await?;
    let prepared = prepare(state, &mut conn, caller, request, false).await?;
    if interval == Interval::Day && prepared.period.days() > 366 {
        return Err(ApiError::invalid_field("interval", "too_many_points", "a daily series covers at most 366 days"));
    }
    let loaded = load(state, &mut conn, &prepared).await?;
    Ok((prepared.clone(), trend_rules::trend(&loaded.calendar, &prepared.period, interval, &loaded.touched)))
}

/// One OPD's row of the units report.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct UnitReportRow {
    /// Its code.
    pub code: String,
    /// Its name.
    pub name: String,
    /// Its figures.
    #[serde(flatten)]
    pub figures: UnitFigures,
}

/// The OPDs of the Pemda a caller may see rows of: all of them, or those holding (or held by) the unit asked about.
async fn visible_opds(conn: &mut AsyncPgConnection, prepared: &Prepared) -> Result<Vec<db::units::UnitRow>, ApiError> {
    let opds = db::units::children_of_kind(conn, prepared.pemda.id, &["opd"]).await?;
    let Some(unit) = prepared.unit_id else {
        return Ok(opds);
    };
    let mut related: Vec<Uuid> = access::ancestry_ids(conn, unit).await?.into_iter().map(|id| id.0).collect();
    related.extend(prepared.scope.units.iter().flatten());
    Ok(opds.into_iter().filter(|opd| related.contains(&opd.id)).collect())
}

/// One row per OPD (OPD staff: their own), over the dispositions sent in the period.
pub async fn units(
    state: &AppState,
    caller: &AuthUser,
    request: &ReportRequest,
) -> Result<(Prepared, Vec<UnitReportRow>), ApiError> {
    let mut conn = state.conn().await?;
    let prepared = prepare(state, &mut conn, caller, request, true).await?;
    let opds = visible_opds(&mut conn, &prepared).await?;
    let rows = unit_rows(state, &mut conn, &prepared, opds).await?;
    Ok((prepared, rows))
}

/// The rows of `opds` over the dispositions of the scope's complaints sent in the period.
pub(super) async fn unit_rows(
    state: &AppState,
    conn: &mut AsyncPgConnection,
    prepared: &Prepared,
    opds: Vec<db::units::UnitRow>,
) -> Result<Vec<UnitReportRow>, ApiError> {
    // Every disposition of the Pemda's complaints in scope, whichever unit the request named: the rows pick theirs.
    let scope = ReportScope { units: None, ..prepared.scope.clone() };
    let dispositions: Vec<DispositionFacts> =
        db::reports::disposition_facts(conn, &scope, prepared.start, prepared.end)
            .await?
            .into_iter()
            .map(disposition_facts)
            .collect::<Result<_, _>>()?;
    let escalations: Vec<EscalationFact> = db::reports::escalations(conn, &scope, prepared.start, prepared.end)
        .await?
        .into_iter()
        .map(|row| EscalationFact { unit_id: row.unit_id, level: u8::try_from(row.level).unwrap_or(3) })
        .collect();
    let earliest = dispositions.iter().map(|d| d.sent_at).min().unwrap_or(prepared.start);
    let calendar = calendar_for(state, conn, prepared.pemda.id, earliest, prepared.now).await?;
    let ids: Vec<Uuid> = opds.iter().map(|opd| opd.id).collect();
    let figures = unit_figures(&calendar, prepared.now, &ids, &dispositions, &escalations);
    Ok(opds
        .into_iter()
        .zip(figures)
        .map(|(opd, figures)| UnitReportRow { code: opd.code, name: opd.name, figures })
        .collect())
}

/// One category's (or region's) row: the core figures of the complaints received in the period.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CategoryRow {
    /// The category; `null` for complaints without one.
    pub category_id: Option<Uuid>,
    /// Its code (`null` with the id).
    pub code: Option<String>,
    /// Its name ("Tanpa kategori" for none).
    pub name: String,
    /// The category it belongs to.
    pub parent_id: Option<Uuid>,
    /// Its figures.
    #[serde(flatten)]
    pub kpis: Kpis,
}

/// One region's row.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RegionRow {
    /// The region; `null` for complaints without one.
    pub region_id: Option<Uuid>,
    /// Its code.
    pub code: Option<String>,
    /// Its name ("Tanpa wilayah" for none).
    pub name: String,
    /// `kecamatan`, `desa`, ...
    pub kind: Option<String>,
    /// The region it lies in.
    pub parent_id: Option<Uuid>,
    /// Its figures.
    #[serde(flatten)]
    pub kpis: Kpis,
}

/// The complaints received in the period, grouped by `key`, with the core figures of each group.
fn grouped(
    loaded: &Loaded,
    prepared: &Prepared,
    key: fn(&ComplaintFacts) -> Option<Uuid>,
) -> BTreeMap<Option<Uuid>, Kpis> {
    let mut groups: BTreeMap<Option<Uuid>, Vec<&ComplaintFacts>> = BTreeMap::new();
    for c in loaded.touched.iter().filter(|c| received_in(&loaded.calendar, &prepared.period, c)) {
        groups.entry(key(c)).or_default().push(c);
    }
    groups.into_iter().map(|(id, list)| (id, summary_rules::kpis(&loaded.calendar, list))).collect()
}

fn empty_kpis(calendar: &WorkingCalendar) -> Kpis {
    summary_rules::kpis(calendar, std::iter::empty())
}

/// Most received first, then by name.
fn by_volume<T>(rows: &mut [T], kpis: fn(&T) -> &Kpis, name: fn(&T) -> &str) {
    rows.sort_by(|a, b| kpis(b).received.cmp(&kpis(a).received).then_with(|| name(a).cmp(name(b))));
}

/// One row per category of the Pemda (and one for complaints without a category).
pub async fn categories(
    state: &AppState,
    caller: &AuthUser,
    request: &ReportRequest,
) -> Result<(Prepared, Vec<CategoryRow>), ApiError> {
    let mut conn = state.conn().await?;
    let prepared = prepare(state, &mut conn, caller, request, true).await?;
    let loaded = load(state, &mut conn, &prepared).await?;
    let mut groups = grouped(&loaded, &prepared, |c| c.category_id);
    let mut rows: Vec<CategoryRow> = db::reference::categories(&mut conn, prepared.pemda.id)
        .await?
        .into_iter()
        .filter(|c| prepared.scope.categories.as_ref().is_none_or(|within| within.contains(&c.id)))
        .map(|c| CategoryRow {
            kpis: groups.remove(&Some(c.id)).unwrap_or_else(|| empty_kpis(&loaded.calendar)),
            category_id: Some(c.id),
            code: Some(c.code),
            name: c.name,
            parent_id: c.parent_id,
        })
        .collect();
    if let Some(kpis) = groups.remove(&None) {
        rows.push(CategoryRow { category_id: None, code: None, name: "Tanpa kategori".into(), parent_id: None, kpis });
    }
    by_volume(&mut rows, |r| &r.kpis, |r| &r.name);
    Ok((prepared, rows))
}

/// One row per region of the Pemda (and one for complaints without a region).
pub async fn regions(
    state: &AppState,
    caller: &AuthUser,
    request: &ReportRequest,
) -> Result<(Prepared, Vec<RegionRow>), ApiError> {
    let mut conn = state.conn().await?;
    let prepared = prepare(state, &mut conn, caller, request, true).await?;
    let loaded = load(state, &mut conn, &prepared).await?;
    let mut groups = grouped(&loaded, &prepared, |c| c.region_id);
    let mut rows: Vec<RegionRow> = db::reference::regions(&mut conn, prepared.pemda.id)
        .await?
        .into_iter()
        .filter(|r| prepared.scope.regions.as_ref().is_none_or(|within| within.contains(&r.id)))
        .map(|r| RegionRow {
            kpis: groups.remove(&Some(r.id)).unwrap_or_else(|| empty_kpis(&loaded.calendar)),
            region_id: Some(r.id),
            code: Some(r.code),
            name: r.name,
            kind: Some(r.kind),
            parent_id: r.parent_id,
        })
        .collect();
    if let Some(kpis) = groups.remove(&None) {
        rows.push(RegionRow {
            region_id: None,
            code: None,
            name: "Tanpa wilayah".into(),
            kind: None,
            parent_id: None,
            kpis,
        });
    }
    by_volume(&mut rows, |r| &r.kpis, |r| &r.name);
    Ok((prepared, rows))
}

/// One OPD's open dispositions.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct UnitBacklogRow {
    /// The OPD.
    pub unit_id: Uuid,
    /// Its code.
    pub code: String,
    /// Its name.
    pub name: String,
    /// Its backlog.
    #[serde(flatten)]
    pub backlog: Backlog,
}

/// The backlog now: the scope's open complaints, and each OPD's open dispositions.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct BacklogReport {
    /// Open complaints, aged from arrival.
    pub complaints: Backlog,
    /// Open dispositions per OPD, aged from sending.
    pub units: Vec<UnitBacklogRow>,
}

/// The backlog now (the period is not used).
pub async fn backlog(
    state: &AppState,
    caller: &AuthUser,
    request: &ReportRequest,
) -> Result<(Prepared, BacklogReport), ApiError> {
    let mut conn = state.conn().await?;
    let prepared = prepare(state, &mut conn, caller, request, true).await?;
    let open = open_complaints(&mut conn, &prepared.scope).await?;
    let opds = visible_opds(&mut conn, &prepared).await?;
    let scope = ReportScope { units: None, ..prepared.scope.clone() };
    let dispositions: Vec<DispositionFacts> = db::reports::open_disposition_facts(&mut conn, &scope)
        .await?
        .into_iter()
        .map(disposition_facts)
        .collect::<Result<_, _>>()?;
    let earliest =
        open.iter().map(|c| c.received_at).chain(dispositions.iter().map(|d| d.sent_at)).min().unwrap_or(prepared.now);
    let calendar = calendar_for(state, &mut conn, prepared.pemda.id, earliest, prepared.now).await?;
    let ids: Vec<Uuid> = opds.iter().map(|opd| opd.id).collect();
    let per_unit = unit_backlogs(&calendar, prepared.now, &ids, &dispositions);
    let units = opds
        .into_iter()
        .zip(per_unit)
        .map(|(opd, row)| UnitBacklogRow { unit_id: opd.id, code: opd.code, name: opd.name, backlog: row.backlog })
        .collect();
    let report = BacklogReport { complaints: complaint_backlog(&calendar, prepared.now, &open), units };
    Ok((prepared, report))
}

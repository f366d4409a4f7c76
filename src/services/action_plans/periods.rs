//! Periods: their definition (years, legal basis, the matrix, the targeted and reviewing units) and the progress
//! of their forms.

use crate::auth::guards::{self, Action};
use crate::auth::{AuthUser, Reach};
use crate::db;
use crate::db::action_plans::{PeriodChanges, PeriodRow};
use crate::db::audit::NewAuditEvent;
use crate::domain::action_plan::Matrix;
use crate::domain::ids::UnitId;
use crate::domain::role::Role;
use crate::error::ApiError;
use crate::services::access;
use crate::state::AppState;
use chrono::NaiveDate;
use diesel_async::{AsyncConnection, AsyncPgConnection};
use serde_json::json;
use std::collections::BTreeMap;
use uuid::Uuid;

/// A period to define.
#[derive(Debug, Clone)]
pub struct NewPeriod {
    pub name: String,
    pub first_year: i32,
    pub last_year: i32,
    pub legal_basis: Option<String>,
    pub submission_deadline: Option<NaiveDate>,
    pub matrix: Matrix,
    /// Units that fill in forms.
    pub targets: Vec<Uuid>,
    /// Units whose reviewers must approve each form.
    pub reviewers: Vec<Uuid>,
}

/// Defines a period for the caller's Pemda.
pub async fn create_period(
    conn: &mut AsyncPgConnection,
    actor: &AuthUser,
    new: NewPeriod,
) -> Result<PeriodRow, ApiError> {
    guards::require(actor.role, Action::ManageActionPlanPeriods)?;
    let pemda = access::home_pemda(actor)?;
    if new.last_year < new.first_year || new.last_year > new.first_year + 9 {
        return Err(ApiError::invalid_field("last_year", "out_of_range", "a period spans 1 to 10 years"));
    }
    new.matrix.check(new.first_year, new.last_year)?;
    conn.transaction(async |conn| {
        for (field, units) in [("target_unit_ids", &new.targets), ("reviewer_unit_ids", &new.reviewers)] {
            for unit in units.iter() {
                let ancestry = access::ancestry_ids(conn, *unit).await?;
                if !ancestry.contains(&pemda) || ancestry.first() == Some(&pemda) {
                    return Err(ApiError::invalid_field(field, "not_in_pemda", "name units (OPDs) of your own Pemda"));
                }
            }
        }
        let row = PeriodRow {
            id: Uuid::now_v7(),
            pemda_id: pemda.0,
            name: new.name.clone(),
            first_year: new.first_year,
            last_year: new.last_year,
            legal_basis: new.legal_basis.clone(),
            submission_deadline: new.submission_deadline,
            matrix: serde_json::to_value(&new.matrix).map_err(anyhow::Error::new)?,
            version: 1,
            created_at: chrono::Utc::now(),
            updated_at: chrono::Utc::now(),
        };
        let row = db::action_plans::insert_period(conn, &row, &new.targets, &new.reviewers).await?;
        let details = json!({ "name": row.name, "first_year": row.first_year, "last_year": row.last_year });
        db::audit::record(conn, NewAuditEvent::new(Some(actor.id.0), "action_plan_period", row.id, "created", details))
            .await?;
        Ok(row)
    })
    .await
}

/// A period the caller may read: super admins any; everyone else those of their own Pemda.
pub async fn readable_period(conn: &mut AsyncPgConnection, actor: &AuthUser, id: Uuid) -> Result<PeriodRow, ApiError> {
    let period = db::action_plans::find_period(conn, id).await?.ok_or_else(|| ApiError::not_found("the period"))?;
    if actor.role != Role::SuperAdmin && actor.pemda_id != Some(UnitId(period.pemda_id)) {
        return Err(ApiError::not_found("the period"));
    }
    Ok(period)
}

/// Renames a period or changes its legal basis or deadline.
pub async fn update_period(
    conn: &mut AsyncPgConnection,
    actor: &AuthUser,
    id: Uuid,
    expected_version: Option<i32>,
    changes: PeriodChanges,
) -> Result<PeriodRow, ApiError> {
    guards::require(actor.role, Action::ManageActionPlanPeriods)?;
    let current = readable_period(conn, actor, id).await?;
    conn.transaction(async |conn| {
        let updated = db::action_plans::update_period(conn, id, expected_version, &changes)
            .await?
            .ok_or_else(|| ApiError::stale(current.version))?;
        db::audit::record(conn, NewAuditEvent::new(Some(actor.id.0), "action_plan_period", id, "updated", json!({})))
            .await?;
        Ok(updated)
    })
    .await
}

/// The reach check used by list endpoints for periods.
pub fn period_scope(actor: &AuthUser) -> Result<Option<Vec<Uuid>>, ApiError> {
    match access::reach_of(actor) {
        Reach::Everything => Ok(None),
        _ => Ok(Some(vec![access::home_pemda(actor)?.0])),
    }
}

/// Progress of one targeted unit in a period.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct UnitProgress {
    pub unit_id: Uuid,
    /// The form's status, or `not_started` when the unit has not opened one.
    pub status: String,
    pub submitted_at: Option<chrono::DateTime<chrono::Utc>>,
    /// Days past the submission deadline (submitted late, or still not submitted today); 0 when on time.
    pub days_late: i64,
    pub rows: usize,
    /// Average percent of the annual targets achieved, by `"2021-Q1"`, over the rows with a numeric realisation.
    #[schema(value_type = Object)]
    pub achieved: BTreeMap<String, f64>,
}

/// The compiled progress of a period.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct PeriodProgress {
    pub units: Vec<UnitProgress>,
    /// Forms per status across the Pemda (`not_started` included).
    #[schema(value_type = Object)]
    pub forms_by_status: BTreeMap<String, usize>,
    /// Average of the units' achievement, by quarter.
    #[schema(value_type = Object)]
    pub achieved: BTreeMap<String, f64>,
}

fn average(values: &[f64]) -> f64 {
    (values.iter().sum::<f64>() / values.len() as f64 * 10.0).round() / 10.0
}

/// Compiles the progress of a period for everyone who may read it.
pub async fn progress(
    state: &AppState,
    conn: &mut AsyncPgConnection,
    actor: &AuthUser,
    period_id: Uuid,
) -> Result<PeriodProgress, ApiError> {
    let period = readable_period(conn, actor, period_id).await?;
    let targets = db::action_plans::period_units(conn, period.id, "target").await?;
    let plans = db::action_plans::plans(conn, Some(&[period.id]), None, None).await?;
    let realisations = db::action_plans::realisations(conn, &plans.iter().map(|p| p.id).collect::<Vec<_>>()).await?;
    let today = state.clock.now().with_timezone(&state.settings.timezone).date_naive();
    let mut units = Vec::new();
    let mut forms_by_status: BTreeMap<String, usize> = BTreeMap::new();
    let mut per_quarter: BTreeMap<String, Vec<f64>> = BTreeMap::new();
    for unit in targets {
        let plan = plans.iter().find(|p| p.unit_id == unit);
        let status = plan.map_or("not_started".to_owned(), |p| p.status.clone());
        *forms_by_status.entry(status.clone()).or_default() += 1;
        let submitted_on =
            plan.and_then(|p| p.submitted_at).map(|at| at.with_timezone(&state.settings.timezone).date_naive());
        let days_late = period
            .submission_deadline
            .map_or(0, |deadline| (submitted_on.unwrap_or(today) - deadline).num_days().max(0));
        let rows = match plan {
            Some(plan) => db::action_plans::lines(conn, plan.id).await?.len(),
            None => 0,
        };
        let mut achieved: BTreeMap<String, Vec<f64>> = BTreeMap::new();
        for realisation in realisations.iter().filter(|r| plan.is_some_and(|p| p.id == r.plan_id)) {
            if let Some(percent) = realisation.percent_achieved {
                achieved.entry(format!("{}-Q{}", realisation.year, realisation.quarter)).or_default().push(percent);
            }
        }
        let achieved: BTreeMap<String, f64> =
            achieved.into_iter().map(|(slot, values)| (slot, average(&values))).collect();
        for (slot, value) in &achieved {
            per_quarter.entry(slot.clone()).or_default().push(*value);
        }
        units.push(UnitProgress {
            unit_id: unit,
            status,
            submitted_at: plan.and_then(|p| p.submitted_at),
            days_late,
            rows,
            achieved,
        });
    }
    let achieved = per_quarter.into_iter().map(|(slot, values)| (slot, average(&values))).collect();
    Ok(PeriodProgress { units, forms_by_status, achieved })
}

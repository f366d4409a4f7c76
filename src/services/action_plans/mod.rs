//! Rencana Aksi: defining periods, opening and filling in forms, submitting them (each submission freezes a
//! numbered version), their review, quarterly realisation and the Excel workbooks, one file a part; what the parts
//! share (who may read or edit a form, the audit of an edit) is here.

mod forms;
mod periods;
mod realisations;
mod reviews;
pub mod spreadsheet;
mod workbooks;

pub use forms::*;
pub use periods::*;
pub use realisations::*;
pub use reviews::*;
pub use workbooks::*;

use crate::auth::AuthUser;
use crate::auth::guards::{self, Action};
use crate::db;
use crate::db::action_plans::{PeriodRow, PlanRow};
use crate::db::audit::NewAuditEvent;
use crate::domain::action_plan::{Matrix, PlanStatus, cells_of};
use crate::domain::ids::UnitId;
use crate::domain::role::Role;
use crate::error::ApiError;
use diesel_async::AsyncPgConnection;
use serde_json::{Value, json};
use uuid::Uuid;

/// The matrix stored with a period.
pub fn matrix_of(period: &PeriodRow) -> Result<Matrix, ApiError> {
    Ok(serde_json::from_value(period.matrix.clone()).map_err(anyhow::Error::new)?)
}

/// Whether the caller sees a form: OPD roles their own unit's; reviewers those of periods their unit reviews; admins,
/// leaders and inspectors those of their Pemda; super admins all.
pub async fn sees_form(
    conn: &mut AsyncPgConnection,
    actor: &AuthUser,
    plan: &PlanRow,
    period: &PeriodRow,
) -> Result<bool, ApiError> {
    Ok(match actor.role {
        Role::SuperAdmin => true,
        Role::Admin | Role::Leader | Role::Inspector => actor.pemda_id == Some(UnitId(period.pemda_id)),
        Role::ActionPlanReviewer => {
            db::action_plans::period_units(conn, period.id, "reviewer").await?.contains(&actor.unit_id.0)
        }
        Role::OpdOperator | Role::OpdOfficial => plan.unit_id == actor.unit_id.0,
    })
}

/// A form the caller may see, with its period (404 otherwise).
pub async fn readable_form(
    conn: &mut AsyncPgConnection,
    actor: &AuthUser,
    id: Uuid,
) -> Result<(PlanRow, PeriodRow), ApiError> {
    let not_found = || ApiError::not_found("the action plan");
    let plan = db::action_plans::find_plan(conn, id).await?.ok_or_else(not_found)?;
    let period = db::action_plans::find_period(conn, plan.period_id).await?.ok_or_else(not_found)?;
    if !sees_form(conn, actor, &plan, &period).await? {
        return Err(not_found());
    }
    Ok((plan, period))
}

/// Locks an editable form of the caller's unit, checking its version.
pub(super) async fn editable(
    conn: &mut AsyncPgConnection,
    actor: &AuthUser,
    id: Uuid,
    expected_version: Option<i32>,
) -> Result<(PlanRow, PeriodRow), ApiError> {
    guards::require(actor.role, Action::EditActionPlans)?;
    let (_, period) = readable_form(conn, actor, id).await?;
    let plan = db::action_plans::lock_plan(conn, id).await?.ok_or_else(|| ApiError::not_found("the action plan"))?;
    if let Some(version) = expected_version
        && version != plan.version
    {
        return Err(ApiError::stale(plan.version));
    }
    let status: PlanStatus = plan.status.parse()?;
    if !status.is_editable() {
        return Err(ApiError::Conflict {
            code: "not_editable",
            detail: "the form can be changed only while it is a draft or returned for revision".into(),
            context: Some(json!({ "status": status })),
        });
    }
    Ok((plan, period))
}

/// Edits after a first submission are audited (the issue asks for every edit after submission).
pub(super) async fn record_edit(
    conn: &mut AsyncPgConnection,
    actor: &AuthUser,
    plan: &PlanRow,
    action: &str,
    details: Value,
) -> Result<(), ApiError> {
    db::action_plans::touch_plan(conn, plan.id).await?;
    if plan.current_version > 0 {
        db::audit::record(conn, NewAuditEvent::new(Some(actor.id.0), "action_plan", plan.id, action, details)).await?;
    }
    Ok(())
}

pub(super) fn unit_label(unit: &db::units::UnitRow) -> String {
    unit.short_name.clone().unwrap_or_else(|| unit.name.clone())
}

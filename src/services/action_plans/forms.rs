//! Forms: opening one for a unit, filling its rows in, reordering them, and submitting it as a frozen version.

use super::*;
use crate::auth::AuthUser;
use crate::auth::guards::{self, Action};
use crate::db;
use crate::db::action_plans::{LineRow, PlanRow, VersionRow};
use crate::db::audit::NewAuditEvent;
use crate::domain::action_plan::{self, PlanAction, PlanStatus};
use crate::domain::role::Role;
use crate::error::{ApiError, FieldError};
use crate::services::access;
use crate::state::AppState;
use diesel_async::{AsyncConnection, AsyncPgConnection};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use uuid::Uuid;

/// The forms the caller lists: `(periods, units)` limits, `None` for none.
pub async fn form_scope(
    conn: &mut AsyncPgConnection,
    actor: &AuthUser,
) -> Result<(Option<Vec<Uuid>>, Option<Vec<Uuid>>), ApiError> {
    Ok(match actor.role {
        Role::SuperAdmin => (None, None),
        Role::Admin | Role::Leader | Role::Inspector => {
            let pemda = access::home_pemda(actor)?;
            let periods = db::action_plans::periods(conn, Some(&[pemda.0])).await?;
            (Some(periods.into_iter().map(|p| p.id).collect()), None)
        }
        Role::ActionPlanReviewer => {
            let pemda = access::home_pemda(actor)?;
            let mut reviewed = Vec::new();
            for period in db::action_plans::periods(conn, Some(&[pemda.0])).await? {
                if db::action_plans::period_units(conn, period.id, "reviewer").await?.contains(&actor.unit_id.0) {
                    reviewed.push(period.id);
                }
            }
            (Some(reviewed), None)
        }
        Role::OpdOperator | Role::OpdOfficial => (None, Some(vec![actor.unit_id.0])),
    })
}

/// An OPD operator opens their unit's form for a period that targets it, prefilled with the template rows.
pub async fn open_form(conn: &mut AsyncPgConnection, actor: &AuthUser, period_id: Uuid) -> Result<PlanRow, ApiError> {
    guards::require(actor.role, Action::EditActionPlans)?;
    if actor.role != Role::OpdOperator {
        return Err(ApiError::forbidden("the admin penghubung opens the unit's form"));
    }
    let period = readable_period(conn, actor, period_id)
        .await
        .map_err(|_| ApiError::invalid_field("period_id", "not_found", "no period of your Pemda has this id"))?;
    let matrix = matrix_of(&period)?;
    conn.transaction(async |conn| {
        if !db::action_plans::period_units(conn, period.id, "target").await?.contains(&actor.unit_id.0) {
            return Err(ApiError::forbidden("this period does not target your unit"));
        }
        let now = chrono::Utc::now();
        let row = PlanRow {
            id: Uuid::now_v7(),
            period_id: period.id,
            unit_id: actor.unit_id.0,
            status: PlanStatus::Draft.as_str().into(),
            current_version: 0,
            submitted_at: None,
            version: 1,
            created_by: Some(actor.id.0),
            created_at: now,
            updated_at: now,
            letter_number: None,
            letter_date: None,
            letter_attachment_id: None,
        };
        let plan = db::action_plans::insert_plan(conn, &row)
            .await?
            .ok_or_else(|| ApiError::conflict("form_exists", "your unit already has a form for this period"))?;
        let lines: Vec<LineRow> = matrix
            .template_rows
            .iter()
            .enumerate()
            .map(|(index, cells)| {
                Ok(LineRow {
                    id: Uuid::now_v7(),
                    plan_id: plan.id,
                    position: i32::try_from(index + 1).unwrap_or(i32::MAX),
                    template: true,
                    cells: serde_json::to_value(cells).map_err(anyhow::Error::new)?,
                    created_at: now,
                    updated_at: now,
                })
            })
            .collect::<Result<_, ApiError>>()?;
        db::action_plans::insert_lines(conn, &lines).await?;
        db::audit::record(
            conn,
            NewAuditEvent::new(Some(actor.id.0), "action_plan", plan.id, "created", json!({ "period_id": period.id })),
        )
        .await?;
        Ok(plan)
    })
    .await
}

fn cell_errors(position: i32, errors: Vec<action_plan::CellError>) -> ApiError {
    let mut fields: Vec<FieldError> = errors
        .into_iter()
        .map(|e| FieldError::new(format!("rows[{position}].{}", e.cell), e.code, e.message))
        .collect();
    fields.sort_by(|a, b| a.field.cmp(&b.field));
    ApiError::Validation(fields)
}

/// Adds a row to an editable form.
pub async fn add_line(
    conn: &mut AsyncPgConnection,
    actor: &AuthUser,
    plan_id: Uuid,
    expected_version: Option<i32>,
    cells: BTreeMap<String, Value>,
) -> Result<LineRow, ApiError> {
    conn.transaction(async |conn| {
        let (plan, period) = editable(conn, actor, plan_id, expected_version).await?;
        let lines = db::action_plans::lines(conn, plan.id).await?;
        let position = lines.iter().map(|l| l.position).max().unwrap_or(0) + 1;
        let errors = matrix_of(&period)?.check_cells(period.first_year, period.last_year, &cells);
        if !errors.is_empty() {
            return Err(cell_errors(position, errors));
        }
        let now = chrono::Utc::now();
        let line = LineRow {
            id: Uuid::now_v7(),
            plan_id: plan.id,
            position,
            template: false,
            cells: serde_json::to_value(&cells).map_err(anyhow::Error::new)?,
            created_at: now,
            updated_at: now,
        };
        db::action_plans::insert_lines(conn, std::slice::from_ref(&line)).await?;
        record_edit(conn, actor, &plan, "row_added", json!({ "row_id": line.id })).await?;
        Ok(line)
    })
    .await
}

/// Replaces a row's cells (and optionally moves it). Template rows keep the values the template gave them.
pub async fn update_line(
    conn: &mut AsyncPgConnection,
    actor: &AuthUser,
    plan_id: Uuid,
    line_id: Uuid,
    expected_version: Option<i32>,
    cells: BTreeMap<String, Value>,
    position: Option<i32>,
) -> Result<LineRow, ApiError> {
    conn.transaction(async |conn| {
        let (plan, period) = editable(conn, actor, plan_id, expected_version).await?;
        let lines = db::action_plans::lines(conn, plan.id).await?;
        let line = lines.iter().find(|l| l.id == line_id).ok_or_else(|| ApiError::not_found("the row"))?;
        let matrix = matrix_of(&period)?;
        let position = position.unwrap_or(line.position);
        if position < 1 {
            return Err(ApiError::invalid_field("position", "out_of_range", "positions start at 1"));
        }
        let errors = matrix.check_cells(period.first_year, period.last_year, &cells);
        if !errors.is_empty() {
            return Err(cell_errors(line.position, errors));
        }
        if line.template && !matrix.keeps_template_cells(&cells_of(&line.cells), &cells) {
            return Err(ApiError::invalid_field(
                format!("rows[{}]", line.position),
                "template_cell",
                "a template row keeps its focus, action and indicator; fill in the other cells",
            ));
        }
        let updated = db::action_plans::update_line(
            conn,
            line.id,
            &serde_json::to_value(&cells).map_err(anyhow::Error::new)?,
            position,
        )
        .await?;
        record_edit(conn, actor, &plan, "row_updated", json!({ "row_id": line.id })).await?;
        Ok(updated)
    })
    .await
}

/// Puts the form's rows in the given order (positions 1..n). Template rows may move like any other.
pub async fn reorder_lines(
    conn: &mut AsyncPgConnection,
    actor: &AuthUser,
    plan_id: Uuid,
    expected_version: Option<i32>,
    row_ids: Vec<Uuid>,
) -> Result<(), ApiError> {
    conn.transaction(async |conn| {
        let (plan, _) = editable(conn, actor, plan_id, expected_version).await?;
        let current: Vec<Uuid> = db::action_plans::lines(conn, plan.id).await?.iter().map(|l| l.id).collect();
        action_plan::check_row_order(&current, &row_ids)?;
        db::action_plans::set_line_positions(conn, &row_ids).await?;
        record_edit(conn, actor, &plan, "rows_reordered", json!({ "row_ids": row_ids })).await?;
        Ok(())
    })
    .await
}

/// Removes a row; template rows cannot be removed.
pub async fn delete_line(
    conn: &mut AsyncPgConnection,
    actor: &AuthUser,
    plan_id: Uuid,
    line_id: Uuid,
    expected_version: Option<i32>,
) -> Result<(), ApiError> {
    conn.transaction(async |conn| {
        let (plan, _) = editable(conn, actor, plan_id, expected_version).await?;
        let lines = db::action_plans::lines(conn, plan.id).await?;
        let line = lines.iter().find(|l| l.id == line_id).ok_or_else(|| ApiError::not_found("the row"))?;
        if line.template {
            return Err(ApiError::conflict("template_row", "template rows cannot be removed, only filled in"));
        }
        db::action_plans::delete_line(conn, line.id).await?;
        record_edit(conn, actor, &plan, "row_removed", json!({ "row_id": line.id })).await?;
        Ok(())
    })
    .await
}

/// Submits a form: every required cell of every row must be filled (422 lists each missing one); the rows are
/// frozen as the next numbered version.
pub async fn submit(
    state: &AppState,
    conn: &mut AsyncPgConnection,
    actor: &AuthUser,
    plan_id: Uuid,
    expected_version: Option<i32>,
) -> Result<PlanRow, ApiError> {
    let now = state.clock.now();
    conn.transaction(async |conn| {
        let (plan, period) = editable(conn, actor, plan_id, expected_version).await?;
        let from: PlanStatus = plan.status.parse()?;
        let to = action_plan::transition(from, PlanAction::Submit)?;
        let matrix = matrix_of(&period)?;
        let lines = db::action_plans::lines(conn, plan.id).await?;
        let missing: Vec<FieldError> = lines
            .iter()
            .flat_map(|line| {
                matrix
                    .missing_required(period.first_year, period.last_year, &cells_of(&line.cells))
                    .into_iter()
                    .map(move |e| FieldError::new(format!("rows[{}].{}", line.position, e.cell), e.code, e.message))
            })
            .collect();
        if !missing.is_empty() {
            return Err(ApiError::Validation(missing));
        }
        let number = plan.current_version + 1;
        let snapshot = serde_json::to_value(&lines).map_err(anyhow::Error::new)?;
        db::action_plans::insert_version(
            conn,
            &VersionRow { plan_id: plan.id, number, rows: snapshot, submitted_by: Some(actor.id.0), submitted_at: now },
        )
        .await?;
        let updated = db::action_plans::set_plan_status(conn, plan.id, to.as_str(), Some(number), Some(now)).await?;
        let details = json!({ "from": from, "to": to, "version": number });
        db::audit::record(conn, NewAuditEvent::new(Some(actor.id.0), "action_plan", plan.id, "submit", details))
            .await?;
        Ok(updated)
    })
    .await
}

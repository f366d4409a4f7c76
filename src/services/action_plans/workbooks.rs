//! A form or a whole period as a workbook or CSV, and a filled-in workbook read back into a form.

use super::*;
use crate::auth::AuthUser;
use crate::db;
use crate::db::action_plans::{LineRow, PeriodRow, PlanRow};
use crate::domain::role::Role;
use crate::error::{ApiError, FieldError};
use diesel_async::{AsyncConnection, AsyncPgConnection};
use serde_json::json;
use uuid::Uuid;

/// The workbook (or CSV) of one form, for whoever may read it.
pub async fn export_form(
    conn: &mut AsyncPgConnection,
    actor: &AuthUser,
    plan_id: Uuid,
    as_csv: bool,
) -> Result<(Vec<u8>, String), ApiError> {
    let (plan, period) = readable_form(conn, actor, plan_id).await?;
    let matrix = matrix_of(&period)?;
    let unit = db::units::find(conn, plan.unit_id).await?.ok_or_else(|| ApiError::not_found("the unit"))?;
    let pemda = db::units::find(conn, period.pemda_id).await?.ok_or_else(|| ApiError::not_found("the Pemda"))?;
    let lines = db::action_plans::lines(conn, plan.id).await?;
    let name = format!("rencana-aksi-{}-{}", unit.code.to_lowercase(), period.first_year);
    if as_csv {
        let text = super::spreadsheet::csv(&matrix, period.first_year, period.last_year, &[(unit_label(&unit), lines)]);
        return Ok((text.into_bytes(), format!("{name}.csv")));
    }
    let titles = super::spreadsheet::Titles { period: &period, pemda: &pemda.name, unit: &unit_label(&unit) };
    let bytes = super::spreadsheet::form_workbook(&titles, &matrix, &lines).map_err(anyhow::Error::new)?;
    Ok((bytes, format!("{name}.xlsx")))
}

/// The compiled matrix of a period (every targeted unit's form, grouped by unit), for those who see every form of it:
/// admins, leaders and inspectors of the Pemda, reviewers of the period, super admins.
pub async fn export_period(
    conn: &mut AsyncPgConnection,
    actor: &AuthUser,
    period_id: Uuid,
    as_csv: bool,
) -> Result<(Vec<u8>, String), ApiError> {
    let period = readable_period(conn, actor, period_id).await?;
    let sees_all = match actor.role {
        Role::SuperAdmin | Role::Admin | Role::Leader | Role::Inspector => true,
        Role::ActionPlanReviewer => {
            db::action_plans::period_units(conn, period.id, "reviewer").await?.contains(&actor.unit_id.0)
        }
        Role::OpdOperator | Role::OpdOfficial => false,
    };
    if !sees_all {
        return Err(ApiError::forbidden(
            "the compiled matrix is for the admin, the review team, leaders and the Inspektorat",
        ));
    }
    let matrix = matrix_of(&period)?;
    let pemda = db::units::find(conn, period.pemda_id).await?.ok_or_else(|| ApiError::not_found("the Pemda"))?;
    let plans = db::action_plans::plans(conn, Some(&[period.id]), None, None).await?;
    let mut units = Vec::new();
    for unit_id in db::action_plans::period_units(conn, period.id, "target").await? {
        let unit = db::units::find(conn, unit_id).await?.ok_or_else(|| ApiError::not_found("the unit"))?;
        let lines = match plans.iter().find(|p| p.unit_id == unit_id) {
            Some(plan) => db::action_plans::lines(conn, plan.id).await?,
            None => Vec::new(),
        };
        units.push((unit_label(&unit), lines));
    }
    let name = format!("matriks-rencana-aksi-{}-{}-{}", pemda.code.to_lowercase(), period.first_year, period.last_year);
    if as_csv {
        return Ok((
            super::spreadsheet::csv(&matrix, period.first_year, period.last_year, &units).into_bytes(),
            format!("{name}.csv"),
        ));
    }
    let bytes =
        super::spreadsheet::period_workbook(&period, &pemda.name, &matrix, &units).map_err(anyhow::Error::new)?;
    Ok((bytes, format!("{name}.xlsx")))
}

/// A form the caller may import into, checked before the workbook is even read (see [`authorize_import`]).
pub struct ImportTarget {
    plan_id: Uuid,
    expected_version: Option<i32>,
    period: PeriodRow,
}

/// Checks that the caller may edit the form now (role, unit, status, `If-Match`), so that nobody who may not edit it
/// gets to make the service unzip and parse a workbook.
pub async fn authorize_import(
    conn: &mut AsyncPgConnection,
    actor: &AuthUser,
    plan_id: Uuid,
    expected_version: Option<i32>,
) -> Result<ImportTarget, ApiError> {
    let (_, period) = conn.transaction(async |conn| editable(conn, actor, plan_id, expected_version).await).await?;
    Ok(ImportTarget { plan_id, expected_version, period })
}

/// Imports a workbook filled in from this form's export: rows are matched by their row id, rows without one are
/// added, template rows keep their template cells. Nothing is written unless every cell of the file is valid; each bad
/// cell is reported as `Sheet!C7`; a workbook that unpacks beyond its limits is refused whole (413).
pub async fn import(
    conn: &mut AsyncPgConnection,
    actor: &AuthUser,
    target: ImportTarget,
    bytes: Vec<u8>,
) -> Result<PlanRow, ApiError> {
    let ImportTarget { plan_id, expected_version, period } = target;
    let matrix = matrix_of(&period)?;
    let (read_matrix, first_year, last_year) = (matrix.clone(), period.first_year, period.last_year);
    // Unzipping and parsing are CPU work on untrusted bytes: on a blocking thread, before the form is locked.
    let imported = tokio::task::spawn_blocking(move || {
        super::spreadsheet::read_form_workbook(&bytes, &read_matrix, first_year, last_year)
    })
    .await
    .map_err(anyhow::Error::new)?
    .map_err(|refusal| match refusal {
        super::spreadsheet::Refusal::TooLarge(detail) => ApiError::PayloadTooLarge(detail),
        super::spreadsheet::Refusal::Invalid(errors) => {
            ApiError::Validation(errors.into_iter().map(|e| FieldError::new(e.cell, e.code, e.message)).collect())
        }
    })?;
    conn.transaction(async |conn| {
        let (plan, locked_period) = editable(conn, actor, plan_id, expected_version).await?;
        if locked_period.version != period.version {
            return Err(ApiError::conflict("period_changed", "the period's matrix changed while importing; try again"));
        }
        let lines = db::action_plans::lines(conn, plan.id).await?;
        let mut errors = Vec::new();
        for line in &imported {
            let Some(id) = line.row_id else { continue };
            match lines.iter().find(|l| l.id == id) {
                None => errors.push(FieldError::new(
                    line.id_cell.clone(),
                    "unknown_row",
                    "this row id is not a row of this form",
                )),
                Some(existing) if existing.template => {
                    for key in matrix.changed_template_cells(&cells_of(&existing.cells), &line.cells) {
                        errors.push(FieldError::new(
                            line.address_of(&key),
                            "template_cell",
                            "a template row keeps its focus, action and indicator",
                        ));
                    }
                }
                Some(_) => {}
            }
        }
        if !errors.is_empty() {
            return Err(ApiError::Validation(errors));
        }
        let now = chrono::Utc::now();
        let mut position = lines.iter().map(|l| l.position).max().unwrap_or(0);
        let mut imported_ids = Vec::with_capacity(imported.len());
        for line in imported {
            let cells = serde_json::to_value(&line.cells).map_err(anyhow::Error::new)?;
            match line.row_id.and_then(|id| lines.iter().find(|l| l.id == id)) {
                Some(existing) => {
                    db::action_plans::update_line(conn, existing.id, &cells, existing.position).await?;
                    imported_ids.push(existing.id);
                }
                None => {
                    position += 1;
                    let new = LineRow {
                        id: Uuid::now_v7(),
                        plan_id: plan.id,
                        position,
                        template: false,
                        cells,
                        created_at: now,
                        updated_at: now,
                    };
                    db::action_plans::insert_lines(conn, std::slice::from_ref(&new)).await?;
                    imported_ids.push(new.id);
                }
            }
        }
        record_edit(conn, actor, &plan, "imported", json!({ "row_ids": imported_ids })).await?;
        db::action_plans::find_plan(conn, plan.id).await?.ok_or_else(|| ApiError::not_found("the action plan"))
    })
    .await
}

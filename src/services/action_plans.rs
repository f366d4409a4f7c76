//! Rencana Aksi: defining periods, opening and filling in forms, and submitting them (each submission freezes a
//! numbered version). Review, realisation and the Excel workbooks build on this.

use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDate;
use diesel_async::{AsyncConnection, AsyncPgConnection};
use serde_json::{Value, json};
use uuid::Uuid;

use super::access;
use crate::auth::guards::{self, Action};
use crate::auth::{AuthUser, Reach};
use crate::db;
use crate::db::action_plans::{LineRow, PeriodChanges, PeriodRow, PlanRow, VersionRow};
use crate::db::attachments::AttachmentOwner;
use crate::db::audit::NewAuditEvent;
use crate::domain::action_plan::{self, Matrix, PlanAction, PlanStatus, RealisationAction, RealisationStatus};
use crate::domain::ids::UnitId;
use crate::domain::role::Role;
use crate::error::{ApiError, FieldError};
use crate::state::AppState;

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

/// The matrix stored with a period.
pub fn matrix_of(period: &PeriodRow) -> Result<Matrix, ApiError> {
    Ok(serde_json::from_value(period.matrix.clone()).map_err(anyhow::Error::new)?)
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

/// The realisations of a form the caller may see, with the evidence files of all of them (404 otherwise).
pub async fn readable_realisations(
    conn: &mut AsyncPgConnection,
    actor: &AuthUser,
    id: Uuid,
) -> Result<(Vec<db::action_plans::RealisationRow>, Vec<db::attachments::AttachmentRow>), ApiError> {
    let (plan, _) = readable_form(conn, actor, id).await?;
    let realisations = db::action_plans::realisations(conn, &[plan.id]).await?;
    let ids: Vec<Uuid> = realisations.iter().map(|row| row.id).collect();
    let evidence = db::attachments::of_realisations(conn, &ids).await?;
    Ok((realisations, evidence))
}

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

fn cells_of(value: &Value) -> BTreeMap<String, Value> {
    serde_json::from_value(value.clone()).unwrap_or_default()
}

/// Locks an editable form of the caller's unit, checking its version.
async fn editable(
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

/// Edits after a first submission are audited (the issue asks for every edit after submission).
async fn record_edit(
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

/// The reach check used by list endpoints for periods.
pub fn period_scope(actor: &AuthUser) -> Result<Option<Vec<Uuid>>, ApiError> {
    match access::reach_of(actor) {
        Reach::Everything => Ok(None),
        _ => Ok(Some(vec![access::home_pemda(actor)?.0])),
    }
}

/// A reviewer's decision on the current version of a form.
#[derive(Debug, Clone)]
pub struct NewReview {
    /// Approve, or ask for changes.
    pub approve: bool,
    /// General comment.
    pub comment: Option<String>,
    /// Comments per row id.
    pub row_comments: BTreeMap<Uuid, String>,
}

/// A reviewer of a required reviewer unit reviews the submitted version. The first review opens the review; a request
/// for changes returns the form to the OPD; the form is approved once every required reviewer unit's latest decision
/// on the current version is an approval.
pub async fn review(
    state: &AppState,
    conn: &mut AsyncPgConnection,
    actor: &AuthUser,
    plan_id: Uuid,
    expected_version: Option<i32>,
    new: NewReview,
) -> Result<PlanRow, ApiError> {
    guards::require(actor.role, Action::ReviewActionPlans)?;
    let (_, period) = readable_form(conn, actor, plan_id).await?;
    let reviewer_units = db::action_plans::period_units(conn, period.id, "reviewer").await?;
    if !reviewer_units.contains(&actor.unit_id.0) {
        return Err(ApiError::forbidden("your unit is not a reviewer unit of this period"));
    }
    let now = state.clock.now();
    conn.transaction(async |conn| {
        let mut plan =
            db::action_plans::lock_plan(conn, plan_id).await?.ok_or_else(|| ApiError::not_found("the action plan"))?;
        if let Some(version) = expected_version
            && version != plan.version
        {
            return Err(ApiError::stale(plan.version));
        }
        let mut status: PlanStatus = plan.status.parse()?;
        if status == PlanStatus::Submitted {
            let opened = action_plan::transition(status, PlanAction::OpenReview)?;
            plan = db::action_plans::set_plan_status(conn, plan.id, opened.as_str(), None, None).await?;
            db::audit::record(
                conn,
                NewAuditEvent::new(
                    Some(actor.id.0),
                    "action_plan",
                    plan.id,
                    "open_review",
                    json!({ "from": status, "to": opened }),
                ),
            )
            .await?;
            status = opened;
        }
        let action = if new.approve { PlanAction::ApproveAll } else { PlanAction::RequestRevision };
        // Checked up front so a review of a form in the wrong status is refused before it is recorded.
        action_plan::transition(status, action).map_err(|err| {
            let mut error = ApiError::from(err);
            if let ApiError::Conflict { context, .. } = &mut error {
                *context = Some(json!({ "status": status }));
            }
            error
        })?;
        let version_rows = db::action_plans::find_version(conn, plan.id, plan.current_version).await?;
        let known: BTreeSet<String> = version_rows
            .and_then(|v| v.rows.as_array().cloned())
            .unwrap_or_default()
            .iter()
            .filter_map(|row| row.get("id").and_then(|id| id.as_str()).map(str::to_owned))
            .collect();
        if let Some(unknown) = new.row_comments.keys().find(|id| !known.contains(&id.to_string())) {
            return Err(ApiError::invalid_field(
                format!("row_comments.{unknown}"),
                "unknown_row",
                "comment rows of the submitted version",
            ));
        }
        let review = db::action_plans::ReviewRow {
            id: Uuid::now_v7(),
            plan_id: plan.id,
            version_number: plan.current_version,
            reviewer_unit_id: actor.unit_id.0,
            reviewer_id: actor.id.0,
            decision: if new.approve { "approve".into() } else { "request_revision".into() },
            comment: new.comment.clone(),
            row_comments: serde_json::to_value(&new.row_comments).map_err(anyhow::Error::new)?,
            created_at: now,
        };
        db::action_plans::insert_review(conn, &review).await?;
        let reviews = db::action_plans::reviews(conn, plan.id).await?;
        let all_approved = reviewer_units.iter().all(|unit| {
            reviews
                .iter()
                .rfind(|r| r.version_number == plan.current_version && r.reviewer_unit_id == *unit)
                .is_some_and(|r| r.decision == "approve")
        });
        let details = json!({ "decision": review.decision, "version": plan.current_version, "unit_id": actor.unit_id });
        db::audit::record(conn, NewAuditEvent::new(Some(actor.id.0), "action_plan", plan.id, "review", details))
            .await?;
        if !new.approve || all_approved {
            let to = action_plan::transition(status, action)?;
            plan = db::action_plans::set_plan_status(conn, plan.id, to.as_str(), None, None).await?;
            db::audit::record(
                conn,
                NewAuditEvent::new(
                    Some(actor.id.0),
                    "action_plan",
                    plan.id,
                    action.as_str(),
                    json!({ "from": status, "to": to }),
                ),
            )
            .await?;
        }
        Ok(plan)
    })
    .await
}

/// The letter that sent a plan to KemenPAN-RB.
#[derive(Debug)]
pub struct SendingLetter {
    pub number: String,
    pub date: NaiveDate,
    /// The admin's own upload of the scanned letter.
    pub attachment_id: Option<Uuid>,
}

/// The admin records the letter that sent the approved plan to KemenPAN-RB; the form is then locked.
pub async fn send(
    state: &AppState,
    conn: &mut AsyncPgConnection,
    actor: &AuthUser,
    plan_id: Uuid,
    expected_version: Option<i32>,
    letter: SendingLetter,
) -> Result<PlanRow, ApiError> {
    let SendingLetter { number: letter_number, date: letter_date, attachment_id: letter_attachment_id } = letter;
    guards::require(actor.role, Action::ManageActionPlanPeriods)?;
    readable_form(conn, actor, plan_id).await?;
    let now = state.clock.now();
    conn.transaction(async |conn| {
        let plan =
            db::action_plans::lock_plan(conn, plan_id).await?.ok_or_else(|| ApiError::not_found("the action plan"))?;
        if let Some(version) = expected_version
            && version != plan.version
        {
            return Err(ApiError::stale(plan.version));
        }
        let from: PlanStatus = plan.status.parse()?;
        let to = action_plan::transition(from, PlanAction::Send)?;
        if let Some(letter) = letter_attachment_id
            && db::attachments::attach(
                conn,
                &[letter],
                AttachmentOwner::action_plan(plan.id, None),
                Some(actor.id.0),
                now,
            )
            .await?
                != 1
        {
            return Err(ApiError::invalid_field(
                "letter_attachment_id",
                "not_attachable",
                "upload the scanned letter yourself through POST /api/v1/attachments within the last 24 hours",
            ));
        }
        let sent = db::action_plans::set_plan_sent(
            conn,
            plan.id,
            to.as_str(),
            &letter_number,
            letter_date,
            letter_attachment_id,
        )
        .await?;
        let details = json!({ "from": from, "to": to, "letter_number": letter_number, "letter_date": letter_date });
        db::audit::record(conn, NewAuditEvent::new(Some(actor.id.0), "action_plan", plan.id, "send", details)).await?;
        Ok(sent)
    })
    .await
}

/// How two submitted versions differ, by row id.
#[derive(Debug, Default, serde::Serialize, utoipa::ToSchema)]
pub struct VersionDiff {
    /// Rows only in the newer version.
    pub added: Vec<Uuid>,
    /// Rows only in the older version.
    pub removed: Vec<Uuid>,
    /// Rows in both whose cells differ, with the keys of the cells that changed.
    #[schema(value_type = Object)]
    pub changed: BTreeMap<Uuid, Vec<String>>,
}

/// Compares the rows of two frozen versions.
pub fn diff(older: &Value, newer: &Value) -> VersionDiff {
    let index = |rows: &Value| -> BTreeMap<Uuid, BTreeMap<String, Value>> {
        rows.as_array()
            .into_iter()
            .flatten()
            .filter_map(|row| Some((row.get("id")?.as_str()?.parse().ok()?, cells_of(row.get("cells")?))))
            .collect()
    };
    let (old, new) = (index(older), index(newer));
    let mut result = VersionDiff::default();
    for (id, cells) in &new {
        match old.get(id) {
            None => result.added.push(*id),
            Some(before) => {
                let keys: BTreeSet<&String> = before.keys().chain(cells.keys()).collect();
                let changed: Vec<String> =
                    keys.into_iter().filter(|key| before.get(*key) != cells.get(*key)).cloned().collect();
                if !changed.is_empty() {
                    result.changed.insert(*id, changed);
                }
            }
        }
    }
    result.removed = old.keys().filter(|id| !new.contains_key(id)).copied().collect();
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_differ_by_added_removed_and_changed_rows() {
        let (a, b, c) = (Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7());
        let older =
            json!([{ "id": a, "cells": { "unit": "dokumen", "budget": { "2021": 5 } } }, { "id": b, "cells": {} }]);
        let newer =
            json!([{ "id": a, "cells": { "unit": "dokumen", "budget": { "2021": 7 } } }, { "id": c, "cells": {} }]);
        let diff = diff(&older, &newer);
        assert_eq!(diff.added, [c]);
        assert_eq!(diff.removed, [b]);
        assert_eq!(diff.changed.get(&a).unwrap(), &["budget".to_owned()]);
    }
}

/// What an OPD reports for a row and quarter.
#[derive(Debug, Clone)]
pub struct NewRealisation {
    /// A number, compared with the row's numeric annual `target` (cumulative within the year).
    pub realised_value: Option<f64>,
    /// A description, when the result is not a number.
    pub realised_text: Option<String>,
    pub obstacles: Option<String>,
    pub evidence_urls: Vec<String>,
    /// The full set of uploaded evidence files (new ones are linked, ones left out unlinked); `None` keeps the files
    /// as they are, so correcting a value never loses evidence.
    pub evidence_attachment_ids: Option<Vec<Uuid>>,
}

/// Records (or corrects) a row's realisation for a quarter of an approved plan. A verified realisation is final; a
/// quarter locks after its grace period.
#[allow(clippy::too_many_arguments)]
pub async fn record_realisation(
    state: &AppState,
    conn: &mut AsyncPgConnection,
    actor: &AuthUser,
    plan_id: Uuid,
    row_id: Uuid,
    year: i32,
    quarter: u8,
    new: NewRealisation,
) -> Result<db::action_plans::RealisationRow, ApiError> {
    guards::require(actor.role, Action::EditActionPlans)?;
    let (plan, period) = readable_form(conn, actor, plan_id).await?;
    if plan.unit_id != actor.unit_id.0 {
        return Err(ApiError::forbidden("only the form's own unit records its realisation"));
    }
    let status: PlanStatus = plan.status.parse()?;
    if !matches!(status, PlanStatus::Approved | PlanStatus::Sent) {
        return Err(ApiError::Conflict {
            code: "not_approved",
            detail: "realisation is recorded once the plan is approved".into(),
            context: Some(json!({ "status": status })),
        });
    }
    if year < period.first_year || year > period.last_year {
        return Err(ApiError::invalid_field("year", "outside_period", "a year of the period"));
    }
    let now = state.clock.now();
    let today = now.with_timezone(&state.settings.timezone).date_naive();
    action_plan::realisation_window(year, quarter, today, state.settings.realisation_grace_days)?;
    let lines = db::action_plans::lines(conn, plan.id).await?;
    let line = lines.iter().find(|l| l.id == row_id).ok_or_else(|| ApiError::not_found("the row"))?;
    let target = line.cells.get("target").and_then(|t| t.get(year.to_string())).and_then(Value::as_f64);
    let quarter_db = i16::from(quarter);
    conn.transaction(async |conn| {
        let existing = db::action_plans::lock_realisation(conn, row_id, year, quarter_db).await?;
        let from = existing.map(|r| r.status.parse::<RealisationStatus>()).transpose()?;
        let status = action_plan::realisation_transition(from, RealisationAction::Record)?;
        let row = db::action_plans::RealisationRow {
            id: Uuid::now_v7(),
            plan_id: plan.id,
            row_id,
            year,
            quarter: quarter_db,
            realised_value: new.realised_value,
            realised_text: new.realised_text.clone(),
            percent_achieved: new.realised_value.and_then(|value| action_plan::percent_achieved(value, target)),
            obstacles: new.obstacles.clone(),
            evidence_urls: json!(new.evidence_urls),
            status: status.as_str().into(),
            review_comment: None,
            recorded_by: actor.id.0,
            reviewed_by: None,
            version: 1,
            updated_at: now,
        };
        let saved = db::action_plans::upsert_realisation(conn, &row).await?;
        if let Some(ids) = &new.evidence_attachment_ids {
            db::attachments::detach_from_realisation(conn, saved.id, ids).await?;
            let linked: Vec<Uuid> =
                db::attachments::of_realisations(conn, &[saved.id]).await?.into_iter().map(|a| a.id).collect();
            let to_link: Vec<Uuid> = ids.iter().copied().filter(|id| !linked.contains(id)).collect();
            if db::attachments::attach(conn, &to_link, AttachmentOwner::action_plan(plan.id, Some(saved.id)), Some(actor.id.0), now)
                .await?
                != to_link.len()
            {
                return Err(ApiError::invalid_field(
                    "evidence_attachment_ids",
                    "not_attachable",
                    "each file must be your own upload from the last 24 hours, not attached elsewhere",
                ));
            }
        }
        let details = json!({ "row_id": row_id, "year": year, "quarter": quarter, "evidence_attachment_ids": new.evidence_attachment_ids });
        db::audit::record(
            conn,
            NewAuditEvent::new(Some(actor.id.0), "action_plan", plan.id, "realisation_recorded", details),
        )
        .await?;
        Ok(saved)
    })
    .await
}

/// The review team verifies a realisation or sends it back with a comment.
#[allow(clippy::too_many_arguments)]
pub async fn review_realisation(
    conn: &mut AsyncPgConnection,
    actor: &AuthUser,
    plan_id: Uuid,
    row_id: Uuid,
    year: i32,
    quarter: u8,
    verified: bool,
    comment: Option<String>,
) -> Result<db::action_plans::RealisationRow, ApiError> {
    guards::require(actor.role, Action::ReviewActionPlans)?;
    let (plan, period) = readable_form(conn, actor, plan_id).await?;
    if !db::action_plans::period_units(conn, period.id, "reviewer").await?.contains(&actor.unit_id.0) {
        return Err(ApiError::forbidden("your unit is not a reviewer unit of this period"));
    }
    conn.transaction(async |conn| {
        let current = db::action_plans::lock_realisation(conn, row_id, year, i16::from(quarter))
            .await?
            .filter(|r| r.plan_id == plan.id)
            .ok_or_else(|| ApiError::not_found("a realisation for this row and quarter"))?;
        let action = if verified { RealisationAction::Verify } else { RealisationAction::Return };
        let status = action_plan::realisation_transition(Some(current.status.parse()?), action)?.as_str();
        let saved =
            db::action_plans::review_realisation(conn, current.id, status, comment.as_deref(), actor.id.0).await?;
        let details = json!({ "row_id": row_id, "year": year, "quarter": quarter, "status": status });
        db::audit::record(
            conn,
            NewAuditEvent::new(Some(actor.id.0), "action_plan", plan.id, "realisation_reviewed", details),
        )
        .await?;
        Ok(saved)
    })
    .await
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

fn unit_label(unit: &db::units::UnitRow) -> String {
    unit.short_name.clone().unwrap_or_else(|| unit.name.clone())
}

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
        let text = super::workbook::csv(&matrix, period.first_year, period.last_year, &[(unit_label(&unit), lines)]);
        return Ok((text.into_bytes(), format!("{name}.csv")));
    }
    let titles = super::workbook::Titles { period: &period, pemda: &pemda.name, unit: &unit_label(&unit) };
    let bytes = super::workbook::form_workbook(&titles, &matrix, &lines).map_err(anyhow::Error::new)?;
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
            super::workbook::csv(&matrix, period.first_year, period.last_year, &units).into_bytes(),
            format!("{name}.csv"),
        ));
    }
    let bytes = super::workbook::period_workbook(&period, &pemda.name, &matrix, &units).map_err(anyhow::Error::new)?;
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
        super::workbook::read_form_workbook(&bytes, &read_matrix, first_year, last_year)
    })
    .await
    .map_err(anyhow::Error::new)?
    .map_err(|refusal| match refusal {
        super::workbook::Refusal::TooLarge(detail) => ApiError::PayloadTooLarge(detail),
        super::workbook::Refusal::Invalid(errors) => {
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

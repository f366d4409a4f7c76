//! The review team's decisions on a submitted form, and the admin's letter that sends the approved plan.

use super::*;
use crate::auth::AuthUser;
use crate::auth::guards::{self, Action};
use crate::db;
use crate::db::action_plans::PlanRow;
use crate::db::attachments::AttachmentOwner;
use crate::db::audit::NewAuditEvent;
use crate::domain::action_plan::{self, PlanAction, PlanStatus};
use crate::error::ApiError;
use crate::state::AppState;
use chrono::NaiveDate;
use diesel_async::{AsyncConnection, AsyncPgConnection};
use serde_json::json;
use std::collections::{BTreeMap, BTreeSet};
use uuid::Uuid;

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

//! Quarterly realisation of an approved plan's rows, with evidence, and its verification by the review team.

use super::*;
use crate::auth::AuthUser;
use crate::auth::guards::{self, Action};
use crate::db;
use crate::db::attachments::AttachmentOwner;
use crate::db::audit::NewAuditEvent;
use crate::domain::action_plan::{self, PlanStatus, RealisationAction, RealisationStatus};
use crate::error::ApiError;
use crate::state::AppState;
use diesel_async::{AsyncConnection, AsyncPgConnection};
use serde_json::{Value, json};
use uuid::Uuid;

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

//! The reporter's response to the final answers, and reopening: both send the OPDs back to work.

use chrono::{DateTime, Utc};
use diesel_async::{AsyncConnection, AsyncPgConnection};
use serde_json::json;
use uuid::Uuid;

use super::*;
use crate::auth::AuthUser;
use crate::auth::guards::{self, Action};
use crate::db;
use crate::db::audit::NewAuditEvent;
use crate::db::complaints::{ComplaintChanges, ComplaintRow};
use crate::db::dispositions::{DispositionChanges, FeedbackRow};
use crate::domain::complaint::ComplaintAction;
use crate::domain::disposition::{self, DispositionAction, DispositionStatus};
use crate::error::ApiError;
use crate::services::{access, complaints, reference};
use crate::state::AppState;

/// Sends the OPDs whose dispositions were completed back to work (reporter dissatisfied, or admin reopened): a
/// delegated one goes back to its sub-unit, each gets a fresh first-response deadline, and escalation starts over.
async fn reopen_dispositions(
    state: &AppState,
    conn: &mut AsyncPgConnection,
    actor: Option<Uuid>,
    complaint: &ComplaintRow,
    now: DateTime<Utc>,
) -> Result<(), ApiError> {
    let timezone = state.settings.timezone;
    let policy =
        db::reference::policies(conn, complaint.pemda_id).await?.into_iter().find(|p| p.id == complaint.policy_id);
    let days = policy.map(|p| reference::policy_of(&p).first_response_days).unwrap_or(5);
    let calendar =
        reference::calendar(conn, complaint.pemda_id, timezone, now.with_timezone(&timezone).date_naive()).await?;
    let all = db::dispositions::lock_of_complaint(conn, complaint.id).await?;
    for row in all.iter().filter(|d| d.status == DispositionStatus::Completed.as_str()) {
        let action =
            if row.delegated_to.is_some() { DispositionAction::ReopenDelegated } else { DispositionAction::Reopen };
        let to = disposition::transition(DispositionStatus::Completed, action)?;
        let changes = DispositionChanges {
            status: Some(to.as_str().into()),
            due_at: Some(calendar.add_working_days(now, days)),
            first_answer_at: Some(None),
            escalation_level: Some(0),
            ..Default::default()
        };
        db::dispositions::update(conn, row.id, &changes, now).await?;
        let details =
            json!({ "disposition_id": row.id, "unit_id": row.unit_id, "from": DispositionStatus::Completed, "to": to });
        db::audit::record(conn, NewAuditEvent::new(actor, "complaint", complaint.id, "disposition_reopen", details))
            .await?;
        let message = format!("Pengaduan {} dibuka kembali: mohon tindak lanjut ulang", complaint.tracking_code);
        let unit = db::units::find(conn, row.unit_id).await?;
        let roles = acting_roles(unit.is_some_and(|u| u.inspectorate), complaint.supervision);
        let recipients: Vec<Uuid> = std::iter::once(row.unit_id).chain(row.delegated_to).collect();
        notify(
            conn,
            &recipients,
            roles,
            &Notice {
                kind: "complaint_reopened",
                message,
                complaint_id: Some(complaint.id),
                disposition_id: Some(row.id),
                follow_up_id: None,
                at: now,
            },
        )
        .await?;
    }
    Ok(())
}

/// The reporter's response to the final answers.
#[derive(Debug, Clone)]
pub struct Feedback {
    pub rating: i16,
    pub satisfied: bool,
    pub comment: Option<String>,
}

/// Records the reporter's response: satisfied closes the report; not satisfied sends the OPDs back to work.
pub async fn feedback(
    state: &AppState,
    conn: &mut AsyncPgConnection,
    code: &str,
    secret: Option<&str>,
    expected_version: Option<i32>,
    feedback: Feedback,
) -> Result<ComplaintRow, ApiError> {
    let complaint = complaints::reporter_complaint(conn, code, secret).await?;
    let now = state.clock.now();
    conn.transaction(async |conn| {
        let current =
            db::complaints::lock(conn, complaint.id).await?.ok_or_else(|| ApiError::not_found("the complaint"))?;
        check_version(expected_version, current.version)?;
        let action = if feedback.satisfied { ComplaintAction::Satisfy } else { ComplaintAction::Dissatisfy };
        let to = complaint_step(&current, action)?;
        let row = FeedbackRow {
            id: Uuid::now_v7(),
            complaint_id: current.id,
            rating: feedback.rating,
            satisfied: feedback.satisfied,
            comment: feedback.comment.clone(),
            created_at: now,
        };
        db::dispositions::insert_feedback(conn, &row).await?;
        let mut changes =
            ComplaintChanges { status: Some(to.as_str().into()), reporter_reply_by: Some(None), ..Default::default() };
        if feedback.satisfied {
            changes.closed_reason = Some(Some("satisfied".into()));
            changes.finished_at = Some(Some(now));
        } else {
            changes.reopen_count = Some(current.reopen_count + 1);
            reopen_dispositions(state, conn, None, &current, now).await?;
        }
        let updated = db::complaints::update(conn, current.id, &changes, now).await?;
        let details =
            json!({ "from": current.status, "to": to, "rating": feedback.rating, "satisfied": feedback.satisfied });
        db::audit::record(conn, NewAuditEvent::new(None, "complaint", current.id, "feedback", details)).await?;
        Ok(updated)
    })
    .await
}

/// The main admin reopens a finished report, with a reason.
pub async fn reopen(
    state: &AppState,
    conn: &mut AsyncPgConnection,
    actor: &AuthUser,
    id: Uuid,
    expected_version: Option<i32>,
    reason: String,
) -> Result<ComplaintRow, ApiError> {
    guards::require(actor.role, Action::DisposeComplaints)?;
    let reach = access::reach_of(actor);
    let now = state.clock.now();
    conn.transaction(async |conn| {
        let current = db::complaints::lock(conn, id).await?.ok_or_else(|| ApiError::not_found("the complaint"))?;
        if !covers(&reach, &current) {
            return Err(ApiError::not_found("the complaint"));
        }
        check_version(expected_version, current.version)?;
        let to = complaint_step(&current, ComplaintAction::Reopen)?;
        reopen_dispositions(state, conn, Some(actor.id.0), &current, now).await?;
        let changes = ComplaintChanges {
            status: Some(to.as_str().into()),
            reopen_count: Some(current.reopen_count + 1),
            closed_reason: Some(None),
            finished_at: Some(None),
            ..Default::default()
        };
        let updated = db::complaints::update(conn, id, &changes, now).await?;
        let details = json!({ "from": current.status, "to": to, "reason": reason });
        db::audit::record(conn, NewAuditEvent::new(Some(actor.id.0), "complaint", id, "reopen", details)).await?;
        Ok(updated)
    })
    .await
}

//! Follow-ups: an OPD's answers and internal notes, and the pejabat penghubung's approval before publication.

use diesel_async::{AsyncConnection, AsyncPgConnection};
use serde_json::json;
use uuid::Uuid;

use super::*;
use crate::auth::AuthUser;
use crate::auth::guards::{self, Action};
use crate::db;
use crate::db::attachments::AttachmentOwner;
use crate::db::audit::NewAuditEvent;
use crate::db::complaints::ComplaintChanges;
use crate::db::dispositions::{DispositionChanges, FollowUpRow};
use crate::domain::complaint::ComplaintStatus;
use crate::domain::disposition::{self, Decision, DispositionAction, DispositionStatus, FollowUpStatus, Visibility};
use crate::domain::role::Role;
use crate::error::ApiError;
use crate::state::AppState;

/// A follow-up to write, checked field by field.
#[derive(Debug, Clone)]
pub struct NewFollowUp {
    pub body: String,
    pub visibility: Visibility,
    pub final_answer: bool,
    pub attachment_ids: Vec<Uuid>,
}

/// Writes a follow-up on a disposition the caller's unit took on: a public answer (a draft until the pejabat
/// penghubung approves it) or an internal note.
pub async fn add_follow_up(
    state: &AppState,
    conn: &mut AsyncPgConnection,
    actor: &AuthUser,
    disposition_id: Uuid,
    new: NewFollowUp,
) -> Result<FollowUpRow, ApiError> {
    guards::require(actor.role, Action::WriteFollowUps)?;
    let (row, complaint) = visible(conn, actor, disposition_id).await?;
    let target = db::units::find(conn, row.unit_id).await?.ok_or_else(|| ApiError::not_found("the unit"))?;
    let in_unit = row.unit_id == actor.unit_id.0 || row.delegated_to == Some(actor.unit_id.0);
    let may_write =
        in_unit && (actor.role == Role::OpdOperator || (actor.role == Role::Inspector && target.inspectorate));
    if !may_write {
        return Err(ApiError::forbidden(
            "follow-ups are written by the admin penghubung of the unit the complaint was sent to",
        ));
    }
    let now = state.clock.now();
    let max_attachments = state.settings.attachments_per_complaint;
    conn.transaction(async |conn| {
        let current = db::complaints::lock(conn, complaint.id).await?.ok_or_else(|| ApiError::not_found("the complaint"))?;
        let all = db::dispositions::lock_of_complaint(conn, current.id).await?;
        let mine = all.iter().find(|d| d.id == disposition_id).ok_or_else(|| ApiError::not_found("the disposition"))?;
        let status = status_of(mine)?;
        if !status.is_taken_on() {
            return Err(ApiError::Conflict {
                code: "disposition_not_taken_on",
                detail: "accept (or delegate) the disposition before writing follow-ups".into(),
                context: Some(json!({ "status": status })),
            });
        }
        let follow_up = FollowUpRow {
            id: Uuid::now_v7(),
            disposition_id,
            complaint_id: current.id,
            body: new.body.clone(),
            visibility: match new.visibility {
                Visibility::Public => "public".into(),
                Visibility::Internal => "internal".into(),
            },
            final_: new.final_answer,
            status: FollowUpStatus::initial(new.visibility).as_str().into(),
            rejection_reason: None,
            created_by: actor.id.0,
            decided_by: None,
            decided_at: None,
            version: 1,
            created_at: now,
        };
        let follow_up = db::dispositions::insert_follow_up(conn, &follow_up).await?;
        if !new.attachment_ids.is_empty() {
            if new.attachment_ids.len() > max_attachments {
                return Err(ApiError::invalid_field("attachment_ids", "too_many", format!("at most {max_attachments} attachments")));
            }
            let attached =
                db::attachments::attach(conn, &new.attachment_ids, AttachmentOwner::follow_up(follow_up.id), Some(actor.id.0), now)
                    .await?;
            if attached != new.attachment_ids.len() {
                return Err(ApiError::invalid_field("attachment_ids", "unavailable", "an attachment is unknown, expired, not yours or already used"));
            }
        }
        let details = json!({ "disposition_id": disposition_id, "follow_up_id": follow_up.id, "visibility": follow_up.visibility, "final": follow_up.final_ });
        db::audit::record(conn, NewAuditEvent::new(Some(actor.id.0), "complaint", current.id, "follow_up_written", details)).await?;
        if new.visibility == Visibility::Public {
            let message = format!("Jawaban atas pengaduan {} menunggu persetujuan", current.tracking_code);
            let approvers: &[&str] = if target.inspectorate { &["opd_official", "inspector"] } else { &["opd_official"] };
            let notice = Notice {
                kind: "answer_awaiting_approval",
                message,
                complaint_id: Some(current.id),
                disposition_id: Some(disposition_id),
                follow_up_id: Some(follow_up.id),
                at: now,
            };
            notify(conn, &[mine.unit_id], approvers, &notice).await?;
        }
        Ok(follow_up)
    })
    .await
}

/// The pejabat penghubung approves (publishes) or rejects an answer of their unit. Approving the first public answer
/// meets the first-response deadline; approving a final answer completes the disposition, and when every taken-on
/// disposition is complete the reporter's response window opens.
pub async fn decide(
    state: &AppState,
    conn: &mut AsyncPgConnection,
    actor: &AuthUser,
    follow_up_id: Uuid,
    expected_version: Option<i32>,
    decision: Decision,
    reason: Option<String>,
) -> Result<FollowUpRow, ApiError> {
    guards::require(actor.role, Action::DecideAnswers)?;
    let not_found = || ApiError::not_found("the follow-up");
    let follow_up = db::dispositions::lock_follow_up(conn, follow_up_id).await?.ok_or_else(not_found)?;
    let (row, complaint) = visible(conn, actor, follow_up.disposition_id).await.map_err(|err| match err {
        ApiError::NotFound(_) | ApiError::Forbidden { .. } => not_found(),
        other => other,
    })?;
    let target = db::units::find(conn, row.unit_id).await?.ok_or_else(|| ApiError::not_found("the unit"))?;
    let may_decide = row.unit_id == actor.unit_id.0
        && (actor.role == Role::OpdOfficial || (actor.role == Role::Inspector && target.inspectorate));
    if !may_decide {
        return Err(ApiError::forbidden(
            "answers are approved by the pejabat penghubung of the unit the complaint was sent to",
        ));
    }
    if follow_up.created_by == actor.id.0 {
        return Err(ApiError::Forbidden {
            code: "own_answer",
            detail: "another person must decide on your own answer".into(),
        });
    }
    let now = state.clock.now();
    let timezone = state.settings.timezone;
    conn.transaction(async |conn| {
        let current =
            db::complaints::lock(conn, complaint.id).await?.ok_or_else(|| ApiError::not_found("the complaint"))?;
        let all = db::dispositions::lock_of_complaint(conn, current.id).await?;
        let follow_up = db::dispositions::lock_follow_up(conn, follow_up_id).await?.ok_or_else(not_found)?;
        check_version(expected_version, follow_up.version)?;
        let from: FollowUpStatus = follow_up.status.parse()?;
        let to = disposition::follow_up_transition(from, decision)
            .map_err(|err| ApiError::refused_in(err, from.as_str()))?;
        let decided =
            db::dispositions::decide_follow_up(conn, follow_up.id, to.as_str(), reason.as_deref(), actor.id.0, now)
                .await?;
        let action = if decision == Decision::Approve { "answer_approved" } else { "answer_rejected" };
        let details = json!({ "disposition_id": row.id, "follow_up_id": follow_up.id, "reason": reason });
        db::audit::record(conn, NewAuditEvent::new(Some(actor.id.0), "complaint", current.id, action, details)).await?;
        if decision == Decision::Reject {
            let message = format!(
                "Jawaban atas pengaduan {} dikembalikan: {}",
                current.tracking_code,
                reason.clone().unwrap_or_default()
            );
            let notice = Notice {
                kind: "answer_rejected",
                message,
                complaint_id: Some(current.id),
                disposition_id: Some(row.id),
                follow_up_id: Some(follow_up.id),
                at: now,
            };
            notify_users(conn, &[follow_up.created_by], &notice).await?;
            return Ok(decided);
        }

        let mut changes = ComplaintChanges::default();
        if current.first_response_at.is_none() {
            changes.first_response_at = Some(now);
        }
        let mine = all.iter().find(|d| d.id == row.id).ok_or_else(|| ApiError::not_found("the disposition"))?;
        let mut disposition_changes = DispositionChanges::default();
        if mine.first_answer_at.is_none() {
            disposition_changes.first_answer_at = Some(Some(now));
        }
        let mut statuses: Vec<(Uuid, DispositionStatus)> =
            all.iter().map(|d| Ok((d.id, status_of(d)?))).collect::<Result<_, ApiError>>()?;
        if follow_up.final_ {
            let entry = statuses
                .iter_mut()
                .find(|(id, _)| *id == row.id)
                .ok_or_else(|| ApiError::not_found("the disposition"))?;
            let from = entry.1;
            let completed = disposition::transition(from, DispositionAction::Complete)
                .map_err(|err| ApiError::refused_in(err, from.as_str()))?;
            entry.1 = completed;
            disposition_changes.status = Some(completed.as_str().into());
            let details = json!({ "disposition_id": row.id, "unit_id": row.unit_id, "from": from, "to": completed });
            db::audit::record(
                conn,
                NewAuditEvent::new(Some(actor.id.0), "complaint", current.id, "disposition_complete", details),
            )
            .await?;
        }
        db::dispositions::update(conn, row.id, &disposition_changes, now).await?;
        let statuses: Vec<DispositionStatus> = statuses.into_iter().map(|(_, s)| s).collect();
        if disposition::all_answered(&statuses) && current.status == ComplaintStatus::InProgress.as_str() {
            let (turn, details) = reporter_turn(conn, &current, timezone, now).await?;
            changes.status = turn.status;
            changes.reporter_reply_by = turn.reporter_reply_by;
            db::audit::record(
                conn,
                NewAuditEvent::new(Some(actor.id.0), "complaint", current.id, "answer_all", details),
            )
            .await?;
        }
        db::complaints::update(conn, current.id, &changes, now).await?;
        let message = format!("Jawaban atas pengaduan {} telah dipublikasikan", current.tracking_code);
        notify_pemda(
            conn,
            current.pemda_id,
            &["admin"],
            &Notice {
                kind: "answer_published",
                message,
                complaint_id: Some(current.id),
                disposition_id: Some(row.id),
                follow_up_id: Some(follow_up.id),
                at: now,
            },
        )
        .await?;
        Ok(decided)
    })
    .await
}

//! An OPD's steps on a disposition sent to it: accept, return as wrongly disposed, delegate to a sub-unit.

use diesel_async::{AsyncConnection, AsyncPgConnection};
use serde_json::json;
use uuid::Uuid;

use super::*;
use crate::auth::AuthUser;
use crate::auth::guards::{self, Action};
use crate::db;
use crate::db::audit::NewAuditEvent;
use crate::db::complaints::ComplaintChanges;
use crate::db::dispositions::{DispositionChanges, DispositionRow};
use crate::domain::complaint::{ComplaintAction, ComplaintStatus};
use crate::domain::disposition::{self, DispositionAction, DispositionStatus, ReturnReason};
use crate::domain::ids::UnitId;
use crate::domain::role::Role;
use crate::domain::unit::UnitKind;
use crate::error::ApiError;
use crate::services::access;
use crate::state::AppState;

/// An OPD's step on a disposition sent to it.
#[derive(Debug, Clone)]
pub enum DispositionStep {
    /// Take it on.
    Accept,
    /// Send it back to the main admin.
    Return { reason: ReturnReason, note: Option<String> },
    /// Pass it to one of the OPD's own sub-units.
    Delegate { sub_unit: Uuid },
}

/// Applies an OPD's step. Only staff of the target unit act (not those of a sub-unit it was delegated to).
pub async fn act(
    state: &AppState,
    conn: &mut AsyncPgConnection,
    actor: &AuthUser,
    id: Uuid,
    expected_version: Option<i32>,
    step: DispositionStep,
) -> Result<DispositionRow, ApiError> {
    guards::require(actor.role, Action::ActOnDispositions)?;
    let (row, complaint) = visible(conn, actor, id).await?;
    let target = db::units::find(conn, row.unit_id).await?.ok_or_else(|| ApiError::not_found("the unit"))?;
    let may_act = row.unit_id == actor.unit_id.0
        && (is_opd_role(actor.role) || (actor.role == Role::Inspector && target.inspectorate));
    if !may_act {
        return Err(ApiError::forbidden("only staff of the unit the complaint was sent to act on it"));
    }
    let now = state.clock.now();
    conn.transaction(async |conn| {
        let current =
            db::complaints::lock(conn, complaint.id).await?.ok_or_else(|| ApiError::not_found("the complaint"))?;
        let all = db::dispositions::lock_of_complaint(conn, current.id).await?;
        let mine = all.iter().find(|d| d.id == id).ok_or_else(|| ApiError::not_found("the disposition"))?;
        check_version(expected_version, mine.version)?;
        let from = status_of(mine)?;
        let action = match step {
            DispositionStep::Accept => DispositionAction::Accept,
            DispositionStep::Return { .. } => DispositionAction::Return,
            DispositionStep::Delegate { .. } => DispositionAction::Delegate,
        };
        let to = disposition::transition(from, action).map_err(|err| ApiError::refused_in(err, from.as_str()))?;
        let mut changes = DispositionChanges { status: Some(to.as_str().into()), ..Default::default() };
        let mut details = json!({ "disposition_id": id, "unit_id": mine.unit_id, "from": from, "to": to });
        match &step {
            DispositionStep::Return { reason, note } => {
                changes.return_reason = Some(Some(reason.as_str().into()));
                changes.return_note = Some(note.clone());
                details["reason"] = json!(reason);
            }
            DispositionStep::Delegate { sub_unit } => {
                let unit = db::units::find(conn, *sub_unit).await?.filter(|u| u.active);
                let ancestry = access::ancestry_ids(conn, *sub_unit).await?;
                let is_own_sub_unit = unit.is_some_and(|u| u.kind == UnitKind::SubUnit.as_str())
                    && ancestry.contains(&UnitId(mine.unit_id))
                    && *sub_unit != mine.unit_id;
                if !is_own_sub_unit {
                    return Err(ApiError::invalid_field(
                        "sub_unit_id",
                        "not_a_sub_unit",
                        "delegate to an active sub-unit of your OPD",
                    ));
                }
                changes.delegated_to = Some(Some(*sub_unit));
                details["sub_unit_id"] = json!(sub_unit);
            }
            DispositionStep::Accept => {}
        }
        let updated = db::dispositions::update(conn, id, &changes, now).await?;
        let event = format!("disposition_{}", action.as_str());
        db::audit::record(conn, NewAuditEvent::new(Some(actor.id.0), "complaint", current.id, &event, details)).await?;

        let complaint_status: ComplaintStatus = current.status.parse()?;
        let mut complaint_changes = ComplaintChanges::default();
        if to.is_taken_on() && complaint_status == ComplaintStatus::Disposed {
            complaint_changes.status = Some(complaint_step(&current, ComplaintAction::Accept)?.as_str().into());
        }
        if to == DispositionStatus::Returned {
            let all_returned = all.iter().all(|d| d.id == id || d.status == DispositionStatus::Returned.as_str());
            let statuses: Vec<DispositionStatus> =
                all.iter().map(|d| if d.id == id { Ok(to) } else { status_of(d) }).collect::<Result<_, ApiError>>()?;
            if complaint_status == ComplaintStatus::InProgress && disposition::all_answered(&statuses) {
                // The other units had all answered: this return was the last thing holding the reporter back.
                let (changes, details) = reporter_turn(conn, &current, state.settings.timezone, now).await?;
                db::audit::record(
                    conn,
                    NewAuditEvent::new(Some(actor.id.0), "complaint", current.id, "answer_all", details),
                )
                .await?;
                db::complaints::update(conn, current.id, &changes, now).await?;
            }
            if all_returned && complaint_status == ComplaintStatus::Disposed {
                complaint_changes.status = Some(complaint_step(&current, ComplaintAction::ReturnAll)?.as_str().into());
                complaint_changes.needs_redisposition = Some(true);
                let message =
                    format!("Semua OPD mengembalikan pengaduan {}: perlu disposisi ulang", current.tracking_code);
                notify_pemda(
                    conn,
                    current.pemda_id,
                    &["admin"],
                    &Notice {
                        kind: "redisposition_needed",
                        message,
                        complaint_id: Some(current.id),
                        disposition_id: Some(id),
                        follow_up_id: None,
                        at: now,
                    },
                )
                .await?;
            }
        }
        if let Some(status) = &complaint_changes.status {
            let details = json!({ "from": current.status, "to": status, "disposition_id": id });
            let action = if status == ComplaintStatus::Verified.as_str() { "return_all" } else { "accept" };
            db::audit::record(conn, NewAuditEvent::new(Some(actor.id.0), "complaint", current.id, action, details))
                .await?;
            db::complaints::update(conn, current.id, &complaint_changes, now).await?;
        }
        Ok(updated)
    })
    .await
}

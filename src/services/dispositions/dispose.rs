//! Sending a verified complaint to one or more units (the Inspektorat for a supervision complaint).

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
use crate::db::dispositions::DispositionRow;
use crate::domain::complaint::ComplaintAction;
use crate::domain::disposition::DispositionStatus;
use crate::domain::ids::UnitId;
use crate::domain::unit::UnitKind;
use crate::error::ApiError;
use crate::services::{access, reference};
use crate::state::AppState;

/// A disposition request, checked field by field.
#[derive(Debug, Clone)]
pub struct NewDisposition {
    /// Target units (OPDs, sub-units, or the Inspektorat).
    pub units: Vec<Uuid>,
    /// What the admin asks of them.
    pub instruction: String,
    /// First answer due by; default from the complaint's policy.
    pub due_at: Option<DateTime<Utc>>,
    /// Share the reporter's contact (name, phone, e-mail) with the OPDs; never for anonymous or confidential reports.
    pub share_contact: bool,
}

/// Sends a verified complaint to one or more units.
pub async fn dispose(
    state: &AppState,
    conn: &mut AsyncPgConnection,
    actor: &AuthUser,
    complaint_id: Uuid,
    expected_version: Option<i32>,
    new: NewDisposition,
) -> Result<(ComplaintRow, Vec<DispositionRow>), ApiError> {
    guards::require(actor.role, Action::DisposeComplaints)?;
    let reach = access::reach_of(actor);
    let now = state.clock.now();
    let timezone = state.settings.timezone;
    conn.transaction(async |conn| {
        let current = db::complaints::lock(conn, complaint_id).await?.ok_or_else(|| ApiError::not_found("the complaint"))?;
        if !covers(&reach, &current) {
            return Err(ApiError::not_found("the complaint"));
        }
        check_version(expected_version, current.version)?;
        let to = complaint_step(&current, ComplaintAction::Dispose)?;
        if new.share_contact && (current.anonymous || current.confidential) {
            return Err(ApiError::invalid_field(
                "share_contact",
                "protected_reporter",
                "the contact of an anonymous or confidential reporter is never shared",
            ));
        }
        let existing = db::dispositions::lock_of_complaint(conn, complaint_id).await?;
        let mut targets = Vec::new();
        for unit_id in &new.units {
            let unit = db::units::find(conn, *unit_id).await?.filter(|u| u.active).ok_or_else(|| {
                ApiError::invalid_field("unit_ids", "not_found", "every target must be an active unit")
            })?;
            let kind: UnitKind = unit.kind.parse()?;
            let ancestry = access::ancestry_ids(conn, unit.id).await?;
            if !matches!(kind, UnitKind::Opd | UnitKind::SubUnit) || !ancestry.contains(&UnitId(current.pemda_id)) {
                return Err(ApiError::invalid_field("unit_ids", "not_an_opd", "targets are OPDs or sub-units of the complaint's Pemda"));
            }
            if current.supervision && !unit.inspectorate {
                return Err(ApiError::invalid_field(
                    "unit_ids",
                    "supervision_to_inspectorate",
                    "a supervision complaint goes to the Inspektorat only",
                ));
            }
            if existing.iter().any(|d| d.unit_id == unit.id && d.status != DispositionStatus::Returned.as_str()) {
                return Err(ApiError::conflict("already_disposed", format!("{} already has this complaint", unit.name)));
            }
            targets.push(unit);
        }
        let due_at = match new.due_at {
            Some(due) if due <= now => return Err(ApiError::invalid_field("due_at", "in_past", "the due date must be in the future")),
            Some(due) => due,
            None => {
                let policy = db::reference::policies(conn, current.pemda_id).await?.into_iter().find(|p| p.id == current.policy_id);
                let days = policy.map(|p| reference::policy_of(&p).first_response_days).unwrap_or(5);
                let calendar = reference::calendar(conn, current.pemda_id, timezone, now.with_timezone(&timezone).date_naive()).await?;
                calendar.add_working_days(now, days)
            }
        };
        let mut created = Vec::new();
        for unit in &targets {
            let row = DispositionRow {
                id: Uuid::now_v7(),
                complaint_id,
                unit_id: unit.id,
                delegated_to: None,
                status: DispositionStatus::Sent.as_str().into(),
                instruction: new.instruction.clone(),
                share_contact: new.share_contact,
                due_at,
                return_reason: None,
                return_note: None,
                escalation_level: 0,
                first_answer_at: None,
                created_by: Some(actor.id.0),
                version: 1,
                created_at: now,
                updated_at: now,
            };
            let row = db::dispositions::insert(conn, &row).await?;
            let message = format!("Pengaduan {} didisposisikan ke unit Anda", current.tracking_code);
            let notice = Notice {
                kind: "disposition_received",
                message,
                complaint_id: Some(complaint_id),
                disposition_id: Some(row.id),
                follow_up_id: None,
                at: now,
            };
            notify(conn, &[unit.id], acting_roles(unit.inspectorate, current.supervision), &notice).await?;
            created.push(row);
        }
        let changes = ComplaintChanges { status: Some(to.as_str().into()), needs_redisposition: Some(false), ..Default::default() };
        let updated = db::complaints::update(conn, complaint_id, &changes, now).await?;
        let details = json!({ "from": current.status, "to": to, "units": new.units, "due_at": due_at, "share_contact": new.share_contact });
        db::audit::record(conn, NewAuditEvent::new(Some(actor.id.0), "complaint", complaint_id, "dispose", details)).await?;
        Ok((updated, created))
    })
    .await
}

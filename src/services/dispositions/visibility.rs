//! Who sees a disposition and its complaint, and the reporter contact an OPD may see.

use diesel_async::{AsyncConnection, AsyncPgConnection};
use serde_json::json;
use uuid::Uuid;

use super::*;
use crate::auth::AuthUser;
use crate::auth::guards::{self, Action};
use crate::db;
use crate::db::audit::NewAuditEvent;
use crate::db::complaints::ComplaintRow;
use crate::db::dispositions::DispositionRow;
use crate::domain::complaint::ReporterIdentity;
use crate::domain::disposition::DispositionStatus;
use crate::domain::ids::UnitId;
use crate::domain::role::Role;
use crate::error::ApiError;
use crate::services::{access, complaints};
use crate::state::AppState;

/// Whether `actor` sees this disposition: admins and inspectors of the complaint's Pemda; OPD staff of the target unit
/// or of the sub-unit it was delegated to, except for supervision complaints.
fn sees(actor: &AuthUser, disposition: &DispositionRow, complaint: &ComplaintRow) -> bool {
    match actor.role {
        Role::SuperAdmin => true,
        Role::Admin | Role::Inspector => actor.pemda_id == Some(UnitId(complaint.pemda_id)),
        Role::OpdOperator | Role::OpdOfficial => {
            !complaint.supervision
                && (disposition.unit_id == actor.unit_id.0 || disposition.delegated_to == Some(actor.unit_id.0))
        }
        Role::ActionPlanReviewer | Role::Leader => false,
    }
}

/// A disposition the caller may see, with its complaint (404 otherwise: its existence is not disclosed).
pub async fn visible(
    conn: &mut AsyncPgConnection,
    actor: &AuthUser,
    id: Uuid,
) -> Result<(DispositionRow, ComplaintRow), ApiError> {
    let not_found = || ApiError::not_found("the disposition");
    guards::require(actor.role, Action::ReadDispositions)?;
    let row = db::dispositions::find(conn, id).await?.ok_or_else(not_found)?;
    let complaint = db::complaints::find(conn, row.complaint_id).await?.ok_or_else(not_found)?;
    if !sees(actor, &row, &complaint) {
        return Err(not_found());
    }
    Ok((row, complaint))
}

/// Whether an OPD user has a disposition of this complaint (for attachment downloads).
pub async fn opd_sees_complaint(
    conn: &mut AsyncPgConnection,
    actor: &AuthUser,
    complaint: &ComplaintRow,
) -> Result<bool, ApiError> {
    if !is_opd_role(actor.role) || complaint.supervision {
        return Ok(false);
    }
    let rows = db::dispositions::of_complaint(conn, complaint.id).await?;
    Ok(rows.iter().any(|d| {
        d.status != DispositionStatus::Returned.as_str()
            && (d.unit_id == actor.unit_id.0 || d.delegated_to == Some(actor.unit_id.0))
    }))
}

/// The reporter contact an OPD may see: only when the admin shared it and the report is neither anonymous nor
/// confidential; each such read is logged like any read of reporter identity.
pub async fn shared_contact(
    state: &AppState,
    conn: &mut AsyncPgConnection,
    actor: &AuthUser,
    disposition: &DispositionRow,
    complaint: &ComplaintRow,
) -> Result<Option<ReporterIdentity>, ApiError> {
    if !disposition.share_contact || complaint.anonymous || complaint.confidential || !is_opd_role(actor.role) {
        return Ok(None);
    }
    let Some(sealed) = db::complaints::reporter(conn, complaint.id).await? else {
        return Ok(None);
    };
    let identity = complaints::open_reporter(&state.sealer, &sealed)?;
    let now = state.clock.now();
    let log = db::complaints::AccessLogRow {
        id: Uuid::now_v7(),
        complaint_id: complaint.id,
        user_id: actor.id.0,
        accessed_at: now,
    };
    conn.transaction(async |conn| {
        db::complaints::log_reporter_access(conn, &log).await?;
        let details = json!({ "disposition_id": disposition.id, "shared_contact": true });
        db::audit::record(
            conn,
            NewAuditEvent::new(Some(actor.id.0), "complaint", complaint.id, "reporter_read", details),
        )
        .await?;
        Ok::<_, ApiError>(())
    })
    .await?;
    // Only contact details: never the NIK or the address.
    Ok(Some(ReporterIdentity {
        name: identity.name,
        phone: identity.phone,
        email: identity.email,
        nik: None,
        address: None,
    }))
}

/// The part of the disposition list a caller may see.
#[derive(Debug, Clone, Default)]
pub struct ListScope {
    /// Only dispositions sent or delegated to these units.
    pub units: Option<Vec<Uuid>>,
    /// Only dispositions of complaints of these Pemda.
    pub pemda_ids: Option<Vec<Uuid>>,
    /// Leave out supervision complaints.
    pub exclude_supervision: bool,
}

/// Which dispositions the caller lists: OPD staff those of their unit (never supervision complaints), admins and
/// inspectors those of their Pemda, super admins all.
pub fn list_scope(actor: &AuthUser) -> Result<ListScope, ApiError> {
    guards::require(actor.role, Action::ReadDispositions)?;
    Ok(match actor.role {
        Role::SuperAdmin => ListScope::default(),
        Role::Admin | Role::Inspector => {
            ListScope { pemda_ids: Some(vec![access::home_pemda(actor)?.0]), ..Default::default() }
        }
        // OPD staff, and any role the table might grant later: the narrowest view, their own unit.
        _ => ListScope { units: Some(vec![actor.unit_id.0]), exclude_supervision: true, ..Default::default() },
    })
}

//! Dispositions to OPDs, their follow-up answers and approval, the reporter's response, reopening, and what OPD
//! staff may see. Every step locks the complaint first (then its dispositions), so concurrent steps on one complaint
//! run one after the other and the last one sees what the first did.

use chrono::{DateTime, Utc};
use diesel_async::{AsyncConnection, AsyncPgConnection};
use serde_json::json;
use uuid::Uuid;

use super::{access, complaints, reference};
use crate::auth::guards::{self, Action};
use crate::auth::{AuthUser, Reach};
use crate::db;
use crate::db::attachments::AttachmentOwner;
use crate::db::audit::NewAuditEvent;
use crate::db::complaints::{ComplaintChanges, ComplaintRow};
use crate::db::dispositions::{DispositionChanges, DispositionRow, FeedbackRow, FollowUpRow, NotificationRow};
use crate::domain::complaint::{self, ComplaintAction, ComplaintStatus, ReporterIdentity};
use crate::domain::disposition::{
    self, Decision, DispositionAction, DispositionStatus, FollowUpStatus, ReturnReason, Visibility,
};
use crate::domain::ids::UnitId;
use crate::domain::role::Role;
use crate::domain::unit::UnitKind;
use crate::error::ApiError;
use crate::state::AppState;

/// Roles that work on dispositions sent to their unit.
fn is_opd_role(role: Role) -> bool {
    matches!(role, Role::OpdOperator | Role::OpdOfficial)
}

fn status_of(row: &DispositionRow) -> Result<DispositionStatus, ApiError> {
    Ok(row.status.parse()?)
}

fn complaint_step(current: &ComplaintRow, action: ComplaintAction) -> Result<ComplaintStatus, ApiError> {
    let from: ComplaintStatus = current.status.parse()?;
    complaint::transition(from, action).map_err(|err| ApiError::refused_in(err, from.as_str()))
}

/// Writes one notification per active user of `units` holding one of `roles`.
#[allow(clippy::too_many_arguments)]
async fn notify(
    conn: &mut AsyncPgConnection,
    units: &[Uuid],
    roles: &[&str],
    kind: &str,
    message: String,
    complaint_id: Uuid,
    disposition_id: Option<Uuid>,
    follow_up_id: Option<Uuid>,
    now: DateTime<Utc>,
) -> Result<(), ApiError> {
    let users = db::dispositions::recipients(conn, units, roles).await?;
    let rows: Vec<NotificationRow> = users
        .into_iter()
        .map(|user_id| NotificationRow {
            id: Uuid::now_v7(),
            user_id,
            kind: kind.into(),
            complaint_id: Some(complaint_id),
            disposition_id,
            follow_up_id,
            message: message.clone(),
            created_at: now,
            read_at: None,
        })
        .collect();
    Ok(db::dispositions::notify(conn, &rows).await?)
}

/// Notifies holders of `roles` anywhere in the Pemda (admins sit in Diskominfo, not on the Pemda unit itself).
#[allow(clippy::too_many_arguments)]
async fn notify_pemda(
    conn: &mut AsyncPgConnection,
    pemda: Uuid,
    roles: &[&str],
    kind: &str,
    message: String,
    complaint_id: Uuid,
    disposition_id: Option<Uuid>,
    follow_up_id: Option<Uuid>,
    now: DateTime<Utc>,
) -> Result<(), ApiError> {
    let units = db::units::subtree_ids(conn, pemda).await?;
    notify(conn, &units, roles, kind, message, complaint_id, disposition_id, follow_up_id, now).await
}

/// The roles of a unit that act on (and hear about) its dispositions: OPD liaison staff, and the inspectors of the
/// Inspektorat; for a supervision complaint the inspectors only, since OPD roles never see those.
fn acting_roles(inspectorate: bool, supervision: bool) -> &'static [&'static str] {
    match (inspectorate, supervision) {
        (_, true) => &["inspector"],
        (true, false) => &["opd_operator", "opd_official", "inspector"],
        (false, false) => &["opd_operator", "opd_official"],
    }
}

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
            notify(conn, &[unit.id], acting_roles(unit.inspectorate, current.supervision), "disposition_received", message, complaint_id, Some(row.id), None, now)
                .await?;
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

fn check_version(expected: Option<i32>, current: i32) -> Result<(), ApiError> {
    match expected {
        Some(version) if version != current => Err(ApiError::stale(current)),
        _ => Ok(()),
    }
}

fn covers(reach: &Reach, complaint: &ComplaintRow) -> bool {
    match reach {
        Reach::Everything => true,
        Reach::Subtree(root) | Reach::Unit(root) => *root == UnitId(complaint.pemda_id),
    }
}

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
                    "redisposition_needed",
                    message,
                    current.id,
                    Some(id),
                    None,
                    now,
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
            notify(conn, &[mine.unit_id], approvers, "answer_awaiting_approval", message, current.id, Some(disposition_id), Some(follow_up.id), now)
                .await?;
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
            let rows = vec![NotificationRow {
                id: Uuid::now_v7(),
                user_id: follow_up.created_by,
                kind: "answer_rejected".into(),
                complaint_id: Some(current.id),
                disposition_id: Some(row.id),
                follow_up_id: Some(follow_up.id),
                message: message.chars().take(500).collect(),
                created_at: now,
                read_at: None,
            }];
            db::dispositions::notify(conn, &rows).await?;
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
            "answer_published",
            message,
            current.id,
            Some(row.id),
            Some(follow_up.id),
            now,
        )
        .await?;
        Ok(decided)
    })
    .await
}

/// The complaint's move to `awaiting_reporter`, with the reporter's window counted from now under its own policy.
async fn reporter_turn(
    conn: &mut AsyncPgConnection,
    current: &ComplaintRow,
    timezone: chrono_tz::Tz,
    now: DateTime<Utc>,
) -> Result<(ComplaintChanges, serde_json::Value), ApiError> {
    let to = complaint_step(current, ComplaintAction::AnswerAll)?;
    let policy = db::reference::policies(conn, current.pemda_id).await?.into_iter().find(|p| p.id == current.policy_id);
    let window = policy.map(|p| reference::policy_of(&p).reporter_window_days).unwrap_or(10);
    let calendar =
        reference::calendar(conn, current.pemda_id, timezone, now.with_timezone(&timezone).date_naive()).await?;
    let reply_by = calendar.add_working_days(now, window);
    let changes = ComplaintChanges {
        status: Some(to.as_str().into()),
        reporter_reply_by: Some(Some(reply_by)),
        ..Default::default()
    };
    Ok((changes, json!({ "from": current.status, "to": to, "reporter_reply_by": reply_by })))
}

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
        notify(conn, &recipients, roles, "complaint_reopened", message, complaint.id, Some(row.id), None, now).await?;
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

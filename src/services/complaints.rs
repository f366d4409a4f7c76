//! Complaint intake, the verification workflow, public tracking and the guarded reads.

use chrono::{DateTime, Datelike, Utc};
use diesel_async::{AsyncConnection, AsyncPgConnection};
use rand::RngCore;
use serde_json::json;
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::{access, reference};
use crate::auth::guards::{self, Action};
use crate::auth::{AuthUser, MachineClient, Reach};
use crate::db;
use crate::db::attachments::AttachmentOwner;
use crate::db::audit::{AuditEventRow, NewAuditEvent};
use crate::db::complaints::{AccessLogRow, ComplaintChanges, ComplaintRow, IdempotencyRow, ReporterRow, SupplementRow};
use crate::db::units::UnitRow;
use crate::domain::api_client::Scope;
use crate::domain::complaint::{
    self, ArchiveReason, Channel, Classification, ComplaintAction, ComplaintStatus, ReporterIdentity, SourceEvidence,
};
use crate::domain::ids::UnitId;
use crate::domain::role::Role;
use crate::error::ApiError;
use crate::sealing::{Sealed, Sealer};
use crate::state::AppState;

/// A report to record, already checked field by field.
#[derive(Debug, Clone)]
pub struct NewComplaint {
    pub classification: Classification,
    pub supervision: bool,
    pub channel: Channel,
    pub category_id: Option<Uuid>,
    pub title: String,
    pub body: String,
    pub incident_date: chrono::NaiveDate,
    pub service_date: Option<chrono::NaiveDate>,
    pub region_id: Option<Uuid>,
    pub location: Option<String>,
    pub coordinates: Option<(f64, f64)>,
    pub anonymous: bool,
    pub confidential: bool,
    pub source: Option<SourceEvidence>,
    pub reporter: Option<ReporterIdentity>,
    pub attachment_ids: Vec<Uuid>,
    /// The API client that filed it, as a channel (recorded in the audit trail).
    pub api_client: Option<Uuid>,
}

/// An `Idempotency-Key` with the scope it is unique in and the hash of the request it came with.
#[derive(Debug, Clone)]
pub struct IdempotencyRequest {
    /// `public:<client address>`, `user:<id>` or `client:<id>`: keys of different callers never meet.
    pub scope: String,
    /// The client's key.
    pub key: String,
    /// SHA-256 of the request body.
    pub request_hash: Vec<u8>,
}

/// What an intake produced.
#[derive(Debug)]
pub enum IntakeOutcome {
    /// A new complaint; `body` is the response to send (and the one stored for retries).
    Created { row: Box<ComplaintRow>, body: serde_json::Value },
    /// A retry of an earlier request: its stored response.
    Replayed { status: u16, body: serde_json::Value },
}

/// The secret a reporter keeps to read a confidential report and answer follow-ups. Shown once, stored hashed.
pub fn new_reporter_secret() -> (String, Vec<u8>) {
    use base64::Engine;
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    let secret = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes);
    let hash = hash_secret(&secret);
    (secret, hash)
}

/// SHA-256 of a reporter secret (256 random bits: nothing to brute-force, so no slow hash is needed).
pub fn hash_secret(secret: &str) -> Vec<u8> {
    Sha256::digest(secret.as_bytes()).to_vec()
}

fn secret_matches(row: &ComplaintRow, presented: Option<&str>) -> bool {
    use subtle_compare::constant_time_eq;
    presented.is_some_and(|secret| constant_time_eq(&hash_secret(secret), &row.reporter_secret_hash))
}

/// Equality that takes the same time wherever the inputs differ.
mod subtle_compare {
    pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
        a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
    }
}

/// The Pemda a public report is addressed to: by code, or the only Pemda of a single-Pemda deployment.
pub async fn receiving_pemda(conn: &mut AsyncPgConnection, code: Option<&str>) -> Result<UnitRow, ApiError> {
    let pemdas = db::units::pemdas(conn).await?;
    match code {
        Some(code) => {
            let code = code.trim().to_ascii_uppercase();
            pemdas
                .into_iter()
                .find(|unit| unit.code == code && unit.active)
                .ok_or_else(|| ApiError::invalid_field("pemda_code", "unknown_pemda", "no active Pemda has this code"))
        }
        None => match <[UnitRow; 1]>::try_from(pemdas) {
            Ok([only]) => Ok(only),
            Err(_) => Err(ApiError::invalid_field("pemda_code", "required", "name the Pemda the report is for")),
        },
    }
}

/// Records a complaint: tracking code, deadlines from the policy in force today, sealed reporter identity, attached
/// uploads and the audit event, all in one transaction. With an idempotency key a retry returns the first response.
/// `render` builds the response body from the new row and the reporter secret.
pub async fn intake(
    state: &AppState,
    conn: &mut AsyncPgConnection,
    actor: Option<&AuthUser>,
    pemda: &UnitRow,
    complaint: NewComplaint,
    idempotency: Option<IdempotencyRequest>,
    render: impl Fn(&ComplaintRow, &str) -> Result<serde_json::Value, ApiError> + Send + Sync,
) -> Result<IntakeOutcome, ApiError> {
    if let Some(request) = &idempotency
        && let Some(stored) = db::complaints::idempotent_response(conn, &request.scope, &request.key).await?
    {
        return replay(&state.sealer, request, &stored);
    }
    if let Some(category) = complaint.category_id
        && db::reference::find_category(conn, pemda.id, category).await?.is_none_or(|c| !c.active)
    {
        return Err(ApiError::invalid_field(
            "category_id",
            "not_found",
            "no active category of this Pemda has this id",
        ));
    }
    if let Some(region) = complaint.region_id
        && db::reference::find_region(conn, pemda.id, region).await?.is_none_or(|r| !r.active)
    {
        return Err(ApiError::invalid_field("region_id", "not_found", "no active region of this Pemda has this id"));
    }
    if complaint.attachment_ids.len() > state.settings.attachments_per_complaint {
        return Err(ApiError::invalid_field(
            "attachment_ids",
            "too_many",
            format!("at most {} attachments per report", state.settings.attachments_per_complaint),
        ));
    }

    let now = state.clock.now();
    let timezone = state.settings.timezone;
    let today = now.with_timezone(&timezone).date_naive();
    complaint::check_dates(complaint.incident_date, complaint.service_date, today)?;
    let policy_row =
        db::reference::policy_on(conn, pemda.id, complaint.classification.as_str(), complaint.supervision, today)
            .await?
            .ok_or_else(|| {
                ApiError::conflict(
                    "no_deadline_policy",
                    "this Pemda has no deadline policy for this kind of report; an admin must add one",
                )
            })?;
    let calendar = reference::calendar(conn, pemda.id, timezone, today).await?;
    let deadlines = reference::policy_of(&policy_row).deadlines(&calendar, now);
    // The number is taken outside the main transaction so the counter row is locked only for an instant; a failed
    // intake leaves a gap in the numbering, which is allowed.
    let number = db::complaints::next_tracking_number(conn, pemda.id, today.year()).await?;
    let (secret, secret_hash) = new_reporter_secret();
    let (latitude, longitude) = complaint.coordinates.unzip();
    let row = ComplaintRow {
        id: Uuid::now_v7(),
        pemda_id: pemda.id,
        tracking_code: complaint::tracking_code(&pemda.code, today.year(), number),
        classification: complaint.classification.as_str().into(),
        supervision: complaint.supervision,
        channel: complaint.channel.as_str().into(),
        category_id: complaint.category_id,
        title: complaint.title.clone(),
        body: complaint.body.clone(),
        incident_date: complaint.incident_date,
        service_date: complaint.service_date,
        region_id: complaint.region_id,
        location: complaint.location.clone(),
        latitude,
        longitude,
        anonymous: complaint.anonymous,
        confidential: complaint.confidential,
        source_url: complaint.source.as_ref().map(|s| s.url.clone()),
        source_platform: complaint.source.as_ref().map(|s| s.platform.clone()),
        source_captured_at: complaint.source.as_ref().map(|s| s.captured_at),
        status: ComplaintStatus::Submitted.as_str().into(),
        archive_reason: None,
        duplicate_of: None,
        forwarded_to: None,
        policy_id: policy_row.id,
        verify_by: deadlines.verify_by,
        first_response_by: deadlines.first_response_by,
        resolve_by: deadlines.resolve_by,
        reporter_reply_by: None,
        verified_at: None,
        reporter_secret_hash: secret_hash,
        created_by: actor.map(|a| a.id.0),
        version: 1,
        created_at: now,
        updated_at: now,
        reopen_count: 0,
        escalation_level: 0,
        closed_reason: None,
        finished_at: None,
        first_response_at: None,
        needs_redisposition: false,
    };
    let sealed_reporter = match complaint.reporter.as_ref().filter(|r| !r.is_empty()) {
        Some(reporter) => {
            Some(state.sealer.seal(row.id.as_bytes(), &serde_json::to_vec(reporter).map_err(anyhow::Error::new)?)?)
        }
        None => None,
    };
    let attachment_ids = complaint.attachment_ids.clone();
    let sealer = &state.sealer;
    let result = conn
        .transaction(async |conn| {
            let row = db::complaints::insert(conn, &row).await?;
            if let Some(sealed) = &sealed_reporter {
                let reporter = ReporterRow {
                    complaint_id: row.id,
                    nonce: sealed.nonce.clone(),
                    ciphertext: sealed.ciphertext.clone(),
                };
                db::complaints::insert_reporter(conn, &reporter).await?;
            }
            if !attachment_ids.is_empty() {
                let attached =
                    db::attachments::attach(conn, &attachment_ids, AttachmentOwner::complaint(row.id), None, now)
                        .await?;
                if attached != attachment_ids.len() {
                    return Err(IntakeError::Api(ApiError::invalid_field(
                        "attachment_ids",
                        "unavailable",
                        "an attachment is unknown, expired or already on another report",
                    )));
                }
            }
            let mut details = json!({ "to": row.status, "channel": row.channel, "tracking_code": row.tracking_code });
            if let Some(client) = complaint.api_client {
                details["api_client_id"] = json!(client);
            }
            db::audit::record(conn, NewAuditEvent::new(actor.map(|a| a.id.0), "complaint", row.id, "created", details))
                .await?;
            let body = render(&row, &secret)?;
            if let Some(request) = &idempotency {
                let sealed = sealer.seal(
                    idempotency_context(request).as_bytes(),
                    &serde_json::to_vec(&body).map_err(anyhow::Error::new)?,
                )?;
                let stored = IdempotencyRow {
                    scope: request.scope.clone(),
                    key: request.key.clone(),
                    request_hash: request.request_hash.clone(),
                    status: 201,
                    nonce: sealed.nonce,
                    response: sealed.ciphertext,
                    created_at: now,
                };
                if !db::complaints::store_idempotent_response(conn, &stored).await? {
                    // A request with the same key committed while this one ran: undo this one, answer with that one.
                    return Err(IntakeError::Raced);
                }
            }
            Ok((row, body))
        })
        .await;
    match result {
        Ok((row, body)) => {
            tracing::info!(complaint.id = %row.id, pemda.id = %row.pemda_id, channel = %row.channel, "complaint received");
            Ok(IntakeOutcome::Created { row: Box::new(row), body })
        }
        Err(IntakeError::Api(error)) => Err(error),
        Err(IntakeError::Raced) => {
            let request =
                idempotency.as_ref().ok_or_else(|| ApiError::Internal(anyhow::anyhow!("race without a key")))?;
            let stored = db::complaints::idempotent_response(conn, &request.scope, &request.key)
                .await?
                .ok_or_else(|| ApiError::Internal(anyhow::anyhow!("the racing idempotent response vanished")))?;
            replay(&state.sealer, request, &stored)
        }
    }
}

enum IntakeError {
    Api(ApiError),
    Raced,
}

impl From<diesel::result::Error> for IntakeError {
    fn from(err: diesel::result::Error) -> Self {
        IntakeError::Api(err.into())
    }
}

impl From<ApiError> for IntakeError {
    fn from(err: ApiError) -> Self {
        IntakeError::Api(err)
    }
}

impl From<anyhow::Error> for IntakeError {
    fn from(err: anyhow::Error) -> Self {
        IntakeError::Api(err.into())
    }
}

fn idempotency_context(request: &IdempotencyRequest) -> String {
    format!("idempotency:{}:{}", request.scope, request.key)
}

fn replay(sealer: &Sealer, request: &IdempotencyRequest, stored: &IdempotencyRow) -> Result<IntakeOutcome, ApiError> {
    if stored.request_hash != request.request_hash {
        return Err(ApiError::invalid_field(
            "Idempotency-Key",
            "key_reused",
            "this Idempotency-Key was used with a different request; use a new key for a new report",
        ));
    }
    let sealed = Sealed { nonce: stored.nonce.clone(), ciphertext: stored.response.clone() };
    let body = serde_json::from_slice(&sealer.open(idempotency_context(request).as_bytes(), &sealed)?)
        .map_err(anyhow::Error::new)?;
    Ok(IntakeOutcome::Replayed { status: u16::try_from(stored.status).unwrap_or(201), body })
}

/// What the public may see of a report, found by tracking code. A confidential report is found only with its
/// reporter secret (otherwise 404, as if it did not exist).
pub struct PublicComplaint {
    pub row: ComplaintRow,
    pub events: Vec<AuditEventRow>,
    /// The reporter's name: only to the reporter themself (with the secret), never for an anonymous report. Tracking
    /// codes are sequential, so showing names to anyone would let them be harvested.
    pub reporter_name: Option<String>,
    /// Whether the caller proved to be the reporter.
    pub is_reporter: bool,
    /// The report's files, for the reporter only (empty for anyone else).
    pub attachments: Vec<db::attachments::AttachmentRow>,
}

/// Looks a report up for the public tracking page.
pub async fn public_view(
    state: &AppState,
    conn: &mut AsyncPgConnection,
    code: &str,
    secret: Option<&str>,
) -> Result<PublicComplaint, ApiError> {
    let not_found = || ApiError::not_found(format!("a report with the tracking code {code}"));
    if !complaint::looks_like_tracking_code(code) {
        return Err(not_found());
    }
    let row = db::complaints::find_by_tracking_code(conn, code).await?.ok_or_else(not_found)?;
    let is_reporter = secret_matches(&row, secret);
    if row.confidential && !is_reporter {
        return Err(not_found());
    }
    let reporter_name = if row.anonymous || !is_reporter {
        None
    } else {
        match db::complaints::reporter(conn, row.id).await? {
            Some(sealed) => open_reporter(&state.sealer, &sealed)?.name,
            None => None,
        }
    };
    let events = db::audit::events_of(conn, "complaint", row.id).await?;
    let attachments = if is_reporter { db::attachments::of_complaint(conn, row.id).await? } else { Vec::new() };
    Ok(PublicComplaint { row, events, reporter_name, is_reporter, attachments })
}

/// A file of the reporter's own report, for the reporter (the secret must match): the evidence sent with the report
/// and with its supplements. Anything else, and anyone else, gets 404.
pub async fn reporter_attachment(
    state: &AppState,
    conn: &mut AsyncPgConnection,
    code: &str,
    secret: Option<&str>,
    attachment_id: uuid::Uuid,
) -> Result<(db::attachments::AttachmentRow, Vec<u8>), ApiError> {
    let not_found = || ApiError::not_found("the attachment");
    let found = public_view(state, conn, code, secret).await?;
    if !found.is_reporter {
        return Err(not_found());
    }
    let row = found.attachments.into_iter().find(|a| a.id == attachment_id).ok_or_else(not_found)?;
    let bytes = super::attachments::contents(state, &row).await?;
    Ok((row, bytes))
}

/// Opens a sealed reporter identity.
pub fn open_reporter(sealer: &Sealer, row: &ReporterRow) -> Result<ReporterIdentity, ApiError> {
    let sealed = Sealed { nonce: row.nonce.clone(), ciphertext: row.ciphertext.clone() };
    let plain = sealer.open(row.complaint_id.as_bytes(), &sealed)?;
    Ok(serde_json::from_slice(&plain).map_err(anyhow::Error::new)?)
}

/// The reporter sends the data the admin asked for: the report goes back to `submitted`, and its deadlines restart
/// from now under its own policy (the wait for the reporter does not count against the Pemda).
pub async fn supplement(
    state: &AppState,
    conn: &mut AsyncPgConnection,
    code: &str,
    secret: Option<&str>,
    expected_version: Option<i32>,
    body: String,
    attachment_ids: Vec<Uuid>,
) -> Result<ComplaintRow, ApiError> {
    let row = reporter_complaint(conn, code, secret).await?;
    let not_found = || ApiError::not_found(format!("a report with the tracking code {code}"));
    let now = state.clock.now();
    let timezone = state.settings.timezone;
    let calendar = reference::calendar(conn, row.pemda_id, timezone, now.with_timezone(&timezone).date_naive()).await?;
    let policy = db::reference::policies(conn, row.pemda_id).await?.into_iter().find(|p| p.id == row.policy_id);
    let policy = policy.ok_or_else(|| ApiError::Internal(anyhow::anyhow!("the complaint's policy is missing")))?;
    let deadlines = reference::policy_of(&policy).deadlines(&calendar, now);
    let max_attachments = state.settings.attachments_per_complaint;
    conn.transaction(async |conn| {
        let current = db::complaints::lock(conn, row.id).await?.ok_or_else(not_found)?;
        if let Some(version) = expected_version
            && version != current.version
        {
            return Err(ApiError::stale(current.version));
        }
        let from: ComplaintStatus = current.status.parse()?;
        let to =
            complaint::transition(from, ComplaintAction::Supplement).map_err(|err| ApiError::refused_in(err, from))?;
        if !attachment_ids.is_empty() {
            let existing = db::attachments::of_complaint(conn, current.id).await?.len();
            if existing + attachment_ids.len() > max_attachments {
                return Err(ApiError::invalid_field(
                    "attachment_ids",
                    "too_many",
                    format!("at most {max_attachments} attachments per report"),
                ));
            }
            let attached =
                db::attachments::attach(conn, &attachment_ids, AttachmentOwner::complaint(current.id), None, now)
                    .await?;
            if attached != attachment_ids.len() {
                return Err(ApiError::invalid_field(
                    "attachment_ids",
                    "unavailable",
                    "an attachment is unknown, expired or already used",
                ));
            }
        }
        db::complaints::insert_supplement(
            conn,
            &SupplementRow { id: Uuid::now_v7(), complaint_id: current.id, body, created_at: now },
        )
        .await?;
        let changes =
            ComplaintChanges { status: Some(to.as_str().into()), ..Default::default() }.with_deadlines(&deadlines);
        let updated = db::complaints::update(conn, current.id, &changes, now).await?;
        let details = json!({ "from": from, "to": to, "attachments": attachment_ids.len() });
        db::audit::record(conn, NewAuditEvent::new(None, "complaint", current.id, "supplemented", details)).await?;
        Ok(updated)
    })
    .await
}

/// The report with this tracking code, for its reporter: the secret must match (403 when it does not; 404 for a
/// confidential report, whose existence is not disclosed).
pub async fn reporter_complaint(
    conn: &mut AsyncPgConnection,
    code: &str,
    secret: Option<&str>,
) -> Result<ComplaintRow, ApiError> {
    let not_found = || ApiError::not_found(format!("a report with the tracking code {code}"));
    if !complaint::looks_like_tracking_code(code) {
        return Err(not_found());
    }
    let row = db::complaints::find_by_tracking_code(conn, code).await?.ok_or_else(not_found)?;
    if !secret_matches(&row, secret) {
        return Err(if row.confidential {
            not_found()
        } else {
            ApiError::forbidden("the reporter secret is missing or wrong")
        });
    }
    Ok(row)
}

/// A step of the verification workflow, with what it carries.
#[derive(Debug, Clone)]
pub enum WorkflowStep {
    /// Accept the report, correcting what the reporter got wrong.
    Verify(Corrections),
    /// Ask the reporter for missing data.
    Postpone { reason: String },
    /// Close without follow-up.
    Archive { reason: ArchiveReason, duplicate_of: Option<Uuid>, note: Option<String> },
    /// Not this Pemda's authority: pass to another agency.
    Forward { agency: String, reason: String },
}

/// Corrections the verifier may make. `None` leaves a field alone.
#[derive(Debug, Clone, Default)]
pub struct Corrections {
    pub classification: Option<Classification>,
    pub supervision: Option<bool>,
    pub category_id: Option<Option<Uuid>>,
    pub title: Option<String>,
    pub anonymous: Option<bool>,
    pub confidential: Option<bool>,
    pub note: Option<String>,
}

impl WorkflowStep {
    fn action(&self) -> ComplaintAction {
        match self {
            WorkflowStep::Verify(_) => ComplaintAction::Verify,
            WorkflowStep::Postpone { .. } => ComplaintAction::Postpone,
            WorkflowStep::Archive { .. } => ComplaintAction::Archive,
            WorkflowStep::Forward { .. } => ComplaintAction::Forward,
        }
    }
}

/// Applies a workflow step to a complaint in the caller's reach. `expected_version` comes from `If-Match`.
pub async fn apply(
    state: &AppState,
    conn: &mut AsyncPgConnection,
    actor: &AuthUser,
    id: Uuid,
    expected_version: Option<i32>,
    step: WorkflowStep,
) -> Result<ComplaintRow, ApiError> {
    guards::require(actor.role, Action::ManageComplaints)?;
    let reach = access::reach_of(actor);
    let now = state.clock.now();
    let timezone = state.settings.timezone;
    conn.transaction(async |conn| {
        let current = db::complaints::lock(conn, id).await?.ok_or_else(|| ApiError::not_found("the complaint"))?;
        if !covers_complaint(&reach, &current) {
            return Err(ApiError::not_found("the complaint"));
        }
        if let Some(version) = expected_version
            && version != current.version
        {
            return Err(ApiError::stale(current.version));
        }
        let from: ComplaintStatus = current.status.parse()?;
        let to = complaint::transition(from, step.action()).map_err(|err| ApiError::refused_in(err, from))?;
        let mut changes = ComplaintChanges { status: Some(to.as_str().into()), ..Default::default() };
        let mut details = json!({ "from": from, "to": to });
        match &step {
            WorkflowStep::Verify(corrections) => {
                let classification = corrections.classification.unwrap_or(current.classification.parse()?);
                let supervision = corrections.supervision.unwrap_or(current.supervision);
                complaint::check_supervision(classification, supervision)?;
                if let Some(Some(category)) = corrections.category_id
                    && db::reference::find_category(conn, current.pemda_id, category).await?.is_none()
                {
                    return Err(ApiError::invalid_field(
                        "category_id",
                        "not_found",
                        "no category of this Pemda has this id",
                    ));
                }
                changes.classification = corrections.classification.map(|c| c.as_str().into());
                changes.supervision = corrections.supervision;
                changes.category_id = corrections.category_id;
                changes.title = corrections.title.clone();
                // The reporter chose their privacy: verification may add protection, never take it away.
                if (corrections.anonymous == Some(false) && current.anonymous)
                    || (corrections.confidential == Some(false) && current.confidential)
                {
                    return Err(ApiError::invalid_field(
                        if corrections.anonymous == Some(false) && current.anonymous {
                            "anonymous"
                        } else {
                            "confidential"
                        },
                        "cannot_reveal",
                        "the reporter asked for this protection; it cannot be lifted",
                    ));
                }
                changes.anonymous = corrections.anonymous;
                changes.confidential = corrections.confidential;
                changes.verified_at = Some(Some(now));
                details["changed"] = json!(corrections.changed_fields());
                details["note"] = json!(corrections.note);
                let reclassified =
                    classification.as_str() != current.classification || supervision != current.supervision;
                if reclassified {
                    // Another kind of report has other allowances: take them from the policy in force when the report
                    // arrived, counted from its arrival.
                    let received_on = current.created_at.with_timezone(&timezone).date_naive();
                    let policy = db::reference::policy_on(
                        conn,
                        current.pemda_id,
                        classification.as_str(),
                        supervision,
                        received_on,
                    )
                    .await?
                    .ok_or_else(|| {
                        ApiError::conflict(
                            "no_deadline_policy",
                            "no deadline policy covers the corrected classification",
                        )
                    })?;
                    let calendar = reference::calendar(conn, current.pemda_id, timezone, received_on).await?;
                    let deadlines = reference::policy_of(&policy).deadlines(&calendar, current.created_at);
                    changes = changes.with_deadlines(&deadlines);
                    changes.policy_id = Some(policy.id);
                }
            }
            WorkflowStep::Postpone { reason } => details["reason"] = json!(reason),
            WorkflowStep::Archive { reason, duplicate_of, note } => {
                if let Some(original) = duplicate_of {
                    let original_row = db::complaints::find(conn, *original).await?;
                    if *original == id || original_row.is_none_or(|o| o.pemda_id != current.pemda_id) {
                        return Err(ApiError::invalid_field(
                            "duplicate_of",
                            "not_found",
                            "name another report of this Pemda",
                        ));
                    }
                }
                changes.archive_reason = Some(Some(reason.as_str().into()));
                changes.duplicate_of = Some(*duplicate_of);
                details["reason"] = json!(reason);
                details["duplicate_of"] = json!(duplicate_of);
                details["note"] = json!(note);
            }
            WorkflowStep::Forward { agency, reason } => {
                changes.forwarded_to = Some(Some(agency.clone()));
                details["agency"] = json!(agency);
                details["reason"] = json!(reason);
            }
        }
        let updated = db::complaints::update(conn, id, &changes, now).await?;
        db::audit::record(conn, NewAuditEvent::new(Some(actor.id.0), "complaint", id, step.action().as_str(), details))
            .await?;
        tracing::info!(complaint.id = %id, user.id = %actor.id, from = %from, to = %to, "complaint status changed");
        Ok(updated)
    })
    .await
}

impl Corrections {
    fn changed_fields(&self) -> Vec<&'static str> {
        [
            ("classification", self.classification.is_some()),
            ("supervision", self.supervision.is_some()),
            ("category_id", self.category_id.is_some()),
            ("title", self.title.is_some()),
            ("anonymous", self.anonymous.is_some()),
            ("confidential", self.confidential.is_some()),
        ]
        .into_iter()
        .filter_map(|(field, changed)| changed.then_some(field))
        .collect()
    }
}

/// Whether a complaint lies in `reach`: everything, or the caller's own Pemda.
fn covers_complaint(reach: &Reach, row: &ComplaintRow) -> bool {
    match reach {
        Reach::Everything => true,
        Reach::Subtree(root) | Reach::Unit(root) => *root == UnitId(row.pemda_id),
    }
}

/// The Pemda whose complaints the caller may read; `None` for every Pemda.
pub fn readable_pemdas(actor: &AuthUser) -> Result<Option<Vec<Uuid>>, ApiError> {
    guards::require(actor.role, Action::ReadComplaints)?;
    match access::reach_of(actor) {
        Reach::Everything => Ok(None),
        Reach::Subtree(root) | Reach::Unit(root) => Ok(Some(vec![root.0])),
    }
}

/// An API client may read complaints only with the `complaints:read` scope.
pub fn require_client_reads(client: &MachineClient) -> Result<(), ApiError> {
    if client.has(Scope::ComplaintsRead) {
        Ok(())
    } else {
        Err(ApiError::Forbidden {
            code: "insufficient_scope",
            detail: "this operation needs the complaints:read scope".into(),
        })
    }
}

/// An API client may file complaints only with the `complaints:write` scope, under the channel fixed for it.
pub fn require_client_writes(client: &MachineClient) -> Result<Channel, ApiError> {
    let refused = || ApiError::Forbidden {
        code: "insufficient_scope",
        detail: "this operation needs the complaints:write scope".into(),
    };
    if !client.has(Scope::ComplaintsWrite) {
        return Err(refused());
    }
    client.channel.ok_or_else(refused)
}

/// The Pemda an API client files into: its own; a `pemda_code` naming another is refused.
pub async fn client_pemda(
    conn: &mut AsyncPgConnection,
    client: &MachineClient,
    code: Option<&str>,
) -> Result<UnitRow, ApiError> {
    let pemda = db::units::find(conn, client.pemda_id.0).await?.ok_or_else(|| ApiError::not_found("your Pemda"))?;
    if code.is_some_and(|code| !code.trim().eq_ignore_ascii_case(&pemda.code)) {
        return Err(ApiError::invalid_field("pemda_code", "other_pemda", "an API client files into its own Pemda"));
    }
    Ok(pemda)
}

/// A complaint an API client may read: its Pemda's, not a supervision complaint (404 otherwise, as for staff).
pub async fn readable_by_client(
    conn: &mut AsyncPgConnection,
    client: &MachineClient,
    id: Uuid,
) -> Result<ComplaintRow, ApiError> {
    require_client_reads(client)?;
    let row = db::complaints::find(conn, id).await?.ok_or_else(|| ApiError::not_found("the complaint"))?;
    if row.pemda_id != client.pemda_id.0 || row.supervision {
        return Err(ApiError::not_found("the complaint"));
    }
    Ok(row)
}

/// A complaint the caller may read (404 for one outside their reach: its existence is not disclosed).
pub async fn readable(conn: &mut AsyncPgConnection, actor: &AuthUser, id: Uuid) -> Result<ComplaintRow, ApiError> {
    guards::require(actor.role, Action::ReadComplaints)?;
    let reach = access::reach_of(actor);
    let row = db::complaints::find(conn, id).await?.ok_or_else(|| ApiError::not_found("the complaint"))?;
    if !covers_complaint(&reach, &row) {
        return Err(ApiError::not_found("the complaint"));
    }
    Ok(row)
}

/// Reads a complaint's reporter identity and logs the read. Admins of the complaint's Pemda may; inspectors only for
/// supervision complaints (which are theirs to handle).
pub async fn read_reporter(
    state: &AppState,
    conn: &mut AsyncPgConnection,
    actor: &AuthUser,
    id: Uuid,
) -> Result<ReporterIdentity, ApiError> {
    guards::require(actor.role, Action::ReadReporterIdentity)?;
    let row = readable(conn, actor, id).await?;
    if actor.role == Role::Inspector && !row.supervision {
        return Err(ApiError::forbidden("inspectors read reporter identity of supervision complaints only"));
    }
    let sealed = db::complaints::reporter(conn, id)
        .await?
        .ok_or_else(|| ApiError::not_found("reporter identity for this complaint"))?;
    let identity = open_reporter(&state.sealer, &sealed)?;
    let now = state.clock.now();
    conn.transaction(async |conn| {
        db::complaints::log_reporter_access(
            conn,
            &AccessLogRow { id: Uuid::now_v7(), complaint_id: id, user_id: actor.id.0, accessed_at: now },
        )
        .await?;
        db::audit::record(conn, NewAuditEvent::new(Some(actor.id.0), "complaint", id, "reporter_read", json!({})))
            .await?;
        Ok::<_, ApiError>(())
    })
    .await?;
    tracing::info!(complaint.id = %id, user.id = %actor.id, "reporter identity read");
    Ok(identity)
}

/// Whether a complaint is past one of its deadlines at `now`.
pub fn is_overdue(row: &ComplaintRow, now: DateTime<Utc>) -> bool {
    row.status
        .parse::<ComplaintStatus>()
        .is_ok_and(|status| crate::domain::complaint::is_overdue(status, row.verify_by, row.resolve_by, now))
}

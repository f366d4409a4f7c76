//! What a report reads about each complaint and disposition: the few dates and labels every figure is computed from.
//! The database layer fills these in; nothing here knows where they came from.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::domain::complaint::{ArchiveReason, Channel, Classification, ComplaintStatus};
use crate::domain::disposition::{DispositionStatus, ReturnReason};

/// One complaint, as reports see it. Never anything about the reporter beyond their response.
#[derive(Debug, Clone, PartialEq)]
pub struct ComplaintFacts {
    /// The complaint.
    pub id: Uuid,
    /// When it arrived.
    pub received_at: DateTime<Utc>,
    /// What it is.
    pub classification: Classification,
    /// Berkadar pengawasan.
    pub supervision: bool,
    /// How it arrived.
    pub channel: Channel,
    /// Its category, if it has one.
    pub category_id: Option<Uuid>,
    /// Its region, if it has one.
    pub region_id: Option<Uuid>,
    /// Where it stands now.
    pub status: ComplaintStatus,
    /// Why it was archived, when it was.
    pub archive_reason: Option<ArchiveReason>,
    /// Deadline for verification.
    pub verify_by: DateTime<Utc>,
    /// Deadline for the first approved public answer.
    pub first_response_by: DateTime<Utc>,
    /// Deadline for the last final answer.
    pub resolve_by: DateTime<Utc>,
    /// When the main admin verified it.
    pub verified_at: Option<DateTime<Utc>>,
    /// When the first public answer was approved.
    pub first_answer_at: Option<DateTime<Utc>>,
    /// When the last final answer was approved, while the complaint waits for the reporter or is finished: the moment
    /// the Pemda's work was done (the reporter's response window is theirs, not the Pemda's).
    pub resolved_at: Option<DateTime<Utc>>,
    /// Whether the reporter's window closed without a reply (the job finished it).
    pub closed_without_reply: bool,
    /// How often the reporter (or the admin) reopened it.
    pub reopen_count: u32,
    /// Whether a final answer was ever approved (the reporter's turn came at least once).
    pub reached_reporter: bool,
    /// The reporter's latest response, if any.
    pub feedback: Option<Feedback>,
}

/// A reporter's response to the final answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Feedback {
    /// 1 to 5.
    pub rating: u8,
    /// Satisfied or not.
    pub satisfied: bool,
}

/// One disposition, as reports see it.
#[derive(Debug, Clone, PartialEq)]
pub struct DispositionFacts {
    /// The OPD it was sent to.
    pub unit_id: Uuid,
    /// The complaint.
    pub complaint_id: Uuid,
    /// Where it stands now.
    pub status: DispositionStatus,
    /// Why it was returned, if it was.
    pub return_reason: Option<ReturnReason>,
    /// Whether the OPD passed it down to a sub-unit.
    pub delegated: bool,
    /// When it was sent.
    pub sent_at: DateTime<Utc>,
    /// Its deadline for the OPD's answer.
    pub due_at: DateTime<Utc>,
    /// When the OPD's first public answer on it was approved.
    pub first_answer_at: Option<DateTime<Utc>>,
    /// When its final answer was approved, while it stands completed.
    pub completed_at: Option<DateTime<Utc>>,
    /// The complaint's reporter's latest response: satisfied or not (`None`: no response).
    pub reporter_satisfied: Option<bool>,
}

/// One escalation raised on a disposition of `unit_id`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EscalationFact {
    /// The OPD whose disposition was late.
    pub unit_id: Uuid,
    /// 1 (reminder), 2 (head / Sekda), 3 (Inspektorat).
    pub level: u8,
}

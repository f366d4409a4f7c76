//! Dispositions: the main admin sends a verified complaint to OPDs; OPD staff accept, return or delegate it and write
//! follow-ups; the pejabat penghubung approves public answers.

pub mod follow_ups;
pub mod reads;
pub mod workflow;

use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use super::complaints::{AttachmentView, ComplaintView};
use crate::db;
use crate::db::dispositions::{DispositionRow, FollowUpRow};
use crate::domain::complaint::ReporterIdentity;
use crate::domain::disposition::{DispositionStatus, FollowUpStatus, ReturnReason, Visibility};
use crate::error::ApiError;

/// A complaint sent to a unit.
#[derive(Debug, Serialize, ToSchema)]
pub struct DispositionView {
    pub id: Uuid,
    pub complaint_id: Uuid,
    /// The unit it was sent to.
    pub unit_id: Uuid,
    /// The sub-unit it was passed down to, if any.
    pub delegated_to: Option<Uuid>,
    pub status: DispositionStatus,
    pub instruction: String,
    /// Whether the reporter's contact is shared with the unit.
    pub share_contact: bool,
    /// First answer due by.
    #[serde(serialize_with = "crate::api::json_time::instant")]
    pub due_at: DateTime<Utc>,
    /// Past due without an answer now.
    pub overdue: bool,
    pub return_reason: Option<ReturnReason>,
    pub return_note: Option<String>,
    /// 0 none; 1 reminder to the OPD; 2 its head and the main admin; 3 flagged to the Inspektorat.
    pub escalation_level: i16,
    /// Row version: the ETag, for `If-Match`.
    pub version: i32,
    #[serde(serialize_with = "crate::api::json_time::instant")]
    pub created_at: DateTime<Utc>,
    #[serde(serialize_with = "crate::api::json_time::instant")]
    pub updated_at: DateTime<Utc>,
}

impl DispositionView {
    fn new(row: DispositionRow, now: DateTime<Utc>) -> Result<Self, ApiError> {
        let status: DispositionStatus = row.status.parse()?;
        let return_reason = row.return_reason.as_deref().map(str::parse::<ReturnReason>).transpose()?;
        Ok(Self {
            id: row.id,
            complaint_id: row.complaint_id,
            unit_id: row.unit_id,
            delegated_to: row.delegated_to,
            status,
            instruction: row.instruction,
            share_contact: row.share_contact,
            due_at: row.due_at,
            overdue: status.is_open() && row.due_at < now,
            return_reason,
            return_note: row.return_note,
            escalation_level: row.escalation_level,
            version: row.version,
            created_at: row.created_at,
            updated_at: row.updated_at,
        })
    }
}

/// A follow-up: an answer to the reporter (published once approved) or an internal note.
#[derive(Debug, Serialize, ToSchema)]
pub struct FollowUpView {
    pub id: Uuid,
    pub disposition_id: Uuid,
    pub body: String,
    pub visibility: Visibility,
    /// The final answer of this unit.
    #[serde(rename = "final")]
    pub final_answer: bool,
    pub status: FollowUpStatus,
    pub rejection_reason: Option<String>,
    pub created_by: Uuid,
    pub decided_by: Option<Uuid>,
    #[serde(serialize_with = "crate::api::json_time::optional_instant")]
    pub decided_at: Option<DateTime<Utc>>,
    /// Row version: send it as `If-Match` (`"1"`) when deciding.
    pub version: i32,
    #[serde(serialize_with = "crate::api::json_time::instant")]
    pub created_at: DateTime<Utc>,
    /// Files on this follow-up (seen by whoever sees the disposition; on a published answer, by the reporter's
    /// handlers too).
    pub attachments: Vec<AttachmentView>,
}

impl TryFrom<FollowUpRow> for FollowUpView {
    type Error = ApiError;

    fn try_from(row: FollowUpRow) -> Result<Self, ApiError> {
        Ok(Self {
            id: row.id,
            disposition_id: row.disposition_id,
            body: row.body,
            visibility: if row.visibility == "public" { Visibility::Public } else { Visibility::Internal },
            final_answer: row.final_,
            status: row.status.parse()?,
            rejection_reason: row.rejection_reason,
            created_by: row.created_by,
            decided_by: row.decided_by,
            decided_at: row.decided_at,
            version: row.version,
            created_at: row.created_at,
            attachments: Vec::new(),
        })
    }
}

/// A disposition with what the unit needs to act on it.
#[derive(Debug, Serialize, ToSchema)]
pub struct DispositionDetail {
    pub disposition: DispositionView,
    /// The complaint's content (never reporter identity).
    pub complaint: ComplaintView,
    pub attachments: Vec<AttachmentView>,
    /// The complaint's status steps with their dates, oldest first.
    pub timeline: Vec<super::complaints::public::TimelineStep>,
    /// This disposition's follow-ups, internal notes included.
    pub follow_ups: Vec<FollowUpView>,
    /// The reporter's contact, only when the admin shared it and the report is neither anonymous nor confidential
    /// (each read is logged).
    pub reporter_contact: Option<ReporterIdentity>,
}

/// Follow-up views with their files, in one query for all of them.
async fn with_attachments(
    conn: &mut diesel_async::AsyncPgConnection,
    rows: Vec<FollowUpRow>,
) -> Result<Vec<FollowUpView>, ApiError> {
    let ids: Vec<Uuid> = rows.iter().map(|row| row.id).collect();
    let mut files = db::attachments::of_follow_ups(conn, &ids).await?;
    rows.into_iter()
        .map(|row| {
            let mut view = FollowUpView::try_from(row)?;
            let (mine, rest): (Vec<_>, Vec<_>) = files.drain(..).partition(|file| file.follow_up_id == Some(view.id));
            files = rest;
            view.attachments = mine.into_iter().map(AttachmentView::from).collect();
            Ok(view)
        })
        .collect()
}

//! Complaints over HTTP: intake (public and staff), public tracking, the verification workflow and staff reads.

pub mod export;
pub mod intake;
pub mod public;
pub mod reads;
pub mod workflow;

use actix_web::HttpResponse;
use actix_web::http::{StatusCode, header};
use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use super::{etag, json_time};
use crate::db::attachments::AttachmentRow;
use crate::db::complaints::ComplaintRow;
use crate::domain::complaint::{self, ArchiveReason, Channel, Classification, ComplaintStatus};
use crate::error::ApiError;
use crate::services::complaints::is_overdue;

/// The deadlines of a complaint (UTC), fixed when it arrived.
#[derive(Debug, Serialize, ToSchema)]
pub struct DeadlinesView {
    /// Verified and disposed by.
    #[serde(serialize_with = "json_time::instant")]
    pub verify_by: DateTime<Utc>,
    /// First answer by.
    #[serde(serialize_with = "json_time::instant")]
    pub first_response_by: DateTime<Utc>,
    /// Resolved by.
    #[serde(serialize_with = "json_time::instant")]
    pub resolve_by: DateTime<Utc>,
    /// The reporter's response window ends (set once every OPD has answered).
    #[serde(serialize_with = "json_time::optional_instant")]
    pub reporter_reply_by: Option<DateTime<Utc>>,
}

/// Where a social-media post or news item was found.
#[derive(Debug, Serialize, ToSchema)]
pub struct SourceView {
    pub url: String,
    pub platform: String,
    #[serde(serialize_with = "crate::api::json_time::instant")]
    pub captured_at: DateTime<Utc>,
}

/// An uploaded file on a complaint.
#[derive(Debug, Serialize, ToSchema)]
pub struct AttachmentView {
    pub id: Uuid,
    /// `application/pdf`, `image/jpeg`, `image/png` or `image/webp`, judged from the content.
    pub content_type: String,
    pub size_bytes: i32,
    /// Hex SHA-256 of the content.
    pub sha256: String,
    pub file_name: Option<String>,
    #[serde(serialize_with = "crate::api::json_time::instant")]
    pub uploaded_at: DateTime<Utc>,
}

impl From<AttachmentRow> for AttachmentView {
    fn from(row: AttachmentRow) -> Self {
        Self {
            id: row.id,
            content_type: row.content_type,
            size_bytes: row.size_bytes,
            sha256: row.sha256,
            file_name: row.file_name,
            uploaded_at: row.uploaded_at,
        }
    }
}

/// A complaint as staff see it. Reporter identity is never part of it: it has its own guarded, logged endpoint.
#[derive(Debug, Serialize, ToSchema)]
pub struct ComplaintView {
    pub id: Uuid,
    /// Public tracking code.
    #[schema(example = "SKD-2026-000123")]
    pub tracking_code: String,
    /// The Pemda that received it.
    pub pemda_id: Uuid,
    pub classification: Classification,
    /// About misconduct of officials (berkadar pengawasan): handled with the Inspektorat.
    pub supervision: bool,
    pub channel: Channel,
    pub category_id: Option<Uuid>,
    pub title: String,
    pub body: String,
    #[serde(serialize_with = "json_time::date")]
    pub incident_date: NaiveDate,
    /// The date the service was received.
    #[serde(serialize_with = "json_time::optional_date")]
    pub service_date: Option<NaiveDate>,
    /// Filed more than 30 days after the service (UU 25/2009 art. 42): recorded, not refused.
    pub filed_late: bool,
    pub region_id: Option<Uuid>,
    pub location: Option<String>,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    /// The reporter's name is hidden from the public.
    pub anonymous: bool,
    /// The whole report is hidden from the public.
    pub confidential: bool,
    /// For social-media and news reports.
    pub source: Option<SourceView>,
    pub status: ComplaintStatus,
    pub archive_reason: Option<ArchiveReason>,
    pub duplicate_of: Option<Uuid>,
    /// The agency a report outside this Pemda's authority was passed to.
    pub forwarded_to: Option<String>,
    pub deadlines: DeadlinesView,
    /// Past a deadline now (verification while waiting for it, else resolution).
    pub overdue: bool,
    #[serde(serialize_with = "json_time::optional_instant")]
    pub verified_at: Option<DateTime<Utc>>,
    /// When the first answer was published.
    #[serde(serialize_with = "json_time::optional_instant")]
    pub first_response_at: Option<DateTime<Utc>>,
    /// Every OPD returned it: the main admin must dispose it again.
    pub needs_redisposition: bool,
    /// How often it was reopened (reporter not satisfied, or by the admin).
    pub reopen_count: i32,
    /// 0 none; 1 reminder; 2 the OPD's head and the main admin; 3 flagged to the Inspektorat.
    pub escalation_level: i16,
    /// `satisfied` or `auto_closed`, once finished.
    pub closed_reason: Option<String>,
    #[serde(serialize_with = "json_time::optional_instant")]
    pub finished_at: Option<DateTime<Utc>>,
    /// Row version: the ETag, for `If-Match`.
    pub version: i32,
    #[serde(serialize_with = "json_time::instant")]
    pub created_at: DateTime<Utc>,
    #[serde(serialize_with = "json_time::instant")]
    pub updated_at: DateTime<Utc>,
}

impl ComplaintView {
    /// As an API client sees it: a confidential complaint without its title, text, location or source (the
    /// reporter asked that it not leave the Pemda's staff), and no complaint's source (a social-media account).
    pub fn for_client(mut self) -> Self {
        if self.confidential {
            self.title = "(rahasia)".into();
            self.body = String::new();
            self.location = None;
            self.latitude = None;
            self.longitude = None;
        }
        self.source = None;
        self
    }

    /// The staff view of a row; `timezone` decides the local date of arrival, `now` whether it is overdue.
    pub fn new(row: ComplaintRow, timezone: Tz, now: DateTime<Utc>) -> Result<Self, ApiError> {
        let overdue = is_overdue(&row, now);
        let received_on = row.created_at.with_timezone(&timezone).date_naive();
        let source = match (row.source_url, row.source_platform, row.source_captured_at) {
            (Some(url), Some(platform), Some(captured_at)) => Some(SourceView { url, platform, captured_at }),
            _ => None,
        };
        Ok(Self {
            id: row.id,
            tracking_code: row.tracking_code,
            pemda_id: row.pemda_id,
            classification: row.classification.parse()?,
            supervision: row.supervision,
            channel: row.channel.parse()?,
            category_id: row.category_id,
            title: row.title,
            body: row.body,
            incident_date: row.incident_date,
            service_date: row.service_date,
            filed_late: complaint::filed_late(row.service_date, received_on),
            region_id: row.region_id,
            location: row.location,
            latitude: row.latitude,
            longitude: row.longitude,
            anonymous: row.anonymous,
            confidential: row.confidential,
            source,
            status: row.status.parse()?,
            archive_reason: row.archive_reason.as_deref().map(str::parse).transpose()?,
            duplicate_of: row.duplicate_of,
            forwarded_to: row.forwarded_to,
            deadlines: DeadlinesView {
                verify_by: row.verify_by,
                first_response_by: row.first_response_by,
                resolve_by: row.resolve_by,
                reporter_reply_by: row.reporter_reply_by,
            },
            overdue,
            verified_at: row.verified_at,
            first_response_at: row.first_response_at,
            needs_redisposition: row.needs_redisposition,
            reopen_count: row.reopen_count,
            escalation_level: row.escalation_level,
            closed_reason: row.closed_reason,
            finished_at: row.finished_at,
            version: row.version,
            created_at: row.created_at,
            updated_at: row.updated_at,
        })
    }
}

/// A complaint with its attachments and the reporter's supplements.
#[derive(Debug, Serialize, ToSchema)]
pub struct ComplaintDetail {
    #[serde(flatten)]
    pub complaint: ComplaintView,
    pub attachments: Vec<AttachmentView>,
    /// What the reporter added when asked for missing data, oldest first.
    pub supplements: Vec<SupplementView>,
}

/// Data the reporter added.
#[derive(Debug, Serialize, ToSchema)]
pub struct SupplementView {
    pub body: String,
    #[serde(serialize_with = "crate::api::json_time::instant")]
    pub created_at: DateTime<Utc>,
}

/// A response with the complaint's ETag.
pub fn with_etag<T: Serialize>(status: StatusCode, version: i32, body: &T) -> HttpResponse {
    HttpResponse::build(status).insert_header((header::ETAG, etag::format(version))).json(body)
}

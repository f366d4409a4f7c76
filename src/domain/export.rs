//! Asynchronous exports: their formats, their lifecycle (queued → running → done or failed; done → expired), and how
//! long a worker holds one and a file is kept.

use chrono::{DateTime, Duration, Utc};

use super::DomainError;

wire_enum!(
    /// The file an export writes.
    ExportFormat {
        /// CSV, UTF-8, one line per complaint.
        Csv = "csv",
        /// An Excel workbook, one row per complaint (at most 1,048,575).
        Xlsx = "xlsx",
    }
);

wire_enum!(
    /// Where an export stands.
    ExportStatus {
        /// Waiting for a worker.
        Queued = "queued",
        /// A worker is writing the file.
        Running = "running",
        /// The file can be downloaded until `expires_at`.
        Done = "done",
        /// It could not be written; `error` says why.
        Failed = "failed",
        /// Done, and its file has since been removed.
        Expired = "expired",
    }
);

impl ExportFormat {
    /// The file name extension.
    pub fn extension(self) -> &'static str {
        self.as_str()
    }
}

/// How long a finished file stays downloadable.
pub const FILE_LIFETIME: Duration = Duration::hours(24);

/// How long a worker holds a job before another may take it over; the worker renews it while it writes.
pub const LEASE: Duration = Duration::minutes(5);

/// Exports one person may have queued or running at once: each can be a file of hundreds of megabytes.
pub const MAX_PENDING_PER_REQUESTER: i64 = 3;

/// A job whose worker died this many times is failed rather than taken again.
pub const MAX_ATTEMPTS: i16 = 3;

/// What a worker does with a job it has claimed, by the attempts made so far (this one included).
pub fn may_attempt(attempts: i16) -> bool {
    attempts <= MAX_ATTEMPTS
}

/// When the file of an export finished at `finished_at` expires.
pub fn expires_at(finished_at: DateTime<Utc>) -> DateTime<Utc> {
    finished_at + FILE_LIFETIME
}

/// Whether the file may be downloaded now: it is done and not yet expired (housekeeping may not have run yet).
pub fn downloadable(
    status: ExportStatus,
    expires_at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Result<(), DomainError> {
    match status {
        ExportStatus::Queued | ExportStatus::Running => {
            Err(DomainError::conflict("export_not_ready", "the export is not written yet; ask its status again later"))
        }
        ExportStatus::Failed => Err(DomainError::conflict("export_failed", "the export failed; request a new one")),
        ExportStatus::Expired => Err(DomainError::conflict("export_expired", "the export's file has expired")),
        ExportStatus::Done if expires_at.is_some_and(|at| at <= now) => {
            Err(DomainError::conflict("export_expired", "the export's file has expired"))
        }
        ExportStatus::Done => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(result: Result<(), DomainError>) -> &'static str {
        match result {
            Ok(()) => "ok",
            Err(DomainError::Conflict { code, .. }) => code,
            Err(DomainError::Invalid { code, .. }) => code,
        }
    }

    #[test]
    fn only_a_done_export_before_its_expiry_is_downloadable() {
        let now = Utc::now();
        let later = Some(now + Duration::hours(1));
        assert_eq!(code(downloadable(ExportStatus::Done, later, now)), "ok");
        assert_eq!(code(downloadable(ExportStatus::Done, Some(now), now)), "export_expired");
        assert_eq!(code(downloadable(ExportStatus::Expired, later, now)), "export_expired");
        assert_eq!(code(downloadable(ExportStatus::Queued, None, now)), "export_not_ready");
        assert_eq!(code(downloadable(ExportStatus::Running, None, now)), "export_not_ready");
        assert_eq!(code(downloadable(ExportStatus::Failed, None, now)), "export_failed");
    }

    #[test]
    fn files_live_a_day_and_a_job_gets_three_attempts() {
        let now = Utc::now();
        assert_eq!(expires_at(now) - now, Duration::hours(24));
        assert!(may_attempt(1) && may_attempt(3) && !may_attempt(4));
        assert_eq!("xlsx".parse::<ExportFormat>(), Ok(ExportFormat::Xlsx));
        assert!("pdf".parse::<ExportFormat>().is_err());
    }
}

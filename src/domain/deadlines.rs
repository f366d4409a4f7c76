//! Deadline policies and the deadlines they give a complaint.

use chrono::{DateTime, NaiveDate, Utc};

use super::DomainError;
use super::calendar::WorkingCalendar;
use super::complaint::Classification;

/// Working-day allowances for one kind of report (one version of a policy).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DeadlinePolicy {
    /// Verify and dispose (SP4N-LAPOR! practice: 3).
    pub verify_days: u32,
    /// First follow-up by the OPD, counted after the verification allowance (practice: 5).
    pub first_response_days: u32,
    /// Resolve, counted from receipt (Permen PANRB 62/2018: 5, 14 or 60).
    pub resolve_days: u32,
    /// The reporter's response window after the final answer, then auto-close (practice: 10).
    pub reporter_window_days: u32,
}

/// The deadlines of one complaint, fixed when it arrives (a later policy never rewrites them).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Deadlines {
    /// Verified (and disposed) by.
    pub verify_by: DateTime<Utc>,
    /// First answer by.
    pub first_response_by: DateTime<Utc>,
    /// Resolved by.
    pub resolve_by: DateTime<Utc>,
}

impl DeadlinePolicy {
    /// The defaults of the domain reference, for a kind of report.
    pub fn default_for(classification: Classification, supervision: bool) -> Self {
        let resolve_days = match (classification, supervision) {
            (Classification::Pengaduan, true) => 60,
            (Classification::Pengaduan, false) => 14,
            (Classification::Aspirasi | Classification::PermintaanInformasi, _) => 5,
        };
        Self { verify_days: 3, first_response_days: 5, resolve_days, reporter_window_days: 10 }
    }

    /// The deadlines of a complaint received (or restarted) at `from`.
    pub fn deadlines(&self, calendar: &WorkingCalendar, from: DateTime<Utc>) -> Deadlines {
        Deadlines {
            verify_by: calendar.add_working_days(from, self.verify_days),
            first_response_by: calendar.add_working_days(from, self.verify_days + self.first_response_days),
            resolve_by: calendar.add_working_days(from, self.resolve_days),
        }
    }

    /// Checks the allowances: each between 0 (verification may be same-day) or 1 and 365 working days.
    pub fn check(&self) -> Result<(), DomainError> {
        for (field, days, min) in [
            ("verify_days", self.verify_days, 0),
            ("first_response_days", self.first_response_days, 0),
            ("resolve_days", self.resolve_days, 1),
            ("reporter_window_days", self.reporter_window_days, 1),
        ] {
            if !(min..=365).contains(&days) {
                return Err(DomainError::invalid(field, "out_of_range", format!("between {min} and 365 working days")));
            }
        }
        Ok(())
    }
}

/// A new version's period against an existing one: `Ok(Some(day))` when the existing open-ended version must end on
/// `day` to make room, `Ok(None)` when they do not meet, `Err` when they overlap otherwise.
pub fn make_room(
    existing: (NaiveDate, Option<NaiveDate>),
    new: (NaiveDate, Option<NaiveDate>),
) -> Result<Option<NaiveDate>, DomainError> {
    let ((old_from, old_to), (new_from, new_to)) = (existing, new);
    let overlaps = old_from <= new_to.unwrap_or(NaiveDate::MAX) && new_from <= old_to.unwrap_or(NaiveDate::MAX);
    if !overlaps {
        return Ok(None);
    }
    if old_to.is_none() && old_from < new_from {
        return Ok(new_from.pred_opt());
    }
    Err(DomainError::conflict(
        "policy_overlap",
        format!(
            "a policy version already covers {old_from} to {}",
            old_to.map_or("open end".into(), |d| d.to_string())
        ),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use chrono_tz::Asia::Pontianak;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn the_defaults_follow_the_domain_table() {
        assert_eq!(DeadlinePolicy::default_for(Classification::Pengaduan, false).resolve_days, 14);
        assert_eq!(DeadlinePolicy::default_for(Classification::Pengaduan, true).resolve_days, 60);
        assert_eq!(DeadlinePolicy::default_for(Classification::Aspirasi, false).resolve_days, 5);
        assert_eq!(DeadlinePolicy::default_for(Classification::PermintaanInformasi, false).resolve_days, 5);
        let policy = DeadlinePolicy::default_for(Classification::Pengaduan, false);
        assert_eq!((policy.verify_days, policy.first_response_days, policy.reporter_window_days), (3, 5, 10));
    }

    #[test]
    fn deadlines_count_working_days_from_receipt() {
        let calendar = WorkingCalendar::new(Pontianak, []);
        let received = Pontianak.with_ymd_and_hms(2026, 11, 23, 10, 0, 0).unwrap().with_timezone(&Utc); // Monday
        let due = DeadlinePolicy::default_for(Classification::Pengaduan, false).deadlines(&calendar, received);
        let local = |d| Pontianak.with_ymd_and_hms(2026, 11, d, 0, 0, 0).unwrap().with_timezone(&Utc);
        assert_eq!(due.verify_by, local(27)); // end of Thursday 26th
        assert_eq!(
            due.first_response_by,
            Pontianak.with_ymd_and_hms(2026, 12, 4, 0, 0, 0).unwrap().with_timezone(&Utc)
        );
        assert_eq!(due.resolve_by, Pontianak.with_ymd_and_hms(2026, 12, 12, 0, 0, 0).unwrap().with_timezone(&Utc));
    }

    #[test]
    fn allowances_outside_the_range_are_refused() {
        let mut policy = DeadlinePolicy::default_for(Classification::Aspirasi, false);
        assert!(policy.check().is_ok());
        policy.resolve_days = 0;
        assert!(matches!(policy.check(), Err(DomainError::Invalid { field: "resolve_days", .. })));
        policy.resolve_days = 366;
        assert!(policy.check().is_err());
    }

    #[test]
    fn a_new_version_ends_the_open_one_before_it() {
        assert_eq!(make_room((date(2024, 1, 1), None), (date(2026, 7, 1), None)), Ok(Some(date(2026, 6, 30))));
    }

    #[test]
    fn versions_that_do_not_meet_are_left_alone() {
        assert_eq!(make_room((date(2024, 1, 1), Some(date(2024, 12, 31))), (date(2025, 1, 1), None)), Ok(None));
        assert_eq!(make_room((date(2027, 1, 1), None), (date(2026, 1, 1), Some(date(2026, 12, 31)))), Ok(None));
    }

    #[test]
    fn other_overlaps_are_conflicts() {
        let same_start = make_room((date(2024, 1, 1), None), (date(2024, 1, 1), None));
        assert!(matches!(same_start, Err(DomainError::Conflict { code: "policy_overlap", .. })));
        let inside_closed = make_room((date(2024, 1, 1), Some(date(2024, 12, 31))), (date(2024, 6, 1), None));
        assert!(inside_closed.is_err());
        let before_open = make_room((date(2025, 1, 1), None), (date(2024, 6, 1), None));
        assert!(before_open.is_err());
    }
}

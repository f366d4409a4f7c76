//! E-mail as the domain sees it: how staff want their notifications, which changes a reporter hears of, the
//! templates (Indonesian, kept as files in assets/mail) and the retry schedule.

use chrono::{DateTime, Duration, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;

use super::change::EntityType;

wire_enum!(
    /// How a staff member's notifications reach their inbox.
    MailMode {
        /// One e-mail per notification, as it happens (the default).
        Immediate = "immediate",
        /// One e-mail a day listing the day's notifications.
        Daily = "daily",
        /// None: notifications stay in the application.
        Off = "off",
    }
);

/// What a reporter hears of by e-mail.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReporterEvent {
    /// The report was verified.
    Verified,
    /// More information is needed (the report is postponed until the reporter adds it).
    MoreInformationRequested,
    /// An OPD's public answer was approved and published.
    AnswerPublished,
    /// The report is finished.
    Finished,
}

impl ReporterEvent {
    /// The template and the outbox's `kind`.
    pub fn kind(self) -> &'static str {
        match self {
            ReporterEvent::Verified => "reporter_verified",
            ReporterEvent::MoreInformationRequested => "reporter_postponed",
            ReporterEvent::AnswerPublished => "reporter_answered",
            ReporterEvent::Finished => "reporter_finished",
        }
    }
}

/// Whether a change to `status` may make a reporter event, before its previous status is known (saves looking it
/// up for every other change).
pub fn may_concern_reporter(entity: EntityType, status: &str) -> bool {
    matches!(
        (entity, status),
        (EntityType::Complaint, "verified" | "postponed" | "finished") | (EntityType::FollowUp, "approved")
    )
}

/// The reporter event a change makes, if any: a complaint entering `verified`, `postponed` or `finished`, or a
/// follow-up becoming `approved` (a public answer published). `previous` is the entity's status before the change;
/// an update that leaves the status as it was (a version bump) makes none.
pub fn reporter_event(entity: EntityType, status: &str, previous: Option<&str>) -> Option<ReporterEvent> {
    if previous == Some(status) {
        return None;
    }
    match (entity, status) {
        // Only the first verification: a report that comes back to `verified` (every OPD returned it) was verified
        // already, and the reporter was told.
        (EntityType::Complaint, "verified") if matches!(previous, None | Some("submitted" | "postponed")) => {
            Some(ReporterEvent::Verified)
        }
        (EntityType::Complaint, "postponed") => Some(ReporterEvent::MoreInformationRequested),
        (EntityType::Complaint, "finished") => Some(ReporterEvent::Finished),
        (EntityType::FollowUp, "approved") => Some(ReporterEvent::AnswerPublished),
        _ => None,
    }
}

/// A template: its subject line and body, with `{name}` placeholders.
#[derive(Debug, Clone, Copy)]
pub struct Template {
    text: &'static str,
}

impl Template {
    /// The template of an outbox `kind`.
    pub fn of(kind: &str) -> Option<Template> {
        let text = match kind {
            "reporter_verified" => include_str!("../../assets/mail/reporter_verified.txt"),
            "reporter_postponed" => include_str!("../../assets/mail/reporter_postponed.txt"),
            "reporter_answered" => include_str!("../../assets/mail/reporter_answered.txt"),
            "reporter_finished" => include_str!("../../assets/mail/reporter_finished.txt"),
            "staff_notification" => include_str!("../../assets/mail/staff_notification.txt"),
            "staff_digest" => include_str!("../../assets/mail/staff_digest.txt"),
            _ => return None,
        };
        Some(Template { text })
    }

    /// The subject and body with the placeholders filled in (a value never fills a placeholder again, so text from
    /// a report cannot inject one).
    pub fn render(self, values: &[(&str, &str)]) -> (String, String) {
        let (subject, body) = self.text.split_once("\n\n").unwrap_or((self.text, ""));
        let subject = subject.strip_prefix("Subject: ").unwrap_or(subject);
        // A subject is one line: line breaks from a value would start new headers.
        let subject: String = fill(subject, values).chars().map(|c| if c.is_control() { ' ' } else { c }).collect();
        (subject.chars().take(300).collect(), fill(body.trim_end(), values) + "\n")
    }
}

fn fill(text: &str, values: &[(&str, &str)]) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find('{') {
        out.push_str(&rest[..start]);
        let after = &rest[start + 1..];
        match after.find('}').map(|end| (&after[..end], end)) {
            Some((name, end)) if values.iter().any(|(key, _)| *key == name) => {
                out.push_str(values.iter().find(|(key, _)| *key == name).map(|(_, value)| *value).unwrap_or(""));
                rest = &after[end + 1..];
            }
            _ => {
                out.push('{');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// The waits between sending attempts; after the last the message has failed.
const RETRY_DELAYS: [Duration; 5] =
    [Duration::minutes(1), Duration::minutes(5), Duration::minutes(30), Duration::hours(2), Duration::hours(6)];

/// Attempts a message gets.
pub const MAX_ATTEMPTS: i32 = RETRY_DELAYS.len() as i32 + 1;

/// The wait after `attempts` failed, or `None` when that was the last.
pub fn retry_delay(attempts: i32) -> Option<Duration> {
    RETRY_DELAYS.get(usize::try_from(attempts.checked_sub(1)?).ok()?).copied()
}

/// The local time of day the daily digest goes out.
pub const DIGEST_AT: NaiveTime = match NaiveTime::from_hms_opt(7, 0, 0) {
    Some(time) => time,
    None => panic!("07:00 is a time"),
};

/// The latest digest time at or before `now` in the Pemda's time zone: a digest is due when the last one was sent
/// before it.
pub fn last_digest_time(now: DateTime<Utc>, timezone: Tz) -> DateTime<Utc> {
    let local = now.with_timezone(&timezone);
    let today = local.date_naive().and_time(DIGEST_AT);
    let at = timezone.from_local_datetime(&today).earliest().map(|time| time.to_utc()).unwrap_or(now);
    if at <= now { at } else { at - Duration::days(1) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reporter_hears_of_status_changes_that_concern_them_once() {
        use EntityType::{Complaint, Disposition, FollowUp};
        assert_eq!(reporter_event(Complaint, "verified", Some("submitted")), Some(ReporterEvent::Verified));
        assert_eq!(reporter_event(Complaint, "verified", Some("verified")), None, "a version bump");
        assert_eq!(reporter_event(Complaint, "verified", Some("disposed")), None, "every OPD returned it");
        assert_eq!(reporter_event(Complaint, "verified", Some("postponed")), Some(ReporterEvent::Verified));
        assert_eq!(reporter_event(Complaint, "postponed", None), Some(ReporterEvent::MoreInformationRequested));
        assert_eq!(reporter_event(Complaint, "finished", Some("awaiting_reporter")), Some(ReporterEvent::Finished));
        assert_eq!(reporter_event(Complaint, "disposed", Some("verified")), None, "internal steps are not mailed");
        assert_eq!(
            reporter_event(FollowUp, "approved", Some("pending_approval")),
            Some(ReporterEvent::AnswerPublished)
        );
        assert_eq!(reporter_event(FollowUp, "internal", None), None);
        assert_eq!(reporter_event(Disposition, "accepted", Some("sent")), None);
    }

    #[test]
    fn templates_fill_their_placeholders_and_nothing_else() {
        let template = Template::of("reporter_verified").unwrap();
        let (subject, body) = template.render(&[
            ("tracking_code", "SKD-2026-000001"),
            ("pemda", "Kabupaten Sekadau"),
            ("tracking_link", ""),
        ]);
        assert_eq!(subject, "[SKD-2026-000001] Laporan Anda telah diverifikasi");
        assert!(body.contains("kode SKD-2026-000001 telah diverifikasi oleh Kabupaten Sekadau"));
        assert!(!body.contains('{'), "{body}");
        let (_, answered) = Template::of("reporter_answered").unwrap().render(&[
            ("tracking_code", "X"),
            ("unit", "Dinas PUPR"),
            ("answer", "Sudah {tracking_code} {diperbaiki}"),
            ("tracking_link", ""),
        ]);
        assert!(answered.contains("Sudah {tracking_code} {diperbaiki}"), "a value is not filled again: {answered}");
        let (subject, _) =
            Template::of("staff_notification").unwrap().render(&[("summary", "a\r\nBcc: x"), ("name", "")]);
        assert!(!subject.contains('\n') && !subject.contains('\r'));
        for kind in ["reporter_postponed", "reporter_finished", "staff_digest"] {
            assert!(Template::of(kind).is_some(), "{kind}");
        }
        assert!(Template::of("unknown").is_none());
    }

    #[test]
    fn retries_then_give_up() {
        assert_eq!(retry_delay(1), Some(Duration::minutes(1)));
        assert_eq!(retry_delay(MAX_ATTEMPTS), None);
        assert_eq!(retry_delay(0), None);
    }

    #[test]
    fn the_digest_is_due_once_a_day_at_seven_local_time() {
        let tz: Tz = "Asia/Pontianak".parse().unwrap();
        let at = |text: &str| DateTime::parse_from_rfc3339(text).unwrap().to_utc();
        // 07:00 WIB is 00:00 UTC.
        assert_eq!(last_digest_time(at("2026-12-02T03:00:00Z"), tz), at("2026-12-02T00:00:00Z"));
        assert_eq!(last_digest_time(at("2026-12-01T23:59:00Z"), tz), at("2026-12-01T00:00:00Z"));
    }
}

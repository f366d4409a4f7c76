//! Complaints: their classification, channels, privacy, tracking codes and the status machine.
//!
//! [`transition`] is the only place that decides a new status; services never write a status they did not get from it.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::DomainError;

wire_enum!(
    /// What a report is (LAPOR! classification).
    Classification {
        /// A complaint about a public service.
        Pengaduan = "pengaduan",
        /// A suggestion.
        Aspirasi = "aspirasi",
        /// A request for information.
        PermintaanInformasi = "permintaan_informasi",
    }
);

wire_enum!(
    /// How a report reached the Pemda.
    Channel {
        /// The public web form.
        Web = "web",
        /// The mobile app.
        Mobile = "mobile",
        /// Pulled from SP4N-LAPOR!.
        LaporSync = "lapor_sync",
        /// SMS 1708.
        Sms = "sms",
        /// WhatsApp.
        Whatsapp = "whatsapp",
        /// A social-media post, entered by the main admin with evidence.
        SocialMedia = "social_media",
        /// A news item, entered by the main admin with evidence.
        NewsMedia = "news_media",
        /// In person at a service desk.
        InPerson = "in_person",
        /// A letter.
        Letter = "letter",
        /// A phone call.
        Phone = "phone",
        /// E-mail.
        Email = "email",
        /// A complaint box.
        ComplaintBox = "complaint_box",
    }
);

impl Channel {
    /// Social-media and news reports must carry their source (URL, platform, when it was captured).
    pub fn needs_source_evidence(self) -> bool {
        matches!(self, Channel::SocialMedia | Channel::NewsMedia)
    }

    /// Channels a citizen can use directly, without staff: the public intake accepts only these.
    pub fn is_public(self) -> bool {
        matches!(self, Channel::Web | Channel::Mobile)
    }
}

wire_enum!(
    /// Where a complaint stands.
    ComplaintStatus {
        /// Received, waiting for verification.
        Submitted = "submitted",
        /// Waiting for the reporter to complete missing data.
        Postponed = "postponed",
        /// Checked by the main admin, ready to be disposed to OPDs.
        Verified = "verified",
        /// Closed without follow-up (spam, duplicate, too general, not about government).
        Archived = "archived",
        /// Not this Pemda's authority: passed to another agency.
        Forwarded = "forwarded",
        /// Sent to one or more OPDs.
        Disposed = "disposed",
        /// Accepted by an OPD, being followed up.
        InProgress = "in_progress",
        /// Every OPD answered; waiting for the reporter's response.
        AwaitingReporter = "awaiting_reporter",
        /// Done.
        Finished = "finished",
    }
);

impl ComplaintStatus {
    /// Statuses in which nothing more is expected, so no deadline can be missed.
    pub fn is_closed(self) -> bool {
        matches!(self, ComplaintStatus::Archived | ComplaintStatus::Forwarded | ComplaintStatus::Finished)
    }

    /// Statuses that wait for the main admin's verification.
    pub fn awaits_verification(self) -> bool {
        matches!(self, ComplaintStatus::Submitted | ComplaintStatus::Postponed)
    }
}

/// Whether a complaint in `status` is past one of its deadlines at `now`: still waiting for verification after
/// `verify_by`, or still open after `resolve_by`. A closed complaint is never overdue.
pub fn is_overdue(
    status: ComplaintStatus,
    verify_by: chrono::DateTime<chrono::Utc>,
    resolve_by: chrono::DateTime<chrono::Utc>,
    now: chrono::DateTime<chrono::Utc>,
) -> bool {
    !status.is_closed() && ((status.awaits_verification() && verify_by < now) || resolve_by < now)
}

wire_enum!(
    /// Why a report was archived.
    ArchiveReason {
        /// Spam or abuse.
        Spam = "spam",
        /// The same matter is already reported (`duplicate_of` names it).
        Duplicate = "duplicate",
        /// Too general to act on.
        TooGeneral = "too_general",
        /// Not about the performance of government.
        NotGovernment = "not_government",
        /// Another reason, stated in the note.
        Other = "other",
    }
);

/// Something that happens to a complaint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ComplaintAction {
    /// The main admin checked the report and accepts it for follow-up.
    Verify,
    /// The main admin asks the reporter for missing data.
    Postpone,
    /// The reporter sent the missing data.
    Supplement,
    /// The main admin closes the report without follow-up.
    Archive,
    /// The main admin passes the report to another agency (bukan wewenang).
    Forward,
    /// The main admin sends the report to one or more OPDs.
    Dispose,
    /// The first OPD accepted its disposition.
    Accept,
    /// Every OPD returned its disposition (wrong disposition, not its authority): back to the main admin.
    ReturnAll,
    /// Every accepted disposition has an approved final answer: the reporter's turn.
    AnswerAll,
    /// The reporter is satisfied.
    Satisfy,
    /// The reporter is not satisfied: the OPDs are asked again.
    Dissatisfy,
    /// The reporter did not respond within the window.
    AutoClose,
    /// The main admin reopens a finished report.
    Reopen,
}

impl ComplaintAction {
    /// The action's name in the audit trail and in errors.
    pub fn as_str(self) -> &'static str {
        match self {
            ComplaintAction::Verify => "verify",
            ComplaintAction::Postpone => "postpone",
            ComplaintAction::Supplement => "supplement",
            ComplaintAction::Archive => "archive",
            ComplaintAction::Forward => "forward",
            ComplaintAction::Dispose => "dispose",
            ComplaintAction::Accept => "accept",
            ComplaintAction::ReturnAll => "return_all",
            ComplaintAction::AnswerAll => "answer_all",
            ComplaintAction::Satisfy => "satisfy",
            ComplaintAction::Dissatisfy => "dissatisfy",
            ComplaintAction::AutoClose => "auto_close",
            ComplaintAction::Reopen => "reopen",
        }
    }
}

/// The status a complaint moves to when `action` happens in status `from`, or a conflict naming both.
pub fn transition(from: ComplaintStatus, action: ComplaintAction) -> Result<ComplaintStatus, DomainError> {
    use ComplaintAction as A;
    use ComplaintStatus as S;
    let to = match (from, action) {
        (S::Submitted | S::Postponed, A::Verify) => S::Verified,
        (S::Submitted, A::Postpone) => S::Postponed,
        (S::Postponed, A::Supplement) => S::Submitted,
        (S::Submitted | S::Postponed | S::Verified, A::Archive) => S::Archived,
        (S::Submitted | S::Postponed | S::Verified, A::Forward) => S::Forwarded,
        (S::Verified, A::Dispose) => S::Disposed,
        (S::Disposed, A::Accept) => S::InProgress,
        (S::Disposed, A::ReturnAll) => S::Verified,
        (S::InProgress, A::AnswerAll) => S::AwaitingReporter,
        (S::AwaitingReporter, A::Satisfy | A::AutoClose) => S::Finished,
        (S::AwaitingReporter, A::Dissatisfy) => S::InProgress,
        (S::Finished, A::Reopen) => S::InProgress,
        _ => {
            return Err(DomainError::conflict(
                "invalid_transition",
                format!("a {} complaint cannot {}", from.as_str(), action.as_str()),
            ));
        }
    };
    Ok(to)
}

/// A public tracking code: `<PEMDA CODE>-<YEAR>-<6-digit sequence>`, e.g. `SKD-2026-000123`.
pub fn tracking_code(pemda_code: &str, year: i32, sequence: i64) -> String {
    format!("{pemda_code}-{year}-{sequence:06}")
}

/// Whether `text` has the shape of a tracking code (checked before any database look-up).
pub fn looks_like_tracking_code(text: &str) -> bool {
    let mut parts = text.rsplitn(3, '-');
    let (Some(sequence), Some(year), Some(pemda)) = (parts.next(), parts.next(), parts.next()) else {
        return false;
    };
    sequence.len() >= 6
        && sequence.len() <= 12
        && sequence.chars().all(|c| c.is_ascii_digit())
        && year.len() == 4
        && year.chars().all(|c| c.is_ascii_digit())
        && (2..=32).contains(&pemda.len())
        && pemda.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '-' || c == '_')
}

/// Who filed a report. Stored sealed (see `sealing`), shown only to those allowed, every read logged.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ReporterIdentity {
    /// Full name.
    pub name: Option<String>,
    /// NIK (Nomor Induk Kependudukan): 16 digits.
    pub nik: Option<String>,
    /// Phone number.
    pub phone: Option<String>,
    /// E-mail address.
    pub email: Option<String>,
    /// Postal address.
    pub address: Option<String>,
}

impl ReporterIdentity {
    /// Whether nothing at all was given.
    pub fn is_empty(&self) -> bool {
        self.name.is_none()
            && self.nik.is_none()
            && self.phone.is_none()
            && self.email.is_none()
            && self.address.is_none()
    }
}

/// A NIK: 16 digits, spaces dropped.
pub fn parse_nik(raw: &str) -> Result<String, DomainError> {
    let nik: String = raw.chars().filter(|c| !c.is_whitespace()).collect();
    if nik.len() == 16 && nik.chars().all(|c| c.is_ascii_digit()) {
        Ok(nik)
    } else {
        Err(DomainError::invalid("reporter.nik", "invalid_nik", "a NIK has 16 digits"))
    }
}

/// Where a social-media post or news item was found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceEvidence {
    /// Link to the post or article.
    pub url: String,
    /// Platform or outlet (Facebook, Instagram, X, a newspaper).
    pub platform: String,
    /// When the admin captured it.
    pub captured_at: chrono::DateTime<chrono::Utc>,
}

/// Dates of a report, checked against the local date of receipt: neither may lie in the future. A service date more
/// than 30 days back does not refuse the report (UU 25/2009 art. 42 asks that it be recorded, not that it be
/// rejected); [`filed_late`] tells.
pub fn check_dates(
    incident_date: chrono::NaiveDate,
    service_date: Option<chrono::NaiveDate>,
    today: chrono::NaiveDate,
) -> Result<(), DomainError> {
    if incident_date > today {
        return Err(DomainError::invalid("incident_date", "in_future", "the incident date cannot be in the future"));
    }
    if service_date.is_some_and(|date| date > today) {
        return Err(DomainError::invalid("service_date", "in_future", "the service date cannot be in the future"));
    }
    Ok(())
}

/// Whether a report came more than 30 days after the service it is about (UU 25/2009 art. 42).
pub fn filed_late(service_date: Option<chrono::NaiveDate>, received_on: chrono::NaiveDate) -> bool {
    service_date.is_some_and(|date| (received_on - date).num_days() > 30)
}

/// Latitude and longitude, both or neither, within their ranges.
pub fn check_coordinates(latitude: Option<f64>, longitude: Option<f64>) -> Result<Option<(f64, f64)>, DomainError> {
    match (latitude, longitude) {
        (None, None) => Ok(None),
        (Some(lat), Some(lon)) => {
            if !(-90.0..=90.0).contains(&lat) {
                return Err(DomainError::invalid("latitude", "out_of_range", "latitude is between -90 and 90"));
            }
            if !(-180.0..=180.0).contains(&lon) {
                return Err(DomainError::invalid("longitude", "out_of_range", "longitude is between -180 and 180"));
            }
            Ok(Some((lat, lon)))
        }
        (Some(_), None) => Err(DomainError::invalid("longitude", "required", "give longitude with latitude")),
        (None, Some(_)) => Err(DomainError::invalid("latitude", "required", "give latitude with longitude")),
    }
}

/// Only a `pengaduan` can be about misconduct of officials (berkadar pengawasan).
pub fn check_supervision(classification: Classification, supervision: bool) -> Result<(), DomainError> {
    if supervision && classification != Classification::Pengaduan {
        return Err(DomainError::invalid(
            "supervision",
            "not_a_complaint",
            "only a pengaduan can be about misconduct of officials",
        ));
    }
    Ok(())
}

/// The code of a category or region: 1 to 40 of `a-z`, `0-9`, `-`, `_`, lower-cased, starting with a letter or digit.
pub fn parse_reference_code(raw: &str) -> Result<String, DomainError> {
    let code = raw.trim().to_ascii_lowercase();
    let well_formed = (1..=40).contains(&code.len())
        && code.starts_with(|c: char| c.is_ascii_alphanumeric())
        && code.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_');
    if well_formed {
        Ok(code)
    } else {
        Err(DomainError::invalid("code", "invalid_code", "1 to 40 letters, digits, '-' or '_'"))
    }
}

#[cfg(test)]
mod tests {
    use super::ComplaintAction as A;
    use super::ComplaintStatus as S;
    use super::*;

    const ACTIONS: [ComplaintAction; 13] = [
        A::Verify,
        A::Postpone,
        A::Supplement,
        A::Archive,
        A::Forward,
        A::Dispose,
        A::Accept,
        A::ReturnAll,
        A::AnswerAll,
        A::Satisfy,
        A::Dissatisfy,
        A::AutoClose,
        A::Reopen,
    ];

    /// Every allowed edge; every other (status, action) pair must be refused.
    const EDGES: [(ComplaintStatus, ComplaintAction, ComplaintStatus); 18] = [
        (S::Submitted, A::Verify, S::Verified),
        (S::Postponed, A::Verify, S::Verified),
        (S::Submitted, A::Postpone, S::Postponed),
        (S::Postponed, A::Supplement, S::Submitted),
        (S::Submitted, A::Archive, S::Archived),
        (S::Postponed, A::Archive, S::Archived),
        (S::Verified, A::Archive, S::Archived),
        (S::Submitted, A::Forward, S::Forwarded),
        (S::Postponed, A::Forward, S::Forwarded),
        (S::Verified, A::Forward, S::Forwarded),
        (S::Verified, A::Dispose, S::Disposed),
        (S::Disposed, A::Accept, S::InProgress),
        (S::Disposed, A::ReturnAll, S::Verified),
        (S::InProgress, A::AnswerAll, S::AwaitingReporter),
        (S::AwaitingReporter, A::Satisfy, S::Finished),
        (S::AwaitingReporter, A::AutoClose, S::Finished),
        (S::AwaitingReporter, A::Dissatisfy, S::InProgress),
        (S::Finished, A::Reopen, S::InProgress),
    ];

    #[test]
    fn every_allowed_edge_leads_where_it_should() {
        for (from, action, to) in EDGES {
            assert_eq!(transition(from, action), Ok(to), "{from} --{}-->", action.as_str());
        }
    }

    #[test]
    fn every_other_edge_is_refused_as_a_conflict() {
        for &from in ComplaintStatus::ALL {
            for action in ACTIONS {
                if EDGES.iter().any(|(f, a, _)| *f == from && *a == action) {
                    continue;
                }
                let refused = transition(from, action);
                assert!(
                    matches!(refused, Err(DomainError::Conflict { code: "invalid_transition", .. })),
                    "{from} --{}--> should be refused",
                    action.as_str()
                );
            }
        }
    }

    #[test]
    fn closed_statuses_are_exactly_the_terminal_ones() {
        let closed: Vec<_> = ComplaintStatus::ALL.iter().copied().filter(|s| s.is_closed()).collect();
        assert_eq!(closed, [S::Archived, S::Forwarded, S::Finished]);
    }

    #[test]
    fn only_social_media_and_news_need_source_evidence() {
        let needing: Vec<_> = Channel::ALL.iter().copied().filter(|c| c.needs_source_evidence()).collect();
        assert_eq!(needing, [Channel::SocialMedia, Channel::NewsMedia]);
        assert!(Channel::Web.is_public() && Channel::Mobile.is_public() && !Channel::SocialMedia.is_public());
    }

    #[test]
    fn wire_names_round_trip() {
        for &status in ComplaintStatus::ALL {
            assert_eq!(status.as_str().parse::<ComplaintStatus>(), Ok(status));
            assert_eq!(serde_json::to_value(status).unwrap(), serde_json::json!(status.as_str()));
        }
        for &channel in Channel::ALL {
            assert_eq!(channel.as_str().parse::<Channel>(), Ok(channel));
        }
        assert!("lost".parse::<ComplaintStatus>().is_err());
    }

    #[test]
    fn dates_in_the_future_are_refused_but_late_filing_only_noted() {
        let today = chrono::NaiveDate::from_ymd_opt(2026, 11, 28).unwrap();
        let tomorrow = today.succ_opt().unwrap();
        let long_ago = chrono::NaiveDate::from_ymd_opt(2026, 9, 1).unwrap();
        assert!(check_dates(today, Some(today), today).is_ok());
        assert!(matches!(check_dates(tomorrow, None, today), Err(DomainError::Invalid { field: "incident_date", .. })));
        assert!(matches!(
            check_dates(today, Some(tomorrow), today),
            Err(DomainError::Invalid { field: "service_date", .. })
        ));
        assert!(check_dates(long_ago, Some(long_ago), today).is_ok());
        assert!(filed_late(Some(long_ago), today));
        assert!(!filed_late(Some(today - chrono::Days::new(30)), today));
        assert!(!filed_late(None, today));
    }

    #[test]
    fn coordinates_come_in_checked_pairs() {
        assert_eq!(check_coordinates(None, None), Ok(None));
        assert_eq!(check_coordinates(Some(0.0317), Some(110.9)), Ok(Some((0.0317, 110.9))));
        assert!(check_coordinates(Some(91.0), Some(0.0)).is_err());
        assert!(check_coordinates(Some(0.0), Some(-181.0)).is_err());
        assert!(check_coordinates(Some(0.0), None).is_err());
        assert!(check_coordinates(None, Some(0.0)).is_err());
    }

    #[test]
    fn only_a_pengaduan_may_be_about_misconduct() {
        assert!(check_supervision(Classification::Pengaduan, true).is_ok());
        assert!(check_supervision(Classification::Aspirasi, true).is_err());
        assert!(check_supervision(Classification::PermintaanInformasi, false).is_ok());
    }

    #[test]
    fn reference_codes_are_lower_case_slugs() {
        assert_eq!(parse_reference_code(" Sekadau-Hilir ").unwrap(), "sekadau-hilir");
        for bad in ["", "-x", "a b", "sekadau/hilir", &"x".repeat(41)] {
            assert!(parse_reference_code(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn a_nik_has_sixteen_digits() {
        assert_eq!(parse_nik("6109 0101 0101 0001").unwrap(), "6109010101010001");
        assert!(parse_nik("12345").is_err());
        assert!(parse_nik("61090101010100a1").is_err());
    }

    #[test]
    fn tracking_codes_are_zero_padded_and_recognisable() {
        assert_eq!(tracking_code("SKD", 2026, 123), "SKD-2026-000123");
        assert!(looks_like_tracking_code("SKD-2026-000123"));
        assert!(looks_like_tracking_code("KAB-X-2026-1234567"));
        for bad in ["", "SKD-2026", "SKD-26-000123", "skd-2026-000123", "SKD-2026-12", "SKD-2026-00012a"] {
            assert!(!looks_like_tracking_code(bad), "{bad:?}");
        }
    }
}

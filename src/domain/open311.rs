//! Open311 GeoReport v2 as this service speaks it: how complaint statuses map to `open` and `closed`, which output
//! formats exist, the date-time forms and the 90-day window of a request search.

use chrono::{DateTime, Duration, Utc};

use super::complaint::ComplaintStatus;

/// The GeoReport v2 specification's own address, as the discovery document names it.
pub const SPECIFICATION: &str = "http://wiki.open311.org/GeoReport_v2";

/// The longest span a request search may cover, and the span it covers by default (the most recent).
pub const SEARCH_WINDOW: Duration = Duration::days(90);

/// Most requests one search returns.
pub const SEARCH_LIMIT: i64 = 1000;

/// Longest `description` a client may send (the specification's limit).
pub const DESCRIPTION_MAX_CHARS: usize = 4000;

/// An output format, chosen by the resource's extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Json,
    Xml,
}

impl Format {
    /// The format of an extension (`json`, `xml`); `None` for any other.
    pub fn from_extension(extension: &str) -> Option<Format> {
        match extension {
            "json" => Some(Format::Json),
            "xml" => Some(Format::Xml),
            _ => None,
        }
    }

    /// The content type the specification names for the format.
    pub fn content_type(self) -> &'static str {
        match self {
            Format::Json => "application/json; charset=utf-8",
            Format::Xml => "text/xml; charset=utf-8",
        }
    }
}

/// A request's status as GeoReport v2 knows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Open,
    Closed,
}

impl Status {
    /// The word on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Open => "open",
            Status::Closed => "closed",
        }
    }

    /// The complaint statuses that are this status.
    pub fn complaint_statuses(self) -> Vec<ComplaintStatus> {
        ComplaintStatus::ALL.iter().copied().filter(|status| of(*status) == self).collect()
    }
}

/// A complaint's status as GeoReport v2 reports it: closed once the Pemda is done with it (finished, archived, or
/// forwarded to the authority it belongs to), open while anyone still has to act, the reporter included.
pub fn of(status: ComplaintStatus) -> Status {
    match status {
        ComplaintStatus::Finished | ComplaintStatus::Archived | ComplaintStatus::Forwarded => Status::Closed,
        ComplaintStatus::Submitted
        | ComplaintStatus::Postponed
        | ComplaintStatus::Verified
        | ComplaintStatus::Disposed
        | ComplaintStatus::InProgress
        | ComplaintStatus::AwaitingReporter => Status::Open,
    }
}

/// The `status` filter: `open`, `closed` or both, comma-separated; `None` when a value is neither.
pub fn parse_statuses(text: &str) -> Option<Vec<Status>> {
    let mut statuses = Vec::new();
    for part in text.split(',').map(str::trim).filter(|part| !part.is_empty()) {
        let status = match part {
            "open" => Status::Open,
            "closed" => Status::Closed,
            _ => return None,
        };
        if !statuses.contains(&status) {
            statuses.push(status);
        }
    }
    Some(statuses)
}

/// A date-time as the specification writes them (the W3C profile of ISO 8601, with `Z` or an offset).
pub fn parse_datetime(text: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(text.trim()).ok().map(|time| time.to_utc())
}

/// A date-time written for the specification: seconds, with an offset (`Z`).
pub fn format_datetime(time: DateTime<Utc>) -> String {
    time.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// Why a search window was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WindowError {
    /// `end_date` before `start_date`.
    Reversed,
    /// More than [`SEARCH_WINDOW`].
    TooLong,
}

/// The window a search covers: as given, or ending (or starting) 90 days from the given end (or start), or the most
/// recent 90 days.
pub fn search_window(
    start: Option<DateTime<Utc>>,
    end: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Result<(DateTime<Utc>, DateTime<Utc>), WindowError> {
    let (start, end) = match (start, end) {
        (Some(start), Some(end)) => (start, end),
        (Some(start), None) => (start, (start + SEARCH_WINDOW).min(now.max(start))),
        (None, Some(end)) => (end - SEARCH_WINDOW, end),
        (None, None) => (now - SEARCH_WINDOW, now),
    };
    if end < start {
        return Err(WindowError::Reversed);
    }
    if end - start > SEARCH_WINDOW {
        return Err(WindowError::TooLong);
    }
    Ok((start, end))
}

/// A coordinate as published: to three decimals (about 100 m), enough to find the pothole and too coarse to point
/// at the reporter's house.
pub fn public_coordinate(value: f64) -> f64 {
    (value * 1000.0).round() / 1000.0
}

/// A request's title, from its service and description: the first line, cut at a word to fit `max` characters.
pub fn title_of(service_name: &str, description: &str, max: usize) -> String {
    let first_line = description.lines().map(str::trim).find(|line| !line.is_empty()).unwrap_or(service_name);
    if first_line.chars().count() <= max {
        return first_line.to_owned();
    }
    let cut: String = first_line.chars().take(max.saturating_sub(1)).collect();
    let at_word = cut.rfind(' ').filter(|&at| at > max / 2).map_or(cut.as_str(), |at| &cut[..at]);
    format!("{}…", at_word.trim_end())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn every_status_is_open_or_closed_and_closed_means_done() {
        for status in ComplaintStatus::ALL {
            let expected =
                matches!(status, ComplaintStatus::Finished | ComplaintStatus::Archived | ComplaintStatus::Forwarded);
            assert_eq!(of(*status) == Status::Closed, expected, "{status}");
        }
        let open = Status::Open.complaint_statuses();
        let closed = Status::Closed.complaint_statuses();
        assert_eq!(open.len() + closed.len(), ComplaintStatus::ALL.len());
    }

    #[test]
    fn status_filters_and_dates_are_read_as_the_specification_writes_them() {
        assert_eq!(parse_statuses("open,closed"), Some(vec![Status::Open, Status::Closed]));
        assert_eq!(parse_statuses("closed, closed"), Some(vec![Status::Closed]));
        assert_eq!(parse_statuses("pending"), None);
        let time = Utc.with_ymd_and_hms(2010, 1, 1, 0, 0, 0).unwrap();
        assert_eq!(parse_datetime("2010-01-01T00:00:00Z"), Some(time));
        assert_eq!(parse_datetime("2010-01-01T07:00:00+07:00"), Some(time));
        assert_eq!(parse_datetime("2010-01-01"), None, "a zone is required");
        assert_eq!(format_datetime(time), "2010-01-01T00:00:00Z");
    }

    #[test]
    fn a_search_covers_at_most_ninety_days_and_the_latest_by_default() {
        let now = Utc.with_ymd_and_hms(2026, 12, 1, 0, 0, 0).unwrap();
        assert_eq!(search_window(None, None, now), Ok((now - SEARCH_WINDOW, now)));
        let start = now - Duration::days(10);
        assert_eq!(search_window(Some(start), None, now), Ok((start, now)));
        let old = now - Duration::days(400);
        assert_eq!(search_window(Some(old), None, now), Ok((old, old + SEARCH_WINDOW)));
        assert_eq!(search_window(None, Some(old), now), Ok((old - SEARCH_WINDOW, old)));
        assert_eq!(search_window(Some(now), Some(old), now), Err(WindowError::Reversed));
        assert_eq!(search_window(Some(old), Some(now), now), Err(WindowError::TooLong));
    }

    #[test]
    fn coordinates_are_published_to_about_a_hundred_metres() {
        assert_eq!(public_coordinate(0.031_249), 0.031);
        assert_eq!(public_coordinate(110.954_1), 110.954);
        assert_eq!(public_coordinate(-7.000_6), -7.001);
    }

    #[test]
    fn a_title_is_the_first_line_cut_at_a_word() {
        assert_eq!(title_of("Jalan", "\n  Lubang besar di jalan desa\nsudah lama", 150), "Lubang besar di jalan desa");
        assert_eq!(title_of("Jalan rusak", "   ", 150), "Jalan rusak");
        let long = "kata ".repeat(60);
        let title = title_of("Jalan", &long, 40);
        assert!(title.chars().count() <= 40 && title.ends_with('…'), "{title}");
    }
}

//! Holiday decrees as files: the national holidays and cuti bersama of the joint ministerial decrees (SKB), one line a
//! date, as bundled for 2024-2027 and as an admin imports next year's.
//!
//! The format is CSV with the header `date,kind,name_id,source`: an ISO date, `national`, `cuti_bersama` or `local`,
//! the Indonesian name, and where it comes from (the rest of the line, commas allowed).

use chrono::{Datelike, NaiveDate};

use super::text;

/// One dated holiday of a decree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecreedHoliday {
    /// The day off.
    pub date: NaiveDate,
    /// `national`, `cuti_bersama` or `local`.
    pub kind: &'static str,
    /// Its name, e.g. "Hari Raya Nyepi Tahun Baru Saka 1948".
    pub name: String,
    /// The decree or other source.
    pub source: Option<String>,
}

/// The kinds of holiday a calendar knows.
pub const KINDS: [&str; 3] = ["national", "cuti_bersama", "local"];

/// A line that could not be read: its number (1-based) and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineError {
    /// Line number in the file.
    pub line: usize,
    /// What is wrong.
    pub message: String,
}

/// Reads a decree file; every bad line is reported, and nothing is returned unless all lines are good.
pub fn parse_decree(text: &str) -> Result<Vec<DecreedHoliday>, Vec<LineError>> {
    let mut lines = text.lines().enumerate();
    let mut errors = Vec::new();
    match lines.next() {
        Some((_, header)) if header.trim().trim_start_matches('\u{feff}').starts_with("date,kind,name") => {}
        _ => errors
            .push(LineError { line: 1, message: "the first line must be the header date,kind,name_id,source".into() }),
    }
    let mut holidays: Vec<DecreedHoliday> = Vec::new();
    for (index, line) in lines {
        let number = index + 1;
        if line.trim().is_empty() {
            continue;
        }
        let mut fields = line.splitn(4, ',').map(str::trim);
        let (date, kind, name, source) = (fields.next(), fields.next(), fields.next(), fields.next());
        let fail = |message: String| LineError { line: number, message };
        let Some(date) = date.and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok()) else {
            errors.push(fail("the date is not YYYY-MM-DD".into()));
            continue;
        };
        let Some(kind) = kind.and_then(|k| KINDS.into_iter().find(|known| *known == k)) else {
            errors.push(fail("the kind is national, cuti_bersama or local".into()));
            continue;
        };
        let name = name.unwrap_or_default();
        if name.is_empty() || name.chars().count() > 200 || !name.chars().all(text::allowed_in_line) {
            errors.push(fail("the name is one line of 1 to 200 characters".into()));
            continue;
        }
        if holidays.iter().any(|h| h.date == date) {
            errors.push(fail(format!("{date} is listed twice")));
            continue;
        }
        let source = source.filter(|s| !s.is_empty()).map(str::to_owned);
        if source.as_deref().is_some_and(|s| s.chars().count() > 500 || !s.chars().all(text::allowed_in_line)) {
            errors.push(fail("the source is one line of at most 500 characters".into()));
            continue;
        }
        holidays.push(DecreedHoliday { date, kind, name: name.to_owned(), source });
    }
    if errors.is_empty() { Ok(holidays) } else { Err(errors) }
}

/// The last day a calendar counts working days correctly for, given its latest national holiday: holidays are decreed
/// a year at a time, so a calendar holding any of a year's is taken to hold all of them.
pub fn covered_until(last_national_holiday: Option<NaiveDate>) -> Option<NaiveDate> {
    last_national_holiday.and_then(|date| NaiveDate::from_ymd_opt(date.year(), 12, 31))
}

/// Whether a calendar covered until `covered` reaches twelve months past `today`.
pub fn covers_next_year(covered: Option<NaiveDate>, today: NaiveDate) -> bool {
    match (covered, today.checked_add_months(chrono::Months::new(12))) {
        (Some(covered), Some(horizon)) => covered >= horizon,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_decree_file_is_read_line_by_line() {
        let text = "date,kind,name_id,source\n2028-01-01,national,Tahun Baru 2028 Masehi,SKB 2027, lampiran\n\n\
                    2028-03-27,cuti_bersama,Cuti Bersama Nyepi,SKB 2027\n";
        let holidays = parse_decree(text).unwrap();
        assert_eq!(holidays.len(), 2);
        assert_eq!(holidays[0].source.as_deref(), Some("SKB 2027, lampiran"));
        assert_eq!(holidays[1].kind, "cuti_bersama");
    }

    #[test]
    fn every_bad_line_is_named() {
        let text = "date,kind,name_id,source\n2028-13-01,national,X,\n2028-01-02,libur,X,\n2028-01-03,local,,\n\
                    2028-01-04,local,A\u{0}B,\n2028-01-05,local,Ok,\n2028-01-05,local,Again,\n";
        let lines: Vec<usize> = parse_decree(text).unwrap_err().iter().map(|e| e.line).collect();
        assert_eq!(lines, [2, 3, 4, 5, 7]);
        assert_eq!(parse_decree("2028-01-01,national,X,\n").unwrap_err()[0].line, 1, "the header is required");
    }

    #[test]
    fn a_calendar_covers_the_year_of_its_last_national_holiday() {
        let date = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
        assert_eq!(covered_until(Some(date(2027, 12, 25))), Some(date(2027, 12, 31)));
        assert_eq!(covered_until(None), None);
        assert!(covers_next_year(Some(date(2027, 12, 31)), date(2026, 12, 1)));
        assert!(!covers_next_year(Some(date(2027, 12, 31)), date(2027, 1, 1)));
        assert!(!covers_next_year(None, date(2026, 12, 1)));
    }
}

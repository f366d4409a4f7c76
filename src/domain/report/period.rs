//! The period a report covers: calendar dates in the Pemda's time zone, given as `from`/`to` or as a month, a quarter
//! or a year.

use chrono::{Datelike, Days, Months, NaiveDate};
use serde::Serialize;
use utoipa::ToSchema;

use crate::domain::DomainError;

/// The longest period one report may cover: ten years of days, so that a daily trend or a working-day count stays
/// bounded.
pub const MAX_DAYS: u64 = 3_660;

/// A run of calendar dates, both ends included.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
pub struct Period {
    /// The first date.
    #[schema(value_type = String, format = Date, example = "2026-11-01")]
    pub from: NaiveDate,
    /// The last date (included).
    #[schema(value_type = String, format = Date, example = "2026-11-30")]
    pub to: NaiveDate,
}

/// How a client named the period (exactly one form at a time).
#[derive(Debug, Clone, Default)]
pub struct PeriodRequest<'a> {
    /// First date, `YYYY-MM-DD`.
    pub from: Option<NaiveDate>,
    /// Last date, `YYYY-MM-DD`.
    pub to: Option<NaiveDate>,
    /// `YYYY-MM`.
    pub month: Option<&'a str>,
    /// `YYYY-Qn`.
    pub quarter: Option<&'a str>,
    /// A year.
    pub year: Option<i32>,
}

impl Period {
    /// The dates named by `request`; with no form given, the current month up to `today`.
    pub fn parse(request: &PeriodRequest<'_>, today: NaiveDate) -> Result<Period, DomainError> {
        let forms = [
            request.from.is_some() || request.to.is_some(),
            request.month.is_some(),
            request.quarter.is_some(),
            request.year.is_some(),
        ];
        if forms.iter().filter(|given| **given).count() > 1 {
            return Err(DomainError::invalid(
                "period",
                "conflicting_period",
                "give one of from/to, month, quarter or year",
            ));
        }
        let period = if let Some(month) = request.month {
            Self::month(month)?
        } else if let Some(quarter) = request.quarter {
            Self::quarter(quarter)?
        } else if let Some(year) = request.year {
            Self::year(year)?
        } else if forms[0] {
            let (Some(from), Some(to)) = (request.from, request.to) else {
                return Err(DomainError::invalid("from", "incomplete_period", "give both from and to"));
            };
            Period { from, to }
        } else {
            let first = today.with_day(1).unwrap_or(today);
            Period { from: first, to: today }
        };
        period.check()
    }

    /// `YYYY-MM`.
    pub fn month(text: &str) -> Result<Period, DomainError> {
        let bad = || DomainError::invalid("month", "invalid_month", "a month is written YYYY-MM, like 2026-11");
        let (year, month) = text.split_once('-').ok_or_else(bad)?;
        if month.len() != 2 || !month.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad());
        }
        let (year, month) = (parse_year(year).ok_or_else(bad)?, month.parse::<u32>().map_err(|_| bad())?);
        if !(1..=12).contains(&month) {
            return Err(bad());
        }
        let from = NaiveDate::from_ymd_opt(year, month, 1).ok_or_else(bad)?;
        Ok(Period { from, to: last_day(from, 1) })
    }

    /// `YYYY-Qn`, quarters of the calendar year.
    pub fn quarter(text: &str) -> Result<Period, DomainError> {
        let bad = || DomainError::invalid("quarter", "invalid_quarter", "a quarter is written YYYY-Qn, like 2026-Q4");
        let (year, quarter) = text.split_once("-Q").ok_or_else(bad)?;
        let year = parse_year(year).ok_or_else(bad)?;
        let quarter = match quarter {
            "1" => 1,
            "2" => 2,
            "3" => 3,
            "4" => 4,
            _ => return Err(bad()),
        };
        let from = NaiveDate::from_ymd_opt(year, quarter * 3 - 2, 1).ok_or_else(bad)?;
        Ok(Period { from, to: last_day(from, 3) })
    }

    /// A calendar year.
    pub fn year(year: i32) -> Result<Period, DomainError> {
        let from = NaiveDate::from_ymd_opt(year, 1, 1)
            .filter(|_| (2000..=9998).contains(&year))
            .ok_or_else(|| DomainError::invalid("year", "invalid_year", "a year from 2000 to 9998"))?;
        Ok(Period { from, to: last_day(from, 12) })
    }

    fn check(self) -> Result<Period, DomainError> {
        if self.to < self.from {
            return Err(DomainError::invalid("to", "inverted_period", "to comes before from"));
        }
        if self.days() > MAX_DAYS {
            return Err(DomainError::invalid(
                "to",
                "period_too_long",
                format!("a report covers at most {MAX_DAYS} days"),
            ));
        }
        Ok(self)
    }

    /// How many dates the period holds.
    pub fn days(&self) -> u64 {
        u64::try_from((self.to - self.from).num_days()).map_or(0, |days| days + 1)
    }

    /// Whether `date` lies within the period.
    pub fn contains(&self, date: NaiveDate) -> bool {
        self.from <= date && date <= self.to
    }

    /// The date after the last one: the exclusive end, as queries want it.
    pub fn end_exclusive(&self) -> NaiveDate {
        self.to.checked_add_days(Days::new(1)).unwrap_or(self.to)
    }
}

fn parse_year(text: &str) -> Option<i32> {
    if text.len() != 4 || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok().filter(|year| (2000..=9998).contains(year))
}

fn last_day(first: NaiveDate, months: u32) -> NaiveDate {
    first.checked_add_months(Months::new(months)).and_then(|next| next.pred_opt()).unwrap_or(first)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn parse(request: PeriodRequest<'_>) -> Result<Period, DomainError> {
        Period::parse(&request, date(2026, 11, 18))
    }

    #[test]
    fn a_month_runs_from_its_first_to_its_last_day() {
        assert_eq!(
            parse(PeriodRequest { month: Some("2026-02"), ..Default::default() }).unwrap(),
            Period { from: date(2026, 2, 1), to: date(2026, 2, 28) }
        );
        assert_eq!(Period::month("2028-02").unwrap().to, date(2028, 2, 29));
        assert_eq!(Period::month("2026-12").unwrap().to, date(2026, 12, 31));
    }

    #[test]
    fn a_quarter_and_a_year_cover_their_months() {
        assert_eq!(Period::quarter("2026-Q4").unwrap(), Period { from: date(2026, 10, 1), to: date(2026, 12, 31) });
        assert_eq!(Period::quarter("2026-Q1").unwrap(), Period { from: date(2026, 1, 1), to: date(2026, 3, 31) });
        assert_eq!(Period::year(2026).unwrap(), Period { from: date(2026, 1, 1), to: date(2026, 12, 31) });
        assert_eq!(Period::year(2026).unwrap().days(), 365);
    }

    #[test]
    fn malformed_shortcuts_are_refused_with_their_field() {
        for bad in ["2026-13", "2026-0", "2026-00", "2026-1", "2026-011", "26-11", "2026/11", "x", "2026-"] {
            assert!(matches!(Period::month(bad), Err(DomainError::Invalid { field: "month", .. })), "{bad}");
        }
        for bad in ["2026-Q5", "2026-Q0", "2026Q1", "2026-q1", "2026-Q"] {
            assert!(matches!(Period::quarter(bad), Err(DomainError::Invalid { field: "quarter", .. })), "{bad}");
        }
        assert!(Period::year(1999).is_err());
    }

    #[test]
    fn no_period_means_the_current_month_to_date() {
        assert_eq!(
            parse(PeriodRequest::default()).unwrap(),
            Period { from: date(2026, 11, 1), to: date(2026, 11, 18) }
        );
    }

    #[test]
    fn two_forms_at_once_or_half_a_range_are_refused() {
        let both = PeriodRequest { month: Some("2026-11"), year: Some(2026), ..Default::default() };
        assert!(matches!(parse(both), Err(DomainError::Invalid { code: "conflicting_period", .. })));
        let half = PeriodRequest { from: Some(date(2026, 1, 1)), ..Default::default() };
        assert!(matches!(parse(half), Err(DomainError::Invalid { code: "incomplete_period", .. })));
    }

    #[test]
    fn ranges_are_checked_for_order_and_length() {
        let inverted = PeriodRequest { from: Some(date(2026, 2, 1)), to: Some(date(2026, 1, 1)), ..Default::default() };
        assert!(matches!(parse(inverted), Err(DomainError::Invalid { code: "inverted_period", .. })));
        let long = PeriodRequest { from: Some(date(2010, 1, 1)), to: Some(date(2026, 1, 1)), ..Default::default() };
        assert!(matches!(parse(long), Err(DomainError::Invalid { code: "period_too_long", .. })));
        let day = PeriodRequest { from: Some(date(2026, 1, 1)), to: Some(date(2026, 1, 1)), ..Default::default() };
        let day = parse(day).unwrap();
        assert_eq!(day.days(), 1);
        assert!(day.contains(date(2026, 1, 1)) && !day.contains(date(2026, 1, 2)));
        assert_eq!(day.end_exclusive(), date(2026, 1, 2));
    }
}

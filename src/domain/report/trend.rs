//! A period as a series: how many complaints arrived, were verified, first answered and resolved in each day, week or
//! month.

use std::collections::BTreeMap;

use chrono::{Datelike, Days, NaiveDate};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::facts::ComplaintFacts;
use super::period::Period;
use crate::domain::calendar::WorkingCalendar;

/// The width of one point of a series.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Interval {
    /// One calendar day.
    Day,
    /// A week from Monday (ISO 8601).
    Week,
    /// A calendar month.
    #[default]
    Month,
}

impl Interval {
    /// The first day of the interval holding `date`.
    pub fn start_of(self, date: NaiveDate) -> NaiveDate {
        match self {
            Interval::Day => date,
            Interval::Week => date - Days::new(u64::from(date.weekday().num_days_from_monday())),
            Interval::Month => date.with_day(1).unwrap_or(date),
        }
    }

    fn next(self, start: NaiveDate) -> NaiveDate {
        match self {
            Interval::Day => start + Days::new(1),
            Interval::Week => start + Days::new(7),
            Interval::Month => start.checked_add_months(chrono::Months::new(1)).unwrap_or(start + Days::new(31)),
        }
    }
}

/// One point of a series: events whose local date falls in the interval (and in the period).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, ToSchema)]
pub struct TrendPoint {
    /// The first day of the interval (it may lie before the period's start: a week from Monday).
    #[schema(value_type = String, format = Date)]
    pub start: NaiveDate,
    /// Complaints that arrived.
    pub received: u64,
    /// Complaints verified.
    pub verified: u64,
    /// Complaints whose first public answer was approved.
    pub first_answered: u64,
    /// Complaints whose last final answer was approved.
    pub resolved: u64,
}

/// The series of the period, one point per interval, empty intervals included.
pub fn trend(
    calendar: &WorkingCalendar,
    period: &Period,
    interval: Interval,
    all: &[ComplaintFacts],
) -> Vec<TrendPoint> {
    let mut points: BTreeMap<NaiveDate, TrendPoint> = BTreeMap::new();
    let mut start = interval.start_of(period.from);
    while start <= period.to {
        points.insert(start, TrendPoint { start, ..Default::default() });
        start = interval.next(start);
    }
    let mut bump = |at: Option<chrono::DateTime<chrono::Utc>>, field: fn(&mut TrendPoint) -> &mut u64| {
        let Some(date) = at.map(|at| calendar.local_date(at)).filter(|date| period.contains(*date)) else {
            return;
        };
        if let Some(point) = points.get_mut(&interval.start_of(date)) {
            *field(point) += 1;
        }
    };
    for c in all {
        bump(Some(c.received_at), |p| &mut p.received);
        bump(c.verified_at, |p| &mut p.verified);
        bump(c.first_answer_at, |p| &mut p.first_answered);
        bump(c.resolved_at, |p| &mut p.resolved);
    }
    points.into_values().collect()
}

//! The backlog now: open complaints by how long they have waited, and which are overdue.

use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use super::facts::{ComplaintFacts, DispositionFacts};
use crate::domain::calendar::WorkingCalendar;
use crate::domain::complaint::is_overdue;

/// Open items by age in working days.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, ToSchema)]
pub struct Ageing {
    /// 0 to 5 working days old.
    #[serde(rename = "0_5")]
    pub days_0_5: u64,
    /// 6 to 14.
    #[serde(rename = "6_14")]
    pub days_6_14: u64,
    /// 15 to 60.
    #[serde(rename = "15_60")]
    pub days_15_60: u64,
    /// Over 60 (the Ombudsman may take such a case over).
    #[serde(rename = "over_60")]
    pub over_60: u64,
}

impl Ageing {
    fn add(&mut self, age: u32) {
        match age {
            0..=5 => self.days_0_5 += 1,
            6..=14 => self.days_6_14 += 1,
            15..=60 => self.days_15_60 += 1,
            _ => self.over_60 += 1,
        }
    }
}

/// Open items, their ages and how many are overdue.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, ToSchema)]
pub struct Backlog {
    /// Open now.
    pub open: u64,
    /// Of those, past a deadline now.
    pub overdue: u64,
    /// Of those, by age.
    pub by_age: Ageing,
}

/// One OPD's open dispositions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct UnitBacklog {
    /// The OPD.
    pub unit_id: Uuid,
    /// Its open dispositions (sent, accepted, delegated): age from sending, overdue past the due date.
    #[serde(flatten)]
    pub backlog: Backlog,
}

/// The complaints' backlog: open complaints (not archived, forwarded or finished), aged from arrival; overdue when
/// waiting for verification past `verify_by`, or open past `resolve_by`.
pub fn complaint_backlog(calendar: &WorkingCalendar, now: DateTime<Utc>, open: &[ComplaintFacts]) -> Backlog {
    let mut backlog = Backlog::default();
    for c in open.iter().filter(|c| !c.status.is_closed()) {
        backlog.open += 1;
        backlog.by_age.add(calendar.working_days_between(c.received_at, now));
        if is_overdue(c.status, c.verify_by, c.resolve_by, now) {
            backlog.overdue += 1;
        }
    }
    backlog
}

/// Each OPD's backlog from its open dispositions, one row per unit of `units` in that order.
pub fn unit_backlogs(
    calendar: &WorkingCalendar,
    now: DateTime<Utc>,
    units: &[Uuid],
    open: &[DispositionFacts],
) -> Vec<UnitBacklog> {
    units
        .iter()
        .map(|unit| {
            let mut backlog = Backlog::default();
            for d in open.iter().filter(|d| d.unit_id == *unit && d.status.is_open()) {
                backlog.open += 1;
                backlog.by_age.add(calendar.working_days_between(d.sent_at, now));
                if d.due_at < now {
                    backlog.overdue += 1;
                }
            }
            UnitBacklog { unit_id: *unit, backlog }
        })
        .collect()
}

//! Per-OPD figures: what each unit was sent in the period and how it handled it.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use super::facts::{DispositionFacts, EscalationFact};
use super::stats::{Durations, percent};
use crate::domain::calendar::WorkingCalendar;
use crate::domain::disposition::{DispositionStatus, ReturnReason};

/// Escalations raised in the period, by level.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, ToSchema)]
pub struct EscalationCounts {
    /// Level 1: a reminder to the unit.
    pub level_1: u64,
    /// Level 2: the unit's head and the Sekda.
    pub level_2: u64,
    /// Level 3: flagged to the Inspektorat.
    pub level_3: u64,
}

/// The figures of one OPD over the dispositions it was sent in the period.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct UnitFigures {
    /// The OPD.
    pub unit_id: Uuid,
    /// Dispositions sent to it in the period.
    pub received: u64,
    /// Of those, taken on (accepted, delegated or completed).
    pub accepted: u64,
    /// Of those, returned to the main admin (any reason).
    pub returned: u64,
    /// Of those returned, as wrongly disposed (salah disposisi).
    pub returned_wrong_disposition: u64,
    /// Of those, passed down to a sub-unit.
    pub delegated: u64,
    /// Of those, completed (final answer approved).
    pub completed: u64,
    /// Of those completed, completed by the disposition's due date.
    pub completed_on_time: u64,
    /// Of those, with a first approved answer by the due date.
    pub answered_on_time: u64,
    /// Of those, still open (sent, accepted or delegated) and past their due date now.
    pub overdue: u64,
    /// `answered / accepted` in percent: dispositions taken on that have an approved answer.
    pub follow_up_rate: Option<f64>,
    /// `completed_on_time / (completed + overdue)` in percent.
    pub on_time_rate: Option<f64>,
    /// Of those, whose complaint's reporter last said "satisfied".
    pub satisfied: u64,
    /// Of those, whose complaint's reporter last said "not satisfied".
    pub not_satisfied: u64,
    /// `satisfied / (satisfied + not_satisfied)` in percent.
    pub satisfaction_rate: Option<f64>,
    /// Working days from sending to the first approved answer.
    pub days_to_first_answer: Durations,
    /// Escalations raised in the period on the unit's dispositions.
    pub escalations: EscalationCounts,
}

/// One row per unit in `units` (in that order), from the dispositions sent in the period and the escalations raised in
/// it. Dispositions of units not listed are left out.
pub fn unit_figures(
    calendar: &WorkingCalendar,
    now: DateTime<Utc>,
    units: &[Uuid],
    dispositions: &[DispositionFacts],
    escalations: &[EscalationFact],
) -> Vec<UnitFigures> {
    let mut by_unit: BTreeMap<Uuid, Vec<&DispositionFacts>> = units.iter().map(|id| (*id, Vec::new())).collect();
    for d in dispositions {
        if let Some(list) = by_unit.get_mut(&d.unit_id) {
            list.push(d);
        }
    }
    let mut raised: BTreeMap<Uuid, EscalationCounts> = BTreeMap::new();
    for e in escalations {
        let counts = raised.entry(e.unit_id).or_default();
        match e.level {
            1 => counts.level_1 += 1,
            2 => counts.level_2 += 1,
            _ => counts.level_3 += 1,
        }
    }
    units
        .iter()
        .map(|unit| {
            let list = by_unit.get(unit).map(Vec::as_slice).unwrap_or_default();
            figures_of(calendar, now, *unit, list, raised.remove(unit).unwrap_or_default())
        })
        .collect()
}

fn figures_of(
    calendar: &WorkingCalendar,
    now: DateTime<Utc>,
    unit_id: Uuid,
    list: &[&DispositionFacts],
    escalations: EscalationCounts,
) -> UnitFigures {
    let count = |keep: &dyn Fn(&DispositionFacts) -> bool| list.iter().filter(|d| keep(d)).count() as u64;
    let accepted = count(&|d| {
        matches!(d.status, DispositionStatus::Accepted | DispositionStatus::Delegated | DispositionStatus::Completed)
    });
    let answered = count(&|d| d.status != DispositionStatus::Returned && d.first_answer_at.is_some());
    let completed = count(&|d| d.status == DispositionStatus::Completed);
    let completed_on_time = count(&|d| d.completed_at.is_some_and(|at| at <= d.due_at));
    let overdue = count(&|d| d.status.is_open() && d.due_at < now);
    // A reporter judges the complaint's answers; a unit that returned it gave none of them.
    let judged =
        |verdict: bool| count(&|d| d.status != DispositionStatus::Returned && d.reporter_satisfied == Some(verdict));
    let (satisfied, not_satisfied) = (judged(true), judged(false));
    let days =
        list.iter().filter_map(|d| d.first_answer_at.map(|at| calendar.working_days_between(d.sent_at, at))).collect();
    UnitFigures {
        unit_id,
        received: list.len() as u64,
        accepted,
        returned: count(&|d| d.status == DispositionStatus::Returned),
        returned_wrong_disposition: count(&|d| {
            d.status == DispositionStatus::Returned && d.return_reason == Some(ReturnReason::WrongDisposition)
        }),
        delegated: count(&|d| d.delegated),
        completed,
        completed_on_time,
        answered_on_time: count(&|d| d.first_answer_at.is_some_and(|at| at <= d.due_at)),
        overdue,
        follow_up_rate: percent(answered, accepted),
        on_time_rate: percent(completed_on_time, completed + overdue),
        satisfied,
        not_satisfied,
        satisfaction_rate: percent(satisfied, satisfied + not_satisfied),
        days_to_first_answer: Durations::of(days),
        escalations,
    }
}

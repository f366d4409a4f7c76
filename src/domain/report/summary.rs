//! The Pemda-wide figures of a period: what came in, how fast it moved, whether deadlines held, and what reporters
//! said. Every figure is defined here once; the README's table of figures is this module in prose.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use super::facts::ComplaintFacts;
use super::period::Period;
use super::stats::{Durations, percent, round1};
use crate::domain::calendar::WorkingCalendar;
use crate::domain::complaint::{ArchiveReason, Channel, Classification, ComplaintStatus};

/// The core figures of a set of complaints received in a period (the whole Pemda, a category, a region, ...).
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Kpis {
    /// Complaints received in the period.
    pub received: u64,
    /// Of those, verified by the main admin (whatever happened next).
    pub verified: u64,
    /// Of those verified, with an approved public answer (tindak lanjut).
    pub answered: u64,
    /// Of those verified, whose every final answer is approved (waiting for the reporter, or finished).
    pub resolved: u64,
    /// Of those received, finished (after the reporter's response or the response window).
    pub finished: u64,
    /// Persentase tindak lanjut: `answered / verified` in percent, one decimal; `null` when nothing was verified.
    pub follow_up_rate: Option<f64>,
    /// Working days from arrival to resolution, of the resolved ones.
    pub days_to_resolve: Durations,
}

/// Whether one kind of deadline held, over the deadlines that fell due in the period.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct DeadlineCompliance {
    /// Deadlines that fell on a day of the period and are decided: the step happened, or the deadline passed.
    pub due: u64,
    /// Of those, the step happened by the deadline.
    pub met: u64,
    /// Of those, the step happened late or not at all.
    pub missed: u64,
    /// Deadlines of the period still ahead with the step not done yet (not counted in `due`).
    pub pending: u64,
    /// `met / due` in percent, one decimal; `null` when nothing was due.
    pub percent_met: Option<f64>,
}

/// The three deadlines of a complaint.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Deadlines {
    /// Verification by `verify_by` (complaints that were archived or forwarded without verification are left out).
    pub verify: DeadlineCompliance,
    /// First approved public answer by `first_response_by` (verified complaints).
    pub first_response: DeadlineCompliance,
    /// Every final answer approved by `resolve_by` (verified complaints).
    pub resolve: DeadlineCompliance,
}

/// Working days from arrival to each step, of the complaints received in the period that reached it.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct StepDurations {
    /// To verification.
    pub to_verify: Durations,
    /// To the first approved public answer.
    pub to_first_answer: Durations,
    /// To the last final answer approved.
    pub to_resolve: Durations,
}

/// What reporters said, of the complaints received in the period.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct ReporterResponse {
    /// Complaints whose reporter got a final answer at least once.
    pub answered: u64,
    /// Complaints whose reporter's latest response is "satisfied".
    pub satisfied: u64,
    /// Complaints whose reporter's latest response is "not satisfied".
    pub not_satisfied: u64,
    /// Complaints finished because the response window closed without a reply.
    pub no_reply: u64,
    /// Mean rating (1–5) of the latest responses, one decimal.
    pub average_rating: Option<f64>,
    /// Complaints reopened at least once.
    pub reopened: u64,
    /// `reopened / answered` in percent, one decimal.
    pub reopen_rate: Option<f64>,
}

/// Reports closed without follow-up, of those received in the period.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Closures {
    /// Archived, all reasons.
    pub archived: u64,
    /// Archived, by reason.
    pub archived_by_reason: BTreeMap<String, u64>,
    /// Forwarded to another agency (not our authority).
    pub forwarded: u64,
}

/// How many complaints fell into one category or region.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct KeyCount {
    /// The category or region; `null` for complaints without one.
    pub id: Option<Uuid>,
    /// How many.
    pub count: u64,
}

/// The summary of a period.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Summary {
    /// The core figures.
    #[serde(flatten)]
    pub kpis: Kpis,
    /// Received, by classification (every classification listed).
    pub by_classification: BTreeMap<String, u64>,
    /// Received, by channel (every channel listed).
    pub by_channel: BTreeMap<String, u64>,
    /// Received, by current status (every status listed).
    pub by_status: BTreeMap<String, u64>,
    /// Received, by category, most first.
    pub by_category: Vec<KeyCount>,
    /// Received, by region, most first.
    pub by_region: Vec<KeyCount>,
    /// Deadline compliance.
    pub deadlines: Deadlines,
    /// Working days to each step.
    pub working_days: StepDurations,
    /// Reporter response.
    pub reporter: ReporterResponse,
    /// Archived and forwarded.
    pub closures: Closures,
}

/// The local date a deadline falls on: deadlines are midnight after their last day.
pub fn due_date(calendar: &WorkingCalendar, deadline: DateTime<Utc>) -> NaiveDate {
    calendar.local_date(deadline - chrono::Duration::microseconds(1))
}

/// Whether a complaint arrived within the period.
pub fn received_in(calendar: &WorkingCalendar, period: &Period, facts: &ComplaintFacts) -> bool {
    period.contains(calendar.local_date(facts.received_at))
}

/// The core figures of `complaints` (already narrowed to those received in the period).
pub fn kpis<'a>(calendar: &WorkingCalendar, complaints: impl IntoIterator<Item = &'a ComplaintFacts>) -> Kpis {
    let (mut received, mut verified, mut answered, mut resolved, mut finished) = (0, 0, 0, 0, 0);
    let mut to_resolve = Vec::new();
    for c in complaints {
        received += 1;
        if c.status == ComplaintStatus::Finished {
            finished += 1;
        }
        if c.verified_at.is_none() {
            continue;
        }
        verified += 1;
        if c.first_answer_at.is_some() {
            answered += 1;
        }
        if let Some(at) = c.resolved_at {
            resolved += 1;
            to_resolve.push(calendar.working_days_between(c.received_at, at));
        }
    }
    Kpis {
        received,
        verified,
        answered,
        resolved,
        finished,
        follow_up_rate: percent(answered, verified),
        days_to_resolve: Durations::of(to_resolve),
    }
}

/// Whether a complaint counts against its verification deadline: every complaint but one archived or forwarded
/// without verification (that decision was the step). Only verified complaints count against the answer deadlines.
pub fn owes_verification(status: ComplaintStatus, verified: bool) -> bool {
    verified || !matches!(status, ComplaintStatus::Archived | ComplaintStatus::Forwarded)
}

/// Whether a step met its deadline: `Some(true)` done by it, `Some(false)` done after it or not done with the deadline
/// past at `now`, `None` not done with the deadline still ahead.
pub fn deadline_met(deadline: DateTime<Utc>, done_at: Option<DateTime<Utc>>, now: DateTime<Utc>) -> Option<bool> {
    match done_at {
        Some(at) => Some(at <= deadline),
        None if deadline < now => Some(false),
        None => None,
    }
}

/// Compliance with one deadline: `steps` holds, per complaint in the deadline's cohort, the deadline and when the step
/// happened.
pub fn compliance(
    calendar: &WorkingCalendar,
    period: &Period,
    now: DateTime<Utc>,
    steps: impl IntoIterator<Item = (DateTime<Utc>, Option<DateTime<Utc>>)>,
) -> DeadlineCompliance {
    let (mut due, mut met, mut pending) = (0, 0, 0);
    for (deadline, done_at) in steps {
        if !period.contains(due_date(calendar, deadline)) {
            continue;
        }
        match deadline_met(deadline, done_at, now) {
            Some(true) => (due, met) = (due + 1, met + 1),
            Some(false) => due += 1,
            None => pending += 1,
        }
    }
    DeadlineCompliance { due, met, missed: due - met, pending, percent_met: percent(met, due) }
}

/// The summary of the period from every complaint the period touches (received in it, or with a deadline in it).
pub fn summary(calendar: &WorkingCalendar, period: &Period, now: DateTime<Utc>, all: &[ComplaintFacts]) -> Summary {
    let received: Vec<&ComplaintFacts> = all.iter().filter(|c| received_in(calendar, period, c)).collect();

    let mut by_classification: BTreeMap<String, u64> =
        Classification::ALL.iter().map(|c| (c.as_str().to_owned(), 0)).collect();
    let mut by_channel: BTreeMap<String, u64> = Channel::ALL.iter().map(|c| (c.as_str().to_owned(), 0)).collect();
    let mut by_status: BTreeMap<String, u64> =
        ComplaintStatus::ALL.iter().map(|s| (s.as_str().to_owned(), 0)).collect();
    let mut archived_by_reason: BTreeMap<String, u64> =
        ArchiveReason::ALL.iter().map(|r| (r.as_str().to_owned(), 0)).collect();
    let mut by_category: BTreeMap<Option<Uuid>, u64> = BTreeMap::new();
    let mut by_region: BTreeMap<Option<Uuid>, u64> = BTreeMap::new();
    let (mut to_verify, mut to_first_answer, mut to_resolve) = (Vec::new(), Vec::new(), Vec::new());
    let (mut archived, mut forwarded) = (0, 0);
    let (mut answered, mut satisfied, mut not_satisfied, mut no_reply, mut reopened) = (0, 0, 0, 0, 0);
    let mut ratings = Vec::new();

    for c in &received {
        *by_classification.entry(c.classification.as_str().to_owned()).or_default() += 1;
        *by_channel.entry(c.channel.as_str().to_owned()).or_default() += 1;
        *by_status.entry(c.status.as_str().to_owned()).or_default() += 1;
        *by_category.entry(c.category_id).or_default() += 1;
        *by_region.entry(c.region_id).or_default() += 1;
        let days = |at: Option<DateTime<Utc>>| at.map(|at| calendar.working_days_between(c.received_at, at));
        to_verify.extend(days(c.verified_at));
        to_first_answer.extend(days(c.first_answer_at));
        to_resolve.extend(days(c.resolved_at));
        match c.status {
            ComplaintStatus::Archived => {
                archived += 1;
                if let Some(reason) = c.archive_reason {
                    *archived_by_reason.entry(reason.as_str().to_owned()).or_default() += 1;
                }
            }
            ComplaintStatus::Forwarded => forwarded += 1,
            _ => {}
        }
        if c.reached_reporter {
            answered += 1;
        }
        if c.reopen_count > 0 {
            reopened += 1;
        }
        if c.closed_without_reply {
            no_reply += 1;
        }
        if let Some(feedback) = c.feedback {
            ratings.push(u64::from(feedback.rating));
            if feedback.satisfied {
                satisfied += 1;
            } else {
                not_satisfied += 1;
            }
        }
    }

    let closed_unverified = |c: &&ComplaintFacts| owes_verification(c.status, c.verified_at.is_some());
    let deadlines = Deadlines {
        verify: compliance(
            calendar,
            period,
            now,
            all.iter().filter(closed_unverified).map(|c| (c.verify_by, c.verified_at)),
        ),
        first_response: compliance(
            calendar,
            period,
            now,
            all.iter().filter(|c| c.verified_at.is_some()).map(|c| (c.first_response_by, c.first_answer_at)),
        ),
        resolve: compliance(
            calendar,
            period,
            now,
            all.iter().filter(|c| c.verified_at.is_some()).map(|c| (c.resolve_by, c.resolved_at)),
        ),
    };

    Summary {
        kpis: kpis(calendar, received.iter().copied()),
        by_classification,
        by_channel,
        by_status,
        by_category: most_first(by_category),
        by_region: most_first(by_region),
        deadlines,
        working_days: StepDurations {
            to_verify: Durations::of(to_verify),
            to_first_answer: Durations::of(to_first_answer),
            to_resolve: Durations::of(to_resolve),
        },
        reporter: ReporterResponse {
            answered,
            satisfied,
            not_satisfied,
            no_reply,
            average_rating: (!ratings.is_empty())
                .then(|| round1(ratings.iter().sum::<u64>() as f64 / ratings.len() as f64)),
            reopened,
            reopen_rate: percent(reopened, answered),
        },
        closures: Closures { archived, archived_by_reason, forwarded },
    }
}

/// Counts, most first; ties by id, with "none" last, so the order is stable.
fn most_first(counts: BTreeMap<Option<Uuid>, u64>) -> Vec<KeyCount> {
    let mut rows: Vec<KeyCount> = counts.into_iter().map(|(id, count)| KeyCount { id, count }).collect();
    rows.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.id.is_none().cmp(&b.id.is_none())).then(a.id.cmp(&b.id)));
    rows
}

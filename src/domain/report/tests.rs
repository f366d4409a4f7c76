//! One small November in Sekadau, worked out by hand, against every figure of the summary, the units, the backlog and
//! the trend.

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use chrono_tz::Asia::Pontianak;
use uuid::Uuid;

use super::backlog::{Ageing, Backlog, complaint_backlog, unit_backlogs};
use super::facts::{ComplaintFacts, DispositionFacts, EscalationFact, Feedback};
use super::period::Period;
use super::stats::Durations;
use super::summary::{DeadlineCompliance, KeyCount, summary};
use super::trend::{Interval, trend};
use super::units::{EscalationCounts, unit_figures};
use crate::domain::calendar::WorkingCalendar;
use crate::domain::complaint::{ArchiveReason, Channel, Classification, ComplaintStatus};
use crate::domain::disposition::{DispositionStatus, ReturnReason};

fn date(month: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, month, day).unwrap()
}

/// Local time in Sekadau.
fn at(month: u32, day: u32, hour: u32) -> DateTime<Utc> {
    Pontianak.with_ymd_and_hms(2026, month, day, hour, 0, 0).unwrap().with_timezone(&Utc)
}

/// The deadline "by the end of" a local day.
fn end_of(month: u32, day: u32) -> DateTime<Utc> {
    at(month, day, 0) + chrono::Duration::days(1)
}

fn calendar() -> WorkingCalendar {
    // Wednesday 4 November is a local holiday.
    WorkingCalendar::new(Pontianak, [date(11, 4)])
}

fn now() -> DateTime<Utc> {
    at(11, 18, 12)
}

fn november() -> Period {
    Period::month("2026-11").unwrap()
}

struct Dataset {
    category_a: Uuid,
    category_b: Uuid,
    complaints: Vec<ComplaintFacts>,
}

fn complaint(received_at: DateTime<Utc>, status: ComplaintStatus) -> ComplaintFacts {
    ComplaintFacts {
        id: Uuid::now_v7(),
        received_at,
        classification: Classification::Pengaduan,
        supervision: false,
        channel: Channel::Web,
        category_id: None,
        region_id: None,
        status,
        archive_reason: None,
        verify_by: end_of(12, 31),
        first_response_by: end_of(12, 31),
        resolve_by: end_of(12, 31),
        verified_at: None,
        first_answer_at: None,
        resolved_at: None,
        closed_without_reply: false,
        reopen_count: 0,
        reached_reporter: false,
        feedback: None,
    }
}

fn dataset() -> Dataset {
    let (category_a, category_b) = (Uuid::now_v7(), Uuid::now_v7());
    let c1 = ComplaintFacts {
        category_id: Some(category_a),
        verify_by: end_of(11, 5),
        first_response_by: end_of(11, 9),
        resolve_by: end_of(11, 19),
        verified_at: Some(at(11, 3, 10)),
        first_answer_at: Some(at(11, 9, 15)),
        resolved_at: Some(at(11, 12, 10)),
        reached_reporter: true,
        feedback: Some(Feedback { rating: 5, satisfied: true }),
        ..complaint(at(11, 2, 9), ComplaintStatus::Finished)
    };
    let c2 = ComplaintFacts {
        classification: Classification::Aspirasi,
        channel: Channel::Whatsapp,
        category_id: Some(category_b),
        verify_by: end_of(11, 6),
        first_response_by: end_of(11, 13),
        resolve_by: end_of(11, 24),
        verified_at: Some(at(11, 9, 9)),
        first_answer_at: Some(at(11, 16, 10)),
        reopen_count: 1,
        reached_reporter: true,
        feedback: Some(Feedback { rating: 2, satisfied: false }),
        ..complaint(at(11, 3, 8), ComplaintStatus::InProgress)
    };
    let c3 = ComplaintFacts {
        category_id: Some(category_a),
        archive_reason: Some(ArchiveReason::Spam),
        verify_by: end_of(11, 10),
        ..complaint(at(11, 5, 9), ComplaintStatus::Archived)
    };
    // Received in October: only its deadlines of November count.
    let c4 = ComplaintFacts {
        verify_by: end_of(10, 30),
        first_response_by: end_of(11, 3),
        resolve_by: end_of(11, 10),
        verified_at: Some(at(10, 29, 9)),
        first_answer_at: Some(at(11, 3, 10)),
        resolved_at: Some(at(11, 12, 9)),
        reached_reporter: true,
        ..complaint(at(10, 28, 9), ComplaintStatus::AwaitingReporter)
    };
    let c5 = ComplaintFacts {
        channel: Channel::Sms,
        region_id: Some(Uuid::now_v7()),
        verify_by: end_of(11, 19),
        ..complaint(at(11, 16, 9), ComplaintStatus::Submitted)
    };
    let c6 = ComplaintFacts { verify_by: end_of(11, 5), ..complaint(at(11, 2, 9), ComplaintStatus::Forwarded) };
    let c7 = ComplaintFacts {
        classification: Classification::PermintaanInformasi,
        verify_by: end_of(11, 5),
        first_response_by: end_of(11, 9),
        resolve_by: end_of(11, 19),
        verified_at: Some(at(11, 2, 11)),
        first_answer_at: Some(at(11, 3, 9)),
        resolved_at: Some(at(11, 3, 9)),
        closed_without_reply: true,
        reached_reporter: true,
        ..complaint(at(11, 2, 10), ComplaintStatus::Finished)
    };
    Dataset { category_a, category_b, complaints: vec![c1, c2, c3, c4, c5, c6, c7] }
}

#[test]
fn the_summary_counts_what_arrived_in_the_period() {
    let data = dataset();
    let summary = summary(&calendar(), &november(), now(), &data.complaints);
    let kpis = &summary.kpis;
    assert_eq!((kpis.received, kpis.verified, kpis.answered, kpis.resolved, kpis.finished), (6, 3, 3, 2, 2));
    assert_eq!(kpis.follow_up_rate, Some(100.0));
    assert_eq!(kpis.days_to_resolve, Durations { count: 2, mean: Some(4.0), median: Some(4.0), p90: Some(7) });
    assert_eq!(summary.by_classification["pengaduan"], 4);
    assert_eq!(summary.by_classification["aspirasi"], 1);
    assert_eq!(summary.by_classification["permintaan_informasi"], 1);
    assert_eq!(summary.by_channel["web"], 4);
    assert_eq!(summary.by_channel["whatsapp"], 1);
    assert_eq!(summary.by_channel["sms"], 1);
    assert_eq!(summary.by_channel["letter"], 0);
    assert_eq!(summary.by_status["finished"], 2);
    assert_eq!(summary.by_status["in_progress"], 1);
    assert_eq!(summary.by_status["archived"], 1);
    assert_eq!(summary.by_status["forwarded"], 1);
    assert_eq!(summary.by_status["submitted"], 1);
    assert_eq!(summary.by_status["awaiting_reporter"], 0);
    assert_eq!(
        summary.by_category,
        vec![
            KeyCount { id: None, count: 3 },
            KeyCount { id: Some(data.category_a), count: 2 },
            KeyCount { id: Some(data.category_b), count: 1 },
        ]
    );
    assert_eq!(summary.by_region.len(), 2);
    assert_eq!(summary.by_region[0], KeyCount { id: None, count: 5 });
}

#[test]
fn deadlines_count_where_they_fell_due_in_the_period() {
    let summary = summary(&calendar(), &november(), now(), &dataset().complaints);
    let compliance =
        |due, met, missed, pending, percent_met| DeadlineCompliance { due, met, missed, pending, percent_met };
    // c1 and c7 on time, c2 late, c5 still ahead; c3 and c6 were closed unverified; c4's fell in October.
    assert_eq!(summary.deadlines.verify, compliance(3, 2, 1, 1, Some(66.7)));
    // c1, c4 and c7 on time; c2 answered after its deadline.
    assert_eq!(summary.deadlines.first_response, compliance(4, 3, 1, 0, Some(75.0)));
    // c1 and c7 on time, c4 resolved two days late, c2's deadline still ahead.
    assert_eq!(summary.deadlines.resolve, compliance(3, 2, 1, 1, Some(66.7)));
}

#[test]
fn working_days_skip_weekends_and_holidays() {
    let summary = summary(&calendar(), &november(), now(), &dataset().complaints);
    let days = &summary.working_days;
    // c1 one day, c2 three (the holiday and the weekend skipped), c7 the same day.
    assert_eq!(days.to_verify, Durations { count: 3, mean: Some(1.3), median: Some(1.0), p90: Some(3) });
    assert_eq!(days.to_first_answer, Durations { count: 3, mean: Some(4.3), median: Some(4.0), p90: Some(8) });
    assert_eq!(days.to_resolve, Durations { count: 2, mean: Some(4.0), median: Some(4.0), p90: Some(7) });
}

#[test]
fn reporter_response_and_closures_are_counted() {
    let summary = summary(&calendar(), &november(), now(), &dataset().complaints);
    let reporter = &summary.reporter;
    assert_eq!((reporter.answered, reporter.satisfied, reporter.not_satisfied, reporter.no_reply), (3, 1, 1, 1));
    assert_eq!(reporter.average_rating, Some(3.5));
    assert_eq!((reporter.reopened, reporter.reopen_rate), (1, Some(33.3)));
    assert_eq!(summary.closures.archived, 1);
    assert_eq!(summary.closures.archived_by_reason["spam"], 1);
    assert_eq!(summary.closures.archived_by_reason["duplicate"], 0);
    assert_eq!(summary.closures.forwarded, 1);
}

#[test]
fn the_weekly_trend_dates_each_event_on_its_own_day() {
    let points = trend(&calendar(), &november(), Interval::Week, &dataset().complaints);
    let starts: Vec<NaiveDate> = points.iter().map(|p| p.start).collect();
    assert_eq!(starts, vec![date(10, 26), date(11, 2), date(11, 9), date(11, 16), date(11, 23), date(11, 30)]);
    let row = |i: usize| (points[i].received, points[i].verified, points[i].first_answered, points[i].resolved);
    assert_eq!(row(0), (0, 0, 0, 0));
    assert_eq!(row(1), (5, 2, 2, 1));
    assert_eq!(row(2), (0, 1, 1, 2));
    assert_eq!(row(3), (1, 0, 1, 0));
    let monthly = trend(&calendar(), &november(), Interval::Month, &dataset().complaints);
    assert_eq!(monthly.len(), 1);
    assert_eq!(
        (monthly[0].received, monthly[0].verified, monthly[0].first_answered, monthly[0].resolved),
        (6, 3, 4, 3)
    );
    assert_eq!(trend(&calendar(), &november(), Interval::Day, &[]).len(), 30);
}

#[test]
fn the_backlog_ages_open_complaints_in_working_days() {
    let backlog = complaint_backlog(&calendar(), now(), &dataset().complaints);
    // c2 ten working days old, c4 fourteen and past its resolve date, c5 two.
    assert_eq!(
        backlog,
        Backlog { open: 3, overdue: 1, by_age: Ageing { days_0_5: 1, days_6_14: 2, days_15_60: 0, over_60: 0 } }
    );
}

fn dispositions(data: &Dataset, u1: Uuid, u2: Uuid) -> Vec<DispositionFacts> {
    let (c1, c2, c7) = (data.complaints[0].id, data.complaints[1].id, data.complaints[6].id);
    let sent = |unit_id, complaint_id, status, sent_at, due_at| DispositionFacts {
        unit_id,
        complaint_id,
        status,
        return_reason: None,
        delegated: false,
        sent_at,
        due_at,
        first_answer_at: None,
        completed_at: None,
        reporter_satisfied: None,
    };
    vec![
        DispositionFacts {
            first_answer_at: Some(at(11, 9, 15)),
            completed_at: Some(at(11, 12, 10)),
            reporter_satisfied: Some(true),
            ..sent(u1, c1, DispositionStatus::Completed, at(11, 3, 12), end_of(11, 9))
        },
        DispositionFacts {
            first_answer_at: Some(at(11, 16, 10)),
            reporter_satisfied: Some(false),
            ..sent(u1, c2, DispositionStatus::Accepted, at(11, 9, 12), end_of(11, 13))
        },
        DispositionFacts {
            return_reason: Some(ReturnReason::WrongDisposition),
            reporter_satisfied: Some(false),
            ..sent(u2, c2, DispositionStatus::Returned, at(11, 9, 12), end_of(11, 13))
        },
        DispositionFacts {
            delegated: true,
            first_answer_at: Some(at(11, 3, 9)),
            completed_at: Some(at(11, 3, 9)),
            ..sent(u2, c7, DispositionStatus::Completed, at(11, 2, 12), end_of(11, 8))
        },
    ]
}

#[test]
fn each_opd_is_measured_on_the_dispositions_it_was_sent() {
    let data = dataset();
    let (u1, u2, idle) = (Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7());
    let escalations = [
        EscalationFact { unit_id: u1, level: 1 },
        EscalationFact { unit_id: u1, level: 2 },
        EscalationFact { unit_id: u2, level: 1 },
    ];
    let rows = unit_figures(&calendar(), now(), &[u1, u2, idle], &dispositions(&data, u1, u2), &escalations);
    let first = &rows[0];
    assert_eq!(first.unit_id, u1);
    assert_eq!((first.received, first.accepted, first.returned, first.returned_wrong_disposition), (2, 2, 0, 0));
    assert_eq!((first.delegated, first.completed, first.completed_on_time, first.answered_on_time), (0, 1, 0, 1));
    assert_eq!(first.overdue, 1);
    assert_eq!((first.follow_up_rate, first.on_time_rate), (Some(100.0), Some(0.0)));
    assert_eq!(first.days_to_first_answer.median, Some(4.0));
    assert_eq!(first.escalations, EscalationCounts { level_1: 1, level_2: 1, level_3: 0 });
    assert_eq!((first.satisfied, first.not_satisfied, first.satisfaction_rate), (1, 1, Some(50.0)));
    let second = &rows[1];
    assert_eq!((second.received, second.accepted, second.returned, second.returned_wrong_disposition), (2, 1, 1, 1));
    assert_eq!((second.delegated, second.completed, second.completed_on_time, second.overdue), (1, 1, 1, 0));
    assert_eq!((second.follow_up_rate, second.on_time_rate), (Some(100.0), Some(100.0)));
    assert_eq!(second.days_to_first_answer.median, Some(1.0));
    assert_eq!(second.escalations, EscalationCounts { level_1: 1, level_2: 0, level_3: 0 });
    assert_eq!((second.satisfied, second.not_satisfied, second.satisfaction_rate), (0, 0, None), "it returned c2");
    let none = &rows[2];
    assert_eq!((none.received, none.follow_up_rate, none.on_time_rate), (0, None, None));
}

#[test]
fn each_opd_backlog_holds_its_open_dispositions() {
    let data = dataset();
    let (u1, u2) = (Uuid::now_v7(), Uuid::now_v7());
    let rows = unit_backlogs(&calendar(), now(), &[u1, u2], &dispositions(&data, u1, u2));
    assert_eq!(
        rows[0].backlog,
        Backlog { open: 1, overdue: 1, by_age: Ageing { days_0_5: 0, days_6_14: 1, days_15_60: 0, over_60: 0 } }
    );
    assert_eq!(rows[1].backlog, Backlog::default());
}

//! Deadline escalation and auto-close. Each run looks at everything overdue now, so a missed tick (a restart, a
//! pause) is caught up by the next one. Rows are claimed in batches with `FOR UPDATE SKIP LOCKED`: several instances
//! share the work and never handle a row at the same time; each level is recorded at most once per deadline and round
//! (a unique index guards it too).

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use diesel_async::{AsyncConnection, AsyncPgConnection};
use serde_json::json;
use uuid::Uuid;

use crate::db;
use crate::db::audit::NewAuditEvent;
use crate::db::complaints::{ComplaintChanges, ComplaintRow};
use crate::db::dispositions::{DispositionRow, EscalationRow};
use crate::domain::calendar::WorkingCalendar;
use crate::domain::complaint::{self, ComplaintAction, ComplaintStatus};
use crate::domain::disposition::{DeadlineScope, escalation_audience, escalation_level};
use crate::domain::role::Role;
use crate::services::notifications::{self, Notice};
use crate::services::reference;
use crate::state::AppState;

/// Rows handled per batch (each batch is one transaction).
const BATCH: i64 = 200;

/// What one run did.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct DeadlineReport {
    /// Escalation levels recorded.
    pub escalations: usize,
    /// Reports finished because the reporter did not respond in time.
    pub auto_closed: usize,
}

/// One run at the clock's now.
pub async fn run(state: &AppState) -> anyhow::Result<DeadlineReport> {
    let mut conn = state.pool.get().await?;
    let now = state.clock.now();
    let mut calendars = Calendars { timezone: state.settings.timezone, now, by_pemda: HashMap::new() };
    let auto_closed = auto_close(&mut conn, now).await?;
    let escalations = escalate_dispositions(&mut conn, &mut calendars, now).await?
        + escalate_complaints(&mut conn, &mut calendars, now).await?;
    let report = DeadlineReport { escalations, auto_closed };
    if report != DeadlineReport::default() {
        tracing::info!(escalations = report.escalations, auto_closed = report.auto_closed, "deadline job acted");
    }
    Ok(report)
}

/// Working-day calendars of the Pemda met in one run, loaded once each.
struct Calendars {
    timezone: chrono_tz::Tz,
    now: DateTime<Utc>,
    by_pemda: HashMap<Uuid, WorkingCalendar>,
}

impl Calendars {
    async fn of(&mut self, conn: &mut AsyncPgConnection, pemda: Uuid) -> anyhow::Result<&WorkingCalendar> {
        if !self.by_pemda.contains_key(&pemda) {
            // Deadlines missed up to a year ago still count their working days correctly.
            let from = (self.now - chrono::Duration::days(400)).with_timezone(&self.timezone).date_naive();
            let calendar = reference::calendar(conn, pemda, self.timezone, from).await?;
            self.by_pemda.insert(pemda, calendar);
        }
        self.by_pemda.get(&pemda).ok_or_else(|| anyhow::anyhow!("calendar just loaded is missing"))
    }
}

async fn auto_close(conn: &mut AsyncPgConnection, now: DateTime<Utc>) -> anyhow::Result<usize> {
    let mut closed = 0;
    loop {
        let batch = conn
            .transaction(async |conn| {
                let due = db::deadlines::claim_unanswered(conn, now, BATCH).await?;
                for row in &due {
                    let to = complaint::transition(ComplaintStatus::AwaitingReporter, ComplaintAction::AutoClose)?;
                    let changes = ComplaintChanges {
                        status: Some(to.as_str().into()),
                        closed_reason: Some(Some("auto_closed".into())),
                        finished_at: Some(Some(now)),
                        reporter_reply_by: Some(None),
                        ..Default::default()
                    };
                    db::complaints::update(conn, row.id, &changes, now).await?;
                    let details = json!({ "from": row.status, "to": to, "reason": "auto_closed" });
                    db::audit::record(conn, NewAuditEvent::new(None, "complaint", row.id, "auto_close", details))
                        .await?;
                }
                Ok::<_, anyhow::Error>(due.len())
            })
            .await?;
        closed += batch;
        if batch < BATCH as usize {
            return Ok(closed);
        }
    }
}

/// One deadline of one subject (a complaint, or one of its dispositions).
struct Breach<'a> {
    complaint: &'a ComplaintRow,
    disposition: Option<&'a DispositionRow>,
    deadline: &'static str,
    due_at: DateTime<Utc>,
}

/// Records the levels of a breach not recorded yet; returns the level reached and how many were new.
async fn escalate(
    conn: &mut AsyncPgConnection,
    calendars: &mut Calendars,
    breach: Breach<'_>,
    now: DateTime<Utc>,
) -> anyhow::Result<(u8, usize)> {
    let complaint = breach.complaint;
    let round = complaint.reopen_count;
    let disposition_id = breach.disposition.map(|d| d.id);
    let recorded = db::deadlines::recorded_level(conn, complaint.id, disposition_id, breach.deadline, round).await?;
    let recorded = u8::try_from(recorded.unwrap_or(0)).unwrap_or(0);
    let reached = escalation_level(calendars.of(conn, complaint.pemda_id).await?, breach.due_at, now);
    let mut new = 0;
    for level in (recorded + 1)..=reached {
        let row = EscalationRow {
            id: Uuid::now_v7(),
            complaint_id: complaint.id,
            disposition_id: breach.disposition.map(|d| d.id),
            deadline: breach.deadline.into(),
            round,
            level: i16::from(level),
            due_at: breach.due_at,
            created_at: now,
        };
        if !db::dispositions::insert_escalation(conn, &row).await? {
            continue;
        }
        new += 1;
        let scope = if breach.disposition.is_some() { DeadlineScope::Disposition } else { DeadlineScope::Complaint };
        let audience = escalation_audience(level, scope, complaint.supervision);
        let mut named = match breach.disposition {
            Some(d) => db::dispositions::recipients(conn, &[d.unit_id], &role_names(audience.unit)).await?,
            None => Vec::new(),
        };
        let pemda_units = db::units::subtree_ids(conn, complaint.pemda_id).await?;
        named.extend(db::dispositions::recipients(conn, &pemda_units, &role_names(audience.named)).await?);
        named.sort();
        named.dedup();
        let mut unnamed = db::dispositions::recipients(conn, &pemda_units, &role_names(audience.unnamed)).await?;
        unnamed.retain(|user| !named.contains(user));
        let named_notice = Notice {
            kind: "escalation",
            message: format!(
                "Pengaduan {}: tenggat {} terlewati (eskalasi tingkat {level})",
                complaint.tracking_code, breach.deadline
            ),
            complaint_id: Some(complaint.id),
            disposition_id: breach.disposition.map(|d| d.id),
            follow_up_id: None,
            at: now,
        };
        let unnamed_notice = Notice {
            message: format!(
                "Satu pengaduan berkadar pengawasan melewati tenggat {} (eskalasi tingkat {level}); \
                 Inspektorat menanganinya",
                breach.deadline
            ),
            complaint_id: None,
            disposition_id: None,
            ..named_notice.clone()
        };
        notifications::notify_users(conn, &named, &named_notice).await?;
        notifications::notify_users(conn, &unnamed, &unnamed_notice).await?;
        let details = json!({
            "deadline": breach.deadline, "level": level, "round": round,
            "disposition_id": breach.disposition.map(|d| d.id), "due_at": breach.due_at,
        });
        db::audit::record(conn, NewAuditEvent::new(None, "complaint", complaint.id, "escalated", details)).await?;
    }
    Ok((reached.max(recorded), new))
}

fn role_names(roles: &[Role]) -> Vec<&'static str> {
    roles.iter().map(|role| role.as_str()).collect()
}

/// Open dispositions past their first-response deadline whose unit has not published an answer in this round. Every
/// candidate is visited each run (in id order, batch by batch), so none can be starved by others.
async fn escalate_dispositions(
    conn: &mut AsyncPgConnection,
    calendars: &mut Calendars,
    now: DateTime<Utc>,
) -> anyhow::Result<usize> {
    let mut recorded = 0;
    let mut after = Uuid::nil();
    loop {
        let (count, last) = conn
            .transaction(async |conn| {
                let due = db::deadlines::claim_overdue_dispositions(conn, now, after, BATCH).await?;
                let mut recorded = 0;
                for (disposition, complaint) in &due {
                    let breach = Breach {
                        complaint,
                        disposition: Some(disposition),
                        deadline: "first_response",
                        due_at: disposition.due_at,
                    };
                    let (level, new) = escalate(conn, calendars, breach, now).await?;
                    recorded += new;
                    if i16::from(level) != disposition.escalation_level {
                        db::deadlines::set_disposition_level(conn, disposition.id, i16::from(level)).await?;
                    }
                }
                Ok::<_, anyhow::Error>((
                    recorded,
                    due.last().map(|(d, _)| d.id).filter(|_| due.len() == BATCH as usize),
                ))
            })
            .await?;
        recorded += count;
        match last {
            Some(last) => after = last,
            None => return Ok(recorded),
        }
    }
}

/// Complaints past their verification deadline (still unverified) or their resolution deadline (still open).
async fn escalate_complaints(
    conn: &mut AsyncPgConnection,
    calendars: &mut Calendars,
    now: DateTime<Utc>,
) -> anyhow::Result<usize> {
    let mut recorded = 0;
    let mut after = Uuid::nil();
    loop {
        let (count, last) = conn
            .transaction(async |conn| {
                let due = db::deadlines::claim_overdue_complaints(conn, now, after, BATCH).await?;
                let mut recorded = 0;
                for complaint in &due {
                    let mut highest = 0;
                    let mut breaches = Vec::new();
                    if complaint.status == ComplaintStatus::Submitted.as_str() && complaint.verify_by < now {
                        breaches.push(("verify", complaint.verify_by));
                    }
                    let closed = complaint.status.parse::<ComplaintStatus>().map(|s| s.is_closed()).unwrap_or(true);
                    if !closed && complaint.resolve_by < now {
                        breaches.push(("resolve", complaint.resolve_by));
                    }
                    for (deadline, due_at) in breaches {
                        let breach = Breach { complaint, disposition: None, deadline, due_at };
                        let (level, new) = escalate(conn, calendars, breach, now).await?;
                        recorded += new;
                        highest = highest.max(level);
                    }
                    if i16::from(highest) > complaint.escalation_level {
                        db::deadlines::set_complaint_level(conn, complaint.id, i16::from(highest)).await?;
                    }
                }
                Ok::<_, anyhow::Error>((recorded, due.last().map(|c| c.id).filter(|_| due.len() == BATCH as usize)))
            })
            .await?;
        recorded += count;
        match last {
            Some(last) => after = last,
            None => return Ok(recorded),
        }
    }
}

//! Deadline escalation and auto-close. Each run looks at everything due now, so a missed tick (a restart, a pause)
//! is caught up by the next one. Rows are claimed with `FOR UPDATE SKIP LOCKED`: several instances share the work
//! and never handle a row twice; a level is recorded at most once (a unique index guards it too).

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use serde_json::json;
use uuid::Uuid;

use crate::db;
use crate::db::audit::NewAuditEvent;
use crate::db::complaints::{ComplaintChanges, ComplaintRow};
use crate::db::dispositions::{DispositionChanges, DispositionRow, EscalationRow, NotificationRow};
use crate::db::schema::{complaints, dispositions};
use crate::domain::complaint::{self, ComplaintAction, ComplaintStatus};
use crate::domain::disposition::escalation_level;
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
    let auto_closed = auto_close(&mut conn, now).await?;
    let escalations =
        escalate_dispositions(state, &mut conn, now).await? + escalate_complaints(state, &mut conn, now).await?;
    let report = DeadlineReport { escalations, auto_closed };
    if report != DeadlineReport::default() {
        tracing::info!(escalations = report.escalations, auto_closed = report.auto_closed, "deadline job acted");
    }
    Ok(report)
}

async fn auto_close(conn: &mut AsyncPgConnection, now: DateTime<Utc>) -> anyhow::Result<usize> {
    let mut closed = 0;
    loop {
        let batch = conn
            .transaction(async |conn| {
                let due: Vec<ComplaintRow> = complaints::table
                    .filter(complaints::status.eq(ComplaintStatus::AwaitingReporter.as_str()))
                    .filter(complaints::reporter_reply_by.lt(now))
                    .select(ComplaintRow::as_select())
                    .limit(BATCH)
                    .for_update()
                    .skip_locked()
                    .load(conn)
                    .await?;
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

/// Who hears of an escalation: level 1 the responsible unit's staff (for a complaint-level deadline, the main
/// admin); level 2 also the unit's officials and the Pemda's admins and leaders; level 3 also the Inspektorat.
fn recipients(level: u8, unit_deadline: bool) -> (&'static [&'static str], &'static [&'static str]) {
    let in_unit: &'static [&'static str] = if unit_deadline { &["opd_operator", "opd_official"] } else { &[] };
    let in_pemda: &'static [&'static str] = match level {
        1 => &["admin"],
        2 => &["admin", "leader"],
        _ => &["admin", "leader", "inspector"],
    };
    (in_unit, in_pemda)
}

#[allow(clippy::too_many_arguments)]
async fn record_levels(
    conn: &mut AsyncPgConnection,
    complaint: &ComplaintRow,
    disposition: Option<&DispositionRow>,
    deadline: &str,
    due_at: DateTime<Utc>,
    from_level: u8,
    to_level: u8,
    responsible: Uuid,
    pemda_units: &[Uuid],
    now: DateTime<Utc>,
) -> anyhow::Result<usize> {
    let mut recorded = 0;
    for level in (from_level + 1)..=to_level {
        let row = EscalationRow {
            id: Uuid::now_v7(),
            complaint_id: complaint.id,
            disposition_id: disposition.map(|d| d.id),
            deadline: deadline.into(),
            level: i16::from(level),
            due_at,
            created_at: now,
        };
        if !db::dispositions::insert_escalation(conn, &row).await? {
            continue;
        }
        recorded += 1;
        let message =
            format!("Pengaduan {}: tenggat {} terlewati (eskalasi tingkat {level})", complaint.tracking_code, deadline);
        let mut notifications = Vec::new();
        let (in_unit, in_pemda) = recipients(level, disposition.is_some());
        let mut users = db::dispositions::recipients(conn, &[responsible], in_unit).await?;
        users.extend(db::dispositions::recipients(conn, pemda_units, in_pemda).await?);
        {
            for user_id in users {
                if notifications.iter().any(|n: &NotificationRow| n.user_id == user_id) {
                    continue;
                }
                notifications.push(NotificationRow {
                    id: Uuid::now_v7(),
                    user_id,
                    kind: "escalation".into(),
                    complaint_id: Some(complaint.id),
                    disposition_id: disposition.map(|d| d.id),
                    follow_up_id: None,
                    message: message.clone(),
                    created_at: now,
                    read_at: None,
                });
            }
        }
        db::dispositions::notify(conn, &notifications).await?;
        let details = json!({ "deadline": deadline, "level": level, "disposition_id": disposition.map(|d| d.id), "due_at": due_at });
        db::audit::record(conn, NewAuditEvent::new(None, "complaint", complaint.id, "escalated", details)).await?;
    }
    Ok(recorded)
}

/// Open dispositions past their first-response deadline with no published answer yet.
async fn escalate_dispositions(
    state: &AppState,
    conn: &mut AsyncPgConnection,
    now: DateTime<Utc>,
) -> anyhow::Result<usize> {
    let timezone = state.settings.timezone;
    conn.transaction(async |conn| {
        let due: Vec<(DispositionRow, ComplaintRow)> = dispositions::table
            .inner_join(complaints::table)
            .filter(dispositions::status.eq_any(["sent", "accepted", "delegated"]))
            .filter(dispositions::due_at.lt(now))
            .filter(dispositions::escalation_level.lt(3))
            .filter(complaints::first_response_at.is_null())
            .select((DispositionRow::as_select(), ComplaintRow::as_select()))
            .limit(BATCH)
            .for_update()
            .skip_locked()
            .load(conn)
            .await?;
        let mut recorded = 0;
        for (disposition, complaint) in due {
            let calendar = reference::calendar(
                conn,
                complaint.pemda_id,
                timezone,
                disposition.due_at.with_timezone(&timezone).date_naive(),
            )
            .await?;
            let level = escalation_level(&calendar, disposition.due_at, now);
            let current = u8::try_from(disposition.escalation_level).unwrap_or(0);
            if level <= current {
                continue;
            }
            let pemda_units = db::units::subtree_ids(conn, complaint.pemda_id).await?;
            recorded += record_levels(
                conn,
                &complaint,
                Some(&disposition),
                "first_response",
                disposition.due_at,
                current,
                level,
                disposition.unit_id,
                &pemda_units,
                now,
            )
            .await?;
            let changes = DispositionChanges { escalation_level: Some(i16::from(level)), ..Default::default() };
            db::dispositions::update(conn, disposition.id, &changes, now).await?;
        }
        Ok(recorded)
    })
    .await
}

/// Complaints past their verification deadline (still unverified) or their resolution deadline (still open).
async fn escalate_complaints(
    state: &AppState,
    conn: &mut AsyncPgConnection,
    now: DateTime<Utc>,
) -> anyhow::Result<usize> {
    let timezone = state.settings.timezone;
    conn.transaction(async |conn| {
        let due: Vec<ComplaintRow> = complaints::table
            .filter(complaints::status.ne_all(["archived", "forwarded", "finished", "awaiting_reporter", "postponed"]))
            .filter(complaints::escalation_level.lt(3))
            .filter(
                complaints::status
                    .eq("submitted")
                    .and(complaints::verify_by.lt(now))
                    .or(complaints::resolve_by.lt(now)),
            )
            .select(ComplaintRow::as_select())
            .limit(BATCH)
            .for_update()
            .skip_locked()
            .load(conn)
            .await?;
        let mut recorded = 0;
        for complaint in due {
            let (deadline, due_at) =
                if complaint.status == ComplaintStatus::Submitted.as_str() && complaint.verify_by < now {
                    ("verify", complaint.verify_by)
                } else {
                    ("resolve", complaint.resolve_by)
                };
            let calendar =
                reference::calendar(conn, complaint.pemda_id, timezone, due_at.with_timezone(&timezone).date_naive())
                    .await?;
            let level = escalation_level(&calendar, due_at, now);
            let current = u8::try_from(complaint.escalation_level).unwrap_or(0);
            if level <= current {
                continue;
            }
            let pemda_units = db::units::subtree_ids(conn, complaint.pemda_id).await?;
            recorded += record_levels(
                conn,
                &complaint,
                None,
                deadline,
                due_at,
                current,
                level,
                complaint.pemda_id,
                &pemda_units,
                now,
            )
            .await?;
            let changes = ComplaintChanges { escalation_level: Some(i16::from(level)), ..Default::default() };
            // The complaint's own version is left alone: an escalation is not an edit, and must not make a user's
            // If-Match stale.
            diesel::update(complaints::table.find(complaint.id)).set(&changes).execute(conn).await?;
        }
        Ok(recorded)
    })
    .await
}

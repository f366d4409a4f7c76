//! Complaint exports: one CSV line per complaint with the dates of every step, whether each deadline held, the OPDs
//! and the status; never the text or the reporter. Written page by page into a bounded channel, so an export of any
//! size holds only a page and a few chunks in memory, and a client that reads slowly slows the export, not the
//! service.

use actix_web::web::Bytes;
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use tokio::sync::mpsc::Sender;

use crate::db;
use crate::db::Keyset;
use crate::db::complaints::{ComplaintFilter, ExportRow};
use crate::domain::complaint::ComplaintStatus;
use crate::domain::report::summary::{deadline_met, owes_verification};
use crate::domain::text::csv_field;
use crate::state::AppState;

/// Complaints read per query.
const PAGE: i64 = 2_000;

/// The header line.
pub const HEADER: &str = "tracking_code,received_at,classification,supervision,channel,category,region,status,\
verify_by,verified_at,verified_on_time,first_response_by,first_answered_at,first_response_on_time,resolve_by,\
resolved_at,resolved_on_time,finished_at,closed_reason,archive_reason,reopen_count,escalation_level,units\r\n";

fn instant(at: Option<DateTime<Utc>>, timezone: Tz) -> String {
    at.map(|at| at.with_timezone(&timezone).format("%Y-%m-%dT%H:%M:%S%:z").to_string()).unwrap_or_default()
}

fn met(value: Option<bool>) -> &'static str {
    match value {
        Some(true) => "yes",
        Some(false) => "no",
        None => "",
    }
}

/// One complaint as a CSV line. Deadlines read `yes`, `no`, or empty while still ahead or not owed (as the summary
/// counts them).
pub fn line(row: &ExportRow, timezone: Tz, now: DateTime<Utc>) -> String {
    let verified = row.verified_at.is_some();
    let owes = row.status.parse::<ComplaintStatus>().is_ok_and(|status| owes_verification(status, verified));
    let answer_met = |deadline, done| if verified { met(deadline_met(deadline, done, now)) } else { "" };
    let fields = [
        csv_field(&row.tracking_code),
        instant(Some(row.created_at), timezone),
        row.classification.clone(),
        row.supervision.to_string(),
        row.channel.clone(),
        csv_field(row.category_code.as_deref().unwrap_or_default()),
        csv_field(row.region_code.as_deref().unwrap_or_default()),
        row.status.clone(),
        instant(Some(row.verify_by), timezone),
        instant(row.verified_at, timezone),
        if owes { met(deadline_met(row.verify_by, row.verified_at, now)) } else { "" }.to_owned(),
        instant(Some(row.first_response_by), timezone),
        instant(row.first_response_at, timezone),
        answer_met(row.first_response_by, row.first_response_at).to_owned(),
        instant(Some(row.resolve_by), timezone),
        instant(row.resolved_at, timezone),
        answer_met(row.resolve_by, row.resolved_at).to_owned(),
        instant(row.finished_at, timezone),
        row.closed_reason.clone().unwrap_or_default(),
        row.archive_reason.clone().unwrap_or_default(),
        row.reopen_count.to_string(),
        row.escalation_level.to_string(),
        csv_field(row.units.as_deref().unwrap_or_default()),
    ];
    let mut text = fields.join(",");
    text.push_str("\r\n");
    text
}

/// Writes the export of `filter` into `sink`, a page at a time, until done or until the client goes away. A failure
/// after the first bytes can no longer change the status: it is logged, and the body ends with a stream error, which
/// HTTP clients see as a failed download rather than a complete file.
pub async fn write_csv(state: AppState, filter: ComplaintFilter, sink: Sender<Result<Bytes, std::io::Error>>) {
    let timezone = state.settings.timezone;
    let now = state.clock.now();
    if sink.send(Ok(Bytes::from_static(HEADER.as_bytes()))).await.is_err() {
        return;
    }
    let mut conn = match state.conn().await {
        Ok(conn) => conn,
        Err(err) => {
            tracing::error!(error = %err, "export could not get a database connection");
            let _ = sink.send(Err(std::io::Error::other("the export failed"))).await;
            return;
        }
    };
    let mut after: Option<Keyset> = None;
    loop {
        let rows = match db::complaints::export_page(&mut conn, &filter, after, PAGE).await {
            Ok(rows) => rows,
            Err(err) => {
                tracing::error!(error = %err, "export stopped by a database error");
                let _ = sink.send(Err(std::io::Error::other("the export failed"))).await;
                return;
            }
        };
        let Some(last) = rows.last() else { return };
        after = Some(Keyset { at: last.created_at, id: last.id });
        let mut chunk = String::with_capacity(rows.len() * 320);
        for row in &rows {
            chunk.push_str(&line(row, timezone, now));
        }
        if sink.send(Ok(Bytes::from(chunk))).await.is_err() {
            return;
        }
        if (rows.len() as i64) < PAGE {
            return;
        }
    }
}

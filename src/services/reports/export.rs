//! Complaint exports: one CSV line per complaint with the dates of every step, whether each deadline held, the OPDs
//! and the status; never the text or the reporter. Written page by page into a bounded channel, so an export of any
//! size holds only a page and a few chunks in memory, and a client that reads slowly slows the export, not the
//! service.

use actix_web::web::Bytes;
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use std::path::{Path, PathBuf};

use tokio::io::AsyncWriteExt;
use tokio::sync::mpsc::Sender;

use crate::db;
use crate::db::Keyset;
use crate::db::complaints::{ComplaintFilter, ExportRow};
use crate::domain::complaint::ComplaintStatus;
use crate::domain::report::summary::{deadline_met, owes_verification};
use crate::domain::text::csv_field;
use crate::error::ApiError;
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

/// One complaint's fields, in the order of [`HEADER`]. Deadlines read `yes`, `no`, or empty while still ahead or not
/// owed (as the summary counts them).
pub fn fields(row: &ExportRow, timezone: Tz, now: DateTime<Utc>) -> [String; 23] {
    let verified = row.verified_at.is_some();
    let owes = row.status.parse::<ComplaintStatus>().is_ok_and(|status| owes_verification(status, verified));
    let answer_met = |deadline, done| if verified { met(deadline_met(deadline, done, now)) } else { "" };
    [
        row.tracking_code.clone(),
        instant(Some(row.created_at), timezone),
        row.classification.clone(),
        row.supervision.to_string(),
        row.channel.clone(),
        row.category_code.clone().unwrap_or_default(),
        row.region_code.clone().unwrap_or_default(),
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
        row.units.clone().unwrap_or_default(),
    ]
}

/// One complaint as a CSV line.
pub fn line(row: &ExportRow, timezone: Tz, now: DateTime<Utc>) -> String {
    let mut text = fields(row, timezone, now).iter().map(|field| csv_field(field)).collect::<Vec<_>>().join(",");
    text.push_str("\r\n");
    text
}

/// Writes the export of `filter` into `sink`, a page at a time, until done or until the client goes away, and returns
/// the number of complaints written. A failure after the first bytes can no longer change the status: it is logged,
/// and the body ends with a stream error, which HTTP clients see as a failed download rather than a complete file.
pub async fn write_csv(state: AppState, filter: ComplaintFilter, sink: Sender<Result<Bytes, std::io::Error>>) -> u64 {
    let mut written = 0;
    let timezone = state.settings.timezone;
    let now = state.clock.now();
    if sink.send(Ok(Bytes::from_static(HEADER.as_bytes()))).await.is_err() {
        return written;
    }
    let mut conn = match state.conn().await {
        Ok(conn) => conn,
        Err(err) => {
            tracing::error!(error = %err, "export could not get a database connection");
            let _ = sink.send(Err(std::io::Error::other("the export failed"))).await;
            return written;
        }
    };
    let mut after: Option<Keyset> = None;
    loop {
        let rows = match db::complaints::export_page(&mut conn, &filter, after, PAGE).await {
            Ok(rows) => rows,
            Err(err) => {
                tracing::error!(error = %err, "export stopped by a database error");
                let _ = sink.send(Err(std::io::Error::other("the export failed"))).await;
                return written;
            }
        };
        let Some(last) = rows.last() else { return written };
        after = Some(Keyset { at: last.created_at, id: last.id });
        let mut chunk = String::with_capacity(rows.len() * 320);
        for row in &rows {
            chunk.push_str(&line(row, timezone, now));
        }
        if sink.send(Ok(Bytes::from(chunk))).await.is_err() {
            return written;
        }
        written += rows.len() as u64;
        if (rows.len() as i64) < PAGE {
            return written;
        }
    }
}

/// Rows an Excel sheet holds besides its header.
const XLSX_ROWS: usize = 1_048_575;

/// Writes the export of `filter` as a CSV file at `path` and returns the number of complaints in it.
pub async fn write_csv_file(state: &AppState, filter: ComplaintFilter, path: &Path) -> Result<u64, ApiError> {
    let io = |err: std::io::Error| ApiError::Internal(anyhow::anyhow!("complaint export file: {err}"));
    let (sink, mut chunks) = tokio::sync::mpsc::channel(4);
    let writer = tokio::spawn(write_csv(state.clone(), filter, sink));
    let mut file = tokio::fs::File::create(path).await.map_err(io)?;
    while let Some(chunk) = chunks.recv().await {
        file.write_all(&chunk.map_err(io)?).await.map_err(io)?;
    }
    file.sync_all().await.map_err(io)?;
    writer.await.map_err(|err| ApiError::Internal(err.into()))
}

/// Writes the export of `filter` as an `.xlsx` file in the data folder and returns its path and the number of
/// complaints in it. The sheet streams its rows to a temporary file as they are written (rust_xlsxwriter's
/// constant-memory mode), so memory stays flat; more complaints than a sheet holds is 422 (the CSV export has no such
/// limit).
pub async fn write_xlsx(state: &AppState, filter: &ComplaintFilter) -> Result<(PathBuf, u64), ApiError> {
    let xlsx = |err: rust_xlsxwriter::XlsxError| ApiError::Internal(anyhow::anyhow!("complaint workbook: {err}"));
    let timezone = state.settings.timezone;
    let now = state.clock.now();
    let dir = state.settings.data_dir.join("exports");
    tokio::fs::create_dir_all(&dir).await.map_err(|err| ApiError::Internal(err.into()))?;
    let mut workbook = rust_xlsxwriter::Workbook::new();
    workbook.set_tempdir(&dir).map_err(xlsx)?;
    let sheet = workbook.add_worksheet_with_constant_memory().map_err(xlsx)?;
    sheet.set_name("Pengaduan").map_err(xlsx)?;
    for (column, name) in HEADER.trim_end().split(',').enumerate() {
        sheet.write(0, column as u16, name).map_err(xlsx)?;
    }
    let mut conn = state.conn().await?;
    let (mut after, mut written) = (None, 0usize);
    loop {
        let rows = db::complaints::export_page(&mut conn, filter, after, PAGE).await?;
        let Some(last) = rows.last() else { break };
        after = Some(Keyset { at: last.created_at, id: last.id });
        if written + rows.len() > XLSX_ROWS {
            return Err(ApiError::invalid_field(
                "format",
                "too_many_rows",
                "more complaints than an Excel sheet holds: narrow the filters or export CSV",
            ));
        }
        for row in &rows {
            written += 1;
            let sheet_row = written as u32;
            for (column, field) in fields(row, timezone, now).iter().enumerate() {
                // Counts stay numbers; every other field is text, as in the CSV.
                match (column, field.parse::<f64>()) {
                    (20 | 21, Ok(number)) => sheet.write(sheet_row, column as u16, number),
                    _ => sheet.write(sheet_row, column as u16, field.as_str()),
                }
                .map_err(xlsx)?;
            }
        }
        if (rows.len() as i64) < PAGE {
            break;
        }
    }
    drop(conn);
    let path = dir.join(format!("pengaduan-{}.xlsx", uuid::Uuid::now_v7()));
    let target = path.clone();
    tokio::task::spawn_blocking(move || workbook.save(&target))
        .await
        .map_err(|err| ApiError::Internal(err.into()))?
        .map_err(xlsx)?;
    Ok((path, written as u64))
}

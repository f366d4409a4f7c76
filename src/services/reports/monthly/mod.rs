//! The monthly report (laporan bulanan) for the Bupati and KemenPANRB: the month's key figures, its trend, per OPD
//! and per category, every OPD's figures, and the overdue list. Gathered once here, written as an Excel workbook
//! ([`workbook`]) or a printable PDF ([`document`]). Its numbers are those of `/reports/summary`, `/reports/units`,
//! `/reports/categories` and `/reports/trend` for the same month, computed by the same functions.

mod document;
mod workbook;

pub use document::document;
pub use workbook::workbook;

use chrono::{DateTime, Utc};

use super::figures::{self, CategoryRow, UnitReportRow};
use super::{PemdaRef, ReportRequest, calendar_for};
use crate::auth::AuthUser;
use crate::db;
use crate::domain::report::backlog::Backlog;
use crate::domain::report::period::Period;
use crate::domain::report::summary::Summary;
use crate::domain::report::trend::{Interval, TrendPoint};
use crate::domain::role::Role;
use crate::error::ApiError;
use crate::state::AppState;

/// The overdue list holds at most this many items (the longest overdue first).
const OVERDUE_LIMIT: i64 = 5_000;

/// One line of the overdue list.
#[derive(Debug, Clone)]
pub struct OverdueItem {
    /// The tracking code (withheld for supervision complaints).
    pub tracking_code: String,
    /// The title (withheld for supervision and confidential complaints).
    pub title: String,
    /// Who holds it.
    pub holder: String,
    /// Working days past its deadline.
    pub days_late: u32,
}

/// Everything the monthly report shows.
#[derive(Debug, Clone)]
pub struct Monthly {
    /// The Pemda.
    pub pemda: PemdaRef,
    /// The month.
    pub period: Period,
    /// When it was computed.
    pub generated_at: DateTime<Utc>,
    /// The month's figures.
    pub summary: Summary,
    /// Open complaints at `generated_at`.
    pub backlog: Backlog,
    /// One point per day.
    pub trend: Vec<TrendPoint>,
    /// One row per OPD.
    pub units: Vec<UnitReportRow>,
    /// One row per category.
    pub categories: Vec<CategoryRow>,
    /// What is overdue at `generated_at`.
    pub overdue: Vec<OverdueItem>,
}

/// The monthly report of the caller's Pemda (super admins: any Pemda). Admins, leaders and inspectors only: it lists
/// overdue complaints by tracking code and title, which OPD staff and a province do not see.
pub async fn monthly(
    state: &AppState,
    caller: &AuthUser,
    pemda_id: Option<uuid::Uuid>,
    month: &str,
) -> Result<Monthly, ApiError> {
    if !matches!(caller.role, Role::SuperAdmin | Role::Admin | Role::Leader | Role::Inspector) {
        return Err(ApiError::forbidden("the monthly report is for admins, leaders and inspectors"));
    }
    if caller.role != Role::SuperAdmin && pemda_id.is_some_and(|id| Some(id) != caller.pemda_id.map(|p| p.0)) {
        return Err(ApiError::forbidden("the monthly report of another Pemda is not yours to read"));
    }
    let request = ReportRequest { pemda_id, month: Some(month.to_owned()), ..Default::default() };
    let (prepared, summary, backlog) = figures::summary(state, caller, &request).await?;
    let (_, trend) = figures::trend(state, caller, &request, Interval::Day).await?;
    let (_, units) = figures::units(state, caller, &request).await?;
    let (_, categories) = figures::categories(state, caller, &request).await?;

    let mut conn = state.conn().await?;
    let rows = db::reports::overdue(&mut conn, prepared.pemda.id, prepared.now, OVERDUE_LIMIT).await?;
    let earliest = rows.iter().map(|row| row.due_at).min().unwrap_or(prepared.now);
    let calendar = calendar_for(state, &mut conn, prepared.pemda.id, earliest, prepared.now).await?;
    let overdue = rows
        .into_iter()
        .map(|row| OverdueItem {
            // Leaders learn that a supervision complaint is late, never which (as escalations tell them).
            tracking_code: if row.supervision { "—".into() } else { row.tracking_code },
            title: match (row.supervision, row.confidential) {
                (true, _) => "Pengaduan berkadar pengawasan (ditangani Inspektorat)".into(),
                (false, true) => "(rahasia)".into(),
                (false, false) => row.title,
            },
            holder: row.unit_name.unwrap_or_else(|| "Admin utama (verifikasi)".into()),
            days_late: calendar.working_days_between(row.due_at - chrono::Duration::microseconds(1), prepared.now),
        })
        .collect();
    Ok(Monthly {
        pemda: prepared.pemda,
        period: prepared.period,
        generated_at: prepared.now,
        summary,
        backlog,
        trend,
        units,
        categories,
        overdue,
    })
}

/// A key figure's value: a count, or a percentage or a number of working days that may be undefined (nothing to
/// measure).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Figure {
    /// How many.
    Count(u64),
    /// A rate or a duration; `None` when nothing was measured.
    Measure(Option<f64>),
}

impl Monthly {
    /// The key figures, labelled in Indonesian, in the order both formats show them.
    pub fn key_figures(&self) -> [(&'static str, Figure); 16] {
        let s = &self.summary;
        [
            ("Pengaduan diterima", Figure::Count(s.kpis.received)),
            ("Diverifikasi", Figure::Count(s.kpis.verified)),
            ("Dengan jawaban publik (ditindaklanjuti)", Figure::Count(s.kpis.answered)),
            ("Selesai ditindaklanjuti (semua jawaban akhir disetujui)", Figure::Count(s.kpis.resolved)),
            ("Selesai", Figure::Count(s.kpis.finished)),
            ("Persentase tindak lanjut (%)", Figure::Measure(s.kpis.follow_up_rate)),
            ("Verifikasi tepat waktu (%)", Figure::Measure(s.deadlines.verify.percent_met)),
            ("Tanggapan pertama tepat waktu (%)", Figure::Measure(s.deadlines.first_response.percent_met)),
            ("Penyelesaian tepat waktu (%)", Figure::Measure(s.deadlines.resolve.percent_met)),
            ("Median hari kerja sampai selesai ditindaklanjuti", Figure::Measure(s.working_days.to_resolve.median)),
            ("Pelapor puas", Figure::Count(s.reporter.satisfied)),
            ("Pelapor tidak puas", Figure::Count(s.reporter.not_satisfied)),
            ("Dibuka kembali (%)", Figure::Measure(s.reporter.reopen_rate)),
            ("Diarsipkan", Figure::Count(s.closures.archived)),
            ("Tunggakan terbuka saat ini", Figure::Count(self.backlog.open)),
            ("Tunggakan terlambat saat ini", Figure::Count(self.backlog.overdue)),
        ]
    }
}

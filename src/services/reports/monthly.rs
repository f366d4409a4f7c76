//! The monthly report (laporan bulanan) for the Bupati and KemenPANRB, as an Excel workbook: a summary sheet with the
//! key figures and native charts (the month's trend, per OPD, per category), a table of every OPD, and the overdue
//! list. Its numbers are those of `/reports/summary`, `/reports/units`, `/reports/categories` and `/reports/trend`
//! for the same month, computed by the same functions.

use chrono::{DateTime, Utc};
use rust_xlsxwriter::{Chart, ChartType, Format, FormatAlign, Workbook, Worksheet, XlsxError};

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

const SUMMARY: &str = "Ringkasan";
const UNITS: &str = "OPD";
const OVERDUE: &str = "Terlambat";

fn number(value: Option<f64>) -> f64 {
    value.unwrap_or(0.0)
}

/// The workbook of a monthly report.
pub fn workbook(report: &Monthly, timezone: chrono_tz::Tz) -> Result<Vec<u8>, XlsxError> {
    let mut workbook = Workbook::new();
    let title = Format::new().set_bold().set_font_size(14);
    let bold = Format::new().set_bold();
    let header = Format::new().set_bold().set_background_color("#D9E1F2").set_align(FormatAlign::Center);

    let sheet = workbook.add_worksheet().set_name(SUMMARY)?;
    sheet.write_with_format(0, 0, format!("Laporan Bulanan Pengelolaan Pengaduan — {}", report.pemda.name), &title)?;
    sheet.write(1, 0, format!("Periode {} s.d. {}", report.period.from, report.period.to))?;
    sheet.write(
        2,
        0,
        format!("Dibuat {}", report.generated_at.with_timezone(&timezone).format("%Y-%m-%d %H:%M %Z")),
    )?;
    sheet.set_column_width(0, 46)?;
    sheet.set_column_width(1, 14)?;
    let s = &report.summary;
    let figures: [(&str, f64); 16] = [
        ("Pengaduan diterima", s.kpis.received as f64),
        ("Diverifikasi", s.kpis.verified as f64),
        ("Dengan jawaban publik (ditindaklanjuti)", s.kpis.answered as f64),
        ("Selesai ditindaklanjuti (semua jawaban akhir disetujui)", s.kpis.resolved as f64),
        ("Selesai", s.kpis.finished as f64),
        ("Persentase tindak lanjut (%)", number(s.kpis.follow_up_rate)),
        ("Verifikasi tepat waktu (%)", number(s.deadlines.verify.percent_met)),
        ("Tanggapan pertama tepat waktu (%)", number(s.deadlines.first_response.percent_met)),
        ("Penyelesaian tepat waktu (%)", number(s.deadlines.resolve.percent_met)),
        ("Median hari kerja sampai selesai ditindaklanjuti", number(s.working_days.to_resolve.median)),
        ("Pelapor puas", s.reporter.satisfied as f64),
        ("Pelapor tidak puas", s.reporter.not_satisfied as f64),
        ("Dibuka kembali (%)", number(s.reporter.reopen_rate)),
        ("Diarsipkan", s.closures.archived as f64),
        ("Tunggakan terbuka saat ini", report.backlog.open as f64),
        ("Tunggakan terlambat saat ini", report.backlog.overdue as f64),
    ];
    sheet.write_with_format(4, 0, "Indikator", &header)?;
    sheet.write_with_format(4, 1, "Nilai", &header)?;
    for (i, (label, value)) in figures.iter().enumerate() {
        let row = 5 + i as u32;
        sheet.write(row, 0, *label)?;
        sheet.write(row, 1, *value)?;
    }

    // The chart data sits in columns D onwards, each table with its chart beside it.
    let trend_top = 4u32;
    write_header(sheet, trend_top, 3, &["Tanggal", "Diterima", "Diverifikasi", "Selesai ditindaklanjuti"], &header)?;
    for (i, point) in report.trend.iter().enumerate() {
        let row = trend_top + 1 + i as u32;
        sheet.write(row, 3, point.start.to_string())?;
        sheet.write(row, 4, point.received as f64)?;
        sheet.write(row, 5, point.verified as f64)?;
        sheet.write(row, 6, point.resolved as f64)?;
    }
    let trend_last = trend_top + report.trend.len().max(1) as u32;
    let mut trend = Chart::new(ChartType::Line);
    trend.title().set_name("Tren harian");
    for (column, name) in [(4u16, "Diterima"), (5, "Diverifikasi"), (6, "Selesai ditindaklanjuti")] {
        trend.add_series().set_name(name).set_categories((SUMMARY, trend_top + 1, 3, trend_last, 3)).set_values((
            SUMMARY,
            trend_top + 1,
            column,
            trend_last,
            column,
        ));
    }
    sheet.insert_chart(trend_top, 8, &trend)?;

    let units_top = trend_last + 3;
    sheet.write_with_format(units_top - 1, 3, "Per OPD", &bold)?;
    write_header(sheet, units_top, 3, &["OPD", "Disposisi", "Selesai", "Tepat waktu (%)"], &header)?;
    for (i, unit) in report.units.iter().enumerate() {
        let row = units_top + 1 + i as u32;
        sheet.write(row, 3, unit.name.as_str())?;
        sheet.write(row, 4, unit.figures.received as f64)?;
        sheet.write(row, 5, unit.figures.completed as f64)?;
        sheet.write(row, 6, number(unit.figures.on_time_rate))?;
    }
    let units_last = units_top + report.units.len().max(1) as u32;
    let mut per_unit = Chart::new(ChartType::Bar);
    per_unit.title().set_name("Disposisi per OPD");
    for (column, name) in [(4u16, "Disposisi"), (5, "Selesai")] {
        per_unit.add_series().set_name(name).set_categories((SUMMARY, units_top + 1, 3, units_last, 3)).set_values((
            SUMMARY,
            units_top + 1,
            column,
            units_last,
            column,
        ));
    }
    sheet.insert_chart(units_top, 8, &per_unit)?;

    let categories_top = units_last + 3;
    sheet.write_with_format(categories_top - 1, 3, "Per kategori", &bold)?;
    write_header(sheet, categories_top, 3, &["Kategori", "Diterima", "Selesai"], &header)?;
    for (i, category) in report.categories.iter().enumerate() {
        let row = categories_top + 1 + i as u32;
        sheet.write(row, 3, category.name.as_str())?;
        sheet.write(row, 4, category.kpis.received as f64)?;
        sheet.write(row, 5, category.kpis.finished as f64)?;
    }
    let categories_last = categories_top + report.categories.len().max(1) as u32;
    let mut per_category = Chart::new(ChartType::Column);
    per_category.title().set_name("Pengaduan per kategori");
    per_category
        .add_series()
        .set_name("Diterima")
        .set_categories((SUMMARY, categories_top + 1, 3, categories_last, 3))
        .set_values((SUMMARY, categories_top + 1, 4, categories_last, 4));
    sheet.insert_chart(categories_top, 8, &per_category)?;
    sheet.set_column_width(3, 40)?;

    let sheet = workbook.add_worksheet().set_name(UNITS)?;
    let columns = [
        "OPD",
        "Disposisi diterima",
        "Diterima OPD",
        "Dikembalikan",
        "Salah disposisi",
        "Didelegasikan",
        "Selesai",
        "Selesai tepat waktu",
        "Jawaban pertama tepat waktu",
        "Terlambat saat ini",
        "Tindak lanjut (%)",
        "Tepat waktu (%)",
        "Kepuasan (%)",
        "Median hari kerja ke jawaban pertama",
        "Eskalasi 1",
        "Eskalasi 2",
        "Eskalasi 3",
    ];
    write_header(sheet, 0, 0, &columns, &header)?;
    sheet.set_column_width(0, 46)?;
    for (i, unit) in report.units.iter().enumerate() {
        let row = 1 + i as u32;
        let f = &unit.figures;
        sheet.write(row, 0, unit.name.as_str())?;
        let values = [
            f.received as f64,
            f.accepted as f64,
            f.returned as f64,
            f.returned_wrong_disposition as f64,
            f.delegated as f64,
            f.completed as f64,
            f.completed_on_time as f64,
            f.answered_on_time as f64,
            f.overdue as f64,
            number(f.follow_up_rate),
            number(f.on_time_rate),
            number(f.satisfaction_rate),
            number(f.days_to_first_answer.median),
            f.escalations.level_1 as f64,
            f.escalations.level_2 as f64,
            f.escalations.level_3 as f64,
        ];
        for (column, value) in values.iter().enumerate() {
            sheet.write(row, 1 + column as u16, *value)?;
        }
    }

    let sheet = workbook.add_worksheet().set_name(OVERDUE)?;
    write_header(sheet, 0, 0, &["Kode pelacakan", "Judul", "Ditangani", "Hari kerja terlambat"], &header)?;
    sheet.set_column_width(0, 18)?;
    sheet.set_column_width(1, 60)?;
    sheet.set_column_width(2, 46)?;
    for (i, item) in report.overdue.iter().enumerate() {
        let row = 1 + i as u32;
        sheet.write(row, 0, item.tracking_code.as_str())?;
        sheet.write(row, 1, item.title.as_str())?;
        sheet.write(row, 2, item.holder.as_str())?;
        sheet.write(row, 3, f64::from(item.days_late))?;
    }
    workbook.save_to_buffer()
}

fn write_header(
    sheet: &mut Worksheet,
    row: u32,
    first: u16,
    labels: &[&str],
    format: &Format,
) -> Result<(), XlsxError> {
    for (i, label) in labels.iter().enumerate() {
        sheet.write_with_format(row, first + i as u16, *label, format)?;
    }
    Ok(())
}

//! The monthly report as an Excel workbook: a summary sheet with the key figures and native charts (the month's
//! trend, per OPD, per category), a table of every OPD, and the overdue list.

use rust_xlsxwriter::{Chart, ChartType, Format, FormatAlign, Workbook, Worksheet, XlsxError};

use super::{Figure, Monthly};

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
    sheet.write_with_format(4, 0, "Indikator", &header)?;
    sheet.write_with_format(4, 1, "Nilai", &header)?;
    for (i, (label, value)) in report.key_figures().into_iter().enumerate() {
        let row = 5 + i as u32;
        sheet.write(row, 0, label)?;
        match value {
            Figure::Count(count) => sheet.write(row, 1, count as f64)?,
            Figure::Measure(measure) => sheet.write(row, 1, number(measure))?,
        };
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

//! The monthly report as a printable A4 PDF: the key figures, the month's trend, dispositions per OPD and complaints
//! per category as vector charts, a table of every OPD, and the overdue list. No reporter identity.

use super::{Figure, Monthly};
use crate::services::print::{
    self, Align, Column, Flow, Paper, PrintError, Rgb, Series, Weight, bar_chart, bar_chart_height, count, decimal,
    line_chart,
};

/// A bar chart shows at most this many rows (the largest); the tables below show them all.
const CHART_ROWS: usize = 15;

/// The PDF of a monthly report.
pub fn document(report: &Monthly, timezone: chrono_tz::Tz) -> Result<Vec<u8>, PrintError> {
    let title = format!("Laporan Bulanan Pengelolaan Pengaduan — {}", report.pemda.name);
    let month = month_name(report.period.from);
    let generated = report.generated_at.with_timezone(&timezone).format("%Y-%m-%d %H:%M %Z").to_string();
    let mut flow = Flow::new(Paper::A4, format!("{} · {month}", report.pemda.name));

    flow.text("Laporan Bulanan Pengelolaan Pengaduan", 16.0, Weight::Bold, Rgb::INK);
    flow.text(&report.pemda.name, 12.0, Weight::Regular, Rgb::INK);
    let days = format!("{} s.d. {}", report.period.from, report.period.to);
    flow.note(&format!("Periode {month} ({days}) · dibuat {generated} · tanpa identitas pelapor"));
    flow.gap(6.0);

    flow.heading("Ringkasan", 60.0);
    let rows: Vec<Vec<String>> = report
        .key_figures()
        .into_iter()
        .map(|(label, value)| {
            let value = match value {
                Figure::Count(value) => count(value),
                Figure::Measure(value) => decimal(value),
            };
            vec![label.to_owned(), value]
        })
        .collect();
    flow.table(
        &[
            Column { title: "Indikator", share: 0.8, align: Align::Left },
            Column { title: "Nilai", share: 0.2, align: Align::Right },
        ],
        &rows,
    );
    flow.gap(12.0);

    let days: Vec<String> = report.trend.iter().map(|point| point.start.format("%d").to_string()).collect();
    let trend = [
        Series { name: "Diterima", values: report.trend.iter().map(|p| p.received as f64).collect() },
        Series { name: "Diverifikasi", values: report.trend.iter().map(|p| p.verified as f64).collect() },
        Series { name: "Selesai ditindaklanjuti", values: report.trend.iter().map(|p| p.resolved as f64).collect() },
    ];
    flow.block(190.0, |page, area| line_chart(page, area, "Tren harian", &days, &trend));
    flow.gap(12.0);

    let mut units: Vec<_> = report.units.iter().collect();
    units.sort_by(|a, b| b.figures.received.cmp(&a.figures.received).then_with(|| a.name.cmp(&b.name)));
    let shown = &units[..units.len().min(CHART_ROWS)];
    let names: Vec<String> = shown.iter().map(|unit| unit.name.clone()).collect();
    let per_unit = [
        Series { name: "Disposisi", values: shown.iter().map(|u| u.figures.received as f64).collect() },
        Series { name: "Selesai", values: shown.iter().map(|u| u.figures.completed as f64).collect() },
    ];
    flow.block(bar_chart_height(names.len()), |page, area| {
        bar_chart(page, area, "Disposisi per OPD", &names, &per_unit)
    });
    if units.len() > CHART_ROWS {
        flow.note(&format!("{CHART_ROWS} OPD dengan disposisi terbanyak; semua OPD ada di tabel Kinerja OPD."));
    }
    flow.gap(12.0);

    let mut categories: Vec<_> = report.categories.iter().collect();
    categories.sort_by(|a, b| b.kpis.received.cmp(&a.kpis.received).then_with(|| a.name.cmp(&b.name)));
    let shown = &categories[..categories.len().min(CHART_ROWS)];
    let names: Vec<String> = shown.iter().map(|category| category.name.clone()).collect();
    let per_category = [
        Series { name: "Diterima", values: shown.iter().map(|c| c.kpis.received as f64).collect() },
        Series { name: "Selesai", values: shown.iter().map(|c| c.kpis.finished as f64).collect() },
    ];
    flow.block(bar_chart_height(names.len()), |page, area| {
        bar_chart(page, area, "Pengaduan per kategori", &names, &per_category)
    });
    if categories.len() > CHART_ROWS {
        flow.note(&format!("{CHART_ROWS} kategori dengan pengaduan terbanyak."));
    }

    flow.heading("Kinerja OPD", 40.0);
    let rows: Vec<Vec<String>> = report
        .units
        .iter()
        .map(|unit| {
            let f = &unit.figures;
            vec![
                unit.name.clone(),
                count(f.received),
                count(f.completed),
                count(f.completed_on_time),
                count(f.overdue),
                decimal(f.follow_up_rate),
                decimal(f.on_time_rate),
                decimal(f.satisfaction_rate),
                decimal(f.days_to_first_answer.median),
            ]
        })
        .collect();
    flow.table(
        &[
            Column { title: "OPD", share: 0.29, align: Align::Left },
            Column { title: "Disposisi", share: 0.10, align: Align::Right },
            Column { title: "Selesai", share: 0.08, align: Align::Right },
            Column { title: "Tepat", share: 0.07, align: Align::Right },
            Column { title: "Terlambat", share: 0.11, align: Align::Right },
            Column { title: "TL %", share: 0.07, align: Align::Right },
            Column { title: "Tepat %", share: 0.09, align: Align::Right },
            Column { title: "Puas %", share: 0.08, align: Align::Right },
            Column { title: "Median HK", share: 0.11, align: Align::Right },
        ],
        &rows,
    );
    flow.note(
        "Disposisi: diterima dalam periode; Selesai / Tepat: selesai, dan selesai sebelum batas waktu; Terlambat: saat \
         ini; TL %: persentase tindak lanjut; Median HK: median hari kerja sampai jawaban pertama.",
    );

    flow.heading(&format!("Pengaduan terlambat per {generated}"), 40.0);
    if report.overdue.is_empty() {
        flow.paragraph("Tidak ada pengaduan yang melewati batas waktunya.");
    } else {
        let rows: Vec<Vec<String>> = report
            .overdue
            .iter()
            .map(|item| {
                vec![item.tracking_code.clone(), item.title.clone(), item.holder.clone(), count(item.days_late.into())]
            })
            .collect();
        flow.table(
            &[
                Column { title: "Kode", share: 0.17, align: Align::Left },
                Column { title: "Judul", share: 0.39, align: Align::Left },
                Column { title: "Ditangani", share: 0.29, align: Align::Left },
                Column { title: "Terlambat (HK)", share: 0.15, align: Align::Right },
            ],
            &rows,
        );
    }
    print::render(&title, Paper::A4, &flow.finish())
}

/// "November 2026" for the month holding `day`.
fn month_name(day: chrono::NaiveDate) -> String {
    use chrono::Datelike;
    const MONTHS: [&str; 12] = [
        "Januari",
        "Februari",
        "Maret",
        "April",
        "Mei",
        "Juni",
        "Juli",
        "Agustus",
        "September",
        "Oktober",
        "November",
        "Desember",
    ];
    format!("{} {}", MONTHS[day.month0() as usize], day.year())
}

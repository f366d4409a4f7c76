//! The tabular reports as CSV: one header of machine keys, one line per row, numbers as JSON writes them, empty for
//! `null`.

use actix_web::HttpResponse;

use crate::domain::report::backlog::Backlog;
use crate::domain::report::stats::Durations;
use crate::domain::report::summary::Kpis;
use crate::domain::report::trend::TrendPoint;
use crate::domain::text::csv_field;
use crate::services::reports::{BacklogReport, CategoryRow, Prepared, RegionRow, UnitReportRow};

/// A CSV table in the making.
struct Table {
    text: String,
}

impl Table {
    fn new(header: &[&str]) -> Self {
        let mut text = header.join(",");
        text.push_str("\r\n");
        Table { text }
    }

    fn row(&mut self, fields: Vec<String>) {
        self.text.push_str(&fields.iter().map(|f| csv_field(f)).collect::<Vec<_>>().join(","));
        self.text.push_str("\r\n");
    }

    fn respond(self, kind: &str, prepared: &Prepared) -> HttpResponse {
        let name =
            format!("laporan-{kind}-{}-{}-{}.csv", prepared.pemda.code, prepared.period.from, prepared.period.to);
        crate::api::download::attachment(crate::api::download::CSV, &name).body(self.text)
    }
}

fn text<T: ToString>(value: Option<T>) -> String {
    value.map(|v| v.to_string()).unwrap_or_default()
}

const KPI_HEADER: [&str; 10] = [
    "received",
    "verified",
    "answered",
    "resolved",
    "finished",
    "follow_up_rate",
    "days_to_resolve_count",
    "days_to_resolve_mean",
    "days_to_resolve_median",
    "days_to_resolve_p90",
];

fn durations(d: &Durations) -> [String; 4] {
    [d.count.to_string(), text(d.mean), text(d.median), text(d.p90)]
}

fn kpi_fields(k: &Kpis) -> Vec<String> {
    let mut fields = vec![
        k.received.to_string(),
        k.verified.to_string(),
        k.answered.to_string(),
        k.resolved.to_string(),
        k.finished.to_string(),
        text(k.follow_up_rate),
    ];
    fields.extend(durations(&k.days_to_resolve));
    fields
}

/// `/reports/units` as CSV.
pub fn units(prepared: &Prepared, rows: &[UnitReportRow]) -> HttpResponse {
    let mut table = Table::new(&[
        "unit_id",
        "code",
        "name",
        "received",
        "accepted",
        "returned",
        "returned_wrong_disposition",
        "delegated",
        "completed",
        "completed_on_time",
        "answered_on_time",
        "overdue",
        "follow_up_rate",
        "on_time_rate",
        "satisfied",
        "not_satisfied",
        "satisfaction_rate",
        "days_to_first_answer_count",
        "days_to_first_answer_mean",
        "days_to_first_answer_median",
        "days_to_first_answer_p90",
        "escalations_level_1",
        "escalations_level_2",
        "escalations_level_3",
    ]);
    for row in rows {
        let f = &row.figures;
        let mut fields = vec![
            f.unit_id.to_string(),
            row.code.clone(),
            row.name.clone(),
            f.received.to_string(),
            f.accepted.to_string(),
            f.returned.to_string(),
            f.returned_wrong_disposition.to_string(),
            f.delegated.to_string(),
            f.completed.to_string(),
            f.completed_on_time.to_string(),
            f.answered_on_time.to_string(),
            f.overdue.to_string(),
            text(f.follow_up_rate),
            text(f.on_time_rate),
            f.satisfied.to_string(),
            f.not_satisfied.to_string(),
            text(f.satisfaction_rate),
        ];
        fields.extend(durations(&f.days_to_first_answer));
        fields.extend([f.escalations.level_1, f.escalations.level_2, f.escalations.level_3].map(|n| n.to_string()));
        table.row(fields);
    }
    table.respond("opd", prepared)
}

/// `/reports/categories` as CSV.
pub fn categories(prepared: &Prepared, rows: &[CategoryRow]) -> HttpResponse {
    let mut header = vec!["category_id", "code", "name", "parent_id"];
    header.extend(KPI_HEADER);
    let mut table = Table::new(&header);
    for row in rows {
        let mut fields = vec![text(row.category_id), text(row.code.clone()), row.name.clone(), text(row.parent_id)];
        fields.extend(kpi_fields(&row.kpis));
        table.row(fields);
    }
    table.respond("kategori", prepared)
}

/// `/reports/regions` as CSV.
pub fn regions(prepared: &Prepared, rows: &[RegionRow]) -> HttpResponse {
    let mut header = vec!["region_id", "code", "name", "kind", "parent_id"];
    header.extend(KPI_HEADER);
    let mut table = Table::new(&header);
    for row in rows {
        let mut fields = vec![
            text(row.region_id),
            text(row.code.clone()),
            row.name.clone(),
            text(row.kind.clone()),
            text(row.parent_id),
        ];
        fields.extend(kpi_fields(&row.kpis));
        table.row(fields);
    }
    table.respond("wilayah", prepared)
}

/// `/reports/trend` as CSV.
pub fn trend(prepared: &Prepared, points: &[TrendPoint]) -> HttpResponse {
    let mut table = Table::new(&["start", "received", "verified", "first_answered", "resolved"]);
    for p in points {
        table.row(vec![
            p.start.to_string(),
            p.received.to_string(),
            p.verified.to_string(),
            p.first_answered.to_string(),
            p.resolved.to_string(),
        ]);
    }
    table.respond("tren", prepared)
}

/// `/reports/backlog` as CSV: the complaints first (no unit), then one line per OPD.
pub fn backlog(prepared: &Prepared, report: &BacklogReport) -> HttpResponse {
    let mut table =
        Table::new(&["unit_id", "code", "name", "open", "overdue", "age_0_5", "age_6_14", "age_15_60", "age_over_60"]);
    let fields = |b: &Backlog| {
        [b.open, b.overdue, b.by_age.days_0_5, b.by_age.days_6_14, b.by_age.days_15_60, b.by_age.over_60]
            .map(|n| n.to_string())
    };
    let mut first = vec![String::new(), String::new(), "Seluruh pengaduan".to_owned()];
    first.extend(fields(&report.complaints));
    table.row(first);
    for row in &report.units {
        let mut line = vec![row.unit_id.to_string(), row.code.clone(), row.name.clone()];
        line.extend(fields(&row.backlog));
        table.row(line);
    }
    table.respond("tunggakan", prepared)
}

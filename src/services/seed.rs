//! Demo data for a first installation: Provinsi Kalimantan Barat with three of its kabupaten (Sekadau, Sanggau,
//! Sintang), each provisioned as any Pemda is created (national deadline policies, holidays and categories, see
//! [`super::pemda`]), plus what is Sekadau's own: its units, its kecamatan and its 2021-2024 Rencana Aksi period.
//! Only Sekadau gets demo data; the province and the other two are there to be ranked and administered. Idempotent:
//! running it again creates only what is missing and never overwrites what admins have edited since (an older Sekadau
//! standing alone at the top is placed under the province).

use std::collections::BTreeMap;

use chrono::NaiveDate;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use serde_json::Value;

use crate::db;
use crate::db::reference::RegionRow;
use crate::db::schema::{regions, units};
use crate::db::units::NewUnitRow;
use crate::domain::action_plan::{Column, ColumnType, Matrix, Repeat};
use crate::domain::ids::UnitId;
use crate::domain::unit::UnitKind;
use crate::error::ApiError;

/// The code of Sekadau's Inspektorat, which receives supervision complaints.
const INSPECTORATE: &str = "SKD-INSPEKTORAT";

/// Sekadau's kecamatan: code, name.
const KECAMATAN: [(&str, &str); 7] = [
    ("sekadau-hilir", "Sekadau Hilir"),
    ("sekadau-hulu", "Sekadau Hulu"),
    ("nanga-mahap", "Nanga Mahap"),
    ("nanga-taman", "Nanga Taman"),
    ("belitang-hilir", "Belitang Hilir"),
    ("belitang", "Belitang"),
    ("belitang-hulu", "Belitang Hulu"),
];

/// One unit of the seed: code, kind, full name, short name.
type SeedUnit = (&'static str, UnitKind, &'static str, &'static str);

/// The province at the top of the seed.
const PROVINCE: SeedUnit =
    ("KALBAR", UnitKind::Province, "Pemerintah Provinsi Kalimantan Barat", "Provinsi Kalimantan Barat");

/// The Pemda the demo data belongs to.
const PEMDA: SeedUnit = ("SKD", UnitKind::Regency, "Pemerintah Kabupaten Sekadau", "Kabupaten Sekadau");

/// Two more kabupaten of the province, without demo data of their own.
const NEIGHBOURS: [SeedUnit; 2] = [
    ("SAG", UnitKind::Regency, "Pemerintah Kabupaten Sanggau", "Kabupaten Sanggau"),
    ("STG", UnitKind::Regency, "Pemerintah Kabupaten Sintang", "Kabupaten Sintang"),
];

/// Sekadau's complaint-handling units (Diskominfo as admin utama, the Inspektorat, the Rencana Aksi team's two
/// Setda sections) and the eight OPDs targeted by the action plan.
const OPDS: [SeedUnit; 12] = [
    ("SKD-DISKOMINFO", UnitKind::Opd, "Dinas Komunikasi dan Informatika", "Diskominfo"),
    ("SKD-INSPEKTORAT", UnitKind::Opd, "Inspektorat Daerah", "Inspektorat"),
    ("SKD-BAGORG", UnitKind::Opd, "Bagian Organisasi Sekretariat Daerah", "Bagian Organisasi"),
    ("SKD-BAGHUKUM", UnitKind::Opd, "Bagian Hukum dan HAM Sekretariat Daerah", "Bagian Hukum dan HAM"),
    ("SKD-DPMPTSP", UnitKind::Opd, "Dinas Penanaman Modal dan Pelayanan Terpadu Satu Pintu", "DPMPTSP"),
    ("SKD-DPMD", UnitKind::Opd, "Dinas Pemberdayaan Masyarakat dan Desa", "DPMD"),
    ("SKD-PUPR", UnitKind::Opd, "Dinas Pekerjaan Umum dan Penataan Ruang", "Dinas PUPR"),
    ("SKD-DIKBUD", UnitKind::Opd, "Dinas Pendidikan dan Kebudayaan", "Disdikbud"),
    ("SKD-BPBD", UnitKind::Opd, "Badan Penanggulangan Bencana Daerah", "BPBD"),
    ("SKD-DINKES", UnitKind::Opd, "Dinas Kesehatan, Pengendalian Penduduk dan Keluarga Berencana", "Dinkes PP dan KB"),
    ("SKD-DUKCAPIL", UnitKind::Opd, "Dinas Kependudukan dan Pencatatan Sipil", "Disdukcapil"),
    ("SKD-BPRPD", UnitKind::Opd, "Badan Pengelola Retribusi dan Pajak Daerah", "BPRPD"),
];

/// What a seed run created (all zero when everything was there already).
#[derive(Debug, Default, PartialEq, Eq)]
pub struct SeedReport {
    /// Units created.
    pub units_created: usize,
    /// Categories created.
    pub categories_created: usize,
    /// Regions created.
    pub regions_created: usize,
    /// Holidays created.
    pub holidays_created: usize,
    /// Deadline-policy versions created.
    pub policies_created: usize,
    /// Rencana Aksi periods created.
    pub action_plan_periods_created: usize,
}

/// Creates the reference data that is missing.
pub async fn seed(conn: &mut AsyncPgConnection) -> Result<SeedReport, ApiError> {
    conn.transaction(async |conn| {
        let mut report = SeedReport::default();
        let province_id = ensure_unit(conn, PROVINCE, None, &mut report).await?;
        let pemda_id = ensure_unit(conn, PEMDA, Some(province_id), &mut report).await?;
        // A Sekadau seeded before the province existed moves under it; one an admin placed elsewhere stays.
        db::units::adopt_if_top(conn, pemda_id, province_id).await?;
        for unit in OPDS {
            ensure_unit(conn, unit, Some(pemda_id), &mut report).await?;
        }
        let mut pemdas = vec![province_id, pemda_id];
        for neighbour in NEIGHBOURS {
            pemdas.push(ensure_unit(conn, neighbour, Some(province_id), &mut report).await?);
        }
        for pemda in pemdas {
            let provisioned = super::pemda::provision(conn, pemda).await?;
            report.categories_created += provisioned.categories;
            report.holidays_created += provisioned.holidays;
            report.policies_created += provisioned.policies;
        }
        seed_regions(conn, pemda_id, &mut report).await?;
        seed_action_plan_period(conn, pemda_id, &mut report).await?;
        Ok(report)
    })
    .await
}

async fn ensure_unit(
    conn: &mut AsyncPgConnection,
    (code, kind, name, short_name): SeedUnit,
    parent_id: Option<uuid::Uuid>,
    report: &mut SeedReport,
) -> Result<uuid::Uuid, ApiError> {
    let inserted = diesel::insert_into(units::table)
        .values(&NewUnitRow {
            id: UnitId::new().0,
            kind: kind.as_str(),
            code,
            name,
            short_name: Some(short_name),
            parent_id,
            active: true,
            inspectorate: code == INSPECTORATE,
        })
        .on_conflict(units::code)
        .do_nothing()
        .execute(conn)
        .await?;
    report.units_created += inserted;
    let row = db::units::find_by_code(conn, code).await?.ok_or_else(|| ApiError::not_found(format!("unit {code}")))?;
    Ok(row.id)
}

async fn seed_regions(
    conn: &mut AsyncPgConnection,
    pemda_id: uuid::Uuid,
    report: &mut SeedReport,
) -> Result<(), ApiError> {
    for (code, name) in KECAMATAN {
        let row = RegionRow {
            id: uuid::Uuid::now_v7(),
            pemda_id,
            kind: "kecamatan".into(),
            code: code.into(),
            name: name.into(),
            parent_id: None,
            active: true,
            created_at: chrono::Utc::now(),
        };
        report.regions_created +=
            diesel::insert_into(regions::table).values(&row).on_conflict_do_nothing().execute(conn).await?;
    }
    Ok(())
}

/// The units that fill in the 2021-2024 Rencana Aksi (the eight OPDs of the domain reference) and those that review it.
const ACTION_PLAN_TARGETS: [&str; 8] =
    ["SKD-DPMPTSP", "SKD-DPMD", "SKD-PUPR", "SKD-DIKBUD", "SKD-BPBD", "SKD-DINKES", "SKD-DUKCAPIL", "SKD-BPRPD"];
const ACTION_PLAN_REVIEWERS: [&str; 4] = ["SKD-DISKOMINFO", "SKD-INSPEKTORAT", "SKD-BAGORG", "SKD-BAGHUKUM"];

async fn seed_action_plan_period(
    conn: &mut AsyncPgConnection,
    pemda_id: uuid::Uuid,
    report: &mut SeedReport,
) -> Result<(), ApiError> {
    if !db::action_plans::periods(conn, Some(&[pemda_id])).await?.is_empty() {
        return Ok(());
    }
    let mut resolve = Vec::new();
    for list in [&ACTION_PLAN_TARGETS[..], &ACTION_PLAN_REVIEWERS[..]] {
        let mut found = Vec::new();
        for code in list {
            let unit = db::units::find_by_code(conn, code)
                .await?
                .ok_or_else(|| ApiError::not_found(format!("unit {code}")))?;
            found.push(unit.id);
        }
        resolve.push(found);
    }
    let now = chrono::Utc::now();
    let row = db::action_plans::PeriodRow {
        id: uuid::Uuid::now_v7(),
        pemda_id,
        name: "Rencana Aksi Pengelolaan Pengaduan Pelayanan Publik 2021-2024".into(),
        first_year: 2021,
        last_year: 2024,
        legal_basis: Some("Permen PANRB 46/2020 tentang Road Map SP4N 2020-2024; Perpres 76/2013".into()),
        submission_deadline: NaiveDate::from_ymd_opt(2021, 6, 30),
        matrix: serde_json::to_value(sekadau_matrix()).map_err(anyhow::Error::new)?,
        version: 1,
        created_at: now,
        updated_at: now,
    };
    db::action_plans::insert_period(conn, &row, &resolve[0], &resolve[1]).await?;
    report.action_plan_periods_created += 1;
    Ok(())
}

/// The codes of the units the seed provides, Pemda first.
pub fn unit_codes() -> Vec<&'static str> {
    std::iter::once(PEMDA.0).chain(OPDS.iter().map(|unit| unit.0)).collect()
}

/// The matrix of Sekadau's 2021-2024 plan: the columns a Rencana Aksi row usually holds (domain reference), and the
/// five strategic focuses as template rows.
pub fn sekadau_matrix() -> Matrix {
    let column = |key: &str, label: &str, kind, required, repeat| Column {
        key: key.into(),
        label: label.into(),
        kind,
        required,
        repeat,
    };
    use ColumnType::*;
    let columns = vec![
        column("strategic_focus", "Fokus Strategis", Text, true, Repeat::None),
        column("action", "Aksi / Kegiatan", Text, true, Repeat::None),
        column("indicator", "Indikator", Text, true, Repeat::None),
        column("unit", "Satuan", Text, true, Repeat::None),
        column("target", "Target", Integer, true, Repeat::PerYear),
        column("output", "Output", Text, true, Repeat::None),
        column("schedule", "Jadwal (Triwulan)", QuarterSet, true, Repeat::None),
        column("person_in_charge", "Penanggung Jawab", Text, true, Repeat::None),
        column("related_parties", "Pihak Terkait", Text, false, Repeat::None),
        column("budget", "Anggaran (Rp)", Rupiah, false, Repeat::PerYear),
        column("funding_source", "Sumber Dana", Text, false, Repeat::None),
        column("evidence", "Bukti Dukung", UrlList, false, Repeat::None),
        column("obstacles", "Kendala", Text, false, Repeat::None),
        column("remarks", "Keterangan", Text, false, Repeat::None),
    ];
    let template = |focus: &str, action: &str, indicator: &str| {
        BTreeMap::from([
            ("strategic_focus".to_owned(), Value::from(focus)),
            ("action".to_owned(), Value::from(action)),
            ("indicator".to_owned(), Value::from(indicator)),
        ])
    };
    Matrix {
        columns,
        template_rows: vec![
            template("Kebijakan", "Menetapkan SOP pengelolaan pengaduan di OPD", "SOP ditetapkan"),
            template("Kelembagaan/SDM", "Menunjuk admin dan pejabat penghubung", "SK penunjukan terbit"),
            template("Sosialisasi", "Sosialisasi kanal pengaduan kepada masyarakat", "Jumlah kegiatan sosialisasi"),
            template(
                "Tindak Lanjut",
                "Menindaklanjuti pengaduan tepat waktu",
                "Persentase pengaduan selesai tepat waktu",
            ),
            template(
                "Pemanfaatan Data",
                "Menganalisis data pengaduan untuk perbaikan layanan",
                "Laporan analisis per triwulan",
            ),
        ],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_seeded_matrix_is_valid_and_its_template_rows_fit() {
        let matrix = sekadau_matrix();
        assert!(matrix.check(2021, 2024).is_ok());
        assert_eq!(matrix.template_rows.len(), 5);
    }
}

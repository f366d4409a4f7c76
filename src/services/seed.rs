//! Reference data for a first installation: Kabupaten Sekadau, its units, complaint categories, kecamatan, the national
//! holidays and cuti bersama of 2024-2027, and the default deadline policies. Idempotent: running it again creates only
//! what is missing and never overwrites what admins have edited since.

use chrono::NaiveDate;
use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};

use crate::db;
use crate::db::reference::{CategoryRow, HolidayRow, RegionRow};
use crate::db::schema::{categories, deadline_policies, regions, units};
use crate::db::units::NewUnitRow;
use crate::domain::complaint::Classification;
use crate::domain::deadlines::DeadlinePolicy;
use crate::domain::ids::UnitId;
use crate::domain::unit::UnitKind;
use crate::error::ApiError;
use crate::services::reference::{NewPolicy, policy_row};

/// National holidays and cuti bersama from the joint ministerial decrees (date, kind, name, source).
const HOLIDAYS_CSV: &str = include_str!("../../seed/holidays-id.csv");

/// The code of Sekadau's Inspektorat, which receives supervision complaints.
const INSPECTORATE: &str = "SKD-INSPEKTORAT";

/// Common complaint topics: code, name, parent code.
const CATEGORIES: [(&str, &str, Option<&str>); 12] = [
    ("kesehatan", "Kesehatan", None),
    ("pendidikan", "Pendidikan", None),
    ("adminduk", "Administrasi Kependudukan", None),
    ("perizinan", "Perizinan", None),
    ("infrastruktur", "Infrastruktur", None),
    ("jalan", "Jalan dan Jembatan", Some("infrastruktur")),
    ("lingkungan-hidup", "Lingkungan Hidup", None),
    ("bencana", "Kebencanaan", None),
    ("pajak-retribusi", "Pajak dan Retribusi Daerah", None),
    ("desa", "Pemerintahan Desa", None),
    ("kepegawaian", "Kepegawaian", None),
    ("lainnya", "Lainnya", None),
];

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

/// Where the default deadlines come from.
const DEFAULT_REGULATION: &str = "Verifikasi 3 HK dan tindak lanjut pertama 5 HK: praktik SP4N-LAPOR! (KemenPANRB); \
     penyelesaian 5/14/60 HK dan jendela tanggapan pelapor 10 HK: Permen PANRB 62/2018 bab VI dan praktik SP4N-LAPOR!";

/// One unit of the seed: code, kind, full name, short name.
type SeedUnit = (&'static str, UnitKind, &'static str, &'static str);

/// The Pemda at the top of the seed.
const PEMDA: SeedUnit = ("SKD", UnitKind::Regency, "Pemerintah Kabupaten Sekadau", "Kabupaten Sekadau");

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
        let pemda_id = ensure_unit(conn, PEMDA, None, &mut report).await?;
        for unit in OPDS {
            ensure_unit(conn, unit, Some(pemda_id), &mut report).await?;
        }
        seed_categories(conn, pemda_id, &mut report).await?;
        seed_regions(conn, pemda_id, &mut report).await?;
        seed_holidays(conn, pemda_id, &mut report).await?;
        seed_policies(conn, pemda_id, &mut report).await?;
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

async fn seed_categories(
    conn: &mut AsyncPgConnection,
    pemda_id: uuid::Uuid,
    report: &mut SeedReport,
) -> Result<(), ApiError> {
    for (code, name, parent) in CATEGORIES {
        let parent_id = match parent {
            Some(parent) => categories::table
                .filter(categories::pemda_id.eq(pemda_id))
                .filter(categories::code.eq(parent))
                .select(categories::id)
                .first::<uuid::Uuid>(conn)
                .await
                .optional()?,
            None => None,
        };
        let row = CategoryRow {
            id: uuid::Uuid::now_v7(),
            pemda_id,
            code: code.into(),
            name: name.into(),
            parent_id,
            active: true,
            created_at: chrono::Utc::now(),
        };
        report.categories_created +=
            diesel::insert_into(categories::table).values(&row).on_conflict_do_nothing().execute(conn).await?;
    }
    Ok(())
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

/// Seeds the bundled holidays of each year the Pemda has no holidays for yet, so that dates an admin removed do not
/// come back on the next run.
async fn seed_holidays(
    conn: &mut AsyncPgConnection,
    pemda_id: uuid::Uuid,
    report: &mut SeedReport,
) -> Result<(), ApiError> {
    let holidays = national_holidays(pemda_id)?;
    let mut years: Vec<i32> = holidays.iter().map(|h| chrono::Datelike::year(&h.date)).collect();
    years.sort_unstable();
    years.dedup();
    for year in years {
        let (Some(from), Some(to)) = (NaiveDate::from_ymd_opt(year, 1, 1), NaiveDate::from_ymd_opt(year, 12, 31))
        else {
            continue;
        };
        if !db::reference::holiday_dates(conn, pemda_id, from, to).await?.is_empty() {
            continue;
        }
        for holiday in holidays.iter().filter(|h| chrono::Datelike::year(&h.date) == year) {
            if db::reference::insert_holiday(conn, holiday).await? {
                report.holidays_created += 1;
            }
        }
    }
    Ok(())
}

async fn seed_policies(
    conn: &mut AsyncPgConnection,
    pemda_id: uuid::Uuid,
    report: &mut SeedReport,
) -> Result<(), ApiError> {
    let kinds = [
        (Classification::Pengaduan, false),
        (Classification::Pengaduan, true),
        (Classification::Aspirasi, false),
        (Classification::PermintaanInformasi, false),
    ];
    for (classification, supervision) in kinds {
        let exists: bool = diesel::select(diesel::dsl::exists(
            deadline_policies::table
                .filter(deadline_policies::pemda_id.eq(pemda_id))
                .filter(deadline_policies::classification.eq(classification.as_str()))
                .filter(deadline_policies::supervision.eq(supervision)),
        ))
        .get_result(conn)
        .await?;
        if exists {
            continue;
        }
        let new = NewPolicy {
            classification,
            supervision,
            policy: DeadlinePolicy::default_for(classification, supervision),
            regulation: DEFAULT_REGULATION.into(),
            valid_from: NaiveDate::from_ymd_opt(2024, 1, 1).unwrap_or_default(),
            valid_to: None,
        };
        db::reference::insert_policy(conn, &policy_row(UnitId(pemda_id), &new, None)).await?;
        report.policies_created += 1;
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
        matrix: serde_json::to_value(crate::domain::action_plan::sekadau_matrix()).map_err(anyhow::Error::new)?,
        version: 1,
        created_at: now,
        updated_at: now,
    };
    db::action_plans::insert_period(conn, &row, &resolve[0], &resolve[1]).await?;
    report.action_plan_periods_created += 1;
    Ok(())
}

/// The bundled national holidays and cuti bersama, as rows of `pemda_id`'s calendar.
pub fn national_holidays(pemda_id: uuid::Uuid) -> Result<Vec<HolidayRow>, ApiError> {
    HOLIDAYS_CSV
        .lines()
        .skip(1)
        .filter(|line| !line.trim().is_empty())
        .map(|line| {
            let mut fields = line.splitn(4, ',');
            let (Some(date), Some(kind), Some(name), source) =
                (fields.next(), fields.next(), fields.next(), fields.next())
            else {
                return Err(ApiError::Internal(anyhow::anyhow!("malformed holiday line {line:?}")));
            };
            Ok(HolidayRow {
                pemda_id,
                date: date
                    .parse()
                    .map_err(|err| ApiError::Internal(anyhow::anyhow!("holiday date {date:?}: {err}")))?,
                kind: kind.to_owned(),
                name: name.to_owned(),
                source: source.map(str::to_owned),
                created_at: chrono::Utc::now(),
            })
        })
        .collect()
}

/// The codes of the units the seed provides, Pemda first.
pub fn unit_codes() -> Vec<&'static str> {
    std::iter::once(PEMDA.0).chain(OPDS.iter().map(|unit| unit.0)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bundled_holidays_parse_and_cover_2024_to_2027() {
        let holidays = national_holidays(uuid::Uuid::nil()).unwrap();
        assert!(holidays.len() > 100);
        assert!(holidays.iter().all(|h| matches!(h.kind.as_str(), "national" | "cuti_bersama")));
        let years: std::collections::BTreeSet<i32> = holidays.iter().map(|h| chrono::Datelike::year(&h.date)).collect();
        assert_eq!(years.into_iter().collect::<Vec<_>>(), [2024, 2025, 2026, 2027]);
        assert!(holidays.iter().any(|h| h.date == NaiveDate::from_ymd_opt(2026, 3, 21).unwrap()));
    }
}

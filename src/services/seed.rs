//! Reference data for a first installation: Kabupaten Sekadau and its units. Idempotent: running it again creates only
//! what is missing and never overwrites what admins have edited since.

use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};

use crate::db;
use crate::db::schema::units;
use crate::db::units::NewUnitRow;
use crate::domain::ids::UnitId;
use crate::domain::unit::UnitKind;
use crate::error::ApiError;

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

/// What a seed run created.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct SeedReport {
    /// Units created by this run (0 when everything was there already).
    pub units_created: usize,
}

/// Creates the reference data that is missing.
pub async fn seed(conn: &mut AsyncPgConnection) -> Result<SeedReport, ApiError> {
    conn.transaction(async |conn| {
        let mut report = SeedReport::default();
        let pemda_id = ensure_unit(conn, PEMDA, None, &mut report).await?;
        for unit in OPDS {
            ensure_unit(conn, unit, Some(pemda_id), &mut report).await?;
        }
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
        })
        .on_conflict(units::code)
        .do_nothing()
        .execute(conn)
        .await?;
    report.units_created += inserted;
    let row = db::units::find_by_code(conn, code).await?.ok_or_else(|| ApiError::not_found(format!("unit {code}")))?;
    Ok(row.id)
}

/// The codes of the units the seed provides, Pemda first.
pub fn unit_codes() -> Vec<&'static str> {
    std::iter::once(PEMDA.0).chain(OPDS.iter().map(|unit| unit.0)).collect()
}

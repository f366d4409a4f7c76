//! Making a Pemda ready to take complaints the moment it exists, whoever creates it (the units API or
//! `pengaduan pemda create`): the national deadline policies, the bundled national holidays and cuti bersama, and a
//! default category tree, in the transaction that creates it. Also the yearly chore of importing the next decree, and
//! telling when a calendar runs short.

use chrono::{Datelike, NaiveDate};
use diesel_async::{AsyncConnection, AsyncPgConnection};
use uuid::Uuid;

use crate::db;
use crate::db::reference::{CategoryRow, HolidayRow};
use crate::db::units::UnitRow;
use crate::domain::complaint::Classification;
use crate::domain::deadlines::DeadlinePolicy;
use crate::domain::holidays::{self, DecreedHoliday};
use crate::domain::ids::UnitId;
use crate::domain::unit::NewUnit;
use crate::error::{ApiError, FieldError};
use crate::services::reference::{NewPolicy, policy_row};

/// National holidays and cuti bersama of 2024-2027 from the joint ministerial decrees.
const BUNDLED_HOLIDAYS: &str = include_str!("../../seed/holidays-id.csv");

/// Where the default deadlines come from.
const DEFAULT_REGULATION: &str = "Verifikasi 3 HK dan tindak lanjut pertama 5 HK: praktik SP4N-LAPOR! (KemenPANRB); \
     penyelesaian 5/14/60 HK dan jendela tanggapan pelapor 10 HK: Permen PANRB 62/2018 bab VI dan praktik SP4N-LAPOR!";

/// The default category tree, the topics most reports are about: code, name, parent code.
pub const DEFAULT_CATEGORIES: [(&str, &str, Option<&str>); 12] = [
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

/// What provisioning added (all zero when the Pemda had everything).
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Provisioned {
    /// Deadline-policy versions created.
    pub policies: usize,
    /// Holidays added to the calendar.
    pub holidays: usize,
    /// Categories created.
    pub categories: usize,
}

/// Gives the Pemda what it lacks of the national defaults, in the caller's transaction; never overwrites what its
/// admins changed, and never brings back a bundled holiday of a year whose calendar they already hold.
pub async fn provision(conn: &mut AsyncPgConnection, pemda_id: Uuid) -> Result<Provisioned, ApiError> {
    let mut added = Provisioned::default();
    let kinds = [
        (Classification::Pengaduan, false),
        (Classification::Pengaduan, true),
        (Classification::Aspirasi, false),
        (Classification::PermintaanInformasi, false),
    ];
    for (classification, supervision) in kinds {
        if db::reference::has_policy(conn, pemda_id, classification.as_str(), supervision).await? {
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
        added.policies += 1;
    }
    added.holidays = add_holidays(conn, pemda_id, &bundled_holidays()?, true).await?.0;
    for (code, name, parent) in DEFAULT_CATEGORIES {
        let parent_id = match parent {
            Some(parent) => db::reference::category_id_by_code(conn, pemda_id, parent).await?,
            None => None,
        };
        let row = CategoryRow {
            id: Uuid::now_v7(),
            pemda_id,
            code: code.into(),
            name: name.into(),
            parent_id,
            active: true,
            created_at: chrono::Utc::now(),
        };
        if db::reference::insert_category(conn, &row).await?.is_some() {
            added.categories += 1;
        }
    }
    Ok(added)
}

/// Creates a Pemda (a province, regency or city; below a province when `parent_id` says so) with everything it needs,
/// in one transaction: what `pengaduan pemda create` runs.
pub async fn create(conn: &mut AsyncPgConnection, unit: NewUnit) -> Result<(UnitRow, Provisioned), ApiError> {
    if !unit.kind.is_pemda() {
        return Err(ApiError::invalid_field("kind", "not_a_pemda", "a Pemda is a province, regency or city"));
    }
    conn.transaction(async |conn| {
        if let Some(parent) = unit.parent_id {
            let parent = db::units::find(conn, parent.0)
                .await?
                .ok_or_else(|| ApiError::invalid_field("parent_id", "not_found", "the parent unit does not exist"))?;
            unit.kind.check_parent(Some(parent.kind.parse()?))?;
        } else {
            unit.kind.check_parent(None)?;
        }
        let row = super::units::insert_unit(conn, None, &unit).await?;
        let provisioned = provision(conn, row.id).await?;
        Ok((row, provisioned))
    })
    .await
}

/// The national holidays and cuti bersama bundled with this version.
pub fn bundled_holidays() -> Result<Vec<DecreedHoliday>, ApiError> {
    holidays::parse_decree(BUNDLED_HOLIDAYS)
        .map_err(|errors| ApiError::Internal(anyhow::anyhow!("the bundled holiday file is broken: {errors:?}")))
}

/// Adds `decreed` to the Pemda's calendar; with `whole_years_only`, skips every year the calendar already holds a
/// holiday of (so dates an admin removed stay removed). Returns (added, already there).
async fn add_holidays(
    conn: &mut AsyncPgConnection,
    pemda_id: Uuid,
    decreed: &[DecreedHoliday],
    whole_years_only: bool,
) -> Result<(usize, usize), ApiError> {
    let mut years: Vec<i32> = decreed.iter().map(|h| h.date.year()).collect();
    years.sort_unstable();
    years.dedup();
    let (mut added, mut present) = (0, 0);
    for year in years {
        let (Some(from), Some(to)) = (NaiveDate::from_ymd_opt(year, 1, 1), NaiveDate::from_ymd_opt(year, 12, 31))
        else {
            continue;
        };
        let of_year = decreed.iter().filter(|h| h.date.year() == year);
        if whole_years_only && !db::reference::holiday_dates(conn, pemda_id, from, to).await?.is_empty() {
            present += of_year.count();
            continue;
        }
        for holiday in of_year {
            let row = HolidayRow {
                pemda_id,
                date: holiday.date,
                kind: holiday.kind.into(),
                name: holiday.name.clone(),
                source: holiday.source.clone(),
                created_at: chrono::Utc::now(),
            };
            if db::reference::insert_holiday(conn, &row).await? {
                added += 1;
            } else {
                present += 1;
            }
        }
    }
    Ok((added, present))
}

/// What an import of a decree file did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct HolidayImport {
    /// Pemdas whose calendars were updated.
    pub pemdas: usize,
    /// Holidays added, over all of them.
    pub added: usize,
    /// Dates that were there already (left as they are).
    pub already_there: usize,
}

/// Loads a decree file (see [`crate::domain::holidays`]) into the calendar of the Pemda with `pemda_code`, or of every
/// Pemda; all or nothing. Dates already in a calendar are left as they are.
pub async fn import_holidays(
    conn: &mut AsyncPgConnection,
    text: &str,
    pemda_code: Option<&str>,
) -> Result<HolidayImport, ApiError> {
    let decreed = holidays::parse_decree(text).map_err(|errors| {
        ApiError::Validation(
            errors
                .into_iter()
                .map(|e| FieldError::new(format!("line {}", e.line), "invalid_line", e.message))
                .collect(),
        )
    })?;
    conn.transaction(async |conn| {
        let pemdas = match pemda_code {
            Some(code) => {
                let unit = db::units::find_by_code(conn, &code.trim().to_ascii_uppercase())
                    .await?
                    .filter(|unit| unit.kind.parse().is_ok_and(crate::domain::unit::UnitKind::is_pemda))
                    .ok_or_else(|| ApiError::not_found(format!("a Pemda with the code {code}")))?;
                vec![unit]
            }
            None => db::units::pemdas(conn).await?,
        };
        let mut report = HolidayImport::default();
        for pemda in &pemdas {
            let (added, present) = add_holidays(conn, pemda.id, &decreed, false).await?;
            report.pemdas += 1;
            report.added += added;
            report.already_there += present;
        }
        Ok(report)
    })
    .await
}

/// How far a Pemda's calendar reaches.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Coverage {
    /// The last day its working days are counted with decreed holidays (`None`: it has none).
    pub covered_until: Option<NaiveDate>,
    /// Whether that reaches twelve months past today.
    pub covers_next_year: bool,
}

/// How far the Pemda's calendar reaches, seen from `today`.
pub async fn coverage(conn: &mut AsyncPgConnection, pemda_id: Uuid, today: NaiveDate) -> Result<Coverage, ApiError> {
    let covered_until = holidays::covered_until(db::reference::last_national_holiday(conn, pemda_id).await?);
    Ok(Coverage { covered_until, covers_next_year: holidays::covers_next_year(covered_until, today) })
}

/// Logs a warning for every Pemda whose calendar does not reach twelve months past `today`.
pub async fn warn_about_short_calendars(conn: &mut AsyncPgConnection, today: NaiveDate) -> Result<usize, ApiError> {
    // One query for every calendar: this runs at every start, and a national deployment holds about 550 Pemdas.
    let last: std::collections::HashMap<Uuid, Option<NaiveDate>> =
        db::reference::last_national_holidays(conn).await?.into_iter().collect();
    let mut short = 0;
    for pemda in db::units::pemdas(conn).await? {
        let covered_until = holidays::covered_until(last.get(&pemda.id).copied().flatten());
        if !holidays::covers_next_year(covered_until, today) {
            short += 1;
            tracing::warn!(
                pemda.code = %pemda.code,
                covered_until = ?covered_until,
                "the holiday calendar does not cover the next 12 months: deadlines beyond it ignore holidays; \
                 import the next decree with `pengaduan holidays import FILE.csv`"
            );
        }
    }
    Ok(short)
}

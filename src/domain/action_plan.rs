//! Rencana Aksi: the matrix a period defines (columns are data, not code), the validation of the cells an OPD fills
//! in, and the status machine of a form.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;
use uuid::Uuid;

use super::DomainError;

/// What a column holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ColumnType {
    /// Free text, up to 2,000 characters.
    Text,
    /// A whole number.
    Integer,
    /// An amount in Rupiah: a whole number, zero or more.
    Rupiah,
    /// A percentage between 0 and 100.
    Percent,
    /// A date, `YYYY-MM-DD`.
    Date,
    /// Quarters of the year: a list of `I`, `II`, `III`, `IV`.
    QuarterSet,
    /// Links (http or https).
    UrlList,
}

/// Whether a column holds one value, one per year of the period, or one per quarter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Repeat {
    /// One value.
    #[default]
    None,
    /// One value per year, keyed `"2021"`.
    PerYear,
    /// One value per quarter, keyed `"2021-Q1"`.
    PerQuarter,
}

/// A column of the matrix.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Column {
    /// Stable key used in cells: lower-case letters, digits and `_`.
    #[schema(example = "budget")]
    pub key: String,
    /// Heading shown in forms and workbooks.
    #[schema(example = "Anggaran (Rp)")]
    pub label: String,
    #[serde(rename = "type")]
    pub kind: ColumnType,
    /// Must be filled before submission.
    #[serde(default)]
    pub required: bool,
    #[serde(default)]
    pub repeat: Repeat,
}

/// The matrix of a period: ordered columns and the rows every form starts with.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Matrix {
    pub columns: Vec<Column>,
    /// Cells of the template rows (typically strategic focus, action and indicator).
    #[serde(default)]
    #[schema(value_type = Vec<Object>)]
    pub template_rows: Vec<BTreeMap<String, Value>>,
}

/// An invalid cell: which column (and year or quarter) and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CellError {
    /// `column` or `column[2021]` or `column[2021-Q1]`.
    pub cell: String,
    /// Stable code.
    pub code: &'static str,
    /// For humans.
    pub message: String,
}

/// The years of a period, first to last.
pub fn years(first: i32, last: i32) -> Vec<i32> {
    (first..=last).collect()
}

/// The sub-keys of a repeated column over the period's years.
fn slots(repeat: Repeat, years: &[i32]) -> Vec<String> {
    match repeat {
        Repeat::None => Vec::new(),
        Repeat::PerYear => years.iter().map(|year| year.to_string()).collect(),
        Repeat::PerQuarter => years.iter().flat_map(|year| (1..=4).map(move |q| format!("{year}-Q{q}"))).collect(),
    }
}

impl Matrix {
    /// Checks the definition itself: unique well-formed keys, labels, template rows that fit.
    pub fn check(&self, first_year: i32, last_year: i32) -> Result<(), DomainError> {
        if self.columns.is_empty() {
            return Err(DomainError::invalid("matrix.columns", "empty", "a matrix needs at least one column"));
        }
        let mut seen = BTreeSet::new();
        for column in &self.columns {
            let well_formed = (1..=40).contains(&column.key.len())
                && column.key.starts_with(|c: char| c.is_ascii_lowercase())
                && column.key.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
            if !well_formed {
                return Err(DomainError::invalid(
                    "matrix.columns",
                    "invalid_key",
                    format!("column key {:?}: lower-case letters, digits and _", column.key),
                ));
            }
            if !seen.insert(column.key.as_str()) {
                return Err(DomainError::invalid(
                    "matrix.columns",
                    "duplicate_key",
                    format!("column key {:?} appears twice", column.key),
                ));
            }
            if column.label.trim().is_empty() || column.label.chars().count() > 200 {
                return Err(DomainError::invalid(
                    "matrix.columns",
                    "invalid_label",
                    format!("column {:?} needs a label of 1 to 200 characters", column.key),
                ));
            }
        }
        for (index, row) in self.template_rows.iter().enumerate() {
            if let Some(error) = self.check_cells(first_year, last_year, row).into_iter().next() {
                return Err(DomainError::invalid(
                    "matrix.template_rows",
                    "invalid_template_row",
                    format!("template row {}: {}: {}", index + 1, error.cell, error.message),
                ));
            }
        }
        Ok(())
    }

    /// Every problem with the given cells: unknown columns, wrong shapes, wrong types, values out of range. Missing
    /// values are fine here (a draft may be incomplete); see [`Matrix::missing_required`].
    pub fn check_cells(&self, first_year: i32, last_year: i32, cells: &BTreeMap<String, Value>) -> Vec<CellError> {
        let years = years(first_year, last_year);
        let mut errors = Vec::new();
        for key in cells.keys() {
            if !self.columns.iter().any(|column| &column.key == key) {
                errors.push(CellError {
                    cell: key.clone(),
                    code: "unknown_column",
                    message: "no such column in this matrix".into(),
                });
            }
        }
        for column in &self.columns {
            let Some(value) = cells.get(&column.key) else { continue };
            if value.is_null() {
                continue;
            }
            match column.repeat {
                Repeat::None => {
                    if let Err((code, message)) = check_value(column.kind, value) {
                        errors.push(CellError { cell: column.key.clone(), code, message });
                    }
                }
                repeat => {
                    let allowed = slots(repeat, &years);
                    let Some(by_slot) = value.as_object() else {
                        let shape = if repeat == Repeat::PerYear { "{\"2021\": …}" } else { "{\"2021-Q1\": …}" };
                        errors.push(CellError {
                            cell: column.key.clone(),
                            code: "not_repeated",
                            message: format!("give one value per period slot: {shape}"),
                        });
                        continue;
                    };
                    for (slot, value) in by_slot {
                        let cell = format!("{}[{slot}]", column.key);
                        if !allowed.contains(slot) {
                            errors.push(CellError {
                                cell,
                                code: "unknown_slot",
                                message: "outside the period's years or quarters".into(),
                            });
                        } else if !value.is_null()
                            && let Err((code, message)) = check_value(column.kind, value)
                        {
                            errors.push(CellError { cell, code, message });
                        }
                    }
                }
            }
        }
        errors
    }

    /// Every required cell left empty, for submission.
    /// Whether `new` keeps every cell a template row was given (focus, action, indicator): OPDs fill template rows in,
    /// they never rewrite them.
    pub fn keeps_template_cells(&self, old: &BTreeMap<String, Value>, new: &BTreeMap<String, Value>) -> bool {
        self.changed_template_cells(old, new).is_empty()
    }

    /// The keys of the template cells `new` changes, in column order of their keys.
    pub fn changed_template_cells(&self, old: &BTreeMap<String, Value>, new: &BTreeMap<String, Value>) -> Vec<String> {
        let template_keys: BTreeSet<&String> = self.template_rows.iter().flat_map(|row| row.keys()).collect();
        template_keys.into_iter().filter(|key| old.get(*key) != new.get(*key)).cloned().collect()
    }

    pub fn missing_required(&self, first_year: i32, last_year: i32, cells: &BTreeMap<String, Value>) -> Vec<CellError> {
        let years = years(first_year, last_year);
        let mut missing = Vec::new();
        for column in self.columns.iter().filter(|column| column.required) {
            let value = cells.get(&column.key).filter(|value| !is_empty(value));
            match column.repeat {
                Repeat::None => {
                    if value.is_none() {
                        missing.push(CellError {
                            cell: column.key.clone(),
                            code: "required",
                            message: format!("{} is required", column.label),
                        });
                    }
                }
                repeat => {
                    for slot in slots(repeat, &years) {
                        let filled = value.and_then(|v| v.get(&slot)).is_some_and(|v| !is_empty(v));
                        if !filled {
                            missing.push(CellError {
                                cell: format!("{}[{slot}]", column.key),
                                code: "required",
                                message: format!("{} for {slot} is required", column.label),
                            });
                        }
                    }
                }
            }
        }
        missing
    }
}

fn is_empty(value: &Value) -> bool {
    match value {
        Value::Null => true,
        Value::String(text) => text.trim().is_empty(),
        Value::Array(items) => items.is_empty(),
        Value::Object(map) => map.values().all(is_empty),
        _ => false,
    }
}

/// Checks one value against its column type.
fn check_value(kind: ColumnType, value: &Value) -> Result<(), (&'static str, String)> {
    let fail = |code: &'static str, message: &str| Err((code, message.to_owned()));
    match kind {
        ColumnType::Text => match value.as_str() {
            Some(text) if text.chars().count() <= 2000 => Ok(()),
            Some(_) => fail("too_long", "at most 2,000 characters"),
            None => fail("not_text", "a text value"),
        },
        ColumnType::Integer => match value.as_i64() {
            Some(_) => Ok(()),
            None => fail("not_integer", "a whole number"),
        },
        ColumnType::Rupiah => match value.as_i64() {
            Some(amount) if amount >= 0 => Ok(()),
            Some(_) => fail("negative", "an amount of zero or more"),
            None => fail("not_rupiah", "a whole number of Rupiah, without separators"),
        },
        ColumnType::Percent => match value.as_f64() {
            Some(percent) if (0.0..=100.0).contains(&percent) => Ok(()),
            Some(_) => fail("out_of_range", "between 0 and 100"),
            None => fail("not_number", "a number between 0 and 100"),
        },
        ColumnType::Date => match value.as_str().map(|text| text.parse::<chrono::NaiveDate>()) {
            Some(Ok(_)) => Ok(()),
            _ => fail("not_date", "a date, YYYY-MM-DD"),
        },
        ColumnType::QuarterSet => {
            let Some(items) = value.as_array() else {
                return fail("not_quarters", "a list of quarters: I, II, III, IV");
            };
            let mut seen = BTreeSet::new();
            for item in items {
                match item.as_str() {
                    Some(q @ ("I" | "II" | "III" | "IV")) if seen.insert(q) => {}
                    _ => return fail("not_quarters", "a list of distinct quarters: I, II, III, IV"),
                }
            }
            Ok(())
        }
        ColumnType::UrlList => {
            let Some(items) = value.as_array() else { return fail("not_urls", "a list of http or https links") };
            let all_links = items.iter().all(|item| {
                item.as_str()
                    .is_some_and(|url| (url.starts_with("https://") || url.starts_with("http://")) && url.len() <= 2000)
            });
            if all_links && items.len() <= 50 {
                Ok(())
            } else {
                fail("not_urls", "a list of at most 50 http or https links")
            }
        }
    }
}

/// The last day of a quarter.
pub fn quarter_end(year: i32, quarter: u8) -> Option<chrono::NaiveDate> {
    let (month, day) = match quarter {
        1 => (3, 31),
        2 => (6, 30),
        3 => (9, 30),
        4 => (12, 31),
        _ => return None,
    };
    chrono::NaiveDate::from_ymd_opt(year, month, day)
}

/// Whether a quarter's realisation may be recorded on `today`: not before the quarter starts, and not after its end
/// plus `grace_days` (past quarters lock so reported progress cannot be rewritten).
pub fn realisation_window(
    year: i32,
    quarter: u8,
    today: chrono::NaiveDate,
    grace_days: u32,
) -> Result<(), DomainError> {
    let end = quarter_end(year, quarter)
        .ok_or_else(|| DomainError::invalid("quarter", "out_of_range", "quarters are 1 to 4"))?;
    let start = chrono::NaiveDate::from_ymd_opt(year, u32::from(quarter) * 3 - 2, 1).unwrap_or(end);
    if today < start {
        return Err(DomainError::invalid("quarter", "not_started", "this quarter has not started yet"));
    }
    if today > end + chrono::Days::new(u64::from(grace_days)) {
        return Err(DomainError::conflict(
            "quarter_locked",
            format!("the quarter closed on {end} and its grace period has passed"),
        ));
    }
    Ok(())
}

/// The percent of a numeric annual target achieved by a realised value (cumulative within the year), rounded to one
/// decimal; `None` when the target is missing or zero.
pub fn percent_achieved(realised: f64, target: Option<f64>) -> Option<f64> {
    let target = target.filter(|t| *t > 0.0)?;
    Some(((realised / target) * 1000.0).round() / 10.0)
}

/// Where a quarter's realisation stands: recorded by the OPD, then verified (final) or returned for correction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RealisationStatus {
    Recorded,
    Verified,
    Returned,
}

/// What can happen to a realisation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RealisationAction {
    /// The OPD records it or corrects it.
    Record,
    Verify,
    Return,
}

impl RealisationStatus {
    pub const ALL: [RealisationStatus; 3] = [Self::Recorded, Self::Verified, Self::Returned];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Recorded => "recorded",
            Self::Verified => "verified",
            Self::Returned => "returned",
        }
    }
}

impl std::str::FromStr for RealisationStatus {
    type Err = DomainError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|status| status.as_str() == s)
            .ok_or_else(|| DomainError::invalid("status", "unknown_value", format!("unknown realisation status {s:?}")))
    }
}

/// The realisation lifecycle; `from` is `None` before the first record.
pub fn realisation_transition(
    from: Option<RealisationStatus>,
    action: RealisationAction,
) -> Result<RealisationStatus, DomainError> {
    use RealisationAction as A;
    use RealisationStatus as S;
    match (from, action) {
        (None | Some(S::Recorded | S::Returned), A::Record) => Ok(S::Recorded),
        (Some(S::Recorded), A::Verify) => Ok(S::Verified),
        (Some(S::Recorded), A::Return) => Ok(S::Returned),
        (Some(S::Verified), A::Record) => {
            Err(DomainError::conflict("realisation_verified", "a verified realisation is final"))
        }
        (from, _) => Err(DomainError::conflict(
            "invalid_transition",
            format!("a {} realisation cannot be reviewed", from.map_or("missing", S::as_str)),
        )),
    }
}

/// Checks a new order of a form's rows: it must name every current row exactly once, so a client working from a
/// stale copy of the form cannot drop or duplicate rows by reordering.
pub fn check_row_order(current: &[Uuid], requested: &[Uuid]) -> Result<(), DomainError> {
    let mut wanted: Vec<Uuid> = requested.to_vec();
    wanted.sort_unstable();
    let unique = wanted.windows(2).all(|pair| pair[0] != pair[1]);
    let mut have: Vec<Uuid> = current.to_vec();
    have.sort_unstable();
    if !unique || wanted != have {
        return Err(DomainError::Invalid {
            field: "row_ids",
            code: "not_a_permutation",
            message: format!("list each of the form's {} rows exactly once", current.len()),
        });
    }
    Ok(())
}

/// Where a form stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PlanStatus {
    /// Being filled in by the OPD.
    Draft,
    /// Sent to the review team.
    Submitted,
    /// A reviewer opened it.
    InReview,
    /// A reviewer unit asked for changes.
    RevisionRequested,
    /// Every required reviewer unit approved the current version.
    Approved,
    /// The compiled plan was sent to KemenPAN-RB; locked.
    Sent,
}

/// Something that happens to a form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlanAction {
    /// The OPD submits its form (again).
    Submit,
    /// The first reviewer opens it.
    OpenReview,
    /// A reviewer unit asks for changes.
    RequestRevision,
    /// The last required reviewer unit approves.
    ApproveAll,
    /// The admin records the letter to KemenPAN-RB.
    Send,
}

impl PlanStatus {
    /// Every status.
    pub const ALL: [PlanStatus; 6] = [
        PlanStatus::Draft,
        PlanStatus::Submitted,
        PlanStatus::InReview,
        PlanStatus::RevisionRequested,
        PlanStatus::Approved,
        PlanStatus::Sent,
    ];

    /// The name used on the wire and in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            PlanStatus::Draft => "draft",
            PlanStatus::Submitted => "submitted",
            PlanStatus::InReview => "in_review",
            PlanStatus::RevisionRequested => "revision_requested",
            PlanStatus::Approved => "approved",
            PlanStatus::Sent => "sent",
        }
    }

    /// Rows and cells may change only while the OPD holds the form.
    pub fn is_editable(self) -> bool {
        matches!(self, PlanStatus::Draft | PlanStatus::RevisionRequested)
    }
}

impl std::str::FromStr for PlanStatus {
    type Err = DomainError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        PlanStatus::ALL
            .into_iter()
            .find(|status| status.as_str() == s)
            .ok_or_else(|| DomainError::invalid("status", "unknown_value", format!("unknown form status {s:?}")))
    }
}

impl PlanAction {
    /// The action's name in the audit trail and in errors.
    pub fn as_str(self) -> &'static str {
        match self {
            PlanAction::Submit => "submit",
            PlanAction::OpenReview => "open_review",
            PlanAction::RequestRevision => "request_revision",
            PlanAction::ApproveAll => "approve",
            PlanAction::Send => "send",
        }
    }
}

/// The status a form moves to when `action` happens in status `from`.
pub fn transition(from: PlanStatus, action: PlanAction) -> Result<PlanStatus, DomainError> {
    use PlanAction as A;
    use PlanStatus as S;
    match (from, action) {
        (S::Draft | S::RevisionRequested, A::Submit) => Ok(S::Submitted),
        (S::Submitted, A::OpenReview) => Ok(S::InReview),
        (S::Submitted | S::InReview, A::RequestRevision) => Ok(S::RevisionRequested),
        (S::Submitted | S::InReview, A::ApproveAll) => Ok(S::Approved),
        (S::Approved, A::Send) => Ok(S::Sent),
        _ => Err(DomainError::conflict(
            "invalid_transition",
            format!("a {} form cannot {}", from.as_str(), action.as_str()),
        )),
    }
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
    use super::PlanAction as A;
    use super::PlanStatus as S;
    use super::*;
    use serde_json::json;

    fn cells(value: Value) -> BTreeMap<String, Value> {
        serde_json::from_value(value).unwrap()
    }

    #[test]
    fn every_realisation_edge_and_every_forbidden_one() {
        use RealisationAction as A;
        use RealisationStatus as R;
        let from_states = [None, Some(R::Recorded), Some(R::Verified), Some(R::Returned)];
        for from in from_states {
            for action in [A::Record, A::Verify, A::Return] {
                let expected = match (from, action) {
                    (None | Some(R::Recorded | R::Returned), A::Record) => Some(R::Recorded),
                    (Some(R::Recorded), A::Verify) => Some(R::Verified),
                    (Some(R::Recorded), A::Return) => Some(R::Returned),
                    _ => None,
                };
                match expected {
                    Some(to) => assert_eq!(realisation_transition(from, action), Ok(to), "{from:?} {action:?}"),
                    None => assert!(realisation_transition(from, action).is_err(), "{from:?} {action:?}"),
                }
            }
        }
        assert!(matches!(
            realisation_transition(Some(R::Verified), A::Record),
            Err(DomainError::Conflict { code: "realisation_verified", .. })
        ));
        assert_eq!("returned".parse::<R>(), Ok(R::Returned));
    }

    #[test]
    fn a_template_row_keeps_its_template_cells() {
        let matrix = sekadau_matrix();
        let old = cells(json!({ "strategic_focus": "Kebijakan", "action": "Menyusun SOP", "unit": "dokumen" }));
        let filled = cells(json!({ "strategic_focus": "Kebijakan", "action": "Menyusun SOP", "unit": "laporan" }));
        let renamed = cells(json!({ "strategic_focus": "Kebijakan", "action": "Aksi lain", "unit": "dokumen" }));
        assert!(matrix.keeps_template_cells(&old, &filled));
        assert!(!matrix.keeps_template_cells(&old, &renamed));
        assert_eq!(matrix.changed_template_cells(&old, &renamed), ["action"]);
    }

    #[test]
    fn a_row_order_names_every_row_once() {
        let [a, b, c] = [Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7()];
        assert!(check_row_order(&[a, b, c], &[c, a, b]).is_ok());
        for bad in [vec![c, a], vec![c, a, b, a], vec![c, a, a], vec![c, a, b, Uuid::now_v7()]] {
            let err = check_row_order(&[a, b, c], &bad).unwrap_err();
            assert!(matches!(err, DomainError::Invalid { code: "not_a_permutation", .. }), "{bad:?}");
        }
    }

    #[test]
    fn the_seeded_matrix_is_valid_and_its_template_rows_fit() {
        let matrix = sekadau_matrix();
        assert!(matrix.check(2021, 2024).is_ok());
        assert_eq!(matrix.template_rows.len(), 5);
    }

    #[test]
    fn malformed_matrices_are_refused() {
        let mut matrix = sekadau_matrix();
        matrix.columns.push(matrix.columns[0].clone());
        assert!(matches!(matrix.check(2021, 2024), Err(DomainError::Invalid { code: "duplicate_key", .. })));
        let mut matrix = sekadau_matrix();
        matrix.columns[0].key = "Fokus Strategis".into();
        assert!(matches!(matrix.check(2021, 2024), Err(DomainError::Invalid { code: "invalid_key", .. })));
        let mut matrix = sekadau_matrix();
        matrix.template_rows.push(cells(json!({ "nonsense": "x" })));
        assert!(matches!(matrix.check(2021, 2024), Err(DomainError::Invalid { code: "invalid_template_row", .. })));
        assert!(Matrix { columns: vec![], template_rows: vec![] }.check(2021, 2024).is_err());
    }

    #[test]
    fn cells_are_checked_against_their_column_types_and_slots() {
        let matrix = sekadau_matrix();
        let good = cells(json!({
            "strategic_focus": "Kebijakan", "target": { "2021": 1, "2024": 4 }, "budget": { "2022": 15000000 },
            "schedule": ["I", "III"], "evidence": ["https://sekadaukab.go.id/sop.pdf"]
        }));
        assert!(matrix.check_cells(2021, 2024, &good).is_empty());
        let bad = cells(json!({
            "strategic_focus": 12, "target": { "2025": 1, "2021": "satu" }, "budget": { "2022": -5 },
            "schedule": ["I", "I"], "evidence": ["ftp://x"], "colour": "red", "unit": "x".repeat(2001)
        }));
        let errors: Vec<(String, &str)> =
            matrix.check_cells(2021, 2024, &bad).into_iter().map(|e| (e.cell, e.code)).collect();
        for expected in [
            ("colour".to_owned(), "unknown_column"),
            ("strategic_focus".to_owned(), "not_text"),
            ("target[2025]".to_owned(), "unknown_slot"),
            ("target[2021]".to_owned(), "not_integer"),
            ("budget[2022]".to_owned(), "negative"),
            ("schedule".to_owned(), "not_quarters"),
            ("evidence".to_owned(), "not_urls"),
            ("unit".to_owned(), "too_long"),
        ] {
            assert!(errors.contains(&expected), "{expected:?} in {errors:?}");
        }
        let scalar_for_repeated = matrix.check_cells(2021, 2024, &cells(json!({ "target": 5 })));
        assert_eq!(scalar_for_repeated[0].code, "not_repeated");
    }

    #[test]
    fn percent_and_date_columns() {
        let matrix = Matrix {
            columns: vec![
                Column {
                    key: "done".into(),
                    label: "Capaian".into(),
                    kind: ColumnType::Percent,
                    required: false,
                    repeat: Repeat::PerQuarter,
                },
                Column {
                    key: "due".into(),
                    label: "Tenggat".into(),
                    kind: ColumnType::Date,
                    required: false,
                    repeat: Repeat::None,
                },
            ],
            template_rows: vec![],
        };
        assert!(
            matrix
                .check_cells(2021, 2021, &cells(json!({ "done": { "2021-Q2": 37.5 }, "due": "2021-06-30" })))
                .is_empty()
        );
        let errors = matrix.check_cells(
            2021,
            2021,
            &cells(json!({ "done": { "2021-Q2": 137, "2021-Q5": 1 }, "due": "30/06/2021" })),
        );
        let codes: Vec<&str> = errors.iter().map(|e| e.code).collect();
        assert_eq!(codes.len(), 3, "{codes:?}");
    }

    #[test]
    fn submission_lists_every_missing_required_cell() {
        let matrix = sekadau_matrix();
        let template = matrix.template_rows[0].clone();
        let missing: Vec<String> = matrix.missing_required(2021, 2022, &template).into_iter().map(|e| e.cell).collect();
        assert_eq!(missing, ["unit", "target[2021]", "target[2022]", "output", "schedule", "person_in_charge"]);
        let full = cells(json!({
            "strategic_focus": "Kebijakan", "action": "SOP", "indicator": "SOP ditetapkan", "unit": "dokumen",
            "target": { "2021": 1, "2022": 1 }, "output": "Perbup", "schedule": ["II"], "person_in_charge": "Sekretaris"
        }));
        assert!(matrix.missing_required(2021, 2022, &full).is_empty());
        let blank = cells(json!({ "unit": " ", "schedule": [] }));
        assert!(matrix.missing_required(2021, 2021, &blank).iter().any(|e| e.cell == "unit"));
    }

    const EDGES: [(PlanStatus, PlanAction, PlanStatus); 9] = [
        (S::Draft, A::Submit, S::Submitted),
        (S::RevisionRequested, A::Submit, S::Submitted),
        (S::Submitted, A::OpenReview, S::InReview),
        (S::Submitted, A::RequestRevision, S::RevisionRequested),
        (S::InReview, A::RequestRevision, S::RevisionRequested),
        (S::Submitted, A::ApproveAll, S::Approved),
        (S::InReview, A::ApproveAll, S::Approved),
        (S::Approved, A::Send, S::Sent),
        (S::Draft, A::Submit, S::Submitted),
    ];

    #[test]
    fn every_form_edge_and_every_forbidden_one() {
        let actions = [A::Submit, A::OpenReview, A::RequestRevision, A::ApproveAll, A::Send];
        for from in PlanStatus::ALL {
            for action in actions {
                let expected = EDGES.iter().find(|(f, a, _)| *f == from && *a == action).map(|(_, _, to)| *to);
                match expected {
                    Some(to) => assert_eq!(transition(from, action), Ok(to)),
                    None => assert!(transition(from, action).is_err(), "{} --{}-->", from.as_str(), action.as_str()),
                }
            }
        }
    }

    #[test]
    fn realisations_are_open_from_the_quarters_start_until_its_grace_period_ends() {
        let day = |y, m, d| chrono::NaiveDate::from_ymd_opt(y, m, d).unwrap();
        assert!(realisation_window(2024, 2, day(2024, 5, 10), 30).is_ok());
        assert!(realisation_window(2024, 2, day(2024, 7, 30), 30).is_ok());
        assert!(matches!(
            realisation_window(2024, 2, day(2024, 7, 31), 30),
            Err(DomainError::Conflict { code: "quarter_locked", .. })
        ));
        assert!(matches!(
            realisation_window(2024, 3, day(2024, 6, 30), 30),
            Err(DomainError::Invalid { code: "not_started", .. })
        ));
        assert!(realisation_window(2024, 5, day(2024, 6, 30), 30).is_err());
        assert_eq!(quarter_end(2024, 4), Some(day(2024, 12, 31)));
    }

    #[test]
    fn percent_achieved_needs_a_positive_target() {
        assert_eq!(percent_achieved(3.0, Some(4.0)), Some(75.0));
        assert_eq!(percent_achieved(1.0, Some(3.0)), Some(33.3));
        assert_eq!(percent_achieved(5.0, Some(4.0)), Some(125.0));
        assert_eq!(percent_achieved(1.0, Some(0.0)), None);
        assert_eq!(percent_achieved(1.0, None), None);
    }

    #[test]
    fn only_draft_and_revision_requested_forms_are_editable() {
        let editable: Vec<_> = PlanStatus::ALL.into_iter().filter(|s| s.is_editable()).collect();
        assert_eq!(editable, [S::Draft, S::RevisionRequested]);
    }
}

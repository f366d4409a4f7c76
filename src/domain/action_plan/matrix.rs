//! The matrix a Rencana Aksi period defines: its columns are data, not code. Checking a matrix, and the cells an OPD
//! fills in against it.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::domain::DomainError;

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

#[cfg(test)]
mod tests {
    // Sekadau's matrix is the realistic fixture: it lives with the seed, the demo data it belongs to.
    use super::*;
    use crate::services::seed::sekadau_matrix;
    use serde_json::json;

    fn cells(value: Value) -> BTreeMap<String, Value> {
        serde_json::from_value(value).unwrap()
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
}

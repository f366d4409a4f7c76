//! Rencana Aksi as spreadsheets: the Excel workbook of one form or of a whole period (rust_xlsxwriter), the same as
//! CSV, and reading back a workbook filled in from our own export (calamine).
//!
//! Layout of a form sheet: three title rows (period, Pemda and unit, legal basis), a hidden row of machine keys
//! (`row_id`, `position`, `target[2021]`, ...) that the import reads, two header rows (merged group headers over the
//! years or quarters of repeated columns), then one line per row. The first column holds the row id, so an edited
//! workbook updates the right rows.

mod bounded;

use crate::domain::text::csv_field;
use std::collections::BTreeMap;

pub use bounded::{Limits, Refusal};
use calamine::Data;
use rust_xlsxwriter::{Format, FormatAlign, FormatBorder, Workbook, Worksheet, XlsxError};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::db::action_plans::{LineRow, PeriodRow};
use crate::domain::action_plan::{ColumnType, Matrix, Repeat};

/// Where the data lines start (0-based): after the titles, the key row and the two header rows.
const FIRST_DATA_ROW: u32 = 6;
/// The most lines an imported form may have; a cell below them refuses the workbook.
pub const MAX_IMPORTED_LINES: u32 = 1_000;
/// The hidden row of machine keys.
const KEY_ROW: u32 = 3;

/// One expanded column of the sheet: a matrix column, or one year or quarter of a repeated one.
struct Slot<'a> {
    column: &'a crate::domain::action_plan::Column,
    sub: Option<String>,
}

impl Slot<'_> {
    fn key(&self) -> String {
        match &self.sub {
            Some(sub) => format!("{}[{sub}]", self.column.key),
            None => self.column.key.clone(),
        }
    }
}

fn slots(matrix: &Matrix, first_year: i32, last_year: i32) -> Vec<Slot<'_>> {
    let mut slots = Vec::new();
    for column in &matrix.columns {
        match column.repeat {
            Repeat::None => slots.push(Slot { column, sub: None }),
            Repeat::PerYear => {
                slots.extend((first_year..=last_year).map(|year| Slot { column, sub: Some(year.to_string()) }))
            }
            Repeat::PerQuarter => slots.extend(
                (first_year..=last_year)
                    .flat_map(|year| (1..=4).map(move |q| format!("{year}-Q{q}")))
                    .map(|sub| Slot { column, sub: Some(sub) }),
            ),
        }
    }
    slots
}

fn value_of<'a>(cells: &'a Value, slot: &Slot<'_>) -> Option<&'a Value> {
    let value = cells.get(&slot.column.key)?;
    match &slot.sub {
        Some(sub) => value.get(sub),
        None => Some(value),
    }
    .filter(|v| !v.is_null())
}

/// The text a cell shows in CSV (and in the workbook for non-numeric types).
fn as_text(kind: ColumnType, value: &Value) -> String {
    match (kind, value) {
        (ColumnType::QuarterSet, Value::Array(items)) => {
            items.iter().filter_map(Value::as_str).collect::<Vec<_>>().join(", ")
        }
        (ColumnType::UrlList, Value::Array(items)) => {
            items.iter().filter_map(Value::as_str).collect::<Vec<_>>().join("\n")
        }
        (_, Value::String(text)) => text.clone(),
        (_, other) => other.to_string(),
    }
}

/// Titles shown above the table.
pub struct Titles<'a> {
    pub period: &'a PeriodRow,
    pub pemda: &'a str,
    pub unit: &'a str,
}

fn write_sheet_header(sheet: &mut Worksheet, titles: &Titles<'_>, slots: &[Slot<'_>]) -> Result<(), XlsxError> {
    let title = Format::new().set_bold().set_font_size(13);
    let header = Format::new()
        .set_bold()
        .set_align(FormatAlign::Center)
        .set_align(FormatAlign::VerticalCenter)
        .set_text_wrap()
        .set_border(FormatBorder::Thin);
    let last_col = (slots.len() + 1) as u16;
    sheet.write_string_with_format(0, 0, &titles.period.name, &title)?;
    sheet.write_string(1, 0, format!("Pemda: {} — Unit: {}", titles.pemda, titles.unit))?;
    sheet.write_string(2, 0, format!("Dasar hukum: {}", titles.period.legal_basis.as_deref().unwrap_or("-")))?;
    sheet.write_string(KEY_ROW, 0, "row_id")?;
    sheet.write_string(KEY_ROW, 1, "position")?;
    sheet.set_row_hidden(KEY_ROW)?;
    sheet.merge_range(4, 0, 5, 0, "ID Baris", &header)?;
    sheet.merge_range(4, 1, 5, 1, "No", &header)?;
    let mut col = 2u16;
    let mut index = 0;
    while index < slots.len() {
        let column = slots[index].column;
        let span = slots[index..].iter().take_while(|slot| std::ptr::eq(slot.column, column)).count();
        if column.repeat == Repeat::None {
            sheet.merge_range(4, col, 5, col, &column.label, &header)?;
        } else {
            if span > 1 {
                sheet.merge_range(4, col, 4, col + span as u16 - 1, &column.label, &header)?;
            } else {
                sheet.write_string_with_format(4, col, &column.label, &header)?;
            }
            for (offset, slot) in slots[index..index + span].iter().enumerate() {
                sheet.write_string_with_format(5, col + offset as u16, slot.sub.as_deref().unwrap_or(""), &header)?;
            }
        }
        for (offset, slot) in slots[index..index + span].iter().enumerate() {
            sheet.write_string(KEY_ROW, col + offset as u16, slot.key())?;
            let width = match column.kind {
                ColumnType::Text | ColumnType::UrlList => 30.0,
                ColumnType::Rupiah => 16.0,
                ColumnType::Date => 12.0,
                _ => 10.0,
            };
            sheet.set_column_width(col + offset as u16, width)?;
        }
        col += span as u16;
        index += span;
    }
    sheet.set_column_width(0, 38.0)?;
    sheet.set_column_width(1, 5.0)?;
    sheet.set_freeze_panes(FIRST_DATA_ROW, 2)?;
    // A4 landscape, fitted to the page width: the matrix is printed for the ministry.
    sheet.set_paper_size(9);
    sheet.set_landscape();
    sheet.set_print_fit_to_pages(1, 0);
    let _ = last_col;
    Ok(())
}

fn write_lines(sheet: &mut Worksheet, slots: &[Slot<'_>], lines: &[LineRow], mut row: u32) -> Result<u32, XlsxError> {
    let rupiah = Format::new().set_num_format("\"Rp\" #,##0").set_border(FormatBorder::Thin);
    let plain = Format::new().set_text_wrap().set_align(FormatAlign::Top).set_border(FormatBorder::Thin);
    for line in lines {
        sheet.write_string_with_format(row, 0, line.id.to_string(), &plain)?;
        sheet.write_number_with_format(row, 1, f64::from(line.position), &plain)?;
        for (offset, slot) in slots.iter().enumerate() {
            let col = 2 + offset as u16;
            match (slot.column.kind, value_of(&line.cells, slot)) {
                (_, None) => {
                    sheet.write_blank(row, col, &plain)?;
                }
                (ColumnType::Rupiah, Some(value)) => {
                    sheet.write_number_with_format(row, col, value.as_f64().unwrap_or_default(), &rupiah)?;
                }
                (ColumnType::Integer | ColumnType::Percent, Some(value)) if value.is_number() => {
                    sheet.write_number_with_format(row, col, value.as_f64().unwrap_or_default(), &plain)?;
                }
                (kind, Some(value)) => {
                    sheet.write_string_with_format(row, col, as_text(kind, value), &plain)?;
                }
            }
        }
        row += 1;
    }
    Ok(row)
}

/// A valid sheet name for a unit, distinct (as Excel compares names, ignoring case) from every name in `taken`:
/// Excel allows 31 characters, no `[]:*?/\`, no apostrophe at either end, and long OPD names often share a prefix.
fn sheet_name(name: &str, taken: &[String]) -> String {
    let cleaned: String = name.chars().filter(|c| !matches!(c, '[' | ']' | ':' | '*' | '?' | '/' | '\\')).collect();
    let cleaned = cleaned.trim().trim_matches('\'').trim();
    let base = if cleaned.is_empty() { "Unit" } else { cleaned };
    let is_taken = |candidate: &str| taken.iter().any(|t| t.to_lowercase() == candidate.to_lowercase());
    let fit = |text: &str, max: usize| {
        text.chars().take(max).collect::<String>().trim_end().trim_end_matches('\'').to_owned()
    };
    let mut candidate = fit(base, 31);
    let mut n = 2;
    while is_taken(&candidate) {
        let suffix = format!(" ({n})");
        candidate = format!("{}{suffix}", fit(base, 31 - suffix.len()));
        n += 1;
    }
    candidate
}

/// The workbook of one form.
pub fn form_workbook(titles: &Titles<'_>, matrix: &Matrix, lines: &[LineRow]) -> Result<Vec<u8>, XlsxError> {
    let slots = slots(matrix, titles.period.first_year, titles.period.last_year);
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    sheet.set_name(sheet_name(titles.unit, &[]))?;
    write_sheet_header(sheet, titles, &slots)?;
    write_lines(sheet, &slots, lines, FIRST_DATA_ROW)?;
    workbook.save_to_buffer()
}

/// The compiled matrix of a period: one sheet for the whole Pemda grouped by unit, and one sheet per unit.
pub fn period_workbook(
    period: &PeriodRow,
    pemda: &str,
    matrix: &Matrix,
    units: &[(String, Vec<LineRow>)],
) -> Result<Vec<u8>, XlsxError> {
    let slots = slots(matrix, period.first_year, period.last_year);
    let mut workbook = Workbook::new();
    let group = Format::new().set_bold().set_background_color("#DDEBF7").set_border(FormatBorder::Thin);
    {
        let sheet = workbook.add_worksheet();
        sheet.set_name("Pemda")?;
        write_sheet_header(sheet, &Titles { period, pemda, unit: "semua OPD" }, &slots)?;
        let mut row = FIRST_DATA_ROW;
        for (unit, lines) in units {
            sheet.merge_range(row, 0, row, (slots.len() + 1) as u16, unit, &group)?;
            row = write_lines(sheet, &slots, lines, row + 1)?;
        }
    }
    let mut taken = vec!["Pemda".to_owned()];
    for (unit, lines) in units {
        let name = sheet_name(unit, &taken);
        taken.push(name.clone());
        let sheet = workbook.add_worksheet();
        sheet.set_name(name)?;
        write_sheet_header(sheet, &Titles { period, pemda, unit }, &slots)?;
        write_lines(sheet, &slots, lines, FIRST_DATA_ROW)?;
    }
    workbook.save_to_buffer()
}

/// The same table as CSV (one header of machine keys, then the lines; `unit` first when several units are listed).
pub fn csv(matrix: &Matrix, first_year: i32, last_year: i32, units: &[(String, Vec<LineRow>)]) -> String {
    let slots = slots(matrix, first_year, last_year);
    let mut out = String::new();
    let mut header = vec!["unit".to_owned(), "row_id".to_owned(), "position".to_owned()];
    header.extend(slots.iter().map(Slot::key));
    out.push_str(&header.iter().map(|h| csv_field(h)).collect::<Vec<_>>().join(","));
    out.push_str("\r\n");
    for (unit, lines) in units {
        for line in lines {
            let mut fields = vec![csv_field(unit), line.id.to_string(), line.position.to_string()];
            fields.extend(slots.iter().map(|slot| {
                value_of(&line.cells, slot).map(|v| csv_field(&as_text(slot.column.kind, v))).unwrap_or_default()
            }));
            out.push_str(&fields.join(","));
            out.push_str("\r\n");
        }
    }
    out
}

/// A bad cell of an imported workbook.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SheetError {
    /// `Sheet!B7`.
    pub cell: String,
    pub code: &'static str,
    pub message: String,
}

/// One line read back: its row id (`None` for a new line) and its cells.
#[derive(Debug, Clone, PartialEq)]
pub struct ImportedLine {
    pub row_id: Option<Uuid>,
    /// Where the row id stands (`Sheet!A7`), to name the row in errors.
    pub id_cell: String,
    pub cells: BTreeMap<String, Value>,
    /// Where each column of the line stands (`action` → `Sheet!D7`), to name a refused cell.
    pub cell_addresses: BTreeMap<String, String>,
}

impl ImportedLine {
    /// Where the line's cell of column `key` stands, or its id cell when the key is not a column of the sheet.
    pub fn address_of(&self, key: &str) -> &str {
        self.cell_addresses.get(key).unwrap_or(&self.id_cell)
    }
}

fn column_letters(mut col: u32) -> String {
    let mut letters = String::new();
    loop {
        letters.insert(0, (b'A' + (col % 26) as u8) as char);
        if col < 26 {
            return letters;
        }
        col = col / 26 - 1;
    }
}

/// A number written as text: Indonesian thousands separators (`15.000.000`) are accepted, any other dot is a decimal
/// point, so "2.5" is never read as 25.
fn number_in_text(text: &str) -> Option<f64> {
    let compact: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    let groups: Vec<&str> = compact.split('.').collect();
    let digits = |g: &str| !g.is_empty() && g.chars().all(|c| c.is_ascii_digit());
    let grouped = groups.len() > 1
        && groups[0].len() <= 3
        && digits(groups[0])
        && groups[1..].iter().all(|g| g.len() == 3 && digits(g));
    if grouped { groups.concat().parse().ok() } else { compact.parse().ok() }
}

fn parse_cell(kind: ColumnType, data: &Data) -> Result<Option<Value>, &'static str> {
    let text = match data {
        Data::Empty => return Ok(None),
        Data::String(text) if text.trim().is_empty() => return Ok(None),
        Data::String(text) => Some(text.trim().to_owned()),
        _ => None,
    };
    let number = match data {
        Data::Int(i) => Some(*i as f64),
        Data::Float(f) => Some(*f),
        _ => text.as_deref().and_then(number_in_text),
    };
    Ok(Some(match kind {
        ColumnType::Text => json!(text.unwrap_or_else(|| number.map(|n| n.to_string()).unwrap_or_default())),
        ColumnType::Integer | ColumnType::Rupiah => match number {
            Some(n) if n.fract() == 0.0 => json!(n as i64),
            _ => return Err("not_integer"),
        },
        ColumnType::Percent => match data {
            Data::Int(i) => json!(*i as f64),
            Data::Float(f) => json!(*f),
            _ => return Err("not_number"),
        },
        ColumnType::Date => {
            match data {
                // A date typed in Excel is a serial day number (1900 or 1904 epoch).
                Data::DateTime(serial) if serial.is_datetime() => {
                    let (year, month, day, ..) = serial.to_ymd_hms_milli();
                    json!(format!("{year:04}-{month:02}-{day:02}"))
                }
                Data::DateTimeIso(iso) => json!(iso.get(..10).ok_or("not_date")?),
                _ => json!(text.ok_or("not_date")?),
            }
        }
        ColumnType::QuarterSet => json!(
            text.ok_or("not_quarters")?
                .split(',')
                .map(|q| q.trim().to_owned())
                .filter(|q| !q.is_empty())
                .collect::<Vec<_>>()
        ),
        ColumnType::UrlList => json!(text.ok_or("not_urls")?.split_whitespace().map(str::to_owned).collect::<Vec<_>>()),
    }))
}

/// Reads the first sheet of a workbook exported by [`form_workbook`] and filled in. The workbook is untrusted: its
/// container and its cells are bounded (see [`bounded`]) before anything is built from it. Every unreadable cell is
/// reported with its sheet, row and column; the caller writes nothing unless all is well.
pub fn read_form_workbook(
    bytes: &[u8],
    matrix: &Matrix,
    first_year: i32,
    last_year: i32,
) -> Result<Vec<ImportedLine>, Refusal> {
    let fail = |code: &'static str, message: &str| {
        Refusal::Invalid(vec![SheetError { cell: "workbook".into(), code, message: message.into() }])
    };
    bounded::check_container(bytes, &Limits::FORM)?;
    let max_cols = slots(matrix, first_year, last_year).len() as u32 + 2;
    let (name, range) = bounded::first_sheet(bytes, FIRST_DATA_ROW + MAX_IMPORTED_LINES, max_cols)?;
    let expected: Vec<String> = slots(matrix, first_year, last_year).iter().map(Slot::key).collect();
    let keys: Vec<String> = (0..expected.len() as u32 + 2)
        .map(|col| range.get_value((KEY_ROW, col)).map(|d| d.to_string()).unwrap_or_default())
        .collect();
    if keys.first().map(String::as_str) != Some("row_id") || keys[2..] != expected[..] {
        return Err(fail(
            "not_our_export",
            "use a workbook exported from this form (its hidden key row is missing or changed)",
        ));
    }
    let slots = slots(matrix, first_year, last_year);
    let (end_row, _) = range.end().unwrap_or((0, 0));
    let mut lines = Vec::new();
    let mut errors = Vec::new();
    let mut seen_ids = std::collections::HashSet::new();
    for row in FIRST_DATA_ROW..=end_row {
        let cell = |col: u32| range.get_value((row, col)).cloned().unwrap_or(Data::Empty);
        let at = |col: u32| format!("{name}!{}{}", column_letters(col), row + 1);
        let row_id = match cell(0) {
            Data::Empty => None,
            Data::String(text) if text.trim().is_empty() => None,
            Data::String(text) => match text.trim().parse::<Uuid>() {
                Ok(id) => Some(id),
                Err(_) => {
                    errors.push(SheetError {
                        cell: at(0),
                        code: "invalid_row_id",
                        message: "keep the row id of exported rows; leave it empty for new rows".into(),
                    });
                    continue;
                }
            },
            _ => {
                errors.push(SheetError { cell: at(0), code: "invalid_row_id", message: "the row id is text".into() });
                continue;
            }
        };
        // A row copied in Excel carries its id along; two lines with one id would silently overwrite each other.
        if let Some(id) = row_id
            && !seen_ids.insert(id)
        {
            errors.push(SheetError {
                cell: at(0),
                code: "duplicate_row_id",
                message: "this row id is already used above; clear it for a new row".into(),
            });
            continue;
        }
        let mut cells: BTreeMap<String, Value> = BTreeMap::new();
        let mut cols: BTreeMap<String, u32> = BTreeMap::new();
        for (offset, slot) in slots.iter().enumerate() {
            let col = 2 + offset as u32;
            match parse_cell(slot.column.kind, &cell(col)) {
                Ok(None) => {}
                Ok(Some(value)) => {
                    cols.insert(slot.key(), col);
                    match &slot.sub {
                        None => {
                            cells.insert(slot.column.key.clone(), value);
                        }
                        Some(sub) => {
                            let entry = cells.entry(slot.column.key.clone()).or_insert_with(|| json!({}));
                            entry[sub] = value;
                        }
                    }
                }
                Err(code) => errors.push(SheetError {
                    cell: at(col),
                    code,
                    message: format!("{} is not a valid {:?} value", slot.column.label, slot.column.kind),
                }),
            }
        }
        if row_id.is_none() && cells.is_empty() {
            continue;
        }
        for error in matrix.check_cells(first_year, last_year, &cells) {
            let col = cols.get(&error.cell).copied().unwrap_or(2);
            errors.push(SheetError { cell: at(col), code: error.code, message: error.message });
        }
        // Repeated columns span several cells; a line names the first, which is where its values begin.
        let mut cell_addresses = BTreeMap::new();
        for (offset, slot) in slots.iter().enumerate() {
            cell_addresses.entry(slot.column.key.clone()).or_insert_with(|| at(2 + offset as u32));
        }
        lines.push(ImportedLine { row_id, id_cell: at(0), cells, cell_addresses });
    }
    if errors.is_empty() { Ok(lines) } else { Err(Refusal::Invalid(errors)) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sheet_names_are_valid_and_distinct() {
        let long = "Dinas Pemberdayaan Masyarakat dan Desa Kabupaten";
        let mut taken = vec!["Pemda".to_owned()];
        for expected in
            ["Dinas Pemberdayaan Masyarakat d", "Dinas Pemberdayaan Masyarak (2)", "Dinas Pemberdayaan Masyarak (3)"]
        {
            let name = sheet_name(long, &taken);
            assert_eq!(name, expected);
            assert!(name.chars().count() <= 31);
            taken.push(name);
        }
        assert_eq!(sheet_name("PEMDA", &taken), "PEMDA (2)");
        assert_eq!(sheet_name("'Bagian: Hukum/HAM'", &[]), "Bagian HukumHAM");
        assert_eq!(sheet_name("[]", &[]), "Unit");
    }

    #[test]
    fn numbers_typed_as_text_keep_their_decimal_point() {
        assert_eq!(number_in_text("15.000.000"), Some(15_000_000.0));
        assert_eq!(number_in_text("1 500"), Some(1500.0));
        assert_eq!(number_in_text("2.5"), Some(2.5));
        assert_eq!(parse_cell(ColumnType::Integer, &Data::String("2.5".into())), Err("not_integer"));
        assert_eq!(number_in_text("1.50.000"), None);
    }

    #[test]
    fn dates_typed_in_excel_are_read_as_dates() {
        let serial = calamine::ExcelDateTime::new(46_023.0, calamine::ExcelDateTimeType::DateTime, false);
        assert_eq!(parse_cell(ColumnType::Date, &Data::DateTime(serial)), Ok(Some(json!("2026-01-01"))));
        assert_eq!(
            parse_cell(ColumnType::Date, &Data::DateTimeIso("2026-03-31T00:00:00".into())),
            Ok(Some(json!("2026-03-31")))
        );
    }

    #[test]
    fn csv_fields_never_start_a_formula() {
        assert_eq!(csv_field("=HYPERLINK(\"http://x\")"), "\"'=HYPERLINK(\"\"http://x\"\")\"");
        assert_eq!(csv_field("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(csv_field("-5"), "-5");
        assert_eq!(csv_field("Rapat, koordinasi"), "\"Rapat, koordinasi\"");
    }

    #[test]
    fn spreadsheet_columns_are_lettered_like_excel() {
        assert_eq!(column_letters(0), "A");
        assert_eq!(column_letters(25), "Z");
        assert_eq!(column_letters(26), "AA");
        assert_eq!(column_letters(27), "AB");
        assert_eq!(column_letters(701), "ZZ");
    }

    #[test]
    fn csv_fields_are_quoted_when_needed() {
        assert_eq!(csv_field("plain"), "plain");
        assert_eq!(csv_field("a, b"), "\"a, b\"");
        assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
    }

    #[test]
    fn cells_read_back_by_type() {
        assert_eq!(parse_cell(ColumnType::Rupiah, &Data::Float(15000000.0)), Ok(Some(json!(15000000))));
        assert_eq!(parse_cell(ColumnType::Integer, &Data::String("12".into())), Ok(Some(json!(12))));
        assert_eq!(parse_cell(ColumnType::Integer, &Data::String("dua".into())), Err("not_integer"));
        assert_eq!(parse_cell(ColumnType::QuarterSet, &Data::String("I, III".into())), Ok(Some(json!(["I", "III"]))));
        assert_eq!(
            parse_cell(ColumnType::UrlList, &Data::String("https://a\nhttps://b".into())),
            Ok(Some(json!(["https://a", "https://b"])))
        );
        assert_eq!(parse_cell(ColumnType::Text, &Data::Empty), Ok(None));
    }
}

//! Opening an uploaded workbook without trusting it.
//!
//! An .xlsx is a zip of XML parts, and both layers can be made to explode: a few hundred KiB of deflated whitespace
//! unpack to gigabytes, several zip entries can point at the same compressed bytes, the shared-strings part may claim
//! a count that the reader reserves memory for, and a single cell at `XFD1048576` makes a dense grid of seventeen
//! billion cells. So nothing is built from a workbook before two passes that cost a bounded amount of memory:
//!
//! 1. [`check_container`] inflates every entry through a counter and refuses the file as soon as one entry or the
//!    sum of all goes past its limit, whatever sizes the zip headers claim; while doing so it reads the first element
//!    of each XML part and refuses a shared-strings table that declares more strings than a form can hold.
//! 2. [`first_sheet`] streams the first sheet cell by cell and refuses the first cell outside the exported columns or
//!    below the last row a form may have, before any grid exists; the grid it then builds is bounded by those limits.

use std::io::{BufReader, Cursor, Read};

use calamine::{Cell, Data, Range, Reader, Xlsx, open_workbook_from_rs};
use quick_xml::events::Event;

use super::{SheetError, column_letters};

/// How far an uploaded workbook may go.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Zip entries (an exported form has about a dozen).
    pub max_entries: usize,
    /// Uncompressed bytes of one entry.
    pub max_entry_bytes: u64,
    /// Uncompressed bytes of all entries together (overlapping entries count each time).
    pub max_total_bytes: u64,
    /// Strings the shared-strings table may declare.
    pub max_shared_strings: u64,
}

impl Limits {
    /// Ample for any form filled in from our export: its sheet is a few hundred KiB unpacked.
    pub const FORM: Limits = Limits {
        max_entries: 64,
        max_entry_bytes: 4 * 1024 * 1024,
        max_total_bytes: 8 * 1024 * 1024,
        max_shared_strings: 100_000,
    };
}

/// Why a workbook is refused before it is read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// It unpacks (or claims to unpack) to more than the limits allow: 413.
    TooLarge(String),
    /// It is not a workbook we can read, or has cells where the form has none: 422, naming each bad cell.
    Invalid(Vec<SheetError>),
}

fn invalid(cell: impl Into<String>, code: &'static str, message: impl Into<String>) -> Refusal {
    Refusal::Invalid(vec![SheetError { cell: cell.into(), code, message: message.into() }])
}

fn not_xlsx() -> Refusal {
    invalid("workbook", "not_xlsx", "not an .xlsx workbook")
}

/// Counts what passes through, and fails the read once more than `limit` bytes came.
struct Metered<R> {
    inner: R,
    read: u64,
    limit: u64,
}

impl<R: Read> Read for Metered<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.read += n as u64;
        if self.read > self.limit {
            return Err(std::io::Error::other(LimitExceeded));
        }
        Ok(n)
    }
}

#[derive(Debug)]
struct LimitExceeded;

impl std::fmt::Display for LimitExceeded {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("uncompressed size limit exceeded")
    }
}

impl std::error::Error for LimitExceeded {}

fn is_limit(err: &std::io::Error) -> bool {
    err.get_ref().is_some_and(|inner| inner.is::<LimitExceeded>())
}

/// Pass 1: the zip container. Inflates every entry (into nothing) to learn its real size.
pub fn check_container(bytes: &[u8], limits: &Limits) -> Result<(), Refusal> {
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|_| not_xlsx())?;
    if archive.len() > limits.max_entries {
        return Err(Refusal::TooLarge(format!("the workbook has more than {} parts", limits.max_entries)));
    }
    let mut total = 0u64;
    for index in 0..archive.len() {
        let entry = archive.by_index(index).map_err(|_| not_xlsx())?;
        if entry.size() > limits.max_entry_bytes {
            return Err(too_large(limits));
        }
        let is_xml = entry.name().is_ok_and(|name| name.to_ascii_lowercase().ends_with(".xml"));
        let budget = limits.max_entry_bytes.min(limits.max_total_bytes - total);
        let mut metered = Metered { inner: entry, read: 0, limit: budget };
        let outcome = if is_xml { check_xml_part(&mut metered, limits) } else { Ok(()) }.and_then(|()| {
            std::io::copy(&mut metered, &mut std::io::sink()).map(drop).map_err(|err| io_refusal(&err, limits))
        });
        outcome?;
        total += metered.read;
    }
    Ok(())
}

fn too_large(limits: &Limits) -> Refusal {
    Refusal::TooLarge(format!(
        "the workbook unpacks to more than {} MiB (at most {} MiB per part)",
        limits.max_total_bytes / (1024 * 1024),
        limits.max_entry_bytes / (1024 * 1024)
    ))
}

fn io_refusal(err: &std::io::Error, limits: &Limits) -> Refusal {
    if is_limit(err) { too_large(limits) } else { not_xlsx() }
}

/// How far into an XML part its first element must start. Real parts have it within a few hundred bytes; without this
/// bound, whitespace before it would be buffered whole.
const XML_HEAD_BYTES: u64 = 64 * 1024;

/// Reads an XML part up to its first element; a shared-strings table (`<sst>`) must not declare more strings than
/// allowed, since the reader reserves room for every one it announces.
fn check_xml_part(part: &mut impl Read, limits: &Limits) -> Result<(), Refusal> {
    let mut head = part.take(XML_HEAD_BYTES);
    let mut xml = quick_xml::Reader::from_reader(BufReader::new(&mut head));
    let mut buf = Vec::new();
    loop {
        buf.clear();
        match xml.read_event_into(&mut buf) {
            Ok(Event::Start(element) | Event::Empty(element)) => {
                if element.local_name().as_ref() != "sst" {
                    return Ok(());
                }
                for attribute in element.attributes() {
                    let attribute = attribute.map_err(|_| not_xlsx())?;
                    if matches!(attribute.key.local_name().as_ref(), "count" | "uniqueCount") {
                        let declared = attribute.value.parse::<u64>().ok();
                        if declared.is_none_or(|n| n > limits.max_shared_strings) {
                            return Err(Refusal::TooLarge(format!(
                                "the workbook declares more than {} distinct texts",
                                limits.max_shared_strings
                            )));
                        }
                    }
                }
                return Ok(());
            }
            Ok(Event::Eof) => break,
            Ok(_) => {}
            Err(quick_xml::Error::Io(err)) => return Err(io_refusal(&err, limits)),
            Err(_) => return Err(not_xlsx()),
        }
    }
    drop(xml);
    if head.limit() == 0 {
        return Err(invalid("workbook", "not_xlsx", "an XML part of the workbook has no element near its start"));
    }
    Ok(())
}

/// Pass 2: the first sheet's cells, streamed; any cell at or beyond `(max_rows, max_cols)` (0-based) refuses the
/// workbook, naming it. Call [`check_container`] first: this opens the workbook with calamine, which reads its parts
/// whole.
pub fn first_sheet(bytes: &[u8], max_rows: u32, max_cols: u32) -> Result<(String, Range<Data>), Refusal> {
    let mut workbook: Xlsx<_> = open_workbook_from_rs(Cursor::new(bytes)).map_err(|_| not_xlsx())?;
    let name = workbook
        .sheet_names()
        .first()
        .cloned()
        .ok_or_else(|| invalid("workbook", "no_sheet", "the workbook has no sheet"))?;
    let mut reader = workbook
        .worksheet_cells_reader(&name)
        .map_err(|_| invalid("workbook", "unreadable", "the first sheet cannot be read"))?;
    let mut cells = Vec::new();
    loop {
        let cell =
            reader.next_cell().map_err(|_| invalid("workbook", "unreadable", "the first sheet cannot be read"))?;
        let Some(cell) = cell else { break };
        let (row, col) = cell.get_position();
        if row >= max_rows || col >= max_cols {
            return Err(invalid(
                format!("{name}!{}{}", column_letters(col), u64::from(row) + 1),
                "outside_template",
                format!(
                    "cells must stay within the exported columns (A to {}) and the first {max_rows} rows",
                    column_letters(max_cols.saturating_sub(1))
                ),
            ));
        }
        let value: Data = cell.get_value().clone().into();
        if value != Data::Empty {
            cells.push(Cell::new((row, col), value));
        }
    }
    drop(reader);
    Ok((name, Range::from_sparse(cells)))
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;

    fn zip_of(entries: &[(&str, &[u8])]) -> Vec<u8> {
        let mut writer = zip::ZipWriter::new(Cursor::new(Vec::new()));
        let options = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
        for (name, content) in entries {
            writer.start_file(*name, options).unwrap();
            writer.write_all(content).unwrap();
        }
        writer.finish().unwrap().into_inner()
    }

    const SMALL: Limits =
        Limits { max_entries: 4, max_entry_bytes: 1000, max_total_bytes: 1500, max_shared_strings: 10 };

    #[test]
    fn entries_within_the_limits_pass() {
        let zip = zip_of(&[("a.xml", b"<root/>"), ("b.bin", &[7; 900])]);
        assert_eq!(check_container(&zip, &SMALL), Ok(()));
    }

    #[test]
    fn one_entry_too_large_is_refused_whatever_it_claims() {
        let zip = zip_of(&[("sheet.xml", &[b' '; 1001])]);
        assert!(matches!(check_container(&zip, &SMALL), Err(Refusal::TooLarge(_))));
    }

    #[test]
    fn entries_together_too_large_are_refused() {
        let zip = zip_of(&[("a.bin", &[1; 800]), ("b.bin", &[2; 800])]);
        assert!(matches!(check_container(&zip, &SMALL), Err(Refusal::TooLarge(_))));
    }

    #[test]
    fn too_many_entries_are_refused() {
        let zip = zip_of(&[("a", b""), ("b", b""), ("c", b""), ("d", b""), ("e", b"")]);
        assert!(matches!(check_container(&zip, &SMALL), Err(Refusal::TooLarge(_))));
    }

    #[test]
    fn a_shared_strings_table_may_not_announce_more_than_allowed() {
        let fine =
            zip_of(&[("xl/sharedStrings.xml", b"<?xml version=\"1.0\"?>\n<sst count=\"3\" uniqueCount=\"2\"/>")]);
        assert_eq!(check_container(&fine, &SMALL), Ok(()));
        let boastful = zip_of(&[("xl/sharedStrings.xml", b"<sst uniqueCount=\"99999999999999\"></sst>")]);
        assert!(matches!(check_container(&boastful, &SMALL), Err(Refusal::TooLarge(_))));
        let garbled = zip_of(&[("xl/sharedStrings.xml", b"<sst uniqueCount=\"1e9\"></sst>")]);
        assert!(matches!(check_container(&garbled, &SMALL), Err(Refusal::TooLarge(_))));
    }

    #[test]
    fn whitespace_before_the_first_element_counts_against_the_limit() {
        let mut part = vec![b' '; 1200];
        part.extend_from_slice(b"<sst uniqueCount=\"1\"/>");
        let zip = zip_of(&[("xl/sharedStrings.xml", &part)]);
        assert!(matches!(check_container(&zip, &SMALL), Err(Refusal::TooLarge(_))));
    }

    #[test]
    fn an_xml_part_must_start_with_its_element() {
        let roomy = Limits { max_entry_bytes: 1 << 20, max_total_bytes: 1 << 20, ..SMALL };
        let mut part = vec![b' '; XML_HEAD_BYTES as usize];
        part.extend_from_slice(b"<sst uniqueCount=\"99999999\"/>");
        let zip = zip_of(&[("xl/sharedStrings.xml", &part)]);
        let Err(Refusal::Invalid(errors)) = check_container(&zip, &roomy) else {
            panic!("the element starts too late")
        };
        assert_eq!(errors[0].code, "not_xlsx");
        let blank = zip_of(&[("empty.xml", b"")]);
        assert_eq!(check_container(&blank, &roomy), Ok(()));
    }

    #[test]
    fn not_a_zip_is_not_a_workbook() {
        let Err(Refusal::Invalid(errors)) = check_container(b"a,b\n1,2", &SMALL) else { panic!("not a zip") };
        assert_eq!(errors[0].code, "not_xlsx");
    }

    #[test]
    fn a_cell_outside_the_template_is_named() {
        let mut workbook = rust_xlsxwriter::Workbook::new();
        let sheet = workbook.add_worksheet();
        sheet.set_name("PUPR").unwrap();
        sheet.write_string(0, 0, "judul").unwrap();
        sheet.write_string(2, 5, "di luar").unwrap();
        let bytes = workbook.save_to_buffer().unwrap();
        let Err(Refusal::Invalid(errors)) = first_sheet(&bytes, 10, 5) else { panic!("the cell at F3 is outside") };
        assert_eq!((errors[0].cell.as_str(), errors[0].code), ("PUPR!F3", "outside_template"));
        let (name, range) = first_sheet(&bytes, 10, 6).unwrap();
        assert_eq!(name, "PUPR");
        assert_eq!(range.get_value((2, 5)), Some(&Data::String("di luar".into())));
    }
}

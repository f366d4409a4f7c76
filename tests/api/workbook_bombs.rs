//! Hostile workbooks sent to the Rencana Aksi import: each is refused quickly and costs the server little memory.
//!
//! The server here is the real binary in a process of its own, so that its peak resident memory (`VmHWM` in
//! `/proc/<pid>/status`) measures what the bombs cost it and nothing else the test binary does in parallel.

use std::io::{Cursor, Write};
use std::process::{Child, Command};
use std::time::{Duration, Instant};

use pengaduan::domain::role::Role;
use reqwest::{Method, StatusCode};
use serde_json::Value;

use crate::action_plans::{open_form, period};
use crate::helpers::{TestApp, TestUser, serve_binary, spawn_app_with, spawn_seeded_app};

const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// The parts every workbook needs around its first sheet (and, when given, its shared strings).
fn workbook_with(write_sheet: impl FnOnce(&mut dyn Write), shared_strings: Option<&[u8]>) -> Vec<u8> {
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .compression_level(Some(9))
        .large_file(true);
    let parts: [(&str, &str); 4] = [
        (
            "[Content_Types].xml",
            r#"<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>"#,
        ),
        (
            "_rels/.rels",
            r#"<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#,
        ),
        (
            "xl/workbook.xml",
            r#"<?xml version="1.0"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="PUPR" sheetId="1" r:id="rId1"/></sheets></workbook>"#,
        ),
        (
            "xl/_rels/workbook.xml.rels",
            r#"<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>"#,
        ),
    ];
    for (name, content) in parts {
        zip.start_file(name, options).unwrap();
        zip.write_all(content.as_bytes()).unwrap();
    }
    if let Some(strings) = shared_strings {
        zip.start_file("xl/sharedStrings.xml", options).unwrap();
        zip.write_all(strings).unwrap();
    }
    zip.start_file("xl/worksheets/sheet1.xml", options).unwrap();
    write_sheet(&mut zip);
    zip.finish().unwrap().into_inner()
}

const SHEET_START: &[u8] =
    br#"<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>"#;
const SHEET_END: &[u8] = b"</sheetData></worksheet>";

/// Writes `bytes` `times` times, so that a bomb never needs its unpacked size in the test's memory.
fn repeat(out: &mut dyn Write, bytes: &[u8], times: usize) {
    for _ in 0..times {
        out.write_all(bytes).unwrap();
    }
}

/// Cells only at A1 and XFD1048576: a dense grid over their bounding box has 17 billion cells.
fn corner_cells() -> Vec<u8> {
    let mut workbook = rust_xlsxwriter::Workbook::new();
    let sheet = workbook.add_worksheet();
    sheet.set_name("PUPR").unwrap();
    sheet.write_string(0, 0, "pojok").unwrap();
    sheet.write_number(1_048_575, 16_383, 1.0).unwrap();
    workbook.save_to_buffer().unwrap()
}

/// 128 MiB of whitespace inside the sheet, deflated to about 130 KiB.
fn whitespace_bomb() -> Vec<u8> {
    let spaces = vec![b' '; 1 << 20];
    workbook_with(
        |sheet| {
            sheet.write_all(SHEET_START).unwrap();
            repeat(sheet, &spaces, 128);
            sheet.write_all(SHEET_END).unwrap();
        },
        None,
    )
}

/// Numeric cells without positions, rows of ten, well under the size limits: about 3 MiB of XML, 200,000 cells.
fn numeric_cell_bomb() -> Vec<u8> {
    let row = format!("<row>{}</row>", "<c><v>1</v></c>".repeat(10));
    workbook_with(
        |sheet| {
            sheet.write_all(SHEET_START).unwrap();
            repeat(sheet, row.as_bytes(), 20_000);
            sheet.write_all(SHEET_END).unwrap();
        },
        None,
    )
}

/// A shared-strings table announcing four billion strings (the reader reserves room for them), and a second one
/// that really holds millions of tiny strings.
fn shared_strings_bombs() -> [Vec<u8>; 2] {
    let sheet = |out: &mut dyn Write| {
        out.write_all(SHEET_START).unwrap();
        out.write_all(SHEET_END).unwrap();
    };
    let announced = workbook_with(sheet, Some(br#"<sst uniqueCount="4000000000" count="4000000000"></sst>"#));
    let mut many = br#"<sst count="10" uniqueCount="10">"#.to_vec();
    many.extend(b"<si><t>a</t></si>".repeat(4_000_000));
    many.extend(b"</sst>");
    let real = workbook_with(sheet, Some(&many));
    [announced, real]
}

/// One deflated entry of 3 MiB (under the per-part limit) listed 60 times in the central directory, each listing
/// pointing at the same compressed bytes: 180 MiB from a few KiB.
fn overlapping_entries() -> Vec<u8> {
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    zip.start_file("p000.bin", options).unwrap();
    repeat(&mut zip, &[b' '; 1024], 3 * 1024);
    let single = zip.finish().unwrap().into_inner();

    let directory_at = single.windows(4).position(|w| w == [0x50, 0x4b, 0x01, 0x02]).unwrap();
    let end_at = single.windows(4).rposition(|w| w == [0x50, 0x4b, 0x05, 0x06]).unwrap();
    let entry = &single[directory_at..end_at];
    let copies = 60u16;
    let mut out = single[..directory_at].to_vec();
    for copy in 0..copies {
        let mut listing = entry.to_vec();
        let name_at = 46;
        listing[name_at + 1..name_at + 4].copy_from_slice(format!("{copy:03}").as_bytes());
        out.extend(listing);
    }
    let directory_size = (out.len() - directory_at) as u32;
    let mut end = single[end_at..end_at + 22].to_vec();
    end[8..10].copy_from_slice(&copies.to_le_bytes());
    end[10..12].copy_from_slice(&copies.to_le_bytes());
    end[12..16].copy_from_slice(&directory_size.to_le_bytes());
    end[16..20].copy_from_slice(&(directory_at as u32).to_le_bytes());
    out.extend(end);
    out
}

/// The real binary serving the test's database, and its process id.
struct Server {
    child: Child,
    base: String,
}

impl Server {
    fn start(app: &TestApp) -> Server {
        let data_dir = std::env::temp_dir().join(format!("pengaduan-bombs-{}", uuid::Uuid::now_v7().simple()));
        let mut command = Command::new(env!("CARGO_BIN_EXE_pengaduan"));
        command
            .env("DATABASE_URL", &app.database.url)
            .env("PENGADUAN_DATA_DIR", &data_dir)
            .env("PENGADUAN_JWT_SECRET", "test-signing-key-".repeat(4))
            .env("PENGADUAN_WORKERS", "1")
            .env("PENGADUAN_RUN_JOBS", "false");
        let (child, port) = serve_binary(command);
        Server { child, base: format!("http://127.0.0.1:{port}") }
    }

    /// The most memory the server has held so far, in KiB.
    fn peak_kib(&self) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).unwrap();
        let line = status.lines().find(|line| line.starts_with("VmHWM:")).unwrap();
        line.split_whitespace().nth(1).unwrap().parse().unwrap()
    }

    async fn import(&self, form: &str, user: &TestUser, body: Vec<u8>) -> (StatusCode, Value, Duration) {
        let started = Instant::now();
        let response = crate::helpers::http_client()
            .post(format!("{}/api/v1/action-plans/{form}/import", self.base))
            .bearer_auth(&user.access_token)
            .header("content-type", XLSX)
            .body(body)
            .send()
            .await
            .unwrap();
        let status = response.status();
        let body = response.json().await.unwrap_or(Value::Null);
        (status, body, started.elapsed())
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[tokio::test]
async fn hostile_workbooks_are_refused_at_once_and_cost_the_server_little_memory() {
    let app = spawn_seeded_app().await;
    let operator = app.user(Role::OpdOperator, "SKD-PUPR").await;
    let period = period(&app, &operator).await;
    let form = open_form(&app, &operator, &period).await["id"].as_str().unwrap().to_owned();
    let server = Server::start(&app);
    let export = app
        .authed(Method::GET, &format!("/api/v1/action-plans/{form}/export.xlsx"), &operator)
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap()
        .to_vec();
    let (status, _, _) = server.import(&form, &operator, export).await;
    assert_eq!(status, StatusCode::OK, "a real export goes back in");
    let baseline = server.peak_kib();

    let [announced, many_strings] = shared_strings_bombs();
    let bombs = [
        ("corner cells", corner_cells(), StatusCode::UNPROCESSABLE_ENTITY, "outside_template"),
        ("whitespace", whitespace_bomb(), StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large"),
        ("numeric cells", numeric_cell_bomb(), StatusCode::UNPROCESSABLE_ENTITY, "outside_template"),
        ("announced shared strings", announced, StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large"),
        ("many shared strings", many_strings, StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large"),
        ("overlapping entries", overlapping_entries(), StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large"),
    ];
    for (name, bytes, expected, code) in bombs {
        assert!(bytes.len() < 256 * 1024, "{name} fits under the body limit ({} bytes)", bytes.len());
        let (status, problem, took) = server.import(&form, &operator, bytes).await;
        assert_eq!(status, expected, "{name}: {problem}");
        let reported = problem["errors"][0]["code"].as_str().unwrap_or(problem["code"].as_str().unwrap_or_default());
        assert_eq!(reported, code, "{name}: {problem}");
        assert!(took < Duration::from_secs(1), "{name} took {took:?}");
        eprintln!(
            "{name}: {status} in {took:?}, server peak now {} KiB above the baseline",
            server.peak_kib().saturating_sub(baseline)
        );
    }
    let grown_kib = server.peak_kib().saturating_sub(baseline);
    assert!(grown_kib < 50 * 1024, "the bombs raised the server's peak memory by {grown_kib} KiB");

    let corner = server.import(&form, &operator, corner_cells()).await.1;
    assert_eq!(corner["errors"][0]["field"], "PUPR!XFD1048576", "the refusal names the cell");
}

#[tokio::test]
async fn only_those_who_may_edit_the_form_get_their_workbook_read() {
    let app = spawn_app_with(|settings| settings.body_limit = 4096).await;
    pengaduan::services::seed::seed(&mut app.conn().await).await.unwrap();
    let operator = app.user(Role::OpdOperator, "SKD-PUPR").await;
    let leader = app.user(Role::Leader, "SKD").await;
    let period = period(&app, &operator).await;
    let form = open_form(&app, &operator, &period).await["id"].as_str().unwrap().to_owned();
    let path = format!("/api/v1/action-plans/{form}/import");

    // Larger than the body limit: had the body been read first, the answer would be 413.
    let oversized = vec![0u8; 8192];
    let refused =
        app.authed(Method::POST, &path, &leader).header("content-type", XLSX).body(oversized.clone()).send().await;
    let refused = refused.unwrap();
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    let too_large =
        app.authed(Method::POST, &path, &operator).header("content-type", XLSX).body(oversized).send().await.unwrap();
    assert_eq!(too_large.status(), StatusCode::PAYLOAD_TOO_LARGE);
}

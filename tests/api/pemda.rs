//! Any Pemda ready in one step: created through the units API or `pengaduan pemda create`, it takes reports at once,
//! counts deadlines with the national holidays, and says when its calendar runs short.

use std::process::Command;

use chrono::Duration;
use pengaduan::domain::role::Role;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::complaints::{file, report};
use crate::helpers::{TestApp, spawn_app_with};

async fn app() -> TestApp {
    let app = spawn_app_with(|settings| settings.run_jobs = false).await;
    pengaduan::services::seed::seed(&mut app.conn().await).await.unwrap();
    app
}

fn pengaduan(app: &TestApp) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_pengaduan"));
    command.env("DATABASE_URL", &app.database.url).env("RUST_LOG", "warn").env_remove("PENGADUAN_PASSWORD");
    command
}

/// An admin of the Pemda with `code`, signed in.
async fn admin_of(app: &TestApp, code: &str) -> crate::helpers::TestUser {
    app.user(Role::Admin, code).await
}

async fn get(app: &TestApp, user: &crate::helpers::TestUser, path: &str) -> reqwest::Response {
    app.authed(Method::GET, path, user).send().await.unwrap()
}

#[tokio::test]
async fn a_pemda_created_through_the_api_takes_reports_at_once() {
    let app = app().await;
    let root = app.user(Role::SuperAdmin, "SKD").await;
    let created = app
        .authed(Method::POST, "/api/v1/units", &root)
        .json(&json!({ "kind": "regency", "code": "KTP", "name": "Pemerintah Kabupaten Ketapang" }))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), StatusCode::CREATED);

    let mut body = report();
    body["pemda_code"] = json!("KTP");
    let filed = file(&app, &body).await;
    assert_eq!(filed.status(), StatusCode::CREATED, "no 409 no_deadline_policy: {:?}", filed.text().await);

    let admin = admin_of(&app, "KTP").await;
    let policies: Value = get(&app, &admin, "/api/v1/deadline-policies").await.json().await.unwrap();
    assert_eq!(policies.as_array().unwrap().len(), 4, "the four national policies");
    let holidays: Value = get(&app, &admin, "/api/v1/holidays?year=2026").await.json().await.unwrap();
    assert!(holidays.as_array().unwrap().iter().any(|h| h["date"] == "2026-03-19"), "Nyepi is in the calendar");
    let categories: Value =
        app.request(Method::GET, "/api/v1/categories?pemda_code=KTP").send().await.unwrap().json().await.unwrap();
    assert_eq!(categories.as_array().unwrap().len(), 12, "the default category tree");
}

#[tokio::test]
async fn the_command_line_creates_a_pemda_and_imports_the_next_decree() {
    let app = app().await;
    let created = pengaduan(&app)
        .args(["pemda", "create", "--code", "kaltim", "--name", "Pemerintah Provinsi Kalimantan Timur"])
        .args(["--kind", "province", "--short-name", "Provinsi Kalimantan Timur"])
        .output()
        .unwrap();
    assert!(created.status.success(), "{}", String::from_utf8_lossy(&created.stderr));
    assert!(String::from_utf8_lossy(&created.stderr).contains("4 deadline policies"));
    let below = pengaduan(&app)
        .args(["pemda", "create", "--code", "SGU", "--name", "Pemerintah Kabupaten Sanggau", "--kind", "regency"])
        .args(["--parent", "KALTIM"])
        .output()
        .unwrap();
    assert!(below.status.success(), "{}", String::from_utf8_lossy(&below.stderr));
    let again = pengaduan(&app)
        .args(["pemda", "create", "--code", "SGU", "--name", "X", "--kind", "regency"])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&again.stderr).contains("code_taken"));
    let not_a_pemda = pengaduan(&app)
        .args(["pemda", "create", "--code", "SGU-DINAS", "--name", "X", "--kind", "opd", "--parent", "SGU"])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&not_a_pemda.stderr).contains("a Pemda is a province, regency or city"));

    let admin = admin_of(&app, "SGU").await;
    let mut body = report();
    body["pemda_code"] = json!("SGU");
    assert_eq!(file(&app, &body).await.status(), StatusCode::CREATED);

    // A month into 2027 the bundled calendar (ending 2027-12-31) no longer covers the next twelve months.
    app.state.clock.advance(Duration::days(61));
    let short = get(&app, &admin, "/api/v1/holidays?year=2027").await;
    assert_eq!(short.headers()["calendar-covered-until"], "2027-12-31");
    assert!(short.headers()["calendar-warning"].to_str().unwrap().contains("ends on 2027-12-31"));
    let today = app.state.clock.now().date_naive();
    let warned = pengaduan::services::pemda::warn_about_short_calendars(&mut app.conn().await, today).await.unwrap();
    assert_eq!(warned, 6, "the four seeded Pemdas, Kalimantan Timur and Sanggau are all short");

    let dir = std::env::temp_dir().join(format!("pengaduan-decree-{}", uuid::Uuid::now_v7().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    let broken = dir.join("broken.csv");
    std::fs::write(&broken, "date,kind,name_id,source\n2028-01-01,national,Tahun Baru,SKB\n2028-02-30,national,X,\n")
        .unwrap();
    let refused = pengaduan(&app).args(["holidays", "import"]).arg(&broken).output().unwrap();
    assert!(!refused.status.success());
    assert!(
        String::from_utf8_lossy(&refused.stderr).contains("line 3"),
        "{}",
        String::from_utf8_lossy(&refused.stderr)
    );
    let decree = dir.join("skb-2028.csv");
    std::fs::write(
        &decree,
        "date,kind,name_id,source\n2028-01-01,national,Tahun Baru 2028 Masehi,SKB 2027\n\
         2028-01-26,national,Tahun Baru Imlek 2579 Kongzili,SKB 2027\n",
    )
    .unwrap();
    let imported = pengaduan(&app).args(["holidays", "import"]).arg(&decree).output().unwrap();
    assert!(imported.status.success(), "{}", String::from_utf8_lossy(&imported.stderr));
    assert!(String::from_utf8_lossy(&imported.stderr).contains("12 holiday(s) added to 6 Pemda calendar(s)"));
    let again = pengaduan(&app).args(["holidays", "import", "--pemda", "SGU"]).arg(&decree).output().unwrap();
    assert!(String::from_utf8_lossy(&again.stderr).contains("0 holiday(s) added to 1 Pemda calendar(s); 2 already"));
    let _ = std::fs::remove_dir_all(&dir);

    let covered = get(&app, &admin, "/api/v1/holidays?year=2028").await;
    assert_eq!(covered.headers()["calendar-covered-until"], "2028-12-31");
    assert!(covered.headers().get("calendar-warning").is_none());
    let holidays: Value = covered.json().await.unwrap();
    assert_eq!(holidays.as_array().unwrap().len(), 2);
}

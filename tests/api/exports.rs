//! Asynchronous complaint exports: queued at once, written by a worker of any instance, downloaded by their requester
//! for a day, then removed.

use chrono::Duration;
use diesel_async::RunQueryDsl;
use pengaduan::domain::role::Role;
use pengaduan::services::reports::export_jobs;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::action_plans::sheet;
use crate::complaints::{filed, report};
use crate::helpers::{TestApp, TestUser, assert_problem, eventually, spawn_seeded_app};
use crate::reports::{November, november};

async fn ask(app: &TestApp, user: &TestUser, body: Value) -> Value {
    let response = app.authed(Method::POST, "/api/v1/exports", user).json(&body).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::ACCEPTED, "{:?}", response.text().await);
    let export: Value = response.json().await.unwrap();
    export
}

async fn status(app: &TestApp, user: &TestUser, export: &Value) -> Value {
    let path = format!("/api/v1/exports/{}", export["id"].as_str().unwrap());
    let response = app.authed(Method::GET, &path, user).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    response.json().await.unwrap()
}

fn file_path(export: &Value) -> String {
    format!("/api/v1/exports/{}/file", export["id"].as_str().unwrap())
}

#[tokio::test]
async fn an_export_is_queued_at_once_written_by_a_worker_and_downloaded_by_its_requester() {
    let November { app, admin, pupr_operator } = november().await;
    let response = app
        .authed(Method::POST, "/api/v1/exports", &admin)
        .json(&json!({ "format": "csv", "filters": { "start_date": "2026-11-01", "end_date": "2026-11-30" } }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::ACCEPTED);
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    assert!(response.headers().contains_key("retry-after"));
    let export: Value = response.json().await.unwrap();
    assert_eq!(location, format!("/api/v1/exports/{}", export["id"].as_str().unwrap()));
    assert_eq!((export["status"].as_str(), export["format"].as_str()), (Some("queued"), Some("csv")));
    assert_eq!(export["download_url"], Value::Null);

    let early = app.authed(Method::GET, &file_path(&export), &admin).send().await.unwrap();
    assert_problem(early, StatusCode::CONFLICT, "export_not_ready").await;
    let polled = app.authed(Method::GET, &location, &admin).send().await.unwrap();
    assert!(polled.headers().contains_key("retry-after"), "poll again later");

    assert!(export_jobs::run_next(&app.state).await.unwrap().is_some());
    assert!(export_jobs::run_next(&app.state).await.unwrap().is_none(), "nothing else waits");

    let done = status(&app, &admin, &export).await;
    assert_eq!(done["status"], "done");
    assert_eq!(done["row_count"], 4);
    assert_eq!(done["download_url"], file_path(&export));
    let expires = chrono::DateTime::parse_from_rfc3339(done["expires_at"].as_str().unwrap()).unwrap();
    let finished = chrono::DateTime::parse_from_rfc3339(done["finished_at"].as_str().unwrap()).unwrap();
    assert_eq!(expires - finished, Duration::hours(24));

    let file = app.authed(Method::GET, &file_path(&export), &admin).send().await.unwrap();
    assert_eq!(file.status(), StatusCode::OK);
    assert_eq!(file.headers()["content-type"], "text/csv; charset=utf-8");
    let text = file.text().await.unwrap();
    assert_eq!(done["size_bytes"], text.len());
    let direct = app.authed(Method::GET, "/api/v1/complaints/export.csv", &admin).send().await.unwrap();
    assert_eq!(text, direct.text().await.unwrap(), "the same file as the direct export");
    assert!(!text.contains("Budi"), "no reporter");

    // Nobody else learns that it exists, not even another admin of the Pemda.
    let other_admin = app.user(Role::Admin, "SKD-DISKOMINFO").await;
    for user in [&other_admin, &pupr_operator] {
        let hidden = app.authed(Method::GET, &location, user).send().await.unwrap();
        assert_problem(hidden, StatusCode::NOT_FOUND, "not_found").await;
        let hidden = app.authed(Method::GET, &file_path(&export), user).send().await.unwrap();
        assert_problem(hidden, StatusCode::NOT_FOUND, "not_found").await;
    }
}

#[tokio::test]
async fn a_workbook_export_holds_the_filtered_complaints_and_expires_after_a_day() {
    let November { app, admin, .. } = november().await;
    let export = ask(&app, &admin, json!({ "format": "xlsx", "filters": { "status": "archived" } })).await;
    export_jobs::run_next(&app.state).await.unwrap();
    let done = status(&app, &admin, &export).await;
    assert_eq!((done["status"].as_str(), done["row_count"].as_i64()), (Some("done"), Some(1)));
    let file = app.authed(Method::GET, &file_path(&export), &admin).send().await.unwrap();
    assert_eq!(file.headers()["content-type"], "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");
    let rows = sheet(&file.bytes().await.unwrap(), "Pengaduan");
    assert_eq!(rows.rows().count(), 2, "the header and the archived complaint");

    let folder = export_jobs::folder(&app.state);
    assert_eq!(std::fs::read_dir(&folder).unwrap().count(), 1, "one file, no leftovers");
    app.state.clock.advance(Duration::hours(24) + Duration::minutes(1));
    let late = app.authed(Method::GET, &file_path(&export), &admin).send().await.unwrap();
    assert_problem(late, StatusCode::CONFLICT, "export_expired").await;
    let swept = pengaduan::jobs::housekeeping::run(&app.state).await.unwrap().unwrap();
    assert_eq!(swept.export_files, 1);
    assert_eq!(std::fs::read_dir(&folder).unwrap().count(), 0, "the file is gone");
    assert_eq!(status(&app, &admin, &export).await["status"], "expired");
}

#[tokio::test]
async fn exports_are_refused_to_those_who_may_not_read_complaints_and_to_bad_requests() {
    let November { app, admin, pupr_operator } = november().await;
    let refused =
        app.authed(Method::POST, "/api/v1/exports", &pupr_operator).json(&json!({ "format": "csv" })).send().await;
    assert_problem(refused.unwrap(), StatusCode::FORBIDDEN, "forbidden").await;
    let anonymous = app.request(Method::POST, "/api/v1/exports").json(&json!({ "format": "csv" })).send().await;
    assert_eq!(anonymous.unwrap().status(), StatusCode::UNAUTHORIZED);
    for body in [
        json!({ "format": "pdf" }),
        json!({ "format": "csv", "filters": { "status": "lost" } }),
        json!({ "format": "csv", "filters": { "limit": 5 } }),
        json!({ "format": "csv", "filters": { "escalation_level": 9 } }),
    ] {
        let bad = app.authed(Method::POST, "/api/v1/exports", &admin).json(&body).send().await.unwrap();
        assert_problem(bad, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    }
    assert!(export_jobs::run_next(&app.state).await.unwrap().is_none(), "nothing was queued");

    // At most three waiting at once per person: each may become a very large file.
    for _ in 0..3 {
        ask(&app, &admin, json!({ "format": "csv" })).await;
    }
    let fourth = app.authed(Method::POST, "/api/v1/exports", &admin).json(&json!({ "format": "csv" })).send().await;
    assert_problem(fourth.unwrap(), StatusCode::CONFLICT, "too_many_exports").await;
    export_jobs::run_next(&app.state).await.unwrap();
    ask(&app, &admin, json!({ "format": "csv" })).await;
}

#[tokio::test]
async fn workers_never_share_an_export_and_take_over_one_whose_worker_died() {
    let November { app, admin, .. } = november().await;
    let first = ask(&app, &admin, json!({ "format": "csv" })).await;
    let second = ask(&app, &admin, json!({ "format": "csv" })).await;
    let (a, b) = tokio::join!(export_jobs::run_next(&app.state), export_jobs::run_next(&app.state));
    let mut ran = vec![a.unwrap().unwrap().to_string(), b.unwrap().unwrap().to_string()];
    ran.sort();
    let mut asked = vec![first["id"].as_str().unwrap().to_owned(), second["id"].as_str().unwrap().to_owned()];
    asked.sort();
    assert_eq!(ran, asked, "each export ran once");

    // A worker claims an export and dies: once its lease runs out, the next worker takes it over.
    let orphan = ask(&app, &admin, json!({ "format": "csv" })).await;
    let now = app.state.clock.now();
    let mut conn = app.conn().await;
    let claimed = pengaduan::db::exports::claim(&mut conn, now, now + pengaduan::domain::export::LEASE).await.unwrap();
    assert!(claimed.is_some());
    assert!(export_jobs::run_next(&app.state).await.unwrap().is_none(), "held while its lease runs");
    app.state.clock.advance(pengaduan::domain::export::LEASE + Duration::seconds(1));
    assert!(export_jobs::run_next(&app.state).await.unwrap().is_some());
    let done = status(&app, &admin, &orphan).await;
    assert_eq!(done["status"], "done");
    assert_eq!(done["row_count"], 4);
}

#[tokio::test]
async fn an_export_whose_requester_lost_their_rights_is_not_written() {
    let November { app, admin, .. } = november().await;
    let export = ask(&app, &admin, json!({ "format": "csv" })).await;
    let mut conn = app.conn().await;
    diesel::sql_query("UPDATE users SET active = false WHERE id = $1")
        .bind::<diesel::sql_types::Uuid, _>(admin.id)
        .execute(&mut conn)
        .await
        .unwrap();
    export_jobs::run_next(&app.state).await.unwrap();
    let mut conn = app.conn().await;
    let row = pengaduan::db::exports::find(&mut conn, export["id"].as_str().unwrap().parse().unwrap()).await.unwrap();
    let row = row.unwrap();
    assert_eq!(row.status, "failed");
    assert!(row.error.unwrap().contains("rights changed"));
    assert_eq!(std::fs::read_dir(export_jobs::folder(&app.state)).map(|d| d.count()).unwrap_or(0), 0);
}

#[tokio::test]
async fn a_written_export_is_not_handed_to_a_requester_who_lost_the_right_to_read_it() {
    let November { app, admin, .. } = november().await;
    let export = ask(&app, &admin, json!({ "format": "csv" })).await;
    export_jobs::run_next(&app.state).await.unwrap();
    assert_eq!(app.authed(Method::GET, &file_path(&export), &admin).send().await.unwrap().status(), StatusCode::OK);
    let mut conn = app.conn().await;
    diesel::sql_query("UPDATE users SET role = 'leader' WHERE id = $1")
        .bind::<diesel::sql_types::Uuid, _>(admin.id)
        .execute(&mut conn)
        .await
        .unwrap();
    // Roles are read fresh (the session cache hears of the change); give it the moment the notification takes.
    eventually(
        || async {
            app.authed(Method::GET, &file_path(&export), &admin).send().await.unwrap().status() == StatusCode::FORBIDDEN
        },
        "the demoted requester is refused the file",
    )
    .await;
}

#[tokio::test]
async fn the_running_service_writes_an_export_as_soon_as_it_is_asked_for() {
    let app = spawn_seeded_app().await;
    let admin = app.user(Role::Admin, "SKD-DISKOMINFO").await;
    filed(&app, &report()).await;
    let export = ask(&app, &admin, json!({ "format": "csv" })).await;
    eventually(
        || async {
            let response =
                app.authed(Method::GET, &format!("/api/v1/exports/{}", export["id"].as_str().unwrap()), &admin);
            let view: Value = response.send().await.unwrap().json().await.unwrap();
            view["status"] == "done"
        },
        "the export is written",
    )
    .await;
    let text = app.authed(Method::GET, &file_path(&export), &admin).send().await.unwrap().text().await.unwrap();
    assert_eq!(text.lines().count(), 2, "the header and the complaint");
}

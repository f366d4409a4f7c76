//! Reports over a November worked out by hand: four reports filed on Monday 2 November 2026 (Wednesday 4 November a
//! local holiday), one answered the next day after a reopen, one answered late, one archived, one never verified.
//! The clock is set to that Monday, so the working days are the same whatever day the tests run.

use chrono::{TimeZone, Utc};
use chrono_tz::Asia::Pontianak;
use pengaduan::domain::role::Role;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::action_plans::sheet;
use crate::complaints::{filed, id_of, report};
use crate::helpers::{TestApp, TestUser, assert_problem, spawn_app_with};

async fn post(app: &TestApp, user: &TestUser, path: &str, body: Value) -> Value {
    let response = app.authed(Method::POST, path, user).json(&body).send().await.unwrap();
    assert!(response.status().is_success(), "POST {path}: {:?}", response.text().await);
    response.json().await.unwrap()
}

async fn get(app: &TestApp, user: &TestUser, path: &str) -> Value {
    let response = app.authed(Method::GET, path, user).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK, "GET {path}");
    response.json().await.unwrap()
}

/// Moves the app's clock to a local time in Sekadau (tokens keep the real time).
fn set_clock(app: &TestApp, month: u32, day: u32, hour: u32) {
    let target = Pontianak.with_ymd_and_hms(2026, month, day, hour, 0, 0).unwrap().with_timezone(&Utc);
    app.state.clock.advance(target - app.state.clock.now());
}

/// The November dataset: the app (jobs off, clock on Monday 16 November 2026), Sekadau's admin and a PUPR operator.
pub struct November {
    pub app: TestApp,
    pub admin: TestUser,
    pub pupr_operator: TestUser,
}

async fn reply(app: &TestApp, receipt: &Value, rating: u8, satisfied: bool) {
    let code = receipt["tracking_code"].as_str().unwrap();
    let response = app
        .request(Method::POST, &format!("/api/v1/public/complaints/{code}/feedback"))
        .header("x-reporter-secret", receipt["reporter_secret"].as_str().unwrap())
        .json(&json!({ "rating": rating, "satisfied": satisfied }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
}

async fn answer(app: &TestApp, operator: &TestUser, official: &TestUser, disposition: &str) {
    let draft = post(
        app,
        operator,
        &format!("/api/v1/dispositions/{disposition}/follow-ups"),
        json!({
            "body": "Jalan sudah diperbaiki.", "visibility": "public", "final": true
        }),
    )
    .await;
    post(app, official, &format!("/api/v1/follow-ups/{}/approve", draft["id"].as_str().unwrap()), json!({})).await;
}

pub async fn november() -> November {
    let app = spawn_app_with(|s| s.run_jobs = false).await;
    pengaduan::services::seed::seed(&mut app.conn().await).await.unwrap();
    set_clock(&app, 11, 2, 8);
    let admin = app.user(Role::Admin, "SKD-DISKOMINFO").await;
    let pupr_operator = app.user(Role::OpdOperator, "SKD-PUPR").await;
    let pupr_official = app.user(Role::OpdOfficial, "SKD-PUPR").await;
    let dinkes_operator = app.user(Role::OpdOperator, "SKD-DINKES").await;
    post(&app, &admin, "/api/v1/holidays", json!({ "date": "2026-11-04", "name": "Libur daerah" })).await;

    let mut body = report();
    body["incident_date"] = json!("2026-10-30");
    let receipts =
        [filed(&app, &body).await, filed(&app, &body).await, filed(&app, &body).await, filed(&app, &body).await];
    let mut ids = Vec::new();
    for receipt in &receipts {
        ids.push(id_of(&app, receipt).await);
    }
    let (a, b, c) = (ids[0], ids[1], ids[2]);
    for id in [a, b] {
        post(&app, &admin, &format!("/api/v1/complaints/{id}/verify"), json!({})).await;
    }
    post(&app, &admin, &format!("/api/v1/complaints/{c}/archive"), json!({ "reason": "spam", "note": "Iklan." })).await;
    let (pupr, dinkes) = (app.unit_id("SKD-PUPR").await, app.unit_id("SKD-DINKES").await);
    let to_a = post(
        &app,
        &admin,
        &format!("/api/v1/complaints/{a}/dispositions"),
        json!({
            "unit_ids": [pupr, dinkes], "instruction": "Mohon ditindaklanjuti."
        }),
    )
    .await;
    let to_b = post(
        &app,
        &admin,
        &format!("/api/v1/complaints/{b}/dispositions"),
        json!({
            "unit_ids": [pupr], "instruction": "Mohon ditindaklanjuti."
        }),
    )
    .await;
    let of = |sent: &Value, unit: Uuid| {
        sent.as_array().unwrap().iter().find(|d| d["unit_id"] == unit.to_string()).unwrap()["id"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let (a_pupr, a_dinkes, b_pupr) = (of(&to_a, pupr), of(&to_a, dinkes), of(&to_b, pupr));
    post(
        &app,
        &dinkes_operator,
        &format!("/api/v1/dispositions/{a_dinkes}/return"),
        json!({
            "reason": "wrong_disposition", "note": "Urusan jalan."
        }),
    )
    .await;
    for disposition in [&a_pupr, &b_pupr] {
        post(&app, &pupr_operator, &format!("/api/v1/dispositions/{disposition}/accept"), json!({})).await;
    }

    // Tuesday: A answered, the reporter unhappy, answered again, the reporter satisfied.
    set_clock(&app, 11, 3, 9);
    answer(&app, &pupr_operator, &pupr_official, &a_pupr).await;
    reply(&app, &receipts[0], 2, false).await;
    answer(&app, &pupr_operator, &pupr_official, &a_pupr).await;
    reply(&app, &receipts[0], 4, true).await;

    // A day at a time to Monday 16 November, the deadline job running each day: B's disposition escalates.
    for day in 4..=16 {
        set_clock(&app, 11, day, 7);
        pengaduan::jobs::deadlines::run(&app.state).await.unwrap();
    }
    set_clock(&app, 11, 16, 9);
    answer(&app, &pupr_operator, &pupr_official, &b_pupr).await;
    set_clock(&app, 11, 16, 12);
    November { app, admin, pupr_operator }
}

#[tokio::test]
async fn the_summary_of_november_matches_the_figures_worked_out_by_hand() {
    let November { app, admin, .. } = november().await;
    let summary = get(&app, &admin, "/api/v1/reports/summary?month=2026-11").await;

    assert_eq!(summary["pemda"]["code"], "SKD");
    assert_eq!(summary["period"], json!({ "from": "2026-11-01", "to": "2026-11-30" }));
    assert_eq!(
        [&summary["received"], &summary["verified"], &summary["answered"], &summary["resolved"], &summary["finished"]],
        [&json!(4), &json!(2), &json!(2), &json!(2), &json!(1)]
    );
    assert_eq!(summary["follow_up_rate"], 100.0);
    assert_eq!(summary["by_classification"]["pengaduan"], 4);
    assert_eq!(summary["by_channel"]["web"], 4);
    assert_eq!(
        summary["by_status"],
        json!({
            "submitted": 1, "postponed": 0, "verified": 0, "archived": 1, "forwarded": 0, "disposed": 0,
            "in_progress": 0, "awaiting_reporter": 1, "finished": 1
        })
    );
    assert_eq!(summary["by_category"], json!([{ "id": null, "count": 4 }]));
    // Verification due Friday 6 November: A and B on time, D never verified; C archived, out of the count.
    assert_eq!(
        summary["deadlines"]["verify"],
        json!({ "due": 3, "met": 2, "missed": 1, "pending": 0, "percent_met": 66.7 })
    );
    // First answer due Tuesday 10 November: A's on Tuesday 3, B's on Monday 16.
    assert_eq!(
        summary["deadlines"]["first_response"],
        json!({ "due": 2, "met": 1, "missed": 1, "pending": 0, "percent_met": 50.0 })
    );
    // Resolution due Monday 23 November (14 working days): both in time.
    assert_eq!(
        summary["deadlines"]["resolve"],
        json!({ "due": 2, "met": 2, "missed": 0, "pending": 0, "percent_met": 100.0 })
    );
    let zero = json!({ "count": 2, "mean": 0.0, "median": 0.0, "p90": 0 });
    let one_and_nine = json!({ "count": 2, "mean": 5.0, "median": 5.0, "p90": 9 });
    assert_eq!(summary["working_days"]["to_verify"], zero);
    assert_eq!(summary["working_days"]["to_first_answer"], one_and_nine, "the holiday is not a working day");
    assert_eq!(summary["working_days"]["to_resolve"], one_and_nine);
    assert_eq!(summary["days_to_resolve"], one_and_nine);
    assert_eq!(
        summary["reporter"],
        json!({
            "answered": 2, "satisfied": 1, "not_satisfied": 0, "no_reply": 0, "average_rating": 4.0,
            "reopened": 1, "reopen_rate": 50.0
        })
    );
    assert_eq!(summary["closures"]["archived"], 1);
    assert_eq!(summary["closures"]["archived_by_reason"]["spam"], 1);
    assert_eq!(summary["closures"]["forwarded"], 0);
    // B waits for its reporter, D for verification (overdue); both nine working days old.
    assert_eq!(
        summary["backlog"],
        json!({
            "open": 2, "overdue": 1, "by_age": { "0_5": 0, "6_14": 2, "15_60": 0, "over_60": 0 }
        })
    );

    let october = get(&app, &admin, "/api/v1/reports/summary?month=2026-10").await;
    assert_eq!(october["received"], 0);
    assert_eq!(october["deadlines"]["verify"]["due"], 0);
    assert_eq!(october["backlog"]["open"], 2, "the backlog is always as of now");
}

#[tokio::test]
async fn each_opd_row_counts_its_dispositions_returns_and_escalations() {
    let November { app, admin, .. } = november().await;
    let report = get(&app, &admin, "/api/v1/reports/units?month=2026-11").await;
    let row = |code: &str| report["rows"].as_array().unwrap().iter().find(|r| r["code"] == code).unwrap().clone();
    let pupr = row("SKD-PUPR");
    assert_eq!(
        [&pupr["received"], &pupr["accepted"], &pupr["returned"], &pupr["delegated"], &pupr["completed"]],
        [&json!(2), &json!(2), &json!(0), &json!(0), &json!(2)]
    );
    assert_eq!(
        [&pupr["completed_on_time"], &pupr["answered_on_time"], &pupr["overdue"]],
        [&json!(1), &json!(1), &json!(0)]
    );
    assert_eq!([&pupr["follow_up_rate"], &pupr["on_time_rate"]], [&json!(100.0), &json!(50.0)]);
    assert_eq!(
        [&pupr["satisfied"], &pupr["not_satisfied"], &pupr["satisfaction_rate"]],
        [&json!(1), &json!(0), &json!(100.0)]
    );
    assert_eq!(pupr["days_to_first_answer"], json!({ "count": 2, "mean": 5.0, "median": 5.0, "p90": 9 }));
    // Due Tuesday 10 November: late from Wednesday 11 (level 1), three working days late on Friday 13 (level 2).
    assert_eq!(pupr["escalations"], json!({ "level_1": 1, "level_2": 1, "level_3": 0 }));
    let dinkes = row("SKD-DINKES");
    assert_eq!(
        [&dinkes["received"], &dinkes["accepted"], &dinkes["returned"], &dinkes["returned_wrong_disposition"]],
        [&json!(1), &json!(0), &json!(1), &json!(1)]
    );
    assert_eq!([&dinkes["follow_up_rate"], &dinkes["on_time_rate"]], [&Value::Null, &Value::Null]);
    let idle = row("SKD-DIKBUD");
    assert_eq!(idle["received"], 0);

    let csv = app.authed(Method::GET, "/api/v1/reports/units?month=2026-11&format=csv", &admin).send().await.unwrap();
    assert_eq!(csv.headers()["content-type"], "text/csv; charset=utf-8");
    let text = csv.text().await.unwrap();
    let mut lines = text.lines();
    assert!(lines.next().unwrap().starts_with("unit_id,code,name,received,accepted,returned,"));
    let pupr_line = lines.find(|l| l.contains("SKD-PUPR")).unwrap();
    assert!(pupr_line.contains(",2,2,0,0,0,2,1,1,0,100,50,1,0,100,2,5,5,9,1,1,0"), "{pupr_line}");
}

#[tokio::test]
async fn trend_categories_regions_and_backlog_answer_in_json_and_csv() {
    let November { app, admin, .. } = november().await;
    let trend = get(&app, &admin, "/api/v1/reports/trend?month=2026-11&interval=week").await;
    let points: Vec<(String, i64, i64, i64, i64)> = trend["points"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            let n = |k: &str| p[k].as_i64().unwrap();
            (p["start"].as_str().unwrap().to_owned(), n("received"), n("verified"), n("first_answered"), n("resolved"))
        })
        .collect();
    assert_eq!(
        points[..4],
        [
            ("2026-10-26".to_owned(), 0, 0, 0, 0),
            ("2026-11-02".to_owned(), 4, 2, 1, 1),
            ("2026-11-09".to_owned(), 0, 0, 0, 0),
            ("2026-11-16".to_owned(), 0, 0, 1, 1),
        ]
    );
    let daily = app
        .authed(Method::GET, "/api/v1/reports/trend?from=2026-11-01&to=2026-11-03&interval=day", &admin)
        .header("accept", "text/csv")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(
        daily,
        "start,received,verified,first_answered,resolved\r\n2026-11-01,0,0,0,0\r\n2026-11-02,4,2,0,0\r\n2026-11-03,0,0,1,1\r\n"
    );

    let categories = get(&app, &admin, "/api/v1/reports/categories?month=2026-11").await;
    let first = &categories["rows"][0];
    assert_eq!((first["name"].as_str(), first["received"].as_i64()), (Some("Tanpa kategori"), Some(4)));
    let regions = get(&app, &admin, "/api/v1/reports/regions?month=2026-11").await;
    assert_eq!(regions["rows"][0]["received"], 4);

    let backlog = get(&app, &admin, "/api/v1/reports/backlog").await;
    assert_eq!(backlog["complaints"]["open"], 2);
    assert!(backlog["units"].as_array().unwrap().iter().all(|u| u["open"] == 0), "every disposition is done");
    let csv = app.authed(Method::GET, "/api/v1/reports/backlog?format=csv", &admin).send().await.unwrap();
    let text = csv.text().await.unwrap();
    assert!(text.starts_with("unit_id,code,name,open,overdue,age_0_5,age_6_14,age_15_60,age_over_60\r\n,,Seluruh pengaduan,2,1,0,2,0,0\r\n"), "{text}");
}

#[tokio::test]
async fn each_role_reads_what_the_roles_table_says() {
    let November { app, admin, pupr_operator } = november().await;
    let leader = app.user(Role::Leader, "SKD").await;
    let inspector = app.user(Role::Inspector, "SKD-INSPEKTORAT").await;
    for user in [&admin, &leader, &inspector] {
        assert_eq!(get(&app, user, "/api/v1/reports/summary?month=2026-11").await["received"], 4);
        assert!(get(&app, user, "/api/v1/reports/units?month=2026-11").await["rows"].as_array().unwrap().len() > 2);
    }

    // OPD staff: the Pemda's totals, and their own unit only.
    assert_eq!(get(&app, &pupr_operator, "/api/v1/reports/summary?month=2026-11").await["received"], 4);
    let units = get(&app, &pupr_operator, "/api/v1/reports/units?month=2026-11").await;
    let codes: Vec<&str> = units["rows"].as_array().unwrap().iter().map(|r| r["code"].as_str().unwrap()).collect();
    assert_eq!(codes, ["SKD-PUPR"]);
    let own = get(&app, &pupr_operator, "/api/v1/reports/categories?month=2026-11").await;
    assert_eq!(own["unit_id"], app.unit_id("SKD-PUPR").await.to_string());
    assert_eq!(own["rows"][0]["received"], 2, "A and B went to PUPR; C and D went nowhere");
    let dinkes = app.unit_id("SKD-DINKES").await;
    for path in ["summary", "units", "categories", "backlog"] {
        let response = app
            .authed(Method::GET, &format!("/api/v1/reports/{path}?unit_id={dinkes}"), &pupr_operator)
            .send()
            .await
            .unwrap();
        assert_problem(response, StatusCode::FORBIDDEN, "forbidden").await;
    }

    // Another Pemda's reports are not Sekadau's to read, nor Sekadau's theirs.
    let root = app.user(Role::SuperAdmin, "SKD").await;
    let other =
        post(&app, &root, "/api/v1/units", json!({ "kind": "regency", "code": "SGU", "name": "Kabupaten Sanggau" }))
            .await;
    let other_id = other["id"].as_str().unwrap();
    let refused =
        app.authed(Method::GET, &format!("/api/v1/reports/summary?pemda_id={other_id}"), &admin).send().await.unwrap();
    assert_problem(refused, StatusCode::FORBIDDEN, "forbidden").await;
    let theirs = get(&app, &root, &format!("/api/v1/reports/summary?pemda_id={other_id}&month=2026-11")).await;
    assert_eq!(theirs["received"], 0);

    let anonymous = app.request(Method::GET, "/api/v1/reports/summary").send().await.unwrap();
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn malformed_periods_and_filters_are_refused_by_field() {
    let app = spawn_app_with(|s| s.run_jobs = false).await;
    pengaduan::services::seed::seed(&mut app.conn().await).await.unwrap();
    let admin = app.user(Role::Admin, "SKD-DISKOMINFO").await;
    for (query, field) in [
        ("month=2026-13", "month"),
        ("quarter=2026-Q5", "quarter"),
        ("year=1999", "year"),
        ("from=2026-02-01&to=2026-01-01", "to"),
        ("from=2026-01-01", "from"),
        ("month=2026-11&year=2026", "period"),
        ("interval=day", "interval"),
        ("pemda_id=00000000-0000-0000-0000-000000000000", "pemda_id"),
        ("category_id=00000000-0000-0000-0000-000000000000", "category_id"),
        ("unit_id=00000000-0000-0000-0000-000000000000", "unit_id"),
    ] {
        let response =
            app.authed(Method::GET, &format!("/api/v1/reports/summary?{query}"), &admin).send().await.unwrap();
        let problem = assert_problem(response, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
        assert_eq!(crate::helpers::error_fields(&problem), [field], "{query}");
    }
    let response = app.authed(Method::GET, "/api/v1/reports/summary?format=csv", &admin).send().await.unwrap();
    assert_problem(response, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    let long = app.authed(Method::GET, "/api/v1/reports/trend?year=2026&interval=day", &admin).send().await.unwrap();
    assert_eq!(long.status(), StatusCode::OK, "365 days fit a daily series");
    let too_long = app
        .authed(Method::GET, "/api/v1/reports/trend?from=2025-01-01&to=2026-06-30&interval=day", &admin)
        .send()
        .await
        .unwrap();
    assert_problem(too_long, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
}

#[tokio::test]
async fn public_statistics_need_no_sign_in_and_withhold_small_narrow_counts() {
    let November { app, .. } = november().await;
    let response =
        app.request(Method::GET, "/api/v1/public/statistics?pemda_code=SKD&month=2026-11").send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["cache-control"], "public, max-age=60");
    let etag = response.headers()["etag"].to_str().unwrap().to_owned();
    let stats: Value = response.json().await.unwrap();
    assert_eq!(stats["whole_months"], true);
    assert_eq!(
        stats["totals"],
        json!({
            "received": 4, "finished": 1, "follow_up_rate": 100.0, "median_days_to_resolve": 5.0, "suppressed": false
        })
    );
    assert_eq!(
        stats["by_month"],
        json!([{
            "month": "2026-11", "received": 4, "finished": 1, "follow_up_rate": 100.0, "median_days_to_resolve": 5.0,
            "suppressed": false
        }])
    );
    let unit = |name: &str| stats["by_unit"].as_array().unwrap().iter().find(|u| u["name"] == name).unwrap().clone();
    // PUPR received two reports: too few to show in a cell that names one office.
    let pupr = unit("Dinas Pekerjaan Umum dan Penataan Ruang");
    assert_eq!(pupr["received"], Value::Null);
    assert_eq!(pupr["finished"], Value::Null);
    assert_eq!(pupr["follow_up_rate"], Value::Null);
    assert_eq!(pupr["suppressed"], true);
    let dinkes = unit("Dinas Kesehatan, Pengendalian Penduduk dan Keluarga Berencana");
    assert_eq!((dinkes["received"].as_i64(), dinkes["suppressed"].as_bool()), (Some(0), Some(false)), "it returned it");
    let text = serde_json::to_string(&stats).unwrap();
    for private in ["Budi", "6109010101900001", "budi@example.com", "Jalan rusak", "tracking_code"] {
        assert!(!text.contains(private), "{private} in the public statistics");
    }

    let again = app
        .request(Method::GET, "/api/v1/public/statistics?pemda_code=SKD&month=2026-11")
        .header("if-none-match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), StatusCode::NOT_MODIFIED);

    let days: Value = app
        .request(Method::GET, "/api/v1/public/statistics?pemda_code=skd&from=2026-11-02&to=2026-11-03")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(days["whole_months"], false);
    assert_eq!(days["totals"]["received"], 4, "three or more is shown");
    assert_eq!(days["totals"]["finished"], Value::Null, "one finished report in two days is withheld");
    assert_eq!(days["totals"]["suppressed"], true);

    let unknown = app.request(Method::GET, "/api/v1/public/statistics?pemda_code=XXX").send().await.unwrap();
    assert_problem(unknown, StatusCode::NOT_FOUND, "not_found").await;
    let missing = app.request(Method::GET, "/api/v1/public/statistics?month=2026-11").send().await.unwrap();
    assert_problem(missing, StatusCode::BAD_REQUEST, "invalid_query").await;
    let bad = app.request(Method::GET, "/api/v1/public/statistics?pemda_code=SKD&month=11").send().await.unwrap();
    assert_problem(bad, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
}

#[tokio::test]
async fn the_complaint_export_streams_every_step_and_no_reporter() {
    let November { app, admin, pupr_operator } = november().await;
    let response = app.authed(Method::GET, "/api/v1/complaints/export.csv", &admin).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["content-type"], "text/csv; charset=utf-8");
    let text = response.text().await.unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 5, "{text}");
    assert!(
        lines[0].starts_with("tracking_code,received_at,classification,supervision,channel,category,region,status,")
    );
    let field = |line: &str, name: &str| {
        let index = lines[0].split(',').position(|h| h == name).unwrap();
        line.split(',').nth(index).unwrap().to_owned()
    };
    let a = lines[1];
    // The clock was set to 08:00 and keeps running while the dataset is built: the seconds depend on the machine.
    let received = field(a, "received_at");
    assert!(received.starts_with("2026-11-02T08:0") && received.ends_with("+07:00"), "{received}");
    assert_eq!(field(a, "status"), "finished");
    assert_eq!(
        [field(a, "verified_on_time"), field(a, "first_response_on_time"), field(a, "resolved_on_time")],
        ["yes", "yes", "yes"]
    );
    assert_eq!(field(a, "units"), "Dinas Pekerjaan Umum dan Penataan Ruang", "DINKES returned it");
    assert_eq!(field(a, "reopen_count"), "1");
    let b = lines[2];
    assert_eq!([field(b, "first_response_on_time"), field(b, "resolved_on_time")], ["no", "yes"]);
    let c = lines[3];
    assert_eq!(
        [field(c, "status"), field(c, "verified_on_time"), field(c, "archive_reason")],
        ["archived".to_owned(), String::new(), "spam".to_owned()]
    );
    let d = lines[4];
    assert_eq!(
        [field(d, "status"), field(d, "verified_on_time"), field(d, "first_response_on_time")],
        ["submitted".to_owned(), "no".to_owned(), String::new()]
    );
    for private in ["Budi", "6109010101900001", "budi@example.com", "081234567890", "Jalan rusak"] {
        assert!(!text.contains(private), "{private} in the export");
    }

    let workbook = app.authed(Method::GET, "/api/v1/complaints/export.xlsx", &admin).send().await.unwrap();
    assert_eq!(workbook.status(), StatusCode::OK);
    let bytes = workbook.bytes().await.unwrap();
    let rows: Vec<Vec<String>> =
        sheet(&bytes, "Pengaduan").rows().map(|row| row.iter().map(|cell| cell.to_string()).collect()).collect();
    assert_eq!(rows.len(), 5);
    assert_eq!(rows[0].join(","), lines[0], "the same columns as the CSV");
    assert_eq!(rows[1].join(","), a, "the same values as the CSV");
    let exports = app.state.settings.data_dir.join("exports");
    assert_eq!(std::fs::read_dir(&exports).unwrap().count(), 0, "no file is left behind");

    let archived = app
        .authed(Method::GET, "/api/v1/complaints/export.csv?status=archived", &admin)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(archived.lines().count(), 2);
    for format in ["csv", "xlsx"] {
        let path = format!("/api/v1/complaints/export.{format}");
        let refused = app.authed(Method::GET, &path, &pupr_operator).send().await.unwrap();
        assert_problem(refused, StatusCode::FORBIDDEN, "forbidden").await;
    }
    let paged = app.authed(Method::GET, "/api/v1/complaints/export.csv?limit=5", &admin).send().await.unwrap();
    assert_problem(paged, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
}

#[tokio::test]
async fn opds_are_ranked_by_weights_that_admins_version() {
    let November { app, admin, pupr_operator } = november().await;
    let ranking = get(&app, &admin, "/api/v1/reports/rankings?month=2026-11").await;
    assert_eq!(ranking["level"], "opd");
    assert_eq!(ranking["weights"]["follow_up"], 40);
    assert_eq!(ranking["weights"]["valid_from"], Value::Null);
    let first = &ranking["rows"][0];
    assert_eq!(
        (first["rank"].as_i64(), first["name"].as_str()),
        (Some(1), Some("Dinas Pekerjaan Umum dan Penataan Ruang"))
    );
    assert_eq!(first["parts"], json!({ "follow_up": 100.0, "on_time": 50.0, "satisfaction": 100.0 }));
    assert_eq!(first["score"], 80.0);
    assert_eq!(first["volume"], 2);
    let rows = ranking["rows"].as_array().unwrap();
    assert!(rows[1..].iter().all(|r| r["rank"].is_null() && r["score"].is_null()), "nothing to score elsewhere");

    let own = get(&app, &pupr_operator, "/api/v1/reports/rankings?month=2026-11").await;
    assert_eq!(own["rows"].as_array().unwrap().len(), 1);
    assert_eq!(own["rows"][0]["rank"], 1);

    let weights = json!({
        "level": "opd", "follow_up": 0, "on_time": 100, "satisfaction": 0, "valid_from": "2026-11-01",
        "reasoning": "Bulan ini hanya ketepatan waktu."
    });
    let refused = app
        .authed(Method::POST, "/api/v1/reports/ranking-weights", &pupr_operator)
        .json(&weights)
        .send()
        .await
        .unwrap();
    assert_problem(refused, StatusCode::FORBIDDEN, "forbidden").await;
    let created = post(&app, &admin, "/api/v1/reports/ranking-weights", weights.clone()).await;
    assert_eq!(created["on_time"], 100);
    let again =
        app.authed(Method::POST, "/api/v1/reports/ranking-weights", &admin).json(&weights).send().await.unwrap();
    assert_problem(again, StatusCode::CONFLICT, "version_exists").await;
    let mut zero = weights.clone();
    (zero["on_time"], zero["valid_from"]) = (json!(0), json!("2026-12-01"));
    let refused = app.authed(Method::POST, "/api/v1/reports/ranking-weights", &admin).json(&zero).send().await.unwrap();
    assert_problem(refused, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;

    let reweighed = get(&app, &admin, "/api/v1/reports/rankings?month=2026-11").await;
    assert_eq!(reweighed["weights"]["valid_from"], "2026-11-01");
    assert_eq!(reweighed["rows"][0]["score"], 50.0);
    let before = get(&app, &admin, "/api/v1/reports/rankings?month=2026-10").await;
    assert_eq!(before["weights"]["valid_from"], Value::Null, "October still ranks with the default");
    let listed = get(&app, &admin, "/api/v1/reports/ranking-weights").await;
    assert_eq!(
        (listed["default"]["satisfaction"].as_i64(), listed["versions"].as_array().unwrap().len()),
        (Some(20), 1)
    );

    let not_a_province = app.authed(Method::GET, "/api/v1/reports/rankings?level=pemda", &admin).send().await.unwrap();
    assert_problem(not_a_province, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
}

#[tokio::test]
async fn a_province_ranks_its_kabupaten_from_aggregates_and_sees_nothing_else_of_theirs() {
    let November { app, admin, .. } = november().await;
    let province_admin = app.user(Role::Admin, "KALBAR").await;
    let province_leader = app.user(Role::Leader, "KALBAR").await;
    let sekadau = app.unit_id("SKD").await;

    for user in [&province_admin, &province_leader] {
        let ranking = get(&app, user, "/api/v1/reports/rankings?level=pemda&month=2026-11").await;
        let names: Vec<(&str, Option<i64>)> = ranking["rows"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| (r["name"].as_str().unwrap(), r["rank"].as_i64()))
            .collect();
        assert_eq!(
            names,
            [
                ("Pemerintah Kabupaten Sekadau", Some(1)),
                ("Pemerintah Kabupaten Sanggau", None),
                ("Pemerintah Kabupaten Sintang", None)
            ]
        );
        assert_eq!(ranking["rows"][0]["parts"], json!({ "follow_up": 100.0, "on_time": 100.0, "satisfaction": 100.0 }));
        let summary = get(&app, user, &format!("/api/v1/reports/summary?pemda_id={sekadau}&month=2026-11")).await;
        assert_eq!(summary["received"], 4);
    }

    // Aggregates only: no complaint, no user, no unit of Sekadau reaches the province's staff.
    let listed = get(&app, &province_admin, "/api/v1/complaints").await;
    assert_eq!(listed["items"], json!([]));
    let listed = get(&app, &province_admin, &format!("/api/v1/complaints?unit_id={sekadau}")).await;
    assert_eq!(listed["items"], json!([]));
    let export = app.authed(Method::GET, "/api/v1/complaints/export.csv", &province_admin).send().await.unwrap();
    assert_eq!(export.text().await.unwrap().lines().count(), 1, "the header only");
    let users = get(&app, &province_admin, "/api/v1/users?limit=100").await;
    assert!(users["items"].as_array().unwrap().iter().all(|u| u["email"] != admin.email.as_str()));
    let units = get(&app, &province_admin, "/api/v1/units?limit=100").await;
    let codes: Vec<&str> = units["items"].as_array().unwrap().iter().map(|u| u["code"].as_str().unwrap()).collect();
    assert!(!codes.contains(&"SKD-PUPR"), "{codes:?}");
    let sekadau_user =
        app.authed(Method::GET, &format!("/api/v1/users/{}", admin.id), &province_admin).send().await.unwrap();
    assert_eq!(sekadau_user.status(), StatusCode::NOT_FOUND);
    let province_units = get(&app, &province_admin, "/api/v1/reports/units?month=2026-11").await;
    assert_eq!(province_units["rows"], json!([]), "the province has no OPD yet");

    // And Sekadau does not read the province's reports.
    let province = app.unit_id("KALBAR").await;
    let refused =
        app.authed(Method::GET, &format!("/api/v1/reports/summary?pemda_id={province}"), &admin).send().await.unwrap();
    assert_problem(refused, StatusCode::FORBIDDEN, "forbidden").await;
}

/// The value in column B beside the label `label` in column A.
fn figure(range: &calamine::Range<calamine::Data>, label: &str) -> f64 {
    use calamine::DataType;
    range
        .rows()
        .find(|row| row.first().and_then(|cell| cell.get_string()) == Some(label))
        .and_then(|row| row.get(1).and_then(|cell| cell.get_float()))
        .unwrap_or_else(|| panic!("no figure {label}"))
}

#[tokio::test]
async fn the_monthly_workbook_has_the_summarys_numbers_charts_and_the_overdue_list() {
    let November { app, admin, pupr_operator } = november().await;
    let leader = app.user(Role::Leader, "SKD").await;
    let summary = get(&app, &admin, "/api/v1/reports/summary?month=2026-11").await;
    let response = app.authed(Method::GET, "/api/v1/reports/monthly.xlsx?month=2026-11", &leader).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["content-type"], "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");
    let bytes = response.bytes().await.unwrap();

    let front = sheet(&bytes, "Ringkasan");
    assert_eq!(figure(&front, "Pengaduan diterima"), summary["received"].as_f64().unwrap());
    assert_eq!(figure(&front, "Diverifikasi"), summary["verified"].as_f64().unwrap());
    assert_eq!(figure(&front, "Persentase tindak lanjut (%)"), summary["follow_up_rate"].as_f64().unwrap());
    assert_eq!(
        figure(&front, "Verifikasi tepat waktu (%)"),
        summary["deadlines"]["verify"]["percent_met"].as_f64().unwrap()
    );
    assert_eq!(figure(&front, "Tanggapan pertama tepat waktu (%)"), 50.0);
    assert_eq!(figure(&front, "Median hari kerja sampai selesai ditindaklanjuti"), 5.0);
    assert_eq!(figure(&front, "Tunggakan terlambat saat ini"), summary["backlog"]["overdue"].as_f64().unwrap());

    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes.to_vec())).unwrap();
    let charts = (0..archive.len())
        .filter(|i| archive.by_index(*i).unwrap().name().unwrap().starts_with("xl/charts/chart"))
        .count();
    assert_eq!(charts, 3, "trend, per OPD and per category, as native charts");

    let units = sheet(&bytes, "OPD");
    let pupr = units.rows().find(|row| row[0] == "Dinas Pekerjaan Umum dan Penataan Ruang").unwrap().to_vec();
    assert_eq!((pupr[1].to_string(), pupr[6].to_string()), ("2".to_owned(), "2".to_owned()));

    // What is overdue now: D waits for verification since Friday 6 November (six working days).
    let overdue = sheet(&bytes, "Terlambat");
    let rows: Vec<Vec<String>> =
        overdue.rows().skip(1).map(|row| row.iter().map(|c| c.to_string()).collect()).collect();
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(rows[0][1], "Jalan rusak di Desa Mungguk");
    assert_eq!((rows[0][2].as_str(), rows[0][3].as_str()), ("Admin utama (verifikasi)", "6"));
    let text = String::from_utf8_lossy(&bytes);
    assert!(!text.contains("Budi"), "no reporter in the workbook");

    let refused =
        app.authed(Method::GET, "/api/v1/reports/monthly.xlsx?month=2026-11", &pupr_operator).send().await.unwrap();
    assert_problem(refused, StatusCode::FORBIDDEN, "forbidden").await;
    let malformed =
        app.authed(Method::GET, "/api/v1/reports/monthly.xlsx?month=november", &admin).send().await.unwrap();
    assert_problem(malformed, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
}

/// The page sizes of a PDF, in points.
fn page_sizes(bytes: &[u8]) -> Vec<(f32, f32)> {
    let document = pdf_extract::Document::load_mem(bytes).expect("a readable PDF");
    document
        .get_pages()
        .values()
        .map(|page| {
            let page = document.get_dictionary(*page).unwrap();
            let media_box = page.get(b"MediaBox").unwrap().as_array().unwrap();
            let number = |i: usize| media_box[i].as_float().unwrap();
            (number(2) - number(0), number(3) - number(1))
        })
        .collect()
}

#[tokio::test]
async fn the_monthly_pdf_is_a4_with_the_summarys_numbers_and_the_overdue_list() {
    let November { app, admin, pupr_operator } = november().await;
    let inspector = app.user(Role::Inspector, "SKD-INSPEKTORAT").await;
    let summary = get(&app, &admin, "/api/v1/reports/summary?month=2026-11").await;
    let response =
        app.authed(Method::GET, "/api/v1/reports/monthly.pdf?month=2026-11", &inspector).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["content-type"], "application/pdf");
    assert!(response.headers()["content-disposition"].to_str().unwrap().contains("laporan-bulanan-SKD-2026-11.pdf"));
    let bytes = response.bytes().await.unwrap();

    let sizes = page_sizes(&bytes);
    assert!(!sizes.is_empty());
    for (width, height) in &sizes {
        assert!((width - 595.28).abs() < 0.5 && (height - 841.89).abs() < 0.5, "A4 portrait, not {width}×{height}");
    }
    let text = pdf_extract::extract_text_from_mem(&bytes).expect("the text can be extracted");
    let lines: Vec<String> = text.lines().map(|line| line.split_whitespace().collect::<Vec<_>>().join(" ")).collect();
    let has = |expected: &str| assert!(lines.iter().any(|line| line == expected), "no line {expected:?} in\n{text}");
    has("Laporan Bulanan Pengelolaan Pengaduan");
    has("Pemerintah Kabupaten Sekadau");
    assert!(text.contains("Periode November 2026 (2026-11-01 s.d. 2026-11-30)"));
    has(&format!("Pengaduan diterima {}", summary["received"]));
    has(&format!("Diverifikasi {}", summary["verified"]));
    let percent = |value: &serde_json::Value| format!("{:.1}", value.as_f64().unwrap()).replace('.', ",");
    has(&format!("Persentase tindak lanjut (%) {}", percent(&summary["follow_up_rate"])));
    has(&format!("Verifikasi tepat waktu (%) {}", percent(&summary["deadlines"]["verify"]["percent_met"])));
    has("Tanggapan pertama tepat waktu (%) 50,0");
    has("Median hari kerja sampai selesai ditindaklanjuti 5,0");
    has(&format!("Tunggakan terlambat saat ini {}", summary["backlog"]["overdue"]));
    for chart in ["Tren harian", "Disposisi per OPD", "Pengaduan per kategori"] {
        assert!(text.contains(chart), "the {chart} chart");
    }
    // What is overdue now: D waits for verification since Friday 6 November (six working days).
    assert!(
        lines.iter().any(|line| line.contains("Jalan rusak di Desa Mungguk")
            && line.contains("Admin utama (verifikasi)")
            && line.ends_with(" 6")),
        "the overdue row in\n{text}"
    );
    assert!(sizes.len() == text.matches("Halaman ").count(), "every page numbered");
    assert!(!text.contains("Budi"), "no reporter in the document");

    let refused =
        app.authed(Method::GET, "/api/v1/reports/monthly.pdf?month=2026-11", &pupr_operator).send().await.unwrap();
    assert_problem(refused, StatusCode::FORBIDDEN, "forbidden").await;
    let malformed = app.authed(Method::GET, "/api/v1/reports/monthly.pdf?month=2026-13", &admin).send().await.unwrap();
    assert_problem(malformed, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
}

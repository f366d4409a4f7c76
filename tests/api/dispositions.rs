use chrono::Duration;
use pengaduan::domain::role::Role;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::complaints::{filed, id_of, report};
use crate::helpers::{TestApp, TestUser, assert_problem, error_fields, spawn_app_with};

async fn app() -> TestApp {
    let app = spawn_app_with(|s| s.run_jobs = false).await;
    pengaduan::services::seed::seed(&mut app.conn().await).await.unwrap();
    app
}

async fn post(app: &TestApp, user: &TestUser, path: &str, body: Value) -> reqwest::Response {
    app.authed(Method::POST, path, user).json(&body).send().await.unwrap()
}

async fn get(app: &TestApp, user: &TestUser, path: &str) -> Value {
    let response = app.authed(Method::GET, path, user).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK, "GET {path}");
    response.json().await.unwrap()
}

/// A filed and verified report: (complaint id, receipt).
async fn verified(app: &TestApp, admin: &TestUser, body: Value) -> (Uuid, Value) {
    let receipt = filed(app, &body).await;
    let id = id_of(app, &receipt).await;
    let response = post(app, admin, &format!("/api/v1/complaints/{id}/verify"), json!({})).await;
    assert_eq!(response.status(), StatusCode::OK);
    (id, receipt)
}

async fn dispose(app: &TestApp, admin: &TestUser, id: Uuid, units: &[&str], extra: Value) -> Vec<Value> {
    let mut unit_ids = Vec::new();
    for code in units {
        unit_ids.push(app.unit_id(code).await);
    }
    let mut body = json!({ "unit_ids": unit_ids, "instruction": "Mohon ditindaklanjuti." });
    for (key, value) in extra.as_object().unwrap() {
        body[key] = value.clone();
    }
    let response = post(app, admin, &format!("/api/v1/complaints/{id}/dispositions"), body).await;
    assert_eq!(response.status(), StatusCode::CREATED, "{:?}", response.text().await);
    response.json::<Value>().await.unwrap().as_array().unwrap().clone()
}

fn id(value: &Value) -> String {
    value["id"].as_str().unwrap().to_owned()
}

async fn status_of(app: &TestApp, admin: &TestUser, id: Uuid) -> Value {
    get(app, admin, &format!("/api/v1/complaints/{id}")).await
}

/// The walk of the issue: intake, verify, dispose to two OPDs, one returns, the other accepts, an internal note, an
/// answer rejected then corrected and approved, the reporter unsatisfied, a final answer, and auto-close.
#[tokio::test]
async fn a_complaint_walks_from_intake_to_finished() {
    let app = app().await;
    let admin = app.user(Role::Admin, "SKD-DISKOMINFO").await;
    let pupr_operator = app.user(Role::OpdOperator, "SKD-PUPR").await;
    let pupr_official = app.user(Role::OpdOfficial, "SKD-PUPR").await;
    let dinkes_operator = app.user(Role::OpdOperator, "SKD-DINKES").await;

    let (complaint, receipt) = verified(&app, &admin, report()).await;
    let code = receipt["tracking_code"].as_str().unwrap().to_owned();
    let secret = receipt["reporter_secret"].as_str().unwrap().to_owned();
    let sent = dispose(&app, &admin, complaint, &["SKD-PUPR", "SKD-DINKES"], json!({})).await;
    assert_eq!(status_of(&app, &admin, complaint).await["status"], "disposed");
    let pupr_unit = app.unit_id("SKD-PUPR").await.to_string();
    let pupr = sent.iter().find(|d| d["unit_id"] == pupr_unit.as_str()).unwrap().clone();
    let dinkes = sent.iter().find(|d| d["unit_id"] != pupr_unit.as_str()).unwrap().clone();
    assert_eq!(pupr["status"], "sent");

    let notes: Value = get(&app, &pupr_operator, "/api/v1/notifications?unread=true").await;
    assert_eq!(notes["items"][0]["kind"], "disposition_received");

    let returned = post(
        &app,
        &dinkes_operator,
        &format!("/api/v1/dispositions/{}/return", id(&dinkes)),
        json!({ "reason": "wrong_disposition", "note": "Urusan jalan, bukan kesehatan." }),
    )
    .await;
    assert_eq!(returned.status(), StatusCode::OK);
    assert_eq!(status_of(&app, &admin, complaint).await["status"], "disposed", "PUPR has not answered yet");

    let accepted = post(&app, &pupr_operator, &format!("/api/v1/dispositions/{}/accept", id(&pupr)), json!({})).await;
    assert_eq!(accepted.status(), StatusCode::OK);
    assert_eq!(status_of(&app, &admin, complaint).await["status"], "in_progress");

    let follow_ups = format!("/api/v1/dispositions/{}/follow-ups", id(&pupr));
    let note = post(
        &app,
        &pupr_operator,
        &follow_ups,
        json!({ "body": "Tim survei dijadwalkan Senin.", "visibility": "internal" }),
    )
    .await;
    assert_eq!(note.status(), StatusCode::CREATED);
    assert_eq!(note.json::<Value>().await.unwrap()["status"], "internal");

    let draft: Value = post(
        &app,
        &pupr_operator,
        &follow_ups,
        json!({ "body": "Akan diperbaiki.", "visibility": "public", "final": true }),
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(draft["status"], "pending_approval");
    let awaiting: Value = get(&app, &pupr_official, "/api/v1/notifications").await;
    assert_eq!(awaiting["items"][0]["kind"], "answer_awaiting_approval");
    let rejected = post(
        &app,
        &pupr_official,
        &format!("/api/v1/follow-ups/{}/reject", id(&draft)),
        json!({ "reason": "Sebutkan jadwal perbaikan." }),
    )
    .await;
    assert_eq!(rejected.json::<Value>().await.unwrap()["status"], "rejected");
    let told: Value = get(&app, &pupr_operator, "/api/v1/notifications").await;
    assert_eq!(told["items"][0]["kind"], "answer_rejected");

    let corrected: Value = post(
        &app,
        &pupr_operator,
        &follow_ups,
        json!({ "body": "Perbaikan jalan dijadwalkan 10 Desember.", "visibility": "public", "final": true }),
    )
    .await
    .json()
    .await
    .unwrap();
    let approved =
        post(&app, &pupr_official, &format!("/api/v1/follow-ups/{}/approve", id(&corrected)), json!({})).await;
    assert_eq!(approved.status(), StatusCode::OK);
    let after_answer = status_of(&app, &admin, complaint).await;
    assert_eq!(after_answer["status"], "awaiting_reporter");
    assert!(after_answer["first_response_at"].is_string());
    assert!(after_answer["deadlines"]["reporter_reply_by"].is_string());

    let public: Value = app
        .request(Method::GET, &format!("/api/v1/public/complaints/{code}"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let answers: Vec<&str> =
        public["answers"].as_array().unwrap().iter().map(|a| a["body"].as_str().unwrap()).collect();
    assert_eq!(answers, ["Perbaikan jalan dijadwalkan 10 Desember."], "no internal note, no rejected draft");
    assert_eq!(public["answers"][0]["unit"], "Dinas PUPR");

    let unhappy = app
        .request(Method::POST, &format!("/api/v1/public/complaints/{code}/feedback"))
        .header("x-reporter-secret", &secret)
        .json(&json!({ "rating": 2, "satisfied": false, "comment": "Belum ada perbaikan." }))
        .send()
        .await
        .unwrap();
    assert_eq!(unhappy.status(), StatusCode::OK);
    let reopened = status_of(&app, &admin, complaint).await;
    assert_eq!((reopened["status"].as_str(), reopened["reopen_count"].as_i64()), (Some("in_progress"), Some(1)));
    let pupr_now = get(&app, &pupr_operator, &format!("/api/v1/dispositions/{}", id(&pupr))).await;
    assert_eq!(pupr_now["disposition"]["status"], "accepted", "the OPD is asked again");

    let final_answer: Value = post(
        &app,
        &pupr_operator,
        &follow_ups,
        json!({ "body": "Jalan telah diperbaiki 10 Desember.", "visibility": "public", "final": true }),
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(
        post(&app, &pupr_official, &format!("/api/v1/follow-ups/{}/approve", id(&final_answer)), json!({}))
            .await
            .status(),
        StatusCode::OK
    );
    assert_eq!(status_of(&app, &admin, complaint).await["status"], "awaiting_reporter");

    let report = pengaduan::jobs::deadlines::run(&app.state).await.unwrap();
    assert_eq!(report.auto_closed, 0, "the window is still open");
    app.state.clock.advance(Duration::days(20));
    let report = pengaduan::jobs::deadlines::run(&app.state).await.unwrap();
    assert_eq!(report.auto_closed, 1);
    let finished = status_of(&app, &admin, complaint).await;
    assert_eq!(
        (finished["status"].as_str(), finished["closed_reason"].as_str()),
        (Some("finished"), Some("auto_closed"))
    );

    let events: Value = get(&app, &admin, &format!("/api/v1/complaints/{complaint}/events")).await;
    let actions: Vec<&str> = events.as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
    for expected in [
        "created",
        "verify",
        "dispose",
        "disposition_return",
        "disposition_accept",
        "accept",
        "follow_up_written",
        "answer_rejected",
        "answer_approved",
        "answer_all",
        "feedback",
        "auto_close",
    ] {
        assert!(actions.contains(&expected), "{expected} in {actions:?}");
    }
    let late = app
        .request(Method::POST, &format!("/api/v1/public/complaints/{code}/feedback"))
        .header("x-reporter-secret", &secret)
        .json(&json!({ "rating": 5, "satisfied": true }))
        .send()
        .await
        .unwrap();
    assert_problem(late, StatusCode::CONFLICT, "invalid_transition").await;
}

#[tokio::test]
async fn a_satisfied_reporter_finishes_the_report_and_an_admin_may_reopen_it() {
    let app = app().await;
    let admin = app.user(Role::Admin, "SKD-DISKOMINFO").await;
    let operator = app.user(Role::OpdOperator, "SKD-DPMPTSP").await;
    let official = app.user(Role::OpdOfficial, "SKD-DPMPTSP").await;
    let (complaint, receipt) = verified(&app, &admin, report()).await;
    let sent = dispose(&app, &admin, complaint, &["SKD-DPMPTSP"], json!({})).await;
    post(&app, &operator, &format!("/api/v1/dispositions/{}/accept", id(&sent[0])), json!({})).await;
    let answer: Value = post(
        &app,
        &operator,
        &format!("/api/v1/dispositions/{}/follow-ups", id(&sent[0])),
        json!({ "body": "Izin terbit.", "visibility": "public", "final": true }),
    )
    .await
    .json()
    .await
    .unwrap();
    post(&app, &official, &format!("/api/v1/follow-ups/{}/approve", id(&answer)), json!({})).await;
    let code = receipt["tracking_code"].as_str().unwrap();
    let path = format!("/api/v1/public/complaints/{code}/feedback");
    let no_secret =
        app.request(Method::POST, &path).json(&json!({ "rating": 5, "satisfied": true })).send().await.unwrap();
    assert_problem(no_secret, StatusCode::FORBIDDEN, "forbidden").await;
    let bad_rating = app
        .request(Method::POST, &path)
        .header("x-reporter-secret", receipt["reporter_secret"].as_str().unwrap())
        .json(&json!({ "rating": 9, "satisfied": true }))
        .send()
        .await
        .unwrap();
    let problem = assert_problem(bad_rating, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    assert_eq!(error_fields(&problem), ["rating"]);
    let stale = app
        .request(Method::POST, &path)
        .header("x-reporter-secret", receipt["reporter_secret"].as_str().unwrap())
        .header("if-match", "\"1\"")
        .json(&json!({ "rating": 5, "satisfied": true }))
        .send()
        .await
        .unwrap();
    assert_problem(stale, StatusCode::PRECONDITION_FAILED, "stale_version").await;
    let happy = app
        .request(Method::POST, &path)
        .header("x-reporter-secret", receipt["reporter_secret"].as_str().unwrap())
        .json(&json!({ "rating": 5, "satisfied": true }))
        .send()
        .await
        .unwrap();
    assert_eq!(happy.status(), StatusCode::OK);
    let finished = status_of(&app, &admin, complaint).await;
    assert_eq!(
        (finished["status"].as_str(), finished["closed_reason"].as_str()),
        (Some("finished"), Some("satisfied"))
    );

    let reopen =
        post(&app, &operator, &format!("/api/v1/complaints/{complaint}/reopen"), json!({ "reason": "x" })).await;
    assert_problem(reopen, StatusCode::FORBIDDEN, "forbidden").await;
    let reopened =
        post(&app, &admin, &format!("/api/v1/complaints/{complaint}/reopen"), json!({ "reason": "Keluhan berulang." }))
            .await;
    assert_eq!(reopened.status(), StatusCode::OK);
    let reopened: Value = reopened.json().await.unwrap();
    assert_eq!((reopened["status"].as_str(), reopened["reopen_count"].as_i64()), (Some("in_progress"), Some(1)));
    let again =
        post(&app, &admin, &format!("/api/v1/complaints/{complaint}/reopen"), json!({ "reason": "lagi" })).await;
    assert_problem(again, StatusCode::CONFLICT, "invalid_transition").await;
    let kinds: Value = get(&app, &operator, "/api/v1/notifications").await;
    assert_eq!(kinds["items"][0]["kind"], "complaint_reopened");
}

#[tokio::test]
async fn when_every_opd_returns_it_the_complaint_goes_back_for_redisposition() {
    let app = app().await;
    let admin = app.user(Role::Admin, "SKD-DISKOMINFO").await;
    let bpbd = app.user(Role::OpdOfficial, "SKD-BPBD").await;
    let dpmd = app.user(Role::OpdOperator, "SKD-DPMD").await;
    let (complaint, _) = verified(&app, &admin, report()).await;
    let not_verified = id_of(&app, &filed(&app, &report()).await).await;
    let refused = post(
        &app,
        &admin,
        &format!("/api/v1/complaints/{not_verified}/dispositions"),
        json!({ "unit_ids": [app.unit_id("SKD-BPBD").await], "instruction": "x" }),
    )
    .await;
    assert_problem(refused, StatusCode::CONFLICT, "invalid_transition").await;

    let sent = dispose(&app, &admin, complaint, &["SKD-BPBD", "SKD-DPMD"], json!({})).await;
    for (user, disposition) in [(&bpbd, &sent[0]), (&dpmd, &sent[1])] {
        let response = post(
            &app,
            user,
            &format!("/api/v1/dispositions/{}/return", id(disposition)),
            json!({ "reason": "not_our_authority" }),
        )
        .await;
        assert_eq!(response.status(), StatusCode::OK, "{:?}", response.text().await);
    }
    let back = status_of(&app, &admin, complaint).await;
    assert_eq!((back["status"].as_str(), back["needs_redisposition"].as_bool()), (Some("verified"), Some(true)));
    let told: Value = get(&app, &admin, "/api/v1/notifications").await;
    assert_eq!(told["items"][0]["kind"], "redisposition_needed");
    let returned: Value = get(&app, &admin, "/api/v1/dispositions?status=returned").await;
    assert_eq!(returned["items"].as_array().unwrap().len(), 2);

    dispose(&app, &admin, complaint, &["SKD-PUPR"], json!({})).await;
    let again = status_of(&app, &admin, complaint).await;
    assert_eq!((again["status"].as_str(), again["needs_redisposition"].as_bool()), (Some("disposed"), Some(false)));
}

#[tokio::test]
async fn disposition_requests_are_checked() {
    let app = app().await;
    let admin = app.user(Role::Admin, "SKD-DISKOMINFO").await;
    let (complaint, _) = verified(&app, &admin, report()).await;
    let path = format!("/api/v1/complaints/{complaint}/dispositions");
    let empty = post(&app, &admin, &path, json!({ "unit_ids": [], "instruction": " " })).await;
    let problem = assert_problem(empty, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    assert_eq!(error_fields(&problem), ["instruction", "unit_ids"]);
    let pemda = post(&app, &admin, &path, json!({ "unit_ids": [app.unit_id("SKD").await], "instruction": "x" })).await;
    assert_problem(pemda, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    let past = post(
        &app,
        &admin,
        &path,
        json!({ "unit_ids": [app.unit_id("SKD-PUPR").await], "instruction": "x", "due_at": "2020-01-01T00:00:00Z" }),
    )
    .await;
    assert_problem(past, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    for (role, unit) in [
        (Role::OpdOperator, "SKD-PUPR"),
        (Role::OpdOfficial, "SKD-PUPR"),
        (Role::Inspector, "SKD-INSPEKTORAT"),
        (Role::Leader, "SKD"),
        (Role::ActionPlanReviewer, "SKD-BAGORG"),
    ] {
        let user = app.user(role, unit).await;
        let response =
            post(&app, &user, &path, json!({ "unit_ids": [app.unit_id("SKD-PUPR").await], "instruction": "x" })).await;
        assert_problem(response, StatusCode::FORBIDDEN, "forbidden").await;
    }

    let mut anonymous = report();
    anonymous["anonymous"] = json!(true);
    let (hidden, _) = verified(&app, &admin, anonymous).await;
    let shared = post(
        &app,
        &admin,
        &format!("/api/v1/complaints/{hidden}/dispositions"),
        json!({ "unit_ids": [app.unit_id("SKD-PUPR").await], "instruction": "x", "share_contact": true }),
    )
    .await;
    let problem = assert_problem(shared, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    assert_eq!(problem["errors"][0]["code"], "protected_reporter");
}

#[tokio::test]
async fn an_opd_sees_the_complaint_but_only_the_contact_the_admin_shared() {
    let app = app().await;
    let admin = app.user(Role::Admin, "SKD-DISKOMINFO").await;
    let operator = app.user(Role::OpdOperator, "SKD-PUPR").await;
    let official = app.user(Role::OpdOfficial, "SKD-PUPR").await;
    let stranger = app.user(Role::OpdOperator, "SKD-DINKES").await;
    let (shared, _) = verified(&app, &admin, report()).await;
    let sent = dispose(&app, &admin, shared, &["SKD-PUPR"], json!({ "share_contact": true })).await;
    let (unshared, _) = verified(&app, &admin, report()).await;
    let quiet = dispose(&app, &admin, unshared, &["SKD-PUPR"], json!({})).await;

    for user in [&operator, &official] {
        let detail = get(&app, user, &format!("/api/v1/dispositions/{}", id(&sent[0]))).await;
        assert_eq!(detail["complaint"]["title"], "Jalan rusak di Desa Mungguk");
        assert_eq!(detail["reporter_contact"]["name"], "Budi Santoso");
        assert_eq!(detail["reporter_contact"]["phone"], "081234567890");
        assert!(
            detail["reporter_contact"]["nik"].is_null() && !detail.to_string().contains("6109010101900001"),
            "never the NIK"
        );
        let quiet_detail = get(&app, user, &format!("/api/v1/dispositions/{}", id(&quiet[0]))).await;
        assert!(quiet_detail["reporter_contact"].is_null() && !quiet_detail.to_string().contains("Budi"));
    }
    let log: Value = get(&app, &admin, &format!("/api/v1/reporter-access-log?complaint_id={shared}")).await;
    assert_eq!(log["items"].as_array().unwrap().len(), 2, "each read of the shared contact is logged");

    let listed: Value = get(&app, &operator, "/api/v1/dispositions").await;
    assert_eq!(listed["items"].as_array().unwrap().len(), 2);
    let other: Value = get(&app, &stranger, "/api/v1/dispositions").await;
    assert!(other["items"].as_array().unwrap().is_empty());
    let hidden =
        app.authed(Method::GET, &format!("/api/v1/dispositions/{}", id(&sent[0])), &stranger).send().await.unwrap();
    assert_problem(hidden, StatusCode::NOT_FOUND, "not_found").await;
    for (role, unit) in [(Role::Leader, "SKD"), (Role::ActionPlanReviewer, "SKD-BAGORG")] {
        let user = app.user(role, unit).await;
        let response = app.authed(Method::GET, "/api/v1/dispositions", &user).send().await.unwrap();
        assert_problem(response, StatusCode::FORBIDDEN, "forbidden").await;
    }
    for user in [&operator, &official] {
        let complaint = app.authed(Method::GET, &format!("/api/v1/complaints/{shared}"), user).send().await.unwrap();
        assert_problem(complaint, StatusCode::FORBIDDEN, "forbidden").await;
        let identity =
            app.authed(Method::GET, &format!("/api/v1/complaints/{shared}/reporter"), user).send().await.unwrap();
        assert_problem(identity, StatusCode::FORBIDDEN, "forbidden").await;
    }
}

#[tokio::test]
async fn supervision_complaints_go_only_to_the_inspectorate_and_stay_hidden_from_opd_roles() {
    let app = app().await;
    let admin = app.user(Role::Admin, "SKD-DISKOMINFO").await;
    let inspector = app.user(Role::Inspector, "SKD-INSPEKTORAT").await;
    let second_inspector = app.user(Role::Inspector, "SKD-INSPEKTORAT").await;
    let opd_in_inspectorate = app.user(Role::OpdOperator, "SKD-INSPEKTORAT").await;
    let receipt = filed(&app, &report()).await;
    let complaint = id_of(&app, &receipt).await;
    post(&app, &admin, &format!("/api/v1/complaints/{complaint}/verify"), json!({ "supervision": true })).await;
    let wrong = post(
        &app,
        &admin,
        &format!("/api/v1/complaints/{complaint}/dispositions"),
        json!({ "unit_ids": [app.unit_id("SKD-PUPR").await], "instruction": "x" }),
    )
    .await;
    let problem = assert_problem(wrong, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    assert_eq!(problem["errors"][0]["code"], "supervision_to_inspectorate");
    let sent = dispose(&app, &admin, complaint, &["SKD-INSPEKTORAT"], json!({})).await;

    let none: Value = get(&app, &opd_in_inspectorate, "/api/v1/dispositions").await;
    assert!(none["items"].as_array().unwrap().is_empty(), "OPD roles never see supervision complaints");
    let accepted = post(&app, &inspector, &format!("/api/v1/dispositions/{}/accept", id(&sent[0])), json!({})).await;
    assert_eq!(accepted.status(), StatusCode::OK);
    let answer: Value = post(
        &app,
        &inspector,
        &format!("/api/v1/dispositions/{}/follow-ups", id(&sent[0])),
        json!({ "body": "Diperiksa.", "visibility": "public", "final": true }),
    )
    .await
    .json()
    .await
    .unwrap();
    let own = post(&app, &inspector, &format!("/api/v1/follow-ups/{}/approve", id(&answer)), json!({})).await;
    assert_problem(own, StatusCode::FORBIDDEN, "own_answer").await;
    let approved =
        post(&app, &second_inspector, &format!("/api/v1/follow-ups/{}/approve", id(&answer)), json!({})).await;
    assert_eq!(approved.status(), StatusCode::OK);
    assert_eq!(status_of(&app, &admin, complaint).await["status"], "awaiting_reporter");
    let opd_notes: Value = get(&app, &opd_in_inspectorate, "/api/v1/notifications").await;
    assert!(opd_notes["items"].as_array().unwrap().is_empty(), "OPD roles are not told about supervision complaints");
}

#[tokio::test]
async fn only_the_units_operator_writes_and_only_its_official_approves() {
    let app = app().await;
    let admin = app.user(Role::Admin, "SKD-DISKOMINFO").await;
    let operator = app.user(Role::OpdOperator, "SKD-PUPR").await;
    let official = app.user(Role::OpdOfficial, "SKD-PUPR").await;
    let other_official = app.user(Role::OpdOfficial, "SKD-DINKES").await;
    let (complaint, _) = verified(&app, &admin, report()).await;
    let sent = dispose(&app, &admin, complaint, &["SKD-PUPR"], json!({})).await;
    let follow_ups = format!("/api/v1/dispositions/{}/follow-ups", id(&sent[0]));
    let too_early = post(&app, &operator, &follow_ups, json!({ "body": "x", "visibility": "public" })).await;
    assert_problem(too_early, StatusCode::CONFLICT, "disposition_not_taken_on").await;
    let stranger =
        post(&app, &other_official, &format!("/api/v1/dispositions/{}/accept", id(&sent[0])), json!({})).await;
    assert_problem(stranger, StatusCode::NOT_FOUND, "not_found").await;
    let by_admin = post(&app, &admin, &format!("/api/v1/dispositions/{}/accept", id(&sent[0])), json!({})).await;
    assert_problem(by_admin, StatusCode::FORBIDDEN, "forbidden").await;
    let stale = app
        .authed(Method::POST, &format!("/api/v1/dispositions/{}/accept", id(&sent[0])), &official)
        .header("if-match", "\"9\"")
        .send()
        .await
        .unwrap();
    assert_problem(stale, StatusCode::PRECONDITION_FAILED, "stale_version").await;
    assert_eq!(
        post(&app, &official, &format!("/api/v1/dispositions/{}/accept", id(&sent[0])), json!({})).await.status(),
        StatusCode::OK
    );
    let twice = post(&app, &operator, &format!("/api/v1/dispositions/{}/accept", id(&sent[0])), json!({})).await;
    let problem = assert_problem(twice, StatusCode::CONFLICT, "invalid_transition").await;
    assert_eq!(problem["context"]["status"], "accepted");

    let by_official = post(&app, &official, &follow_ups, json!({ "body": "x", "visibility": "public" })).await;
    assert_problem(by_official, StatusCode::FORBIDDEN, "forbidden").await;
    let internal_final =
        post(&app, &operator, &follow_ups, json!({ "body": "x", "visibility": "internal", "final": true })).await;
    assert_problem(internal_final, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    let answer: Value = post(&app, &operator, &follow_ups, json!({ "body": "Jawaban.", "visibility": "public" }))
        .await
        .json()
        .await
        .unwrap();
    let approve = format!("/api/v1/follow-ups/{}/approve", id(&answer));
    assert_problem(post(&app, &operator, &approve, json!({})).await, StatusCode::FORBIDDEN, "forbidden").await;
    assert_problem(post(&app, &other_official, &approve, json!({})).await, StatusCode::NOT_FOUND, "not_found").await;
    assert_problem(post(&app, &admin, &approve, json!({})).await, StatusCode::FORBIDDEN, "forbidden").await;
    assert_eq!(post(&app, &official, &approve, json!({})).await.status(), StatusCode::OK);
    assert_problem(post(&app, &official, &approve, json!({})).await, StatusCode::CONFLICT, "invalid_transition").await;
    let progress = status_of(&app, &admin, complaint).await;
    assert_eq!(progress["status"], "in_progress", "a non-final answer keeps the complaint in progress");
    assert!(progress["first_response_at"].is_string(), "but meets the first-response deadline");
}

#[tokio::test]
async fn a_sub_unit_works_on_a_delegated_disposition() {
    let app = app().await;
    let admin = app.user(Role::Admin, "SKD-DISKOMINFO").await;
    let official = app.user(Role::OpdOfficial, "SKD-PUPR").await;
    let pupr = app.unit_id("SKD-PUPR").await;
    let bidang: Value = post(
        &app,
        &admin,
        "/api/v1/units",
        json!({ "kind": "sub_unit", "code": "SKD-PUPR-BM", "name": "Bidang Bina Marga", "parent_id": pupr }),
    )
    .await
    .json()
    .await
    .unwrap();
    let bidang_operator = app.user(Role::OpdOperator, "SKD-PUPR-BM").await;
    let (complaint, _) = verified(&app, &admin, report()).await;
    let sent = dispose(&app, &admin, complaint, &["SKD-PUPR"], json!({})).await;
    let elsewhere = post(
        &app,
        &official,
        &format!("/api/v1/dispositions/{}/delegate", id(&sent[0])),
        json!({ "sub_unit_id": app.unit_id("SKD-DINKES").await }),
    )
    .await;
    assert_problem(elsewhere, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    let delegated = post(
        &app,
        &official,
        &format!("/api/v1/dispositions/{}/delegate", id(&sent[0])),
        json!({ "sub_unit_id": bidang["id"] }),
    )
    .await;
    assert_eq!(delegated.status(), StatusCode::OK);
    assert_eq!(status_of(&app, &admin, complaint).await["status"], "in_progress");
    let seen: Value = get(&app, &bidang_operator, "/api/v1/dispositions").await;
    assert_eq!(seen["items"][0]["status"], "delegated");
    let answer = post(
        &app,
        &bidang_operator,
        &format!("/api/v1/dispositions/{}/follow-ups", id(&sent[0])),
        json!({ "body": "Ditangani bidang.", "visibility": "public", "final": true }),
    )
    .await;
    assert_eq!(answer.status(), StatusCode::CREATED);
    let answer: Value = answer.json().await.unwrap();
    assert_eq!(
        post(&app, &official, &format!("/api/v1/follow-ups/{}/approve", id(&answer)), json!({})).await.status(),
        StatusCode::OK
    );
    assert_eq!(status_of(&app, &admin, complaint).await["status"], "awaiting_reporter");
}

#[tokio::test]
async fn two_opd_staff_acting_at_once_leave_one_winner() {
    let app = app().await;
    let admin = app.user(Role::Admin, "SKD-DISKOMINFO").await;
    let operator = app.user(Role::OpdOperator, "SKD-PUPR").await;
    let official = app.user(Role::OpdOfficial, "SKD-PUPR").await;
    let (complaint, _) = verified(&app, &admin, report()).await;
    let sent = dispose(&app, &admin, complaint, &["SKD-PUPR"], json!({})).await;
    let (accept_path, return_path) = (
        format!("/api/v1/dispositions/{}/accept", id(&sent[0])),
        format!("/api/v1/dispositions/{}/return", id(&sent[0])),
    );
    let (accept, give_back) = tokio::join!(
        post(&app, &operator, &accept_path, json!({})),
        post(&app, &official, &return_path, json!({ "reason": "wrong_disposition" }))
    );
    let statuses = [accept.status(), give_back.status()];
    assert!(statuses.contains(&StatusCode::OK) && statuses.contains(&StatusCode::CONFLICT), "{statuses:?}");
    let detail = get(&app, &official, &format!("/api/v1/dispositions/{}", id(&sent[0]))).await;
    let complaint_status = status_of(&app, &admin, complaint).await["status"].clone();
    match detail["disposition"]["status"].as_str().unwrap() {
        "accepted" => assert_eq!(complaint_status, "in_progress"),
        "returned" => assert_eq!(complaint_status, "verified"),
        other => panic!("unexpected {other}"),
    }
}

#[tokio::test]
async fn missed_deadlines_escalate_level_by_level_without_changing_the_status() {
    let app = app().await;
    let admin = app.user(Role::Admin, "SKD-DISKOMINFO").await;
    let operator = app.user(Role::OpdOperator, "SKD-PUPR").await;
    let inspector = app.user(Role::Inspector, "SKD-INSPEKTORAT").await;
    let (complaint, _) = verified(&app, &admin, report()).await;
    let sent = dispose(&app, &admin, complaint, &["SKD-PUPR"], json!({})).await;
    assert_eq!(pengaduan::jobs::deadlines::run(&app.state).await.unwrap().escalations, 0);

    app.state.clock.advance(Duration::days(8));
    pengaduan::jobs::deadlines::run(&app.state).await.unwrap();
    let disposition_path = format!("/api/v1/dispositions/{}", id(&sent[0]));
    let first = get(&app, &admin, &disposition_path).await["disposition"]["escalation_level"].as_i64().unwrap();
    assert!(first >= 1);
    let operator_notes: Value = get(&app, &operator, "/api/v1/notifications").await;
    assert!(operator_notes["items"].as_array().unwrap().iter().any(|n| n["kind"] == "escalation"));

    app.state.clock.advance(Duration::days(32));
    pengaduan::jobs::deadlines::run(&app.state).await.unwrap();
    assert_eq!(get(&app, &admin, &disposition_path).await["disposition"]["escalation_level"], 3);
    let flagged: Value = get(&app, &inspector, "/api/v1/notifications").await;
    assert!(
        flagged["items"].as_array().unwrap().iter().any(|n| n["kind"] == "escalation"),
        "level 3 reaches the Inspektorat"
    );
    let again = pengaduan::jobs::deadlines::run(&app.state).await.unwrap();
    assert_eq!(again.escalations, 0, "each level is recorded once");

    let detail = get(&app, &admin, &format!("/api/v1/dispositions/{}", id(&sent[0]))).await;
    assert_eq!(detail["disposition"]["status"], "sent", "escalation never changes a status");
    assert_eq!(detail["disposition"]["overdue"], true);
    assert_eq!(status_of(&app, &admin, complaint).await["status"], "disposed");
    let escalated: Value = get(&app, &admin, "/api/v1/dispositions?escalation_level=3&overdue=true").await;
    assert_eq!(escalated["items"].as_array().unwrap().len(), 1);
    let complaints_escalated: Value = get(&app, &admin, "/api/v1/complaints?escalation_level=3").await;
    assert_eq!(complaints_escalated["items"].as_array().unwrap().len(), 1, "the resolution deadline passed too");
}

#[tokio::test]
async fn notifications_are_private_and_marked_read_once() {
    let app = app().await;
    let admin = app.user(Role::Admin, "SKD-DISKOMINFO").await;
    let operator = app.user(Role::OpdOperator, "SKD-PUPR").await;
    let (complaint, _) = verified(&app, &admin, report()).await;
    dispose(&app, &admin, complaint, &["SKD-PUPR"], json!({})).await;
    let notes: Value = get(&app, &operator, "/api/v1/notifications?unread=true").await;
    let note = id(&notes["items"][0]);
    let foreign = post(&app, &admin, &format!("/api/v1/notifications/{note}/read"), json!({})).await;
    assert_problem(foreign, StatusCode::NOT_FOUND, "not_found").await;
    let read: Value =
        post(&app, &operator, &format!("/api/v1/notifications/{note}/read"), json!({})).await.json().await.unwrap();
    let again: Value =
        post(&app, &operator, &format!("/api/v1/notifications/{note}/read"), json!({})).await.json().await.unwrap();
    assert_eq!(read["read_at"], again["read_at"]);
    let unread: Value = get(&app, &operator, "/api/v1/notifications?unread=true").await;
    assert!(unread["items"].as_array().unwrap().is_empty());
    let anonymous = app.request(Method::GET, "/api/v1/notifications").send().await.unwrap();
    assert_problem(anonymous, StatusCode::UNAUTHORIZED, "missing_token").await;
}

#[tokio::test]
async fn an_opd_downloads_the_evidence_reads_the_timeline_and_decides_only_current_answers() {
    let app = app().await;
    let admin = app.user(Role::Admin, "SKD-DISKOMINFO").await;
    let operator = app.user(Role::OpdOperator, "SKD-PUPR").await;
    let official = app.user(Role::OpdOfficial, "SKD-PUPR").await;
    let stranger = app.user(Role::OpdOperator, "SKD-DINKES").await;
    let boundary = "b";
    let mut body =
        format!("--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"surat.pdf\"\r\n\r\n")
            .into_bytes();
    body.extend_from_slice(b"%PDF-1.7 bukti");
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    let uploaded: Value = app
        .request(Method::POST, "/api/v1/attachments")
        .header("content-type", format!("multipart/form-data; boundary={boundary}"))
        .body(body)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let mut with_file = report();
    with_file["attachment_ids"] = json!([uploaded["id"]]);
    let (complaint, _) = verified(&app, &admin, with_file).await;
    let sent = dispose(&app, &admin, complaint, &["SKD-PUPR"], json!({})).await;

    let file = format!("/api/v1/attachments/{}", id(&uploaded));
    let download = app.authed(Method::GET, &file, &operator).send().await.unwrap();
    assert_eq!(download.status(), StatusCode::OK);
    assert_eq!(download.bytes().await.unwrap().as_ref(), b"%PDF-1.7 bukti");
    assert_problem(app.authed(Method::GET, &file, &stranger).send().await.unwrap(), StatusCode::NOT_FOUND, "not_found")
        .await;

    let detail = get(&app, &operator, &format!("/api/v1/dispositions/{}", id(&sent[0]))).await;
    let steps: Vec<&str> =
        detail["timeline"].as_array().unwrap().iter().map(|s| s["status"].as_str().unwrap()).collect();
    assert_eq!(steps, ["submitted", "verified", "disposed"]);
    assert_eq!(detail["attachments"][0]["id"], uploaded["id"]);

    post(&app, &operator, &format!("/api/v1/dispositions/{}/accept", id(&sent[0])), json!({})).await;
    let answer: Value = post(
        &app,
        &operator,
        &format!("/api/v1/dispositions/{}/follow-ups", id(&sent[0])),
        json!({ "body": "Jawaban.", "visibility": "public" }),
    )
    .await
    .json()
    .await
    .unwrap();
    let stale = app
        .authed(Method::POST, &format!("/api/v1/follow-ups/{}/approve", id(&answer)), &official)
        .header("if-match", "\"2\"")
        .send()
        .await
        .unwrap();
    assert_problem(stale, StatusCode::PRECONDITION_FAILED, "stale_version").await;
    let fresh = app
        .authed(Method::POST, &format!("/api/v1/follow-ups/{}/approve", id(&answer)), &official)
        .header("if-match", "\"1\"")
        .send()
        .await
        .unwrap();
    assert_eq!(fresh.status(), StatusCode::OK);
}

#[tokio::test]
async fn one_unit_returning_while_the_other_answers_still_hands_the_report_to_the_reporter() {
    for order in 0..2 {
        let app = app().await;
        let admin = app.user(Role::Admin, "SKD-DISKOMINFO").await;
        let pupr_operator = app.user(Role::OpdOperator, "SKD-PUPR").await;
        let pupr_official = app.user(Role::OpdOfficial, "SKD-PUPR").await;
        let dinkes = app.user(Role::OpdOfficial, "SKD-DINKES").await;
        let (complaint, _) = verified(&app, &admin, report()).await;
        let sent = dispose(&app, &admin, complaint, &["SKD-PUPR", "SKD-DINKES"], json!({})).await;
        let pupr_unit = app.unit_id("SKD-PUPR").await.to_string();
        let pupr = sent.iter().find(|d| d["unit_id"] == pupr_unit.as_str()).unwrap().clone();
        let other = sent.iter().find(|d| d["unit_id"] != pupr_unit.as_str()).unwrap().clone();
        post(&app, &pupr_operator, &format!("/api/v1/dispositions/{}/accept", id(&pupr)), json!({})).await;
        let answer: Value = post(
            &app,
            &pupr_operator,
            &format!("/api/v1/dispositions/{}/follow-ups", id(&pupr)),
            json!({ "body": "Selesai.", "visibility": "public", "final": true }),
        )
        .await
        .json()
        .await
        .unwrap();
        let (approve_path, return_path) = (
            format!("/api/v1/follow-ups/{}/approve", id(&answer)),
            format!("/api/v1/dispositions/{}/return", id(&other)),
        );
        let return_body = json!({ "reason": "wrong_disposition" });
        let (approved, returned) = if order == 0 {
            tokio::join!(
                post(&app, &pupr_official, &approve_path, json!({})),
                post(&app, &dinkes, &return_path, return_body)
            )
        } else {
            let returned = post(&app, &dinkes, &return_path, return_body).await;
            (post(&app, &pupr_official, &approve_path, json!({})).await, returned)
        };
        assert_eq!((approved.status(), returned.status()), (StatusCode::OK, StatusCode::OK));
        let state = status_of(&app, &admin, complaint).await;
        assert_eq!(state["status"], "awaiting_reporter", "order {order}: whichever commits last hands over");
        assert!(state["deadlines"]["reporter_reply_by"].is_string());
    }
}

#[tokio::test]
async fn opd_roles_never_see_who_filed_an_anonymous_or_confidential_report() {
    let app = app().await;
    let admin = app.user(Role::Admin, "SKD-DISKOMINFO").await;
    let operator = app.user(Role::OpdOperator, "SKD-PUPR").await;
    let official = app.user(Role::OpdOfficial, "SKD-PUPR").await;
    for flag in ["anonymous", "confidential"] {
        let mut body = report();
        body[flag] = json!(true);
        let (complaint, _) = verified(&app, &admin, body).await;
        let sent = dispose(&app, &admin, complaint, &["SKD-PUPR"], json!({})).await;
        for user in [&operator, &official] {
            for path in [
                format!("/api/v1/dispositions/{}", id(&sent[0])),
                "/api/v1/dispositions".to_owned(),
                "/api/v1/notifications".to_owned(),
            ] {
                let text = app.authed(Method::GET, &path, user).send().await.unwrap().text().await.unwrap();
                for secret in ["Budi", "6109010101900001", "081234567890", "budi@example.com"] {
                    assert!(!text.contains(secret), "{flag} report: {path} shows {secret}");
                }
            }
            let identity = app
                .authed(Method::GET, &format!("/api/v1/complaints/{complaint}/reporter"), user)
                .send()
                .await
                .unwrap();
            assert_problem(identity, StatusCode::FORBIDDEN, "forbidden").await;
        }
    }
}

#[tokio::test]
async fn unknown_ids_are_404_and_bad_requests_422() {
    let app = app().await;
    let admin = app.user(Role::Admin, "SKD-DISKOMINFO").await;
    let operator = app.user(Role::OpdOperator, "SKD-PUPR").await;
    let official = app.user(Role::OpdOfficial, "SKD-PUPR").await;
    let nobody = Uuid::now_v7();
    for (user, path, body) in [
        (&official, format!("/api/v1/dispositions/{nobody}/accept"), json!({})),
        (&official, format!("/api/v1/dispositions/{nobody}/return"), json!({ "reason": "wrong_disposition" })),
        (&official, format!("/api/v1/dispositions/{nobody}/delegate"), json!({ "sub_unit_id": nobody })),
        (
            &operator,
            format!("/api/v1/dispositions/{nobody}/follow-ups"),
            json!({ "body": "x", "visibility": "internal" }),
        ),
        (&official, format!("/api/v1/follow-ups/{nobody}/approve"), json!({})),
        (&official, format!("/api/v1/follow-ups/{nobody}/reject"), json!({ "reason": "x" })),
        (
            &admin,
            format!("/api/v1/complaints/{nobody}/dispositions"),
            json!({ "unit_ids": [nobody], "instruction": "x" }),
        ),
        (&admin, format!("/api/v1/complaints/{nobody}/postpone"), json!({ "reason": "x" })),
        (&admin, format!("/api/v1/complaints/{nobody}/archive"), json!({ "reason": "spam" })),
        (&admin, format!("/api/v1/complaints/{nobody}/forward"), json!({ "agency": "x", "reason": "y" })),
        (&admin, format!("/api/v1/complaints/{nobody}/reopen"), json!({ "reason": "x" })),
    ] {
        assert_problem(post(&app, user, &path, body).await, StatusCode::NOT_FOUND, "not_found").await;
    }
    for path in [
        format!("/api/v1/dispositions/{nobody}"),
        format!("/api/v1/complaints/{nobody}/events"),
        format!("/api/v1/complaints/{nobody}/reporter"),
        format!("/api/v1/attachments/{nobody}"),
    ] {
        assert_problem(
            app.authed(Method::GET, &path, &admin).send().await.unwrap(),
            StatusCode::NOT_FOUND,
            "not_found",
        )
        .await;
    }
    for action in ["feedback", "supplement"] {
        let response = app
            .request(Method::POST, &format!("/api/v1/public/complaints/SKD-2026-999999/{action}"))
            .header("x-reporter-secret", "x")
            .json(&json!({ "rating": 5, "satisfied": true }))
            .send()
            .await
            .unwrap();
        assert!(matches!(response.status(), StatusCode::NOT_FOUND | StatusCode::UNPROCESSABLE_ENTITY), "{action}");
    }

    let mut no_identity = report();
    no_identity.as_object_mut().unwrap().remove("reporter");
    let (bare, _) = verified(&app, &admin, no_identity).await;
    let missing_identity =
        app.authed(Method::GET, &format!("/api/v1/complaints/{bare}/reporter"), &admin).send().await.unwrap();
    assert_problem(missing_identity, StatusCode::NOT_FOUND, "not_found").await;

    let sent = dispose(&app, &admin, bare, &["SKD-PUPR"], json!({})).await;
    let again = post(
        &app,
        &admin,
        &format!("/api/v1/complaints/{bare}/dispositions"),
        json!({ "unit_ids": [app.unit_id("SKD-PUPR").await], "instruction": "x" }),
    )
    .await;
    assert_problem(again, StatusCode::CONFLICT, "invalid_transition").await;
    let bad_reason =
        post(&app, &official, &format!("/api/v1/dispositions/{}/return", id(&sent[0])), json!({ "reason": "lazy" }))
            .await;
    assert_problem(bad_reason, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    let blank_note = post(
        &app,
        &official,
        &format!("/api/v1/dispositions/{}/return", id(&sent[0])),
        json!({ "reason": "wrong_disposition", "note": " " }),
    )
    .await;
    assert_problem(blank_note, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    post(&app, &official, &format!("/api/v1/dispositions/{}/accept", id(&sent[0])), json!({})).await;
    let blank = post(
        &app,
        &operator,
        &format!("/api/v1/dispositions/{}/follow-ups", id(&sent[0])),
        json!({ "body": "  ", "visibility": "public" }),
    )
    .await;
    assert_problem(blank, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    let answer: Value = post(
        &app,
        &operator,
        &format!("/api/v1/dispositions/{}/follow-ups", id(&sent[0])),
        json!({ "body": "x", "visibility": "public" }),
    )
    .await
    .json()
    .await
    .unwrap();
    let no_reason =
        post(&app, &official, &format!("/api/v1/follow-ups/{}/reject", id(&answer)), json!({ "reason": " " })).await;
    assert_problem(no_reason, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    let no_reopen_reason =
        post(&app, &admin, &format!("/api/v1/complaints/{bare}/reopen"), json!({ "reason": "" })).await;
    assert_problem(no_reopen_reason, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
}

#[tokio::test]
async fn roles_outside_the_opd_workflow_are_refused_each_step() {
    let app = app().await;
    let admin = app.user(Role::Admin, "SKD-DISKOMINFO").await;
    let operator = app.user(Role::OpdOperator, "SKD-PUPR").await;
    let (complaint, _) = verified(&app, &admin, report()).await;
    let sent = dispose(&app, &admin, complaint, &["SKD-PUPR"], json!({})).await;
    post(&app, &operator, &format!("/api/v1/dispositions/{}/accept", id(&sent[0])), json!({})).await;
    let answer: Value = post(
        &app,
        &operator,
        &format!("/api/v1/dispositions/{}/follow-ups", id(&sent[0])),
        json!({ "body": "x", "visibility": "public" }),
    )
    .await
    .json()
    .await
    .unwrap();
    let leader = app.user(Role::Leader, "SKD").await;
    let reviewer = app.user(Role::ActionPlanReviewer, "SKD-BAGORG").await;
    let foreign_inspector = app.user(Role::Inspector, "SKD-INSPEKTORAT").await;
    for user in [&admin, &leader, &reviewer, &foreign_inspector] {
        for (path, body) in [
            (format!("/api/v1/dispositions/{}/return", id(&sent[0])), json!({ "reason": "wrong_disposition" })),
            (format!("/api/v1/dispositions/{}/delegate", id(&sent[0])), json!({ "sub_unit_id": Uuid::now_v7() })),
            (
                format!("/api/v1/dispositions/{}/follow-ups", id(&sent[0])),
                json!({ "body": "x", "visibility": "internal" }),
            ),
            (format!("/api/v1/follow-ups/{}/reject", id(&answer)), json!({ "reason": "x" })),
            (format!("/api/v1/follow-ups/{}/approve", id(&answer)), json!({})),
        ] {
            let response = post(&app, user, &path, body).await;
            assert!(
                matches!(response.status(), StatusCode::FORBIDDEN | StatusCode::NOT_FOUND),
                "{path}: {}",
                response.status()
            );
            assert_eq!(response.headers().get("content-type").unwrap(), "application/problem+json");
        }
    }
    for user in [&leader, &reviewer] {
        let response =
            app.authed(Method::GET, &format!("/api/v1/dispositions/{}", id(&sent[0])), user).send().await.unwrap();
        assert_problem(response, StatusCode::FORBIDDEN, "forbidden").await;
    }
    for (role, unit) in [(Role::Inspector, "SKD-INSPEKTORAT"), (Role::OpdOfficial, "SKD-PUPR")] {
        let user = app.user(role, unit).await;
        let reopen =
            post(&app, &user, &format!("/api/v1/complaints/{complaint}/reopen"), json!({ "reason": "x" })).await;
        assert_problem(reopen, StatusCode::FORBIDDEN, "forbidden").await;
    }
    let inspector_log =
        app.authed(Method::GET, "/api/v1/reporter-access-log", &foreign_inspector).send().await.unwrap();
    assert_problem(inspector_log, StatusCode::FORBIDDEN, "forbidden").await;
}

#[tokio::test]
async fn files_on_a_follow_up_stay_with_those_who_see_the_disposition() {
    let app = app().await;
    let admin = app.user(Role::Admin, "SKD-DISKOMINFO").await;
    let operator = app.user(Role::OpdOperator, "SKD-PUPR").await;
    let stranger = app.user(Role::OpdOperator, "SKD-DINKES").await;
    let (complaint, _) = verified(&app, &admin, report()).await;
    let sent = dispose(&app, &admin, complaint, &["SKD-PUPR", "SKD-DINKES"], json!({})).await;
    let pupr_unit = app.unit_id("SKD-PUPR").await.to_string();
    let pupr = sent.iter().find(|d| d["unit_id"] == pupr_unit.as_str()).unwrap().clone();
    post(&app, &operator, &format!("/api/v1/dispositions/{}/accept", id(&pupr)), json!({})).await;
    let boundary = "b";
    let mut body =
        format!("--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"survei.pdf\"\r\n\r\n")
            .into_bytes();
    body.extend_from_slice(b"%PDF-1.7 survei");
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    let uploaded: Value = app
        .authed(Method::POST, "/api/v1/attachments", &operator)
        .header("content-type", format!("multipart/form-data; boundary={boundary}"))
        .body(body)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let note = post(
        &app,
        &operator,
        &format!("/api/v1/dispositions/{}/follow-ups", id(&pupr)),
        json!({ "body": "Hasil survei.", "visibility": "internal", "attachment_ids": [uploaded["id"]] }),
    )
    .await;
    assert_eq!(note.status(), StatusCode::CREATED);
    let note: Value = note.json().await.unwrap();
    assert_eq!(note["attachments"][0]["id"], uploaded["id"]);
    let file = format!("/api/v1/attachments/{}", id(&uploaded));
    assert_eq!(app.authed(Method::GET, &file, &operator).send().await.unwrap().status(), StatusCode::OK);
    assert_eq!(app.authed(Method::GET, &file, &admin).send().await.unwrap().status(), StatusCode::OK);
    assert_problem(app.authed(Method::GET, &file, &stranger).send().await.unwrap(), StatusCode::NOT_FOUND, "not_found")
        .await;
    let evidence = get(&app, &admin, &format!("/api/v1/complaints/{complaint}")).await;
    assert!(evidence["attachments"].as_array().unwrap().is_empty(), "a note's file is not the reporter's evidence");
    let detail = get(&app, &operator, &format!("/api/v1/dispositions/{}", id(&pupr))).await;
    assert_eq!(detail["follow_ups"][0]["attachments"][0]["id"], uploaded["id"]);
}

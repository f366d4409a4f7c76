use chrono::{Duration, Utc};
use pengaduan::domain::role::Role;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::helpers::{TestApp, TestUser, assert_problem, error_fields, spawn_app_with, spawn_seeded_app};

/// A citizen's report with today's date.
pub fn report() -> Value {
    json!({
        "pemda_code": "SKD",
        "classification": "pengaduan",
        "title": "Jalan rusak di Desa Mungguk",
        "body": "Jalan utama desa berlubang besar sejak tiga bulan, membahayakan anak sekolah.",
        "incident_date": Utc::now().date_naive() - chrono::Days::new(2),
        "reporter": { "name": "Budi Santoso", "nik": "6109010101900001", "phone": "081234567890", "email": "budi@example.com" }
    })
}

pub async fn file(app: &TestApp, body: &Value) -> reqwest::Response {
    app.request(Method::POST, "/api/v1/public/complaints").json(body).send().await.unwrap()
}

/// Files a report and returns the receipt.
pub async fn filed(app: &TestApp, body: &Value) -> Value {
    let response = file(app, body).await;
    assert_eq!(response.status(), StatusCode::CREATED, "{:?}", response.text().await);
    response.json().await.unwrap()
}

/// The id of a report, by tracking code.
pub async fn id_of(app: &TestApp, receipt: &Value) -> Uuid {
    let mut conn = app.conn().await;
    pengaduan::db::complaints::find_by_tracking_code(&mut conn, receipt["tracking_code"].as_str().unwrap())
        .await
        .unwrap()
        .unwrap()
        .id
}

async fn act(app: &TestApp, user: &TestUser, id: Uuid, action: &str, body: Value) -> reqwest::Response {
    app.authed(Method::POST, &format!("/api/v1/complaints/{id}/{action}"), user).json(&body).send().await.unwrap()
}

const NO_COMPLAINT_ROLES: [(Role, &str); 4] = [
    (Role::OpdOperator, "SKD-PUPR"),
    (Role::OpdOfficial, "SKD-PUPR"),
    (Role::ActionPlanReviewer, "SKD-BAGORG"),
    (Role::Leader, "SKD"),
];

#[tokio::test]
async fn a_citizen_files_a_report_and_gets_a_tracking_code_secret_and_deadlines() {
    let app = spawn_seeded_app().await;
    let response = file(&app, &report()).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let location = response.headers().get("location").unwrap().to_str().unwrap().to_owned();
    let receipt: Value = response.json().await.unwrap();
    let year = Utc::now().with_timezone(&chrono_tz::Asia::Pontianak).format("%Y").to_string();
    assert_eq!(receipt["tracking_code"], format!("SKD-{year}-000001"));
    assert_eq!(location, format!("/api/v1/public/complaints/SKD-{year}-000001"));
    assert_eq!(receipt["status"], "submitted");
    assert!(receipt["reporter_secret"].as_str().unwrap().len() >= 43);
    let verify_by: chrono::DateTime<Utc> = receipt["deadlines"]["verify_by"].as_str().unwrap().parse().unwrap();
    let resolve_by: chrono::DateTime<Utc> = receipt["deadlines"]["resolve_by"].as_str().unwrap().parse().unwrap();
    assert!(verify_by > Utc::now() + Duration::days(2) && verify_by < resolve_by);

    let second = filed(&app, &report()).await;
    assert_eq!(second["tracking_code"], format!("SKD-{year}-000002"));
}

#[tokio::test]
async fn invalid_reports_are_refused_with_every_field_named() {
    let app = spawn_seeded_app().await;
    let mut body = report();
    body["title"] = json!("x".repeat(151));
    body["incident_date"] = json!(Utc::now().date_naive() + chrono::Days::new(5));
    body["latitude"] = json!(0.03);
    body["reporter"]["nik"] = json!("123");
    body["supervision"] = json!(true);
    let problem = assert_problem(file(&app, &body).await, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    let fields = error_fields(&problem);
    for field in ["title", "longitude", "reporter.nik", "supervision"] {
        assert!(fields.contains(&field.to_owned()), "{field} in {fields:?}");
    }

    let mut future = report();
    future["incident_date"] = json!(Utc::now().date_naive() + chrono::Days::new(5));
    let problem =
        assert_problem(file(&app, &future).await, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    assert_eq!(error_fields(&problem), ["incident_date"]);

    let mut social = report();
    social["channel"] = json!("social_media");
    let problem =
        assert_problem(file(&app, &social).await, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    assert_eq!(problem["errors"][0]["code"], "staff_only");

    let mut unknown = report();
    unknown["category_id"] = json!(Uuid::now_v7());
    let problem =
        assert_problem(file(&app, &unknown).await, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    assert_eq!(error_fields(&problem), ["category_id"]);

    let mut elsewhere = report();
    elsewhere["pemda_code"] = json!("XYZ");
    let problem =
        assert_problem(file(&app, &elsewhere).await, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    assert_eq!(error_fields(&problem), ["pemda_code"]);
}

#[tokio::test]
async fn a_late_report_is_recorded_and_flagged_not_refused() {
    let app = spawn_seeded_app().await;
    let admin = app.user(Role::Admin, "SKD-DISKOMINFO").await;
    let mut body = report();
    body["service_date"] = json!(Utc::now().date_naive() - chrono::Days::new(45));
    body["incident_date"] = json!(Utc::now().date_naive() - chrono::Days::new(45));
    let id = id_of(&app, &filed(&app, &body).await).await;
    let complaint: Value = app
        .authed(Method::GET, &format!("/api/v1/complaints/{id}"), &admin)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(complaint["filed_late"], true);
}

#[tokio::test]
async fn public_intake_is_rate_limited_per_address() {
    let app = spawn_app_with(|s| s.public_intake_per_hour = 2).await;
    pengaduan::services::seed::seed(&mut app.conn().await).await.unwrap();
    filed(&app, &report()).await;
    filed(&app, &report()).await;
    let third = file(&app, &report()).await;
    assert!(third.headers().get("retry-after").unwrap().to_str().unwrap().parse::<u64>().unwrap() > 0);
    assert_problem(third, StatusCode::TOO_MANY_REQUESTS, "too_many_requests").await;
}

#[tokio::test]
async fn a_retry_with_the_same_idempotency_key_returns_the_first_answer_and_creates_nothing() {
    let app = spawn_seeded_app().await;
    let send = |body: Value, key: &'static str| {
        app.request(Method::POST, "/api/v1/public/complaints").header("idempotency-key", key).json(&body).send()
    };
    let first = send(report(), "0194b7c2-retry").await.unwrap();
    assert_eq!(first.status(), StatusCode::CREATED);
    let first: Value = first.json().await.unwrap();
    let retry = send(report(), "0194b7c2-retry").await.unwrap();
    assert_eq!(retry.status(), StatusCode::CREATED);
    assert_eq!(retry.headers().get("idempotent-replayed").unwrap(), "true");
    let location = format!("/api/v1/public/complaints/{}", first["tracking_code"].as_str().unwrap());
    assert_eq!(retry.headers().get("location").unwrap(), location.as_str(), "a replay keeps Location");
    let retry: Value = retry.json().await.unwrap();
    assert_eq!(retry, first, "the same tracking code and secret");
    assert_eq!(complaint_count(&app).await, 1);

    let mut other = report();
    other["title"] = json!("Another report entirely");
    let reused = send(other, "0194b7c2-retry").await.unwrap();
    let problem = assert_problem(reused, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    assert_eq!(problem["errors"][0]["code"], "key_reused");
    assert_eq!(complaint_count(&app).await, 1);

    let bad_key = app
        .request(Method::POST, "/api/v1/public/complaints")
        .header("idempotency-key", "")
        .json(&report())
        .send()
        .await
        .unwrap();
    assert_problem(bad_key, StatusCode::BAD_REQUEST, "invalid_idempotency_key").await;
}

#[tokio::test]
async fn concurrent_retries_with_one_key_create_exactly_one_complaint() {
    let app = spawn_seeded_app().await;
    let send = || {
        app.request(Method::POST, "/api/v1/public/complaints")
            .header("idempotency-key", "race-1")
            .json(&report())
            .send()
    };
    let (a, b, c) = tokio::join!(send(), send(), send());
    let bodies: Vec<Value> =
        vec![a.unwrap().json().await.unwrap(), b.unwrap().json().await.unwrap(), c.unwrap().json().await.unwrap()];
    assert!(bodies.iter().all(|body| body["tracking_code"] == bodies[0]["tracking_code"]), "{bodies:?}");
    assert_eq!(complaint_count(&app).await, 1);
}

async fn complaint_count(app: &TestApp) -> i64 {
    use diesel::prelude::*;
    use diesel_async::RunQueryDsl;
    use pengaduan::db::schema::complaints;
    complaints::table.count().get_result(&mut app.conn().await).await.unwrap()
}

#[tokio::test]
async fn staff_record_social_media_reports_with_their_source() {
    let app = spawn_seeded_app().await;
    let admin = app.user(Role::Admin, "SKD-DISKOMINFO").await;
    let mut body = report();
    body["channel"] = json!("social_media");
    body.as_object_mut().unwrap().remove("reporter");
    let missing = app.authed(Method::POST, "/api/v1/complaints", &admin).json(&body).send().await.unwrap();
    let problem = assert_problem(missing, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    assert_eq!(error_fields(&problem), ["source"]);

    body["source"] = json!({ "url": "https://www.facebook.com/groups/sekadau/posts/1", "platform": "Facebook", "captured_at": Utc::now() });
    let response = app.authed(Method::POST, "/api/v1/complaints", &admin).json(&body).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
    let created: Value = response.json().await.unwrap();
    assert_eq!(created["complaint"]["channel"], "social_media");
    assert_eq!(created["complaint"]["source"]["platform"], "Facebook");
    assert!(created["reporter_secret"].is_string());

    let mut no_channel = report();
    no_channel.as_object_mut().unwrap().remove("channel");
    let response = app.authed(Method::POST, "/api/v1/complaints", &admin).json(&no_channel).send().await.unwrap();
    assert_problem(response, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;

    for (role, unit) in NO_COMPLAINT_ROLES.into_iter().chain([(Role::Inspector, "SKD-INSPEKTORAT")]) {
        let user = app.user(role, unit).await;
        let response = app.authed(Method::POST, "/api/v1/complaints", &user).json(&body).send().await.unwrap();
        assert_problem(response, StatusCode::FORBIDDEN, "forbidden").await;
    }
}

#[tokio::test]
async fn the_public_follows_a_report_but_never_sees_who_filed_an_anonymous_one() {
    let app = spawn_seeded_app().await;
    let named = filed(&app, &report()).await;
    let path = format!("/api/v1/public/complaints/{}", named["tracking_code"].as_str().unwrap());
    let view: Value = app.request(Method::GET, &path).send().await.unwrap().json().await.unwrap();
    assert!(view["reporter_name"].is_null(), "names are not harvestable by tracking code");
    assert_eq!(view["timeline"][0]["status"], "submitted");
    assert!(!view.to_string().contains("Budi") && !view.to_string().contains("081234567890"));
    let mine: Value = app
        .request(Method::GET, &path)
        .header("x-reporter-secret", named["reporter_secret"].as_str().unwrap())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(mine["reporter_name"], "Budi Santoso");
    assert!(!mine.to_string().contains("6109010101900001"));

    let mut body = report();
    body["anonymous"] = json!(true);
    let anonymous = filed(&app, &body).await;
    let path = format!("/api/v1/public/complaints/{}", anonymous["tracking_code"].as_str().unwrap());
    for secret in [None, anonymous["reporter_secret"].as_str()] {
        let mut request = app.request(Method::GET, &path);
        if let Some(secret) = secret {
            request = request.header("x-reporter-secret", secret);
        }
        let view: Value = request.send().await.unwrap().json().await.unwrap();
        assert!(view["reporter_name"].is_null());
        assert!(!view.to_string().contains("Budi"));
    }
}

#[tokio::test]
async fn a_confidential_report_is_found_only_with_its_secret() {
    let app = spawn_seeded_app().await;
    let mut body = report();
    body["confidential"] = json!(true);
    let receipt = filed(&app, &body).await;
    let path = format!("/api/v1/public/complaints/{}", receipt["tracking_code"].as_str().unwrap());
    assert_problem(app.request(Method::GET, &path).send().await.unwrap(), StatusCode::NOT_FOUND, "not_found").await;
    let wrong = app.request(Method::GET, &path).header("x-reporter-secret", "guess").send().await.unwrap();
    assert_problem(wrong, StatusCode::NOT_FOUND, "not_found").await;
    let right = app
        .request(Method::GET, &path)
        .header("x-reporter-secret", receipt["reporter_secret"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(right.status(), StatusCode::OK);
    let missing = app.request(Method::GET, "/api/v1/public/complaints/SKD-2026-999999").send().await.unwrap();
    assert_problem(missing, StatusCode::NOT_FOUND, "not_found").await;
    let malformed = app.request(Method::GET, "/api/v1/public/complaints/anything").send().await.unwrap();
    assert_problem(malformed, StatusCode::NOT_FOUND, "not_found").await;
}

#[tokio::test]
async fn reporter_identity_is_sealed_at_rest_and_read_only_by_admins_with_a_log() {
    use diesel::prelude::*;
    use diesel_async::RunQueryDsl;
    use pengaduan::db::schema::complaint_reporters;
    let app = spawn_seeded_app().await;
    let receipt = filed(&app, &report()).await;
    let id = id_of(&app, &receipt).await;

    let stored: Vec<u8> = complaint_reporters::table
        .find(id)
        .select(complaint_reporters::ciphertext)
        .first(&mut app.conn().await)
        .await
        .unwrap();
    assert!(!String::from_utf8_lossy(&stored).contains("Budi"), "no plaintext identity in the database");

    let admin = app.user(Role::Admin, "SKD-DISKOMINFO").await;
    let response = app.authed(Method::GET, &format!("/api/v1/complaints/{id}/reporter"), &admin).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers().get("cache-control").unwrap(), "no-store");
    let identity: Value = response.json().await.unwrap();
    assert_eq!(identity["name"], "Budi Santoso");
    assert_eq!(identity["nik"], "6109010101900001");

    let log: Value = app
        .authed(Method::GET, &format!("/api/v1/reporter-access-log?complaint_id={id}"), &admin)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(log["items"].as_array().unwrap().len(), 1);
    assert_eq!(log["items"][0]["user_id"], admin.id.to_string());
    let events: Value = app
        .authed(Method::GET, &format!("/api/v1/complaints/{id}/events"), &admin)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(events.as_array().unwrap().iter().any(|e| e["action"] == "reporter_read"));

    for (role, unit) in NO_COMPLAINT_ROLES {
        let user = app.user(role, unit).await;
        let response =
            app.authed(Method::GET, &format!("/api/v1/complaints/{id}/reporter"), &user).send().await.unwrap();
        assert_problem(response, StatusCode::FORBIDDEN, "forbidden").await;
        let response = app.authed(Method::GET, "/api/v1/reporter-access-log", &user).send().await.unwrap();
        assert_problem(response, StatusCode::FORBIDDEN, "forbidden").await;
    }
    let inspector = app.user(Role::Inspector, "SKD-INSPEKTORAT").await;
    let ordinary =
        app.authed(Method::GET, &format!("/api/v1/complaints/{id}/reporter"), &inspector).send().await.unwrap();
    assert_problem(ordinary, StatusCode::FORBIDDEN, "forbidden").await;
    let anonymous = app.request(Method::GET, &format!("/api/v1/complaints/{id}/reporter")).send().await.unwrap();
    assert_problem(anonymous, StatusCode::UNAUTHORIZED, "missing_token").await;
}

#[tokio::test]
async fn inspectors_read_the_reporter_of_supervision_complaints() {
    let app = spawn_seeded_app().await;
    let admin = app.user(Role::Admin, "SKD-DISKOMINFO").await;
    let inspector = app.user(Role::Inspector, "SKD-INSPEKTORAT").await;
    let id = id_of(&app, &filed(&app, &report()).await).await;
    let verified = act(&app, &admin, id, "verify", json!({ "supervision": true, "note": "oknum ASN" })).await;
    assert_eq!(verified.status(), StatusCode::OK);
    let verified: Value = verified.json().await.unwrap();
    assert_eq!(verified["supervision"], true);
    let response =
        app.authed(Method::GET, &format!("/api/v1/complaints/{id}/reporter"), &inspector).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
}

#[tokio::test]
async fn staff_reads_never_carry_reporter_identity() {
    let app = spawn_seeded_app().await;
    let id = id_of(&app, &filed(&app, &report()).await).await;
    for (role, unit) in [(Role::Admin, "SKD-DISKOMINFO"), (Role::Inspector, "SKD-INSPEKTORAT")] {
        let user = app.user(role, unit).await;
        for path in [
            format!("/api/v1/complaints/{id}"),
            "/api/v1/complaints".to_owned(),
            format!("/api/v1/complaints/{id}/events"),
        ] {
            let text = app.authed(Method::GET, &path, &user).send().await.unwrap().text().await.unwrap();
            assert!(
                !text.contains("Budi") && !text.contains("6109010101900001") && !text.contains("budi@example.com"),
                "{role} {path}"
            );
        }
    }
    for (role, unit) in NO_COMPLAINT_ROLES {
        let user = app.user(role, unit).await;
        for path in [
            format!("/api/v1/complaints/{id}"),
            "/api/v1/complaints".to_owned(),
            format!("/api/v1/complaints/{id}/events"),
        ] {
            let response = app.authed(Method::GET, &path, &user).send().await.unwrap();
            assert_problem(response, StatusCode::FORBIDDEN, "forbidden").await;
        }
    }
}

#[tokio::test]
async fn verifying_moves_a_report_once_and_refuses_stale_or_repeated_steps() {
    let app = spawn_seeded_app().await;
    let admin = app.user(Role::Admin, "SKD-DISKOMINFO").await;
    let id = id_of(&app, &filed(&app, &report()).await).await;
    let read = app.authed(Method::GET, &format!("/api/v1/complaints/{id}"), &admin).send().await.unwrap();
    assert_eq!(read.headers().get("etag").unwrap(), "\"1\"");

    let stale = app
        .authed(Method::POST, &format!("/api/v1/complaints/{id}/verify"), &admin)
        .header("if-match", "\"7\"")
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    let problem = assert_problem(stale, StatusCode::PRECONDITION_FAILED, "stale_version").await;
    assert_eq!(problem["context"]["etag"], "\"1\"");

    let kesehatan = category(&app, "kesehatan").await;
    let verified = app
        .authed(Method::POST, &format!("/api/v1/complaints/{id}/verify"), &admin)
        .header("if-match", "\"1\"")
        .json(&json!({ "category_id": kesehatan, "title": "Jalan desa Mungguk rusak berat" }))
        .send()
        .await
        .unwrap();
    assert_eq!(verified.status(), StatusCode::OK);
    assert_eq!(verified.headers().get("etag").unwrap(), "\"2\"");
    let verified: Value = verified.json().await.unwrap();
    assert_eq!(
        (verified["status"].as_str(), verified["category_id"].as_str()),
        (Some("verified"), Some(kesehatan.to_string().as_str()))
    );
    assert!(verified["verified_at"].is_string());

    let mut private = report();
    private["anonymous"] = json!(true);
    let hidden = id_of(&app, &filed(&app, &private).await).await;
    let reveal = act(&app, &admin, hidden, "verify", json!({ "anonymous": false })).await;
    let problem = assert_problem(reveal, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    assert_eq!(problem["errors"][0]["code"], "cannot_reveal");

    let again = act(&app, &admin, id, "verify", json!({})).await;
    let problem = assert_problem(again, StatusCode::CONFLICT, "invalid_transition").await;
    assert_eq!(problem["context"]["status"], "verified");
    let postpone = act(&app, &admin, id, "postpone", json!({ "reason": "foto" })).await;
    assert_problem(postpone, StatusCode::CONFLICT, "invalid_transition").await;

    let events: Value = app
        .authed(Method::GET, &format!("/api/v1/complaints/{id}/events"), &admin)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let actions: Vec<&str> = events.as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
    assert_eq!(actions, ["created", "verify"]);
    assert_eq!(events[1]["details"]["from"], "submitted");
    assert_eq!(events[1]["actor_id"], admin.id.to_string());
}

async fn category(app: &TestApp, code: &str) -> Uuid {
    let categories: Value =
        app.request(Method::GET, "/api/v1/categories?pemda_code=SKD").send().await.unwrap().json().await.unwrap();
    categories.as_array().unwrap().iter().find(|c| c["code"] == code).unwrap()["id"].as_str().unwrap().parse().unwrap()
}

#[tokio::test]
async fn reclassifying_at_verification_takes_the_deadlines_of_the_new_kind() {
    let app = spawn_seeded_app().await;
    let admin = app.user(Role::Admin, "SKD-DISKOMINFO").await;
    let mut body = report();
    body["classification"] = json!("aspirasi");
    let id = id_of(&app, &filed(&app, &body).await).await;
    let before: Value = app
        .authed(Method::GET, &format!("/api/v1/complaints/{id}"), &admin)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let after: Value = act(&app, &admin, id, "verify", json!({ "classification": "pengaduan", "supervision": true }))
        .await
        .json()
        .await
        .unwrap();
    let resolve = |v: &Value| v["deadlines"]["resolve_by"].as_str().unwrap().parse::<chrono::DateTime<Utc>>().unwrap();
    assert!(resolve(&after) - resolve(&before) > Duration::days(60), "5 working days became 60");
    let bad = act(
        &app,
        &admin,
        id_of(&app, &filed(&app, &report()).await).await,
        "verify",
        json!({ "classification": "aspirasi", "supervision": true }),
    )
    .await;
    assert_problem(bad, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
}

#[tokio::test]
async fn a_postponed_report_waits_for_the_reporter_who_answers_with_the_secret() {
    let app = spawn_seeded_app().await;
    let admin = app.user(Role::Admin, "SKD-DISKOMINFO").await;
    let receipt = filed(&app, &report()).await;
    let id = id_of(&app, &receipt).await;
    let code = receipt["tracking_code"].as_str().unwrap();
    let secret = receipt["reporter_secret"].as_str().unwrap();

    let early = app
        .request(Method::POST, &format!("/api/v1/public/complaints/{code}/supplement"))
        .header("x-reporter-secret", secret)
        .json(&json!({ "body": "x" }))
        .send()
        .await
        .unwrap();
    assert_problem(early, StatusCode::CONFLICT, "invalid_transition").await;

    let postponed = act(&app, &admin, id, "postpone", json!({ "reason": "Mohon lampirkan foto lokasi." })).await;
    assert_eq!(postponed.status(), StatusCode::OK);
    app.state.clock.advance(Duration::days(10));

    let public: Value = app
        .request(Method::GET, &format!("/api/v1/public/complaints/{code}"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(public["requested_information"].is_null(), "only the reporter sees the request");
    let mine: Value = app
        .request(Method::GET, &format!("/api/v1/public/complaints/{code}"))
        .header("x-reporter-secret", secret)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(mine["requested_information"], "Mohon lampirkan foto lokasi.");

    let path = format!("/api/v1/public/complaints/{code}/supplement");
    let without = app.request(Method::POST, &path).json(&json!({ "body": "Foto terlampir" })).send().await.unwrap();
    assert_problem(without, StatusCode::FORBIDDEN, "forbidden").await;
    let empty = app
        .request(Method::POST, &path)
        .header("x-reporter-secret", secret)
        .json(&json!({ "body": " " }))
        .send()
        .await
        .unwrap();
    assert_problem(empty, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    let answered = app
        .request(Method::POST, &path)
        .header("x-reporter-secret", secret)
        .json(&json!({ "body": "Lokasi di RT 03, foto terlampir." }))
        .send()
        .await
        .unwrap();
    assert_eq!(answered.status(), StatusCode::OK);
    let answered: Value = answered.json().await.unwrap();
    assert_eq!(answered["status"], "submitted");
    let statuses: Vec<&str> =
        answered["timeline"].as_array().unwrap().iter().map(|s| s["status"].as_str().unwrap()).collect();
    assert_eq!(statuses, ["submitted", "postponed", "submitted"]);

    let complaint: Value = app
        .authed(Method::GET, &format!("/api/v1/complaints/{id}"), &admin)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(complaint["supplements"][0]["body"], "Lokasi di RT 03, foto terlampir.");
    let verify_by: chrono::DateTime<Utc> = complaint["deadlines"]["verify_by"].as_str().unwrap().parse().unwrap();
    assert!(verify_by > Utc::now() + Duration::days(10), "the verification deadline restarted from the supplement");
}

#[tokio::test]
async fn archiving_needs_a_reason_and_a_duplicate_names_its_original() {
    let app = spawn_seeded_app().await;
    let admin = app.user(Role::Admin, "SKD-DISKOMINFO").await;
    let original = id_of(&app, &filed(&app, &report()).await).await;
    let copy = id_of(&app, &filed(&app, &report()).await).await;
    let missing = act(&app, &admin, copy, "archive", json!({ "reason": "duplicate" })).await;
    let problem = assert_problem(missing, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    assert_eq!(error_fields(&problem), ["duplicate_of"]);
    let itself = act(&app, &admin, copy, "archive", json!({ "reason": "duplicate", "duplicate_of": copy })).await;
    assert_problem(itself, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    let other = act(&app, &admin, copy, "archive", json!({ "reason": "other" })).await;
    assert_problem(other, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    let unknown_reason = act(&app, &admin, copy, "archive", json!({ "reason": "boring" })).await;
    assert_problem(unknown_reason, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;

    let archived = act(&app, &admin, copy, "archive", json!({ "reason": "duplicate", "duplicate_of": original })).await;
    assert_eq!(archived.status(), StatusCode::OK);
    let archived: Value = archived.json().await.unwrap();
    assert_eq!(
        (archived["status"].as_str(), archived["archive_reason"].as_str()),
        (Some("archived"), Some("duplicate"))
    );
    assert_eq!(archived["duplicate_of"], original.to_string());
    let closed = act(&app, &admin, copy, "forward", json!({ "agency": "BPJN", "reason": "jalan nasional" })).await;
    assert_problem(closed, StatusCode::CONFLICT, "invalid_transition").await;
}

#[tokio::test]
async fn a_report_outside_the_pemdas_authority_is_forwarded() {
    let app = spawn_seeded_app().await;
    let admin = app.user(Role::Admin, "SKD-DISKOMINFO").await;
    let id = id_of(&app, &filed(&app, &report()).await).await;
    let incomplete = act(&app, &admin, id, "forward", json!({ "agency": "" , "reason": "jalan nasional" })).await;
    assert_problem(incomplete, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    let forwarded: Value =
        act(&app, &admin, id, "forward", json!({ "agency": "BPJN Kalimantan Barat", "reason": "jalan nasional" }))
            .await
            .json()
            .await
            .unwrap();
    assert_eq!(
        (forwarded["status"].as_str(), forwarded["forwarded_to"].as_str()),
        (Some("forwarded"), Some("BPJN Kalimantan Barat"))
    );
}

#[tokio::test]
async fn only_admins_of_the_pemda_run_the_workflow() {
    let app = spawn_seeded_app().await;
    let id = id_of(&app, &filed(&app, &report()).await).await;
    for (role, unit) in NO_COMPLAINT_ROLES.into_iter().chain([(Role::Inspector, "SKD-INSPEKTORAT")]) {
        let user = app.user(role, unit).await;
        for (action, body) in [
            ("verify", json!({})),
            ("postpone", json!({ "reason": "x" })),
            ("archive", json!({ "reason": "spam" })),
            ("forward", json!({ "agency": "x", "reason": "y" })),
        ] {
            let response = act(&app, &user, id, action, body).await;
            assert_problem(response, StatusCode::FORBIDDEN, "forbidden").await;
        }
    }
    let anonymous =
        app.request(Method::POST, &format!("/api/v1/complaints/{id}/verify")).json(&json!({})).send().await.unwrap();
    assert_problem(anonymous, StatusCode::UNAUTHORIZED, "missing_token").await;

    let root = app.user(Role::SuperAdmin, "SKD").await;
    let pemda: Value = app
        .authed(Method::POST, "/api/v1/units", &root)
        .json(&json!({ "kind": "regency", "code": "SGU", "name": "Kabupaten Sanggau" }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let foreign_admin = app.authed(Method::POST, "/api/v1/users", &root)
        .json(&json!({ "email": "admin@sanggau.go.id", "name": "Admin Sanggau", "unit_id": pemda["id"], "role": "admin", "password": "sandi awal yang panjang" }))
        .send().await.unwrap();
    assert_eq!(foreign_admin.status(), StatusCode::CREATED);
    let login: Value = app.login("admin@sanggau.go.id", "sandi awal yang panjang").await.json().await.unwrap();
    let foreign = TestUser {
        id: Uuid::nil(),
        email: String::new(),
        access_token: login["access_token"].as_str().unwrap().into(),
        refresh_token: String::new(),
    };
    assert_problem(act(&app, &foreign, id, "verify", json!({})).await, StatusCode::NOT_FOUND, "not_found").await;
    let read = app.authed(Method::GET, &format!("/api/v1/complaints/{id}"), &foreign).send().await.unwrap();
    assert_problem(read, StatusCode::NOT_FOUND, "not_found").await;
    let list: Value =
        app.authed(Method::GET, "/api/v1/complaints", &foreign).send().await.unwrap().json().await.unwrap();
    assert!(list["items"].as_array().unwrap().is_empty());
    assert_eq!(act(&app, &root, id, "verify", json!({})).await.status(), StatusCode::OK);
}

#[tokio::test]
async fn two_admins_acting_at_once_leave_exactly_one_winner() {
    let app = spawn_seeded_app().await;
    let first = app.user(Role::Admin, "SKD-DISKOMINFO").await;
    let second = app.user(Role::Admin, "SKD-DISKOMINFO").await;
    let id = id_of(&app, &filed(&app, &report()).await).await;
    let path = format!("/api/v1/complaints/{id}/verify");
    let verify = |user| app.authed(Method::POST, &path, user).header("if-match", "\"1\"").json(&json!({})).send();
    let (a, b) = tokio::join!(verify(&first), verify(&second));
    let statuses = [a.unwrap().status(), b.unwrap().status()];
    assert!(statuses.contains(&StatusCode::OK), "{statuses:?}");
    assert!(
        statuses.contains(&StatusCode::PRECONDITION_FAILED) || statuses.contains(&StatusCode::CONFLICT),
        "{statuses:?}"
    );
    let events: Value = app
        .authed(Method::GET, &format!("/api/v1/complaints/{id}/events"), &first)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(events.as_array().unwrap().len(), 2, "created and one transition");
}

#[tokio::test]
async fn the_list_filters_searches_sorts_and_pages() {
    let app = spawn_seeded_app().await;
    let admin = app.user(Role::Admin, "SKD-DISKOMINFO").await;
    let mut ids = Vec::new();
    for title in [
        "Jalan berlubang di Sekadau Hilir",
        "Puskesmas tutup siang hari",
        "Lampu jalan mati",
        "Sekolah kekurangan guru",
    ] {
        let mut body = report();
        body["title"] = json!(title);
        body["body"] = json!(format!("{title}, mohon ditindaklanjuti."));
        ids.push(id_of(&app, &filed(&app, &body).await).await);
    }
    let mut info = report();
    info["classification"] = json!("permintaan_informasi");
    ids.push(id_of(&app, &filed(&app, &info).await).await);
    act(&app, &admin, ids[0], "verify", json!({})).await;

    let get = |path: String| {
        let app = &app;
        let admin = &admin;
        async move {
            let response = app.authed(Method::GET, &path, admin).send().await.unwrap();
            assert_eq!(response.status(), StatusCode::OK, "{path}");
            response.json::<Value>().await.unwrap()
        }
    };
    let titles = |page: &Value| {
        page["items"].as_array().unwrap().iter().map(|c| c["title"].as_str().unwrap().to_owned()).collect::<Vec<_>>()
    };

    assert_eq!(titles(&get("/api/v1/complaints?q=jalan".into()).await).len(), 3);
    assert_eq!(titles(&get("/api/v1/complaints?q=jalan%20-lampu".into()).await).len(), 2);
    assert_eq!(titles(&get("/api/v1/complaints?q=puskesmas".into()).await), ["Puskesmas tutup siang hari"]);
    assert_eq!(titles(&get("/api/v1/complaints?status=verified".into()).await), ["Jalan berlubang di Sekadau Hilir"]);
    assert_eq!(get("/api/v1/complaints?status=submitted,verified".into()).await["items"].as_array().unwrap().len(), 5);
    assert_eq!(
        get("/api/v1/complaints?classification=permintaan_informasi".into()).await["items"].as_array().unwrap().len(),
        1
    );
    assert_eq!(
        get("/api/v1/complaints?channel=web&supervision=false".into()).await["items"].as_array().unwrap().len(),
        5
    );

    let newest_first = titles(&get("/api/v1/complaints".into()).await);
    assert_eq!(newest_first[0], "Jalan rusak di Desa Mungguk");
    let oldest_first = titles(&get("/api/v1/complaints?sort=created_at".into()).await);
    assert_eq!(oldest_first[0], "Jalan berlubang di Sekadau Hilir");
    let by_update = titles(&get("/api/v1/complaints?sort=-updated_at".into()).await);
    assert_eq!(by_update[0], "Jalan berlubang di Sekadau Hilir");

    let first_page = get("/api/v1/complaints?limit=2&sort=resolve_by".into()).await;
    let cursor = first_page["next_cursor"].as_str().unwrap();
    let second_page = get(format!("/api/v1/complaints?limit=2&sort=resolve_by&cursor={cursor}")).await;
    let mut seen: Vec<String> = titles(&first_page);
    seen.extend(titles(&second_page));
    seen.extend(titles(
        &get(format!(
            "/api/v1/complaints?limit=2&sort=resolve_by&cursor={}",
            second_page["next_cursor"].as_str().unwrap()
        ))
        .await,
    ));
    seen.sort();
    seen.dedup();
    assert_eq!(seen.len(), 5);

    let later = (Utc::now() + Duration::hours(1)).to_rfc3339();
    assert!(
        get(format!("/api/v1/complaints?start_date={}", urlencode(&later))).await["items"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        get(format!("/api/v1/complaints?end_date={}", urlencode(&later))).await["items"].as_array().unwrap().len(),
        5
    );

    assert!(get("/api/v1/complaints?overdue=true".into()).await["items"].as_array().unwrap().is_empty());
    app.state.clock.advance(Duration::days(10));
    let overdue = get("/api/v1/complaints?overdue=true".into()).await;
    assert_eq!(overdue["items"].as_array().unwrap().len(), 4, "the unverified reports missed their 3-day verification");
    assert!(overdue["items"].as_array().unwrap().iter().all(|c| c["overdue"] == true));

    let bad_sort = app.authed(Method::GET, "/api/v1/complaints?sort=title", &admin).send().await.unwrap();
    assert_problem(bad_sort, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    let bad_status = app.authed(Method::GET, "/api/v1/complaints?status=lost", &admin).send().await.unwrap();
    assert_problem(bad_status, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;

    let inspector = app.user(Role::Inspector, "SKD-INSPEKTORAT").await;
    let seen_by_inspector: Value =
        app.authed(Method::GET, "/api/v1/complaints", &inspector).send().await.unwrap().json().await.unwrap();
    assert_eq!(seen_by_inspector["items"].as_array().unwrap().len(), 5);
}

fn urlencode(text: &str) -> String {
    text.replace('+', "%2B").replace(':', "%3A")
}

#[tokio::test]
async fn updated_after_lists_what_changed() {
    let app = spawn_seeded_app().await;
    let admin = app.user(Role::Admin, "SKD-DISKOMINFO").await;
    let a = id_of(&app, &filed(&app, &report()).await).await;
    let b = id_of(&app, &filed(&app, &report()).await).await;
    let latest: Value =
        app.authed(Method::GET, &format!("/api/v1/complaints/{b}"), &admin).send().await.unwrap().json().await.unwrap();
    let mark = latest["updated_at"].as_str().unwrap().to_owned();
    act(&app, &admin, a, "verify", json!({})).await;
    let changed: Value = app
        .authed(Method::GET, &format!("/api/v1/complaints?updated_after={}", urlencode(&mark)), &admin)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(changed["items"].as_array().unwrap().len(), 1);
    assert_eq!(changed["items"][0]["id"], a.to_string());
}

#[tokio::test]
async fn list_filters_take_plain_dates_as_whole_days_of_the_pemda() {
    let app = spawn_seeded_app().await;
    let admin = app.user(Role::Admin, "SKD-DISKOMINFO").await;
    filed(&app, &report()).await;
    let today = app.state.clock.now().with_timezone(&chrono_tz::Asia::Pontianak).date_naive();
    let count = |query: String| {
        let app = &app;
        let admin = &admin;
        async move {
            let response = app.authed(Method::GET, &format!("/api/v1/complaints?{query}"), admin).send().await.unwrap();
            assert_eq!(response.status(), StatusCode::OK, "{query}");
            response.json::<Value>().await.unwrap()["items"].as_array().unwrap().len()
        }
    };
    assert_eq!(count(format!("start_date={today}&end_date={today}")).await, 1, "today, from its start to its end");
    assert_eq!(count(format!("end_date={}", today.pred_opt().unwrap())).await, 0, "through yesterday");
    assert_eq!(count(format!("start_date={}", today.succ_opt().unwrap())).await, 0, "from tomorrow");
    let refused = app.authed(Method::GET, "/api/v1/complaints?start_date=kemarin", &admin).send().await.unwrap();
    assert_problem(refused, StatusCode::BAD_REQUEST, "invalid_query").await;
}

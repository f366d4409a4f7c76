//! Who hears of a missed deadline, level by level, for ordinary and supervision complaints and for complaint-level
//! and disposition-level deadlines. The clock moves a day at a time, so the levels are met whatever day the test runs.

use chrono::Duration;
use pengaduan::domain::role::Role;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::complaints::report;
use crate::helpers::{TestApp, TestUser, spawn_app_with};

struct Staff {
    admin: TestUser,
    inspector: TestUser,
    leader: TestUser,
    operator: TestUser,
}

async fn app_and_staff() -> (TestApp, Staff) {
    let app = spawn_app_with(|s| s.run_jobs = false).await;
    pengaduan::services::seed::seed(&mut app.conn().await).await.unwrap();
    let staff = Staff {
        admin: app.user(Role::Admin, "SKD-DISKOMINFO").await,
        inspector: app.user(Role::Inspector, "SKD-INSPEKTORAT").await,
        leader: app.user(Role::Leader, "SKD").await,
        operator: app.user(Role::OpdOperator, "SKD-PUPR").await,
    };
    (app, staff)
}

/// A report recorded by the admin, `supervision` as given: (id, tracking code).
async fn recorded(app: &TestApp, admin: &TestUser, supervision: bool) -> (Uuid, String) {
    let mut body = report();
    body["channel"] = json!("in_person");
    body["supervision"] = json!(supervision);
    let response = app.authed(Method::POST, "/api/v1/complaints", admin).json(&body).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::CREATED, "{:?}", response.text().await);
    let created: Value = response.json().await.unwrap();
    let complaint = &created["complaint"];
    (complaint["id"].as_str().unwrap().parse().unwrap(), complaint["tracking_code"].as_str().unwrap().to_owned())
}

async fn escalations_of(app: &TestApp, user: &TestUser) -> Vec<Value> {
    let page: Value =
        app.authed(Method::GET, "/api/v1/notifications?limit=100", user).send().await.unwrap().json().await.unwrap();
    page["items"].as_array().unwrap().iter().filter(|n| n["kind"] == "escalation").cloned().collect()
}

/// Moves the clock a day at a time, running the deadline job, until `level_now` reports `level`.
async fn until_level<F: Future<Output = i64>>(app: &TestApp, level: i64, level_now: impl Fn() -> F) {
    for _ in 0..60 {
        if level_now().await >= level {
            assert_eq!(level_now().await, level, "level {level} was skipped");
            return;
        }
        app.state.clock.advance(Duration::days(1));
        pengaduan::jobs::deadlines::run(&app.state).await.unwrap();
    }
    panic!("level {level} never came");
}

/// How many of `user`'s escalation notices name the complaint, and how many do not.
async fn named_and_unnamed(app: &TestApp, user: &TestUser, complaint: Uuid, code: &str) -> (usize, usize) {
    let notes = escalations_of(app, user).await;
    let named = notes
        .iter()
        .filter(|n| n["complaint_id"] == complaint.to_string() && n["message"].as_str().unwrap().contains(code))
        .count();
    let unnamed = notes
        .iter()
        .filter(|n| n["complaint_id"].is_null() && n["disposition_id"].is_null())
        .inspect(|n| assert!(!n["message"].as_str().unwrap().contains(code), "{n}"))
        .count();
    assert_eq!(named + unnamed, notes.len(), "every notice names the complaint or nothing: {notes:?}");
    (named, unnamed)
}

fn level_of(body: &Value) -> i64 {
    body["escalation_level"].as_i64().unwrap()
}

async fn complaint_level(app: &TestApp, admin: &TestUser, id: Uuid) -> i64 {
    let body: Value =
        app.authed(Method::GET, &format!("/api/v1/complaints/{id}"), admin).send().await.unwrap().json().await.unwrap();
    level_of(&body)
}

#[tokio::test]
async fn an_unverified_ordinary_complaint_reminds_the_admins_then_leaders_then_inspectors() {
    let (app, staff) = app_and_staff().await;
    let (id, code) = recorded(&app, &staff.admin, false).await;
    let level = || complaint_level(&app, &staff.admin, id);

    until_level(&app, 1, level).await;
    assert_eq!(named_and_unnamed(&app, &staff.admin, id, &code).await, (1, 0));
    for quiet in [&staff.inspector, &staff.leader, &staff.operator] {
        assert!(escalations_of(&app, quiet).await.is_empty());
    }
    until_level(&app, 2, level).await;
    assert_eq!(named_and_unnamed(&app, &staff.admin, id, &code).await, (2, 0));
    assert_eq!(named_and_unnamed(&app, &staff.leader, id, &code).await, (1, 0));
    assert!(escalations_of(&app, &staff.inspector).await.is_empty());
    until_level(&app, 3, level).await;
    assert_eq!(named_and_unnamed(&app, &staff.inspector, id, &code).await, (1, 0));
    assert_eq!(named_and_unnamed(&app, &staff.leader, id, &code).await, (2, 0));
    assert!(escalations_of(&app, &staff.operator).await.is_empty(), "no OPD holds an undisposed complaint");
}

#[tokio::test]
async fn an_unverified_supervision_complaint_reaches_the_inspectors_at_once_and_leaders_never_by_name() {
    let (app, staff) = app_and_staff().await;
    let (id, code) = recorded(&app, &staff.admin, true).await;
    let level = || complaint_level(&app, &staff.admin, id);

    until_level(&app, 1, level).await;
    assert_eq!(named_and_unnamed(&app, &staff.admin, id, &code).await, (1, 0));
    assert_eq!(named_and_unnamed(&app, &staff.inspector, id, &code).await, (1, 0), "the Inspektorat hears at once");
    assert!(escalations_of(&app, &staff.leader).await.is_empty());
    until_level(&app, 2, level).await;
    assert_eq!(named_and_unnamed(&app, &staff.inspector, id, &code).await, (2, 0));
    assert_eq!(
        named_and_unnamed(&app, &staff.leader, id, &code).await,
        (0, 1),
        "the leader learns only that one is late"
    );
    until_level(&app, 3, level).await;
    assert_eq!(named_and_unnamed(&app, &staff.admin, id, &code).await, (3, 0));
    assert_eq!(named_and_unnamed(&app, &staff.inspector, id, &code).await, (3, 0));
    assert_eq!(named_and_unnamed(&app, &staff.leader, id, &code).await, (0, 2));
    assert!(escalations_of(&app, &staff.operator).await.is_empty());
}

#[tokio::test]
async fn a_supervision_disposition_left_unanswered_climbs_from_the_inspectors_to_the_admins_never_naming_it_to_leaders()
{
    let (app, staff) = app_and_staff().await;
    let (id, code) = recorded(&app, &staff.admin, true).await;
    let verified = app
        .authed(Method::POST, &format!("/api/v1/complaints/{id}/verify"), &staff.admin)
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(verified.status(), StatusCode::OK);
    let inspectorate = app.unit_id("SKD-INSPEKTORAT").await;
    let sent = app
        .authed(Method::POST, &format!("/api/v1/complaints/{id}/dispositions"), &staff.admin)
        .json(&json!({ "unit_ids": [inspectorate], "instruction": "Mohon diperiksa." }))
        .send()
        .await
        .unwrap();
    assert_eq!(sent.status(), StatusCode::CREATED);
    let disposition = sent.json::<Value>().await.unwrap()[0]["id"].as_str().unwrap().to_owned();
    let disposition_level = || async {
        let body: Value = app
            .authed(Method::GET, &format!("/api/v1/dispositions/{disposition}"), &staff.admin)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        level_of(&body["disposition"])
    };

    until_level(&app, 1, disposition_level).await;
    assert_eq!(named_and_unnamed(&app, &staff.inspector, id, &code).await, (1, 0));
    assert!(escalations_of(&app, &staff.admin).await.is_empty(), "level 1 is the Inspektorat's reminder");
    assert!(escalations_of(&app, &staff.leader).await.is_empty());
    until_level(&app, 2, disposition_level).await;
    assert_eq!(named_and_unnamed(&app, &staff.admin, id, &code).await, (1, 0));
    assert_eq!(named_and_unnamed(&app, &staff.inspector, id, &code).await, (2, 0));
    assert_eq!(named_and_unnamed(&app, &staff.leader, id, &code).await, (0, 1));
    until_level(&app, 3, disposition_level).await;
    assert_eq!(named_and_unnamed(&app, &staff.admin, id, &code).await, (2, 0));
    assert_eq!(named_and_unnamed(&app, &staff.leader, id, &code).await, (0, 2));
    assert!(escalations_of(&app, &staff.operator).await.is_empty());
    assert_eq!(complaint_level(&app, &staff.admin, id).await, 0, "the 60-day resolution deadline is still ahead");
}

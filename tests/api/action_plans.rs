use pengaduan::domain::role::Role;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::attachments::{PNG, upload};
use crate::helpers::{TestApp, TestUser, assert_problem, error_fields, spawn_seeded_app};

pub(crate) async fn period(app: &TestApp, user: &TestUser) -> Value {
    let periods: Value =
        app.authed(Method::GET, "/api/v1/action-plan-periods", user).send().await.unwrap().json().await.unwrap();
    periods[0].clone()
}

/// Opens the form of `user`'s unit for `period`.
pub(crate) async fn open_form(app: &TestApp, user: &TestUser, period: &Value) -> Value {
    let response = app
        .authed(Method::POST, "/api/v1/action-plans", user)
        .json(&json!({ "period_id": period["id"] }))
        .send()
        .await
        .unwrap();
    assert!(response.status().is_success(), "opening the form: {}", response.status());
    response.json().await.unwrap()
}

fn filled(template: &Value) -> Value {
    let mut cells = template.clone();
    cells["unit"] = json!("dokumen");
    cells["target"] = json!({ "2021": 1, "2022": 1, "2023": 1, "2024": 1 });
    cells["output"] = json!("Dokumen tersedia");
    cells["schedule"] = json!(["I", "II"]);
    cells["person_in_charge"] = json!("Sekretaris Dinas");
    cells["budget"] = json!({ "2021": 5000000 });
    cells
}

#[tokio::test]
async fn the_seed_defines_sekadaus_2021_2024_period_with_its_matrix() {
    let app = spawn_seeded_app().await;
    let operator = app.user(Role::OpdOperator, "SKD-PUPR").await;
    let period = period(&app, &operator).await;
    assert_eq!((period["first_year"].as_i64(), period["last_year"].as_i64()), (Some(2021), Some(2024)));
    assert_eq!(period["target_unit_ids"].as_array().unwrap().len(), 8);
    assert_eq!(period["reviewer_unit_ids"].as_array().unwrap().len(), 4);
    let keys: Vec<&str> =
        period["matrix"]["columns"].as_array().unwrap().iter().map(|c| c["key"].as_str().unwrap()).collect();
    for key in
        ["strategic_focus", "action", "indicator", "target", "budget", "schedule", "person_in_charge", "evidence"]
    {
        assert!(keys.contains(&key), "{key}");
    }
}

#[tokio::test]
async fn an_opd_fills_in_its_form_and_submits_a_frozen_version() {
    let app = spawn_seeded_app().await;
    let operator = app.user(Role::OpdOperator, "SKD-PUPR").await;
    let official = app.user(Role::OpdOfficial, "SKD-PUPR").await;
    let period = period(&app, &operator).await;

    let opened = app
        .authed(Method::POST, "/api/v1/action-plans", &operator)
        .json(&json!({ "period_id": period["id"] }))
        .send()
        .await
        .unwrap();
    assert_eq!(opened.status(), StatusCode::CREATED);
    let form: Value = opened.json().await.unwrap();
    assert_eq!(form["status"], "draft");
    let rows = form["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 5);
    assert!(rows.iter().all(|r| r["template"] == true));
    let form_id = form["id"].as_str().unwrap().to_owned();
    let again = app
        .authed(Method::POST, "/api/v1/action-plans", &operator)
        .json(&json!({ "period_id": period["id"] }))
        .send()
        .await
        .unwrap();
    assert_problem(again, StatusCode::CONFLICT, "form_exists").await;

    let incomplete =
        app.authed(Method::POST, &format!("/api/v1/action-plans/{form_id}/submit"), &official).send().await.unwrap();
    let problem = assert_problem(incomplete, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    let fields = error_fields(&problem);
    assert!(
        fields.contains(&"rows[1].unit".to_owned()) && fields.contains(&"rows[5].target[2024]".to_owned()),
        "{fields:?}"
    );
    assert_eq!(fields.len(), 5 * 8, "every missing cell of every row is listed");

    let bad = app
        .authed(Method::POST, &format!("/api/v1/action-plans/{form_id}/rows"), &operator)
        .json(&json!({ "cells": { "budget": { "2022": -1 }, "schedule": ["V"], "colour": "red" } }))
        .send()
        .await
        .unwrap();
    let problem = assert_problem(bad, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    assert_eq!(error_fields(&problem), ["rows[6].budget[2022]", "rows[6].colour", "rows[6].schedule"]);

    let extra: Value = app
        .authed(Method::POST, &format!("/api/v1/action-plans/{form_id}/rows"), &operator)
        .json(&json!({ "cells": { "strategic_focus": "Tindak Lanjut", "action": "Rapat evaluasi bulanan", "indicator": "Notulen" } }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let extra_row = extra["rows"].as_array().unwrap().iter().find(|r| r["template"] == false).unwrap().clone();
    let template_row = extra["rows"][0].clone();
    let refuse_delete = app
        .authed(
            Method::DELETE,
            &format!("/api/v1/action-plans/{form_id}/rows/{}", template_row["id"].as_str().unwrap()),
            &operator,
        )
        .send()
        .await
        .unwrap();
    assert_problem(refuse_delete, StatusCode::CONFLICT, "template_row").await;
    let mut changed_template = filled(&template_row["cells"]);
    changed_template["action"] = json!("Something else");
    let refuse_change = app
        .authed(
            Method::PATCH,
            &format!("/api/v1/action-plans/{form_id}/rows/{}", template_row["id"].as_str().unwrap()),
            &operator,
        )
        .json(&json!({ "cells": changed_template }))
        .send()
        .await
        .unwrap();
    assert_problem(refuse_change, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;

    let mut current: Value = extra;
    for row in current["rows"].as_array().unwrap().clone() {
        let version = current["version"].as_i64().unwrap();
        let response = app
            .authed(
                Method::PATCH,
                &format!("/api/v1/action-plans/{form_id}/rows/{}", row["id"].as_str().unwrap()),
                &operator,
            )
            .header("if-match", format!("\"{version}\""))
            .json(&json!({ "cells": filled(&row["cells"]) }))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        current = response.json().await.unwrap();
    }
    let stale = app
        .authed(Method::POST, &format!("/api/v1/action-plans/{form_id}/submit"), &official)
        .header("if-match", "\"1\"")
        .send()
        .await
        .unwrap();
    assert_problem(stale, StatusCode::PRECONDITION_FAILED, "stale_version").await;
    let removed = app
        .authed(
            Method::DELETE,
            &format!("/api/v1/action-plans/{form_id}/rows/{}", extra_row["id"].as_str().unwrap()),
            &operator,
        )
        .send()
        .await
        .unwrap();
    assert_eq!(removed.status(), StatusCode::OK);

    let submitted =
        app.authed(Method::POST, &format!("/api/v1/action-plans/{form_id}/submit"), &official).send().await.unwrap();
    assert_eq!(submitted.status(), StatusCode::OK);
    let submitted: Value = submitted.json().await.unwrap();
    assert_eq!((submitted["status"].as_str(), submitted["current_version"].as_i64()), (Some("submitted"), Some(1)));
    let locked = app
        .authed(Method::POST, &format!("/api/v1/action-plans/{form_id}/rows"), &operator)
        .json(&json!({ "cells": {} }))
        .send()
        .await
        .unwrap();
    assert_problem(locked, StatusCode::CONFLICT, "not_editable").await;
    let version: Value = app
        .authed(Method::GET, &format!("/api/v1/action-plans/{form_id}/versions/1"), &operator)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(version["rows"].as_array().unwrap().len(), 5);
    let missing =
        app.authed(Method::GET, &format!("/api/v1/action-plans/{form_id}/versions/2"), &operator).send().await.unwrap();
    assert_problem(missing, StatusCode::NOT_FOUND, "not_found").await;
}

#[tokio::test]
async fn who_sees_and_edits_which_forms() {
    let app = spawn_seeded_app().await;
    let pupr = app.user(Role::OpdOperator, "SKD-PUPR").await;
    let dinkes = app.user(Role::OpdOperator, "SKD-DINKES").await;
    let reviewer = app.user(Role::ActionPlanReviewer, "SKD-BAGORG").await;
    let leader = app.user(Role::Leader, "SKD").await;
    let admin = app.user(Role::Admin, "SKD-DISKOMINFO").await;
    let diskominfo_operator = app.user(Role::OpdOperator, "SKD-DISKOMINFO").await;
    let period = period(&app, &pupr).await;
    let form = open_form(&app, &pupr, &period).await;
    let path = format!("/api/v1/action-plans/{}", form["id"].as_str().unwrap());

    for user in [&pupr, &reviewer, &leader, &admin] {
        assert_eq!(app.authed(Method::GET, &path, user).send().await.unwrap().status(), StatusCode::OK);
        let list: Value =
            app.authed(Method::GET, "/api/v1/action-plans", user).send().await.unwrap().json().await.unwrap();
        assert_eq!(list.as_array().unwrap().len(), 1);
    }
    assert_problem(app.authed(Method::GET, &path, &dinkes).send().await.unwrap(), StatusCode::NOT_FOUND, "not_found")
        .await;
    let none: Value =
        app.authed(Method::GET, "/api/v1/action-plans", &dinkes).send().await.unwrap().json().await.unwrap();
    assert!(none.as_array().unwrap().is_empty());
    for user in [&dinkes, &reviewer, &leader, &admin] {
        let edit =
            app.authed(Method::POST, &format!("{path}/rows"), user).json(&json!({ "cells": {} })).send().await.unwrap();
        assert!(matches!(edit.status(), StatusCode::FORBIDDEN | StatusCode::NOT_FOUND), "{}", edit.status());
        let submit = app.authed(Method::POST, &format!("{path}/submit"), user).send().await.unwrap();
        assert!(matches!(submit.status(), StatusCode::FORBIDDEN | StatusCode::NOT_FOUND), "{}", submit.status());
    }
    let not_targeted = app
        .authed(Method::POST, "/api/v1/action-plans", &diskominfo_operator)
        .json(&json!({ "period_id": period["id"] }))
        .send()
        .await
        .unwrap();
    assert_problem(not_targeted, StatusCode::FORBIDDEN, "forbidden").await;
    let official = app.user(Role::OpdOfficial, "SKD-DINKES").await;
    let by_official = app
        .authed(Method::POST, "/api/v1/action-plans", &official)
        .json(&json!({ "period_id": period["id"] }))
        .send()
        .await
        .unwrap();
    assert_problem(by_official, StatusCode::FORBIDDEN, "forbidden").await;
    let unknown = app
        .authed(Method::POST, "/api/v1/action-plans", &dinkes)
        .json(&json!({ "period_id": Uuid::now_v7() }))
        .send()
        .await
        .unwrap();
    assert_problem(unknown, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
}

#[tokio::test]
async fn an_opd_reorders_its_rows_naming_each_once() {
    let app = spawn_seeded_app().await;
    let operator = app.user(Role::OpdOperator, "SKD-PUPR").await;
    let dinkes = app.user(Role::OpdOperator, "SKD-DINKES").await;
    let period = period(&app, &operator).await;
    let form = open_form(&app, &operator, &period).await;
    let order_path = format!("/api/v1/action-plans/{}/rows/order", form["id"].as_str().unwrap());
    let ids: Vec<Value> = form["rows"].as_array().unwrap().iter().map(|row| row["id"].clone()).collect();
    let reversed: Vec<Value> = ids.iter().rev().cloned().collect();

    for bad in [ids[1..].to_vec(), [ids.clone(), vec![ids[0].clone()]].concat()] {
        let response =
            app.authed(Method::PUT, &order_path, &operator).json(&json!({ "row_ids": bad })).send().await.unwrap();
        let problem = assert_problem(response, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
        assert_eq!(error_fields(&problem), ["row_ids"]);
    }
    let foreign =
        app.authed(Method::PUT, &order_path, &dinkes).json(&json!({ "row_ids": reversed })).send().await.unwrap();
    assert!(matches!(foreign.status(), StatusCode::FORBIDDEN | StatusCode::NOT_FOUND), "{}", foreign.status());
    let stale = app
        .authed(Method::PUT, &order_path, &operator)
        .header("if-match", format!("\"{}\"", form["version"].as_i64().unwrap() + 1))
        .json(&json!({ "row_ids": reversed }))
        .send()
        .await
        .unwrap();
    assert_problem(stale, StatusCode::PRECONDITION_FAILED, "stale_version").await;

    let response = app
        .authed(Method::PUT, &order_path, &operator)
        .header("if-match", format!("\"{}\"", form["version"].as_i64().unwrap()))
        .json(&json!({ "row_ids": reversed }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let reordered: Value = response.json().await.unwrap();
    let rows = reordered["rows"].as_array().unwrap();
    assert_eq!(rows.iter().map(|row| row["id"].clone()).collect::<Vec<_>>(), reversed);
    assert_eq!(rows.iter().map(|row| row["position"].as_i64().unwrap()).collect::<Vec<_>>(), [1, 2, 3, 4, 5]);
}

#[tokio::test]
async fn admins_define_periods_and_their_matrix_is_checked() {
    let app = spawn_seeded_app().await;
    let admin = app.user(Role::Admin, "SKD-DISKOMINFO").await;
    let targets = [app.unit_id("SKD-PUPR").await];
    let reviewers = [app.unit_id("SKD-BAGORG").await];
    let matrix = json!({ "columns": [
        { "key": "action", "label": "Aksi", "type": "text", "required": true },
        { "key": "target", "label": "Target", "type": "percent", "repeat": "per_quarter" }
    ], "template_rows": [{ "action": "Survei kepuasan" }] });
    let body = json!({ "name": "Rencana Aksi 2025-2026", "first_year": 2025, "last_year": 2026, "matrix": matrix, "target_unit_ids": targets, "reviewer_unit_ids": reviewers });
    let created = app.authed(Method::POST, "/api/v1/action-plan-periods", &admin).json(&body).send().await.unwrap();
    assert_eq!(created.status(), StatusCode::CREATED);
    let created: Value = created.json().await.unwrap();
    let path = format!("/api/v1/action-plan-periods/{}", created["id"].as_str().unwrap());
    let renamed = app
        .authed(Method::PATCH, &path, &admin)
        .header("if-match", "\"1\"")
        .json(&json!({ "name": "Rencana Aksi 2025-2026 (revisi)" }))
        .send()
        .await
        .unwrap();
    assert_eq!(renamed.status(), StatusCode::OK);
    let stale = app
        .authed(Method::PATCH, &path, &admin)
        .header("if-match", "\"1\"")
        .json(&json!({ "name": "x" }))
        .send()
        .await
        .unwrap();
    assert_problem(stale, StatusCode::PRECONDITION_FAILED, "stale_version").await;

    let mut duplicate = body.clone();
    duplicate["matrix"]["columns"][1]["key"] = json!("action");
    let problem = assert_problem(
        app.authed(Method::POST, "/api/v1/action-plan-periods", &admin).json(&duplicate).send().await.unwrap(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_eq!(problem["errors"][0]["code"], "duplicate_key");
    let mut too_long = body.clone();
    too_long["last_year"] = json!(2040);
    assert_problem(
        app.authed(Method::POST, "/api/v1/action-plan-periods", &admin).json(&too_long).send().await.unwrap(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    let mut bad_type = body.clone();
    bad_type["matrix"]["columns"][0]["type"] = json!("money");
    assert_problem(
        app.authed(Method::POST, "/api/v1/action-plan-periods", &admin).json(&bad_type).send().await.unwrap(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;

    for (role, unit) in [
        (Role::OpdOperator, "SKD-PUPR"),
        (Role::OpdOfficial, "SKD-PUPR"),
        (Role::Inspector, "SKD-INSPEKTORAT"),
        (Role::ActionPlanReviewer, "SKD-BAGORG"),
        (Role::Leader, "SKD"),
    ] {
        let user = app.user(role, unit).await;
        let response = app.authed(Method::POST, "/api/v1/action-plan-periods", &user).json(&body).send().await.unwrap();
        assert_problem(response, StatusCode::FORBIDDEN, "forbidden").await;
        let response = app.authed(Method::PATCH, &path, &user).json(&json!({ "name": "x" })).send().await.unwrap();
        assert_problem(response, StatusCode::FORBIDDEN, "forbidden").await;
    }
    let missing = app
        .authed(Method::GET, &format!("/api/v1/action-plan-periods/{}", Uuid::now_v7()), &admin)
        .send()
        .await
        .unwrap();
    assert_problem(missing, StatusCode::NOT_FOUND, "not_found").await;
}

/// Opens PUPR's form, fills every row in and submits it; returns the form id.
async fn submitted_form(app: &TestApp, operator: &TestUser) -> String {
    let period = period(app, operator).await;
    let form = open_form(app, operator, &period).await;
    let id = form["id"].as_str().unwrap().to_owned();
    for row in form["rows"].as_array().unwrap() {
        let response = app
            .authed(Method::PATCH, &format!("/api/v1/action-plans/{id}/rows/{}", row["id"].as_str().unwrap()), operator)
            .json(&json!({ "cells": filled(&row["cells"]) }))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK);
    }
    assert_eq!(
        app.authed(Method::POST, &format!("/api/v1/action-plans/{id}/submit"), operator).send().await.unwrap().status(),
        StatusCode::OK
    );
    id
}

#[tokio::test]
async fn the_review_team_asks_for_changes_then_approves_and_the_admin_sends_the_plan() {
    let app = spawn_seeded_app().await;
    let operator = app.user(Role::OpdOperator, "SKD-PUPR").await;
    let admin = app.user(Role::Admin, "SKD-DISKOMINFO").await;
    let mut reviewers = Vec::new();
    for unit in ["SKD-DISKOMINFO", "SKD-INSPEKTORAT", "SKD-BAGORG", "SKD-BAGHUKUM"] {
        reviewers.push(app.user(Role::ActionPlanReviewer, unit).await);
    }
    let id = submitted_form(&app, &operator).await;
    let form: Value = app
        .authed(Method::GET, &format!("/api/v1/action-plans/{id}"), &operator)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let first_row = form["rows"][0]["id"].as_str().unwrap().to_owned();

    let early_send = app
        .authed(Method::POST, &format!("/api/v1/action-plans/{id}/send"), &admin)
        .json(&json!({ "letter_number": "1", "letter_date": "2021-07-01" }))
        .send()
        .await
        .unwrap();
    assert_problem(early_send, StatusCode::CONFLICT, "invalid_transition").await;
    let unknown_row = app
        .authed(Method::POST, &format!("/api/v1/action-plans/{id}/reviews"), &reviewers[0])
        .json(&json!({ "decision": "request_revision", "row_comments": { Uuid::now_v7().to_string(): "?" } }))
        .send()
        .await
        .unwrap();
    assert_problem(unknown_row, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    let revision = app
        .authed(Method::POST, &format!("/api/v1/action-plans/{id}/reviews"), &reviewers[2])
        .json(&json!({ "decision": "request_revision", "comment": "Perjelas target.", "row_comments": { first_row.clone(): "Target 2024 terlalu rendah" } }))
        .send()
        .await
        .unwrap();
    assert_eq!(revision.status(), StatusCode::OK);
    assert_eq!(revision.json::<Value>().await.unwrap()["status"], "revision_requested");
    let reviews: Value = app
        .authed(Method::GET, &format!("/api/v1/action-plans/{id}/reviews"), &operator)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(reviews[0]["row_comments"][&first_row], "Target 2024 terlalu rendah");

    let mut cells = filled(&form["rows"][0]["cells"]);
    cells["target"]["2024"] = json!(3);
    let edited = app
        .authed(Method::PATCH, &format!("/api/v1/action-plans/{id}/rows/{first_row}"), &operator)
        .json(&json!({ "cells": cells }))
        .send()
        .await
        .unwrap();
    assert_eq!(edited.status(), StatusCode::OK);
    let resubmitted: Value = app
        .authed(Method::POST, &format!("/api/v1/action-plans/{id}/submit"), &operator)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(resubmitted["current_version"], 2);
    let diff: Value = app
        .authed(Method::GET, &format!("/api/v1/action-plans/{id}/versions/2/diff?against=1"), &reviewers[0])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(diff["changed"][&first_row], json!(["target"]));

    for (index, reviewer) in reviewers.iter().enumerate() {
        let approved: Value = app
            .authed(Method::POST, &format!("/api/v1/action-plans/{id}/reviews"), reviewer)
            .json(&json!({ "decision": "approve" }))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let expected = if index == reviewers.len() - 1 { "approved" } else { "in_review" };
        assert_eq!(approved["status"], expected, "after reviewer {index}");
    }

    for user in [&operator, &reviewers[0]] {
        let refused = app
            .authed(Method::POST, &format!("/api/v1/action-plans/{id}/send"), user)
            .json(&json!({ "letter_number": "1", "letter_date": "2021-07-01" }))
            .send()
            .await
            .unwrap();
        assert_problem(refused, StatusCode::FORBIDDEN, "forbidden").await;
    }
    let someone_elses: Value = upload(&app, PNG, "surat.png", Some(&operator.access_token)).await.json().await.unwrap();
    let unattachable = app
        .authed(Method::POST, &format!("/api/v1/action-plans/{id}/send"), &admin)
        .json(
            &json!({ "letter_number": "1", "letter_date": "2021-07-01", "letter_attachment_id": someone_elses["id"] }),
        )
        .send()
        .await
        .unwrap();
    let problem = assert_problem(unattachable, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    assert_eq!(error_fields(&problem), ["letter_attachment_id"]);
    let letter: Value = upload(&app, PNG, "surat.png", Some(&admin.access_token)).await.json().await.unwrap();
    let sent = app
        .authed(Method::POST, &format!("/api/v1/action-plans/{id}/send"), &admin)
        .json(&json!({ "letter_number": "800/123/DKIS/2021", "letter_date": "2021-07-01", "letter_attachment_id": letter["id"] }))
        .send()
        .await
        .unwrap();
    assert_eq!(sent.status(), StatusCode::OK);
    // The scanned letter belongs to the plan now: whoever reads the form may download it.
    let letter_file = format!("/api/v1/attachments/{}", letter["id"].as_str().unwrap());
    for user in [&operator, &reviewers[0]] {
        assert_eq!(app.authed(Method::GET, &letter_file, user).send().await.unwrap().status(), StatusCode::OK);
    }
    let sent: Value = sent.json().await.unwrap();
    assert_eq!((sent["status"].as_str(), sent["letter_number"].as_str()), (Some("sent"), Some("800/123/DKIS/2021")));
    let locked = app
        .authed(Method::POST, &format!("/api/v1/action-plans/{id}/rows"), &operator)
        .json(&json!({ "cells": {} }))
        .send()
        .await
        .unwrap();
    assert_problem(locked, StatusCode::CONFLICT, "not_editable").await;

    // Every transition and every edit after the first submission is in the audit trail; draft edits are not.
    let events =
        pengaduan::db::audit::events_of(&mut app.conn().await, "action_plan", id.parse().unwrap()).await.unwrap();
    let actions: Vec<&str> = events.iter().map(|event| event.action.as_str()).collect();
    let first_submit = actions.iter().position(|a| *a == "submit").unwrap();
    assert!(!actions[..first_submit].contains(&"row_updated"), "{actions:?}");
    for expected in ["created", "submit", "open_review", "review", "request_revision", "row_updated", "approve", "send"]
    {
        assert!(actions.contains(&expected), "{expected} missing from {actions:?}");
    }
    assert_eq!(actions.iter().filter(|a| **a == "submit").count(), 2, "{actions:?}");
}

#[tokio::test]
async fn only_reviewers_of_the_period_review() {
    let app = spawn_seeded_app().await;
    let operator = app.user(Role::OpdOperator, "SKD-PUPR").await;
    let id = submitted_form(&app, &operator).await;
    let outsider = app.user(Role::ActionPlanReviewer, "SKD-DINKES").await;
    let path = format!("/api/v1/action-plans/{id}/reviews");
    let response =
        app.authed(Method::POST, &path, &outsider).json(&json!({ "decision": "approve" })).send().await.unwrap();
    assert!(matches!(response.status(), StatusCode::FORBIDDEN | StatusCode::NOT_FOUND));
    for (role, unit) in [
        (Role::Admin, "SKD-DISKOMINFO"),
        (Role::OpdOfficial, "SKD-PUPR"),
        (Role::Leader, "SKD"),
        (Role::Inspector, "SKD-INSPEKTORAT"),
    ] {
        let user = app.user(role, unit).await;
        let response =
            app.authed(Method::POST, &path, &user).json(&json!({ "decision": "approve" })).send().await.unwrap();
        assert_problem(response, StatusCode::FORBIDDEN, "forbidden").await;
    }
    let reviewer = app.user(Role::ActionPlanReviewer, "SKD-BAGHUKUM").await;
    let bad = app.authed(Method::POST, &path, &reviewer).json(&json!({ "decision": "maybe" })).send().await.unwrap();
    assert_problem(bad, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    let stale = app
        .authed(Method::POST, &path, &reviewer)
        .header("if-match", "\"1\"")
        .json(&json!({ "decision": "approve" }))
        .send()
        .await
        .unwrap();
    assert_problem(stale, StatusCode::PRECONDITION_FAILED, "stale_version").await;
}

#[tokio::test]
async fn an_approved_plan_reports_quarterly_realisation_and_the_period_compiles_progress() {
    use chrono::Datelike;
    let app = spawn_seeded_app().await;
    let admin = app.user(Role::Admin, "SKD-DISKOMINFO").await;
    let operator = app.user(Role::OpdOperator, "SKD-PUPR").await;
    let reviewer = app.user(Role::ActionPlanReviewer, "SKD-BAGORG").await;
    let today = chrono::Utc::now().with_timezone(&chrono_tz::Asia::Pontianak).date_naive();
    let (year, quarter) = (today.year(), (today.month() - 1) / 3 + 1);
    let matrix = json!({ "columns": [
        { "key": "action", "label": "Aksi", "type": "text", "required": true },
        { "key": "target", "label": "Target", "type": "integer", "required": true, "repeat": "per_year" }
    ], "template_rows": [{ "action": "Sosialisasi kanal pengaduan" }] });
    let period: Value = app
        .authed(Method::POST, "/api/v1/action-plan-periods", &admin)
        .json(&json!({
            "name": "Rencana Aksi tahun berjalan", "first_year": year, "last_year": year, "submission_deadline": today,
            "matrix": matrix, "target_unit_ids": [app.unit_id("SKD-PUPR").await, app.unit_id("SKD-DINKES").await],
            "reviewer_unit_ids": [app.unit_id("SKD-BAGORG").await]
        }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let form = open_form(&app, &operator, &period).await;
    let id = form["id"].as_str().unwrap().to_owned();
    let row = form["rows"][0]["id"].as_str().unwrap().to_owned();
    let mut target = serde_json::Map::new();
    target.insert(year.to_string(), json!(8));
    app.authed(Method::PATCH, &format!("/api/v1/action-plans/{id}/rows/{row}"), &operator)
        .json(&json!({ "cells": { "action": "Sosialisasi kanal pengaduan", "target": target } }))
        .send()
        .await
        .unwrap();
    let realisation = format!("/api/v1/action-plans/{id}/rows/{row}/realisations/{year}/{quarter}");
    let too_early =
        app.authed(Method::PUT, &realisation, &operator).json(&json!({ "realised_value": 2 })).send().await.unwrap();
    assert_problem(too_early, StatusCode::CONFLICT, "not_approved").await;
    app.authed(Method::POST, &format!("/api/v1/action-plans/{id}/submit"), &operator).send().await.unwrap();
    let approved: Value = app
        .authed(Method::POST, &format!("/api/v1/action-plans/{id}/reviews"), &reviewer)
        .json(&json!({ "decision": "approve" }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(approved["status"], "approved");

    let empty = app
        .authed(Method::PUT, &realisation, &operator)
        .json(&json!({ "evidence_urls": ["ftp://x"] }))
        .send()
        .await
        .unwrap();
    let problem = assert_problem(empty, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    assert_eq!(error_fields(&problem), ["evidence_urls", "realised_value"]);
    let photo: Value = upload(&app, PNG, "sosialisasi.png", Some(&operator.access_token)).await.json().await.unwrap();
    let not_ours: Value = upload(&app, PNG, "lain.png", Some(&reviewer.access_token)).await.json().await.unwrap();
    let foreign_file = app
        .authed(Method::PUT, &realisation, &operator)
        .json(&json!({ "realised_value": 6, "evidence_attachment_ids": [not_ours["id"]] }))
        .send()
        .await
        .unwrap();
    let problem = assert_problem(foreign_file, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    assert_eq!(error_fields(&problem), ["evidence_attachment_ids"]);
    let recorded = app
        .authed(Method::PUT, &realisation, &operator)
        .json(&json!({ "realised_value": 6, "obstacles": "Anggaran terlambat", "evidence_urls": ["https://sekadaukab.go.id/foto.jpg"], "evidence_attachment_ids": [photo["id"]] }))
        .send()
        .await
        .unwrap();
    assert_eq!(recorded.status(), StatusCode::OK);
    let recorded: Value = recorded.json().await.unwrap();
    assert_eq!(recorded["evidence_attachments"][0]["id"], photo["id"]);
    let file = format!("/api/v1/attachments/{}", photo["id"].as_str().unwrap());
    for user in [&reviewer, &admin] {
        assert_eq!(app.authed(Method::GET, &file, user).send().await.unwrap().status(), StatusCode::OK);
    }
    let dinkes = app.user(Role::OpdOperator, "SKD-DINKES").await;
    assert_problem(app.authed(Method::GET, &file, &dinkes).send().await.unwrap(), StatusCode::NOT_FOUND, "not_found")
        .await;
    let corrected: Value = app
        .authed(Method::PUT, &realisation, &operator)
        .json(&json!({ "realised_value": 6, "obstacles": "Anggaran terlambat" }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(corrected["evidence_attachments"][0]["id"], photo["id"], "leaving the field out keeps the files");
    assert_eq!((recorded["percent_achieved"].as_f64(), recorded["status"].as_str()), (Some(75.0), Some("recorded")));
    for user in [&admin, &operator] {
        let refused = app
            .authed(Method::POST, &format!("{realisation}/review"), user)
            .json(&json!({ "verified": true }))
            .send()
            .await
            .unwrap();
        assert_problem(refused, StatusCode::FORBIDDEN, "forbidden").await;
    }
    let no_comment = app
        .authed(Method::POST, &format!("{realisation}/review"), &reviewer)
        .json(&json!({ "verified": false }))
        .send()
        .await
        .unwrap();
    assert_problem(no_comment, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    let verified: Value = app
        .authed(Method::POST, &format!("{realisation}/review"), &reviewer)
        .json(&json!({ "verified": true }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(verified["status"], "verified");
    let final_answer =
        app.authed(Method::PUT, &realisation, &operator).json(&json!({ "realised_value": 7 })).send().await.unwrap();
    assert_problem(final_answer, StatusCode::CONFLICT, "realisation_verified").await;

    let progress_path = format!("/api/v1/action-plan-periods/{}/progress", period["id"].as_str().unwrap());
    let progress: Value = app.authed(Method::GET, &progress_path, &admin).send().await.unwrap().json().await.unwrap();
    let slot = format!("{year}-Q{quarter}");
    assert_eq!(progress["achieved"][&slot], 75.0);
    assert_eq!(progress["forms_by_status"]["approved"], 1);
    assert_eq!(progress["forms_by_status"]["not_started"], 1);
    let pupr = progress["units"].as_array().unwrap().iter().find(|u| u["status"] == "approved").unwrap();
    assert_eq!((pupr["rows"].as_i64(), pupr["days_late"].as_i64()), (Some(1), Some(0)));
    let list: Value = app
        .authed(Method::GET, &format!("/api/v1/action-plans/{id}/realisations"), &reviewer)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(list.as_array().unwrap().len(), 1);

    app.state.clock.advance(chrono::Duration::days(200));
    let locked =
        app.authed(Method::PUT, &realisation, &operator).json(&json!({ "realised_value": 1 })).send().await.unwrap();
    assert_problem(locked, StatusCode::CONFLICT, "quarter_locked").await;
    // Evidence is linked to the plan, so the sweep of abandoned uploads leaves it alone.
    pengaduan::jobs::housekeeping::run(&app.state).await.unwrap();
    assert_eq!(app.authed(Method::GET, &file, &reviewer).send().await.unwrap().status(), StatusCode::OK);
    let outside = app
        .authed(Method::PUT, &format!("/api/v1/action-plans/{id}/rows/{row}/realisations/{}/1", year + 1), &operator)
        .json(&json!({ "realised_value": 1 }))
        .send()
        .await
        .unwrap();
    assert_problem(outside, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    let late: Value = app.authed(Method::GET, &progress_path, &admin).send().await.unwrap().json().await.unwrap();
    let dinkes = late["units"].as_array().unwrap().iter().find(|u| u["status"] == "not_started").unwrap();
    assert!(
        dinkes["days_late"].as_i64().unwrap() >= 199,
        "a unit that never submitted is late by the days since the deadline"
    );
}

/// Reads every cell of a workbook's sheet.
pub fn sheet(bytes: &[u8], name: &str) -> calamine::Range<calamine::Data> {
    use calamine::Reader;
    let mut workbook: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(bytes.to_vec())).unwrap();
    workbook.worksheet_range(name).unwrap()
}

fn sheet_names(bytes: &[u8]) -> Vec<String> {
    use calamine::Reader;
    let workbook: calamine::Xlsx<_> = calamine::open_workbook_from_rs(std::io::Cursor::new(bytes.to_vec())).unwrap();
    workbook.sheet_names()
}

/// Writes a copy of `range` as a new workbook, with `edit` applied to each (row, column, value) first: what a user
/// saving the exported file from a spreadsheet program sends back.
fn edited_copy(
    range: &calamine::Range<calamine::Data>,
    edit: impl Fn(u32, u32, calamine::Data) -> calamine::Data,
    extra: &[(u32, u32, &str)],
) -> Vec<u8> {
    let mut workbook = rust_xlsxwriter::Workbook::new();
    let worksheet = workbook.add_worksheet();
    worksheet.set_name("PUPR").unwrap();
    let (end_row, end_col) = range.end().unwrap();
    for row in 0..=end_row {
        for col in 0..=end_col {
            let value = edit(row, col, range.get_value((row, col)).cloned().unwrap_or(calamine::Data::Empty));
            match value {
                calamine::Data::String(text) => {
                    worksheet.write_string(row, col as u16, text).unwrap();
                }
                calamine::Data::Float(number) => {
                    worksheet.write_number(row, col as u16, number).unwrap();
                }
                calamine::Data::Int(number) => {
                    worksheet.write_number(row, col as u16, number as f64).unwrap();
                }
                _ => {}
            }
        }
    }
    for (row, col, text) in extra {
        worksheet.write_string(*row, *col as u16, *text).unwrap();
    }
    workbook.save_to_buffer().unwrap()
}

#[tokio::test]
async fn a_form_goes_to_excel_and_comes_back_edited() {
    let app = spawn_seeded_app().await;
    let operator = app.user(Role::OpdOperator, "SKD-PUPR").await;
    let period = period(&app, &operator).await;
    let form = open_form(&app, &operator, &period).await;
    let id = form["id"].as_str().unwrap().to_owned();
    let first = form["rows"][0].clone();
    app.authed(Method::PATCH, &format!("/api/v1/action-plans/{id}/rows/{}", first["id"].as_str().unwrap()), &operator)
        .json(&json!({ "cells": filled(&first["cells"]) }))
        .send()
        .await
        .unwrap();

    let response =
        app.authed(Method::GET, &format!("/api/v1/action-plans/{id}/export.xlsx"), &operator).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        response.headers().get("content-type").unwrap(),
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    );
    let bytes = response.bytes().await.unwrap().to_vec();
    let names = sheet_names(&bytes);
    assert_eq!(names, ["Dinas PUPR"]);
    let range = sheet(&bytes, "Dinas PUPR");
    let text = |row: u32, col: u32| range.get_value((row, col)).map(|d| d.to_string()).unwrap_or_default();
    assert_eq!(text(0, 0), "Rencana Aksi Pengelolaan Pengaduan Pelayanan Publik 2021-2024");
    assert!(text(1, 0).contains("Kabupaten Sekadau") && text(1, 0).contains("Dinas PUPR"));
    assert!(text(2, 0).contains("Permen PANRB 46/2020"));
    assert_eq!(
        (text(4, 0), text(4, 2), text(5, 6)),
        ("ID Baris".to_owned(), "Fokus Strategis".to_owned(), "2021".to_owned())
    );
    let keys: Vec<String> = (0..40).map(|col| text(3, col)).collect();
    let budget_2021 = keys.iter().position(|k| k == "budget[2021]").unwrap() as u32;
    let unit_col = keys.iter().position(|k| k == "unit").unwrap() as u32;
    assert_eq!(text(6, 0), first["id"].as_str().unwrap());
    assert_eq!(range.get_value((6, budget_2021)), Some(&calamine::Data::Float(5000000.0)));
    assert_eq!(text(6, unit_col), "dokumen");

    let edited = edited_copy(
        &range,
        |row, col, value| if row == 6 && col == unit_col { calamine::Data::String("laporan".into()) } else { value },
        &[(11, 2, "Tindak Lanjut"), (11, 3, "Rapat koordinasi OPD"), (11, 4, "Notulen rapat")],
    );
    let imported = app
        .authed(Method::POST, &format!("/api/v1/action-plans/{id}/import"), &operator)
        .header("content-type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        .body(edited)
        .send()
        .await
        .unwrap();
    assert_eq!(imported.status(), StatusCode::OK, "{:?}", imported.text().await);
    let after: Value = app
        .authed(Method::GET, &format!("/api/v1/action-plans/{id}"), &operator)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let rows = after["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 6, "a new row was added");
    assert_eq!(rows[0]["cells"]["unit"], "laporan");
    assert_eq!(rows[0]["cells"]["budget"]["2021"], 5000000);
    assert_eq!(rows[5]["cells"]["action"], "Rapat koordinasi OPD");

    let broken = edited_copy(
        &range,
        |row, col, value| match (row, col) {
            (6, c) if c == budget_2021 => calamine::Data::String("lima juta".into()),
            (7, 0) => calamine::Data::String("not-an-id".into()),
            // A row copied in Excel keeps its id: the copy must not silently overwrite the original.
            (8, 0) => calamine::Data::String(first["id"].as_str().unwrap().into()),
            _ => value,
        },
        &[],
    );
    let refused = app
        .authed(Method::POST, &format!("/api/v1/action-plans/{id}/import"), &operator)
        .header("content-type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        .body(broken)
        .send()
        .await
        .unwrap();
    let problem = assert_problem(refused, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    let fields = error_fields(&problem);
    assert!(fields.iter().any(|f| f.starts_with("PUPR!A8")), "{fields:?}");
    let duplicate = problem["errors"].as_array().unwrap().iter().find(|e| e["field"] == "PUPR!A9").unwrap();
    assert_eq!(duplicate["code"], "duplicate_row_id");
    assert!(
        fields.iter().any(|f| f.starts_with("PUPR!") && f.ends_with("7") && !f.starts_with("PUPR!A")),
        "{fields:?}"
    );
    let unchanged: Value = app
        .authed(Method::GET, &format!("/api/v1/action-plans/{id}"), &operator)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(unchanged["rows"].as_array().unwrap().len(), 6, "nothing written from an invalid file");
    let action_col = keys.iter().position(|k| k == "action").unwrap() as u32;
    let rewritten = edited_copy(
        &range,
        |row, col, value| {
            if (row, col) == (6, action_col) { calamine::Data::String("Aksi lain".into()) } else { value }
        },
        &[],
    );
    let refused = app
        .authed(Method::POST, &format!("/api/v1/action-plans/{id}/import"), &operator)
        .header("content-type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        .body(rewritten)
        .send()
        .await
        .unwrap();
    let problem = assert_problem(refused, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    let letter = (b'A' + action_col as u8) as char;
    assert_eq!(problem["errors"][0]["field"], format!("PUPR!{letter}7"), "the changed cell, not the row id");
    assert_eq!(problem["errors"][0]["code"], "template_cell");
    let not_xlsx = app
        .authed(Method::POST, &format!("/api/v1/action-plans/{id}/import"), &operator)
        .header("content-type", "text/csv")
        .body("a,b")
        .send()
        .await
        .unwrap();
    assert_problem(not_xlsx, StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type").await;

    let csv = app
        .authed(Method::GET, &format!("/api/v1/action-plans/{id}/export.csv"), &operator)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        csv.starts_with("unit,row_id,position,strategic_focus,action,indicator,unit,target[2021]"),
        "{}",
        &csv[..80]
    );
    assert!(csv.contains("Rapat koordinasi OPD"));
}

#[tokio::test]
async fn the_compiled_matrix_has_a_pemda_sheet_and_one_sheet_per_opd() {
    let app = spawn_seeded_app().await;
    let operator = app.user(Role::OpdOperator, "SKD-PUPR").await;
    let admin = app.user(Role::Admin, "SKD-DISKOMINFO").await;
    let period = period(&app, &operator).await;
    open_form(&app, &operator, &period).await;
    let path = format!("/api/v1/action-plan-periods/{}/matrix.xlsx", period["id"].as_str().unwrap());
    let bytes = app.authed(Method::GET, &path, &admin).send().await.unwrap().bytes().await.unwrap().to_vec();
    let names = sheet_names(&bytes);
    assert_eq!(names.len(), 9, "{names:?}");
    assert_eq!(names[0], "Pemda");
    assert!(names.contains(&"Dinas PUPR".to_owned()) && names.contains(&"BPRPD".to_owned()));
    let pemda = sheet(&bytes, "Pemda");
    let group_rows: Vec<String> = (6..20).filter_map(|row| pemda.get_value((row, 0)).map(|d| d.to_string())).collect();
    assert!(group_rows.iter().any(|v| v == "Dinas PUPR"), "{group_rows:?}");
    let csv =
        app.authed(Method::GET, &path.replace(".xlsx", ".csv"), &admin).send().await.unwrap().text().await.unwrap();
    assert_eq!(csv.lines().count(), 1 + 5, "a header and PUPR's five template rows");
    let refused = app.authed(Method::GET, &path, &operator).send().await.unwrap();
    assert_problem(refused, StatusCode::FORBIDDEN, "forbidden").await;
    let other = app.user(Role::OpdOperator, "SKD-DINKES").await;
    let form_list: Value =
        app.authed(Method::GET, "/api/v1/action-plans", &operator).send().await.unwrap().json().await.unwrap();
    let hidden = app
        .authed(
            Method::GET,
            &format!("/api/v1/action-plans/{}/export.xlsx", form_list[0]["id"].as_str().unwrap()),
            &other,
        )
        .send()
        .await
        .unwrap();
    assert_problem(hidden, StatusCode::NOT_FOUND, "not_found").await;
}

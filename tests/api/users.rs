use pengaduan::domain::role::Role;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::helpers::{PASSWORD, TestApp, TestUser, assert_problem, error_fields, spawn_seeded_app};
use crate::units::audit_count;

const NON_ADMINS: [(Role, &str); 5] = [
    (Role::OpdOperator, "SKD-PUPR"),
    (Role::OpdOfficial, "SKD-PUPR"),
    (Role::Inspector, "SKD-INSPEKTORAT"),
    (Role::ActionPlanReviewer, "SKD-BAGHUKUM"),
    (Role::Leader, "SKD"),
];

async fn create(app: &TestApp, actor: &TestUser, body: Value) -> reqwest::Response {
    app.authed(Method::POST, "/api/v1/users", actor).json(&body).send().await.unwrap()
}

fn new_operator(unit: Uuid, email: &str) -> Value {
    json!({ "email": email, "name": "Budi Santoso", "unit_id": unit, "role": "opd_operator", "password": "sandi awal yang panjang" })
}

/// A user in a second Pemda, made by a super admin.
async fn foreign_user(app: &TestApp) -> Uuid {
    let root = app.user(Role::SuperAdmin, "SKD").await;
    let pemda: Value = app
        .authed(Method::POST, "/api/v1/units", &root)
        .json(&json!({ "kind": "regency", "code": "KTP", "name": "Kabupaten Ketapang" }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let user: Value = create(app, &root, json!({ "email": "admin@ketapangkab.go.id", "name": "Admin Ketapang", "unit_id": pemda["id"], "role": "admin", "password": "sandi awal yang panjang" }))
        .await
        .json()
        .await
        .unwrap();
    user["id"].as_str().unwrap().parse().unwrap()
}

#[tokio::test]
async fn an_admin_creates_an_operator_who_can_then_sign_in() {
    let app = spawn_seeded_app().await;
    let admin = app.user(Role::Admin, "SKD-DISKOMINFO").await;
    let pupr = app.unit_id("SKD-PUPR").await;
    let mut body = new_operator(pupr, "Operator.PUPR@SekadauKab.go.id");
    body["nip"] = json!("19800101 200501 1 001");
    body["phone"] = json!("+62 812-3456-7890");
    let response = create(&app, &admin, body).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    assert!(response.headers().get("location").is_some());
    let user: Value = response.json().await.unwrap();
    assert_eq!(user["email"], "operator.pupr@sekadaukab.go.id");
    assert_eq!(user["nip"], "198001012005011001");
    assert_eq!(user["phone"], "+6281234567890");
    assert!(!user.to_string().contains("password") && !user.to_string().contains("argon2"));
    assert_eq!(app.login("operator.pupr@sekadaukab.go.id", "sandi awal yang panjang").await.status(), StatusCode::OK);
    assert_eq!(audit_count(&app, "user", user["id"].as_str().unwrap().parse().unwrap()).await, 1);
}

#[tokio::test]
async fn an_email_is_taken_whatever_its_case() {
    let app = spawn_seeded_app().await;
    let admin = app.user(Role::Admin, "SKD-DISKOMINFO").await;
    let pupr = app.unit_id("SKD-PUPR").await;
    assert_eq!(create(&app, &admin, new_operator(pupr, "dup@sekadaukab.go.id")).await.status(), StatusCode::CREATED);
    let again = create(&app, &admin, new_operator(pupr, "DUP@sekadaukab.go.id")).await;
    assert_problem(again, StatusCode::CONFLICT, "email_taken").await;
}

#[tokio::test]
async fn invalid_accounts_are_refused_with_every_field_named() {
    let app = spawn_seeded_app().await;
    let admin = app.user(Role::Admin, "SKD-DISKOMINFO").await;
    let pupr = app.unit_id("SKD-PUPR").await;
    let body = json!({ "email": "not-an-email", "name": "Budi", "nip": "123", "phone": "call me", "unit_id": pupr, "role": "opd_operator", "password": "short" });
    let problem =
        assert_problem(create(&app, &admin, body).await, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    assert_eq!(error_fields(&problem), ["email", "nip", "password", "phone"]);

    let skd = app.unit_id("SKD").await;
    let misplaced = new_operator(skd, "misplaced@sekadaukab.go.id");
    let problem =
        assert_problem(create(&app, &admin, misplaced).await, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed")
            .await;
    assert_eq!(problem["errors"][0]["code"], "role_unfit_for_unit");

    let nowhere = new_operator(Uuid::now_v7(), "nowhere@sekadaukab.go.id");
    let problem =
        assert_problem(create(&app, &admin, nowhere).await, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed")
            .await;
    assert_eq!(error_fields(&problem), ["unit_id"]);

    let mut bad_role = new_operator(pupr, "role@sekadaukab.go.id");
    bad_role["role"] = json!("root");
    assert_problem(create(&app, &admin, bad_role).await, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
}

#[tokio::test]
async fn an_admin_cannot_create_a_super_admin_or_an_account_elsewhere() {
    let app = spawn_seeded_app().await;
    let admin = app.user(Role::Admin, "SKD-DISKOMINFO").await;
    let skd = app.unit_id("SKD").await;
    let body = json!({ "email": "boss@sekadaukab.go.id", "name": "Boss", "unit_id": skd, "role": "super_admin", "password": "sandi awal yang panjang" });
    assert_problem(create(&app, &admin, body).await, StatusCode::FORBIDDEN, "forbidden").await;

    let foreign = foreign_user(&app).await;
    let mut conn = app.conn().await;
    let foreign_unit = pengaduan::db::users::find(&mut conn, foreign).await.unwrap().unwrap().unit_id;
    let body = json!({ "email": "spy@sekadaukab.go.id", "name": "Spy", "unit_id": foreign_unit, "role": "leader", "password": "sandi awal yang panjang" });
    assert_problem(create(&app, &admin, body).await, StatusCode::FORBIDDEN, "forbidden").await;
}

#[tokio::test]
async fn roles_other_than_admins_may_not_list_read_create_or_edit_accounts() {
    let app = spawn_seeded_app().await;
    let pupr = app.unit_id("SKD-PUPR").await;
    let target = app.user(Role::OpdOperator, "SKD-PUPR").await;
    for (role, unit) in NON_ADMINS {
        let user = app.user(role, unit).await;
        let list = app.authed(Method::GET, "/api/v1/users", &user).send().await.unwrap();
        assert_problem(list, StatusCode::FORBIDDEN, "forbidden").await;
        let read = app.authed(Method::GET, &format!("/api/v1/users/{}", target.id), &user).send().await.unwrap();
        assert_problem(read, StatusCode::FORBIDDEN, "forbidden").await;
        let made =
            create(&app, &user, new_operator(pupr, &format!("x{}@sekadaukab.go.id", Uuid::now_v7().simple()))).await;
        assert_problem(made, StatusCode::FORBIDDEN, "forbidden").await;
        let edit = app
            .authed(Method::PATCH, &format!("/api/v1/users/{}", target.id), &user)
            .json(&json!({ "name": "X" }))
            .send()
            .await
            .unwrap();
        assert_problem(edit, StatusCode::FORBIDDEN, "forbidden").await;
    }
    let anonymous = app.request(Method::GET, "/api/v1/users").send().await.unwrap();
    assert_problem(anonymous, StatusCode::UNAUTHORIZED, "missing_token").await;
}

#[tokio::test]
async fn an_admin_lists_and_reads_only_the_accounts_of_their_pemda() {
    let app = spawn_seeded_app().await;
    let admin = app.user(Role::Admin, "SKD-DISKOMINFO").await;
    let operator = app.user(Role::OpdOperator, "SKD-PUPR").await;
    let foreign = foreign_user(&app).await;

    let page: Value =
        app.authed(Method::GET, "/api/v1/users?limit=100", &admin).send().await.unwrap().json().await.unwrap();
    let ids: Vec<&str> = page["items"].as_array().unwrap().iter().map(|u| u["id"].as_str().unwrap()).collect();
    assert!(ids.contains(&operator.id.to_string().as_str()));
    assert!(!ids.contains(&foreign.to_string().as_str()));

    let operators: Value =
        app.authed(Method::GET, "/api/v1/users?role=opd_operator", &admin).send().await.unwrap().json().await.unwrap();
    assert_eq!(operators["items"].as_array().unwrap().len(), 1);

    let read = app.authed(Method::GET, &format!("/api/v1/users/{}", operator.id), &admin).send().await.unwrap();
    assert_eq!(read.status(), StatusCode::OK);
    assert!(read.headers().get("etag").is_some());
    let hidden = app.authed(Method::GET, &format!("/api/v1/users/{foreign}"), &admin).send().await.unwrap();
    assert_problem(hidden, StatusCode::NOT_FOUND, "not_found").await;

    let root = app.user(Role::SuperAdmin, "SKD").await;
    let everything: Value =
        app.authed(Method::GET, "/api/v1/users?limit=100", &root).send().await.unwrap().json().await.unwrap();
    assert!(everything["items"].as_array().unwrap().iter().any(|u| u["id"] == foreign.to_string()));
}

#[tokio::test]
async fn an_admin_edits_accounts_of_their_pemda_with_if_match() {
    let app = spawn_seeded_app().await;
    let admin = app.user(Role::Admin, "SKD-DISKOMINFO").await;
    let operator = app.user(Role::OpdOperator, "SKD-PUPR").await;
    let path = format!("/api/v1/users/{}", operator.id);
    let response = app
        .authed(Method::PATCH, &path, &admin)
        .header("if-match", "\"1\"")
        .json(&json!({ "role": "opd_official", "nip": "198001012005011001" }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let user: Value = response.json().await.unwrap();
    assert_eq!((user["role"].as_str(), user["version"].as_i64()), (Some("opd_official"), Some(2)));

    let cleared: Value = app
        .authed(Method::PATCH, &path, &admin)
        .json(&json!({ "nip": null }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(cleared["nip"].is_null());

    let stale = app
        .authed(Method::PATCH, &path, &admin)
        .header("if-match", "\"1\"")
        .json(&json!({ "name": "Old" }))
        .send()
        .await
        .unwrap();
    assert_problem(stale, StatusCode::PRECONDITION_FAILED, "stale_version").await;
    let unfit = app
        .authed(Method::PATCH, &path, &admin)
        .json(&json!({ "unit_id": app.unit_id("SKD").await }))
        .send()
        .await
        .unwrap();
    assert_problem(unfit, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    let missing = app
        .authed(Method::PATCH, &format!("/api/v1/users/{}", Uuid::now_v7()), &admin)
        .json(&json!({ "name": "X" }))
        .send()
        .await
        .unwrap();
    assert_problem(missing, StatusCode::NOT_FOUND, "not_found").await;
}

#[tokio::test]
async fn nobody_edits_above_their_reach_or_locks_themselves_out() {
    let app = spawn_seeded_app().await;
    let admin = app.user(Role::Admin, "SKD-DISKOMINFO").await;
    let root = app.user(Role::SuperAdmin, "SKD").await;
    let operator = app.user(Role::OpdOperator, "SKD-PUPR").await;

    let on_root = app
        .authed(Method::PATCH, &format!("/api/v1/users/{}", root.id), &admin)
        .json(&json!({ "name": "X" }))
        .send()
        .await
        .unwrap();
    assert_problem(on_root, StatusCode::FORBIDDEN, "forbidden").await;
    let promote = app
        .authed(Method::PATCH, &format!("/api/v1/users/{}", operator.id), &admin)
        .json(&json!({ "role": "super_admin" }))
        .send()
        .await
        .unwrap();
    assert_problem(promote, StatusCode::FORBIDDEN, "forbidden").await;
    let foreign = foreign_user(&app).await;
    let elsewhere = app
        .authed(Method::PATCH, &format!("/api/v1/users/{foreign}"), &admin)
        .json(&json!({ "name": "X" }))
        .send()
        .await
        .unwrap();
    assert_problem(elsewhere, StatusCode::NOT_FOUND, "not_found").await;

    let me = format!("/api/v1/users/{}", admin.id);
    let demote = app.authed(Method::PATCH, &me, &admin).json(&json!({ "role": "leader" })).send().await.unwrap();
    assert_problem(demote, StatusCode::FORBIDDEN, "self_lockout").await;
    let deactivate = app.authed(Method::PATCH, &me, &admin).json(&json!({ "active": false })).send().await.unwrap();
    assert_problem(deactivate, StatusCode::FORBIDDEN, "self_lockout").await;
    let rename =
        app.authed(Method::PATCH, &me, &admin).json(&json!({ "name": "Admin Utama Sekadau" })).send().await.unwrap();
    assert_eq!(rename.status(), StatusCode::OK);

    let by_root = app
        .authed(Method::PATCH, &format!("/api/v1/users/{}", admin.id), &root)
        .json(&json!({ "role": "leader" }))
        .send()
        .await
        .unwrap();
    assert_eq!(by_root.status(), StatusCode::OK);
    assert_eq!(app.login(&operator.email, PASSWORD).await.status(), StatusCode::OK);
}

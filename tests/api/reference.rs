use chrono::Utc;
use pengaduan::domain::role::Role;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::complaints::{filed, id_of, report};
use crate::helpers::{assert_problem, error_fields, spawn_app, spawn_seeded_app};

const NON_ADMINS: [(Role, &str); 5] = [
    (Role::OpdOperator, "SKD-PUPR"),
    (Role::OpdOfficial, "SKD-PUPR"),
    (Role::Inspector, "SKD-INSPEKTORAT"),
    (Role::ActionPlanReviewer, "SKD-BAGORG"),
    (Role::Leader, "SKD"),
];

#[tokio::test]
async fn intake_forms_read_categories_and_regions_without_signing_in() {
    let app = spawn_seeded_app().await;
    let categories: Value =
        app.request(Method::GET, "/api/v1/categories?pemda_code=skd").send().await.unwrap().json().await.unwrap();
    let codes: Vec<&str> = categories.as_array().unwrap().iter().map(|c| c["code"].as_str().unwrap()).collect();
    assert_eq!(codes.len(), 12);
    assert!(codes.contains(&"kesehatan") && codes.contains(&"jalan") && codes.contains(&"lainnya"));
    let jalan = categories.as_array().unwrap().iter().find(|c| c["code"] == "jalan").unwrap();
    let infrastruktur = categories.as_array().unwrap().iter().find(|c| c["code"] == "infrastruktur").unwrap();
    assert_eq!(jalan["parent_id"], infrastruktur["id"]);

    let regions: Value =
        app.request(Method::GET, "/api/v1/regions?pemda_code=SKD").send().await.unwrap().json().await.unwrap();
    let names: Vec<&str> = regions.as_array().unwrap().iter().map(|r| r["name"].as_str().unwrap()).collect();
    assert_eq!(names.len(), 7);
    assert!(names.contains(&"Sekadau Hilir") && names.contains(&"Belitang Hulu"));

    let unknown = app.request(Method::GET, "/api/v1/categories?pemda_code=NOPE").send().await.unwrap();
    assert_problem(unknown, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
}

#[tokio::test]
async fn with_several_pemda_the_public_must_name_one() {
    let app = spawn_seeded_app().await;
    let root = app.user(Role::SuperAdmin, "SKD").await;
    app.authed(Method::POST, "/api/v1/units", &root)
        .json(&json!({ "kind": "regency", "code": "SGU", "name": "Kabupaten Sanggau" }))
        .send()
        .await
        .unwrap();
    let unnamed = app.request(Method::GET, "/api/v1/categories").send().await.unwrap();
    let problem = assert_problem(unnamed, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    assert_eq!(error_fields(&problem), ["pemda_code"]);
    let named = app.request(Method::GET, "/api/v1/categories?pemda_code=SKD").send().await.unwrap();
    assert_eq!(named.status(), StatusCode::OK);
}

#[tokio::test]
async fn the_calendar_holds_the_national_holidays_and_admins_adjust_it() {
    let app = spawn_seeded_app().await;
    let admin = app.user(Role::Admin, "SKD-DISKOMINFO").await;
    let holidays: Value =
        app.authed(Method::GET, "/api/v1/holidays?year=2026", &admin).send().await.unwrap().json().await.unwrap();
    let dates: Vec<&str> = holidays.as_array().unwrap().iter().map(|h| h["date"].as_str().unwrap()).collect();
    assert!(dates.contains(&"2026-03-21") && dates.contains(&"2026-12-25"));
    assert!(dates.iter().all(|d| d.starts_with("2026")));

    let added = app
        .authed(Method::POST, "/api/v1/holidays", &admin)
        .json(&json!({ "date": "2026-06-22", "name": "Hari Jadi Kabupaten Sekadau", "source": "Perbup" }))
        .send()
        .await
        .unwrap();
    assert_eq!(added.status(), StatusCode::CREATED);
    let added: Value = added.json().await.unwrap();
    assert_eq!(added["kind"], "local");
    let again = app
        .authed(Method::POST, "/api/v1/holidays", &admin)
        .json(&json!({ "date": "2026-06-22", "name": "Lagi" }))
        .send()
        .await
        .unwrap();
    assert_problem(again, StatusCode::CONFLICT, "holiday_exists").await;
    let invalid = app
        .authed(Method::POST, "/api/v1/holidays", &admin)
        .json(&json!({ "date": "2026-06-23", "name": "", "kind": "party" }))
        .send()
        .await
        .unwrap();
    let problem = assert_problem(invalid, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    assert_eq!(error_fields(&problem), ["kind", "name"]);

    // The 2027 Islamic dates may move after the sighting: drop one date.
    let removed = app.authed(Method::DELETE, "/api/v1/holidays/2027-01-05", &admin).send().await.unwrap();
    assert_eq!(removed.status(), StatusCode::NO_CONTENT);
    let gone = app.authed(Method::DELETE, "/api/v1/holidays/2027-01-05", &admin).send().await.unwrap();
    assert_problem(gone, StatusCode::NOT_FOUND, "not_found").await;
    pengaduan::services::seed::seed(&mut app.conn().await).await.unwrap();
    let after_seed: Value =
        app.authed(Method::GET, "/api/v1/holidays?year=2027", &admin).send().await.unwrap().json().await.unwrap();
    assert!(
        after_seed.as_array().unwrap().iter().all(|h| h["date"] != "2027-01-05"),
        "seeding again does not bring a removed date back"
    );
    let bad_date = app.authed(Method::DELETE, "/api/v1/holidays/someday", &admin).send().await.unwrap();
    assert_problem(bad_date, StatusCode::BAD_REQUEST, "invalid_path").await;

    for (role, unit) in NON_ADMINS {
        let user = app.user(role, unit).await;
        assert_eq!(app.authed(Method::GET, "/api/v1/holidays", &user).send().await.unwrap().status(), StatusCode::OK);
        let add = app
            .authed(Method::POST, "/api/v1/holidays", &user)
            .json(&json!({ "date": "2026-07-01", "name": "X" }))
            .send()
            .await
            .unwrap();
        assert_problem(add, StatusCode::FORBIDDEN, "forbidden").await;
        let remove = app.authed(Method::DELETE, "/api/v1/holidays/2026-12-25", &user).send().await.unwrap();
        assert_problem(remove, StatusCode::FORBIDDEN, "forbidden").await;
    }
    let anonymous = app.request(Method::GET, "/api/v1/holidays").send().await.unwrap();
    assert_problem(anonymous, StatusCode::UNAUTHORIZED, "missing_token").await;
}

#[tokio::test]
async fn a_new_policy_version_ends_the_old_one_and_never_rewrites_set_deadlines() {
    let app = spawn_seeded_app().await;
    let admin = app.user(Role::Admin, "SKD-DISKOMINFO").await;
    let policies: Value =
        app.authed(Method::GET, "/api/v1/deadline-policies", &admin).send().await.unwrap().json().await.unwrap();
    assert_eq!(policies.as_array().unwrap().len(), 4);
    let supervision = policies.as_array().unwrap().iter().find(|p| p["supervision"] == true).unwrap();
    assert_eq!((supervision["resolve_days"].as_i64(), supervision["verify_days"].as_i64()), (Some(60), Some(3)));

    let before = id_of(&app, &filed(&app, &report()).await).await;
    let old_deadline = resolve_by(&app, &admin, before).await;

    let today = Utc::now().with_timezone(&chrono_tz::Asia::Pontianak).date_naive();
    let new_version = json!({
        "classification": "pengaduan", "verify_days": 2, "first_response_days": 5, "resolve_days": 30,
        "reporter_window_days": 10, "regulation": "Perbup Sekadau tentang SOP Pengaduan", "valid_from": today
    });
    let created =
        app.authed(Method::POST, "/api/v1/deadline-policies", &admin).json(&new_version).send().await.unwrap();
    assert_eq!(created.status(), StatusCode::CREATED);
    let policies: Value =
        app.authed(Method::GET, "/api/v1/deadline-policies", &admin).send().await.unwrap().json().await.unwrap();
    let ended = policies
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["classification"] == "pengaduan" && p["supervision"] == false && p["resolve_days"] == 14)
        .unwrap();
    assert_eq!(ended["valid_to"], today.pred_opt().unwrap().to_string());

    assert_eq!(resolve_by(&app, &admin, before).await, old_deadline, "deadlines already set stay");
    let after = id_of(&app, &filed(&app, &report()).await).await;
    assert_ne!(resolve_by(&app, &admin, after).await, old_deadline);

    let overlap =
        app.authed(Method::POST, "/api/v1/deadline-policies", &admin).json(&new_version).send().await.unwrap();
    assert_problem(overlap, StatusCode::CONFLICT, "policy_overlap").await;
}

#[tokio::test]
async fn invalid_policy_versions_are_refused() {
    let app = spawn_seeded_app().await;
    let admin = app.user(Role::Admin, "SKD-DISKOMINFO").await;
    let bad = json!({
        "classification": "aspirasi", "supervision": true, "verify_days": 3, "first_response_days": 5, "resolve_days": 0,
        "reporter_window_days": 10, "regulation": " ", "valid_from": "2027-01-01", "valid_to": "2026-01-01"
    });
    let response = app.authed(Method::POST, "/api/v1/deadline-policies", &admin).json(&bad).send().await.unwrap();
    let problem = assert_problem(response, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    assert_eq!(error_fields(&problem), ["regulation", "resolve_days", "supervision", "valid_to"]);
    for (role, unit) in NON_ADMINS {
        let user = app.user(role, unit).await;
        let response = app.authed(Method::POST, "/api/v1/deadline-policies", &user).json(&bad).send().await.unwrap();
        assert_problem(response, StatusCode::FORBIDDEN, "forbidden").await;
    }
}

#[tokio::test]
async fn without_a_deadline_policy_intake_says_so() {
    let app = spawn_app().await;
    let mut conn = app.conn().await;
    pengaduan::services::seed::seed(&mut conn).await.unwrap();
    use diesel_async::RunQueryDsl;
    diesel::sql_query("DELETE FROM deadline_policies").execute(&mut conn).await.unwrap();
    let response = crate::complaints::file(&app, &report()).await;
    assert_problem(response, StatusCode::CONFLICT, "no_deadline_policy").await;
}

async fn resolve_by(app: &crate::helpers::TestApp, admin: &crate::helpers::TestUser, id: uuid::Uuid) -> String {
    let complaint: Value =
        app.authed(Method::GET, &format!("/api/v1/complaints/{id}"), admin).send().await.unwrap().json().await.unwrap();
    complaint["deadlines"]["resolve_by"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn admins_add_categories_and_desa_and_retire_categories() {
    let app = spawn_seeded_app().await;
    let admin = app.user(Role::Admin, "SKD-DISKOMINFO").await;
    let created = app
        .authed(Method::POST, "/api/v1/categories", &admin)
        .json(&json!({ "code": "Air-Bersih", "name": "Air Bersih" }))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), StatusCode::CREATED);
    let category: Value = created.json().await.unwrap();
    assert_eq!(category["code"], "air-bersih");
    let taken = app
        .authed(Method::POST, "/api/v1/categories", &admin)
        .json(&json!({ "code": "kesehatan", "name": "Lagi" }))
        .send()
        .await
        .unwrap();
    assert_problem(taken, StatusCode::CONFLICT, "code_taken").await;
    let invalid = app
        .authed(Method::POST, "/api/v1/categories", &admin)
        .json(&json!({ "code": "a b", "name": "" }))
        .send()
        .await
        .unwrap();
    let problem = assert_problem(invalid, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    assert_eq!(error_fields(&problem), ["code", "name"]);

    let path = format!("/api/v1/categories/{}", category["id"].as_str().unwrap());
    let retired: Value = app
        .authed(Method::PATCH, &path, &admin)
        .json(&json!({ "active": false }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(retired["active"], false);
    let mut body = report();
    body["category_id"] = category["id"].clone();
    let refused = crate::complaints::file(&app, &body).await;
    assert_problem(refused, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    let missing = app
        .authed(Method::PATCH, &format!("/api/v1/categories/{}", uuid::Uuid::now_v7()), &admin)
        .json(&json!({ "name": "X" }))
        .send()
        .await
        .unwrap();
    assert_problem(missing, StatusCode::NOT_FOUND, "not_found").await;

    let regions: Value =
        app.request(Method::GET, "/api/v1/regions?pemda_code=SKD").send().await.unwrap().json().await.unwrap();
    let kecamatan = regions.as_array().unwrap().iter().find(|r| r["code"] == "sekadau-hilir").unwrap()["id"].clone();
    let desa = app
        .authed(Method::POST, "/api/v1/regions", &admin)
        .json(&json!({ "kind": "desa", "code": "mungguk", "name": "Mungguk", "parent_id": kecamatan }))
        .send()
        .await
        .unwrap();
    assert_eq!(desa.status(), StatusCode::CREATED);
    let orphan = app
        .authed(Method::POST, "/api/v1/regions", &admin)
        .json(&json!({ "kind": "desa", "code": "tanpa", "name": "Tanpa" }))
        .send()
        .await
        .unwrap();
    assert_problem(orphan, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;

    for (role, unit) in NON_ADMINS {
        let user = app.user(role, unit).await;
        let response = app
            .authed(Method::POST, "/api/v1/categories", &user)
            .json(&json!({ "code": "x", "name": "X" }))
            .send()
            .await
            .unwrap();
        assert_problem(response, StatusCode::FORBIDDEN, "forbidden").await;
        let response = app.authed(Method::PATCH, &path, &user).json(&json!({ "active": true })).send().await.unwrap();
        assert_problem(response, StatusCode::FORBIDDEN, "forbidden").await;
        let response = app
            .authed(Method::POST, "/api/v1/regions", &user)
            .json(&json!({ "kind": "kecamatan", "code": "x", "name": "X" }))
            .send()
            .await
            .unwrap();
        assert_problem(response, StatusCode::FORBIDDEN, "forbidden").await;
    }
    let anonymous = app
        .request(Method::POST, "/api/v1/categories")
        .json(&json!({ "code": "x", "name": "X" }))
        .send()
        .await
        .unwrap();
    assert_problem(anonymous, StatusCode::UNAUTHORIZED, "missing_token").await;
}

use pengaduan::domain::role::Role;
use reqwest::{Method, StatusCode};

use crate::helpers::{assert_problem, error_fields, spawn_app, spawn_app_with, spawn_seeded_app};

#[tokio::test]
async fn an_unknown_route_is_a_404_problem() {
    let app = spawn_app().await;
    let response = app.request(Method::GET, "/api/v1/nothing-here").send().await.unwrap();
    assert_problem(response, StatusCode::NOT_FOUND, "not_found").await;
}

#[tokio::test]
async fn a_wrong_method_is_a_405_problem_with_allow() {
    let app = spawn_app().await;
    let response = app.request(Method::DELETE, "/api/v1/units").send().await.unwrap();
    assert_eq!(response.headers().get("allow").unwrap(), "GET, POST, HEAD");
    assert_problem(response, StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed").await;
    let response = app.request(Method::PUT, &format!("/api/v1/users/{}", uuid::Uuid::now_v7())).send().await.unwrap();
    assert_eq!(response.headers().get("allow").unwrap(), "GET, PATCH, HEAD");
    assert_problem(response, StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed").await;
}

#[tokio::test]
async fn malformed_json_is_a_400_problem() {
    let app = spawn_app().await;
    let response = app
        .request(Method::POST, "/api/v1/auth/login")
        .header("content-type", "application/json")
        .body("{\"email\": ")
        .send()
        .await
        .unwrap();
    assert_problem(response, StatusCode::BAD_REQUEST, "malformed_json").await;
}

#[tokio::test]
async fn a_body_that_is_not_json_is_a_415_problem() {
    let app = spawn_app().await;
    let response = app
        .request(Method::POST, "/api/v1/auth/login")
        .header("content-type", "text/plain")
        .body("email=a")
        .send()
        .await
        .unwrap();
    assert_problem(response, StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type").await;
}

#[tokio::test]
async fn a_body_over_the_limit_is_a_413_problem() {
    let app = spawn_app_with(|settings| settings.body_limit = 1024).await;
    let response = app
        .request(Method::POST, "/api/v1/auth/login")
        .json(&serde_json::json!({ "email": "a@b.id", "password": "x".repeat(4096) }))
        .send()
        .await
        .unwrap();
    assert_problem(response, StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large").await;
}

#[tokio::test]
async fn missing_and_unknown_fields_are_422_problems_naming_the_field() {
    let app = spawn_app().await;
    let missing = app
        .request(Method::POST, "/api/v1/auth/login")
        .json(&serde_json::json!({ "email": "a@b.id" }))
        .send()
        .await
        .unwrap();
    let problem = assert_problem(missing, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    assert_eq!(error_fields(&problem), ["password"]);
    assert_eq!(problem["errors"][0]["code"], "required");

    let unknown = app
        .request(Method::POST, "/api/v1/auth/login")
        .json(&serde_json::json!({ "email": "a@b.id", "password": "x", "remember": true }))
        .send()
        .await
        .unwrap();
    let problem = assert_problem(unknown, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    assert_eq!(error_fields(&problem), ["remember"]);
}

#[tokio::test]
async fn malformed_path_and_query_values_are_400_problems() {
    let app = spawn_seeded_app().await;
    let admin = app.user(Role::Admin, "SKD-DISKOMINFO").await;
    let response = app.authed(Method::GET, "/api/v1/units/not-a-uuid", &admin).send().await.unwrap();
    assert_problem(response, StatusCode::BAD_REQUEST, "invalid_path").await;
    let response = app.authed(Method::GET, "/api/v1/units?limit=many", &admin).send().await.unwrap();
    assert_problem(response, StatusCode::BAD_REQUEST, "invalid_query").await;
    let response = app.authed(Method::GET, "/api/v1/units?kind=desa", &admin).send().await.unwrap();
    assert_problem(response, StatusCode::BAD_REQUEST, "invalid_query").await;
}

#[tokio::test]
async fn browsers_from_configured_origins_may_call_the_api() {
    let app = spawn_app_with(|settings| settings.cors_origins = vec!["https://lapor.sekadaukab.go.id".into()]).await;
    let preflight = app
        .request(Method::OPTIONS, "/api/v1/auth/login")
        .header("origin", "https://lapor.sekadaukab.go.id")
        .header("access-control-request-method", "POST")
        .header("access-control-request-headers", "content-type")
        .send()
        .await
        .unwrap();
    assert_eq!(preflight.status(), StatusCode::OK);
    assert_eq!(preflight.headers().get("access-control-allow-origin").unwrap(), "https://lapor.sekadaukab.go.id");

    let simple =
        app.request(Method::GET, "/health").header("origin", "https://lapor.sekadaukab.go.id").send().await.unwrap();
    assert_eq!(simple.headers().get("access-control-allow-origin").unwrap(), "https://lapor.sekadaukab.go.id");

    let stranger = app.request(Method::GET, "/health").header("origin", "https://evil.example").send().await.unwrap();
    assert!(stranger.headers().get("access-control-allow-origin").is_none());
    let refused = app
        .request(Method::OPTIONS, "/api/v1/auth/login")
        .header("origin", "https://evil.example")
        .header("access-control-request-method", "POST")
        .send()
        .await
        .unwrap();
    assert!(refused.status().is_client_error());
    assert_eq!(
        refused.headers().get("content-type").unwrap(),
        "application/problem+json",
        "CORS refusals are problems too"
    );
}

#[tokio::test]
async fn without_configured_origins_no_cross_origin_access_is_granted() {
    let app = spawn_app().await;
    let response =
        app.request(Method::GET, "/health").header("origin", "https://lapor.sekadaukab.go.id").send().await.unwrap();
    assert!(response.headers().get("access-control-allow-origin").is_none());
}

/// NUL used to reach PostgreSQL and come back as a 500; every text now refuses it, naming the field.
#[tokio::test]
async fn control_characters_in_any_text_are_a_422_naming_the_field() {
    let app = spawn_seeded_app().await;
    let admin = app.user(Role::Admin, "SKD-DISKOMINFO").await;

    let mut report = crate::complaints::report();
    report["title"] = "Jalan\u{0}rusak".into();
    report["body"] = "Berlubang\u{0}".into();
    report["reporter"]["name"] = "Budi\u{1b}".into();
    let refused = crate::complaints::file(&app, &report).await;
    let problem = assert_problem(refused, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    assert_eq!(error_fields(&problem), ["body", "reporter.name", "title"]);
    assert!(problem["errors"].as_array().unwrap().iter().all(|e| e["code"] == "control_character"));

    let login = app
        .request(Method::POST, "/api/v1/auth/login")
        .json(&serde_json::json!({ "email": "admin\u{0}@sekadaukab.go.id", "password": "x" }))
        .send()
        .await
        .unwrap();
    let problem = assert_problem(login, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    assert_eq!(error_fields(&problem), ["email"]);

    let unit = app.unit_id("SKD-PUPR").await;
    let user = app
        .authed(Method::POST, "/api/v1/users", &admin)
        .json(&serde_json::json!({
            "email": "baru@sekadaukab.go.id", "name": "Budi\u{0}", "unit_id": unit, "role": "opd_operator",
            "password": "sandi awal yang panjang"
        }))
        .send()
        .await
        .unwrap();
    let problem = assert_problem(user, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    assert_eq!(error_fields(&problem), ["name"]);

    let holiday = app
        .authed(Method::POST, "/api/v1/holidays", &admin)
        .json(&serde_json::json!({ "date": "2026-06-21", "name": "Hari\u{0}Jadi" }))
        .send()
        .await
        .unwrap();
    let problem = assert_problem(holiday, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    assert_eq!(error_fields(&problem), ["name"]);

    let search = app.authed(Method::GET, "/api/v1/complaints?q=jalan%00rusak", &admin).send().await.unwrap();
    let problem = assert_problem(search, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    assert_eq!(error_fields(&problem), ["q"]);

    let tracking = app.request(Method::GET, "/api/v1/public/complaints/SKD-2026-%00").send().await.unwrap();
    assert_problem(tracking, StatusCode::NOT_FOUND, "not_found").await;
}

#[tokio::test]
async fn a_title_is_one_line_but_a_body_may_have_many() {
    let app = spawn_seeded_app().await;
    let mut report = crate::complaints::report();
    report["title"] = "Jalan rusak\ndi Desa Mungguk".into();
    let refused = crate::complaints::file(&app, &report).await;
    let problem = assert_problem(refused, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    assert_eq!(error_fields(&problem), ["title"]);
    report["title"] = "Jalan rusak di Desa Mungguk".into();
    report["body"] = "Baris pertama.\r\nBaris kedua,\tdengan tab.".into();
    let accepted = crate::complaints::file(&app, &report).await;
    assert_eq!(accepted.status(), StatusCode::CREATED);
}

#[tokio::test]
async fn json_of_the_wrong_structure_is_refused() {
    let app = spawn_app().await;
    let post = |body: String| {
        app.request(Method::POST, "/api/v1/auth/login").header("content-type", "application/json").body(body).send()
    };
    let deep = format!("{{\"email\":{}1{}}}", "[".repeat(100), "]".repeat(100));
    assert_problem(post(deep).await.unwrap(), StatusCode::BAD_REQUEST, "malformed_json").await;
    let very_deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    assert_problem(post(very_deep).await.unwrap(), StatusCode::BAD_REQUEST, "malformed_json").await;
    let array = post(r#"["admin@sekadaukab.go.id", "a long password"]"#.into()).await.unwrap();
    let problem = assert_problem(array, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    assert_eq!(error_fields(&problem), ["body"]);

    let app = spawn_seeded_app().await;
    let mut report = crate::complaints::report();
    report["reporter"] = serde_json::json!(["Budi Santoso", null, null, null, null]);
    let nested = crate::complaints::file(&app, &report).await;
    assert_problem(nested, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
}

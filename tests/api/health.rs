use chrono::Utc;
use pengaduan::domain::ids::{SessionId, UserId};
use pengaduan::domain::role::Role;
use reqwest::{Method, StatusCode};
use serde_json::Value;

use crate::helpers::{
    assert_problem, empty_database, eventually, spawn_app, spawn_app_with, spawn_seeded_app, start, test_settings,
};

#[tokio::test]
async fn health_answers_even_when_the_database_is_down() {
    let app = spawn_app_with(|s| s.db_pool_size = 1).await;
    let unreachable = start_unreachable().await;
    for app in [&app, &unreachable] {
        let response = app.request(Method::GET, "/health").send().await.unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["status"], "ok");
    }
}

#[tokio::test]
async fn ready_answers_ok_when_the_database_is_migrated() {
    let app = spawn_app().await;
    let response = app.request(Method::GET, "/ready").send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
}

#[tokio::test]
async fn ready_is_503_with_retry_after_when_the_database_is_unreachable() {
    let app = start_unreachable().await;
    let response = app.request(Method::GET, "/ready").send().await.unwrap();
    assert_eq!(response.headers().get("retry-after").unwrap(), "5");
    assert_problem(response, StatusCode::SERVICE_UNAVAILABLE, "service_unavailable").await;
}

#[tokio::test]
async fn ready_is_503_while_migrations_are_pending() {
    let database = empty_database().await;
    let app = start(test_settings(), database).await;
    let response = app.request(Method::GET, "/ready").send().await.unwrap();
    assert_problem(response, StatusCode::SERVICE_UNAVAILABLE, "service_unavailable").await;
}

#[tokio::test]
async fn api_calls_are_503_with_retry_after_when_the_database_is_unreachable() {
    let app = start_unreachable().await;
    let token = app.state.access_tokens.issue(UserId::new(), SessionId::new(), Utc::now()).unwrap();
    let response = app.request(Method::GET, "/api/v1/me").bearer_auth(token).send().await.unwrap();
    assert_eq!(response.headers().get("retry-after").unwrap(), "5");
    let problem = assert_problem(response, StatusCode::SERVICE_UNAVAILABLE, "service_unavailable").await;
    assert!(!problem.to_string().contains("127.0.0.1"), "internal causes stay in the log: {problem}");
}

/// The pool hands out connections without pinging them first, so a connection the database closed (a restart, an
/// administrator's pg_terminate_backend) must be dropped by the pool, not handed to a request that then fails.
#[tokio::test]
async fn connections_the_database_closed_are_replaced_without_failing_a_request() {
    use diesel_async::RunQueryDsl;
    let app = spawn_seeded_app().await;
    let admin = app.user(Role::Admin, "SKD-DISKOMINFO").await;
    let all_ok = || async {
        let requests = (0..8).map(|_| app.authed(Method::GET, "/api/v1/me", &admin).send());
        futures_util::future::join_all(requests).await.into_iter().all(|r| r.unwrap().status() == StatusCode::OK)
    };
    assert!(all_ok().await, "the pool is warm");
    let mut conn = app.conn().await;
    diesel::sql_query(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
         WHERE datname = current_database() AND pid <> pg_backend_pid()",
    )
    .execute(&mut conn)
    .await
    .unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert!(all_ok().await, "every request after the database closed the pool's connections succeeded");

    // The session cache's listener was cut off too: it connects again, and sessions are remembered again.
    let claims = app.state.access_tokens.verify(&admin.access_token).unwrap();
    let remembered = || async {
        assert!(all_ok().await, "requests succeed while the listener reconnects");
        app.state.sessions.get(claims.sub, claims.sid).is_some()
    };
    eventually(remembered, "the listener reconnected").await;
}

#[tokio::test]
async fn a_request_id_is_echoed_or_made_up() {
    let app = spawn_app().await;
    let given = app.request(Method::GET, "/health").header("x-request-id", "gateway-42").send().await.unwrap();
    assert_eq!(given.headers().get("x-request-id").unwrap(), "gateway-42");
    let made = app.request(Method::GET, "/health").send().await.unwrap();
    let id = made.headers().get("x-request-id").unwrap().to_str().unwrap();
    assert_eq!(id.len(), 36, "a UUID: {id}");
    let forged = app.request(Method::GET, "/health").header("x-request-id", "a b c").send().await.unwrap();
    assert_ne!(forged.headers().get("x-request-id").unwrap(), "a b c");
}

/// A service whose database URL points at a closed port.
async fn start_unreachable() -> crate::helpers::TestApp {
    let mut database = empty_database().await;
    database.url = "postgres://postgres@127.0.0.1:1/nowhere".into();
    start(test_settings(), database).await
}

#[tokio::test]
async fn the_front_door_leads_to_the_docs_and_the_spec() {
    let app = crate::helpers::spawn_app().await;
    let client =
        crate::helpers::http_client_with(reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()));
    let docs = client.get(format!("{}/docs", app.address)).send().await.unwrap();
    assert_eq!(docs.status(), reqwest::StatusCode::PERMANENT_REDIRECT);
    assert_eq!(docs.headers()["location"], "/docs/");
    let followed = app.request(reqwest::Method::GET, "/docs").send().await.unwrap();
    assert_eq!(followed.status(), reqwest::StatusCode::OK, "the Swagger UI page");

    let root = app.request(reqwest::Method::GET, "/").send().await.unwrap();
    assert_eq!(root.status(), reqwest::StatusCode::OK);
    let link = root.headers()["link"].to_str().unwrap().to_owned();
    assert!(link.contains(r#"</docs/>; rel="service-doc""#) && link.contains(r#"rel="service-desc""#), "{link}");
    let index: serde_json::Value = root.json().await.unwrap();
    assert_eq!((index["docs"].as_str(), index["openapi"].as_str()), (Some("/docs/"), Some("/api/v1/openapi.json")));
}

#[tokio::test]
async fn head_works_wherever_get_does() {
    let app = crate::helpers::spawn_app().await;
    for path in ["/", "/health", "/ready", "/api/v1/openapi.json", "/api/v1/categories"] {
        let get = app.request(reqwest::Method::GET, path).send().await.unwrap();
        let head = app.request(reqwest::Method::HEAD, path).send().await.unwrap();
        assert_eq!(head.status(), get.status(), "{path}");
        assert_eq!(head.headers().get("content-type"), get.headers().get("content-type"), "{path}");
        assert!(head.bytes().await.unwrap().is_empty(), "{path}: no body");
    }
    let unknown = app.request(reqwest::Method::HEAD, "/api/v1/nothing-here").send().await.unwrap();
    assert_eq!(unknown.status(), reqwest::StatusCode::NOT_FOUND);
    let wrong = app.request(reqwest::Method::DELETE, "/health").send().await.unwrap();
    assert_eq!(wrong.headers()["allow"], "GET, HEAD");
}

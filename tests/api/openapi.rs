use reqwest::{Method, StatusCode};
use serde_json::Value;

use crate::helpers::spawn_app;

fn committed() -> Value {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/openapi/openapi.json"))
        .expect("openapi/openapi.json is committed");
    serde_json::from_str(&text).expect("openapi/openapi.json is JSON")
}

fn generated() -> Value {
    serde_json::to_value(pengaduan::openapi::document()).unwrap()
}

#[test]
fn the_committed_spec_matches_the_code() {
    assert!(
        committed() == generated(),
        "openapi/openapi.json is out of date: run `cargo run -- openapi > openapi/openapi.json` and commit it"
    );
}

#[tokio::test]
async fn the_served_spec_is_the_generated_one() {
    let app = spawn_app().await;
    let response = app.request(Method::GET, "/api/v1/openapi.json").send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let served: Value = response.json().await.unwrap();
    assert_eq!(served, generated());
}

#[test]
fn every_operation_is_named_summarised_and_documents_its_errors() {
    let spec = generated();
    let mut operations = 0;
    for (path, item) in spec["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            operations += 1;
            let id = operation["operationId"].as_str().unwrap_or_default();
            assert!(
                !id.is_empty() && id.chars().all(|c| c.is_ascii_lowercase() || c == '_'),
                "{method} {path}: operationId {id:?}"
            );
            assert!(operation["summary"].as_str().is_some_and(|s| !s.is_empty()), "{method} {path}: summary");
            assert!(
                operation["description"].as_str().is_some_and(|s| !s.is_empty()),
                "{method} {path}: who may call it"
            );
            let responses = operation["responses"].as_object().unwrap();
            for status in ["500", "503"] {
                assert_eq!(
                    responses[status]["content"]["application/problem+json"]["schema"]["$ref"],
                    "#/components/schemas/Problem",
                    "{method} {path} {status}"
                );
            }
            if operation.get("security").is_some() {
                assert!(responses.contains_key("401"), "{method} {path}: secured operations document 401");
            }
            if operation.get("requestBody").is_some() {
                for status in ["400", "413", "415", "422"] {
                    assert!(responses.contains_key(status), "{method} {path}: {status}");
                }
            }
        }
    }
    assert!(operations >= 14);
    assert_eq!(spec["components"]["securitySchemes"]["bearer"]["scheme"], "bearer");
}

#[tokio::test]
async fn the_docs_page_works_without_the_internet() {
    let app = spawn_app().await;
    let response = app.request(Method::GET, "/docs/").send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let html = response.text().await.unwrap();
    assert!(html.contains("swagger-ui"), "a Swagger UI page");
    for line in html.lines().filter(|line| line.contains("<script") || line.contains("<link")) {
        assert!(!line.contains("http://") && !line.contains("https://"), "assets are served locally: {line}");
    }
    let initializer = app.request(Method::GET, "/docs/swagger-initializer.js").send().await.unwrap();
    assert_eq!(initializer.status(), StatusCode::OK);
    assert!(initializer.text().await.unwrap().contains("/api/v1/openapi.json"));
}

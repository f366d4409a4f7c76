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
            let security = operation["security"].as_array().unwrap_or_else(|| panic!("{method} {path}: security"));
            if !security.is_empty() {
                assert!(responses.contains_key("401"), "{method} {path}: secured operations document 401");
            }
            if let Some(body) = operation.get("requestBody") {
                for status in ["400", "413", "415", "422"] {
                    assert!(responses.contains_key(status), "{method} {path}: {status}");
                }
                for (media, content) in body["content"].as_object().unwrap() {
                    let schema = &content["schema"];
                    let named = schema["$ref"].as_str().and_then(|r| r.rsplit('/').next()).unwrap_or_default();
                    let component = &spec["components"]["schemas"][named];
                    let binary = component["format"] == "binary" || media == "multipart/form-data";
                    assert!(
                        content.get("example").is_some() || component.get("example").is_some() || binary,
                        "{method} {path}: an example of the {media} body"
                    );
                }
            }
            for (status, response) in responses {
                for (media, content) in response["content"].as_object().into_iter().flatten() {
                    if !media.contains("json") {
                        assert_eq!(
                            content["schema"]["$ref"], "#/components/schemas/Binary",
                            "{method} {path} {status} {media}: files are typed as binary"
                        );
                    }
                }
            }
        }
    }
    assert!(operations >= 14);
    assert_eq!(spec["servers"][0]["url"], "/");
    assert_eq!(spec["components"]["schemas"]["Binary"]["format"], "binary");
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

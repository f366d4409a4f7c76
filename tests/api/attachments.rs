use chrono::Duration;
use pengaduan::domain::role::Role;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::complaints::{filed, id_of, report};
use crate::helpers::{TestApp, assert_problem, error_fields, spawn_app_with, spawn_seeded_app};

pub const PNG: &[u8] = &[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13, b'I', b'H', b'D', b'R'];

pub async fn upload(app: &TestApp, bytes: &[u8], name: &str, token: Option<&str>) -> reqwest::Response {
    let boundary = "pengaduan-test-boundary";
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(bytes);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    let mut request = app
        .request(Method::POST, "/api/v1/attachments")
        .header("content-type", format!("multipart/form-data; boundary={boundary}"))
        .body(body);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    request.send().await.unwrap()
}

#[tokio::test]
async fn evidence_is_recognised_by_content_attached_and_downloaded_by_staff_only() {
    let app = spawn_seeded_app().await;
    let response = upload(&app, PNG, "../../jalan.png", None).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let uploaded: Value = response.json().await.unwrap();
    assert_eq!(
        (uploaded["content_type"].as_str(), uploaded["file_name"].as_str()),
        (Some("image/png"), Some("jalan.png"))
    );
    assert_eq!(uploaded["size_bytes"], PNG.len());

    let mut body = report();
    body["attachment_ids"] = json!([uploaded["id"]]);
    let id = id_of(&app, &filed(&app, &body).await).await;
    let admin = app.user(Role::Admin, "SKD-DISKOMINFO").await;
    let complaint: Value = app
        .authed(Method::GET, &format!("/api/v1/complaints/{id}"), &admin)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(complaint["attachments"][0]["id"], uploaded["id"]);

    let path = format!("/api/v1/attachments/{}", uploaded["id"].as_str().unwrap());
    let download = app.authed(Method::GET, &path, &admin).send().await.unwrap();
    assert_eq!(download.status(), StatusCode::OK);
    assert_eq!(download.headers().get("content-type").unwrap(), "image/png");
    assert_eq!(download.headers().get("x-content-type-options").unwrap(), "nosniff");
    assert_eq!(download.bytes().await.unwrap().as_ref(), PNG);

    for (role, unit) in
        [(Role::OpdOperator, "SKD-PUPR"), (Role::Leader, "SKD"), (Role::ActionPlanReviewer, "SKD-BAGORG")]
    {
        let user = app.user(role, unit).await;
        assert_problem(app.authed(Method::GET, &path, &user).send().await.unwrap(), StatusCode::NOT_FOUND, "not_found")
            .await;
    }
    assert_problem(app.request(Method::GET, &path).send().await.unwrap(), StatusCode::UNAUTHORIZED, "missing_token")
        .await;

    let mut again = report();
    again["attachment_ids"] = json!([uploaded["id"]]);
    let reused = crate::complaints::file(&app, &again).await;
    let problem = assert_problem(reused, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    assert_eq!(error_fields(&problem), ["attachment_ids"]);
}

#[tokio::test]
async fn other_content_and_oversized_files_are_refused() {
    let app = spawn_app_with(|s| s.attachment_max_bytes = 64).await;
    let html = upload(&app, b"<html><script>alert(1)</script></html>", "photo.png", None).await;
    assert_problem(html, StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type").await;
    let big = upload(&app, &[PNG, &[0u8; 100]].concat(), "big.png", None).await;
    assert_problem(big, StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large").await;
    let not_multipart =
        app.request(Method::POST, "/api/v1/attachments").json(&json!({ "file": "x" })).send().await.unwrap();
    assert_problem(not_multipart, StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type").await;
    let empty = upload(&app, b"", "empty.pdf", None).await;
    assert_problem(empty, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
}

#[tokio::test]
async fn an_upload_never_attached_expires_after_a_day() {
    let app = spawn_app_with(|s| s.run_jobs = false).await;
    let uploaded: Value = upload(&app, b"%PDF-1.7 surat", "surat.pdf", None).await.json().await.unwrap();
    let hash = uploaded["sha256"].as_str().unwrap().to_owned();
    let report = pengaduan::jobs::housekeeping::run(&app.state).await.unwrap().unwrap();
    assert_eq!(report.uploads, 0, "a fresh upload stays");

    app.state.clock.advance(Duration::hours(25));
    let report = pengaduan::jobs::housekeeping::run(&app.state).await.unwrap().unwrap();
    assert_eq!((report.uploads, report.files), (1, 1));
    assert!(app.state.blobs.get(&hash).is_err(), "the file is gone too");
}

#[tokio::test]
async fn reporters_download_their_own_evidence_with_the_secret_and_nobody_else_does() {
    let app = crate::helpers::spawn_seeded_app().await;
    let uploaded: serde_json::Value = upload(&app, PNG, "foto jalan.png", None).await.json().await.unwrap();
    let mut report = crate::complaints::report();
    report["attachment_ids"] = serde_json::json!([uploaded["id"]]);
    let receipt = crate::complaints::filed(&app, &report).await;
    let other = crate::complaints::filed(&app, &crate::complaints::report()).await;
    let code = receipt["tracking_code"].as_str().unwrap();
    let secret = receipt["reporter_secret"].as_str().unwrap();
    let file_id = uploaded["id"].as_str().unwrap();
    let path = format!("/api/v1/public/complaints/{code}/attachments/{file_id}");

    let page: serde_json::Value = app
        .request(Method::GET, &format!("/api/v1/public/complaints/{code}"))
        .header("x-reporter-secret", secret)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(page["attachments"][0]["id"], file_id, "the reporter sees their files");
    let public: serde_json::Value = app
        .request(Method::GET, &format!("/api/v1/public/complaints/{code}"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(public["attachments"].as_array().unwrap().is_empty(), "the public does not");

    let mine = app.request(Method::GET, &path).header("x-reporter-secret", secret).send().await.unwrap();
    assert_eq!(mine.status(), StatusCode::OK);
    assert_eq!(mine.headers()["content-type"], "image/png");
    assert_eq!(mine.bytes().await.unwrap().as_ref(), PNG);

    let without = app.request(Method::GET, &path).send().await.unwrap();
    assert_problem(without, StatusCode::NOT_FOUND, "not_found").await;
    let wrong = app.request(Method::GET, &path).header("x-reporter-secret", "tebakan").send().await.unwrap();
    assert_problem(wrong, StatusCode::NOT_FOUND, "not_found").await;
    let other_secret = other["reporter_secret"].as_str().unwrap();
    let elsewhere = app.request(Method::GET, &path).header("x-reporter-secret", other_secret).send().await.unwrap();
    assert_problem(elsewhere, StatusCode::NOT_FOUND, "not_found").await;
    let other_code = other["tracking_code"].as_str().unwrap();
    let crossed = app
        .request(Method::GET, &format!("/api/v1/public/complaints/{other_code}/attachments/{file_id}"))
        .header("x-reporter-secret", other_secret)
        .send()
        .await
        .unwrap();
    assert_problem(crossed, StatusCode::NOT_FOUND, "not_found").await;
}

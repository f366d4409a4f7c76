//! `Idempotency-Key` on every POST: retries create once and replay the first answer, `Location` included.

use pengaduan::domain::role::Role;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::attachments::PNG;
use crate::helpers::{TestApp, TestUser, assert_problem, error_fields, spawn_seeded_app};

fn new_operator(unit: uuid::Uuid, email: &str) -> Value {
    json!({ "email": email, "name": "Budi Santoso", "unit_id": unit, "role": "opd_operator", "password": "sandi awal yang panjang" })
}

async fn create_user(app: &TestApp, admin: &TestUser, key: &str, body: &Value) -> reqwest::Response {
    app.authed(Method::POST, "/api/v1/users", admin).header("idempotency-key", key).json(body).send().await.unwrap()
}

#[tokio::test]
async fn a_retried_creation_happens_once_and_replays_the_first_answer() {
    let app = spawn_seeded_app().await;
    let admin = app.user(Role::Admin, "SKD-DISKOMINFO").await;
    let pupr = app.unit_id("SKD-PUPR").await;
    let body = new_operator(pupr, "operator.pupr@sekadaukab.go.id");

    let first = create_user(&app, &admin, "buat-operator-pupr-1", &body).await;
    assert_eq!(first.status(), StatusCode::CREATED);
    assert!(first.headers().get("idempotent-replayed").is_none());
    let location = first.headers()["location"].clone();
    let etag = first.headers()["etag"].clone();
    let first: Value = first.json().await.unwrap();

    let retry = create_user(&app, &admin, "buat-operator-pupr-1", &body).await;
    assert_eq!(retry.status(), StatusCode::CREATED);
    assert_eq!(retry.headers()["idempotent-replayed"], "true");
    assert_eq!(retry.headers()["location"], location, "the replay keeps Location");
    assert_eq!(retry.headers()["etag"], etag);
    assert_eq!(retry.json::<Value>().await.unwrap(), first);

    let users: Value =
        app.authed(Method::GET, "/api/v1/users?limit=100", &admin).send().await.unwrap().json().await.unwrap();
    let matching = users["items"].as_array().unwrap().iter().filter(|u| u["email"] == body["email"]).count();
    assert_eq!(matching, 1, "created once");

    let other = new_operator(pupr, "operator.lain@sekadaukab.go.id");
    let reused = create_user(&app, &admin, "buat-operator-pupr-1", &other).await;
    let problem = assert_problem(reused, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    assert_eq!(error_fields(&problem), ["Idempotency-Key"]);
    assert_eq!(problem["errors"][0]["code"], "key_reused");

    let colleague = app.user(Role::Admin, "SKD-DISKOMINFO").await;
    let own_key = create_user(&app, &colleague, "buat-operator-pupr-1", &other).await;
    assert_eq!(own_key.status(), StatusCode::CREATED, "keys belong to their caller");
}

#[tokio::test]
async fn a_failed_request_keeps_nothing_so_its_corrected_retry_goes_through() {
    let app = spawn_seeded_app().await;
    let admin = app.user(Role::Admin, "SKD-DISKOMINFO").await;
    let pupr = app.unit_id("SKD-PUPR").await;
    let mut body = new_operator(pupr, "bukan-email");
    let refused = create_user(&app, &admin, "coba-lagi", &body).await;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let again = create_user(&app, &admin, "coba-lagi", &body).await;
    assert_eq!(again.status(), StatusCode::UNPROCESSABLE_ENTITY, "evaluated again, not replayed");
    assert!(again.headers().get("idempotent-replayed").is_none());
    body["email"] = json!("benar@sekadaukab.go.id");
    assert_eq!(create_user(&app, &admin, "coba-lagi", &body).await.status(), StatusCode::CREATED);
}

#[tokio::test]
async fn concurrent_retries_create_one_record() {
    let app = spawn_seeded_app().await;
    let admin = app.user(Role::Admin, "SKD-DISKOMINFO").await;
    let pupr = app.unit_id("SKD-PUPR").await;
    let body = new_operator(pupr, "balapan@sekadaukab.go.id");
    let (a, b, c) = tokio::join!(
        create_user(&app, &admin, "balapan", &body),
        create_user(&app, &admin, "balapan", &body),
        create_user(&app, &admin, "balapan", &body)
    );
    let statuses = [a.status(), b.status(), c.status()];
    assert!(
        statuses.iter().all(|s| *s == StatusCode::CREATED || *s == StatusCode::CONFLICT),
        "a replay or 'still running', never a second account: {statuses:?}"
    );
    for response in [a, b, c] {
        if response.status() == StatusCode::CONFLICT {
            assert_eq!(response.headers()["retry-after"], "1");
            assert_problem(response, StatusCode::CONFLICT, "idempotency_in_progress").await;
        }
    }
    let again = create_user(&app, &admin, "balapan", &body).await;
    assert_eq!(again.status(), StatusCode::CREATED);
    assert_eq!(again.headers()["idempotent-replayed"], "true");
}

#[tokio::test]
async fn public_uploads_are_idempotent_per_client_address() {
    let app = spawn_seeded_app().await;
    let boundary = "kunci-unggah";
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"foto.png\"\r\nContent-Type: image/png\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(PNG);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    let send = || {
        app.request(Method::POST, "/api/v1/attachments")
            .header("content-type", format!("multipart/form-data; boundary={boundary}"))
            .header("idempotency-key", "unggah-1")
            .body(body.clone())
            .send()
    };
    let first: Value = send().await.unwrap().json().await.unwrap();
    let retry = send().await.unwrap();
    assert_eq!(retry.headers()["idempotent-replayed"], "true");
    assert_eq!(retry.json::<Value>().await.unwrap()["id"], first["id"]);
}

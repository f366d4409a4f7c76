//! Machine clients: admins make them, they get tokens by OAuth 2.0 client credentials (RFC 6749 §4.4), their tokens
//! reach only what their scopes allow, and deactivation, revocation and rotation act at once.

use chrono::Duration;
use pengaduan::domain::role::Role;
use reqwest::{Method, Response, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{TestApp, TestUser, assert_problem, spawn_seeded_app};

pub async fn make_client(app: &TestApp, admin: &TestUser, body: Value) -> Value {
    let response = app.authed(Method::POST, "/api/v1/api-clients", admin).json(&body).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::CREATED, "{:?}", response.text().await);
    response.json().await.unwrap()
}

/// A token request with HTTP Basic client authentication, as OAuth libraries send it.
async fn token_request(app: &TestApp, id: &str, secret: &str, form: &[(&str, &str)]) -> Response {
    app.request(Method::POST, "/api/v1/oauth/token").basic_auth(id, Some(secret)).form(form).send().await.unwrap()
}

pub async fn token_of(app: &TestApp, client: &Value) -> String {
    let id = client["client_id"].as_str().unwrap();
    let response =
        token_request(app, id, client["client_secret"].as_str().unwrap(), &[("grant_type", "client_credentials")])
            .await;
    assert_eq!(response.status(), StatusCode::OK);
    let body: Value = response.json().await.unwrap();
    body["access_token"].as_str().unwrap().to_owned()
}

async fn call(app: &TestApp, token: &str, method: Method, path: &str) -> Response {
    app.request(method, path).bearer_auth(token).send().await.unwrap()
}

async fn oauth_error(response: Response, status: StatusCode, error: &str) {
    assert_eq!(response.status(), status);
    assert_eq!(response.headers()["content-type"], "application/json", "RFC 6749 JSON, not problem+json");
    assert_eq!(response.headers()["cache-control"], "no-store");
    if status == StatusCode::UNAUTHORIZED {
        assert!(response.headers()["www-authenticate"].to_str().unwrap().starts_with("Basic "));
    }
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"], error, "{body}");
    assert!(body["error_description"].is_string());
}

#[tokio::test]
async fn a_client_credentials_token_reads_reports_and_is_refused_where_its_scopes_do_not_reach() {
    let app = spawn_seeded_app().await;
    let admin = app.user(Role::Admin, "SKD-DISKOMINFO").await;
    let client = make_client(&app, &admin, json!({ "name": "Dasbor Provinsi", "scopes": ["reports:read"] })).await;
    assert!(client["client_secret"].as_str().unwrap().starts_with("pgdsec_"));
    assert_eq!(client["client_id"], client["id"]);
    assert_eq!(client["rate_limit_per_minute"], 600);

    // Basic authentication, as OAuth libraries send it.
    let id = client["client_id"].as_str().unwrap();
    let secret = client["client_secret"].as_str().unwrap();
    let response = token_request(&app, id, secret, &[("grant_type", "client_credentials")]).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["cache-control"], "no-store");
    assert_eq!(response.headers()["pragma"], "no-cache");
    let granted: Value = response.json().await.unwrap();
    assert_eq!((granted["token_type"].as_str(), granted["scope"].as_str()), (Some("Bearer"), Some("reports:read")));
    assert_eq!(granted["expires_in"], 900);
    // Form fields work too.
    let form = app
        .request(Method::POST, "/api/v1/oauth/token")
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", id),
            ("client_secret", secret),
            ("scope", "reports:read"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(form.status(), StatusCode::OK);

    let token = granted["access_token"].as_str().unwrap();
    let summary = call(&app, token, Method::GET, "/api/v1/reports/summary?month=2026-11").await;
    assert_eq!(summary.status(), StatusCode::OK);
    let summary: Value = summary.json().await.unwrap();
    let as_admin: Value = app
        .authed(Method::GET, "/api/v1/reports/summary?month=2026-11", &admin)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(summary["pemda"], as_admin["pemda"], "the client's own Pemda");
    for path in
        ["/api/v1/reports/units?month=2026-11", "/api/v1/reports/rankings?month=2026-11", "/api/v1/reports/backlog"]
    {
        assert_eq!(call(&app, token, Method::GET, path).await.status(), StatusCode::OK, "{path}");
    }
    for (method, path) in [
        (Method::GET, "/api/v1/complaints"),
        (Method::GET, "/api/v1/users"),
        (Method::GET, "/api/v1/api-clients"),
        (Method::POST, "/api/v1/reports/ranking-weights"),
    ] {
        let refused = app.request(method, path).bearer_auth(token).json(&json!({})).send().await.unwrap();
        assert_problem(refused, StatusCode::FORBIDDEN, "insufficient_scope").await;
    }

    let seen: Value = app
        .authed(Method::GET, &format!("/api/v1/api-clients/{id}"), &admin)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(seen["last_used_at"].is_string());
    assert!(seen.get("client_secret").is_none(), "the secret is shown once");
    let listed: Value =
        app.authed(Method::GET, "/api/v1/api-clients", &admin).send().await.unwrap().json().await.unwrap();
    assert_eq!(listed["items"].as_array().unwrap().len(), 1);
    assert!(!listed.to_string().contains(secret));
}

#[tokio::test]
async fn the_token_endpoint_answers_in_rfc_6749_errors() {
    let app = spawn_seeded_app().await;
    let admin = app.user(Role::Admin, "SKD-DISKOMINFO").await;
    let client = make_client(&app, &admin, json!({ "name": "Call centre", "scopes": ["reports:read"] })).await;
    let id = client["client_id"].as_str().unwrap();
    let secret = client["client_secret"].as_str().unwrap();
    let grant = [("grant_type", "client_credentials")];

    oauth_error(token_request(&app, id, "pgdsec_wrong", &grant).await, StatusCode::UNAUTHORIZED, "invalid_client")
        .await;
    let unknown = uuid::Uuid::now_v7().to_string();
    oauth_error(token_request(&app, &unknown, secret, &grant).await, StatusCode::UNAUTHORIZED, "invalid_client").await;
    let password = [("grant_type", "password")];
    oauth_error(token_request(&app, id, secret, &password).await, StatusCode::BAD_REQUEST, "unsupported_grant_type")
        .await;
    oauth_error(token_request(&app, id, secret, &[]).await, StatusCode::BAD_REQUEST, "invalid_request").await;
    let wider = [("grant_type", "client_credentials"), ("scope", "reports:read complaints:read")];
    oauth_error(token_request(&app, id, secret, &wider).await, StatusCode::BAD_REQUEST, "invalid_scope").await;
    let both = [("grant_type", "client_credentials"), ("client_id", id), ("client_secret", secret)];
    oauth_error(token_request(&app, id, secret, &both).await, StatusCode::BAD_REQUEST, "invalid_request").await;
    let anonymous = app.request(Method::POST, "/api/v1/oauth/token").form(&grant).send().await.unwrap();
    oauth_error(anonymous, StatusCode::UNAUTHORIZED, "invalid_client").await;
    let json_body = app
        .request(Method::POST, "/api/v1/oauth/token")
        .basic_auth(id, Some(secret))
        .json(&json!({ "grant_type": "client_credentials" }))
        .send()
        .await
        .unwrap();
    oauth_error(json_body, StatusCode::BAD_REQUEST, "invalid_request").await;
    // Basic with the same client_id in the form is one method, not two (RFC 6749 §2.3.1, §3.2.1); another id is not.
    let same_id = [("grant_type", "client_credentials"), ("client_id", id)];
    assert_eq!(token_request(&app, id, secret, &same_id).await.status(), StatusCode::OK);
    let other_id = [("grant_type", "client_credentials"), ("client_id", unknown.as_str())];
    oauth_error(token_request(&app, id, secret, &other_id).await, StatusCode::BAD_REQUEST, "invalid_request").await;
    // An expired client token says so.
    let expired = app
        .state
        .access_tokens
        .issue_client(id.parse().unwrap(), "reports:read", chrono::Utc::now() - Duration::hours(1))
        .unwrap();
    let response = call(&app, &expired, Method::GET, "/api/v1/reports/backlog").await;
    assert_problem(response, StatusCode::UNAUTHORIZED, "token_expired").await;
    let response = call(&app, &expired, Method::GET, "/api/v1/complaints").await;
    assert_problem(response, StatusCode::UNAUTHORIZED, "token_expired").await;
    let repeated = app
        .request(Method::POST, "/api/v1/oauth/token")
        .basic_auth(id, Some(secret))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("grant_type=client_credentials&grant_type=client_credentials")
        .send()
        .await
        .unwrap();
    oauth_error(repeated, StatusCode::BAD_REQUEST, "invalid_request").await;
}

#[tokio::test]
async fn deactivation_revocation_and_rotation_act_at_once() {
    let app = spawn_seeded_app().await;
    let admin = app.user(Role::Admin, "SKD-DISKOMINFO").await;
    let client = make_client(&app, &admin, json!({ "name": "Dasbor", "scopes": ["reports:read"] })).await;
    let id = client["client_id"].as_str().unwrap().to_owned();
    let path = format!("/api/v1/api-clients/{id}");
    let live = token_of(&app, &client).await;
    assert_eq!(call(&app, &live, Method::GET, "/api/v1/reports/backlog").await.status(), StatusCode::OK);

    let off = app.authed(Method::PATCH, &path, &admin).json(&json!({ "active": false })).send().await.unwrap();
    assert_eq!(off.status(), StatusCode::OK);
    let refused = call(&app, &live, Method::GET, "/api/v1/reports/backlog").await;
    assert_problem(refused, StatusCode::UNAUTHORIZED, "client_inactive").await;
    let grant = [("grant_type", "client_credentials")];
    let secret = client["client_secret"].as_str().unwrap();
    oauth_error(token_request(&app, &id, secret, &grant).await, StatusCode::UNAUTHORIZED, "invalid_client").await;
    app.authed(Method::PATCH, &path, &admin).json(&json!({ "active": true })).send().await.unwrap();
    assert_eq!(call(&app, &live, Method::GET, "/api/v1/reports/backlog").await.status(), StatusCode::OK);

    // A new secret; the old one keeps working for a day, then not.
    let rotated: Value =
        app.authed(Method::POST, &format!("{path}/rotate-secret"), &admin).send().await.unwrap().json().await.unwrap();
    let new_secret = rotated["client_secret"].as_str().unwrap();
    assert_ne!(new_secret, secret);
    assert!(rotated["previous_secret_valid_until"].is_string());
    assert_eq!(token_request(&app, &id, secret, &grant).await.status(), StatusCode::OK, "the overlap");
    assert_eq!(token_request(&app, &id, new_secret, &grant).await.status(), StatusCode::OK);
    app.state.clock.advance(Duration::hours(24) + Duration::minutes(1));
    oauth_error(token_request(&app, &id, secret, &grant).await, StatusCode::UNAUTHORIZED, "invalid_client").await;

    let fresh = token_request(&app, &id, new_secret, &grant).await.json::<Value>().await.unwrap();
    let fresh = fresh["access_token"].as_str().unwrap().to_owned();
    let revoked = app.authed(Method::POST, &format!("{path}/revoke"), &admin).send().await.unwrap();
    assert_eq!(revoked.status(), StatusCode::OK);
    assert_problem(
        call(&app, &fresh, Method::GET, "/api/v1/reports/backlog").await,
        StatusCode::UNAUTHORIZED,
        "client_inactive",
    )
    .await;
    oauth_error(token_request(&app, &id, new_secret, &grant).await, StatusCode::UNAUTHORIZED, "invalid_client").await;
    let change = app.authed(Method::PATCH, &path, &admin).json(&json!({ "active": true })).send().await.unwrap();
    assert_problem(change, StatusCode::CONFLICT, "api_client_revoked").await;
}

#[tokio::test]
async fn only_a_pemdas_admins_manage_its_clients_and_each_client_has_its_own_rate_limit() {
    let app = spawn_seeded_app().await;
    let admin = app.user(Role::Admin, "SKD-DISKOMINFO").await;
    let operator = app.user(Role::OpdOperator, "SKD-PUPR").await;
    let body = json!({ "name": "Bot", "scopes": ["reports:read"] });
    let refused = app.authed(Method::POST, "/api/v1/api-clients", &operator).json(&body).send().await.unwrap();
    assert_problem(refused, StatusCode::FORBIDDEN, "forbidden").await;
    let leader = app.user(Role::Leader, "SKD").await;
    let refused = app.authed(Method::GET, "/api/v1/api-clients", &leader).send().await.unwrap();
    assert_problem(refused, StatusCode::FORBIDDEN, "forbidden").await;

    for bad in [
        json!({ "name": "Bot", "scopes": [] }),
        json!({ "name": "Bot", "scopes": ["admin"] }),
        json!({ "name": " ", "scopes": ["reports:read"] }),
        json!({ "name": "WA bot", "scopes": ["complaints:write"] }),
        json!({ "name": "Bot", "scopes": ["reports:read"], "channel": "whatsapp" }),
        json!({ "name": "Bot", "scopes": ["reports:read"], "rate_limit_per_minute": 0 }),
    ] {
        let response = app.authed(Method::POST, "/api/v1/api-clients", &admin).json(&bad).send().await.unwrap();
        assert_problem(response, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    }

    let client =
        make_client(&app, &admin, json!({ "name": "Bot", "scopes": ["reports:read"], "rate_limit_per_minute": 2 }))
            .await;
    let path = format!("/api/v1/api-clients/{}", client["id"].as_str().unwrap());
    for (method, action) in [
        (Method::GET, path.clone()),
        (Method::PATCH, path.clone()),
        (Method::POST, format!("{path}/rotate-secret")),
        (Method::POST, format!("{path}/revoke")),
    ] {
        let refused = app.authed(method, &action, &operator).json(&json!({ "active": false })).send().await.unwrap();
        assert_problem(refused, StatusCode::FORBIDDEN, "forbidden").await;
    }
    let other_pemda = app.user(Role::Admin, "SAG").await;
    let hidden = app
        .authed(Method::GET, &format!("/api/v1/api-clients/{}", client["id"].as_str().unwrap()), &other_pemda)
        .send()
        .await
        .unwrap();
    assert_problem(hidden, StatusCode::NOT_FOUND, "not_found").await;

    let token = token_of(&app, &client).await;
    for _ in 0..2 {
        assert_eq!(call(&app, &token, Method::GET, "/api/v1/reports/backlog").await.status(), StatusCode::OK);
    }
    let limited = call(&app, &token, Method::GET, "/api/v1/reports/backlog").await;
    assert_problem(limited, StatusCode::TOO_MANY_REQUESTS, "too_many_requests").await;
}

#[tokio::test]
async fn a_complaints_read_client_reads_its_pemdas_complaints_without_confidential_text_or_identity() {
    let app = spawn_seeded_app().await;
    let admin = app.user(Role::Admin, "SKD-DISKOMINFO").await;
    let open = crate::complaints::filed(&app, &crate::complaints::report()).await;
    let mut secret_report = crate::complaints::report();
    secret_report["confidential"] = json!(true);
    secret_report["title"] = json!("Pungutan liar di kantor desa");
    let confidential = crate::complaints::filed(&app, &secret_report).await;
    let client = make_client(&app, &admin, json!({ "name": "Dasbor", "scopes": ["complaints:read"] })).await;
    let token = token_of(&app, &client).await;

    let list = call(&app, &token, Method::GET, "/api/v1/complaints?limit=100").await;
    assert_eq!(list.status(), StatusCode::OK);
    let list: Value = list.json().await.unwrap();
    let items = list["items"].as_array().unwrap();
    let find = |code: &Value| items.iter().find(|item| item["tracking_code"] == *code).cloned().unwrap();
    assert_eq!(find(&open["tracking_code"])["title"], "Jalan rusak di Desa Mungguk");
    let hidden = find(&confidential["tracking_code"]);
    assert_eq!((hidden["title"].as_str(), hidden["body"].as_str()), (Some("(rahasia)"), Some("")));
    assert!(
        !list.to_string().contains("Budi") && !list.to_string().contains("Pungutan"),
        "no identity, no secret text"
    );

    let id = crate::complaints::id_of(&app, &open).await;
    let detail = call(&app, &token, Method::GET, &format!("/api/v1/complaints/{id}")).await;
    assert_eq!(detail.status(), StatusCode::OK);
    assert!(detail.headers().contains_key("etag"));
    let reporter = call(&app, &token, Method::GET, &format!("/api/v1/complaints/{id}/reporter")).await;
    assert_problem(reporter, StatusCode::FORBIDDEN, "insufficient_scope").await;
    let supervision = call(&app, &token, Method::GET, "/api/v1/complaints?supervision=true").await;
    assert_problem(supervision, StatusCode::FORBIDDEN, "forbidden").await;

    // Another Pemda's client sees none of it; a reports-only client may not list complaints.
    let sanggau_admin = app.user(Role::Admin, "SAG").await;
    let sanggau = make_client(&app, &sanggau_admin, json!({ "name": "Lain", "scopes": ["complaints:read"] })).await;
    let sanggau = token_of(&app, &sanggau).await;
    let elsewhere: Value = call(&app, &sanggau, Method::GET, "/api/v1/complaints").await.json().await.unwrap();
    assert_eq!(elsewhere["items"], json!([]));
    assert_problem(
        call(&app, &sanggau, Method::GET, &format!("/api/v1/complaints/{id}")).await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    let reports_only = make_client(&app, &admin, json!({ "name": "Laporan", "scopes": ["reports:read"] })).await;
    let reports_only = token_of(&app, &reports_only).await;
    assert_problem(
        call(&app, &reports_only, Method::GET, "/api/v1/complaints").await,
        StatusCode::FORBIDDEN,
        "insufficient_scope",
    )
    .await;
}

#[tokio::test]
async fn a_complaints_write_client_files_into_its_pemda_under_its_fixed_channel() {
    let app = spawn_seeded_app().await;
    let admin = app.user(Role::Admin, "SKD-DISKOMINFO").await;
    let bot = make_client(
        &app,
        &admin,
        json!({ "name": "Bot WhatsApp", "scopes": ["complaints:write"], "channel": "whatsapp" }),
    )
    .await;
    let token = token_of(&app, &bot).await;
    let file = |body: Value| app.request(Method::POST, "/api/v1/complaints").bearer_auth(&token).json(&body).send();

    let mut body = crate::complaints::report();
    body["reporter"]["name"] = json!("Siti Rahmawati");
    let response = app
        .request(Method::POST, "/api/v1/complaints")
        .bearer_auth(&token)
        .header("idempotency-key", "wa-0001")
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::CREATED, "{:?}", response.text().await);
    let made: Value = response.json().await.unwrap();
    assert_eq!(made["complaint"]["channel"], "whatsapp");
    assert!(made["reporter_secret"].is_string());
    assert!(!made.to_string().contains("Siti"), "never the reporter, even to the client that filed: {made}");
    let replay = app
        .request(Method::POST, "/api/v1/complaints")
        .bearer_auth(&token)
        .header("idempotency-key", "wa-0001")
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(replay.headers()["idempotent-replayed"], "true");
    let replayed: Value = replay.json().await.unwrap();
    assert_eq!(replayed["complaint"]["id"], made["complaint"]["id"]);
    let id: uuid::Uuid = made["complaint"]["id"].as_str().unwrap().parse().unwrap();
    let mut conn = app.conn().await;
    let stored = pengaduan::db::complaints::find(&mut conn, id).await.unwrap().unwrap();
    assert_eq!(stored.created_by, None);
    assert!(pengaduan::db::complaints::reporter(&mut conn, id).await.unwrap().is_some(), "sealed and kept");

    let mut wrong_channel = crate::complaints::report();
    wrong_channel["channel"] = json!("sms");
    let refused =
        assert_problem(file(wrong_channel).await.unwrap(), StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    assert_eq!(refused.await["errors"][0]["code"], "fixed_channel");
    let mut supervision = crate::complaints::report();
    supervision["supervision"] = json!(true);
    let refused =
        assert_problem(file(supervision).await.unwrap(), StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    assert_eq!(refused.await["errors"][0]["field"], "supervision");
    let mut elsewhere = crate::complaints::report();
    elsewhere["pemda_code"] = json!("SAG");
    let refused = assert_problem(file(elsewhere).await.unwrap(), StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    assert_eq!(refused.await["errors"][0]["code"], "other_pemda");

    let reader = make_client(&app, &admin, json!({ "name": "Dasbor", "scopes": ["complaints:read"] })).await;
    let reader_token = token_of(&app, &reader).await;
    let refused = app
        .request(Method::POST, "/api/v1/complaints")
        .bearer_auth(&reader_token)
        .json(&crate::complaints::report())
        .send()
        .await
        .unwrap();
    assert_problem(refused, StatusCode::FORBIDDEN, "insufficient_scope").await;
}

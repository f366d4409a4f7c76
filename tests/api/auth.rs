use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::Utc;
use pengaduan::domain::ids::{SessionId, UserId};
use pengaduan::domain::role::Role;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{PASSWORD, assert_problem, error_fields, eventually, spawn_app_with, spawn_seeded_app};

#[tokio::test]
async fn signing_in_returns_a_bearer_token_pair() {
    let app = spawn_seeded_app().await;
    let user = app.user(Role::OpdOperator, "SKD-PUPR").await;
    let response = app.login(&user.email.to_uppercase(), PASSWORD).await;
    assert_eq!(response.status(), StatusCode::OK);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["expires_in"], 900);
    assert!(body["access_token"].as_str().unwrap().split('.').count() == 3);
    assert!(body["refresh_token"].as_str().unwrap().len() >= 43);
}

#[tokio::test]
async fn a_wrong_password_and_an_unknown_email_get_the_same_answer() {
    let app = spawn_seeded_app().await;
    let user = app.user(Role::Admin, "SKD-DISKOMINFO").await;
    let wrong = app.login(&user.email, "not the password at all").await;
    let wrong = assert_problem(wrong, StatusCode::UNAUTHORIZED, "invalid_credentials").await;
    let unknown = app.login("nobody@sekadaukab.go.id", PASSWORD).await;
    let unknown = assert_problem(unknown, StatusCode::UNAUTHORIZED, "invalid_credentials").await;
    assert_eq!(wrong, unknown);
}

#[tokio::test]
async fn login_validates_its_fields() {
    let app = spawn_seeded_app().await;
    let response = app
        .request(Method::POST, "/api/v1/auth/login")
        .json(&json!({ "email": "", "password": "" }))
        .send()
        .await
        .unwrap();
    let problem = assert_problem(response, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    assert_eq!(error_fields(&problem), ["email", "password"]);
}

#[tokio::test]
async fn repeated_failures_for_one_account_are_throttled_with_retry_after() {
    let app = spawn_app_with(|s| s.login_failures_per_account = 3).await;
    let mut conn = app.conn().await;
    pengaduan::services::seed::seed(&mut conn).await.unwrap();
    let user = app.user(Role::Leader, "SKD").await;
    for _ in 0..3 {
        assert_eq!(app.login(&user.email, "wrong password!").await.status(), StatusCode::UNAUTHORIZED);
    }
    let throttled = app.login(&user.email, PASSWORD).await;
    let retry_after: u64 = throttled.headers().get("retry-after").unwrap().to_str().unwrap().parse().unwrap();
    assert!((1..=900).contains(&retry_after));
    assert_problem(throttled, StatusCode::TOO_MANY_REQUESTS, "too_many_requests").await;
}

#[tokio::test]
async fn repeated_failures_from_one_address_are_throttled_across_accounts() {
    let app = spawn_app_with(|s| s.login_failures_per_ip = 3).await;
    for i in 0..3 {
        let response = app.login(&format!("guess{i}@sekadaukab.go.id"), "wrong password!").await;
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    }
    let throttled = app.login("another@sekadaukab.go.id", "wrong password!").await;
    assert!(throttled.headers().contains_key("retry-after"));
    assert_problem(throttled, StatusCode::TOO_MANY_REQUESTS, "too_many_requests").await;
}

#[tokio::test]
async fn requests_without_a_valid_token_are_refused() {
    let app = spawn_seeded_app().await;
    let user = app.user(Role::Admin, "SKD-DISKOMINFO").await;
    let keys = &app.state.access_tokens;

    let missing = app.request(Method::GET, "/api/v1/me").send().await.unwrap();
    assert_eq!(missing.headers().get("www-authenticate").unwrap(), "Bearer");
    assert_problem(missing, StatusCode::UNAUTHORIZED, "missing_token").await;

    let basic = app.request(Method::GET, "/api/v1/me").header("authorization", "Basic YTpi").send().await.unwrap();
    assert_problem(basic, StatusCode::UNAUTHORIZED, "invalid_token").await;

    let garbage = app.request(Method::GET, "/api/v1/me").bearer_auth("not.a.jwt").send().await.unwrap();
    assert_problem(garbage, StatusCode::UNAUTHORIZED, "invalid_token").await;

    let session = first_session(&app, user.id).await;
    let expired = keys.issue(UserId(user.id), session, Utc::now() - chrono::Duration::hours(1)).unwrap();
    let response = app.request(Method::GET, "/api/v1/me").bearer_auth(expired).send().await.unwrap();
    assert_problem(response, StatusCode::UNAUTHORIZED, "token_expired").await;

    let parts: Vec<&str> = user.access_token.split('.').collect();
    let none_header = URL_SAFE_NO_PAD.encode(br#"{"alg":"none","typ":"JWT"}"#);
    let alg_none = format!("{none_header}.{}.", parts[1]);
    let response = app.request(Method::GET, "/api/v1/me").bearer_auth(alg_none).send().await.unwrap();
    assert_problem(response, StatusCode::UNAUTHORIZED, "invalid_token").await;

    let other_key = pengaduan::auth::tokens::AccessTokens::new(
        &pengaduan::config::Secret::new("another-key-".repeat(4)),
        std::time::Duration::from_secs(900),
    );
    let wrongly_signed = other_key.issue(UserId(user.id), session, Utc::now()).unwrap();
    let response = app.request(Method::GET, "/api/v1/me").bearer_auth(wrongly_signed).send().await.unwrap();
    assert_problem(response, StatusCode::UNAUTHORIZED, "invalid_token").await;

    let mut claims: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[1]).unwrap()).unwrap();
    claims["exp"] = json!(claims["exp"].as_i64().unwrap() + 86_400);
    let tampered = format!("{}.{}.{}", parts[0], URL_SAFE_NO_PAD.encode(claims.to_string()), parts[2]);
    let response = app.request(Method::GET, "/api/v1/me").bearer_auth(tampered).send().await.unwrap();
    assert_problem(response, StatusCode::UNAUTHORIZED, "invalid_token").await;

    let fine = app.authed(Method::GET, "/api/v1/me", &user).send().await.unwrap();
    assert_eq!(fine.status(), StatusCode::OK);
}

#[tokio::test]
async fn me_shows_the_account_and_its_unit_but_never_the_password_hash() {
    let app = spawn_seeded_app().await;
    let user = app.user(Role::OpdOfficial, "SKD-DINKES").await;
    let response = app.authed(Method::GET, "/api/v1/me", &user).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["user"]["email"], user.email);
    assert_eq!(body["user"]["role"], "opd_official");
    assert_eq!(body["unit"]["code"], "SKD-DINKES");
    assert!(!body.to_string().contains("argon2"));
}

#[tokio::test]
async fn a_refresh_rotates_the_pair_and_a_reused_refresh_token_ends_the_session() {
    let app = spawn_seeded_app().await;
    let user = app.user(Role::Inspector, "SKD-INSPEKTORAT").await;

    let first = refresh(&app, &user.refresh_token).await;
    assert_eq!(first.status(), StatusCode::OK);
    let pair: Value = first.json().await.unwrap();
    let new_refresh = pair["refresh_token"].as_str().unwrap().to_owned();
    let new_access = pair["access_token"].as_str().unwrap().to_owned();
    assert_ne!(new_refresh, user.refresh_token);
    let me = app.request(Method::GET, "/api/v1/me").bearer_auth(&new_access).send().await.unwrap();
    assert_eq!(me.status(), StatusCode::OK);

    let replay = refresh(&app, &user.refresh_token).await;
    assert_problem(replay, StatusCode::UNAUTHORIZED, "refresh_token_reused").await;

    // The whole family is gone: the rotated token and the session's access tokens too.
    let after = refresh(&app, &new_refresh).await;
    assert_problem(after, StatusCode::UNAUTHORIZED, "session_revoked").await;
    let me = app.request(Method::GET, "/api/v1/me").bearer_auth(&new_access).send().await.unwrap();
    assert_problem(me, StatusCode::UNAUTHORIZED, "session_revoked").await;
}

#[tokio::test]
async fn an_unknown_refresh_token_is_refused() {
    let app = spawn_seeded_app().await;
    let response = refresh(&app, "made-up-token").await;
    assert_problem(response, StatusCode::UNAUTHORIZED, "invalid_refresh_token").await;
    let empty =
        app.request(Method::POST, "/api/v1/auth/refresh").json(&json!({ "refresh_token": "" })).send().await.unwrap();
    assert_problem(empty, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
}

#[tokio::test]
async fn an_expired_refresh_token_says_so_for_thirty_days_then_is_forgotten() {
    let app = spawn_app_with(|settings| settings.run_jobs = false).await;
    pengaduan::services::seed::seed(&mut app.conn().await).await.unwrap();
    let user = app.user(Role::Admin, "SKD-DISKOMINFO").await;
    app.state.clock.advance(chrono::Duration::days(14) + chrono::Duration::minutes(1));
    pengaduan::jobs::housekeeping::run(&app.state).await.unwrap();
    let expired = refresh(&app, &user.refresh_token).await;
    assert_problem(expired, StatusCode::UNAUTHORIZED, "refresh_token_expired").await;

    app.state.clock.advance(chrono::Duration::days(29));
    let report = pengaduan::jobs::housekeeping::run(&app.state).await.unwrap().unwrap();
    assert_eq!(report.refresh_tokens, 0, "kept for 30 days after it expired");
    assert_problem(refresh(&app, &user.refresh_token).await, StatusCode::UNAUTHORIZED, "refresh_token_expired").await;

    app.state.clock.advance(chrono::Duration::days(1));
    let report = pengaduan::jobs::housekeeping::run(&app.state).await.unwrap().unwrap();
    assert_eq!(report.refresh_tokens, 1);
    assert_problem(refresh(&app, &user.refresh_token).await, StatusCode::UNAUTHORIZED, "invalid_refresh_token").await;
}

#[tokio::test]
async fn logging_out_ends_the_session_at_once() {
    let app = spawn_seeded_app().await;
    let user = app.user(Role::ActionPlanReviewer, "SKD-BAGORG").await;
    let response = app.authed(Method::POST, "/api/v1/auth/logout", &user).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    let me = app.authed(Method::GET, "/api/v1/me", &user).send().await.unwrap();
    assert_problem(me, StatusCode::UNAUTHORIZED, "session_revoked").await;
    let again = refresh(&app, &user.refresh_token).await;
    assert_problem(again, StatusCode::UNAUTHORIZED, "session_revoked").await;
    let anonymous = app.request(Method::POST, "/api/v1/auth/logout").send().await.unwrap();
    assert_problem(anonymous, StatusCode::UNAUTHORIZED, "missing_token").await;
}

#[tokio::test]
async fn a_deactivated_account_is_refused_at_once_even_with_a_valid_token() {
    let app = spawn_seeded_app().await;
    let admin = app.user(Role::Admin, "SKD-DISKOMINFO").await;
    let operator = app.user(Role::OpdOperator, "SKD-BPBD").await;
    let response = app
        .authed(Method::PATCH, &format!("/api/v1/users/{}", operator.id), &admin)
        .json(&json!({ "active": false }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);

    let me = app.authed(Method::GET, "/api/v1/me", &operator).send().await.unwrap();
    assert_problem(me, StatusCode::UNAUTHORIZED, "account_inactive").await;
    let login = app.login(&operator.email, PASSWORD).await;
    assert_problem(login, StatusCode::UNAUTHORIZED, "account_inactive").await;
    let refreshed = refresh(&app, &operator.refresh_token).await;
    assert_problem(refreshed, StatusCode::UNAUTHORIZED, "account_inactive").await;
}

#[tokio::test]
async fn changing_the_password_ends_the_other_sessions_only() {
    let app = spawn_seeded_app().await;
    let user = app.user(Role::OpdOperator, "SKD-DUKCAPIL").await;
    let other: Value = app.login(&user.email, PASSWORD).await.json().await.unwrap();
    let other_token = other["access_token"].as_str().unwrap();

    let response = app
        .authed(Method::PUT, "/api/v1/me/password", &user)
        .json(&json!({ "current_password": PASSWORD, "new_password": "sandi baru yang panjang" }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::NO_CONTENT);

    assert_eq!(app.authed(Method::GET, "/api/v1/me", &user).send().await.unwrap().status(), StatusCode::OK);
    let other_me = app.request(Method::GET, "/api/v1/me").bearer_auth(other_token).send().await.unwrap();
    assert_problem(other_me, StatusCode::UNAUTHORIZED, "session_revoked").await;
    assert_eq!(app.login(&user.email, PASSWORD).await.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(app.login(&user.email, "sandi baru yang panjang").await.status(), StatusCode::OK);
}

#[tokio::test]
async fn a_password_change_needs_the_current_password_and_a_strong_new_one() {
    let app = spawn_seeded_app().await;
    let user = app.user(Role::Leader, "SKD").await;
    let wrong = app
        .authed(Method::PUT, "/api/v1/me/password", &user)
        .json(&json!({ "current_password": "not it at all", "new_password": "sandi baru yang panjang" }))
        .send()
        .await
        .unwrap();
    let problem = assert_problem(wrong, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    assert_eq!(error_fields(&problem), ["current_password"]);

    let weak = app
        .authed(Method::PUT, "/api/v1/me/password", &user)
        .json(&json!({ "current_password": PASSWORD, "new_password": "short" }))
        .send()
        .await
        .unwrap();
    let problem = assert_problem(weak, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    assert_eq!(error_fields(&problem), ["new_password"]);

    let anonymous = app.request(Method::PUT, "/api/v1/me/password").json(&json!({})).send().await.unwrap();
    assert_problem(anonymous, StatusCode::UNAUTHORIZED, "missing_token").await;
}

async fn refresh(app: &crate::helpers::TestApp, token: &str) -> reqwest::Response {
    app.request(Method::POST, "/api/v1/auth/refresh").json(&json!({ "refresh_token": token })).send().await.unwrap()
}

async fn first_session(app: &crate::helpers::TestApp, user: uuid::Uuid) -> SessionId {
    use diesel::prelude::*;
    use diesel_async::RunQueryDsl;
    use pengaduan::db::schema::sessions;
    let mut conn = app.conn().await;
    let id: uuid::Uuid =
        sessions::table.filter(sessions::user_id.eq(user)).select(sessions::id).first(&mut conn).await.unwrap();
    SessionId(id)
}

/// Sessions are remembered between requests; a change made outside this process (another instance, the command
/// line, an administrator's SQL) reaches it through PostgreSQL's NOTIFY, and one made through this process acts on
/// its very next request.
#[tokio::test]
async fn remembered_sessions_are_forgotten_when_the_database_changes_them() {
    use diesel_async::RunQueryDsl;
    let app = spawn_seeded_app().await;
    let admin = app.user(Role::Admin, "SKD-DISKOMINFO").await;
    let operator = app.user(Role::OpdOperator, "SKD-PUPR").await;
    let claims = app.state.access_tokens.verify(&operator.access_token).unwrap();
    let remembered = || app.state.sessions.get(claims.sub, claims.sid).is_some();
    let me = || async { app.authed(Method::GET, "/api/v1/me", &operator).send().await.unwrap() };

    // The listener connects in the background; once it listens, a request leaves the session remembered.
    eventually(|| async { me().await.status() == StatusCode::OK && remembered() }, "the session is remembered").await;

    // Outside the service: the notice must arrive and the next request must see the deactivation.
    let mut conn = app.conn().await;
    diesel::sql_query(format!("UPDATE users SET active = false WHERE id = '{}'", claims.sub))
        .execute(&mut conn)
        .await
        .unwrap();
    eventually(|| async { !remembered() }, "the notice made the process forget").await;
    assert_problem(me().await, StatusCode::UNAUTHORIZED, "account_inactive").await;

    // Through the service: its own next request sees the change, with no wait.
    diesel::sql_query(format!("UPDATE users SET active = true WHERE id = '{}'", claims.sub))
        .execute(&mut conn)
        .await
        .unwrap();
    eventually(|| async { me().await.status() == StatusCode::OK && remembered() }, "remembered again").await;
    let user_id = claims.sub;
    let current = app.authed(Method::GET, &format!("/api/v1/users/{user_id}"), &admin).send().await.unwrap();
    let etag = current.headers().get("etag").unwrap().clone();
    let deactivate = app
        .authed(Method::PATCH, &format!("/api/v1/users/{user_id}"), &admin)
        .header("if-match", etag)
        .json(&json!({ "active": false }))
        .send()
        .await
        .unwrap();
    assert_eq!(deactivate.status(), StatusCode::OK);
    assert_problem(me().await, StatusCode::UNAUTHORIZED, "account_inactive").await;
}

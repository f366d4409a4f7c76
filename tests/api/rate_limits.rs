//! Rate limits that nobody can turn against staff, kept in PostgreSQL, and the IETF RateLimit fields that announce
//! them. Client addresses are set with `X-Forwarded-For` (the tests trust it, as a deployment behind a proxy does).

use chrono::Duration;
use pengaduan::config::Secret;
use pengaduan::domain::role::Role;
use pengaduan::startup::Application;
use reqwest::{Method, Response, StatusCode};
use serde_json::json;

use crate::attachments::{PNG, upload};
use crate::complaints::{file, filed, report};
use crate::helpers::{PASSWORD, TestApp, assert_problem, spawn_app_with, test_settings};

async fn app(configure: impl FnOnce(&mut pengaduan::config::Settings)) -> TestApp {
    let app = spawn_app_with(|settings| {
        settings.trust_forwarded_for = true;
        settings.run_jobs = false;
        configure(settings);
    })
    .await;
    pengaduan::services::seed::seed(&mut app.conn().await).await.unwrap();
    app
}

async fn login_from(base: &str, address: &str, email: &str, password: &str) -> Response {
    crate::helpers::http_client()
        .post(format!("{base}/api/v1/auth/login"))
        .header("x-forwarded-for", address)
        .json(&json!({ "email": email, "password": password }))
        .send()
        .await
        .unwrap()
}

fn field(response: &Response, name: &str) -> String {
    response.headers().get(name).unwrap_or_else(|| panic!("no {name}")).to_str().unwrap().to_owned()
}

#[tokio::test]
async fn an_attacker_elsewhere_cannot_keep_staff_out() {
    let app = app(|_| {}).await;
    let admin = app.user(Role::Admin, "SKD-DISKOMINFO").await;
    let office = "10.1.1.1";
    assert_eq!(login_from(&app.address, office, &admin.email, PASSWORD).await.status(), StatusCode::OK);

    for _ in 0..5 {
        // Past each growing delay, so that every guess is judged.
        app.state.clock.advance(Duration::minutes(1));
        let guess = login_from(&app.address, "203.0.113.9", &admin.email, "tebakan yang salah").await;
        assert_eq!(guess.status(), StatusCode::UNAUTHORIZED);
    }
    let locked = login_from(&app.address, "203.0.113.9", &admin.email, PASSWORD).await;
    assert_problem(locked, StatusCode::TOO_MANY_REQUESTS, "too_many_requests").await;

    let from_the_office = login_from(&app.address, office, &admin.email, PASSWORD).await;
    assert_eq!(from_the_office.status(), StatusCode::OK, "the address the admin signs in from stays open");

    let from_home = login_from(&app.address, "198.51.100.7", &admin.email, PASSWORD).await;
    assert_eq!(from_home.status(), StatusCode::TOO_MANY_REQUESTS, "a new address waits while the account is attacked");
    let wait: i64 = field(&from_home, "retry-after").parse().unwrap();
    assert!((1..=60).contains(&wait), "a delay of at most a minute, never a lock: {wait}");
    app.state.clock.advance(Duration::seconds(wait));
    let later = login_from(&app.address, "198.51.100.7", &admin.email, PASSWORD).await;
    assert_eq!(later.status(), StatusCode::OK);
}

#[tokio::test]
async fn a_whole_office_behind_one_address_is_not_locked_out_by_one_colleague() {
    let app = app(|settings| settings.login_failures_per_ip = 5).await;
    let careless = app.user(Role::OpdOperator, "SKD-PUPR").await;
    let colleague = app.user(Role::OpdOfficial, "SKD-PUPR").await;
    let office = "10.2.2.2";
    assert_eq!(login_from(&app.address, office, &colleague.email, PASSWORD).await.status(), StatusCode::OK);
    for _ in 0..5 {
        app.state.clock.advance(Duration::minutes(1));
        let failed = login_from(&app.address, office, &careless.email, "lupa kata sandi").await;
        assert_eq!(failed.status(), StatusCode::UNAUTHORIZED);
    }
    let careless_again = login_from(&app.address, office, &careless.email, PASSWORD).await;
    assert_eq!(careless_again.status(), StatusCode::TOO_MANY_REQUESTS, "the pair that failed is locked");
    let colleague_again = login_from(&app.address, office, &colleague.email, PASSWORD).await;
    assert_eq!(colleague_again.status(), StatusCode::OK, "colleagues who signed in from there before are not");
    let stranger = login_from(&app.address, office, "orang.lain@sekadaukab.go.id", "apa saja").await;
    assert_eq!(stranger.status(), StatusCode::TOO_MANY_REQUESTS, "new accounts from a failing address wait");
}

#[tokio::test]
async fn sign_in_answers_carry_the_ratelimit_fields() {
    let app = app(|_| {}).await;
    let user = app.user(Role::Leader, "SKD").await;
    let failed = login_from(&app.address, "10.3.3.3", &user.email, "salah").await;
    assert_eq!(failed.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(field(&failed, "ratelimit-policy"), r#""login";q=5;w=900"#);
    assert_eq!(field(&failed, "ratelimit"), r#""login";r=4;t=900"#);
    let signed_in = login_from(&app.address, "10.3.3.3", &user.email, PASSWORD).await;
    assert_eq!(signed_in.status(), StatusCode::OK);
    assert_eq!(field(&signed_in, "ratelimit"), r#""login";r=5;t=0"#, "a success clears the pair's failures");
}

#[tokio::test]
async fn failures_are_shared_by_every_instance_and_survive_a_restart() {
    let app = app(|settings| settings.login_failures_per_account = 2).await;
    let user = app.user(Role::Leader, "SKD").await;
    for _ in 0..2 {
        login_from(&app.address, "10.4.4.4", &user.email, "salah").await;
    }
    let mut settings = test_settings();
    settings.trust_forwarded_for = true;
    settings.run_jobs = false;
    settings.login_failures_per_account = 2;
    let other = Application::build(settings, &Secret::new(app.database.url.clone())).await.unwrap();
    let other_base = format!("http://127.0.0.1:{}", other.port());
    let server = tokio::spawn(other.run_until_stopped());
    let refused = login_from(&other_base, "10.4.4.4", &user.email, PASSWORD).await;
    assert_problem(refused, StatusCode::TOO_MANY_REQUESTS, "too_many_requests").await;
    server.abort();
}

#[tokio::test]
async fn public_endpoints_announce_and_enforce_their_allowances() {
    let app = app(|settings| {
        settings.public_intake_per_hour = 2;
        settings.tracking_lookups_per_minute = 2;
    })
    .await;
    let first = file(&app, &report()).await;
    assert_eq!(first.status(), StatusCode::CREATED);
    assert_eq!(field(&first, "ratelimit-policy"), r#""intake";q=2;w=3600"#);
    assert_eq!(field(&first, "ratelimit"), r#""intake";r=1;t=3600"#);
    let receipt = filed(&app, &report()).await;
    let third = file(&app, &report()).await;
    assert_eq!(field(&third, "ratelimit"), r#""intake";r=0;t=3600"#);
    assert_problem(third, StatusCode::TOO_MANY_REQUESTS, "too_many_requests").await;

    let code = receipt["tracking_code"].as_str().unwrap();
    let lookup = || app.request(Method::GET, &format!("/api/v1/public/complaints/{code}")).send();
    let looked = lookup().await.unwrap();
    assert_eq!(looked.status(), StatusCode::OK);
    assert_eq!(field(&looked, "ratelimit-policy"), r#""tracking";q=2;w=60"#);
    assert_eq!(lookup().await.unwrap().status(), StatusCode::OK);
    let refused = lookup().await.unwrap();
    assert!(field(&refused, "retry-after").parse::<u64>().unwrap() <= 60);
    assert_problem(refused, StatusCode::TOO_MANY_REQUESTS, "too_many_requests").await;
    app.state.clock.advance(Duration::seconds(60));
    assert_eq!(lookup().await.unwrap().status(), StatusCode::OK, "a new window");

    let uploaded = upload(&app, PNG, "bukti.png", None).await;
    assert_eq!(uploaded.status(), StatusCode::CREATED);
    assert_eq!(field(&uploaded, "ratelimit-policy"), r#""upload";q=10;w=3600"#);
}

//! Webhooks: subscriptions receive the changes of their Pemda as Standard Webhooks messages, each checked here by an
//! independent verifier (the `standardwebhooks` crate); failures are retried on schedule and logged, deliveries can
//! be sent again, rotation signs with both secrets, failing endpoints are switched off, and targets stay public.

use std::sync::atomic::{AtomicU16, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use chrono::Duration;
use pengaduan::domain::role::Role;
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use standardwebhooks::Webhook;

use crate::api_clients::{make_client, token_of};
use crate::complaints::{filed, id_of, report};
use crate::helpers::{TestApp, TestUser, assert_problem, eventually, spawn_app_with};

/// One request that reached the receiver.
#[derive(Clone, Debug)]
struct Received {
    headers: HeaderMap,
    body: String,
}

impl Received {
    fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap()
    }

    fn header(&self, name: &str) -> &str {
        self.headers[name].to_str().unwrap()
    }
}

/// An HTTP server on 127.0.0.1 that keeps every request and answers with a status the test sets.
struct Receiver {
    url: String,
    received: Arc<Mutex<Vec<Received>>>,
    status: Arc<AtomicU16>,
    /// Seconds sent as `Retry-After` with a failure (0: none).
    retry_after: Arc<AtomicU64>,
}

impl Receiver {
    async fn start() -> Receiver {
        let received: Arc<Mutex<Vec<Received>>> = Arc::default();
        let status = Arc::new(AtomicU16::new(204));
        let retry_after = Arc::new(AtomicU64::new(0));
        let (kept, answer, wait) = (received.clone(), status.clone(), retry_after.clone());
        let server = HttpServer::new(move || {
            let (kept, answer, wait) = (kept.clone(), answer.clone(), wait.clone());
            App::new().default_service(web::to(move |req: HttpRequest, body: web::Bytes| {
                let (kept, answer, wait) = (kept.clone(), answer.clone(), wait.clone());
                async move {
                    // Converted to the `http` 1 header map the verifier takes.
                    let mut headers = HeaderMap::new();
                    for (name, value) in req.headers() {
                        headers.append(
                            HeaderName::from_bytes(name.as_str().as_bytes()).unwrap(),
                            HeaderValue::from_bytes(value.as_bytes()).unwrap(),
                        );
                    }
                    let body = String::from_utf8(body.to_vec()).unwrap();
                    kept.lock().unwrap().push(Received { headers, body });
                    let status = actix_web::http::StatusCode::from_u16(answer.load(Ordering::SeqCst)).unwrap();
                    let mut response = HttpResponse::build(status);
                    let wait = wait.load(Ordering::SeqCst);
                    if wait > 0 && !status.is_success() {
                        response.insert_header(("retry-after", wait.to_string()));
                    }
                    response.finish()
                }
            }))
        })
        .workers(1)
        .bind("127.0.0.1:0")
        .unwrap();
        let port = server.addrs()[0].port();
        tokio::spawn(server.run());
        Receiver { url: format!("http://127.0.0.1:{port}/hooks/pengaduan"), received, status, retry_after }
    }

    fn answer(&self, status: u16) {
        self.status.store(status, Ordering::SeqCst);
    }

    fn retry_after(&self, seconds: u64) {
        self.retry_after.store(seconds, Ordering::SeqCst);
    }

    fn all(&self) -> Vec<Received> {
        self.received.lock().unwrap().clone()
    }

    /// Waits until some request satisfies `found`, and returns it.
    async fn until(&self, what: &str, found: impl Fn(&Received) -> bool) -> Received {
        eventually(|| async { self.all().iter().any(&found) }, what).await;
        self.all().into_iter().find(|one| found(one)).unwrap()
    }
}

async fn app_allowing_private_targets() -> TestApp {
    let app = spawn_app_with(|settings| {
        settings.webhook_allow_private = true;
        settings.public_intake_per_hour = 1000;
    })
    .await;
    let mut conn = app.conn().await;
    pengaduan::services::seed::seed(&mut conn).await.expect("seed");
    app
}

async fn subscribe(app: &TestApp, admin: &TestUser, url: &str, types: &[&str]) -> Value {
    let response = app
        .authed(Method::POST, "/api/v1/webhooks", admin)
        .json(&json!({ "url": url, "event_types": types, "description": "Dasbor uji" }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::CREATED, "{:?}", response.text().await);
    assert!(response.headers()["location"].to_str().unwrap().starts_with("/api/v1/webhooks/"));
    response.json().await.unwrap()
}

async fn get(app: &TestApp, user: &TestUser, path: &str) -> Value {
    let response = app.authed(Method::GET, path, user).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK, "{path}: {:?}", response.text().await);
    response.json().await.unwrap()
}

/// The deliveries of a subscription, newest first.
async fn deliveries(app: &TestApp, admin: &TestUser, webhook: &Value) -> Vec<Value> {
    let page =
        get(app, admin, &format!("/api/v1/webhooks/{}/deliveries?limit=100", webhook["id"].as_str().unwrap())).await;
    page["items"].as_array().unwrap().clone()
}

fn verifies(secret: &str, message: &Received) -> bool {
    Webhook::new(secret).unwrap().verify(message.body.as_bytes(), &message.headers).is_ok()
}

#[tokio::test]
async fn a_subscription_receives_its_pemdas_changes_signed_and_checked_by_an_independent_verifier() {
    let app = app_allowing_private_targets().await;
    let admin = app.user(Role::Admin, "SKD-DISKOMINFO").await;
    let receiver = Receiver::start().await;
    let webhook = subscribe(&app, &admin, &receiver.url, &["complaint.created", "complaint.updated"]).await;
    let secret = webhook["secret"].as_str().unwrap();
    assert!(secret.starts_with("whsec_"));
    assert_eq!(webhook["event_types"], json!(["complaint.created", "complaint.updated"]));
    let shown = get(&app, &admin, &format!("/api/v1/webhooks/{}", webhook["id"].as_str().unwrap())).await;
    assert!(shown.get("secret").is_none(), "the secret is shown once: {shown}");

    let mut body = report();
    body["reporter"]["name"] = json!("Siti Rahmawati");
    let receipt = filed(&app, &body).await;
    let complaint = id_of(&app, &receipt).await;
    let created = receiver.until("complaint.created", |one| one.json()["type"] == "complaint.created").await;
    assert!(verifies(secret, &created), "signature of {created:?}");
    assert_eq!(created.header("content-type"), "application/json");
    assert!(created.header("webhook-id").starts_with("msg_"));
    let payload = created.json();
    assert_eq!(payload["data"]["entity_id"], complaint.to_string());
    assert_eq!(payload["data"]["entity_type"], "complaint");
    assert_eq!(payload["data"]["status"], "submitted");
    assert!(payload["timestamp"].is_string() && payload["data"]["cursor"].is_string());
    assert!(!created.body.contains("Siti"), "never the reporter: {}", created.body);

    let verified = app
        .authed(Method::POST, &format!("/api/v1/complaints/{complaint}/verify"), &admin)
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(verified.status(), StatusCode::OK, "{:?}", verified.text().await);
    let updated = receiver.until("complaint.updated", |one| one.json()["type"] == "complaint.updated").await;
    assert!(verifies(secret, &updated));
    assert_ne!(updated.header("webhook-id"), created.header("webhook-id"));
    assert_eq!(updated.json()["data"]["status"], "verified");

    // A tampered body or another secret does not verify.
    let mut tampered = updated.clone();
    tampered.body = tampered.body.replace("verified", "finished");
    assert!(!verifies(secret, &tampered));
    assert!(!verifies("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", &updated));

    // Supervision complaints are the Inspektorat's: their changes never leave the service.
    let hidden = id_of(&app, &filed(&app, &report()).await).await;
    receiver
        .until("the creation of the future supervision complaint", |one| {
            one.json()["data"]["entity_id"] == hidden.to_string()
        })
        .await;
    let made_supervision = app
        .authed(Method::POST, &format!("/api/v1/complaints/{hidden}/verify"), &admin)
        .json(&json!({ "supervision": true }))
        .send()
        .await
        .unwrap();
    assert_eq!(made_supervision.status(), StatusCode::OK);
    let marker = id_of(&app, &filed(&app, &report()).await).await;
    receiver.until("the marker", |one| one.json()["data"]["entity_id"] == marker.to_string()).await;
    let about_hidden: Vec<Value> = receiver
        .all()
        .iter()
        .map(Received::json)
        .filter(|message| message["data"]["entity_id"] == hidden.to_string())
        .collect();
    assert_eq!(about_hidden.len(), 1, "only its creation, before it was known to be supervision: {about_hidden:?}");

    // Every delivery is in the log as delivered, with its answer and duration.
    let settled = || async {
        let log = deliveries(&app, &admin, &webhook).await;
        log.len() == receiver.all().len() && log.iter().all(|one| one["status"] == "delivered")
    };
    eventually(settled, "every answer recorded").await;
    let log = deliveries(&app, &admin, &webhook).await;
    assert!(log.iter().all(|one| one["last_response_status"] == 204), "{log:?}");
    assert!(log.iter().all(|one| one["attempts"] == 1 && one["last_duration_ms"].is_number()));
}

#[tokio::test]
async fn failures_are_retried_on_schedule_logged_and_can_be_sent_again() {
    let app = app_allowing_private_targets().await;
    let admin = app.user(Role::Admin, "SKD-DISKOMINFO").await;
    let receiver = Receiver::start().await;
    receiver.answer(500);
    // Asking for an hour's pause keeps the retry from coming in real time before the test is ready for it.
    receiver.retry_after(3600);
    let webhook = subscribe(&app, &admin, &receiver.url, &["complaint.created"]).await;
    let secret = webhook["secret"].as_str().unwrap().to_owned();
    filed(&app, &report()).await;

    let first = receiver.until("the first attempt", |_| true).await;
    eventually(
        || async {
            let log = deliveries(&app, &admin, &webhook).await;
            log.first().is_some_and(|one| one["attempts"] == 1 && one["last_response_status"] == 500)
        },
        "the failed attempt is logged",
    )
    .await;
    let log = deliveries(&app, &admin, &webhook).await;
    let delivery = log[0].clone();
    assert_eq!(delivery["status"], "pending");
    assert_eq!(delivery["last_error"], "the endpoint answered 500");
    let next = chrono::DateTime::parse_from_rfc3339(delivery["next_attempt_at"].as_str().unwrap()).unwrap();
    let last = chrono::DateTime::parse_from_rfc3339(delivery["last_attempt_at"].as_str().unwrap()).unwrap();
    let wait = next - last;
    assert_eq!(wait, Duration::hours(1), "the Retry-After asked for, longer than the schedule's five seconds");
    let webhook_id = webhook["id"].as_str().unwrap();
    let watched = get(&app, &admin, &format!("/api/v1/webhooks/{webhook_id}")).await;
    assert!(watched["failing_since"].is_string() && watched["active"] == true);

    // The receiver recovers; the retry comes when it is due, with the same message id and body, freshly signed.
    receiver.answer(200);
    app.state.clock.advance(Duration::hours(1) + Duration::seconds(1));
    eventually(|| async { receiver.all().len() >= 2 }, "the retry").await;
    let retry = receiver.all()[1].clone();
    assert_eq!((retry.header("webhook-id"), &retry.body), (first.header("webhook-id"), &first.body));
    assert!(verifies(&secret, &retry));
    let delivery_id = delivery["id"].as_str().unwrap();
    let path = format!("/api/v1/webhooks/{webhook_id}/deliveries/{delivery_id}");
    eventually(
        || async {
            let detail = get(&app, &admin, &path).await;
            detail["status"] == "delivered"
        },
        "the retry is recorded",
    )
    .await;
    let detail = get(&app, &admin, &path).await;
    assert_eq!(detail["attempts"], 2);
    assert_eq!(detail["payload"], first.body.as_str());
    let attempts = detail["attempts_log"].as_array().unwrap();
    assert_eq!(attempts.len(), 2);
    assert_eq!((attempts[0]["response_status"].clone(), attempts[0]["succeeded"].clone()), (json!(500), json!(false)));
    assert_eq!((attempts[1]["response_status"].clone(), attempts[1]["succeeded"].clone()), (json!(200), json!(true)));
    let recovered = get(&app, &admin, &format!("/api/v1/webhooks/{webhook_id}")).await;
    assert!(recovered["failing_since"].is_null());

    // Sent again by hand: the same message once more.
    let before = receiver.all().len();
    let again = app.authed(Method::POST, &format!("{path}/redeliver"), &admin).send().await.unwrap();
    assert_eq!(again.status(), StatusCode::ACCEPTED);
    eventually(|| async { receiver.all().len() > before }, "the redelivery").await;
    let resent = receiver.all().last().unwrap().clone();
    assert_eq!(resent.header("webhook-id"), first.header("webhook-id"));
    assert!(verifies(&secret, &resent));
    eventually(
        || async { get(&app, &admin, &path).await["attempts_log"].as_array().unwrap().len() == 3 },
        "the redelivery is logged",
    )
    .await;

    let filtered = get(&app, &admin, &format!("/api/v1/webhooks/{webhook_id}/deliveries?status=failed")).await;
    assert_eq!(filtered["items"], json!([]));
    let bad = app.authed(Method::GET, &format!("/api/v1/webhooks/{webhook_id}/deliveries?status=lost"), &admin);
    assert_problem(bad.send().await.unwrap(), StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
}

#[tokio::test]
async fn during_a_rotation_messages_carry_both_signatures_for_a_day() {
    let app = app_allowing_private_targets().await;
    let admin = app.user(Role::Admin, "SKD-DISKOMINFO").await;
    let receiver = Receiver::start().await;
    let webhook = subscribe(&app, &admin, &receiver.url, &["complaint.created"]).await;
    let old = webhook["secret"].as_str().unwrap().to_owned();
    let webhook_id = webhook["id"].as_str().unwrap();
    let rotated = app.authed(Method::POST, &format!("/api/v1/webhooks/{webhook_id}/rotate-secret"), &admin);
    let rotated: Value = rotated.send().await.unwrap().json().await.unwrap();
    let new = rotated["secret"].as_str().unwrap().to_owned();
    assert_ne!(new, old);
    assert!(rotated["previous_secret_valid_until"].is_string());

    let first = id_of(&app, &filed(&app, &report()).await).await;
    let during = receiver
        .until("a message during the overlap", |one| one.json()["data"]["entity_id"] == first.to_string())
        .await;
    assert_eq!(during.header("webhook-signature").split(' ').count(), 2);
    assert!(verifies(&new, &during) && verifies(&old, &during));

    app.state.clock.advance(Duration::hours(25));
    let second = id_of(&app, &filed(&app, &report()).await).await;
    let after = receiver
        .until("a message after the overlap", |one| one.json()["data"]["entity_id"] == second.to_string())
        .await;
    assert_eq!(after.header("webhook-signature").split(' ').count(), 1);
    assert!(verifies(&new, &after) && !verifies(&old, &after));
}

#[tokio::test]
async fn an_endpoint_failing_for_days_or_answering_410_is_switched_off_and_its_admins_told() {
    let app = app_allowing_private_targets().await;
    let admin = app.user(Role::Admin, "SKD-DISKOMINFO").await;
    let failing = Receiver::start().await;
    failing.answer(503);
    let webhook = subscribe(&app, &admin, &failing.url, &["complaint.created"]).await;
    let webhook_id = webhook["id"].as_str().unwrap().to_owned();
    filed(&app, &report()).await;
    eventually(
        || async { get(&app, &admin, &format!("/api/v1/webhooks/{webhook_id}")).await["failing_since"].is_string() },
        "the first failure",
    )
    .await;

    // Three days later (the retries spaced out), the next failure switches it off.
    app.state.clock.advance(Duration::days(3) + Duration::minutes(1));
    eventually(
        || async {
            let shown = get(&app, &admin, &format!("/api/v1/webhooks/{webhook_id}")).await;
            shown["active"] == false
        },
        "switched off",
    )
    .await;
    let shown = get(&app, &admin, &format!("/api/v1/webhooks/{webhook_id}")).await;
    assert_eq!(shown["disabled_reason"], "failing");
    let notes = get(&app, &admin, "/api/v1/notifications").await;
    assert!(
        notes["items"].as_array().unwrap().iter().any(|note| note["kind"] == "webhook_disabled"),
        "the admin is told: {notes}"
    );

    // Nothing is sent while it is off; switched back on, what waited is delivered.
    let sent_before = failing.all().len();
    failing.answer(204);
    let waiting = id_of(&app, &filed(&app, &report()).await).await;
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    assert_eq!(failing.all().len(), sent_before, "an endpoint that is off gets nothing");
    let path = format!("/api/v1/webhooks/{webhook_id}");
    let redeliver_while_off = app.authed(
        Method::POST,
        &format!("{path}/deliveries/{}/redeliver", deliveries(&app, &admin, &webhook).await[0]["id"].as_str().unwrap()),
        &admin,
    );
    assert_problem(redeliver_while_off.send().await.unwrap(), StatusCode::CONFLICT, "webhook_inactive").await;
    let back = app.authed(Method::PATCH, &path, &admin).json(&json!({ "active": true })).send().await.unwrap();
    assert_eq!(back.status(), StatusCode::OK);
    let back: Value = back.json().await.unwrap();
    assert!(back["disabled_reason"].is_null() && back["failing_since"].is_null());
    failing.until("what waited", |one| one.json()["data"]["entity_id"] == waiting.to_string()).await;

    // 410 Gone: the receiver wants no more.
    let gone = Receiver::start().await;
    gone.answer(410);
    let second = subscribe(&app, &admin, &gone.url, &["complaint.created"]).await;
    filed(&app, &report()).await;
    let second_path = format!("/api/v1/webhooks/{}", second["id"].as_str().unwrap());
    eventually(|| async { get(&app, &admin, &second_path).await["disabled_reason"] == "gone" }, "gone").await;
}

#[tokio::test]
async fn targets_must_be_https_and_public_unless_private_ones_are_allowed() {
    let app = crate::helpers::spawn_seeded_app().await;
    let admin = app.user(Role::Admin, "SKD-DISKOMINFO").await;
    for (url, code) in [
        ("http://dasbor.kalbarprov.go.id/hook", "https_required"),
        ("ftp://dasbor.kalbarprov.go.id/hook", "https_required"),
        ("not a url", "invalid_url"),
        ("https://user:secret@dasbor.kalbarprov.go.id/hook", "credentials_in_url"),
        ("https://127.0.0.1/hook", "private_address"),
        ("https://localhost:8443/hook", "private_address"),
        ("https://10.20.30.40/hook", "private_address"),
        ("https://192.168.1.10/hook", "private_address"),
        ("https://169.254.169.254/latest/meta-data", "private_address"),
        ("https://[::1]/hook", "private_address"),
        ("https://[::ffff:127.0.0.1]/hook", "private_address"),
        ("https://[fd00::1]/hook", "private_address"),
    ] {
        let response = app
            .authed(Method::POST, "/api/v1/webhooks", &admin)
            .json(&json!({ "url": url, "event_types": ["complaint.created"] }))
            .send()
            .await
            .unwrap();
        let problem = assert_problem(response, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
        assert_eq!(problem["errors"][0]["code"], code, "{url}: {problem}");
    }
    for body in [
        json!({ "url": "https://example.org/hook", "event_types": [] }),
        json!({ "url": "https://example.org/hook", "event_types": ["complaint.deleted"] }),
        json!({ "url": "https://example.org/hook" }),
        json!({ "url": "https://example.org/hook", "event_types": ["complaint.created"], "secret": "mine" }),
    ] {
        let response = app.authed(Method::POST, "/api/v1/webhooks", &admin).json(&body).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    }
}

#[tokio::test]
async fn only_a_pemdas_admins_and_its_webhooks_manage_clients_manage_its_webhooks() {
    let app = app_allowing_private_targets().await;
    let admin = app.user(Role::Admin, "SKD-DISKOMINFO").await;
    let receiver = Receiver::start().await;
    let body = json!({ "url": receiver.url, "event_types": ["complaint.created"] });
    for (role, unit) in [
        (Role::OpdOperator, "SKD-PUPR"),
        (Role::OpdOfficial, "SKD-PUPR"),
        (Role::Leader, "SKD"),
        (Role::Inspector, "SKD-INSPEKTORAT"),
    ] {
        let user = app.user(role, unit).await;
        let response = app.authed(Method::POST, "/api/v1/webhooks", &user).json(&body).send().await.unwrap();
        assert_problem(response, StatusCode::FORBIDDEN, "forbidden").await;
        let listed = app.authed(Method::GET, "/api/v1/webhooks", &user).send().await.unwrap();
        assert_eq!(listed.status(), StatusCode::FORBIDDEN, "{role:?}");
    }
    let anonymous = app.request(Method::GET, "/api/v1/webhooks").send().await.unwrap();
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);

    let reader = make_client(&app, &admin, json!({ "name": "Dasbor", "scopes": ["reports:read"] })).await;
    let reader_token = token_of(&app, &reader).await;
    let refused = app.request(Method::POST, "/api/v1/webhooks").bearer_auth(&reader_token).json(&body).send().await;
    assert_problem(refused.unwrap(), StatusCode::FORBIDDEN, "insufficient_scope").await;

    let half = make_client(&app, &admin, json!({ "name": "Setengah", "scopes": ["webhooks:manage"] })).await;
    let half_token = token_of(&app, &half).await;
    let refused = app.request(Method::POST, "/api/v1/webhooks").bearer_auth(&half_token).json(&body).send().await;
    assert_problem(refused.unwrap(), StatusCode::FORBIDDEN, "insufficient_scope").await;

    let scopes = json!(["webhooks:manage", "complaints:read"]);
    let manager = make_client(&app, &admin, json!({ "name": "Integrasi", "scopes": scopes })).await;
    let token = token_of(&app, &manager).await;
    let made = app.request(Method::POST, "/api/v1/webhooks").bearer_auth(&token).json(&body).send().await.unwrap();
    assert_eq!(made.status(), StatusCode::CREATED);
    let made: Value = made.json().await.unwrap();
    let listed: Value =
        app.request(Method::GET, "/api/v1/webhooks").bearer_auth(&token).send().await.unwrap().json().await.unwrap();
    assert_eq!(listed["items"].as_array().unwrap().len(), 1);
    let seen_by_admin = get(&app, &admin, "/api/v1/webhooks").await;
    assert_eq!(seen_by_admin["items"][0]["id"], made["id"]);

    // Another Pemda's admin finds nothing of Sekadau's.
    let other = app.user(Role::Admin, "SAG").await;
    let path = format!("/api/v1/webhooks/{}", made["id"].as_str().unwrap());
    assert_problem(app.authed(Method::GET, &path, &other).send().await.unwrap(), StatusCode::NOT_FOUND, "not_found")
        .await;
    let deleted = app.authed(Method::DELETE, &path, &other).send().await.unwrap();
    assert_problem(deleted, StatusCode::NOT_FOUND, "not_found").await;
    assert_eq!(get(&app, &other, "/api/v1/webhooks").await["items"], json!([]));

    let deleted = app.request(Method::DELETE, &path).bearer_auth(&token).send().await.unwrap();
    assert_eq!(deleted.status(), StatusCode::NO_CONTENT);
    assert_eq!(get(&app, &admin, "/api/v1/webhooks").await["items"], json!([]));
}

#[tokio::test]
async fn a_paused_endpoints_backlog_does_not_hold_up_the_others() {
    let app = app_allowing_private_targets().await;
    let admin = app.user(Role::Admin, "SKD-DISKOMINFO").await;
    let paused = Receiver::start().await;
    paused.answer(503);
    let first = subscribe(&app, &admin, &paused.url, &["complaint.created"]).await;
    for _ in 0..18 {
        filed(&app, &report()).await;
    }
    eventually(|| async { paused.all().len() >= 18 }, "every first attempt").await;
    let path = format!("/api/v1/webhooks/{}", first["id"].as_str().unwrap());
    let off = app.authed(Method::PATCH, &path, &admin).json(&json!({ "active": false })).send().await.unwrap();
    assert_eq!(off.status(), StatusCode::OK);
    // Its eighteen retries fall due, older than anything new; they must not stand in the way of the next endpoint.
    app.state.clock.advance(Duration::minutes(1));
    let other = Receiver::start().await;
    subscribe(&app, &admin, &other.url, &["complaint.created"]).await;
    let fresh = id_of(&app, &filed(&app, &report()).await).await;
    other.until("the other endpoint's message", |one| one.json()["data"]["entity_id"] == fresh.to_string()).await;
    assert!(paused.all().len() <= 18 + 1, "a paused endpoint is not retried (one claim may have been in flight)");
}

#[tokio::test]
async fn the_sender_itself_refuses_private_addresses_whatever_the_subscription_says() {
    use pengaduan::db::webhooks::{EndpointRow, insert_endpoint};

    // Private targets are not allowed here; the rows are written as if an older check had let them through.
    let app = crate::helpers::spawn_seeded_app().await;
    let receiver = Receiver::start().await;
    let port = receiver.url.split(':').nth(2).unwrap().split('/').next().unwrap().to_owned();
    let pemda = app.unit_id("SKD").await;
    let mut conn = app.conn().await;
    let mut ids = Vec::new();
    for url in [format!("https://127.0.0.1:{port}/hook"), format!("https://localhost:{port}/hook")] {
        let id = uuid::Uuid::now_v7();
        let sealed = app.state.sealer.seal_to_bytes(id.as_bytes(), &[7u8; 32]).unwrap();
        let now = chrono::Utc::now();
        let row = EndpointRow {
            id,
            pemda_id: pemda,
            url,
            description: String::new(),
            event_types: vec!["complaint.created".into()],
            secret_sealed: sealed,
            previous_secret_sealed: None,
            previous_secret_valid_until: None,
            active: true,
            disabled_reason: None,
            failing_since: None,
            cursor_txid: 0,
            cursor_row: 0,
            created_by: None,
            created_at: now,
            updated_at: now,
        };
        insert_endpoint(&mut conn, &row).await.unwrap();
        ids.push(id);
    }
    let admin = app.user(Role::Admin, "SKD-DISKOMINFO").await;
    filed(&app, &report()).await;
    for id in ids {
        let path = format!("/api/v1/webhooks/{id}/deliveries");
        eventually(
            || async { get(&app, &admin, &path).await["items"][0]["last_error"].is_string() },
            "the attempt is refused and logged",
        )
        .await;
        let error = get(&app, &admin, &path).await["items"][0]["last_error"].as_str().unwrap().to_owned();
        assert!(error.contains("not a public address") || error.contains("non-public"), "{error}");
    }
    assert!(receiver.all().is_empty(), "nothing reached the private address");
}

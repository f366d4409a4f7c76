//! Open311 GeoReport v2: discovery, services, filing with an API client's key, reading requests in JSON and XML with
//! their open/closed status, answers and OPDs, and errors in Open311's own format; never a confidential or
//! supervision complaint, never a reporter.

use pengaduan::domain::role::Role;
use reqwest::{Method, Response, StatusCode};
use serde_json::{Value, json};

use crate::api_clients::make_client;
use crate::complaints::{filed, id_of, report};
use crate::helpers::{TestApp, spawn_app_with};

async fn app() -> TestApp {
    let app = spawn_app_with(|settings| {
        settings.run_jobs = false;
        settings.tracking_lookups_per_minute = 1000;
    })
    .await;
    pengaduan::services::seed::seed(&mut app.conn().await).await.unwrap();
    app
}

async fn get(app: &TestApp, path: &str) -> Response {
    app.request(Method::GET, &format!("/open311/v2/{path}")).send().await.unwrap()
}

async fn json_of(response: Response) -> Value {
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["content-type"], "application/json; charset=utf-8");
    response.json().await.unwrap()
}

async fn file(app: &TestApp, form: &impl serde::Serialize) -> Response {
    app.request(Method::POST, "/open311/v2/requests.json").form(form).send().await.unwrap()
}

/// Checks an Open311 error: the status, and the same code and a description in the body.
async fn open311_error(response: Response, status: StatusCode) -> String {
    assert_eq!(response.status(), status);
    assert_eq!(response.headers()["content-type"], "application/json; charset=utf-8", "Open311's, not problem+json");
    let body: Value = response.json().await.unwrap();
    assert_eq!(body[0]["code"], status.as_u16(), "{body}");
    body[0]["description"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn discovery_and_services_describe_a_jurisdiction_in_json_and_xml() {
    let app = app().await;
    let discovery = json_of(get(&app, "discovery.json").await).await;
    let endpoint = &discovery["endpoints"][0];
    assert_eq!(endpoint["specification"], "http://wiki.open311.org/GeoReport_v2");
    assert!(endpoint["url"].as_str().unwrap().ends_with("/open311/v2"));
    assert_eq!(endpoint["formats"], json!(["text/xml", "application/json"]));
    assert!(discovery["changeset"].is_string() && discovery["key_service"].is_string());

    let services = json_of(get(&app, "services.json?jurisdiction_id=SKD").await).await;
    let services = services.as_array().unwrap();
    let kesehatan = services.iter().find(|service| service["service_code"] == "kesehatan").unwrap();
    assert_eq!(kesehatan["metadata"], false);
    assert_eq!(kesehatan["type"], "realtime");
    assert!(kesehatan["service_name"].is_string());

    let xml = get(&app, "services.xml?jurisdiction_id=skd").await;
    assert_eq!(xml.status(), StatusCode::OK);
    assert_eq!(xml.headers()["content-type"], "text/xml; charset=utf-8");
    let text = xml.text().await.unwrap();
    assert!(text.starts_with(r#"<?xml version="1.0" encoding="UTF-8"?><services><service><service_code>"#), "{text}");
    assert!(text.contains("<service_code>kesehatan</service_code>"));

    let definition = json_of(get(&app, "services/kesehatan.json?jurisdiction_id=SKD").await).await;
    assert_eq!(definition, json!({ "service_code": "kesehatan", "attributes": [] }));

    // Several Pemda are served: the jurisdiction must be named, and must exist.
    open311_error(get(&app, "services.json").await, StatusCode::BAD_REQUEST).await;
    open311_error(get(&app, "services.json?jurisdiction_id=ATLANTIS").await, StatusCode::NOT_FOUND).await;
    open311_error(get(&app, "services/pajak.json?jurisdiction_id=SKD").await, StatusCode::NOT_FOUND).await;
    let csv = get(&app, "services.csv?jurisdiction_id=SKD").await;
    assert_eq!(csv.status(), StatusCode::NOT_FOUND);
    let text = csv.text().await.unwrap();
    assert!(text.contains("<errors><error><code>404</code><description>"), "{text}");
    open311_error(get(&app, "tokens/abc.json?jurisdiction_id=SKD").await, StatusCode::NOT_FOUND).await;
}

#[tokio::test]
async fn a_channel_client_files_with_its_key_and_anyone_follows_the_request() {
    let app = app().await;
    let admin = app.user(Role::Admin, "SKD-DISKOMINFO").await;
    let client = make_client(
        &app,
        &admin,
        json!({ "name": "Bot WhatsApp", "scopes": ["complaints:write"], "channel": "whatsapp" }),
    )
    .await;
    let key = client["client_secret"].as_str().unwrap();
    let form = [
        ("api_key", key),
        ("jurisdiction_id", "SKD"),
        ("service_code", "kesehatan"),
        ("lat", "0.0312"),
        ("long", "110.9541"),
        ("description", "Puskesmas Mungguk tutup pada jam layanan.\nSudah tiga kali minggu ini."),
        ("first_name", "Siti"),
        ("last_name", "Rahmawati"),
        ("email", "siti@example.com"),
        ("device_id", "ignored"),
    ];
    let created = json_of(file(&app, &form).await).await;
    let code = created[0]["service_request_id"].as_str().unwrap().to_owned();
    assert!(code.starts_with("SKD-"), "{created}");
    let notice = created[0]["service_notice"].as_str().unwrap();
    assert!(notice.contains(&code) && notice.contains("Kunci pelapor"), "the secret for the reporter: {notice}");

    let mut conn = app.conn().await;
    let row = pengaduan::db::complaints::find_by_tracking_code(&mut conn, &code).await.unwrap().unwrap();
    assert_eq!(row.channel, "whatsapp");
    assert_eq!(row.title, "Puskesmas Mungguk tutup pada jam layanan.");
    assert!(pengaduan::db::complaints::reporter(&mut conn, row.id).await.unwrap().is_some(), "sealed, kept");

    let one = json_of(get(&app, &format!("requests/{code}.json?jurisdiction_id=SKD")).await).await;
    let request = &one[0];
    assert_eq!(request["service_request_id"], code.as_str());
    assert_eq!(request["status"], "open");
    assert_eq!(request["service_code"], "kesehatan");
    assert_eq!((request["lat"].clone(), request["long"].clone()), (json!(0.031), json!(110.954)), "about 100 m");
    assert!(request["requested_datetime"].as_str().unwrap().ends_with('Z'));
    assert!(request["expected_datetime"].is_string());
    assert!(request["status_notes"].is_null() && request["agency_responsible"].is_null());
    assert!(!one.to_string().contains("Siti"), "never the reporter: {one}");
    let listed = format!("requests.xml?jurisdiction_id=SKD&service_request_id={code}");
    let text = get(&app, &listed).await.text().await.unwrap();
    assert!(!text.contains(&code), "not listed before it is verified: {text}");

    let id = row.id;
    let verified = app.authed(Method::POST, &format!("/api/v1/complaints/{id}/verify"), &admin).json(&json!({}));
    assert_eq!(verified.send().await.unwrap().status(), StatusCode::OK);
    let text = get(&app, &listed).await.text().await.unwrap();
    assert!(text.contains(&format!("<service_requests><request><service_request_id>{code}</service_request_id>")));
    assert!(text.contains("<status>open</status>") && text.contains("<status_notes></status_notes>"), "{text}");

    // The OPD answers; the answer becomes the status notes and the OPD the agency responsible.
    let pupr = app.unit_id("SKD-PUPR").await;
    let disposed = app
        .authed(Method::POST, &format!("/api/v1/complaints/{id}/dispositions"), &admin)
        .json(&json!({ "unit_ids": [pupr], "instruction": "Mohon ditindaklanjuti." }))
        .send()
        .await
        .unwrap();
    assert_eq!(disposed.status(), StatusCode::CREATED);
    let disposition = disposed.json::<Value>().await.unwrap()[0]["id"].as_str().unwrap().to_owned();
    let operator = app.user(Role::OpdOperator, "SKD-PUPR").await;
    let official = app.user(Role::OpdOfficial, "SKD-PUPR").await;
    let accept = app.authed(Method::POST, &format!("/api/v1/dispositions/{disposition}/accept"), &operator);
    assert_eq!(accept.json(&json!({})).send().await.unwrap().status(), StatusCode::OK);
    let answer: Value = app
        .authed(Method::POST, &format!("/api/v1/dispositions/{disposition}/follow-ups"), &operator)
        .json(&json!({ "body": "Jam layanan sudah dipulihkan.", "visibility": "public", "final": true }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let approve =
        app.authed(Method::POST, &format!("/api/v1/follow-ups/{}/approve", answer["id"].as_str().unwrap()), &official);
    assert_eq!(approve.json(&json!({})).send().await.unwrap().status(), StatusCode::OK);
    let answered = json_of(get(&app, &format!("requests/{code}.json?jurisdiction_id=SKD")).await).await;
    assert_eq!(answered[0]["status_notes"], "Jam layanan sudah dipulihkan.");
    assert!(answered[0]["agency_responsible"].as_str().unwrap().contains("Pekerjaan Umum"), "{answered}");
    assert_eq!(answered[0]["status"], "open", "still waiting for the reporter");

    // Archived as spam without being verified: closed, and never listed.
    let spam = filed(&app, &report()).await;
    let spam_code = spam["tracking_code"].as_str().unwrap().to_owned();
    let spam = id_of(&app, &spam).await;
    let archive = app.authed(Method::POST, &format!("/api/v1/complaints/{spam}/archive"), &admin);
    assert_eq!(archive.json(&json!({ "reason": "spam" })).send().await.unwrap().status(), StatusCode::OK);
    let closed = json_of(get(&app, "requests.json?jurisdiction_id=SKD&status=closed").await).await;
    assert_eq!(closed, json!([]));
    let archived = json_of(get(&app, &format!("requests/{spam_code}.json?jurisdiction_id=SKD")).await).await;
    assert_eq!(archived[0]["status"], "closed");
    let open = json_of(get(&app, "requests.json?jurisdiction_id=SKD&status=open&service_code=kesehatan").await).await;
    assert_eq!(open.as_array().unwrap().len(), 1);
    assert_eq!(open[0]["service_request_id"], code.as_str());
}

#[tokio::test]
async fn confidential_and_supervision_complaints_are_never_shown() {
    let app = app().await;
    let admin = app.user(Role::Admin, "SKD-DISKOMINFO").await;
    let mut secret = report();
    secret["confidential"] = json!(true);
    let confidential = filed(&app, &secret).await["tracking_code"].as_str().unwrap().to_owned();
    let hidden = filed(&app, &report()).await;
    let hidden_code = hidden["tracking_code"].as_str().unwrap().to_owned();
    let hidden_id = id_of(&app, &hidden).await;
    let verify = app.authed(Method::POST, &format!("/api/v1/complaints/{hidden_id}/verify"), &admin);
    assert_eq!(verify.json(&json!({ "supervision": true })).send().await.unwrap().status(), StatusCode::OK);
    let public_receipt = filed(&app, &report()).await;
    let public = public_receipt["tracking_code"].as_str().unwrap().to_owned();
    let unverified = json_of(get(&app, "requests.json?jurisdiction_id=SKD").await).await;
    assert_eq!(unverified, json!([]), "nothing is listed before the admin has verified it");
    let public_id = id_of(&app, &public_receipt).await;
    let verify = app.authed(Method::POST, &format!("/api/v1/complaints/{public_id}/verify"), &admin);
    assert_eq!(verify.json(&json!({})).send().await.unwrap().status(), StatusCode::OK);

    let all = json_of(get(&app, "requests.json?jurisdiction_id=SKD").await).await;
    let codes: Vec<&str> = all.as_array().unwrap().iter().map(|r| r["service_request_id"].as_str().unwrap()).collect();
    assert_eq!(codes, vec![public.as_str()]);
    for code in [&confidential, &hidden_code] {
        open311_error(get(&app, &format!("requests/{code}.json?jurisdiction_id=SKD")).await, StatusCode::NOT_FOUND)
            .await;
    }
    let asked = format!("requests.json?jurisdiction_id=SKD&service_request_id={confidential},{hidden_code}");
    assert_eq!(json_of(get(&app, &asked).await).await, json!([]));

    // Windows: at most 90 days, a zone required.
    let too_long = "requests.json?jurisdiction_id=SKD&start_date=2026-01-01T00:00:00Z&end_date=2026-06-01T00:00:00Z";
    open311_error(get(&app, too_long).await, StatusCode::BAD_REQUEST).await;
    open311_error(get(&app, "requests.json?jurisdiction_id=SKD&start_date=2026-01-01").await, StatusCode::BAD_REQUEST)
        .await;
    open311_error(get(&app, "requests.json?jurisdiction_id=SKD&status=pending").await, StatusCode::BAD_REQUEST).await;
}

#[tokio::test]
async fn filing_needs_a_key_with_complaints_write_and_a_complete_request() {
    let app = app().await;
    let admin = app.user(Role::Admin, "SKD-DISKOMINFO").await;
    let reader = make_client(&app, &admin, json!({ "name": "Dasbor", "scopes": ["reports:read"] })).await;
    let writer = make_client(
        &app,
        &admin,
        json!({ "name": "Pusat panggilan", "scopes": ["complaints:write"], "channel": "phone" }),
    )
    .await;
    let (reader_key, key) = (reader["client_secret"].as_str().unwrap(), writer["client_secret"].as_str().unwrap());
    let complete = |api_key: &str| -> Vec<(&'static str, String)> {
        [
            ("api_key", api_key),
            ("jurisdiction_id", "SKD"),
            ("service_code", "kesehatan"),
            ("address_string", "Jalan Merdeka 1, Sekadau"),
            ("description", "Antrean obat terlalu lama."),
        ]
        .into_iter()
        .map(|(name, value)| (name, value.to_owned()))
        .collect()
    };
    let replaced = |name: &str, value: &str| -> Vec<(&'static str, String)> {
        complete(key).into_iter().map(|(n, v)| if n == name { (n, value.to_owned()) } else { (n, v) }).collect()
    };

    let without: Vec<_> = complete(key).into_iter().filter(|(name, _)| *name != "api_key").collect();
    open311_error(file(&app, &without).await, StatusCode::FORBIDDEN).await;
    open311_error(file(&app, &complete("pgdsec_not-a-key")).await, StatusCode::FORBIDDEN).await;
    let description = open311_error(file(&app, &complete(reader_key)).await, StatusCode::FORBIDDEN).await;
    assert!(description.contains("complaints:write"), "{description}");
    open311_error(file(&app, &replaced("jurisdiction_id", "SAG")).await, StatusCode::FORBIDDEN).await;

    for (drop, status) in [
        ("service_code", StatusCode::BAD_REQUEST),
        ("address_string", StatusCode::BAD_REQUEST),
        ("description", StatusCode::BAD_REQUEST),
    ] {
        let form: Vec<_> = complete(key).into_iter().filter(|(name, _)| *name != drop).collect();
        open311_error(file(&app, &form).await, status).await;
    }
    open311_error(file(&app, &replaced("service_code", "pajak")).await, StatusCode::NOT_FOUND).await;
    let mut half = complete(key);
    half.push(("lat", "0.03".into()));
    open311_error(file(&app, &half).await, StatusCode::BAD_REQUEST).await;
    open311_error(file(&app, &replaced("description", &"x".repeat(4001))).await, StatusCode::BAD_REQUEST).await;
    open311_error(file(&app, &replaced("description", "a\u{1}b")).await, StatusCode::BAD_REQUEST).await;
    open311_error(file(&app, &replaced("address_string", "Jalan\nMerdeka")).await, StatusCode::BAD_REQUEST).await;
    let json_body = app.request(Method::POST, "/open311/v2/requests.json").json(&json!({ "api_key": key })).send();
    open311_error(json_body.await.unwrap(), StatusCode::BAD_REQUEST).await;

    let made = json_of(file(&app, &complete(key)).await).await;
    assert!(made[0]["service_request_id"].as_str().unwrap().starts_with("SKD-"));
}

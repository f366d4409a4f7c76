//! E-mail: reporters hear of what concerns their report at the address they gave, staff get their notifications
//! immediately, as a daily digest or not at all, over a real SMTP conversation with a server run inside the test;
//! without SMTP the messages land in files.

use std::sync::{Arc, Mutex};

use base64::Engine;
use chrono::Duration;
use pengaduan::domain::role::Role;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

use crate::complaints::{filed, id_of, report};
use crate::helpers::{TestApp, TestUser, assert_problem, eventually, spawn_app_with};

/// One message that reached the SMTP server.
#[derive(Debug, Clone)]
struct Mail {
    to: Vec<String>,
    subject: String,
    body: String,
}

/// An SMTP server on 127.0.0.1 that accepts everything and keeps what it was given.
struct SmtpSink {
    url: String,
    mails: Arc<Mutex<Vec<Mail>>>,
}

impl SmtpSink {
    async fn start() -> SmtpSink {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let mails: Arc<Mutex<Vec<Mail>>> = Arc::default();
        let kept = mails.clone();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                tokio::spawn(converse(stream, kept.clone()));
            }
        });
        SmtpSink { url: format!("smtp://127.0.0.1:{port}"), mails }
    }

    fn to(&self, address: &str) -> Vec<Mail> {
        self.mails.lock().unwrap().iter().filter(|mail| mail.to.iter().any(|to| to == address)).cloned().collect()
    }
}

/// The server's side of one SMTP session (RFC 5321's commands, as a client without TLS or AUTH uses them).
async fn converse(stream: tokio::net::TcpStream, kept: Arc<Mutex<Vec<Mail>>>) {
    let (read, mut write) = stream.into_split();
    let mut lines = BufReader::new(read).lines();
    let _ = write.write_all(b"220 sink ESMTP\r\n").await;
    let mut to = Vec::new();
    while let Ok(Some(line)) = lines.next_line().await {
        let command = line.to_ascii_uppercase();
        let reply: &[u8] = if command.starts_with("EHLO") || command.starts_with("HELO") {
            b"250 sink\r\n"
        } else if command.starts_with("RCPT TO:") {
            to.push(line[8..].trim().trim_start_matches('<').trim_end_matches('>').to_owned());
            b"250 OK\r\n"
        } else if command.starts_with("DATA") {
            let _ = write.write_all(b"354 go ahead\r\n").await;
            let mut data = Vec::new();
            while let Ok(Some(line)) = lines.next_line().await {
                if line == "." {
                    break;
                }
                data.push(line.strip_prefix('.').map(str::to_owned).unwrap_or(line));
            }
            kept.lock().unwrap().push(parse(std::mem::take(&mut to), &data));
            b"250 queued\r\n"
        } else if command.starts_with("QUIT") {
            let _ = write.write_all(b"221 bye\r\n").await;
            return;
        } else {
            b"250 OK\r\n"
        };
        if write.write_all(reply).await.is_err() {
            return;
        }
    }
}

/// The subject and the decoded body of a plain-text message.
fn parse(to: Vec<String>, lines: &[String]) -> Mail {
    let split = lines.iter().position(String::is_empty).unwrap_or(lines.len());
    let headers = &lines[..split];
    let header = |name: &str| {
        headers
            .iter()
            .find(|line| line.to_ascii_lowercase().starts_with(&format!("{name}:")))
            .map(|line| line[name.len() + 1..].trim().to_owned())
            .unwrap_or_default()
    };
    let raw = lines[split.min(lines.len())..].join("\r\n");
    let body = match header("content-transfer-encoding").as_str() {
        "base64" => {
            String::from_utf8(base64::engine::general_purpose::STANDARD.decode(raw.replace("\r\n", "").trim()).unwrap())
                .unwrap()
        }
        "quoted-printable" => quoted_printable(&raw),
        _ => raw,
    };
    Mail { to, subject: header("subject"), body }
}

fn quoted_printable(text: &str) -> String {
    let joined = text.replace("=\r\n", "");
    let bytes = joined.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'='
            && i + 3 <= bytes.len()
            && let Ok(value) = u8::from_str_radix(&joined[i + 1..i + 3], 16)
        {
            out.push(value);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8(out).unwrap()
}

async fn app_with_smtp(sink: &SmtpSink) -> TestApp {
    let url = sink.url.clone();
    let app = spawn_app_with(move |settings| {
        settings.smtp_url = Some(pengaduan::config::Secret::new(url));
        settings.public_web_url = Some("https://lapor.sekadaukab.go.id".into());
        settings.mail_from = "Pengaduan Sekadau <pengaduan@sekadaukab.go.id>".into();
    })
    .await;
    pengaduan::services::seed::seed(&mut app.conn().await).await.unwrap();
    app
}

async fn post(app: &TestApp, user: &TestUser, path: &str, body: Value) -> Value {
    let response = app.authed(Method::POST, path, user).json(&body).send().await.unwrap();
    assert!(response.status().is_success(), "{path}: {:?}", response.text().await);
    response.json().await.unwrap()
}

async fn set_mode(app: &TestApp, user: &TestUser, mode: &str) {
    let response = app
        .authed(Method::PUT, "/api/v1/me/email-notifications", user)
        .json(&json!({ "mode": mode }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
}

#[tokio::test]
async fn reporters_and_staff_get_what_concerns_them_over_smtp() {
    let sink = SmtpSink::start().await;
    let app = app_with_smtp(&sink).await;
    let admin = app.user(Role::Admin, "SKD-DISKOMINFO").await;
    let operator = app.user(Role::OpdOperator, "SKD-PUPR").await;
    let quiet = app.user(Role::OpdOperator, "SKD-PUPR").await;
    set_mode(&app, &quiet, "off").await;
    let official = app.user(Role::OpdOfficial, "SKD-PUPR").await;

    let mut body = report();
    body["reporter"]["email"] = json!("siti@example.com");
    body["anonymous"] = json!(true);
    let receipt = filed(&app, &body).await;
    let code = receipt["tracking_code"].as_str().unwrap().to_owned();
    let id = id_of(&app, &receipt).await;
    let mut silent = report();
    silent["reporter"]["email"] = serde_json::Value::Null;
    let other = id_of(&app, &filed(&app, &silent).await).await;

    post(&app, &admin, &format!("/api/v1/complaints/{id}/verify"), json!({})).await;
    post(&app, &admin, &format!("/api/v1/complaints/{other}/verify"), json!({})).await;
    eventually(|| async { !sink.to("siti@example.com").is_empty() }, "the verified mail").await;
    let verified = &sink.to("siti@example.com")[0];
    assert_eq!(verified.subject, format!("[{code}] Laporan Anda telah diverifikasi"));
    assert!(verified.body.contains(&format!("https://lapor.sekadaukab.go.id/lacak/{code}")), "{}", verified.body);

    let pupr = app.unit_id("SKD-PUPR").await;
    let disposed = post(
        &app,
        &admin,
        &format!("/api/v1/complaints/{id}/dispositions"),
        json!({ "unit_ids": [pupr], "instruction": "Mohon ditindaklanjuti." }),
    )
    .await;
    let disposition = disposed[0]["id"].as_str().unwrap().to_owned();
    eventually(|| async { !sink.to(&operator.email).is_empty() }, "the operator's notification").await;
    let told = &sink.to(&operator.email)[0];
    assert!(told.subject.starts_with("[Pengaduan] "), "{}", told.subject);
    assert!(told.body.contains("Test opd_operator"), "addressed by name: {}", told.body);

    post(&app, &operator, &format!("/api/v1/dispositions/{disposition}/accept"), json!({})).await;
    let answer = post(
        &app,
        &operator,
        &format!("/api/v1/dispositions/{disposition}/follow-ups"),
        json!({ "body": "Jalan diperbaiki pekan depan.", "visibility": "public", "final": true }),
    )
    .await;
    post(&app, &official, &format!("/api/v1/follow-ups/{}/approve", answer["id"].as_str().unwrap()), json!({})).await;
    eventually(|| async { sink.to("siti@example.com").len() >= 2 }, "the answer mail").await;
    let answered = &sink.to("siti@example.com")[1];
    assert_eq!(answered.subject, format!("[{code}] Tanggapan atas laporan Anda"));
    assert!(answered.body.contains("Jalan diperbaiki pekan depan."), "{}", answered.body);

    // Asked for more information: the reporter hears; nobody hears of a report without an address.
    let third = id_of(&app, &filed(&app, &body).await).await;
    post(&app, &admin, &format!("/api/v1/complaints/{third}/postpone"), json!({ "reason": "Lampirkan foto lokasi." }))
        .await;
    eventually(
        || async { sink.to("siti@example.com").iter().any(|m| m.subject.contains("Mohon lengkapi")) },
        "postponed",
    )
    .await;

    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    let to_siti = sink.to("siti@example.com");
    assert_eq!(to_siti.len(), 3, "verified, answered, postponed: nothing for internal steps: {to_siti:?}");
    assert!(sink.to(&quiet.email).is_empty(), "a user who chose off gets no e-mail");
    let all = sink.mails.lock().unwrap().clone();
    assert!(all.iter().all(|mail| mail.to.len() == 1), "one recipient per message");
}

#[tokio::test]
async fn a_daily_digest_gathers_the_days_notifications_once() {
    let sink = SmtpSink::start().await;
    let app = app_with_smtp(&sink).await;
    // The periodic jobs also queue digests; their next turn must not come in the middle of this test.
    assert!(app.state.settings.job_interval >= std::time::Duration::from_secs(60));
    let admin = app.user(Role::Admin, "SKD-DISKOMINFO").await;
    let operator = app.user(Role::OpdOperator, "SKD-PUPR").await;
    set_mode(&app, &operator, "daily").await;
    let mode: Value = app
        .authed(Method::GET, "/api/v1/me/email-notifications", &operator)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(mode["mode"], "daily");
    let pupr = app.unit_id("SKD-PUPR").await;
    for _ in 0..2 {
        let id = id_of(&app, &filed(&app, &report()).await).await;
        post(&app, &admin, &format!("/api/v1/complaints/{id}/verify"), json!({})).await;
        post(
            &app,
            &admin,
            &format!("/api/v1/complaints/{id}/dispositions"),
            json!({ "unit_ids": [pupr], "instruction": "Mohon ditindaklanjuti." }),
        )
        .await;
    }
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    assert!(sink.to(&operator.email).is_empty(), "nothing at once for a daily reader");

    app.state.clock.advance(Duration::days(1));
    let queued = pengaduan::services::mail::send_digests(&app.state).await.unwrap();
    assert!(queued >= 1);
    eventually(|| async { !sink.to(&operator.email).is_empty() }, "the digest").await;
    let digest = &sink.to(&operator.email)[0];
    assert_eq!(digest.subject, "[Pengaduan] Ringkasan harian: 2 pemberitahuan");
    assert_eq!(digest.body.matches("\n- ").count() + usize::from(digest.body.starts_with("- ")), 2, "{}", digest.body);
    pengaduan::services::mail::send_digests(&app.state).await.unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    assert_eq!(sink.to(&operator.email).len(), 1, "one digest a day");

    let refused = app
        .authed(Method::PUT, "/api/v1/me/email-notifications", &operator)
        .json(&json!({ "mode": "weekly" }))
        .send()
        .await
        .unwrap();
    assert_problem(refused, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    let anonymous = app.request(Method::GET, "/api/v1/me/email-notifications").send().await.unwrap();
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn without_smtp_messages_are_written_to_the_data_folder() {
    let app = spawn_app_with(|_| {}).await;
    pengaduan::services::seed::seed(&mut app.conn().await).await.unwrap();
    let admin = app.user(Role::Admin, "SKD-DISKOMINFO").await;
    let mut body = report();
    body["reporter"]["email"] = json!("budi@example.com");
    let id = id_of(&app, &filed(&app, &body).await).await;
    post(&app, &admin, &format!("/api/v1/complaints/{id}/verify"), json!({})).await;
    let folder = app.state.settings.data_dir.join("mail");
    let written = || {
        std::fs::read_dir(&folder)
            .map(|entries| {
                entries
                    .filter_map(Result::ok)
                    .filter(|entry| entry.path().extension().is_some_and(|ext| ext == "eml"))
                    .map(|entry| std::fs::read_to_string(entry.path()).unwrap())
                    .collect::<Vec<_>>()
            })
            .unwrap_or_default()
    };
    eventually(|| async { written().iter().any(|mail| mail.contains("To: budi@example.com")) }, "a file").await;
    assert!(written().iter().any(|mail| mail.contains("Laporan Anda telah diverifikasi")));
}

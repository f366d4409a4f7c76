//! The change feed: one total order, no change skipped or repeated across pages, even when transactions commit out of
//! the order they started in.

use std::collections::HashSet;
use std::time::Duration;

use diesel_async::{AsyncPgConnection, RunQueryDsl, SimpleAsyncConnection};
use pengaduan::domain::role::Role;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::complaints::{filed, id_of, report};
use crate::helpers::{TestApp, TestUser, assert_problem, spawn_seeded_app};

async fn page(app: &TestApp, user: &TestUser, query: &str) -> Value {
    let response = app.authed(Method::GET, &format!("/api/v1/changes?{query}"), user).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK, "{:?}", response.text().await);
    response.json().await.unwrap()
}

/// Reads the feed from `after` to its current end, `limit` at a time; the changes and the last cursor.
async fn drain(app: &TestApp, user: &TestUser, mut after: String, limit: u32) -> (Vec<Value>, String) {
    let mut all = Vec::new();
    loop {
        let next = page(app, user, &format!("after={after}&limit={limit}&types=complaint")).await;
        let items = next["items"].as_array().unwrap().clone();
        after = next["next_cursor"].as_str().unwrap().to_owned();
        if items.is_empty() {
            return (all, after);
        }
        all.extend(items);
    }
}

/// Long-polls from `after` until the changes of every id in `ids` have come; those changes, and the last cursor.
async fn until_seen(app: &TestApp, token: &str, after: &str, ids: &[String]) -> (Vec<Value>, String) {
    let (mut items, mut after) = (Vec::<Value>::new(), after.to_owned());
    while !ids.iter().all(|id| items.iter().any(|item| item["entity_id"] == id.as_str())) {
        let path = format!("/api/v1/changes?after={after}&types=complaint&wait=5");
        let next: Value =
            app.request(Method::GET, &path).bearer_auth(token).send().await.unwrap().json().await.unwrap();
        assert!(!next["items"].as_array().unwrap().is_empty(), "nothing within five seconds");
        items.extend(next["items"].as_array().unwrap().iter().cloned());
        after = next["next_cursor"].as_str().unwrap().to_owned();
    }
    items.retain(|item| ids.iter().any(|id| item["entity_id"] == id.as_str()));
    (items, after)
}

async fn bump(conn: &mut AsyncPgConnection, complaint: Uuid) {
    diesel::sql_query("UPDATE complaints SET version = version + 1 WHERE id = $1")
        .bind::<diesel::sql_types::Uuid, _>(complaint)
        .execute(conn)
        .await
        .unwrap();
}

#[tokio::test]
async fn the_feed_lists_changes_in_order_and_only_to_those_who_may_read_them() {
    let app = spawn_seeded_app().await;
    let admin = app.user(Role::Admin, "SKD-DISKOMINFO").await;
    let start = page(&app, &admin, "types=complaint&limit=1000").await;
    let (_, cursor) = drain(&app, &admin, start["next_cursor"].as_str().unwrap().to_owned(), 1000).await;

    let first = filed(&app, &report()).await;
    let second = filed(&app, &report()).await;
    let (ids, first_id) = (
        vec![id_of(&app, &first).await.to_string(), id_of(&app, &second).await.to_string()],
        id_of(&app, &first).await,
    );
    let (items, end) = until_seen(&app, &admin.access_token, &cursor, &ids).await;
    let seen: Vec<String> = items.iter().map(|item| item["entity_id"].as_str().unwrap().to_owned()).collect();
    assert_eq!(seen, ids, "in the order they happened");
    assert_eq!((items[0]["action"].as_str(), items[0]["status"].as_str()), (Some("created"), Some("submitted")));
    assert_eq!(items[0]["version"], 1);
    assert!(!json!(items).to_string().contains("Budi"), "no personal data");
    let end = end.as_str();
    let nothing = page(&app, &admin, &format!("after={end}")).await;
    assert_eq!(nothing["items"], json!([]));
    assert_eq!(nothing["next_cursor"], end, "the same place when nothing is new");

    // A machine client with complaints:read sees the same; others are refused.
    let made: Value = app
        .authed(Method::POST, "/api/v1/api-clients", &admin)
        .json(&json!({ "name": "Sinkron", "scopes": ["complaints:read", "reports:read"] }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token: Value = app
        .request(Method::POST, "/api/v1/oauth/token")
        .basic_auth(made["client_id"].as_str().unwrap(), made["client_secret"].as_str())
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = token["access_token"].as_str().unwrap();
    let (machine, _) = until_seen(&app, token, &cursor, &ids).await;
    assert_eq!(machine, items, "the same changes");
    let narrow: Value = app
        .request(Method::POST, "/api/v1/oauth/token")
        .basic_auth(made["client_id"].as_str().unwrap(), made["client_secret"].as_str())
        .form(&[("grant_type", "client_credentials"), ("scope", "reports:read")])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let refused =
        app.request(Method::GET, "/api/v1/changes").bearer_auth(narrow["access_token"].as_str().unwrap()).send().await;
    assert_problem(refused.unwrap(), StatusCode::FORBIDDEN, "insufficient_scope").await;
    let operator = app.user(Role::OpdOperator, "SKD-PUPR").await;
    assert_problem(
        app.authed(Method::GET, "/api/v1/changes", &operator).send().await.unwrap(),
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    let sanggau = app.user(Role::Admin, "SAG").await;
    let elsewhere = page(&app, &sanggau, "types=complaint&limit=1000").await;
    assert!(!elsewhere.to_string().contains(&first_id.to_string()), "another Pemda's feed");

    for bad in ["after=garbage", "types=user", "limit=0", "limit=1001", "wait=31"] {
        let response = app.authed(Method::GET, &format!("/api/v1/changes?{bad}"), &admin).send().await.unwrap();
        assert_problem(response, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    }
}

#[tokio::test]
async fn a_transaction_that_commits_late_is_never_skipped() {
    let app = spawn_seeded_app().await;
    let admin = app.user(Role::Admin, "SKD-DISKOMINFO").await;
    let (x, y) = (id_of(&app, &filed(&app, &report()).await).await, id_of(&app, &filed(&app, &report()).await).await);
    let (_, cursor) = drain(&app, &admin, String::new(), 1000).await;

    // A starts first and holds its change; B starts later and commits first.
    let mut a = app.conn().await;
    let mut b = app.conn().await;
    a.batch_execute("BEGIN").await.unwrap();
    bump(&mut a, x).await;
    b.batch_execute("BEGIN").await.unwrap();
    bump(&mut b, y).await;
    b.batch_execute("COMMIT").await.unwrap();

    // (Anything else the feed had still held back when the cursor was taken may come now; B may not.)
    let held = page(&app, &admin, &format!("after={cursor}&types=complaint")).await;
    let updated = |items: &Value| -> Vec<String> {
        items
            .as_array()
            .unwrap()
            .iter()
            .filter(|i| i["action"] == "updated")
            .map(|i| i["entity_id"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(
        updated(&held["items"]),
        Vec::<String>::new(),
        "B waits behind A, which could still add a change before it"
    );

    a.batch_execute("COMMIT").await.unwrap();
    // Any other transaction still running (autovacuum's, another request's) may hold B back a moment longer: read on,
    // long-polling, until both have come.
    let (mut order, mut after) = (Vec::new(), held["next_cursor"].as_str().unwrap().to_owned());
    while order.len() < 2 {
        let next = page(&app, &admin, &format!("after={after}&types=complaint&wait=5")).await;
        assert!(!next["items"].as_array().unwrap().is_empty(), "nothing within five seconds");
        order.extend(updated(&next["items"]));
        after = next["next_cursor"].as_str().unwrap().to_owned();
    }
    assert_eq!(order, [x.to_string(), y.to_string()], "A's change first: it began first");
}

#[tokio::test]
async fn concurrent_writers_with_delayed_commits_and_a_reader_paging_all_the_while_agree() {
    let app = spawn_seeded_app().await;
    let admin = app.user(Role::Admin, "SKD-DISKOMINFO").await;
    let mut complaints = Vec::new();
    for _ in 0..4 {
        complaints.push(id_of(&app, &filed(&app, &report()).await).await);
    }
    let (_, start) = drain(&app, &admin, String::new(), 1000).await;

    const WRITERS: usize = 6;
    const WRITES: usize = 5;
    let mut writers = Vec::new();
    for writer in 0..WRITERS {
        let mut conn = app.conn().await;
        let complaints = complaints.clone();
        writers.push(tokio::spawn(async move {
            for write in 0..WRITES {
                conn.batch_execute("BEGIN").await.unwrap();
                // Each writer has its own complaint to bump first, so transactions overlap instead of queueing on
                // one row lock; the delays make commits land out of start order.
                bump(&mut conn, complaints[(writer + write) % complaints.len()]).await;
                tokio::time::sleep(Duration::from_millis(((writer * 7 + write * 13) % 40) as u64)).await;
                conn.batch_execute("COMMIT").await.unwrap();
            }
        }));
    }
    let mut read = Vec::new();
    let mut cursor = start.clone();
    let mut writers_done = false;
    loop {
        let (items, next) = drain(&app, &admin, cursor.clone(), 3).await;
        read.extend(items);
        cursor = next;
        if writers_done {
            break;
        }
        writers_done = writers.iter().all(|writer| writer.is_finished());
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    for writer in writers {
        writer.await.unwrap();
    }
    // Read on until every commit has come through: another transaction still running (autovacuum's, a background
    // job's) may hold the last ones back a moment; a skipped change would never come and fail below.
    let updates = |read: &[Value]| read.iter().filter(|item| item["action"] == "updated").count();
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while updates(&read) < WRITERS * WRITES && std::time::Instant::now() < deadline {
        let next = page(&app, &admin, &format!("after={cursor}&types=complaint&limit=3&wait=1")).await;
        read.extend(next["items"].as_array().unwrap().iter().cloned());
        cursor = next["next_cursor"].as_str().unwrap().to_owned();
    }

    let cursors: Vec<&str> = read.iter().map(|item| item["cursor"].as_str().unwrap()).collect();
    let unique: HashSet<&str> = cursors.iter().copied().collect();
    assert_eq!(unique.len(), cursors.len(), "no change repeated");
    assert_eq!(updates(&read), WRITERS * WRITES, "no change skipped");
    let (everything, _) = drain(&app, &admin, start, 1000).await;
    assert_eq!(read, everything, "the same changes in the same order as one read after the fact");
}

use pengaduan::domain::role::Role;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::helpers::{TestApp, TestUser, assert_problem, error_fields, spawn_seeded_app};

const ROLES_THAT_MAY_NOT_MANAGE: [(Role, &str); 5] = [
    (Role::OpdOperator, "SKD-PUPR"),
    (Role::OpdOfficial, "SKD-PUPR"),
    (Role::Inspector, "SKD-INSPEKTORAT"),
    (Role::ActionPlanReviewer, "SKD-BAGHUKUM"),
    (Role::Leader, "SKD"),
];

async fn create(app: &TestApp, user: &TestUser, body: Value) -> reqwest::Response {
    app.authed(Method::POST, "/api/v1/units", user).json(&body).send().await.unwrap()
}

/// A second Pemda, created by a super admin, with one OPD.
async fn other_pemda(app: &TestApp) -> (Uuid, Uuid) {
    let root = app.user(Role::SuperAdmin, "SKD").await;
    let pemda: Value = create(app, &root, json!({ "kind": "regency", "code": "SGU", "name": "Kabupaten Sanggau" }))
        .await
        .json()
        .await
        .unwrap();
    let pemda_id: Uuid = pemda["id"].as_str().unwrap().parse().unwrap();
    let opd: Value = create(
        app,
        &root,
        json!({ "kind": "opd", "code": "SGU-PUPR", "name": "Dinas PUPR Sanggau", "parent_id": pemda_id }),
    )
    .await
    .json()
    .await
    .unwrap();
    (pemda_id, opd["id"].as_str().unwrap().parse().unwrap())
}

#[tokio::test]
async fn listing_units_needs_a_signed_in_user() {
    let app = spawn_seeded_app().await;
    let response = app.request(Method::GET, "/api/v1/units").send().await.unwrap();
    assert_problem(response, StatusCode::UNAUTHORIZED, "missing_token").await;
}

#[tokio::test]
async fn every_role_reads_the_units_of_its_own_pemda() {
    let app = spawn_seeded_app().await;
    for (role, unit) in ROLES_THAT_MAY_NOT_MANAGE.into_iter().chain([(Role::Admin, "SKD-DISKOMINFO")]) {
        let user = app.user(role, unit).await;
        let response = app.authed(Method::GET, "/api/v1/units?limit=100", &user).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::OK, "{role}");
        let page: Value = response.json().await.unwrap();
        let codes: Vec<&str> = page["items"].as_array().unwrap().iter().map(|u| u["code"].as_str().unwrap()).collect();
        assert_eq!(codes.len(), 13, "{role} sees Sekadau and its 12 units: {codes:?}");
        assert!(codes.contains(&"SKD") && codes.contains(&"SKD-BPRPD"));
        assert!(page["next_cursor"].is_null());
    }
}

#[tokio::test]
async fn units_of_another_pemda_are_invisible_except_to_super_admins() {
    let app = spawn_seeded_app().await;
    let (_, other_opd) = other_pemda(&app).await;
    let admin = app.user(Role::Admin, "SKD-DISKOMINFO").await;
    let response = app.authed(Method::GET, &format!("/api/v1/units/{other_opd}"), &admin).send().await.unwrap();
    assert_problem(response, StatusCode::NOT_FOUND, "not_found").await;
    let page: Value =
        app.authed(Method::GET, "/api/v1/units?limit=100", &admin).send().await.unwrap().json().await.unwrap();
    assert!(page["items"].as_array().unwrap().iter().all(|unit| !unit["code"].as_str().unwrap().starts_with("SGU")));

    let root = app.user(Role::SuperAdmin, "SKD").await;
    let response = app.authed(Method::GET, &format!("/api/v1/units/{other_opd}"), &root).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
}

#[tokio::test]
async fn units_page_through_with_a_cursor_and_a_link_header() {
    let app = spawn_seeded_app().await;
    let user = app.user(Role::Leader, "SKD").await;
    let mut seen = Vec::new();
    let mut path = "/api/v1/units?limit=5&active=true".to_owned();
    loop {
        let response = app.authed(Method::GET, &path, &user).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        let link = response.headers().get("link").map(|v| v.to_str().unwrap().to_owned());
        let page: Value = response.json().await.unwrap();
        let items = page["items"].as_array().unwrap();
        assert!(items.len() <= 5);
        seen.extend(items.iter().map(|u| u["id"].as_str().unwrap().to_owned()));
        match page["next_cursor"].as_str() {
            Some(cursor) => {
                let link = link.expect("a Link header when there is a next page");
                assert!(
                    link.contains(cursor) && link.ends_with("rel=\"next\"") && link.contains("active=true"),
                    "{link}"
                );
                path = format!("/api/v1/units?limit=5&active=true&cursor={cursor}");
            }
            None => {
                assert!(link.is_none());
                break;
            }
        }
    }
    let unique: std::collections::HashSet<_> = seen.iter().collect();
    assert_eq!((seen.len(), unique.len()), (13, 13));
}

#[tokio::test]
async fn units_filter_by_kind_and_parent() {
    let app = spawn_seeded_app().await;
    let user = app.user(Role::OpdOperator, "SKD-DPMD").await;
    let skd = app.unit_id("SKD").await;
    let opds: Value =
        app.authed(Method::GET, "/api/v1/units?kind=opd&limit=100", &user).send().await.unwrap().json().await.unwrap();
    assert_eq!(opds["items"].as_array().unwrap().len(), 12);
    let children: Value = app
        .authed(Method::GET, &format!("/api/v1/units?parent_id={skd}&limit=100"), &user)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(children["items"].as_array().unwrap().len(), 12);
    let regencies: Value =
        app.authed(Method::GET, "/api/v1/units?kind=regency", &user).send().await.unwrap().json().await.unwrap();
    assert_eq!(regencies["items"][0]["code"], "SKD");
}

#[tokio::test]
async fn bad_page_requests_are_refused() {
    let app = spawn_seeded_app().await;
    let user = app.user(Role::Leader, "SKD").await;
    let too_many = app.authed(Method::GET, "/api/v1/units?limit=101", &user).send().await.unwrap();
    let problem = assert_problem(too_many, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    assert_eq!(error_fields(&problem), ["limit"]);
    let forged = app.authed(Method::GET, "/api/v1/units?cursor=forged", &user).send().await.unwrap();
    assert_problem(forged, StatusCode::BAD_REQUEST, "invalid_cursor").await;
}

#[tokio::test]
async fn reading_a_unit_returns_its_etag() {
    let app = spawn_seeded_app().await;
    let user = app.user(Role::Inspector, "SKD-INSPEKTORAT").await;
    let id = app.unit_id("SKD-PUPR").await;
    let response = app.authed(Method::GET, &format!("/api/v1/units/{id}"), &user).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers().get("etag").unwrap(), "\"1\"");
    let unit: Value = response.json().await.unwrap();
    assert_eq!(unit["kind"], "opd");
    assert_eq!(unit["short_name"], "Dinas PUPR");
    let missing = app.authed(Method::GET, &format!("/api/v1/units/{}", Uuid::now_v7()), &user).send().await.unwrap();
    assert_problem(missing, StatusCode::NOT_FOUND, "not_found").await;
}

#[tokio::test]
async fn an_admin_creates_units_inside_their_pemda() {
    let app = spawn_seeded_app().await;
    let admin = app.user(Role::Admin, "SKD-DISKOMINFO").await;
    let pupr = app.unit_id("SKD-PUPR").await;
    let response = create(
        &app,
        &admin,
        json!({ "kind": "sub_unit", "code": "skd-pupr-bm", "name": "Bidang Bina Marga", "parent_id": pupr }),
    )
    .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    assert_eq!(response.headers().get("etag").unwrap(), "\"1\"");
    let location = response.headers().get("location").unwrap().to_str().unwrap().to_owned();
    let unit: Value = response.json().await.unwrap();
    assert_eq!(unit["code"], "SKD-PUPR-BM");
    assert_eq!(location, format!("/api/v1/units/{}", unit["id"].as_str().unwrap()));
    assert_eq!(app.authed(Method::GET, &location, &admin).send().await.unwrap().status(), StatusCode::OK);
    assert_eq!(audit_count(&app, "unit", unit["id"].as_str().unwrap().parse().unwrap()).await, 1);
}

#[tokio::test]
async fn only_a_super_admin_creates_a_new_pemda() {
    let app = spawn_seeded_app().await;
    let admin = app.user(Role::Admin, "SKD-DISKOMINFO").await;
    let response = create(&app, &admin, json!({ "kind": "regency", "code": "MLW", "name": "Kabupaten Melawi" })).await;
    assert_problem(response, StatusCode::FORBIDDEN, "forbidden").await;
    let root = app.user(Role::SuperAdmin, "SKD").await;
    let response = create(&app, &root, json!({ "kind": "regency", "code": "MLW", "name": "Kabupaten Melawi" })).await;
    assert_eq!(response.status(), StatusCode::CREATED);
}

#[tokio::test]
async fn an_admin_cannot_create_units_in_another_pemda() {
    let app = spawn_seeded_app().await;
    let (other, _) = other_pemda(&app).await;
    let admin = app.user(Role::Admin, "SKD-DISKOMINFO").await;
    let response = create(
        &app,
        &admin,
        json!({ "kind": "opd", "code": "SGU-DINKES", "name": "Dinkes Sanggau", "parent_id": other }),
    )
    .await;
    assert_problem(response, StatusCode::FORBIDDEN, "forbidden").await;
}

#[tokio::test]
async fn roles_other_than_admins_may_not_create_or_edit_units() {
    let app = spawn_seeded_app().await;
    let pupr = app.unit_id("SKD-PUPR").await;
    for (role, unit) in ROLES_THAT_MAY_NOT_MANAGE {
        let user = app.user(role, unit).await;
        let response =
            create(&app, &user, json!({ "kind": "sub_unit", "code": "SKD-X", "name": "X", "parent_id": pupr })).await;
        assert_problem(response, StatusCode::FORBIDDEN, "forbidden").await;
        let response = app
            .authed(Method::PATCH, &format!("/api/v1/units/{pupr}"), &user)
            .json(&json!({ "name": "Y" }))
            .send()
            .await
            .unwrap();
        assert_problem(response, StatusCode::FORBIDDEN, "forbidden").await;
    }
}

#[tokio::test]
async fn a_taken_code_is_a_conflict() {
    let app = spawn_seeded_app().await;
    let admin = app.user(Role::Admin, "SKD-DISKOMINFO").await;
    let skd = app.unit_id("SKD").await;
    let response =
        create(&app, &admin, json!({ "kind": "opd", "code": "skd-pupr", "name": "Duplicate", "parent_id": skd })).await;
    assert_problem(response, StatusCode::CONFLICT, "code_taken").await;
}

#[tokio::test]
async fn invalid_units_are_refused_with_every_field_named() {
    let app = spawn_seeded_app().await;
    let admin = app.user(Role::Admin, "SKD-DISKOMINFO").await;
    let response = create(&app, &admin, json!({ "kind": "opd", "code": "x y", "name": "  ", "short_name": "" })).await;
    let problem = assert_problem(response, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    assert_eq!(error_fields(&problem), ["code", "name", "short_name"]);

    let pupr = app.unit_id("SKD-PUPR").await;
    let response =
        create(&app, &admin, json!({ "kind": "opd", "code": "SKD-NEST", "name": "OPD in an OPD", "parent_id": pupr }))
            .await;
    let problem = assert_problem(response, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    assert_eq!(problem["errors"][0]["code"], "invalid_parent");

    let response =
        create(&app, &admin, json!({ "kind": "opd", "code": "SKD-LOST", "name": "Lost", "parent_id": Uuid::now_v7() }))
            .await;
    let problem = assert_problem(response, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    assert_eq!(error_fields(&problem), ["parent_id"]);

    let response = create(&app, &admin, json!({ "kind": "kecamatan", "code": "SKD-K", "name": "K" })).await;
    assert_problem(response, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
}

#[tokio::test]
async fn an_admin_edits_a_unit_with_if_match_and_a_stale_version_is_412() {
    let app = spawn_seeded_app().await;
    let admin = app.user(Role::Admin, "SKD-DISKOMINFO").await;
    let id = app.unit_id("SKD-DIKBUD").await;
    let path = format!("/api/v1/units/{id}");
    let response = app
        .authed(Method::PATCH, &path, &admin)
        .header("if-match", "\"1\"")
        .json(&json!({ "name": "Dinas Pendidikan dan Kebudayaan Kabupaten Sekadau", "short_name": null }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers().get("etag").unwrap(), "\"2\"");
    let unit: Value = response.json().await.unwrap();
    assert!(unit["short_name"].is_null());
    assert_eq!(unit["version"], 2);

    let stale = app
        .authed(Method::PATCH, &path, &admin)
        .header("if-match", "\"1\"")
        .json(&json!({ "active": false }))
        .send()
        .await
        .unwrap();
    let problem = assert_problem(stale, StatusCode::PRECONDITION_FAILED, "stale_version").await;
    assert_eq!(problem["context"]["etag"], "\"2\"");
    let malformed = app
        .authed(Method::PATCH, &path, &admin)
        .header("if-match", "2")
        .json(&json!({ "active": false }))
        .send()
        .await
        .unwrap();
    assert_problem(malformed, StatusCode::BAD_REQUEST, "invalid_if_match").await;
    assert_eq!(audit_count(&app, "unit", id).await, 1);
}

#[tokio::test]
async fn a_unit_cannot_move_below_its_own_descendant_or_out_of_reach() {
    let app = spawn_seeded_app().await;
    let admin = app.user(Role::Admin, "SKD-DISKOMINFO").await;
    let pupr = app.unit_id("SKD-PUPR").await;
    let bidang: Value = create(
        &app,
        &admin,
        json!({ "kind": "sub_unit", "code": "SKD-PUPR-CK", "name": "Cipta Karya", "parent_id": pupr }),
    )
    .await
    .json()
    .await
    .unwrap();
    let seksi: Value = create(
        &app,
        &admin,
        json!({ "kind": "sub_unit", "code": "SKD-PUPR-CK1", "name": "Seksi 1", "parent_id": bidang["id"] }),
    )
    .await
    .json()
    .await
    .unwrap();
    let cycle = app
        .authed(Method::PATCH, &format!("/api/v1/units/{}", bidang["id"].as_str().unwrap()), &admin)
        .json(&json!({ "parent_id": seksi["id"] }))
        .send()
        .await
        .unwrap();
    let problem = assert_problem(cycle, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    assert_eq!(problem["errors"][0]["code"], "cycle");

    let skd = app.unit_id("SKD").await;
    let own_root = app
        .authed(Method::PATCH, &format!("/api/v1/units/{skd}"), &admin)
        .json(&json!({ "parent_id": null }))
        .send()
        .await
        .unwrap();
    assert_problem(own_root, StatusCode::FORBIDDEN, "forbidden").await;

    let (_, other_opd) = other_pemda(&app).await;
    let foreign = app
        .authed(Method::PATCH, &format!("/api/v1/units/{other_opd}"), &admin)
        .json(&json!({ "name": "Mine" }))
        .send()
        .await
        .unwrap();
    assert_problem(foreign, StatusCode::FORBIDDEN, "forbidden").await;
    let missing = app
        .authed(Method::PATCH, &format!("/api/v1/units/{}", Uuid::now_v7()), &admin)
        .json(&json!({ "name": "X" }))
        .send()
        .await
        .unwrap();
    assert_problem(missing, StatusCode::NOT_FOUND, "not_found").await;
}

/// Each unit's `pemda_id` (which the per-request session check reads) follows the tree: set on creation, carried
/// along with the whole subtree when a unit moves to another Pemda.
#[tokio::test]
async fn a_unit_moved_to_another_pemda_takes_its_subtree_along() {
    let app = spawn_seeded_app().await;
    let root = app.user(Role::SuperAdmin, "SKD").await;
    let (sanggau, _) = other_pemda(&app).await;
    let skd = app.unit_id("SKD").await;
    let pupr = app.unit_id("SKD-PUPR").await;
    let bidang: Value = create(
        &app,
        &root,
        json!({ "kind": "sub_unit", "code": "SKD-PUPR-BM", "name": "Bina Marga", "parent_id": pupr }),
    )
    .await
    .json()
    .await
    .unwrap();
    let bidang: Uuid = bidang["id"].as_str().unwrap().parse().unwrap();
    assert_eq!(pemda_of(&app, &[skd, pupr, bidang]).await, [Some(skd), Some(skd), Some(skd)]);

    let moved =
        app.authed(Method::PATCH, &format!("/api/v1/units/{pupr}"), &root).json(&json!({ "parent_id": sanggau }));
    assert_eq!(moved.send().await.unwrap().status(), StatusCode::OK);
    assert_eq!(pemda_of(&app, &[skd, pupr, bidang]).await, [Some(skd), Some(sanggau), Some(sanggau)]);
}

async fn pemda_of(app: &TestApp, ids: &[Uuid]) -> Vec<Option<Uuid>> {
    use diesel::prelude::*;
    use diesel_async::RunQueryDsl;
    use pengaduan::db::schema::units;
    let mut conn = app.conn().await;
    let mut pemdas = Vec::new();
    for id in ids {
        pemdas.push(units::table.find(id).select(units::pemda_id).get_result(&mut conn).await.unwrap());
    }
    pemdas
}

#[tokio::test]
async fn the_audit_trail_cannot_be_rewritten() {
    use diesel_async::RunQueryDsl;
    let app = spawn_seeded_app().await;
    let admin = app.user(Role::Admin, "SKD-DISKOMINFO").await;
    let id = app.unit_id("SKD-BPBD").await;
    let response = app
        .authed(Method::PATCH, &format!("/api/v1/units/{id}"), &admin)
        .json(&json!({ "name": "BPBD Sekadau" }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let mut conn = app.conn().await;
    assert!(diesel::sql_query("UPDATE audit_events SET action = 'forged'").execute(&mut conn).await.is_err());
    assert!(diesel::sql_query("DELETE FROM audit_events").execute(&mut conn).await.is_err());
    assert!(diesel::sql_query("TRUNCATE audit_events").execute(&mut conn).await.is_err());
    assert_eq!(audit_count(&app, "unit", id).await, 1);
}

pub async fn audit_count(app: &TestApp, entity_type: &str, id: Uuid) -> i64 {
    use diesel::prelude::*;
    use diesel_async::RunQueryDsl;
    use pengaduan::db::schema::audit_events;
    let mut conn = app.conn().await;
    audit_events::table
        .filter(audit_events::entity_type.eq(entity_type))
        .filter(audit_events::entity_id.eq(id))
        .count()
        .get_result(&mut conn)
        .await
        .unwrap()
}

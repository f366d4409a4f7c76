//! Prometheus metrics on a listener of their own.

use reqwest::{Method, StatusCode};

use crate::complaints::{filed, report};
use crate::helpers::spawn_app_with;

#[tokio::test]
async fn metrics_are_served_in_the_prometheus_format_on_their_own_listener_only() {
    let app = spawn_app_with(|settings| settings.metrics_bind = Some("127.0.0.1:0".into())).await;
    let mut conn = app.conn().await;
    pengaduan::services::seed::seed(&mut conn).await.unwrap();
    filed(&app, &report()).await;
    let health = app.request(Method::GET, "/health").send().await.unwrap();
    assert_eq!(health.status(), StatusCode::OK);

    let metrics = app.metrics_address.clone().expect("a metrics listener");
    let response = crate::helpers::http_client().get(format!("{metrics}/metrics")).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["content-type"], "text/plain; version=0.0.4; charset=utf-8");
    let text = response.text().await.unwrap();
    for expected in [
        "# TYPE http_requests_total counter",
        "route=\"/health\"",
        "route=\"/api/v1/public/complaints\"",
        "# TYPE http_request_duration_seconds histogram",
        "http_request_duration_seconds_bucket{",
        "le=\"+Inf\"",
        "complaints_open{pemda=\"SKD\"} 1",
        "complaints_overdue{pemda=\"SKD\"} 0",
        "db_pool_connections{state=\"in_use\"}",
        "db_pool_waiting",
        "export_backlog 0",
        "db_up 1",
    ] {
        assert!(text.contains(expected), "{expected} missing from\n{text}");
    }
    assert!(!text.contains("SKD-2026-"), "no tracking codes, no raw paths");

    let public = app.request(Method::GET, "/metrics").send().await.unwrap();
    assert_eq!(public.status(), StatusCode::NOT_FOUND, "never on the API's listener");
    let off = crate::helpers::spawn_app().await;
    assert!(off.metrics_address.is_none(), "off unless configured");
}

//! Operational metrics in the Prometheus text exposition format (rendered by metrics-exporter-prometheus), served on a
//! listener of their own (`PENGADUAN_METRICS_BIND`, off by default) so they are never public by accident.
//!
//! Recorded as things happen: requests by method, route template and status, with a latency histogram; each job's
//! runs by outcome, duration and last success; webhook attempts by outcome. Read at scrape time: the database pools
//! (in use, idle, waiting), the export and webhook backlogs, and open and overdue complaints per Pemda.

use std::sync::{Mutex, OnceLock};
use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};

use crate::db::DbPool;
use crate::state::AppState;

/// Latency buckets, in seconds: a list answers in milliseconds, an export or a long poll in seconds.
const LATENCY_BUCKETS: [f64; 14] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0];

static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
static POOLS: Mutex<Vec<DbPool>> = Mutex::new(Vec::new());

/// The process's recorder, installed on first use (one per process: every app built in it shares it).
pub fn handle() -> &'static PrometheusHandle {
    HANDLE.get_or_init(|| {
        let recorder = PrometheusBuilder::new()
            .set_buckets(&LATENCY_BUCKETS)
            .expect("the latency buckets are not empty")
            .build_recorder();
        let handle = recorder.handle();
        // Another recorder can only be there if this process installed one itself; the handle still renders ours.
        let _ = metrics::set_global_recorder(recorder);
        handle
    })
}

/// Counts a pool in the pool gauges.
pub fn watch_pool(pool: &DbPool) {
    POOLS.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).push(pool.clone());
}

/// Middleware: records every request by method, route template (never the raw path, which would make a series per
/// id) and status.
pub async fn record_requests(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let started = Instant::now();
    let method = req.method().to_string();
    let response = next.call(req).await?;
    let route = response.request().match_pattern().unwrap_or_else(|| "unmatched".to_owned());
    let status = response.status().as_u16().to_string();
    metrics::counter!("http_requests_total", "method" => method.clone(), "route" => route.clone(), "status" => status)
        .increment(1);
    metrics::histogram!("http_request_duration_seconds", "method" => method, "route" => route)
        .record(started.elapsed().as_secs_f64());
    Ok(response)
}

/// Records one run of a background job.
pub fn job_ran(job: &'static str, started: Instant, succeeded: bool) {
    let outcome = if succeeded { "success" } else { "failure" };
    metrics::counter!("job_runs_total", "job" => job, "outcome" => outcome).increment(1);
    metrics::histogram!("job_duration_seconds", "job" => job).record(started.elapsed().as_secs_f64());
    if succeeded {
        let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
        metrics::gauge!("job_last_success_timestamp_seconds", "job" => job).set(now.as_secs_f64());
    }
}

/// Counts an e-mail sending attempt by its outcome.
pub fn mail_attempted(sent: bool) {
    let outcome = if sent { "sent" } else { "failed" };
    metrics::counter!("mail_attempts_total", "outcome" => outcome).increment(1);
}

/// Counts a webhook attempt by its outcome.
pub fn webhook_attempted(delivered: bool) {
    let outcome = if delivered { "delivered" } else { "failed" };
    metrics::counter!("webhook_attempts_total", "outcome" => outcome).increment(1);
}

/// The metrics page: the gauges read now from the pools and the database, then everything recorded.
pub async fn render(state: &AppState) -> String {
    let (mut size, mut available, mut waiting, mut max) = (0, 0, 0, 0);
    for pool in POOLS.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).iter() {
        let status = pool.status();
        (size, available, waiting, max) =
            (size + status.size, available + status.available, waiting + status.waiting, max + status.max_size);
    }
    metrics::gauge!("db_pool_connections", "state" => "in_use").set(size.saturating_sub(available) as f64);
    metrics::gauge!("db_pool_connections", "state" => "idle").set(available as f64);
    metrics::gauge!("db_pool_max_connections").set(max as f64);
    metrics::gauge!("db_pool_waiting").set(waiting as f64);
    match state.pool.get().await {
        Ok(mut conn) => {
            if let Ok(backlog) = crate::db::exports::backlog(&mut conn).await {
                metrics::gauge!("export_backlog").set(backlog as f64);
            }
            if let Ok(backlog) = crate::db::mail::backlog(&mut conn).await {
                metrics::gauge!("mail_outbox_backlog").set(backlog as f64);
            }
            if let Ok(backlog) = crate::db::webhooks::backlog(&mut conn).await {
                metrics::gauge!("webhook_backlog").set(backlog as f64);
            }
            if let Ok(rows) = crate::db::complaints::open_by_pemda(&mut conn, state.clock.now()).await {
                for row in rows {
                    let pemda = row.pemda_code;
                    metrics::gauge!("complaints_open", "pemda" => pemda.clone()).set(row.open as f64);
                    metrics::gauge!("complaints_overdue", "pemda" => pemda).set(row.overdue as f64);
                }
            }
            metrics::gauge!("db_up").set(1.0);
        }
        Err(_) => metrics::gauge!("db_up").set(0.0),
    }
    handle().render()
}

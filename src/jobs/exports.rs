//! The export worker: runs queued exports one after another, woken at once when this instance queues one and every
//! job interval for those queued through other instances. Several instances' workers share the queue safely (see
//! services::reports::export_jobs).

use std::time::Duration;

use actix_web::web;

use crate::services::reports::export_jobs;
use crate::state::AppState;

/// Runs exports until the process ends.
pub fn spawn_worker(state: web::Data<AppState>, interval: Duration) {
    tokio::spawn(async move {
        loop {
            loop {
                let started = std::time::Instant::now();
                let ran = export_jobs::run_next(&state).await;
                if !matches!(ran, Ok(None)) {
                    crate::monitoring::job_ran("exports", started, ran.is_ok());
                }
                match ran {
                    Ok(Some(_)) => continue,
                    Ok(None) => break,
                    Err(error) => {
                        tracing::warn!(error = %error, "the export worker failed; it will look again at the next tick");
                        break;
                    }
                }
            }
            tokio::select! {
                _ = state.exports_queued.notified() => {}
                _ = tokio::time::sleep(interval) => {}
            }
        }
    });
}

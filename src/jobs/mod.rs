//! Background work that runs inside `serve`: deadline escalation with auto-close, housekeeping, the export worker and
//! the webhook worker.
//! Every job is safe with several instances running: deadlines and housekeeping take a PostgreSQL advisory lock first,
//! and a run that finds it taken skips its turn; export workers claim one export each with `SKIP LOCKED`.

pub mod deadlines;
pub mod exports;
pub mod housekeeping;
pub mod mail;
pub mod webhooks;

use std::time::Duration;

use actix_web::web;

use crate::state::AppState;

/// Runs every job every `interval` until the process ends. A missed tick is not replayed: each run catches up on all
/// that is due.
pub fn spawn(state: web::Data<AppState>, interval: Duration) {
    exports::spawn_worker(state.clone(), interval);
    webhooks::spawn_worker(state.clone());
    mail::spawn_worker(state.clone());
    tokio::spawn(async move {
        let mut ticker = tokio::time::interval(interval);
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticker.tick().await;
            let started = std::time::Instant::now();
            let ran = deadlines::run(&state).await;
            crate::monitoring::job_ran("deadlines", started, ran.is_ok());
            if let Err(error) = ran {
                tracing::warn!(error = %error, "the deadline job failed; it will run again at the next tick");
            }
            let started = std::time::Instant::now();
            let ran = crate::services::mail::send_digests(&state).await;
            crate::monitoring::job_ran("mail_digests", started, ran.is_ok());
            if let Err(error) = ran {
                tracing::warn!(error = %error, "the daily digests failed; they will be tried at the next tick");
            }
            let started = std::time::Instant::now();
            let ran = housekeeping::run(&state).await;
            crate::monitoring::job_ran("housekeeping", started, ran.is_ok());
            if let Err(error) = ran {
                tracing::warn!(error = %error, "housekeeping failed; it will run again at the next tick");
            }
        }
    });
}

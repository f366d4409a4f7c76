//! The webhook worker: a fan-out loop turns new changes into deliveries every half second, and a sender sends due
//! deliveries as they come, a bounded number at once. Changes are written by database triggers anywhere in the
//! service, so the fan-out looks rather than waits to be told; a look that finds nothing costs one indexed query per
//! active endpoint.

use std::time::Duration;

use actix_web::web;

use crate::services::webhooks::{delivery, target};
use crate::state::AppState;

/// How often the fan-out looks for changes, and an idle sender for due deliveries.
const LOOK_EVERY: Duration = Duration::from_millis(500);

/// Requests in flight at once, over all endpoints.
const CONCURRENT_SENDS: usize = 16;

/// Delivers webhooks until the process ends.
pub fn spawn_worker(state: web::Data<AppState>) {
    let client = match target::client(state.settings.webhook_allow_private) {
        Ok(client) => client,
        Err(error) => {
            tracing::error!(error = %error, "the webhook HTTP client could not be built; no webhooks will be sent");
            return;
        }
    };
    tokio::spawn(send_forever(state.clone(), client, CONCURRENT_SENDS));
    tokio::spawn(async move {
        let mut ticker = tokio::time::interval(LOOK_EVERY);
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticker.tick().await;
            let started = std::time::Instant::now();
            let made = delivery::fan_out(&state).await;
            if !matches!(made, Ok(0)) {
                crate::monitoring::job_ran("webhook_fan_out", started, made.is_ok());
            }
            if let Err(error) = made {
                tracing::warn!(error = %error, "the webhook fan-out failed; it will look again shortly");
            }
        }
    });
}

/// Sends due deliveries for as long as the process runs: up to `concurrency` at once, each taking a permit, so one
/// slow endpoint holds only its own requests (at most the attempt timeout each), not everyone's.
async fn send_forever(state: web::Data<AppState>, client: reqwest::Client, concurrency: usize) {
    let permits = std::sync::Arc::new(tokio::sync::Semaphore::new(concurrency));
    loop {
        let free = permits.available_permits();
        let claimed =
            if free == 0 { Ok(Vec::new()) } else { delivery::claim(&state, i64::try_from(free).unwrap_or(1)).await };
        match claimed {
            Ok(deliveries) if !deliveries.is_empty() => {
                for delivery in deliveries {
                    let Ok(permit) = permits.clone().acquire_owned().await else { return };
                    let (state, client) = (state.clone(), client.clone());
                    tokio::spawn(async move {
                        let id = delivery.id;
                        let started = std::time::Instant::now();
                        let sent = delivery::send_one(&state, &client, delivery).await;
                        crate::monitoring::job_ran("webhook_sends", started, sent.is_ok());
                        if let Err(error) = sent {
                            tracing::warn!(delivery.id = %id, error = %error, "a webhook attempt could not be recorded; it is tried again when its lease ends");
                        }
                        drop(permit);
                    });
                }
            }
            Ok(_) => tokio::time::sleep(LOOK_EVERY).await,
            Err(error) => {
                tracing::warn!(error = %error, "due webhook deliveries could not be claimed; trying again shortly");
                tokio::time::sleep(LOOK_EVERY).await;
            }
        }
    }
}

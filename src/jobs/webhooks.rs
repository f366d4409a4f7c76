//! The webhook worker: every half second it turns new changes into deliveries and sends those that are due. Changes
//! are written by database triggers anywhere in the service, so the worker looks rather than waits to be told; a look
//! that finds nothing costs one indexed query per active endpoint.

use std::time::Duration;

use actix_web::web;

use crate::services::webhooks::{delivery, target};
use crate::state::AppState;

/// How often the worker looks for changes and due deliveries.
const LOOK_EVERY: Duration = Duration::from_millis(500);

/// Delivers webhooks until the process ends.
pub fn spawn_worker(state: web::Data<AppState>) {
    let client = match target::client(state.settings.webhook_allow_private) {
        Ok(client) => client,
        Err(error) => {
            tracing::error!(error = %error, "the webhook HTTP client could not be built; no webhooks will be sent");
            return;
        }
    };
    tokio::spawn(async move {
        let mut ticker = tokio::time::interval(LOOK_EVERY);
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticker.tick().await;
            let started = std::time::Instant::now();
            let ran = async {
                let made = delivery::fan_out(&state).await?;
                let sent = delivery::send_due(&state, &client).await?;
                Ok::<_, anyhow::Error>(made + sent)
            }
            .await;
            if !matches!(ran, Ok(0)) {
                crate::monitoring::job_ran("webhooks", started, ran.is_ok());
            }
            if let Err(error) = ran {
                tracing::warn!(error = %error, "the webhook worker failed; it will look again shortly");
            }
        }
    });
}

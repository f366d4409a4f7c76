//! The mail worker: every second it queues reporter mails from the change feed and sends what is due (the daily
//! digests are queued by the periodic jobs).

use std::time::Duration;

use actix_web::web;

use crate::services::mail::{self, Mailer};
use crate::state::AppState;

/// How often the worker looks.
const LOOK_EVERY: Duration = Duration::from_secs(1);

/// Sends e-mail until the process ends.
pub fn spawn_worker(state: web::Data<AppState>) {
    let mailer = match Mailer::from_settings(&state) {
        Ok(mailer) => mailer,
        Err(error) => {
            tracing::error!(error = %error, "e-mail is not set up correctly; no e-mail will be sent");
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
                let queued = mail::fan_out_reporter_mail(&state).await?;
                let sent = mail::send_due(&state, &mailer).await?;
                Ok::<_, anyhow::Error>(queued + sent)
            }
            .await;
            if !matches!(ran, Ok(0)) {
                crate::monitoring::job_ran("mail", started, ran.is_ok());
            }
            if let Err(error) = ran {
                tracing::warn!(error = %error, "the mail worker failed; it will look again shortly");
            }
        }
    });
}

//! Removing what has expired: uploads never attached to a report within a day (and their files when no other upload
//! shares them), stored idempotent responses older than a day, refresh tokens 30 days past their end, rate-limit
//! counters that no longer count, and export files 24 hours after they were written.

use diesel_async::AsyncPgConnection;

use crate::db;
use crate::state::AppState;

/// Advisory lock key of this job ("pgd-hkp1").
const LOCK_KEY: i64 = 0x7067_642d_686b_7031;

/// What one run removed.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct HousekeepingReport {
    /// Expired uploads removed.
    pub uploads: usize,
    /// Files removed from storage.
    pub files: usize,
    /// Stored idempotent responses removed.
    pub idempotency_keys: usize,
    /// Refresh tokens removed, 30 days after they expired.
    pub refresh_tokens: usize,
    /// Rate-limit windows and sign-in records that no longer count.
    pub rate_limit_records: usize,
    /// Export files removed.
    pub export_files: usize,
    /// Webhook deliveries (delivered or failed) removed with their attempts.
    pub webhook_deliveries: usize,
    /// E-mail messages (sent or failed) removed from the outbox.
    pub mail_messages: usize,
}

/// One run; `None` when another instance holds the lock.
pub async fn run(state: &AppState) -> anyhow::Result<Option<HousekeepingReport>> {
    let mut conn = state.pool.get().await?;
    if !db::try_advisory_lock(&mut conn, LOCK_KEY).await? {
        return Ok(None);
    }
    let result = sweep(state, &mut conn).await;
    db::advisory_unlock(&mut conn, LOCK_KEY).await?;
    let report = result?;
    if report != HousekeepingReport::default() {
        tracing::info!(
            uploads = report.uploads,
            files = report.files,
            idempotency_keys = report.idempotency_keys,
            refresh_tokens = report.refresh_tokens,
            rate_limit_records = report.rate_limit_records,
            export_files = report.export_files,
            webhook_deliveries = report.webhook_deliveries,
            mail_messages = report.mail_messages,
            "housekeeping removed expired records"
        );
    }
    Ok(Some(report))
}

async fn sweep(state: &AppState, conn: &mut AsyncPgConnection) -> anyhow::Result<HousekeepingReport> {
    let now = state.clock.now();
    let day_ago = now - crate::domain::attachment::UNATTACHED_LIFETIME;
    let mut report = HousekeepingReport::default();

    let hashes = db::attachments::delete_unattached_before(conn, day_ago).await?;
    report.uploads = hashes.len();
    for hash in hashes {
        if !db::attachments::hash_in_use(conn, &hash).await? {
            let blobs = state.blobs.clone();
            let removed = hash.clone();
            tokio::task::spawn_blocking(move || blobs.delete(&removed)).await??;
            report.files += 1;
        }
    }
    report.idempotency_keys = db::idempotency::delete_before(conn, day_ago).await?;
    let long_expired = now - crate::auth::tokens::EXPIRED_REFRESH_TOKENS_KEPT;
    report.refresh_tokens = db::sessions::delete_refresh_tokens_expired_before(conn, long_expired).await?;
    // Windows last an hour at most and failures count for the login window; a day is ample for both. A success is
    // kept as long as it makes its address a known one.
    report.rate_limit_records =
        db::rate_limits::delete_stale(conn, day_ago, day_ago, now - crate::domain::rate_limit::KNOWN_ADDRESS_FOR)
            .await?;
    // The file first, then the row: a crash between leaves a done row whose file is gone, which the next run finds
    // again (and a download in between answers that the export expired).
    let exports = crate::services::reports::export_jobs::folder(state);
    for (id, file_name) in db::exports::expired(conn, now).await? {
        match tokio::fs::remove_file(exports.join(&file_name)).await {
            Ok(()) => report.export_files += 1,
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => {}
            Err(err) => return Err(err.into()),
        }
        db::exports::mark_expired(conn, id).await?;
    }
    report.webhook_deliveries =
        db::webhooks::purge_finished(conn, now - crate::domain::webhook::DELIVERY_LOG_KEPT).await?;
    report.mail_messages = db::mail::purge_finished(conn, now - crate::domain::webhook::DELIVERY_LOG_KEPT).await?;
    Ok(report)
}

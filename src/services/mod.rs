//! Workflows that touch several rows or tables, each in one transaction, each writing its audit event.
//!
//! Services take a connection and already-parsed domain values; they decide reach (which records a caller may touch),
//! enforce the rules that need the database, and return rows for the API layer to map.

pub mod access;
pub mod action_plans;
pub mod api_clients;
pub mod attachments;
pub mod auth;
pub mod changes;
pub mod complaints;
pub mod dispositions;
pub mod mail;
pub mod notifications;
pub mod open311;
pub mod pemda;
pub mod print;
pub mod rate_limits;
pub mod reference;
pub mod reports;
pub mod seed;
pub mod units;
pub mod users;
pub mod webhooks;

/// Runs CPU-heavy work (password hashing) off the async workers.
pub(crate) async fn blocking<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> anyhow::Result<T> {
    Ok(tokio::task::spawn_blocking(work).await?)
}

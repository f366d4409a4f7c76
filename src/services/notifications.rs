//! Notifications: who hears of what, written in the caller's transaction, one row per recipient. The workflow services
//! and the deadline job all write them here.

use chrono::{DateTime, Utc};
use diesel_async::AsyncPgConnection;
use uuid::Uuid;

use crate::db;
use crate::db::dispositions::NotificationRow;
use crate::error::ApiError;

/// What a notification says and what it is about.
#[derive(Debug, Clone)]
pub struct Notice<'a> {
    /// `disposition_received`, `answer_awaiting_approval`, ... (see the API's `NotificationView`).
    pub kind: &'a str,
    /// The text, in Indonesian.
    pub message: String,
    /// The complaint it is about; `None` when the reader may not know which (a leader told that a supervision
    /// complaint is late).
    pub complaint_id: Option<Uuid>,
    /// The disposition, when it is about one.
    pub disposition_id: Option<Uuid>,
    /// The follow-up, when it is about one.
    pub follow_up_id: Option<Uuid>,
    /// When it happened.
    pub at: DateTime<Utc>,
}

/// Writes one notification per active user of `units` holding one of `roles`.
pub(crate) async fn notify(
    conn: &mut AsyncPgConnection,
    units: &[Uuid],
    roles: &[&str],
    notice: &Notice<'_>,
) -> Result<(), ApiError> {
    let users = db::dispositions::recipients(conn, units, roles).await?;
    notify_users(conn, &users, notice).await
}

/// Writes one notification per user in `users`.
pub(crate) async fn notify_users(
    conn: &mut AsyncPgConnection,
    users: &[Uuid],
    notice: &Notice<'_>,
) -> Result<(), ApiError> {
    let rows: Vec<NotificationRow> = users
        .iter()
        .copied()
        .map(|user_id| NotificationRow {
            id: Uuid::now_v7(),
            user_id,
            kind: notice.kind.into(),
            complaint_id: notice.complaint_id,
            disposition_id: notice.disposition_id,
            follow_up_id: notice.follow_up_id,
            // The column holds 500 characters; a quoted reason may be longer.
            message: notice.message.chars().take(500).collect(),
            created_at: notice.at,
            read_at: None,
        })
        .collect();
    db::dispositions::notify(conn, &rows).await?;
    // Their e-mail, in the same transaction: sent if and only if the notification exists.
    crate::services::mail::notify_staff(conn, users, notice).await
}

/// Notifies holders of `roles` anywhere in the Pemda (admins sit in Diskominfo, not on the Pemda unit itself).
pub(crate) async fn notify_pemda(
    conn: &mut AsyncPgConnection,
    pemda: Uuid,
    roles: &[&str],
    notice: &Notice<'_>,
) -> Result<(), ApiError> {
    let units = db::units::subtree_ids(conn, pemda).await?;
    notify(conn, &units, roles, notice).await
}

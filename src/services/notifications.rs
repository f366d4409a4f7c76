//! Notifications: who hears of what, written in the caller's transaction, one row per recipient.

use chrono::{DateTime, Utc};
use diesel_async::AsyncPgConnection;
use uuid::Uuid;

use crate::db;
use crate::db::dispositions::NotificationRow;
use crate::error::ApiError;

/// What a notification says and what it is about.
#[derive(Debug, Clone)]
pub(crate) struct Notice<'a> {
    /// `disposition_received`, `answer_awaiting_approval`, ... (see the API's `NotificationView`).
    pub kind: &'a str,
    /// The text, in Indonesian.
    pub message: String,
    /// The complaint it is about.
    pub complaint_id: Uuid,
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
    let rows: Vec<NotificationRow> = users
        .into_iter()
        .map(|user_id| NotificationRow {
            id: Uuid::now_v7(),
            user_id,
            kind: notice.kind.into(),
            complaint_id: Some(notice.complaint_id),
            disposition_id: notice.disposition_id,
            follow_up_id: notice.follow_up_id,
            message: notice.message.clone(),
            created_at: notice.at,
            read_at: None,
        })
        .collect();
    Ok(db::dispositions::notify(conn, &rows).await?)
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

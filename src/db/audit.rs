//! The append-only audit trail (the database refuses updates and deletes of `audit_events`).

use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::schema::audit_events;

/// One event to append: `actor` did `action` to the `entity_type` record `entity_id`.
#[derive(Debug, Insertable)]
#[diesel(table_name = audit_events)]
pub struct NewAuditEvent<'a> {
    pub id: Uuid,
    pub actor_id: Option<Uuid>,
    pub entity_type: &'a str,
    pub entity_id: Uuid,
    pub action: &'a str,
    pub details: serde_json::Value,
}

impl<'a> NewAuditEvent<'a> {
    /// An event with a fresh id. `details` holds the changed fields (never secrets or personal data).
    pub fn new(
        actor_id: Option<Uuid>,
        entity_type: &'a str,
        entity_id: Uuid,
        action: &'a str,
        details: serde_json::Value,
    ) -> Self {
        Self { id: Uuid::now_v7(), actor_id, entity_type, entity_id, action, details }
    }
}

/// Appends `event`; call it inside the transaction of the change it records.
pub async fn record(conn: &mut AsyncPgConnection, event: NewAuditEvent<'_>) -> QueryResult<()> {
    diesel::insert_into(audit_events::table).values(&event).execute(conn).await.map(drop)
}

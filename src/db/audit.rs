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

/// A row of `audit_events`.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = audit_events, check_for_backend(diesel::pg::Pg))]
pub struct AuditEventRow {
    pub id: Uuid,
    pub occurred_at: chrono::DateTime<chrono::Utc>,
    pub actor_id: Option<Uuid>,
    pub entity_type: String,
    pub entity_id: Uuid,
    pub action: String,
    pub details: serde_json::Value,
}

/// Every event of one record, oldest first.
pub async fn events_of(
    conn: &mut AsyncPgConnection,
    entity_type: &str,
    entity_id: Uuid,
) -> QueryResult<Vec<AuditEventRow>> {
    audit_events::table
        .filter(audit_events::entity_type.eq(entity_type))
        .filter(audit_events::entity_id.eq(entity_id))
        .order((audit_events::occurred_at, audit_events::id))
        .select(AuditEventRow::as_select())
        .load(conn)
        .await
}

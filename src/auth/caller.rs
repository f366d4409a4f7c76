//! The signed-in caller, as the rest of the service sees them.

use crate::domain::api_client::Scope;
use crate::domain::complaint::Channel;
use crate::domain::ids::{SessionId, UnitId, UserId};
use crate::domain::role::Role;

/// The signed-in caller, as the database knows them now (read, or remembered until the database reports a change).
#[derive(Debug, Clone)]
pub struct AuthUser {
    /// The account.
    pub id: UserId,
    /// Its current role (read fresh, not from the token).
    pub role: Role,
    /// Its current unit.
    pub unit_id: UnitId,
    /// The login session the token belongs to.
    pub session_id: SessionId,
    /// The Pemda the unit belongs to (the nearest province, regency or city at or above it).
    pub pemda_id: Option<UnitId>,
}

/// A machine client calling with a token from `POST /api/v1/oauth/token`, as the database knows it now.
#[derive(Debug, Clone)]
pub struct MachineClient {
    /// The client.
    pub id: uuid::Uuid,
    /// Its Pemda: everything it reads or writes is this Pemda's.
    pub pemda_id: UnitId,
    /// The scopes granted to this token (a subset of the client's).
    pub scopes: Vec<Scope>,
    /// The channel its intake is recorded under.
    pub channel: Option<Channel>,
}

impl MachineClient {
    /// Whether this token carries `scope`.
    pub fn has(&self, scope: Scope) -> bool {
        self.scopes.contains(&scope)
    }

    /// The reader a `reports:read` client acts as: its Pemda's leaders, who read every report of the Pemda and never
    /// a reporter's identity. Report code only reads; it never records an actor, so the client's id standing in for
    /// a user's id goes nowhere.
    pub fn as_report_reader(&self) -> AuthUser {
        AuthUser {
            id: UserId(self.id),
            role: Role::Leader,
            unit_id: self.pemda_id,
            session_id: SessionId(uuid::Uuid::nil()),
            pemda_id: Some(self.pemda_id),
        }
    }
}

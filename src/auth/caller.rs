//! The signed-in caller, as the rest of the service sees them.

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

//! Working out a caller's reach in the organisation tree.

use diesel_async::AsyncPgConnection;
use uuid::Uuid;

use crate::auth::{AuthUser, Reach};
use crate::db;
use crate::domain::ids::UnitId;
use crate::domain::role::Role;
use crate::domain::unit::UnitKind;
use crate::error::ApiError;

/// The reach of `user`'s authority: everything, their Pemda's subtree, or their own unit's subtree.
pub fn reach_of(user: &AuthUser) -> Reach {
    reach_for(user.role, user.unit_id, user.pemda_id)
}

/// The reach of an account by its role, unit and Pemda (for work done on someone's behalf outside a request).
pub fn reach_for(role: Role, unit_id: UnitId, pemda_id: Option<UnitId>) -> Reach {
    if role == Role::SuperAdmin {
        return Reach::Everything;
    }
    Reach::of(role, unit_id, pemda_id)
}

/// The whole Pemda of `user` (everything for a super admin): what they may look up in the organisation tree, even
/// when their authority covers only their own OPD.
pub fn pemda_of(user: &AuthUser) -> Reach {
    if user.role == Role::SuperAdmin {
        return Reach::Everything;
    }
    Reach::Subtree(user.pemda_id.unwrap_or(user.unit_id))
}

/// The Pemda the caller belongs to (super admins too: theirs is the one their own unit sits in). Reference data and
/// intake work on this Pemda.
pub fn home_pemda(user: &AuthUser) -> Result<UnitId, ApiError> {
    user.pemda_id
        .ok_or_else(|| ApiError::Forbidden { code: "no_pemda", detail: "your unit does not belong to a Pemda".into() })
}

/// Only the Pemda's admins (and super admins) do this: managing what reaches outside the service, such as API clients
/// and webhooks. `what` names it in the refusal.
pub fn require_admin(user: &AuthUser, what: &str) -> Result<(), ApiError> {
    crate::auth::guards::require(user.role, crate::auth::guards::Action::ManageUsers)?;
    if !matches!(user.role, crate::domain::role::Role::Admin | crate::domain::role::Role::SuperAdmin) {
        return Err(ApiError::forbidden(format!("{what} are managed by the Pemda's admins")));
    }
    Ok(())
}

/// The ids of `unit` and its ancestors up to its own Pemda (included), nearest first. Authority never crosses a Pemda's
/// border: every province, regency and city is its own Pemda, so a province's staff do not reach into the units of
/// the kabupaten/kota below it (they see only their aggregates, in reports), and those never reach up.
pub async fn ancestry_ids(conn: &mut AsyncPgConnection, unit: Uuid) -> Result<Vec<UnitId>, ApiError> {
    let mut ids = Vec::new();
    for row in db::units::ancestry(conn, unit).await? {
        ids.push(UnitId(row.id));
        if row.kind.parse::<UnitKind>().is_ok_and(UnitKind::is_pemda) {
            break;
        }
    }
    Ok(ids)
}

/// The ids of `unit` and every ancestor up to the root, across Pemdas (to refuse a cycle in the tree).
pub async fn full_ancestry_ids(conn: &mut AsyncPgConnection, unit: Uuid) -> Result<Vec<UnitId>, ApiError> {
    Ok(db::units::ancestry(conn, unit).await?.into_iter().map(|row| UnitId(row.id)).collect())
}

/// Whether `reach` covers `unit`.
pub async fn covers(conn: &mut AsyncPgConnection, reach: &Reach, unit: Uuid) -> Result<bool, ApiError> {
    if *reach == Reach::Everything {
        return Ok(true);
    }
    Ok(reach.covers(&ancestry_ids(conn, unit).await?))
}

/// The units inside `reach`, for list filters; `None` means no restriction.
pub async fn units_within(conn: &mut AsyncPgConnection, reach: &Reach) -> Result<Option<Vec<Uuid>>, ApiError> {
    match reach.root() {
        None => Ok(None),
        Some(root) => Ok(Some(db::units::subtree_ids(conn, root.0).await?)),
    }
}

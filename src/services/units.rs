//! Creating and editing organisation units.

use diesel_async::{AsyncConnection, AsyncPgConnection};
use serde_json::json;

use super::access;
use crate::auth::guards::{self, Action};
use crate::auth::session_cache::SessionCache;
use crate::auth::{AuthUser, Reach};
use crate::db;
use crate::db::units::{NewUnitRow, UnitChanges, UnitRow};
use crate::domain::ids::UnitId;
use crate::domain::unit::{self, NewUnit, UnitKind, UnitPatch};
use crate::error::ApiError;

/// Creates a unit below a parent within the caller's reach (a root Pemda: super admins only). A Pemda is provisioned
/// in the same transaction (see [`super::pemda::provision`]).
pub async fn create_unit(conn: &mut AsyncPgConnection, actor: &AuthUser, unit: NewUnit) -> Result<UnitRow, ApiError> {
    guards::require(actor.role, Action::ManageUnits)?;
    conn.transaction(async |conn| {
        let reach = access::reach_of(actor);
        check_placement(conn, &reach, unit.kind, unit.parent_id).await?;
        let row = insert_unit(conn, Some(actor.id.0), &unit).await?;
        // A new Pemda takes complaints at once: national deadlines, holidays and categories come with it.
        if unit.kind.is_pemda() {
            super::pemda::provision(conn, row.id).await?;
        }
        tracing::info!(unit.id = %row.id, user.id = %actor.id, "unit created");
        Ok(row)
    })
    .await
}

/// Inserts a unit whose placement was checked, with its audit event (`actor` `None`: the command line).
pub(super) async fn insert_unit(
    conn: &mut AsyncPgConnection,
    actor: Option<uuid::Uuid>,
    unit: &NewUnit,
) -> Result<UnitRow, ApiError> {
    if db::units::find_by_code(conn, unit.code.as_str()).await?.is_some() {
        return Err(ApiError::conflict(
            "code_taken",
            format!("another unit already has the code {}", unit.code.as_str()),
        ));
    }
    let row = db::units::insert(
        conn,
        &NewUnitRow {
            id: UnitId::new().0,
            kind: unit.kind.as_str(),
            code: unit.code.as_str(),
            name: &unit.name,
            short_name: unit.short_name.as_deref(),
            parent_id: unit.parent_id.map(|id| id.0),
            active: unit.active,
            inspectorate: unit.inspectorate,
        },
    )
    .await?;
    let details = json!({ "code": row.code, "kind": row.kind, "parent_id": row.parent_id });
    db::audit::record(conn, db::audit::NewAuditEvent::new(actor, "unit", row.id, "created", details)).await?;
    Ok(row)
}

/// Edits a unit within the caller's reach; `expected_version` comes from `If-Match`. A move to another Pemda acts on
/// its staff's very next request: `sessions` forgets what it remembers once the change commits.
pub async fn update_unit(
    conn: &mut AsyncPgConnection,
    sessions: &SessionCache,
    actor: &AuthUser,
    id: UnitId,
    patch: UnitPatch,
    expected_version: Option<i32>,
) -> Result<UnitRow, ApiError> {
    guards::require(actor.role, Action::ManageUnits)?;
    let updated = conn
        .transaction(async |conn| {
            let current = db::units::find(conn, id.0).await?.ok_or_else(|| ApiError::not_found("the unit"))?;
            let reach = access::reach_of(actor);
            if !access::covers(conn, &reach, current.id).await? {
                return Err(ApiError::forbidden("this unit is outside your reach"));
            }
            if let Some(new_parent) = patch.parent_id {
                if reach.root() == Some(id) {
                    return Err(ApiError::forbidden("you cannot move the unit your own reach starts from"));
                }
                let kind: UnitKind = current.kind.parse()?;
                check_placement(conn, &reach, kind, new_parent).await?;
                if let Some(parent) = new_parent {
                    unit::check_no_cycle(id, &access::full_ancestry_ids(conn, parent.0).await?)?;
                }
            }
            let changes = UnitChanges {
                name: patch.name.clone(),
                short_name: patch.short_name.clone(),
                parent_id: patch.parent_id.map(|parent| parent.map(|p| p.0)),
                active: patch.active,
                inspectorate: patch.inspectorate,
            };
            let updated = db::units::update(conn, id.0, expected_version, &changes)
                .await?
                .ok_or_else(|| ApiError::stale(current.version))?;
            let details = json!({ "changed": patch.changed_fields() });
            db::audit::record(conn, db::audit::NewAuditEvent::new(Some(actor.id.0), "unit", id.0, "updated", details))
                .await?;
            tracing::info!(unit.id = %id, user.id = %actor.id, "unit updated");
            Ok(updated)
        })
        .await?;
    sessions.forget_all();
    Ok(updated)
}

/// A unit of `kind` may hang below `parent`: the parent exists, its kind fits, and it lies within `reach`.
async fn check_placement(
    conn: &mut AsyncPgConnection,
    reach: &Reach,
    kind: UnitKind,
    parent: Option<UnitId>,
) -> Result<(), ApiError> {
    let Some(parent) = parent else {
        kind.check_parent(None)?;
        if *reach != Reach::Everything {
            return Err(ApiError::forbidden("only a super admin may create or move a unit to the top of the tree"));
        }
        return Ok(());
    };
    let parent_row = db::units::find(conn, parent.0)
        .await?
        .ok_or_else(|| ApiError::invalid_field("parent_id", "not_found", "the parent unit does not exist"))?;
    kind.check_parent(Some(parent_row.kind.parse()?))?;
    if !access::covers(conn, reach, parent.0).await? {
        return Err(ApiError::forbidden("the parent unit is outside your reach"));
    }
    Ok(())
}

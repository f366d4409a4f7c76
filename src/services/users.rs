//! Creating and editing staff accounts.

use diesel_async::{AsyncConnection, AsyncPgConnection};
use serde_json::json;

use super::{access, blocking};
use crate::auth::guards::{self, Action};
use crate::auth::session_cache::SessionCache;
use crate::auth::{AuthUser, Reach, password};
use crate::db;
use crate::db::sessions::RevokeReason;
use crate::db::users::{NewUserRow, UserChanges, UserRow};
use crate::domain::ids::{UnitId, UserId};
use crate::domain::role::Role;
use crate::domain::unit::UnitKind;
use crate::domain::user::{Email, NewPassword, NewUser, UserPatch};
use crate::error::ApiError;

/// Creates an account. `actor` is `None` for the operator's command line, which may create anyone.
pub async fn create_user(
    conn: &mut AsyncPgConnection,
    actor: Option<&AuthUser>,
    user: NewUser,
) -> Result<UserRow, ApiError> {
    if let Some(actor) = actor {
        guards::require(actor.role, Action::ManageUsers)?;
        if !guards::may_handle_role(actor.role, user.role) {
            return Err(ApiError::forbidden(format!("you may not create an account with the {} role", user.role)));
        }
    }
    let password = user.password.clone();
    let hash = blocking(move || password::hash(&password)).await??;
    conn.transaction(async |conn| {
        let reach = match actor {
            Some(actor) => access::reach_of(actor),
            None => Reach::Everything,
        };
        check_unit(conn, &reach, user.unit_id, user.role).await?;
        if db::users::find_by_email(conn, user.email.as_str()).await?.is_some() {
            return Err(ApiError::conflict("email_taken", "another account already uses this e-mail address"));
        }
        let row = db::users::insert(
            conn,
            &NewUserRow {
                id: UserId::new().0,
                email: user.email.as_str(),
                name: &user.name,
                nip: user.nip.as_deref(),
                phone: user.phone.as_deref(),
                unit_id: user.unit_id.0,
                role: user.role.as_str(),
                active: user.active,
                password_hash: &hash,
            },
        )
        .await?;
        let details = json!({ "role": row.role, "unit_id": row.unit_id });
        db::audit::record(
            conn,
            db::audit::NewAuditEvent::new(actor.map(|a| a.id.0), "user", row.id, "created", details),
        )
        .await?;
        tracing::info!(user.id = %row.id, "user created");
        Ok(row)
    })
    .await
}

/// Reads one account, if it lies within the caller's reach (else 404: accounts outside are not disclosed).
pub async fn get_user(conn: &mut AsyncPgConnection, actor: &AuthUser, id: UserId) -> Result<UserRow, ApiError> {
    guards::require(actor.role, Action::ReadUsers)?;
    let row = db::users::find(conn, id.0).await?.ok_or_else(|| ApiError::not_found("the user"))?;
    let reach = access::reach_of(actor);
    if !access::covers(conn, &reach, row.unit_id).await? {
        return Err(ApiError::not_found("the user"));
    }
    Ok(row)
}

/// Edits an account within the caller's reach; `expected_version` comes from `If-Match`. A changed role, unit or
/// active flag acts on the very next request: `sessions` forgets what it remembers once the change commits.
pub async fn update_user(
    conn: &mut AsyncPgConnection,
    sessions: &SessionCache,
    actor: &AuthUser,
    id: UserId,
    patch: UserPatch,
    expected_version: Option<i32>,
) -> Result<UserRow, ApiError> {
    guards::require(actor.role, Action::ManageUsers)?;
    let updated = conn
        .transaction(async |conn| {
            let current = get_user(conn, actor, id).await?;
            let current_role: Role = current.role.parse().map_err(|err| ApiError::Internal(anyhow::Error::new(err)))?;
            if !guards::may_handle_role(actor.role, current_role) {
                return Err(ApiError::forbidden(format!("you may not edit an account with the {current_role} role")));
            }
            if let Some(role) = patch.role
                && !guards::may_handle_role(actor.role, role)
            {
                return Err(ApiError::forbidden(format!("you may not give the {role} role")));
            }
            if actor.id == id && (patch.role.is_some_and(|role| role != current_role) || patch.active == Some(false)) {
                return Err(ApiError::Forbidden {
                    code: "self_lockout",
                    detail: "you cannot change your own role or deactivate yourself; ask another admin".into(),
                });
            }
            if patch.role.is_some() || patch.unit_id.is_some() {
                let reach = access::reach_of(actor);
                let unit = patch.unit_id.unwrap_or(UnitId(current.unit_id));
                check_unit(conn, &reach, unit, patch.role.unwrap_or(current_role)).await?;
            }
            let changes = UserChanges {
                name: patch.name.clone(),
                nip: patch.nip.clone(),
                phone: patch.phone.clone(),
                unit_id: patch.unit_id.map(|unit| unit.0),
                role: patch.role.map(|role| role.as_str().to_owned()),
                active: patch.active,
            };
            let updated = db::users::update(conn, id.0, expected_version, &changes)
                .await?
                .ok_or_else(|| ApiError::stale(current.version))?;
            let details = json!({ "changed": patch.changed_fields() });
            db::audit::record(conn, db::audit::NewAuditEvent::new(Some(actor.id.0), "user", id.0, "updated", details))
                .await?;
            tracing::info!(user.id = %id, actor.id = %actor.id, "user updated");
            Ok(updated)
        })
        .await?;
    sessions.forget_all();
    Ok(updated)
}

/// Sets a new password from the operator's command line and ends every session of the account.
pub async fn set_password(conn: &mut AsyncPgConnection, email: &Email, password: NewPassword) -> Result<(), ApiError> {
    let user = db::users::find_by_email(conn, email.as_str())
        .await?
        .ok_or_else(|| ApiError::not_found(format!("an account with the e-mail {}", email.as_str())))?;
    let hash = blocking(move || password::hash(&password)).await??;
    conn.transaction(async |conn| {
        db::users::set_password_hash(conn, user.id, &hash).await?;
        db::sessions::revoke_all_but(conn, user.id, None, RevokeReason::PasswordChanged).await?;
        let details = json!({ "by": "command_line" });
        db::audit::record(conn, db::audit::NewAuditEvent::new(None, "user", user.id, "password_set", details)).await?;
        Ok(())
    })
    .await
}

/// The unit exists, lies within `reach`, and suits `role`.
async fn check_unit(conn: &mut AsyncPgConnection, reach: &Reach, unit: UnitId, role: Role) -> Result<(), ApiError> {
    let row = db::units::find(conn, unit.0)
        .await?
        .ok_or_else(|| ApiError::invalid_field("unit_id", "not_found", "the unit does not exist"))?;
    if !access::covers(conn, reach, unit.0).await? {
        return Err(ApiError::forbidden("the unit is outside your reach"));
    }
    let kind: UnitKind = row.kind.parse()?;
    if !role.fits_unit(kind) {
        return Err(ApiError::invalid_field(
            "role",
            "role_unfit_for_unit",
            format!("the {role} role belongs to an OPD or sub-unit, not to a {}", kind.as_str()),
        ));
    }
    Ok(())
}

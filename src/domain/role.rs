//! Staff roles. What each role may do is decided in `auth::guards`; this module only names them.

use serde::{Deserialize, Serialize};
use std::str::FromStr;
use utoipa::ToSchema;

use super::unit::UnitKind;

/// The role of a staff account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Operates the whole installation, across every Pemda.
    SuperAdmin,
    /// Admin utama of one Pemda (its Diskominfo): manages its whole subtree.
    Admin,
    /// Admin penghubung: the liaison operator of one OPD.
    OpdOperator,
    /// Pejabat penghubung: the liaison official who approves the OPD's answers.
    OpdOfficial,
    /// Inspektorat (APIP) staff: supervision complaints, read-only oversight elsewhere.
    Inspector,
    /// Member of the Rencana Aksi review team.
    ActionPlanReviewer,
    /// Leadership (Bupati, Sekda): dashboards, read-only.
    Leader,
}

impl Role {
    /// Every role, in order of reach.
    pub const ALL: [Role; 7] = [
        Role::SuperAdmin,
        Role::Admin,
        Role::OpdOperator,
        Role::OpdOfficial,
        Role::Inspector,
        Role::ActionPlanReviewer,
        Role::Leader,
    ];

    /// The name used on the wire and in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::SuperAdmin => "super_admin",
            Role::Admin => "admin",
            Role::OpdOperator => "opd_operator",
            Role::OpdOfficial => "opd_official",
            Role::Inspector => "inspector",
            Role::ActionPlanReviewer => "action_plan_reviewer",
            Role::Leader => "leader",
        }
    }

    /// Whether an account with this role may belong to a unit of `kind`.
    ///
    /// OPD liaison roles only make sense inside an OPD (or one of its sub-units); the others may sit anywhere,
    /// because admins and leaders are often placed on the Pemda itself.
    pub fn fits_unit(self, kind: UnitKind) -> bool {
        match self {
            Role::OpdOperator | Role::OpdOfficial | Role::Inspector | Role::ActionPlanReviewer => {
                matches!(kind, UnitKind::Opd | UnitKind::SubUnit)
            }
            Role::SuperAdmin | Role::Admin | Role::Leader => true,
        }
    }
}

impl std::fmt::Display for Role {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The text is not a known role.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown role {0:?}")]
pub struct UnknownRole(pub String);

impl FromStr for Role {
    type Err = UnknownRole;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Role::ALL.into_iter().find(|role| role.as_str() == s).ok_or_else(|| UnknownRole(s.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_role_round_trips_through_its_name() {
        for role in Role::ALL {
            assert_eq!(role.as_str().parse::<Role>(), Ok(role));
            assert_eq!(serde_json::to_value(role).unwrap(), serde_json::json!(role.as_str()));
        }
    }

    #[test]
    fn an_unknown_role_name_is_refused() {
        assert_eq!("root".parse::<Role>(), Err(UnknownRole("root".into())));
    }

    #[test]
    fn liaison_roles_belong_to_an_opd_or_sub_unit_only() {
        for role in [Role::OpdOperator, Role::OpdOfficial, Role::Inspector, Role::ActionPlanReviewer] {
            assert!(role.fits_unit(UnitKind::Opd));
            assert!(role.fits_unit(UnitKind::SubUnit));
            assert!(!role.fits_unit(UnitKind::Regency));
            assert!(!role.fits_unit(UnitKind::Province));
            assert!(!role.fits_unit(UnitKind::City));
        }
    }

    #[test]
    fn admins_and_leaders_may_sit_on_any_unit() {
        for role in [Role::SuperAdmin, Role::Admin, Role::Leader] {
            for kind in UnitKind::ALL {
                assert!(role.fits_unit(kind));
            }
        }
    }
}

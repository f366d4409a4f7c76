//! Permission guards: the role × action table and the reach of each caller.
//!
//! Two questions decide every request: may this role perform this kind of action at all ([`allows`]), and does the
//! caller's reach cover the record concerned ([`Reach::covers`])? Both are pure, so the whole table is unit-tested.
//! The README's roles table is this module in prose; keep them in step.

use crate::domain::ids::UnitId;
use crate::domain::role::Role;
use crate::error::ApiError;

/// A kind of action, as the role table names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// List and read organisation units.
    ReadUnits,
    /// Create and edit organisation units.
    ManageUnits,
    /// List and read staff accounts other than one's own.
    ReadUsers,
    /// Create and edit staff accounts.
    ManageUsers,
    /// Add holidays and deadline-policy versions of one's Pemda.
    ManageReferenceData,
    /// List and read complaints (their content, never reporter identity).
    ReadComplaints,
    /// Record complaints on a citizen's behalf, verify, postpone, archive and forward them.
    ManageComplaints,
    /// Read a complaint's reporter identity (each read is logged); inspectors only for supervision complaints.
    ReadReporterIdentity,
    /// List the log of reporter-identity reads.
    ReadReporterAccessLog,
    /// Send complaints to units, reopen finished ones.
    DisposeComplaints,
    /// List and read dispositions (OPD staff: their unit's only).
    ReadDispositions,
    /// Accept, return or delegate a disposition sent to one's unit.
    ActOnDispositions,
    /// Write follow-ups (answers and internal notes) on a disposition of one's unit.
    WriteFollowUps,
    /// Approve or reject the answers of one's unit (never one's own).
    DecideAnswers,
    /// Define Rencana Aksi periods and their matrices.
    ManageActionPlanPeriods,
    /// Open, fill in and submit one's own unit's Rencana Aksi form.
    EditActionPlans,
    /// Review forms for a required reviewer unit.
    ReviewActionPlans,
}

/// Whether `role` may perform `action` somewhere within its reach.
pub fn allows(role: Role, action: Action) -> bool {
    use Action::*;
    use Role::*;
    match action {
        // The organisation tree is public knowledge and every screen names units.
        ReadUnits => true,
        ManageUnits | ReadUsers | ManageUsers | ManageReferenceData | ManageComplaints | ReadReporterAccessLog => {
            matches!(role, SuperAdmin | Admin)
        }
        // The Inspektorat oversees complaint handling read-only; OPD staff see complaints through their dispositions.
        ReadComplaints | ReadReporterIdentity => matches!(role, SuperAdmin | Admin | Inspector),
        DisposeComplaints => matches!(role, SuperAdmin | Admin),
        ReadDispositions => !matches!(role, ActionPlanReviewer | Leader),
        // Inspectors act for the Inspektorat, which receives supervision complaints; whether the unit is theirs (and
        // the Inspektorat) is checked against the disposition.
        ActOnDispositions => matches!(role, OpdOperator | OpdOfficial | Inspector),
        WriteFollowUps => matches!(role, OpdOperator | Inspector),
        DecideAnswers => matches!(role, OpdOfficial | Inspector),
        ManageActionPlanPeriods => matches!(role, SuperAdmin | Admin),
        EditActionPlans => matches!(role, OpdOperator | OpdOfficial),
        ReviewActionPlans => matches!(role, ActionPlanReviewer),
    }
}

/// Refuses with 403 unless `role` may perform `action`.
pub fn require(role: Role, action: Action) -> Result<(), ApiError> {
    if allows(role, action) { Ok(()) } else { Err(ApiError::forbidden(format!("the {role} role may not do this"))) }
}

/// How far a caller's authority reaches in the organisation tree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reach {
    /// Every unit of every Pemda (super admins).
    Everything,
    /// One Pemda's whole subtree (its admins).
    Subtree(UnitId),
    /// The caller's own unit and its sub-units (OPD staff, inspectors, reviewers, leaders).
    Unit(UnitId),
}

impl Reach {
    /// The reach of `role` for a user of `unit`, whose Pemda is `pemda` (the nearest province, regency or city at or
    /// above the unit; `None` only for a detached unit).
    pub fn of(role: Role, unit: UnitId, pemda: Option<UnitId>) -> Self {
        match role {
            Role::SuperAdmin => Reach::Everything,
            Role::Admin | Role::Leader | Role::Inspector => Reach::Subtree(pemda.unwrap_or(unit)),
            Role::OpdOperator | Role::OpdOfficial | Role::ActionPlanReviewer => Reach::Unit(unit),
        }
    }

    /// Whether a record placed in the unit whose ancestry is `ancestry` (the unit itself, then its parent, up to the
    /// root) lies within this reach.
    pub fn covers(&self, ancestry: &[UnitId]) -> bool {
        match self {
            Reach::Everything => true,
            Reach::Subtree(root) | Reach::Unit(root) => ancestry.contains(root),
        }
    }

    /// The subtree root, or `None` for [`Reach::Everything`].
    pub fn root(&self) -> Option<UnitId> {
        match self {
            Reach::Everything => None,
            Reach::Subtree(root) | Reach::Unit(root) => Some(*root),
        }
    }
}

/// Whether a caller with `actor` role may give an account the `target` role, or edit an account that has it.
///
/// Nobody hands out or touches more power than their own: only a super admin creates, promotes or edits super admins.
pub fn may_handle_role(actor: Role, target: Role) -> bool {
    match actor {
        Role::SuperAdmin => true,
        Role::Admin => target != Role::SuperAdmin,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_role_may_read_units() {
        for role in Role::ALL {
            assert!(allows(role, Action::ReadUnits));
        }
    }

    #[test]
    fn only_admins_manage_units_users_reference_data_and_complaints() {
        for role in Role::ALL {
            let admin = matches!(role, Role::SuperAdmin | Role::Admin);
            for action in [
                Action::ManageUnits,
                Action::ReadUsers,
                Action::ManageUsers,
                Action::ManageReferenceData,
                Action::ManageComplaints,
                Action::ReadReporterAccessLog,
            ] {
                assert_eq!(allows(role, action), admin, "{role} {action:?}");
                assert_eq!(require(role, action).is_ok(), admin);
            }
        }
    }

    #[test]
    fn admins_and_inspectors_read_complaints_and_reporter_identity() {
        for role in Role::ALL {
            let allowed = matches!(role, Role::SuperAdmin | Role::Admin | Role::Inspector);
            assert_eq!(allows(role, Action::ReadComplaints), allowed, "{role}");
            assert_eq!(allows(role, Action::ReadReporterIdentity), allowed, "{role}");
        }
    }

    #[test]
    fn disposition_work_is_split_between_the_opd_roles() {
        use Role::*;
        let table = [
            (Action::DisposeComplaints, vec![SuperAdmin, Admin]),
            (Action::ReadDispositions, vec![SuperAdmin, Admin, OpdOperator, OpdOfficial, Inspector]),
            (Action::ActOnDispositions, vec![OpdOperator, OpdOfficial, Inspector]),
            (Action::WriteFollowUps, vec![OpdOperator, Inspector]),
            (Action::DecideAnswers, vec![OpdOfficial, Inspector]),
            (Action::ManageActionPlanPeriods, vec![SuperAdmin, Admin]),
            (Action::EditActionPlans, vec![OpdOperator, OpdOfficial]),
            (Action::ReviewActionPlans, vec![ActionPlanReviewer]),
        ];
        for (action, allowed) in table {
            for role in Role::ALL {
                assert_eq!(allows(role, action), allowed.contains(&role), "{role} {action:?}");
            }
        }
    }

    #[test]
    fn reach_follows_the_role() {
        let (unit, pemda) = (UnitId::new(), UnitId::new());
        assert_eq!(Reach::of(Role::SuperAdmin, unit, Some(pemda)), Reach::Everything);
        assert_eq!(Reach::of(Role::Admin, unit, Some(pemda)), Reach::Subtree(pemda));
        assert_eq!(Reach::of(Role::Leader, unit, Some(pemda)), Reach::Subtree(pemda));
        assert_eq!(Reach::of(Role::Inspector, unit, Some(pemda)), Reach::Subtree(pemda));
        assert_eq!(Reach::of(Role::OpdOperator, unit, Some(pemda)), Reach::Unit(unit));
        assert_eq!(Reach::of(Role::OpdOfficial, unit, Some(pemda)), Reach::Unit(unit));
        assert_eq!(Reach::of(Role::ActionPlanReviewer, unit, Some(pemda)), Reach::Unit(unit));
        assert_eq!(Reach::of(Role::Admin, unit, None), Reach::Subtree(unit));
    }

    #[test]
    fn a_subtree_covers_what_hangs_below_its_root_only() {
        let (pemda, opd, other_pemda) = (UnitId::new(), UnitId::new(), UnitId::new());
        let reach = Reach::Subtree(pemda);
        assert!(reach.covers(&[pemda]));
        assert!(reach.covers(&[opd, pemda]));
        assert!(!reach.covers(&[other_pemda]));
        assert!(Reach::Everything.covers(&[other_pemda]));
        assert_eq!(Reach::Everything.root(), None);
        assert_eq!(reach.root(), Some(pemda));
    }

    #[test]
    fn nobody_hands_out_more_power_than_their_own() {
        for target in Role::ALL {
            assert!(may_handle_role(Role::SuperAdmin, target));
            assert_eq!(may_handle_role(Role::Admin, target), target != Role::SuperAdmin);
            for actor in [Role::OpdOperator, Role::OpdOfficial, Role::Inspector, Role::ActionPlanReviewer, Role::Leader]
            {
                assert!(!may_handle_role(actor, target));
            }
        }
    }
}

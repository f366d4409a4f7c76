//! The status machine of a form: draft, submitted, revision requested, approved, sent.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::domain::DomainError;

/// Where a form stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PlanStatus {
    /// Being filled in by the OPD.
    Draft,
    /// Sent to the review team.
    Submitted,
    /// A reviewer opened it.
    InReview,
    /// A reviewer unit asked for changes.
    RevisionRequested,
    /// Every required reviewer unit approved the current version.
    Approved,
    /// The compiled plan was sent to KemenPAN-RB; locked.
    Sent,
}

/// Something that happens to a form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlanAction {
    /// The OPD submits its form (again).
    Submit,
    /// The first reviewer opens it.
    OpenReview,
    /// A reviewer unit asks for changes.
    RequestRevision,
    /// The last required reviewer unit approves.
    ApproveAll,
    /// The admin records the letter to KemenPAN-RB.
    Send,
}

impl PlanStatus {
    /// Every status.
    pub const ALL: [PlanStatus; 6] = [
        PlanStatus::Draft,
        PlanStatus::Submitted,
        PlanStatus::InReview,
        PlanStatus::RevisionRequested,
        PlanStatus::Approved,
        PlanStatus::Sent,
    ];

    /// The name used on the wire and in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            PlanStatus::Draft => "draft",
            PlanStatus::Submitted => "submitted",
            PlanStatus::InReview => "in_review",
            PlanStatus::RevisionRequested => "revision_requested",
            PlanStatus::Approved => "approved",
            PlanStatus::Sent => "sent",
        }
    }

    /// Rows and cells may change only while the OPD holds the form.
    pub fn is_editable(self) -> bool {
        matches!(self, PlanStatus::Draft | PlanStatus::RevisionRequested)
    }
}

impl std::str::FromStr for PlanStatus {
    type Err = DomainError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        PlanStatus::ALL
            .into_iter()
            .find(|status| status.as_str() == s)
            .ok_or_else(|| DomainError::invalid("status", "unknown_value", format!("unknown form status {s:?}")))
    }
}

impl PlanAction {
    /// The action's name in the audit trail and in errors.
    pub fn as_str(self) -> &'static str {
        match self {
            PlanAction::Submit => "submit",
            PlanAction::OpenReview => "open_review",
            PlanAction::RequestRevision => "request_revision",
            PlanAction::ApproveAll => "approve",
            PlanAction::Send => "send",
        }
    }
}

/// The status a form moves to when `action` happens in status `from`.
pub fn transition(from: PlanStatus, action: PlanAction) -> Result<PlanStatus, DomainError> {
    use PlanAction as A;
    use PlanStatus as S;
    match (from, action) {
        (S::Draft | S::RevisionRequested, A::Submit) => Ok(S::Submitted),
        (S::Submitted, A::OpenReview) => Ok(S::InReview),
        (S::Submitted | S::InReview, A::RequestRevision) => Ok(S::RevisionRequested),
        (S::Submitted | S::InReview, A::ApproveAll) => Ok(S::Approved),
        (S::Approved, A::Send) => Ok(S::Sent),
        _ => Err(DomainError::conflict(
            "invalid_transition",
            format!("a {} form cannot {}", from.as_str(), action.as_str()),
        )),
    }
}

#[cfg(test)]
mod tests {
    const EDGES: [(PlanStatus, PlanAction, PlanStatus); 9] = [
        (S::Draft, A::Submit, S::Submitted),
        (S::RevisionRequested, A::Submit, S::Submitted),
        (S::Submitted, A::OpenReview, S::InReview),
        (S::Submitted, A::RequestRevision, S::RevisionRequested),
        (S::InReview, A::RequestRevision, S::RevisionRequested),
        (S::Submitted, A::ApproveAll, S::Approved),
        (S::InReview, A::ApproveAll, S::Approved),
        (S::Approved, A::Send, S::Sent),
        (S::Draft, A::Submit, S::Submitted),
    ];

    use super::PlanAction as A;
    use super::PlanStatus as S;
    use super::*;

    #[test]
    fn every_form_edge_and_every_forbidden_one() {
        let actions = [A::Submit, A::OpenReview, A::RequestRevision, A::ApproveAll, A::Send];
        for from in PlanStatus::ALL {
            for action in actions {
                let expected = EDGES.iter().find(|(f, a, _)| *f == from && *a == action).map(|(_, _, to)| *to);
                match expected {
                    Some(to) => assert_eq!(transition(from, action), Ok(to)),
                    None => assert!(transition(from, action).is_err(), "{} --{}-->", from.as_str(), action.as_str()),
                }
            }
        }
    }

    #[test]
    fn only_draft_and_revision_requested_forms_are_editable() {
        let editable: Vec<_> = PlanStatus::ALL.into_iter().filter(|s| s.is_editable()).collect();
        assert_eq!(editable, [S::Draft, S::RevisionRequested]);
    }
}

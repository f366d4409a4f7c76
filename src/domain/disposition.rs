//! Dispositions (a complaint sent to an OPD), their follow-up answers, and deadline escalation levels.
//!
//! [`transition`] and [`follow_up_transition`] are the only places that decide a disposition's or an answer's new
//! status.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::DomainError;
use super::calendar::WorkingCalendar;
use super::role::Role;

/// Where a disposition stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DispositionStatus {
    /// Sent, waiting for the OPD to accept or return it.
    Sent,
    /// Accepted: the OPD is following it up.
    Accepted,
    /// Returned as wrongly disposed or outside the OPD's authority.
    Returned,
    /// Passed down to a sub-unit; the OPD keeps responsibility.
    Delegated,
    /// A final answer was approved.
    Completed,
}

/// Something that happens to a disposition.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DispositionAction {
    /// The OPD takes it on.
    Accept,
    /// The OPD sends it back to the main admin.
    Return,
    /// The OPD passes it to one of its sub-units.
    Delegate,
    /// A final answer was approved.
    Complete,
    /// The reporter was not satisfied, or the admin reopened: the OPD must answer again.
    Reopen,
    /// As [`DispositionAction::Reopen`], for a disposition its OPD had delegated: back to the same sub-unit.
    ReopenDelegated,
}

impl DispositionStatus {
    /// Every status.
    pub const ALL: [DispositionStatus; 5] = [
        DispositionStatus::Sent,
        DispositionStatus::Accepted,
        DispositionStatus::Returned,
        DispositionStatus::Delegated,
        DispositionStatus::Completed,
    ];

    /// The name used on the wire and in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            DispositionStatus::Sent => "sent",
            DispositionStatus::Accepted => "accepted",
            DispositionStatus::Returned => "returned",
            DispositionStatus::Delegated => "delegated",
            DispositionStatus::Completed => "completed",
        }
    }

    /// Still expected to produce an answer (so its deadline can be missed).
    pub fn is_open(self) -> bool {
        matches!(self, DispositionStatus::Sent | DispositionStatus::Accepted | DispositionStatus::Delegated)
    }

    /// Taken on by the OPD (answers may be written).
    pub fn is_taken_on(self) -> bool {
        matches!(self, DispositionStatus::Accepted | DispositionStatus::Delegated)
    }
}

impl std::str::FromStr for DispositionStatus {
    type Err = DomainError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        DispositionStatus::ALL
            .into_iter()
            .find(|status| status.as_str() == s)
            .ok_or_else(|| DomainError::invalid("status", "unknown_value", format!("unknown disposition status {s:?}")))
    }
}

impl DispositionAction {
    /// The action's name in the audit trail and in errors.
    pub fn as_str(self) -> &'static str {
        match self {
            DispositionAction::Accept => "accept",
            DispositionAction::Return => "return",
            DispositionAction::Delegate => "delegate",
            DispositionAction::Complete => "complete",
            DispositionAction::Reopen => "reopen",
            DispositionAction::ReopenDelegated => "reopen_delegated",
        }
    }
}

/// The status a disposition moves to when `action` happens in status `from`.
pub fn transition(from: DispositionStatus, action: DispositionAction) -> Result<DispositionStatus, DomainError> {
    use DispositionAction as A;
    use DispositionStatus as S;
    match (from, action) {
        (S::Sent, A::Accept) => Ok(S::Accepted),
        (S::Sent, A::Return) => Ok(S::Returned),
        // Delegating takes the report on as well.
        (S::Sent | S::Accepted, A::Delegate) => Ok(S::Delegated),
        (S::Accepted | S::Delegated, A::Complete) => Ok(S::Completed),
        (S::Completed, A::Reopen) => Ok(S::Accepted),
        (S::Completed, A::ReopenDelegated) => Ok(S::Delegated),
        _ => Err(DomainError::conflict(
            "invalid_transition",
            format!("a {} disposition cannot {}", from.as_str(), action.as_str()),
        )),
    }
}

/// Whether every disposition an OPD took on has its final answer approved: the moment the reporter's turn comes.
/// Dispositions still `sent` (not taken on) or `returned` do not hold the complaint back; at least one must be done.
pub fn all_answered(statuses: &[DispositionStatus]) -> bool {
    let taken_on: Vec<_> = statuses.iter().filter(|s| s.is_taken_on() || **s == DispositionStatus::Completed).collect();
    !taken_on.is_empty() && taken_on.iter().all(|s| **s == DispositionStatus::Completed)
}

/// Why an OPD returns a disposition.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ReturnReason {
    /// Sent to the wrong OPD (salah disposisi).
    WrongDisposition,
    /// Not the Pemda's authority at all (bukan wewenang).
    NotOurAuthority,
}

impl ReturnReason {
    /// The name used on the wire and in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            ReturnReason::WrongDisposition => "wrong_disposition",
            ReturnReason::NotOurAuthority => "not_our_authority",
        }
    }
}

impl std::str::FromStr for ReturnReason {
    type Err = DomainError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        [ReturnReason::WrongDisposition, ReturnReason::NotOurAuthority]
            .into_iter()
            .find(|reason| reason.as_str() == s)
            .ok_or_else(|| DomainError::invalid("reason", "unknown_value", format!("unknown return reason {s:?}")))
    }
}

/// Who may read a follow-up.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Visibility {
    /// An answer to the reporter, published once the pejabat penghubung approves it.
    Public,
    /// A note among staff, never shown to the reporter or the public.
    Internal,
}

/// Where a follow-up stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum FollowUpStatus {
    /// A public answer waiting for the pejabat penghubung.
    PendingApproval,
    /// Approved and published.
    Approved,
    /// Sent back to the operator with a reason.
    Rejected,
    /// An internal note (needs no approval).
    Internal,
}

impl FollowUpStatus {
    /// Every status.
    pub const ALL: [FollowUpStatus; 4] =
        [FollowUpStatus::PendingApproval, FollowUpStatus::Approved, FollowUpStatus::Rejected, FollowUpStatus::Internal];

    /// The name used on the wire and in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            FollowUpStatus::PendingApproval => "pending_approval",
            FollowUpStatus::Approved => "approved",
            FollowUpStatus::Rejected => "rejected",
            FollowUpStatus::Internal => "internal",
        }
    }

    /// The status a new follow-up starts in.
    pub fn initial(visibility: Visibility) -> Self {
        match visibility {
            Visibility::Public => FollowUpStatus::PendingApproval,
            Visibility::Internal => FollowUpStatus::Internal,
        }
    }
}

impl std::str::FromStr for FollowUpStatus {
    type Err = DomainError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        FollowUpStatus::ALL
            .into_iter()
            .find(|status| status.as_str() == s)
            .ok_or_else(|| DomainError::invalid("status", "unknown_value", format!("unknown follow-up status {s:?}")))
    }
}

/// The pejabat penghubung's decision on a public answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Publish it.
    Approve,
    /// Send it back to the operator.
    Reject,
}

/// The status an answer moves to on a decision.
pub fn follow_up_transition(from: FollowUpStatus, decision: Decision) -> Result<FollowUpStatus, DomainError> {
    match (from, decision) {
        (FollowUpStatus::PendingApproval, Decision::Approve) => Ok(FollowUpStatus::Approved),
        (FollowUpStatus::PendingApproval, Decision::Reject) => Ok(FollowUpStatus::Rejected),
        _ => {
            Err(DomainError::conflict("invalid_transition", format!("a {} follow-up cannot be decided", from.as_str())))
        }
    }
}

/// Working days after a missed deadline at which the escalation rises to level 2 (the OPD's head and the main admin)
/// and level 3 (flagged to the Inspektorat). Level 1 (a reminder) comes as soon as the deadline passes.
pub const ESCALATION_STEPS: [u32; 2] = [3, 5];

/// The escalation level of a deadline at `now`: 0 before it, 1 once it passed, 2 and 3 after the further working days
/// of [`ESCALATION_STEPS`].
pub fn escalation_level(calendar: &WorkingCalendar, due: DateTime<Utc>, now: DateTime<Utc>) -> u8 {
    if now < due {
        return 0;
    }
    // The deadline is midnight after its last day; count the working days since that day.
    let late = calendar.working_days_between(due - chrono::Duration::seconds(1), now);
    if late >= ESCALATION_STEPS[1] {
        3
    } else if late >= ESCALATION_STEPS[0] {
        2
    } else {
        1
    }
}

/// Whose deadline was missed: the complaint's (verification, resolution: the main admin's to keep) or a disposition's
/// (the unit's first answer).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeadlineScope {
    /// `verify` or `resolve` of a complaint.
    Complaint,
    /// `first_response` of one disposition.
    Disposition,
}

/// Who hears of one escalation level, by role.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EscalationAudience {
    /// In the unit the disposition went to (empty for a complaint-level deadline).
    pub unit: &'static [Role],
    /// Anywhere in the Pemda, told which complaint is late.
    pub named: &'static [Role],
    /// Anywhere in the Pemda, told only that a supervision complaint is late, never which: leaders do not see
    /// individual complaints, and a complaint about officials must not reach them by name.
    pub unnamed: &'static [Role],
}

/// The escalation rule. An ordinary complaint: level 1 reminds whoever holds the deadline (the unit's operators and
/// officials, or the admins for a complaint-level deadline), level 2 adds the admins and the leaders, level 3 flags it
/// to the inspectors. A supervision complaint (berkadar pengawasan) is the Inspektorat's from the start: its inspectors
/// hear of every level of every deadline with the admins who verify and dispose it; from level 2 the leaders learn
/// that a supervision complaint is late without learning which; OPD staff never hear of one.
pub fn escalation_audience(level: u8, scope: DeadlineScope, supervision: bool) -> EscalationAudience {
    use Role::{Admin, Inspector, Leader, OpdOfficial, OpdOperator};
    let nobody: &'static [Role] = &[];
    match (supervision, scope, level) {
        (false, DeadlineScope::Disposition, 0 | 1) => {
            EscalationAudience { unit: &[OpdOperator, OpdOfficial], named: nobody, unnamed: nobody }
        }
        (false, DeadlineScope::Disposition, 2) => {
            EscalationAudience { unit: &[OpdOperator, OpdOfficial], named: &[Admin, Leader], unnamed: nobody }
        }
        (false, DeadlineScope::Disposition, _) => EscalationAudience {
            unit: &[OpdOperator, OpdOfficial],
            named: &[Admin, Leader, Inspector],
            unnamed: nobody,
        },
        (false, DeadlineScope::Complaint, 0 | 1) => {
            EscalationAudience { unit: nobody, named: &[Admin], unnamed: nobody }
        }
        (false, DeadlineScope::Complaint, 2) => {
            EscalationAudience { unit: nobody, named: &[Admin, Leader], unnamed: nobody }
        }
        (false, DeadlineScope::Complaint, _) => {
            EscalationAudience { unit: nobody, named: &[Admin, Leader, Inspector], unnamed: nobody }
        }
        (true, DeadlineScope::Disposition, 0 | 1) => {
            EscalationAudience { unit: &[Inspector], named: nobody, unnamed: nobody }
        }
        (true, DeadlineScope::Disposition, _) => {
            EscalationAudience { unit: &[Inspector], named: &[Admin, Inspector], unnamed: &[Leader] }
        }
        (true, DeadlineScope::Complaint, 0 | 1) => {
            EscalationAudience { unit: nobody, named: &[Admin, Inspector], unnamed: nobody }
        }
        (true, DeadlineScope::Complaint, _) => {
            EscalationAudience { unit: nobody, named: &[Admin, Inspector], unnamed: &[Leader] }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::DispositionAction as A;
    use super::DispositionStatus as S;
    use super::*;
    use chrono::TimeZone;
    use chrono_tz::Asia::Pontianak;

    const EDGES: [(DispositionStatus, DispositionAction, DispositionStatus); 8] = [
        (S::Sent, A::Accept, S::Accepted),
        (S::Sent, A::Return, S::Returned),
        (S::Sent, A::Delegate, S::Delegated),
        (S::Accepted, A::Delegate, S::Delegated),
        (S::Accepted, A::Complete, S::Completed),
        (S::Delegated, A::Complete, S::Completed),
        (S::Completed, A::Reopen, S::Accepted),
        (S::Completed, A::ReopenDelegated, S::Delegated),
    ];

    #[test]
    fn every_disposition_edge_and_every_forbidden_one() {
        let actions = [A::Accept, A::Return, A::Delegate, A::Complete, A::Reopen, A::ReopenDelegated];
        for from in DispositionStatus::ALL {
            for action in actions {
                let expected = EDGES.iter().find(|(f, a, _)| *f == from && *a == action).map(|(_, _, to)| *to);
                match expected {
                    Some(to) => assert_eq!(transition(from, action), Ok(to)),
                    None => assert!(
                        matches!(
                            transition(from, action),
                            Err(DomainError::Conflict { code: "invalid_transition", .. })
                        ),
                        "{} --{}--> should be refused",
                        from.as_str(),
                        action.as_str()
                    ),
                }
            }
        }
    }

    #[test]
    fn open_and_taken_on_statuses() {
        let open: Vec<_> = DispositionStatus::ALL.into_iter().filter(|s| s.is_open()).collect();
        assert_eq!(open, [S::Sent, S::Accepted, S::Delegated]);
        let taken: Vec<_> = DispositionStatus::ALL.into_iter().filter(|s| s.is_taken_on()).collect();
        assert_eq!(taken, [S::Accepted, S::Delegated]);
    }

    #[test]
    fn the_reporters_turn_comes_when_every_taken_on_disposition_is_complete() {
        assert!(all_answered(&[S::Completed]));
        assert!(all_answered(&[S::Completed, S::Returned]));
        assert!(all_answered(&[S::Completed, S::Sent]), "a unit that never reacted does not hold the reporter back");
        assert!(!all_answered(&[S::Completed, S::Accepted]));
        assert!(!all_answered(&[S::Completed, S::Delegated]));
        assert!(!all_answered(&[S::Returned, S::Sent]));
        assert!(!all_answered(&[]));
    }

    #[test]
    fn only_a_pending_answer_is_decided() {
        assert_eq!(
            follow_up_transition(FollowUpStatus::PendingApproval, Decision::Approve),
            Ok(FollowUpStatus::Approved)
        );
        assert_eq!(
            follow_up_transition(FollowUpStatus::PendingApproval, Decision::Reject),
            Ok(FollowUpStatus::Rejected)
        );
        for from in [FollowUpStatus::Approved, FollowUpStatus::Rejected, FollowUpStatus::Internal] {
            for decision in [Decision::Approve, Decision::Reject] {
                assert!(follow_up_transition(from, decision).is_err());
            }
        }
        assert_eq!(FollowUpStatus::initial(Visibility::Public), FollowUpStatus::PendingApproval);
        assert_eq!(FollowUpStatus::initial(Visibility::Internal), FollowUpStatus::Internal);
    }

    #[test]
    fn escalation_rises_with_working_days_late() {
        let calendar = WorkingCalendar::new(Pontianak, []);
        // Due at the end of Monday 23 November 2026.
        let due = Pontianak.with_ymd_and_hms(2026, 11, 24, 0, 0, 0).unwrap().with_timezone(&Utc);
        let at = |d, h| Pontianak.with_ymd_and_hms(2026, 11, d, h, 0, 0).unwrap().with_timezone(&Utc);
        assert_eq!(escalation_level(&calendar, due, at(23, 16)), 0);
        assert_eq!(escalation_level(&calendar, due, at(24, 8)), 1);
        assert_eq!(escalation_level(&calendar, due, at(25, 8)), 1);
        assert_eq!(escalation_level(&calendar, due, at(26, 8)), 2); // Tue, Wed, Thu: 3 working days late
        assert_eq!(escalation_level(&calendar, due, at(28, 8)), 2); // Saturday does not count
        assert_eq!(escalation_level(&calendar, due, at(30, 8)), 3); // Mon 30: 5 working days late
    }

    #[test]
    fn escalation_reaches_whoever_holds_the_deadline_then_climbs() {
        use DeadlineScope::{Complaint, Disposition};
        use Role::{Admin, Inspector, Leader, OpdOfficial, OpdOperator};
        let audience = |level, scope, supervision| {
            let a = escalation_audience(level, scope, supervision);
            (a.unit.to_vec(), a.named.to_vec(), a.unnamed.to_vec())
        };
        let opd = vec![OpdOperator, OpdOfficial];
        // An ordinary complaint's disposition.
        assert_eq!(audience(1, Disposition, false), (opd.clone(), vec![], vec![]));
        assert_eq!(audience(2, Disposition, false), (opd.clone(), vec![Admin, Leader], vec![]));
        assert_eq!(audience(3, Disposition, false), (opd.clone(), vec![Admin, Leader, Inspector], vec![]));
        // An ordinary complaint's own deadlines.
        assert_eq!(audience(1, Complaint, false), (vec![], vec![Admin], vec![]));
        assert_eq!(audience(2, Complaint, false), (vec![], vec![Admin, Leader], vec![]));
        assert_eq!(audience(3, Complaint, false), (vec![], vec![Admin, Leader, Inspector], vec![]));
        // A supervision complaint's disposition to the Inspektorat.
        assert_eq!(audience(1, Disposition, true), (vec![Inspector], vec![], vec![]));
        assert_eq!(audience(2, Disposition, true), (vec![Inspector], vec![Admin, Inspector], vec![Leader]));
        assert_eq!(audience(3, Disposition, true), (vec![Inspector], vec![Admin, Inspector], vec![Leader]));
        // A supervision complaint's own deadlines: the inspectors hear from the first level.
        assert_eq!(audience(1, Complaint, true), (vec![], vec![Admin, Inspector], vec![]));
        assert_eq!(audience(2, Complaint, true), (vec![], vec![Admin, Inspector], vec![Leader]));
        assert_eq!(audience(3, Complaint, true), (vec![], vec![Admin, Inspector], vec![Leader]));
    }

    #[test]
    fn no_opd_role_and_no_named_leader_ever_hears_of_a_supervision_complaint() {
        for level in 0..=4 {
            for scope in [DeadlineScope::Complaint, DeadlineScope::Disposition] {
                let a = escalation_audience(level, scope, true);
                for role in a.unit.iter().chain(a.named).chain(a.unnamed) {
                    assert!(!matches!(role, Role::OpdOperator | Role::OpdOfficial), "{level} {scope:?}");
                }
                assert!(!a.named.contains(&Role::Leader) && !a.unit.contains(&Role::Leader));
            }
        }
    }
}

//! Dispositions to OPDs, their follow-up answers and approval, the reporter's response, reopening, and what OPD
//! staff may see, one file a part; what the parts share is here. Every step locks the complaint first (then its
//! dispositions), so concurrent steps on one complaint run one after the other and the last one sees what the
//! first did.

mod dispose;
mod follow_ups;
mod reporter;
mod visibility;
mod workflow;

pub use dispose::*;
pub use follow_ups::*;
pub use reporter::*;
pub use visibility::*;
pub use workflow::*;

use chrono::{DateTime, Utc};
use diesel_async::AsyncPgConnection;
use serde_json::json;

use super::reference;
use crate::auth::Reach;
use crate::db;
use crate::db::complaints::{ComplaintChanges, ComplaintRow};
use crate::db::dispositions::DispositionRow;
use crate::domain::complaint::{self, ComplaintAction, ComplaintStatus};
use crate::domain::disposition::DispositionStatus;
use crate::domain::ids::UnitId;
use crate::domain::role::Role;
use crate::error::ApiError;
use crate::services::notifications::{Notice, notify, notify_pemda, notify_users};
/// Roles that work on dispositions sent to their unit.
fn is_opd_role(role: Role) -> bool {
    matches!(role, Role::OpdOperator | Role::OpdOfficial)
}

fn status_of(row: &DispositionRow) -> Result<DispositionStatus, ApiError> {
    Ok(row.status.parse()?)
}

fn complaint_step(current: &ComplaintRow, action: ComplaintAction) -> Result<ComplaintStatus, ApiError> {
    let from: ComplaintStatus = current.status.parse()?;
    complaint::transition(from, action).map_err(|err| ApiError::refused_in(err, from.as_str()))
}

/// The roles of a unit that act on (and hear about) its dispositions: OPD liaison staff, and the inspectors of the
/// Inspektorat; for a supervision complaint the inspectors only, since OPD roles never see those.
fn acting_roles(inspectorate: bool, supervision: bool) -> &'static [&'static str] {
    match (inspectorate, supervision) {
        (_, true) => &["inspector"],
        (true, false) => &["opd_operator", "opd_official", "inspector"],
        (false, false) => &["opd_operator", "opd_official"],
    }
}

fn check_version(expected: Option<i32>, current: i32) -> Result<(), ApiError> {
    match expected {
        Some(version) if version != current => Err(ApiError::stale(current)),
        _ => Ok(()),
    }
}

fn covers(reach: &Reach, complaint: &ComplaintRow) -> bool {
    match reach {
        Reach::Everything => true,
        Reach::Subtree(root) | Reach::Unit(root) => *root == UnitId(complaint.pemda_id),
    }
}

/// The complaint's move to `awaiting_reporter`, with the reporter's window counted from now under its own policy.
async fn reporter_turn(
    conn: &mut AsyncPgConnection,
    current: &ComplaintRow,
    timezone: chrono_tz::Tz,
    now: DateTime<Utc>,
) -> Result<(ComplaintChanges, serde_json::Value), ApiError> {
    let to = complaint_step(current, ComplaintAction::AnswerAll)?;
    let policy = db::reference::policies(conn, current.pemda_id).await?.into_iter().find(|p| p.id == current.policy_id);
    let window = policy.map(|p| reference::policy_of(&p).reporter_window_days).unwrap_or(10);
    let calendar =
        reference::calendar(conn, current.pemda_id, timezone, now.with_timezone(&timezone).date_naive()).await?;
    let reply_by = calendar.add_working_days(now, window);
    let changes = ComplaintChanges {
        status: Some(to.as_str().into()),
        reporter_reply_by: Some(Some(reply_by)),
        ..Default::default()
    };
    Ok((changes, json!({ "from": current.status, "to": to, "reporter_reply_by": reply_by })))
}

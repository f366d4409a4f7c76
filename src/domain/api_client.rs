//! Machine clients (OAuth 2.0 client credentials, RFC 6749 §4.4): what they may be granted, how a token request's
//! `scope` is judged, and when a client and its secrets are usable.

use std::collections::BTreeSet;

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::DomainError;

/// What a machine client may do. Written as OAuth scope tokens (`reports:read`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, ToSchema)]
pub enum Scope {
    /// Read the reports of the client's Pemda (as its leaders do).
    #[serde(rename = "reports:read")]
    ReportsRead,
    /// Read complaints of the client's Pemda (never the reporter's identity).
    #[serde(rename = "complaints:read")]
    ComplaintsRead,
    /// File reports as a channel (the client's fixed channel).
    #[serde(rename = "complaints:write")]
    ComplaintsWrite,
    /// Manage the Pemda's webhook subscriptions.
    #[serde(rename = "webhooks:manage")]
    WebhooksManage,
}

impl Scope {
    /// Every scope.
    pub const ALL: [Scope; 4] =
        [Scope::ReportsRead, Scope::ComplaintsRead, Scope::ComplaintsWrite, Scope::WebhooksManage];

    /// The scope token.
    pub fn as_str(self) -> &'static str {
        match self {
            Scope::ReportsRead => "reports:read",
            Scope::ComplaintsRead => "complaints:read",
            Scope::ComplaintsWrite => "complaints:write",
            Scope::WebhooksManage => "webhooks:manage",
        }
    }
}

impl std::str::FromStr for Scope {
    type Err = DomainError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Scope::ALL
            .into_iter()
            .find(|scope| scope.as_str() == s)
            .ok_or_else(|| DomainError::invalid("scopes", "unknown_scope", format!("unknown scope {s:?}")))
    }
}

impl std::fmt::Display for Scope {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How long a rotated-out secret still works, so a deployment can switch over without downtime.
pub const ROTATION_OVERLAP: Duration = Duration::hours(24);

/// The scopes a token request gets: those asked for (space-separated, RFC 6749 §3.3), each of which the client must
/// hold, or all the client holds when it asks for none. `None` when any asked-for scope is unknown or not granted
/// (the token endpoint answers `invalid_scope`).
pub fn granted_scopes(requested: Option<&str>, held: &[Scope]) -> Option<Vec<Scope>> {
    let held: BTreeSet<Scope> = held.iter().copied().collect();
    let Some(requested) = requested.filter(|text| !text.trim().is_empty()) else {
        return Some(held.into_iter().collect());
    };
    let mut granted = BTreeSet::new();
    for token in requested.split(' ').filter(|token| !token.is_empty()) {
        let scope = token.parse::<Scope>().ok().filter(|scope| held.contains(scope))?;
        granted.insert(scope);
    }
    Some(granted.into_iter().collect())
}

/// The state of a client that decides whether it may get and use tokens.
#[derive(Debug, Clone, Copy)]
pub struct ClientStanding {
    /// Switched on by an admin.
    pub active: bool,
    /// Revoked for good.
    pub revoked: bool,
    /// Its optional end.
    pub expires_at: Option<DateTime<Utc>>,
}

impl ClientStanding {
    /// Whether the client may get a token, or use one, at `now`.
    pub fn usable(&self, now: DateTime<Utc>) -> bool {
        self.active && !self.revoked && self.expires_at.is_none_or(|end| now < end)
    }
}

/// Whether a presented secret is the client's: its current one, or the previous one within its overlap.
pub fn secret_accepted(
    presented: &[u8],
    current: &[u8],
    previous: Option<(&[u8], DateTime<Utc>)>,
    now: DateTime<Utc>,
) -> bool {
    constant_time_eq(presented, current)
        || previous.is_some_and(|(hash, until)| now < until && constant_time_eq(presented, hash))
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_gets_the_scopes_asked_for_if_the_client_holds_them_all() {
        let held = [Scope::ReportsRead, Scope::ComplaintsRead];
        assert_eq!(granted_scopes(None, &held), Some(vec![Scope::ReportsRead, Scope::ComplaintsRead]));
        assert_eq!(granted_scopes(Some("  "), &held), Some(vec![Scope::ReportsRead, Scope::ComplaintsRead]));
        assert_eq!(granted_scopes(Some("reports:read"), &held), Some(vec![Scope::ReportsRead]));
        assert_eq!(
            granted_scopes(Some("complaints:read reports:read reports:read"), &held),
            Some(vec![Scope::ReportsRead, Scope::ComplaintsRead])
        );
        assert_eq!(granted_scopes(Some("complaints:write"), &held), None, "not granted to the client");
        assert_eq!(granted_scopes(Some("reports:read admin"), &held), None, "unknown");
        assert_eq!(granted_scopes(Some("REPORTS:READ"), &held), None, "scope tokens are case-sensitive");
    }

    #[test]
    fn scopes_are_written_as_oauth_scope_tokens() {
        assert_eq!(serde_json::to_value(Scope::ReportsRead).unwrap(), "reports:read");
        assert_eq!("webhooks:manage".parse::<Scope>(), Ok(Scope::WebhooksManage));
        assert!("reports".parse::<Scope>().is_err());
    }

    #[test]
    fn only_an_active_unrevoked_unexpired_client_is_usable() {
        let now = Utc::now();
        let ok = ClientStanding { active: true, revoked: false, expires_at: None };
        assert!(ok.usable(now));
        assert!(ClientStanding { expires_at: Some(now + Duration::minutes(1)), ..ok }.usable(now));
        assert!(!ClientStanding { expires_at: Some(now), ..ok }.usable(now));
        assert!(!ClientStanding { active: false, ..ok }.usable(now));
        assert!(!ClientStanding { revoked: true, ..ok }.usable(now));
    }

    #[test]
    fn the_previous_secret_works_only_during_its_overlap() {
        let now = Utc::now();
        let (current, previous) = (b"current-hash".as_slice(), b"previous-hash".as_slice());
        assert!(secret_accepted(current, current, None, now));
        assert!(!secret_accepted(previous, current, None, now));
        assert!(secret_accepted(previous, current, Some((previous, now + Duration::hours(1))), now));
        assert!(!secret_accepted(previous, current, Some((previous, now)), now));
        assert!(!secret_accepted(b"other", current, Some((previous, now + Duration::hours(1))), now));
    }
}

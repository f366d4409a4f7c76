//! Allowances of the endpoints anyone can call, and the sign-in guard, as pure rules over counters the database keeps.
//!
//! Public intake, uploads and tracking lookups get a fixed window per client address. Sign-in is different, because
//! its limit must not become a weapon against staff: failures lock only the (account, address) pair that made them;
//! an address the account signed in from before is trusted past the other rules; and failures against an account from
//! elsewhere slow further tries from unknown addresses by a delay that doubles and stops at a minute, never a lock.
//!
//! The figures go out in the IETF RateLimit fields (draft-ietf-httpapi-ratelimit-headers): `RateLimit-Policy:
//! "intake";q=10;w=3600` and `RateLimit: "intake";r=7;t=1800`.

use chrono::{DateTime, TimeDelta, Utc};

/// A quota of requests per window, named as it appears in the `RateLimit-Policy` field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Policy {
    /// The policy's name in the fields (`intake`, `upload`, `tracking`, `login`).
    pub name: &'static str,
    /// Requests allowed per window (for `login`: failures).
    pub quota: u32,
    /// The window, in seconds.
    pub window_secs: u32,
}

impl Policy {
    fn window(&self) -> TimeDelta {
        TimeDelta::seconds(i64::from(self.window_secs))
    }

    /// Where a request stands that finds `hits` requests (itself included) counted in the window that started at
    /// `window_start`.
    pub fn standing(&self, hits: u32, window_start: DateTime<Utc>, now: DateTime<Utc>) -> Standing {
        Standing {
            policy: *self,
            remaining: self.quota.saturating_sub(hits),
            reset_secs: seconds_until(window_start + self.window(), now),
            exceeded: hits > self.quota,
        }
    }

    /// Whether a window that started at `window_start` is over at `now` (the next request starts a new one).
    pub fn window_over(&self, window_start: DateTime<Utc>, now: DateTime<Utc>) -> bool {
        window_start + self.window() <= now
    }
}

/// What a client has left of a policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Standing {
    /// The policy it is about.
    pub policy: Policy,
    /// Requests left in the window.
    pub remaining: u32,
    /// Seconds until the window ends and the quota is whole again.
    pub reset_secs: u64,
    /// This request went beyond the quota: refuse it, and say when to come back (`reset_secs`).
    pub exceeded: bool,
}

impl Standing {
    /// The value of the `RateLimit-Policy` field.
    pub fn policy_field(&self) -> String {
        format!("\"{}\";q={};w={}", self.policy.name, self.policy.quota, self.policy.window_secs)
    }

    /// The value of the `RateLimit` field.
    pub fn limit_field(&self) -> String {
        format!("\"{}\";r={};t={}", self.policy.name, self.remaining, self.reset_secs)
    }
}

fn seconds_until(then: DateTime<Utc>, now: DateTime<Utc>) -> u64 {
    // Rounded up, so that a client waiting that long is never early.
    let millis = (then - now).num_milliseconds().max(0) as u64;
    millis.div_ceil(1000)
}

/// How sign-in failures are judged.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SignInPolicy {
    /// Failures of one account from one address that lock that pair for the window.
    pub per_pair: u32,
    /// Failures from one address, over every account, that stop it trying accounts it has never signed in to.
    pub per_address: u32,
    /// How long failures count, measured from the latest one.
    pub window: TimeDelta,
}

/// Failures of an account, from anywhere, before tries from unknown addresses are delayed.
pub const DELAY_AFTER_FAILURES: u32 = 3;
/// The longest such delay.
pub const MAX_DELAY: TimeDelta = TimeDelta::seconds(60);
/// How long a successful sign-in makes its address a known one for the account.
pub const KNOWN_ADDRESS_FOR: TimeDelta = TimeDelta::days(30);

/// Failures counted within the window, with the latest one.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Failures {
    /// How many.
    pub count: u32,
    /// When the latest happened.
    pub last: Option<DateTime<Utc>>,
}

/// What the database knows of an attempt's account and address.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SignInHistory {
    /// This account from this address.
    pub pair: Failures,
    /// The last successful sign-in of this account from this address.
    pub pair_last_success: Option<DateTime<Utc>>,
    /// This account from every address.
    pub account: Failures,
    /// This address against every account.
    pub address: Failures,
}

/// Why an attempt must wait.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Hold {
    /// Too many failures of this account from this address.
    Pair,
    /// Too many failures from this address across accounts.
    Address,
    /// The account is being guessed at from elsewhere.
    AccountDelay,
}

/// The verdict on a sign-in attempt, before the password is looked at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SignInVerdict {
    /// `Some` when the attempt must not be evaluated: why, and the seconds to wait.
    pub hold: Option<(Hold, u64)>,
    /// The pair's standing, for the RateLimit fields.
    pub standing: Standing,
}

impl SignInPolicy {
    /// The policy as the RateLimit fields name it: failures per account and address.
    pub fn as_policy(&self) -> Policy {
        Policy { name: "login", quota: self.per_pair, window_secs: self.window.num_seconds().max(1) as u32 }
    }

    /// The pair's standing once a judged attempt failed: one failure fewer left, the window starting again.
    pub fn after_failure(&self, judged: &Standing) -> Standing {
        let remaining = judged.remaining.saturating_sub(1);
        Standing { remaining, reset_secs: self.window.num_seconds().max(0) as u64, exceeded: remaining == 0, ..*judged }
    }

    /// The pair's standing after a successful sign-in: its failures are cleared.
    pub fn after_success(&self) -> Standing {
        Standing { policy: self.as_policy(), remaining: self.per_pair, reset_secs: 0, exceeded: false }
    }

    fn recent(&self, failures: Failures, now: DateTime<Utc>) -> Failures {
        match failures.last {
            Some(last) if last + self.window > now => failures,
            _ => Failures::default(),
        }
    }

    /// Judges an attempt at `now`.
    pub fn judge(&self, history: &SignInHistory, now: DateTime<Utc>) -> SignInVerdict {
        let pair = self.recent(history.pair, now);
        let until_window_ends =
            |last: Option<DateTime<Utc>>| last.map_or(0, |last| seconds_until(last + self.window, now));
        let standing = Standing {
            policy: self.as_policy(),
            remaining: self.per_pair.saturating_sub(pair.count),
            reset_secs: until_window_ends(pair.last),
            exceeded: pair.count >= self.per_pair,
        };
        let verdict = |hold| SignInVerdict { hold, standing };
        if pair.count >= self.per_pair {
            return verdict(Some((Hold::Pair, until_window_ends(pair.last).max(1))));
        }
        let known = history.pair_last_success.is_some_and(|at| at + KNOWN_ADDRESS_FOR > now);
        if known {
            return verdict(None);
        }
        let address = self.recent(history.address, now);
        if address.count >= self.per_address {
            return verdict(Some((Hold::Address, until_window_ends(address.last).max(1))));
        }
        let account = self.recent(history.account, now);
        if let (Some(delay), Some(last)) = (account_delay(account.count), account.last)
            && last + delay > now
        {
            return verdict(Some((Hold::AccountDelay, seconds_until(last + delay, now).max(1))));
        }
        verdict(None)
    }
}

/// The wait between tries from unknown addresses after `failures` failures of an account: none up to
/// [`DELAY_AFTER_FAILURES`], then 1, 2, 4, ... seconds, at most [`MAX_DELAY`].
pub fn account_delay(failures: u32) -> Option<TimeDelta> {
    let beyond = failures.checked_sub(DELAY_AFTER_FAILURES)?;
    let seconds = 1i64.checked_shl(beyond.min(30)).unwrap_or(i64::MAX);
    Some(TimeDelta::seconds(seconds).min(MAX_DELAY))
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn at(seconds: i64) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, 1, 8, 0, 0).unwrap() + TimeDelta::seconds(seconds)
    }

    const INTAKE: Policy = Policy { name: "intake", quota: 10, window_secs: 3600 };

    #[test]
    fn a_fixed_window_counts_down_then_refuses_until_it_ends() {
        let first = INTAKE.standing(1, at(0), at(0));
        assert_eq!((first.remaining, first.reset_secs, first.exceeded), (9, 3600, false));
        let tenth = INTAKE.standing(10, at(0), at(1800));
        assert_eq!((tenth.remaining, tenth.reset_secs, tenth.exceeded), (0, 1800, false));
        let eleventh = INTAKE.standing(11, at(0), at(1799) + TimeDelta::milliseconds(500));
        assert_eq!((eleventh.remaining, eleventh.reset_secs, eleventh.exceeded), (0, 1801, true));
        assert!(!INTAKE.window_over(at(0), at(3599)));
        assert!(INTAKE.window_over(at(0), at(3600)));
    }

    #[test]
    fn the_fields_follow_the_draft() {
        let standing = INTAKE.standing(3, at(0), at(600));
        assert_eq!(standing.policy_field(), r#""intake";q=10;w=3600"#);
        assert_eq!(standing.limit_field(), r#""intake";r=7;t=3000"#);
    }

    const SIGN_IN: SignInPolicy = SignInPolicy { per_pair: 5, per_address: 100, window: TimeDelta::seconds(900) };

    fn failures(count: u32, last: i64) -> Failures {
        Failures { count, last: Some(at(last)) }
    }

    #[test]
    fn failures_lock_only_the_pair_that_made_them_for_the_window() {
        let history = SignInHistory { pair: failures(5, 0), account: failures(5, 0), ..Default::default() };
        assert_eq!(SIGN_IN.judge(&history, at(60)).hold, Some((Hold::Pair, 840)));
        assert_eq!(SIGN_IN.judge(&history, at(900)).hold, None, "the window passed");
        let four = SignInHistory { pair: failures(4, 0), ..Default::default() };
        let verdict = SIGN_IN.judge(&four, at(10));
        assert_eq!((verdict.hold, verdict.standing.remaining), (None, 1));
    }

    #[test]
    fn a_known_address_signs_in_while_the_account_is_guessed_at_from_elsewhere() {
        let attacked = SignInHistory {
            pair: Failures::default(),
            pair_last_success: Some(at(-86_400)),
            account: failures(500, 0),
            address: failures(1000, 0),
        };
        assert_eq!(SIGN_IN.judge(&attacked, at(1)).hold, None);
        let stale = SignInHistory { pair_last_success: Some(at(0) - KNOWN_ADDRESS_FOR), ..attacked };
        assert!(SIGN_IN.judge(&stale, at(1)).hold.is_some(), "a success older than 30 days no longer counts");
    }

    #[test]
    fn unknown_addresses_wait_a_growing_delay_never_more_than_a_minute() {
        assert_eq!(account_delay(2), None);
        assert_eq!(account_delay(3), Some(TimeDelta::seconds(1)));
        assert_eq!(account_delay(4), Some(TimeDelta::seconds(2)));
        assert_eq!(account_delay(8), Some(TimeDelta::seconds(32)));
        assert_eq!(account_delay(9), Some(MAX_DELAY));
        assert_eq!(account_delay(u32::MAX), Some(MAX_DELAY));
        let guessed = SignInHistory { account: failures(9, 0), ..Default::default() };
        assert_eq!(SIGN_IN.judge(&guessed, at(20)).hold, Some((Hold::AccountDelay, 40)));
        assert_eq!(SIGN_IN.judge(&guessed, at(60)).hold, None, "after the delay, one more try");
    }

    #[test]
    fn an_address_spraying_many_accounts_is_stopped_for_new_ones() {
        let spraying = SignInHistory { address: failures(100, 0), ..Default::default() };
        assert_eq!(SIGN_IN.judge(&spraying, at(300)).hold, Some((Hold::Address, 600)));
        let colleague = SignInHistory { pair_last_success: Some(at(-60)), ..spraying };
        assert_eq!(SIGN_IN.judge(&colleague, at(300)).hold, None, "colleagues behind the same NAT keep signing in");
    }
}

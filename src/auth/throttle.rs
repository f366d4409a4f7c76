//! Sliding-window rate limits: failed logins per account and per client address, and public complaint intake per
//! client address.
//!
//! Counters live in this process's memory: with several instances behind a balancer each keeps its own, so the
//! effective limit is the configured one times the number of instances. That still stops guessing and flooding.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Timestamps of recent events per key, forgotten once older than the window.
pub struct SlidingWindow {
    window: Duration,
    events: Mutex<HashMap<String, VecDeque<Instant>>>,
}

impl SlidingWindow {
    /// Counts events over `window`.
    pub fn new(window: Duration) -> Self {
        Self { window, events: Mutex::new(HashMap::new()) }
    }

    /// `Some(seconds to wait)` when `key` already has `limit` events in the window.
    pub fn wait(&self, key: &str, limit: u32, now: Instant) -> Option<u64> {
        let mut events = self.events.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let times = events.get_mut(key)?;
        while times.front().is_some_and(|first| now.duration_since(*first) >= self.window) {
            times.pop_front();
        }
        if times.len() < limit as usize {
            return None;
        }
        // The oldest event still counted leaves the window first; then one more is allowed.
        let oldest = *times.front()?;
        Some(self.window.saturating_sub(now.duration_since(oldest)).as_secs().max(1))
    }

    /// Counts one event for `key`.
    pub fn record(&self, key: &str, now: Instant) {
        let mut events = self.events.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        events.entry(key.to_owned()).or_default().push_back(now);
        // Keep memory bounded under a flood of distinct keys: forget keys whose events all expired.
        if events.len() > 10_000 {
            let window = self.window;
            events.retain(|_, times| times.back().is_some_and(|last| now.duration_since(*last) < window));
        }
    }

    /// Forgets every event of `key`.
    pub fn clear(&self, key: &str) {
        self.events.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).remove(key);
    }
}

/// Failed-login counters.
pub struct LoginThrottle {
    per_account: u32,
    per_ip: u32,
    failures: SlidingWindow,
}

impl LoginThrottle {
    /// Allows `per_account` failures per e-mail and `per_ip` per address within `window`.
    pub fn new(per_account: u32, per_ip: u32, window: Duration) -> Self {
        Self { per_account, per_ip, failures: SlidingWindow::new(window) }
    }

    /// `Some(seconds to wait)` when the account or the address has used up its failures.
    pub fn check(&self, email: &str, ip: &str, now: Instant) -> Option<u64> {
        let account = self.failures.wait(&account_key(email), self.per_account, now);
        let address = self.failures.wait(&ip_key(ip), self.per_ip, now);
        account.max(address)
    }

    /// Counts a failed login.
    pub fn record_failure(&self, email: &str, ip: &str, now: Instant) {
        self.failures.record(&account_key(email), now);
        self.failures.record(&ip_key(ip), now);
    }

    /// A successful login clears the account's failures (not the address's: one good password must not reset a
    /// guessing run against other accounts).
    pub fn record_success(&self, email: &str) {
        self.failures.clear(&account_key(email));
    }
}

fn account_key(email: &str) -> String {
    format!("account:{}", email.trim().to_lowercase())
}

fn ip_key(ip: &str) -> String {
    format!("ip:{ip}")
}

/// Public intake submissions per client address.
pub struct IntakeLimit {
    per_ip: u32,
    submissions: SlidingWindow,
}

impl IntakeLimit {
    /// Allows `per_ip` submissions per address within `window`.
    pub fn new(per_ip: u32, window: Duration) -> Self {
        Self { per_ip, submissions: SlidingWindow::new(window) }
    }

    /// Counts a submission from `ip`, or says how long to wait when the address has used up its allowance.
    pub fn admit(&self, ip: &str, now: Instant) -> Result<(), u64> {
        if let Some(wait) = self.submissions.wait(ip, self.per_ip, now) {
            return Err(wait);
        }
        self.submissions.record(ip, now);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_account_is_throttled_after_its_failures_and_freed_when_the_window_passes() {
        let throttle = LoginThrottle::new(3, 100, Duration::from_secs(60));
        let start = Instant::now();
        for i in 0..3 {
            assert_eq!(throttle.check("a@x.id", "10.0.0.1", start), None, "attempt {i}");
            throttle.record_failure("a@x.id", "10.0.0.1", start);
        }
        assert_eq!(throttle.check("A@X.ID", "10.0.0.2", start + Duration::from_secs(10)), Some(50));
        assert_eq!(throttle.check("a@x.id", "10.0.0.1", start + Duration::from_secs(60)), None);
    }

    #[test]
    fn an_address_is_throttled_across_accounts() {
        let throttle = LoginThrottle::new(100, 2, Duration::from_secs(60));
        let now = Instant::now();
        throttle.record_failure("a@x.id", "10.0.0.9", now);
        throttle.record_failure("b@x.id", "10.0.0.9", now);
        assert!(throttle.check("c@x.id", "10.0.0.9", now).is_some());
        assert!(throttle.check("c@x.id", "10.0.0.8", now).is_none());
    }

    #[test]
    fn success_clears_the_account_but_not_the_address() {
        let throttle = LoginThrottle::new(1, 1, Duration::from_secs(60));
        let now = Instant::now();
        throttle.record_failure("a@x.id", "10.0.0.1", now);
        throttle.record_success("a@x.id");
        assert!(throttle.check("a@x.id", "10.0.0.2", now).is_none());
        assert!(throttle.check("b@x.id", "10.0.0.1", now).is_some());
    }

    #[test]
    fn intake_admits_up_to_the_limit_per_address() {
        let limit = IntakeLimit::new(2, Duration::from_secs(3600));
        let now = Instant::now();
        assert!(limit.admit("10.0.0.1", now).is_ok());
        assert!(limit.admit("10.0.0.1", now).is_ok());
        assert_eq!(limit.admit("10.0.0.1", now + Duration::from_secs(600)), Err(3000));
        assert!(limit.admit("10.0.0.2", now).is_ok());
        assert!(limit.admit("10.0.0.1", now + Duration::from_secs(3600)).is_ok());
    }
}

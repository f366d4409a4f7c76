//! Throttling of failed logins, per account and per client address.
//!
//! Counters live in this process's memory: with several instances behind a balancer each keeps its own, so the
//! effective limit is the configured one times the number of instances. That still stops online guessing.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Sliding-window counters of failed logins.
pub struct LoginThrottle {
    per_account: u32,
    per_ip: u32,
    window: Duration,
    failures: Mutex<HashMap<String, VecDeque<Instant>>>,
}

impl LoginThrottle {
    /// Allows `per_account` failures per e-mail and `per_ip` per address within `window`.
    pub fn new(per_account: u32, per_ip: u32, window: Duration) -> Self {
        Self { per_account, per_ip, window, failures: Mutex::new(HashMap::new()) }
    }

    /// `Some(seconds to wait)` when the account or the address has used up its failures.
    pub fn check(&self, email: &str, ip: &str, now: Instant) -> Option<u64> {
        let mut failures = self.failures.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let account = self.wait(&mut failures, &account_key(email), self.per_account, now);
        let address = self.wait(&mut failures, &ip_key(ip), self.per_ip, now);
        account.max(address)
    }

    /// Counts a failed login.
    pub fn record_failure(&self, email: &str, ip: &str, now: Instant) {
        let mut failures = self.failures.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        for key in [account_key(email), ip_key(ip)] {
            failures.entry(key).or_default().push_back(now);
        }
        // Keep memory bounded under a flood of distinct addresses: forget keys whose failures all expired.
        if failures.len() > 10_000 {
            let window = self.window;
            failures.retain(|_, times| times.back().is_some_and(|last| now.duration_since(*last) < window));
        }
    }

    /// A successful login clears the account's failures (not the address's: one good password must not reset a
    /// guessing run against other accounts).
    pub fn record_success(&self, email: &str) {
        let mut failures = self.failures.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        failures.remove(&account_key(email));
    }

    fn wait(
        &self,
        failures: &mut HashMap<String, VecDeque<Instant>>,
        key: &str,
        limit: u32,
        now: Instant,
    ) -> Option<u64> {
        let times = failures.get_mut(key)?;
        while times.front().is_some_and(|first| now.duration_since(*first) >= self.window) {
            times.pop_front();
        }
        if times.len() < limit as usize {
            return None;
        }
        // The oldest failure still counted leaves the window first; then one more attempt is allowed.
        let oldest = *times.front()?;
        let wait = self.window.saturating_sub(now.duration_since(oldest));
        Some(wait.as_secs().max(1))
    }
}

fn account_key(email: &str) -> String {
    format!("account:{}", email.trim().to_lowercase())
}

fn ip_key(ip: &str) -> String {
    format!("ip:{ip}")
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
}

//! Webhooks by the Standard Webhooks specification: event types, the signature, the secret's format, the retry
//! schedule, what an answer means for the endpoint, and which addresses a webhook may never reach.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chrono::{DateTime, Duration, Utc};
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;
use utoipa::ToSchema;

use super::DomainError;
use super::change::EntityType;

/// What happened, as `<entity>.<action>` (the spec's full-stop delimited type).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, ToSchema)]
pub enum EventType {
    #[serde(rename = "complaint.created")]
    ComplaintCreated,
    #[serde(rename = "complaint.updated")]
    ComplaintUpdated,
    #[serde(rename = "disposition.created")]
    DispositionCreated,
    #[serde(rename = "disposition.updated")]
    DispositionUpdated,
    #[serde(rename = "follow_up.created")]
    FollowUpCreated,
    #[serde(rename = "follow_up.updated")]
    FollowUpUpdated,
    #[serde(rename = "action_plan.created")]
    ActionPlanCreated,
    #[serde(rename = "action_plan.updated")]
    ActionPlanUpdated,
}

impl EventType {
    /// Every event type.
    pub const ALL: [EventType; 8] = [
        EventType::ComplaintCreated,
        EventType::ComplaintUpdated,
        EventType::DispositionCreated,
        EventType::DispositionUpdated,
        EventType::FollowUpCreated,
        EventType::FollowUpUpdated,
        EventType::ActionPlanCreated,
        EventType::ActionPlanUpdated,
    ];

    /// The type's name on the wire and in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            EventType::ComplaintCreated => "complaint.created",
            EventType::ComplaintUpdated => "complaint.updated",
            EventType::DispositionCreated => "disposition.created",
            EventType::DispositionUpdated => "disposition.updated",
            EventType::FollowUpCreated => "follow_up.created",
            EventType::FollowUpUpdated => "follow_up.updated",
            EventType::ActionPlanCreated => "action_plan.created",
            EventType::ActionPlanUpdated => "action_plan.updated",
        }
    }

    /// The event of a change in the feed (`action` is `created` or `updated`).
    pub fn of_change(entity: EntityType, action: &str) -> Option<EventType> {
        let created = match action {
            "created" => true,
            "updated" => false,
            _ => return None,
        };
        Some(match (entity, created) {
            (EntityType::Complaint, true) => EventType::ComplaintCreated,
            (EntityType::Complaint, false) => EventType::ComplaintUpdated,
            (EntityType::Disposition, true) => EventType::DispositionCreated,
            (EntityType::Disposition, false) => EventType::DispositionUpdated,
            (EntityType::FollowUp, true) => EventType::FollowUpCreated,
            (EntityType::FollowUp, false) => EventType::FollowUpUpdated,
            (EntityType::ActionPlan, true) => EventType::ActionPlanCreated,
            (EntityType::ActionPlan, false) => EventType::ActionPlanUpdated,
        })
    }

    /// The entity type whose changes make this event.
    pub fn entity(self) -> EntityType {
        match self {
            EventType::ComplaintCreated | EventType::ComplaintUpdated => EntityType::Complaint,
            EventType::DispositionCreated | EventType::DispositionUpdated => EntityType::Disposition,
            EventType::FollowUpCreated | EventType::FollowUpUpdated => EntityType::FollowUp,
            EventType::ActionPlanCreated | EventType::ActionPlanUpdated => EntityType::ActionPlan,
        }
    }
}

impl std::str::FromStr for EventType {
    type Err = DomainError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        EventType::ALL
            .into_iter()
            .find(|kind| kind.as_str() == s)
            .ok_or_else(|| DomainError::invalid("event_types", "unknown_value", format!("unknown event type {s:?}")))
    }
}

/// Prefix of a serialised signing secret (the specification's symmetric secret format).
pub const SECRET_PREFIX: &str = "whsec_";

/// Bytes of a signing secret: the specification asks for 24 to 64.
pub const SECRET_BYTES: usize = 32;

/// How long the secret before a rotation still signs (both signatures are sent meanwhile).
pub const ROTATION_OVERLAP: Duration = Duration::hours(24);

/// An endpoint whose every attempt has failed for this long is switched off and its admins told.
pub const DISABLE_AFTER_FAILING: Duration = Duration::days(3);

/// How long the delivery log keeps a delivery that is done (delivered or failed), with its attempts.
pub const DELIVERY_LOG_KEPT: Duration = Duration::days(30);

/// How long one attempt may take: the specification recommends 15 to 30 seconds.
pub const ATTEMPT_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(15);

/// The secret as shown to the subscriber.
pub fn encode_secret(key: &[u8]) -> String {
    format!("{SECRET_PREFIX}{}", STANDARD.encode(key))
}

/// The signature of one message under one key: `v1,` and the base64 HMAC-SHA256 of `{id}.{timestamp}.{body}`.
pub fn signature(key: &[u8], message_id: &str, timestamp: i64, body: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes a key of any length");
    mac.update(message_id.as_bytes());
    mac.update(b".");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body.as_bytes());
    format!("v1,{}", STANDARD.encode(mac.finalize().into_bytes()))
}

/// The `webhook-signature` header: one signature per key, space-delimited (the current key first; the previous one
/// during a rotation).
pub fn signature_header(keys: &[&[u8]], message_id: &str, timestamp: i64, body: &str) -> String {
    keys.iter().map(|key| signature(key, message_id, timestamp, body)).collect::<Vec<_>>().join(" ")
}

/// The waits between attempts, after the first attempt that is made at once: exponential, over about a day and a
/// quarter (the specification's example schedule up to its 10-hour step). After the last, the delivery has failed.
const RETRY_DELAYS: [Duration; 7] = [
    Duration::seconds(5),
    Duration::minutes(5),
    Duration::minutes(30),
    Duration::hours(2),
    Duration::hours(5),
    Duration::hours(10),
    Duration::hours(10),
];

/// Attempts a delivery gets before it has failed.
pub const MAX_ATTEMPTS: i32 = RETRY_DELAYS.len() as i32 + 1;

/// The wait before the next attempt after `attempts` have failed, or `None` when that was the last. `jitter` in
/// [-1, 1] spreads it by up to a fifth either way, so endpoints that failed together are not retried together; a
/// `Retry-After` the endpoint sent lengthens the wait (never beyond a day).
pub fn retry_delay(attempts: i32, jitter: f64, retry_after: Option<Duration>) -> Option<Duration> {
    let index = usize::try_from(attempts.checked_sub(1)?).ok()?;
    let base = *RETRY_DELAYS.get(index)?;
    let spread = (base.num_milliseconds() as f64 * 0.2 * jitter.clamp(-1.0, 1.0)) as i64;
    let delay = base + Duration::milliseconds(spread);
    let asked = retry_after.map(|wait| wait.min(Duration::days(1))).unwrap_or(Duration::zero());
    Some(delay.max(asked))
}

/// What an attempt's answer means (the specification's status code etiquette).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// 2xx.
    Delivered,
    /// 410 Gone: the receiver wants no more; the endpoint is switched off.
    Gone,
    /// Anything else, a redirect included (the URL should be updated instead): retried.
    Failed,
}

/// The verdict on an HTTP status; `None` when no answer came (timeout, refused connection): a failure.
pub fn verdict(status: Option<u16>) -> Verdict {
    match status {
        Some(200..=299) => Verdict::Delivered,
        Some(410) => Verdict::Gone,
        _ => Verdict::Failed,
    }
}

wire_enum!(
    /// Where a delivery stands.
    DeliveryStatus {
        /// Waiting for its next attempt (or being sent).
        Pending = "pending",
        /// A 2xx answer came.
        Delivered = "delivered",
        /// Every attempt failed.
        Failed = "failed",
    }
);

/// What an attempt's verdict does to its endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EndpointChange {
    /// Nothing changes.
    None,
    /// A failure after successes: the failing streak starts now.
    StartFailing,
    /// A success ends a failing streak.
    Recovered,
    /// The endpoint is switched off, for this reason (`gone` or `failing`).
    SwitchOff(&'static str),
}

/// The endpoint's fate after an attempt: 410 switches it off at once; a failure starts a failing streak, or switches
/// it off when the streak has lasted [`DISABLE_AFTER_FAILING`]; a success ends the streak.
pub fn judge(verdict: Verdict, failing_since: Option<DateTime<Utc>>, now: DateTime<Utc>) -> EndpointChange {
    match (verdict, failing_since) {
        (Verdict::Delivered, Some(_)) => EndpointChange::Recovered,
        (Verdict::Delivered, None) => EndpointChange::None,
        (Verdict::Gone, _) => EndpointChange::SwitchOff("gone"),
        (Verdict::Failed, None) => EndpointChange::StartFailing,
        (Verdict::Failed, Some(since)) if now - since >= DISABLE_AFTER_FAILING => EndpointChange::SwitchOff("failing"),
        (Verdict::Failed, Some(_)) => EndpointChange::None,
    }
}

/// Whether a webhook may be sent to this address: never to loopback, private, link-local, shared (carrier-grade
/// NAT), unspecified, broadcast, multicast or documentation ranges, also when an IPv6 address carries an IPv4 one.
pub fn is_public(address: IpAddr) -> bool {
    match address {
        IpAddr::V4(v4) => is_public_v4(v4),
        IpAddr::V6(v6) => {
            if let Some(v4) = embedded_v4(v6) {
                return is_public_v4(v4);
            }
            let first = v6.segments()[0];
            !(v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (first & 0xfe00) == 0xfc00 // unique local fc00::/7
                || (first & 0xffc0) == 0xfe80 // link-local fe80::/10
                || (first & 0xffc0) == 0xfec0 // site-local fec0::/10 (deprecated, still routed internally)
                || first == 0x2001 && v6.segments()[1] == 0x0db8 // documentation 2001:db8::/32
                || first == 0x2001 && v6.segments()[1] == 0 // Teredo 2001::/32 (tunnels to an IPv4 address)
                || first == 0x64 && v6.segments()[1] == 0xff9b) // local-use NAT64 64:ff9b:1::/48 and the like
        }
    }
}

fn is_public_v4(v4: Ipv4Addr) -> bool {
    let [a, b, ..] = v4.octets();
    !(v4.is_loopback()
        || v4.is_private()
        || v4.is_link_local()
        || v4.is_unspecified()
        || v4.is_broadcast()
        || v4.is_multicast()
        || v4.is_documentation()
        || a == 0 // "this network"
        || (a == 100 && (64..128).contains(&b)) // shared address space 100.64.0.0/10
        || (a == 192 && b == 0 && v4.octets()[2] == 0) // IETF protocol assignments 192.0.0.0/24
        || (a == 198 && (b == 18 || b == 19)) // benchmarking 198.18.0.0/15
        || a >= 240) // reserved 240.0.0.0/4
}

/// The IPv4 address inside an IPv4-mapped (::ffff:a.b.c.d), IPv4-compatible, NAT64 (64:ff9b::/96) or 6to4
/// (2002::/16) address: judged as the IPv4 address it reaches.
fn embedded_v4(v6: Ipv6Addr) -> Option<Ipv4Addr> {
    let s = v6.segments();
    let from = |hi: u16, lo: u16| Ipv4Addr::new((hi >> 8) as u8, hi as u8, (lo >> 8) as u8, lo as u8);
    if let Some(v4) = v6.to_ipv4_mapped() {
        return Some(v4);
    }
    if s[..6] == [0, 0, 0, 0, 0, 0] && !v6.is_loopback() && !v6.is_unspecified() {
        return Some(from(s[6], s[7]));
    }
    if s[..6] == [0, 0, 0, 0, 0xffff, 0] {
        // SIIT's IPv4-translated addresses, ::ffff:0:a.b.c.d.
        return Some(from(s[6], s[7]));
    }
    if s[..6] == [0x64, 0xff9b, 0, 0, 0, 0] {
        return Some(from(s[6], s[7]));
    }
    if s[0] == 0x2002 {
        return Some(from(s[1], s[2]));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_signature_is_hmac_sha256_over_id_timestamp_and_body() {
        // The example of the Standard Webhooks test suites: this key, id, timestamp and body give this signature.
        let key = STANDARD.decode("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").unwrap();
        let body = r#"{"test": 2432232314}"#;
        assert_eq!(
            signature(&key, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, body),
            "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
        );
        let both = signature_header(&[&key, b"another key"], "msg_1", 1, "{}");
        assert_eq!(both.split(' ').count(), 2);
        assert!(both.split(' ').all(|part| part.starts_with("v1,")));
    }

    #[test]
    fn retries_back_off_over_about_a_day_and_then_stop() {
        let total: Duration = (1..MAX_ATTEMPTS).map(|n| retry_delay(n, 0.0, None).unwrap()).sum();
        assert!(total > Duration::hours(24) && total < Duration::hours(30), "{total}");
        assert_eq!(retry_delay(MAX_ATTEMPTS, 0.0, None), None);
        assert_eq!(retry_delay(0, 0.0, None), None);
        let mut previous = Duration::zero();
        for attempt in 1..MAX_ATTEMPTS {
            let delay = retry_delay(attempt, 0.0, None).unwrap();
            assert!(delay >= previous);
            previous = delay;
        }
        let low = retry_delay(2, -1.0, None).unwrap();
        let high = retry_delay(2, 1.0, None).unwrap();
        assert_eq!((low, high), (Duration::minutes(4), Duration::minutes(6)));
        assert_eq!(retry_delay(1, 0.0, Some(Duration::minutes(2))), Some(Duration::minutes(2)));
        assert_eq!(retry_delay(1, 0.0, Some(Duration::days(9))), Some(Duration::days(1)));
    }

    #[test]
    fn only_2xx_delivers_and_410_switches_the_endpoint_off() {
        assert_eq!(verdict(Some(204)), Verdict::Delivered);
        assert_eq!(verdict(Some(410)), Verdict::Gone);
        for status in [Some(301), Some(404), Some(429), Some(500), None] {
            assert_eq!(verdict(status), Verdict::Failed);
        }
    }

    #[test]
    fn an_endpoint_is_switched_off_when_gone_or_failing_for_days() {
        let now = DateTime::parse_from_rfc3339("2026-12-01T00:00:00Z").unwrap().to_utc();
        assert_eq!(judge(Verdict::Delivered, None, now), EndpointChange::None);
        assert_eq!(judge(Verdict::Delivered, Some(now), now), EndpointChange::Recovered);
        assert_eq!(judge(Verdict::Gone, None, now), EndpointChange::SwitchOff("gone"));
        assert_eq!(judge(Verdict::Failed, None, now), EndpointChange::StartFailing);
        assert_eq!(judge(Verdict::Failed, Some(now - Duration::days(2)), now), EndpointChange::None);
        assert_eq!(judge(Verdict::Failed, Some(now - Duration::days(3)), now), EndpointChange::SwitchOff("failing"));
    }

    #[test]
    fn private_and_special_addresses_are_refused() {
        for refused in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "255.255.255.255",
            "224.0.0.1",
            "::1",
            "::",
            "fc00::1",
            "fd12:3456::1",
            "fe80::1",
            "::ffff:127.0.0.1",
            "::ffff:169.254.169.254",
            "64:ff9b::a00:1",
            "2002:c0a8:101::1",
            "64:ff9b:1::a00:1",
            "::ffff:0:7f00:1",
            "2001:0:4136:e378::1",
        ] {
            assert!(!is_public(refused.parse().unwrap()), "{refused}");
        }
        for allowed in ["8.8.8.8", "103.10.20.30", "2606:4700:4700::1111", "::ffff:8.8.8.8"] {
            assert!(is_public(allowed.parse().unwrap()), "{allowed}");
        }
    }

    #[test]
    fn every_change_has_an_event_and_back() {
        for kind in EventType::ALL {
            let action = if kind.as_str().ends_with("created") { "created" } else { "updated" };
            assert_eq!(EventType::of_change(kind.entity(), action), Some(kind));
            assert_eq!(kind.as_str().parse::<EventType>().unwrap(), kind);
        }
        assert_eq!(EventType::of_change(EntityType::Complaint, "deleted"), None);
    }
}

//! Spending the allowances of the public endpoints, and carrying the caller's standing to the response.

use diesel_async::AsyncPgConnection;

use crate::db;
use crate::domain::rate_limit::{Policy, Standing};
use crate::error::ApiError;
use crate::state::AppState;

/// A result with the caller's standing against the rate limit that guarded it, so that the response, whatever it
/// is, carries the RateLimit fields.
#[derive(Debug)]
pub struct Metered<T> {
    /// What the request came to.
    pub result: Result<T, ApiError>,
    /// Where the caller stands; `None` when no limit applied.
    pub standing: Option<Standing>,
}

/// Counts one request of `subject` (a client address) against `policy`; a request beyond the quota is refused with
/// 429 and the seconds until the window ends.
pub async fn spend(
    state: &AppState,
    conn: &mut AsyncPgConnection,
    policy: Policy,
    subject: &str,
) -> Result<Standing, (ApiError, Option<Standing>)> {
    let now = state.clock.now();
    let window = chrono::TimeDelta::seconds(i64::from(policy.window_secs));
    let (hits, start) =
        db::rate_limits::hit(conn, policy.name, subject, now, now - window).await.map_err(|e| (e.into(), None))?;
    let standing = policy.standing(hits, start, now);
    if standing.exceeded {
        return Err((too_many(&standing), Some(standing)));
    }
    Ok(standing)
}

/// Where `subject` stands against `policy`, without counting a request (for retries that are answered from memory).
pub async fn peek(
    state: &AppState,
    conn: &mut AsyncPgConnection,
    policy: Policy,
    subject: &str,
) -> Result<Standing, ApiError> {
    let now = state.clock.now();
    Ok(match db::rate_limits::peek(conn, policy.name, subject).await? {
        Some((hits, start)) if !policy.window_over(start, now) => {
            Standing { exceeded: false, ..policy.standing(hits, start, now) }
        }
        _ => Standing { policy, remaining: policy.quota, reset_secs: 0, exceeded: false },
    })
}

fn too_many(standing: &Standing) -> ApiError {
    let what = match standing.policy.name {
        "intake" => "reports",
        "upload" => "uploads",
        "tracking" => "tracking lookups",
        _ => "requests",
    };
    ApiError::TooManyRequests {
        retry_after_secs: standing.reset_secs.max(1),
        detail: format!("too many {what} from this address; try again later"),
    }
}

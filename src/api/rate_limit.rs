//! The IETF RateLimit fields (draft-ietf-httpapi-ratelimit-headers) on the responses of rate-limited endpoints.

use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::{HttpResponse, ResponseError};

use crate::domain::rate_limit::{Policy, Standing};
use crate::error::ApiError;
use crate::services;
use crate::services::rate_limits::Metered;
use crate::state::AppState;

/// `RateLimit-Policy`: the quota and window of the policy that applies.
pub const POLICY_HEADER: HeaderName = HeaderName::from_static("ratelimit-policy");
/// `RateLimit`: what is left of it and when it is whole again.
pub const LIMIT_HEADER: HeaderName = HeaderName::from_static("ratelimit");

/// The response of a metered result, success or problem alike, with the RateLimit fields of its standing.
pub fn respond<T>(metered: Metered<T>, ok: impl FnOnce(T) -> HttpResponse) -> HttpResponse {
    with_fields(metered.result.map(ok), metered.standing)
}

/// Adds the RateLimit fields of `standing` to `result`'s response (an error becomes its problem response).
pub fn with_fields(result: Result<HttpResponse, ApiError>, standing: Option<Standing>) -> HttpResponse {
    let mut response = result.unwrap_or_else(|error| error.error_response());
    if let Some(standing) = standing {
        for (name, value) in [(POLICY_HEADER, standing.policy_field()), (LIMIT_HEADER, standing.limit_field())] {
            if let Ok(value) = HeaderValue::from_str(&value) {
                response.headers_mut().insert(name, value);
            }
        }
    }
    response
}

/// Spends one request of `policy` for `subject` (a client address) and runs `work` only if the quota allows it;
/// either way the response carries the RateLimit fields.
pub async fn guarded(
    state: &AppState,
    policy: Policy,
    subject: &str,
    work: impl Future<Output = Result<HttpResponse, ApiError>>,
) -> Result<HttpResponse, ApiError> {
    let spent = {
        let mut conn = state.conn().await?;
        services::rate_limits::spend(state, &mut conn, policy, subject).await
    };
    Ok(match spent {
        Ok(standing) => with_fields(work.await, Some(standing)),
        Err((error, standing)) => with_fields(Err(error), standing),
    })
}

//! Optimistic concurrency: row versions as `ETag`s, `If-Match` as the version a change expects.

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{FromRequest, HttpRequest};
use std::future::{Ready, ready};

use crate::error::ApiError;

/// The ETag of a row at `version` (a strong validator: the version changes with every write).
pub fn format(version: i32) -> String {
    format!("\"{version}\"")
}

/// The `If-Match` header of a mutation: the version the client last read, or `None` when absent or `*`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IfMatch(pub Option<i32>);

impl IfMatch {
    fn parse(value: &str) -> Result<Self, ApiError> {
        let value = value.trim();
        if value == "*" {
            return Ok(Self(None));
        }
        let tag = value.strip_prefix("W/").unwrap_or(value);
        tag.strip_prefix('"')
            .and_then(|tag| tag.strip_suffix('"'))
            .and_then(|tag| tag.parse::<i32>().ok())
            .map(|version| Self(Some(version)))
            .ok_or_else(|| ApiError::BadRequest {
                code: "invalid_if_match",
                detail: "If-Match must hold the ETag read from this resource, such as \"3\"".into(),
            })
    }
}

impl FromRequest for IfMatch {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _payload: &mut Payload) -> Self::Future {
        ready(match req.headers().get(header::IF_MATCH) {
            None => Ok(Self(None)),
            Some(value) => value
                .to_str()
                .map_err(|_| ApiError::BadRequest { code: "invalid_if_match", detail: "If-Match is not text".into() })
                .and_then(Self::parse),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn etags_round_trip_through_if_match() {
        assert_eq!(IfMatch::parse(&format(7)).unwrap(), IfMatch(Some(7)));
        assert_eq!(IfMatch::parse("W/\"7\"").unwrap(), IfMatch(Some(7)));
        assert_eq!(IfMatch::parse("*").unwrap(), IfMatch(None));
    }

    #[test]
    fn malformed_if_match_is_a_bad_request() {
        for bad in ["7", "\"seven\"", "\"7", ""] {
            assert!(IfMatch::parse(bad).is_err(), "{bad:?}");
        }
    }
}

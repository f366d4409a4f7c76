//! Pure types and rules of the complaint-management domain.
//!
//! Nothing here knows about HTTP or SQL: every rule can be unit-tested with plain values. The API layer parses requests
//! into these types ("parse, don't validate"), so code that holds a domain value never checks it again.

/// An enum whose values travel as snake_case text (on the wire and in the database): `as_str`, `FromStr` (an
/// unknown value is a `DomainError::Invalid` naming the type), `Display`, and `ALL`.
macro_rules! wire_enum {
    ($(#[$doc:meta])* $name:ident { $($(#[$vdoc:meta])* $variant:ident = $text:literal),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, ::serde::Serialize, ::serde::Deserialize, ::utoipa::ToSchema)]
        #[serde(rename_all = "snake_case")]
        pub enum $name {
            $($(#[$vdoc])* $variant),+
        }

        impl $name {
            /// Every value.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The name used on the wire and in the database.
            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text),+
                }
            }
        }

        impl std::str::FromStr for $name {
            type Err = $crate::domain::DomainError;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                $name::ALL.iter().copied().find(|value| value.as_str() == s).ok_or_else(|| {
                    $crate::domain::DomainError::invalid(stringify!($name), "unknown_value", format!("unknown value {s:?}"))
                })
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

pub mod action_plan;
pub mod api_client;
pub mod attachment;
pub mod calendar;
pub mod change;
pub mod complaint;
pub mod deadlines;
pub mod disposition;
pub mod export;
pub mod holidays;
pub mod ids;
pub mod mail;
pub mod open311;
pub mod rate_limit;
pub mod report;
pub mod role;
pub mod text;
pub mod unit;
pub mod user;
pub mod webhook;

use thiserror::Error;

/// A rule of the domain said no. The API layer turns each variant into a problem response with a stable code.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum DomainError {
    /// A single value is malformed; `field` names it as the client sent it.
    #[error("{field}: {message}")]
    Invalid {
        /// The request field that holds the value.
        field: &'static str,
        /// A stable snake_case code for the rule that failed.
        code: &'static str,
        /// A sentence for humans.
        message: String,
    },
    /// The change contradicts the current state of the data.
    #[error("{message}")]
    Conflict {
        /// A stable snake_case code for the conflict.
        code: &'static str,
        /// A sentence for humans.
        message: String,
    },
}

impl DomainError {
    /// A malformed value in `field`.
    pub fn invalid(field: &'static str, code: &'static str, message: impl Into<String>) -> Self {
        Self::Invalid { field, code, message: message.into() }
    }

    /// A change that the current state of the data does not allow.
    pub fn conflict(code: &'static str, message: impl Into<String>) -> Self {
        Self::Conflict { code, message: message.into() }
    }
}

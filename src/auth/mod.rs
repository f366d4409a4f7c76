//! Who is calling and what they may do: password hashing, tokens, the [`extractor::AuthUser`] extractor, permission
//! guards and login throttling.

pub mod extractor;
pub mod guards;
pub mod keys;
pub mod password;
pub mod session_cache;
pub mod tokens;

pub use extractor::AuthUser;
pub use guards::{Action, Reach};

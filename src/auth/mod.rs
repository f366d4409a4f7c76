//! Who is calling and what they may do: password hashing, tokens, the [`AuthUser`] the rest of the service sees, and
//! permission guards. Nothing here knows HTTP: `api::extract` reads the bearer token and `services::auth` checks it.

pub mod caller;
pub mod guards;
pub mod keys;
pub mod password;
pub mod session_cache;
pub mod tokens;

pub use caller::{AuthUser, MachineClient};
pub use guards::{Action, Reach};

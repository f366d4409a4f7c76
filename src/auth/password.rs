//! Password hashing with Argon2id (the OWASP-recommended default parameters of the `argon2` crate).
//!
//! Hashing is deliberately slow (tens of milliseconds), so callers run it on a blocking thread.

use std::sync::LazyLock;

use argon2::Argon2;
use argon2::password_hash::{PasswordHasher, PasswordVerifier, phc::PasswordHash};

use crate::domain::user::NewPassword;

/// Hashes a new password into a PHC string (`$argon2id$v=19$...`) with a fresh random salt.
pub fn hash(password: &NewPassword) -> anyhow::Result<String> {
    Argon2::default()
        .hash_password(password.expose().as_bytes())
        .map(|hash| hash.to_string())
        .map_err(|err| anyhow::anyhow!("password hashing failed: {err}"))
}

/// Whether `password` matches the stored `hash`. A malformed hash never matches.
pub fn verify(password: &str, hash: &str) -> bool {
    match PasswordHash::new(hash) {
        Ok(parsed) => Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok(),
        Err(_) => false,
    }
}

/// A real hash of a random password. Logins for unknown e-mail addresses verify against it, so that an unknown
/// address and a wrong password take the same time and cannot be told apart.
static DUMMY_HASH: LazyLock<String> = LazyLock::new(|| {
    let random = uuid::Uuid::new_v4().to_string();
    NewPassword::parse(&random, "password").ok().and_then(|password| hash(&password).ok()).unwrap_or_default()
});

/// Spends the same work as [`verify`] against a hash that no password matches.
pub fn verify_against_dummy(password: &str) {
    let _ = verify(password, &DUMMY_HASH);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hash_verifies_its_password_only() {
        let password = NewPassword::parse("kata sandi yang panjang", "password").unwrap();
        let hashed = hash(&password).unwrap();
        assert!(hashed.starts_with("$argon2id$"));
        assert!(verify("kata sandi yang panjang", &hashed));
        assert!(!verify("kata sandi yang salah", &hashed));
    }

    #[test]
    fn the_same_password_hashes_differently_each_time() {
        let password = NewPassword::parse("kata sandi yang panjang", "password").unwrap();
        assert_ne!(hash(&password).unwrap(), hash(&password).unwrap());
    }

    #[test]
    fn a_malformed_hash_never_matches() {
        assert!(!verify("anything", "not-a-hash"));
        assert!(!verify("", ""));
    }
}

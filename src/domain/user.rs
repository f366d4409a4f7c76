//! Staff accounts: the values that make one.

use super::DomainError;
use super::ids::UnitId;
use super::role::Role;

/// An e-mail address, trimmed and lower-cased: addresses are unique regardless of case.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Email(String);

impl Email {
    /// Parses an address. The check is deliberately loose (one `@` with text on both sides, no spaces): the only
    /// real test of an address is mail arriving there.
    pub fn parse(raw: &str) -> Result<Self, DomainError> {
        let email = raw.trim().to_lowercase();
        let well_formed = email.len() <= 254
            && !email.chars().any(char::is_whitespace)
            && matches!(email.split_once('@'), Some((local, domain)) if !local.is_empty() && domain.contains('.') && !domain.contains('@') && !domain.starts_with('.') && !domain.ends_with('.'));
        if well_formed {
            Ok(Self(email))
        } else {
            Err(DomainError::invalid("email", "invalid_email", "not an e-mail address"))
        }
    }

    /// The address as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A password that satisfies the policy. It is never printed: `Debug` hides it.
#[derive(Clone)]
pub struct NewPassword(String);

impl NewPassword {
    /// Shortest accepted password, in characters. Length beats composition rules (NIST SP 800-63B).
    pub const MIN_CHARS: usize = 10;
    /// Longest accepted password, in characters: bounds the hashing work one request can cause.
    pub const MAX_CHARS: usize = 128;

    /// Checks the policy; `field` names the request field for the error.
    pub fn parse(raw: &str, field: &'static str) -> Result<Self, DomainError> {
        let chars = raw.chars().count();
        if chars < Self::MIN_CHARS {
            return Err(DomainError::invalid(
                field,
                "password_too_short",
                format!("a password needs at least {} characters", Self::MIN_CHARS),
            ));
        }
        if chars > Self::MAX_CHARS {
            return Err(DomainError::invalid(
                field,
                "password_too_long",
                format!("a password has at most {} characters", Self::MAX_CHARS),
            ));
        }
        if raw.trim().is_empty() {
            return Err(DomainError::invalid(field, "password_blank", "a password cannot be only spaces"));
        }
        Ok(Self(raw.to_owned()))
    }

    /// The password, for hashing only.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for NewPassword {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("NewPassword(..)")
    }
}

/// A NIP (Nomor Induk Pegawai): the 18-digit civil-servant number.
pub fn parse_nip(raw: &str) -> Result<String, DomainError> {
    let nip: String = raw.chars().filter(|c| !c.is_whitespace()).collect();
    if nip.len() == 18 && nip.chars().all(|c| c.is_ascii_digit()) {
        Ok(nip)
    } else {
        Err(DomainError::invalid("nip", "invalid_nip", "a NIP has 18 digits"))
    }
}

/// A phone number: 8 to 15 digits, optionally after `+`; spaces and dashes are dropped.
pub fn parse_phone(raw: &str) -> Result<String, DomainError> {
    let phone: String = raw.chars().filter(|c| !c.is_whitespace() && *c != '-').collect();
    let digits = phone.strip_prefix('+').unwrap_or(&phone);
    if (8..=15).contains(&digits.len()) && digits.chars().all(|c| c.is_ascii_digit()) {
        Ok(phone)
    } else {
        Err(DomainError::invalid("phone", "invalid_phone", "a phone number has 8 to 15 digits, optionally after '+'"))
    }
}

/// An account to create, already checked field by field.
#[derive(Debug, Clone)]
pub struct NewUser {
    /// Sign-in address, unique regardless of case.
    pub email: Email,
    /// Full name.
    pub name: String,
    /// Civil-servant number, if any.
    pub nip: Option<String>,
    /// Phone number, if any.
    pub phone: Option<String>,
    /// The unit the account belongs to.
    pub unit_id: UnitId,
    /// What the account may do.
    pub role: Role,
    /// The first password.
    pub password: NewPassword,
    /// Whether the account may sign in.
    pub active: bool,
}

/// Changes to an account; `None` leaves a field alone, `Some(None)` clears an optional one.
#[derive(Debug, Clone, Default)]
pub struct UserPatch {
    /// New full name.
    pub name: Option<String>,
    /// New NIP, or `Some(None)` to clear it.
    pub nip: Option<Option<String>>,
    /// New phone, or `Some(None)` to clear it.
    pub phone: Option<Option<String>>,
    /// Move the account to another unit.
    pub unit_id: Option<UnitId>,
    /// Give the account another role.
    pub role: Option<Role>,
    /// Activate or deactivate.
    pub active: Option<bool>,
}

impl UserPatch {
    /// The names of the fields this patch changes, for the audit trail (never their values: they are personal data).
    pub fn changed_fields(&self) -> Vec<&'static str> {
        [
            ("name", self.name.is_some()),
            ("nip", self.nip.is_some()),
            ("phone", self.phone.is_some()),
            ("unit_id", self.unit_id.is_some()),
            ("role", self.role.is_some()),
            ("active", self.active.is_some()),
        ]
        .into_iter()
        .filter_map(|(field, changed)| changed.then_some(field))
        .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_normalised_to_lower_case() {
        assert_eq!(Email::parse("  Admin@Sekadau.go.id ").unwrap().as_str(), "admin@sekadau.go.id");
    }

    #[test]
    fn malformed_emails_are_refused() {
        for bad in ["", "admin", "@sekadau.go.id", "admin@", "admin@localhost", "a b@x.id", "a@b@c.id", "a@.id"] {
            assert!(Email::parse(bad).is_err(), "{bad:?} should be refused");
        }
    }

    #[test]
    fn passwords_must_be_long_enough_but_not_endless() {
        assert!(NewPassword::parse("short", "password").is_err());
        assert!(NewPassword::parse(&" ".repeat(12), "password").is_err());
        assert!(NewPassword::parse("correct horse battery", "password").is_ok());
        assert!(NewPassword::parse(&"x".repeat(129), "password").is_err());
    }

    #[test]
    fn a_password_never_shows_in_debug_output() {
        let password = NewPassword::parse("very secret words", "password").unwrap();
        assert!(!format!("{password:?}").contains("secret"));
    }

    #[test]
    fn nip_and_phone_are_checked_and_tidied() {
        assert_eq!(parse_nip("19800101 200501 1 001").unwrap(), "198001012005011001");
        assert!(parse_nip("12345").is_err());
        assert_eq!(parse_phone("+62 812-3456-7890").unwrap(), "+6281234567890");
        assert!(parse_phone("12ab").is_err());
    }
}

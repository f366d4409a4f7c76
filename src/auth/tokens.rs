//! Access tokens (short-lived signed JWTs) and refresh tokens (opaque random strings, stored only as hashes).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation, errors::ErrorKind};
use rand::RngCore;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::config::Secret;

/// How long an expired refresh token's hash is kept before housekeeping removes it: while it is kept, presenting it
/// answers `refresh_token_expired` (sign in again) instead of `invalid_refresh_token` (a token never issued or long
/// gone), so a client that slept past its token's end can tell the two apart.
pub const EXPIRED_REFRESH_TOKENS_KEPT: chrono::TimeDelta = chrono::TimeDelta::days(30);
use crate::domain::ids::{SessionId, UserId};

/// Issuer and audience written into every access token, so tokens of another system signed with a shared key are
/// still refused.
const ISSUER: &str = "pengaduan";
/// Issuer of machine clients' tokens: a client's token is never taken for a person's, nor the other way round.
const CLIENT_ISSUER: &str = "pengaduan/client";
/// Most tokens remembered as verified; the memory is emptied when it is full.
const MAX_VERIFIED: usize = 10_000;

/// The claims of an access token. Role and unit are deliberately absent: they are read fresh from the database on
/// each request, so a change of role or a deactivation takes effect at once.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Claims {
    /// The user.
    pub sub: Uuid,
    /// The session (refresh-token family) the token belongs to.
    pub sid: Uuid,
    /// Issuer.
    pub iss: String,
    /// Issued at (seconds since the epoch).
    pub iat: i64,
    /// Expires at (seconds since the epoch).
    pub exp: i64,
}

/// The claims of a machine client's access token (OAuth 2.0 client credentials). The client's state (active, revoked,
/// expired) is read fresh on each request, like a person's.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct ClientClaims {
    /// The client.
    pub sub: Uuid,
    /// The granted scopes, space-separated.
    pub scope: String,
    /// Issuer.
    pub iss: String,
    /// Issued at (seconds since the epoch).
    pub iat: i64,
    /// Expires at (seconds since the epoch).
    pub exp: i64,
}

/// Why a token was refused; each becomes a distinct 401 code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenRejection {
    /// The token's lifetime is over.
    Expired,
    /// Malformed, wrongly signed, another algorithm, another issuer.
    Invalid,
}

/// Signs and checks access tokens with HMAC-SHA256.
#[derive(Clone)]
pub struct AccessTokens {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    client_validation: Validation,
    ttl: Duration,
    /// Tokens whose signature, algorithm and issuer held, with their claims. A token cannot change, so that check
    /// need not be repeated (recomputing the HMAC was a twentieth of a list request); expiry still is, on every use.
    verified: Arc<Mutex<HashMap<String, Claims>>>,
}

impl AccessTokens {
    /// Keys derived from `secret`; tokens live for `ttl`.
    pub fn new(secret: &Secret, ttl: Duration) -> Self {
        // Only HS256 is accepted: `alg: none` and algorithm-confusion tokens fail validation.
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_issuer(&[ISSUER]);
        validation.set_required_spec_claims(&["exp", "iat", "iss", "sub"]);
        validation.leeway = 0;
        let mut client_validation = validation.clone();
        client_validation.set_issuer(&[CLIENT_ISSUER]);
        Self {
            encoding: EncodingKey::from_secret(secret.expose().as_bytes()),
            decoding: DecodingKey::from_secret(secret.expose().as_bytes()),
            validation,
            client_validation,
            ttl,
            verified: Arc::default(),
        }
    }

    /// How long an issued token is valid.
    pub fn ttl(&self) -> Duration {
        self.ttl
    }

    /// Issues a token for `user` in `session`, valid from `now`.
    pub fn issue(&self, user: UserId, session: SessionId, now: DateTime<Utc>) -> anyhow::Result<String> {
        let claims = Claims {
            sub: user.0,
            sid: session.0,
            iss: ISSUER.to_owned(),
            iat: now.timestamp(),
            exp: now.timestamp() + self.ttl.as_secs() as i64,
        };
        Ok(jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)?)
    }

    /// Checks a token's signature, algorithm, issuer and expiry.
    pub fn verify(&self, token: &str) -> Result<Claims, TokenRejection> {
        let remembered = self.remembered().get(token).cloned();
        if let Some(claims) = remembered {
            // As jsonwebtoken judges expiry (no leeway): valid through the second `exp`.
            return if claims.exp < Utc::now().timestamp() { Err(TokenRejection::Expired) } else { Ok(claims) };
        }
        let claims = jsonwebtoken::decode::<Claims>(token, &self.decoding, &self.validation)
            .map(|data| data.claims)
            .map_err(|err| match err.kind() {
                ErrorKind::ExpiredSignature => TokenRejection::Expired,
                _ => TokenRejection::Invalid,
            })?;
        let mut remembered = self.remembered();
        if remembered.len() >= MAX_VERIFIED {
            remembered.clear();
        }
        remembered.insert(token.to_owned(), claims.clone());
        Ok(claims)
    }

    /// Issues a machine client's token with the granted scopes, valid from `now`.
    pub fn issue_client(&self, client: Uuid, scope: &str, now: DateTime<Utc>) -> anyhow::Result<String> {
        let claims = ClientClaims {
            sub: client,
            scope: scope.to_owned(),
            iss: CLIENT_ISSUER.to_owned(),
            iat: now.timestamp(),
            exp: now.timestamp() + self.ttl.as_secs() as i64,
        };
        Ok(jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)?)
    }

    /// Checks a machine client's token: signature, algorithm, issuer and expiry.
    pub fn verify_client(&self, token: &str) -> Result<ClientClaims, TokenRejection> {
        jsonwebtoken::decode::<ClientClaims>(token, &self.decoding, &self.client_validation)
            .map(|data| data.claims)
            .map_err(|err| match err.kind() {
                ErrorKind::ExpiredSignature => TokenRejection::Expired,
                _ => TokenRejection::Invalid,
            })
    }

    fn remembered(&self) -> std::sync::MutexGuard<'_, HashMap<String, Claims>> {
        self.verified.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// A freshly made refresh token: the text goes to the client once, only the hash is stored.
pub struct RefreshToken {
    /// What the client keeps.
    pub token: String,
    /// What the database keeps.
    pub hash: Vec<u8>,
}

impl RefreshToken {
    /// 32 random bytes, base64url-encoded.
    pub fn generate() -> Self {
        let mut bytes = [0u8; 32];
        rand::rng().fill_bytes(&mut bytes);
        let token = URL_SAFE_NO_PAD.encode(bytes);
        let hash = hash_refresh_token(&token);
        Self { token, hash }
    }
}

/// SHA-256 of a refresh token. A plain hash suffices: the token has 256 bits of entropy, nothing to brute-force.
pub fn hash_refresh_token(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;

    fn tokens() -> AccessTokens {
        AccessTokens::new(&Secret::new("k".repeat(48)), Duration::from_secs(900))
    }

    #[test]
    fn an_issued_token_verifies_and_names_user_and_session() {
        let (user, session) = (UserId::new(), SessionId::new());
        let token = tokens().issue(user, session, Utc::now()).unwrap();
        let claims = tokens().verify(&token).unwrap();
        assert_eq!((claims.sub, claims.sid), (user.0, session.0));
    }

    #[test]
    fn a_client_token_is_never_taken_for_a_persons_nor_the_other_way_round() {
        let client = Uuid::now_v7();
        let token = tokens().issue_client(client, "reports:read", Utc::now()).unwrap();
        let claims = tokens().verify_client(&token).unwrap();
        assert_eq!((claims.sub, claims.scope.as_str()), (client, "reports:read"));
        assert_eq!(tokens().verify(&token), Err(TokenRejection::Invalid));
        let person = tokens().issue(UserId::new(), SessionId::new(), Utc::now()).unwrap();
        assert_eq!(tokens().verify_client(&person), Err(TokenRejection::Invalid));
    }

    #[test]
    fn an_expired_token_is_refused_as_expired() {
        let token = tokens().issue(UserId::new(), SessionId::new(), Utc::now() - chrono::Duration::hours(1)).unwrap();
        assert_eq!(tokens().verify(&token), Err(TokenRejection::Expired));
    }

    #[test]
    fn a_token_signed_with_another_key_is_refused() {
        let other = AccessTokens::new(&Secret::new("o".repeat(48)), Duration::from_secs(900));
        let token = other.issue(UserId::new(), SessionId::new(), Utc::now()).unwrap();
        assert_eq!(tokens().verify(&token), Err(TokenRejection::Invalid));
    }

    #[test]
    fn an_unsigned_alg_none_token_is_refused() {
        let valid = tokens().issue(UserId::new(), SessionId::new(), Utc::now()).unwrap();
        let payload = valid.split('.').nth(1).unwrap();
        let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"none","typ":"JWT"}"#);
        assert_eq!(tokens().verify(&format!("{header}.{payload}.")), Err(TokenRejection::Invalid));
    }

    #[test]
    fn a_tampered_payload_is_refused() {
        let valid = tokens().issue(UserId::new(), SessionId::new(), Utc::now()).unwrap();
        let mut parts: Vec<String> = valid.split('.').map(str::to_owned).collect();
        let mut claims: serde_json::Value =
            serde_json::from_slice(&URL_SAFE_NO_PAD.decode(&parts[1]).unwrap()).unwrap();
        claims["sub"] = serde_json::json!(Uuid::now_v7());
        parts[1] = URL_SAFE_NO_PAD.encode(claims.to_string());
        assert_eq!(tokens().verify(&parts.join(".")), Err(TokenRejection::Invalid));
    }

    #[test]
    fn a_remembered_token_is_still_refused_once_it_expires() {
        let keys = tokens();
        // Issued so that it expires within the next two seconds.
        let token = keys.issue(UserId::new(), SessionId::new(), Utc::now() - chrono::Duration::seconds(899)).unwrap();
        assert!(keys.verify(&token).is_ok());
        assert!(keys.verify(&token).is_ok(), "the second check is answered from memory");
        std::thread::sleep(Duration::from_millis(2100));
        assert_eq!(keys.verify(&token), Err(TokenRejection::Expired));
    }

    #[test]
    fn remembering_a_token_never_admits_a_changed_one() {
        let keys = tokens();
        let valid = keys.issue(UserId::new(), SessionId::new(), Utc::now()).unwrap();
        assert!(keys.verify(&valid).is_ok());
        // One character of the signature changed (not the last, whose low bits base64 does not use).
        let at = valid.len() - 10;
        let changed = if &valid[at..=at] == "A" { "B" } else { "A" };
        let forged = format!("{}{changed}{}", &valid[..at], &valid[at + 1..]);
        assert_eq!(keys.verify(&forged), Err(TokenRejection::Invalid));
        assert_eq!(keys.verify(&format!("{valid} ")), Err(TokenRejection::Invalid));
    }

    #[test]
    fn the_memory_of_verified_tokens_is_bounded() {
        let keys = tokens();
        for _ in 0..MAX_VERIFIED + 5 {
            keys.verify(&keys.issue(UserId::new(), SessionId::new(), Utc::now()).unwrap()).unwrap();
        }
        assert!(keys.remembered().len() <= MAX_VERIFIED);
    }

    #[test]
    fn refresh_tokens_are_random_and_hashed() {
        let (a, b) = (RefreshToken::generate(), RefreshToken::generate());
        assert_ne!(a.token, b.token);
        assert_eq!(a.hash, hash_refresh_token(&a.token));
        assert_eq!(a.hash.len(), 32);
    }
}

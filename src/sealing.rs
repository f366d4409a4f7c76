//! Authenticated encryption of data at rest (XChaCha20-Poly1305): reporter identity and stored idempotent responses.
//!
//! Each sealed value gets a fresh random 24-byte nonce and is bound to its record through the associated data (the
//! complaint id, the idempotency key), so a ciphertext copied onto another row does not open.

use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use rand::RngCore;
use sha2::{Digest, Sha256};

use crate::config::Secret;

/// Seals and opens values with the key derived from one configured secret.
#[derive(Clone)]
pub struct Sealer {
    cipher: XChaCha20Poly1305,
}

/// A sealed value: store both parts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sealed {
    /// Random per value.
    pub nonce: Vec<u8>,
    /// Ciphertext with its authentication tag.
    pub ciphertext: Vec<u8>,
}

impl Sealer {
    /// The 256-bit key is the SHA-256 of the secret, so any secret of 32+ characters works.
    pub fn new(secret: &Secret) -> Self {
        let key = Sha256::digest(secret.expose().as_bytes());
        Self { cipher: XChaCha20Poly1305::new(&key) }
    }

    /// Encrypts `plaintext`, bound to `context`.
    pub fn seal(&self, context: &[u8], plaintext: &[u8]) -> anyhow::Result<Sealed> {
        let mut nonce = [0u8; 24];
        rand::rng().fill_bytes(&mut nonce);
        let ciphertext = self
            .cipher
            .encrypt(&XNonce::from(nonce), Payload { msg: plaintext, aad: context })
            .map_err(|_| anyhow::anyhow!("sealing failed"))?;
        Ok(Sealed { nonce: nonce.to_vec(), ciphertext })
    }

    /// Encrypts `plaintext`, bound to `context`, as one value for one column: the nonce, then the ciphertext.
    pub fn seal_to_bytes(&self, context: &[u8], plaintext: &[u8]) -> anyhow::Result<Vec<u8>> {
        let sealed = self.seal(context, plaintext)?;
        Ok([sealed.nonce, sealed.ciphertext].concat())
    }

    /// Decrypts a value from [`Sealer::seal_to_bytes`].
    pub fn open_bytes(&self, context: &[u8], stored: &[u8]) -> anyhow::Result<Vec<u8>> {
        if stored.len() < 24 {
            anyhow::bail!("a sealed value is shorter than its nonce");
        }
        let (nonce, ciphertext) = stored.split_at(24);
        self.open(context, &Sealed { nonce: nonce.to_vec(), ciphertext: ciphertext.to_vec() })
    }

    /// Decrypts a value sealed with the same key and `context`; fails on any tampering or mismatch.
    pub fn open(&self, context: &[u8], sealed: &Sealed) -> anyhow::Result<Vec<u8>> {
        let nonce: [u8; 24] =
            sealed.nonce.as_slice().try_into().map_err(|_| anyhow::anyhow!("a sealed value has a 24-byte nonce"))?;
        self.cipher
            .decrypt(&XNonce::from(nonce), Payload { msg: &sealed.ciphertext, aad: context })
            .map_err(|_| anyhow::anyhow!("a sealed value did not open: wrong key, wrong record, or tampered"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sealer(secret: &str) -> Sealer {
        Sealer::new(&Secret::new(secret.repeat(8)))
    }

    #[test]
    fn a_sealed_value_opens_with_the_same_key_and_context() {
        let sealed = sealer("k").seal(b"complaint-1", b"Budi, NIK 6109...").unwrap();
        assert!(!sealed.ciphertext.windows(4).any(|w| w == b"Budi"));
        assert_eq!(sealer("k").open(b"complaint-1", &sealed).unwrap(), b"Budi, NIK 6109...");
    }

    #[test]
    fn a_value_sealed_to_bytes_opens_from_them_and_nothing_shorter_does() {
        let stored = sealer("k").seal_to_bytes(b"row-1", b"siti@example.com").unwrap();
        assert_eq!(sealer("k").open_bytes(b"row-1", &stored).unwrap(), b"siti@example.com");
        assert!(sealer("k").open_bytes(b"row-2", &stored).is_err());
        assert!(sealer("k").open_bytes(b"row-1", &stored[..20]).is_err());
    }

    #[test]
    fn another_key_another_record_or_a_flipped_bit_do_not_open() {
        let sealed = sealer("k").seal(b"complaint-1", b"secret").unwrap();
        assert!(sealer("x").open(b"complaint-1", &sealed).is_err());
        assert!(sealer("k").open(b"complaint-2", &sealed).is_err());
        let mut tampered = sealed.clone();
        tampered.ciphertext[0] ^= 1;
        assert!(sealer("k").open(b"complaint-1", &tampered).is_err());
    }

    #[test]
    fn each_sealing_uses_a_fresh_nonce() {
        let s = sealer("k");
        assert_ne!(s.seal(b"c", b"same").unwrap(), s.seal(b"c", b"same").unwrap());
    }
}

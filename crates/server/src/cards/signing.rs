//! The issuing authority's signature on each card's personalisation data, so a manufacturer cannot alter what it
//! writes on the card without the change being seen: Ed25519 over the card's canonical JSON (the exact bytes
//! handed over in `payload`). The public key is published at `GET /api/v1/vendor/signing-key`.
//!
//! The same secret also keys the tags of receipt QR links, so a printed receipt's link stays valid across restarts
//! when the key is kept in a file (`keys_dir`).

use base64::Engine;
use ed25519_dalek::{Signer as _, SigningKey, VerifyingKey};
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};
use std::path::Path;

#[derive(Clone)]
pub struct Signer {
    key: SigningKey,
    receipt_key: [u8; 32],
}

impl Signer {
    pub fn from_secret(secret: [u8; 32]) -> Self {
        let mut h = Sha256::new();
        h.update(b"shenas receipt links\0");
        h.update(secret);
        Self {
            key: SigningKey::from_bytes(&secret),
            receipt_key: h.finalize().into(),
        }
    }

    /// A key drawn for this process only (tests, a demo without `keys_dir`).
    pub fn random() -> Self {
        Self::from_secret(rand::random())
    }

    /// The key kept in `path` (hex, created with mode 0600 when missing).
    pub fn load_or_create(path: &Path) -> Result<Self, String> {
        blobs::load_or_create_key(path)
            .map(Self::from_secret)
            .map_err(|e| format!("signing key {}: {e}", path.display()))
    }

    pub fn public_key(&self) -> VerifyingKey {
        self.key.verifying_key()
    }

    pub fn public_key_base64(&self) -> String {
        base64::engine::general_purpose::STANDARD.encode(self.public_key().as_bytes())
    }

    /// The signature of `payload`, base64.
    pub fn sign(&self, payload: &[u8]) -> String {
        base64::engine::general_purpose::STANDARD.encode(self.key.sign(payload).to_bytes())
    }

    /// The tag a receipt's QR link carries: 16 hex digits of an HMAC of the tracking code.
    pub fn receipt_tag(&self, tracking_code: &str) -> String {
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.receipt_key).expect("any key length");
        mac.update(tracking_code.as_bytes());
        let out = mac.finalize().into_bytes();
        hex::encode(&out[..8])
    }

    pub fn receipt_tag_ok(&self, tracking_code: &str, tag: &str) -> bool {
        let want = self.receipt_tag(tracking_code);
        want.len() == tag.len()
            && want
                .bytes()
                .zip(tag.bytes())
                .fold(0u8, |acc, (a, b)| acc | (a ^ b))
                == 0
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use ed25519_dalek::{Signature, Verifier};

    #[test]
    fn signatures_verify_and_changes_do_not() {
        let s = Signer::random();
        let sig = s.sign(b"{\"a\":1}");
        let raw = base64::engine::general_purpose::STANDARD
            .decode(sig)
            .unwrap();
        let sig = Signature::from_slice(&raw).unwrap();
        assert!(s.public_key().verify(b"{\"a\":1}", &sig).is_ok());
        assert!(s.public_key().verify(b"{\"a\":2}", &sig).is_err());
        let tag = s.receipt_tag("123");
        assert!(s.receipt_tag_ok("123", &tag));
        assert!(!s.receipt_tag_ok("124", &tag));
        assert!(!Signer::random().receipt_tag_ok("123", &tag));
    }
}

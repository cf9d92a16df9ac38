//! Encryption at rest: XChaCha20-Poly1305 around any [`BlobStore`].
//!
//! Stored form: `[version = 1][24-byte random nonce][ciphertext + 16-byte tag]`. The associated
//! data is the version byte followed by the blob key, so a blob copied or moved under another
//! key, sealed with another store key, or altered in any byte fails to open
//! ([`BlobError::Corrupt`]). A fresh random nonce per put is safe with XChaCha's 192-bit nonce.

use crate::{BlobError, BlobStore};
use async_trait::async_trait;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{Key, XChaCha20Poly1305, XNonce};
use std::fmt;

/// Format version of the sealed form.
pub const SEALED_VERSION: u8 = 1;
const NONCE_LEN: usize = 24;
const TAG_LEN: usize = 16;

/// A [`BlobStore`] that encrypts what it hands to `inner`.
pub struct Sealed<B: BlobStore> {
    inner: B,
    cipher: XChaCha20Poly1305,
}

impl<B: BlobStore> fmt::Debug for Sealed<B> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sealed")
            .field("cipher", &"XChaCha20-Poly1305 (key hidden)")
            .finish_non_exhaustive()
    }
}

impl<B: BlobStore> Sealed<B> {
    /// Wraps `inner`, sealing with the 32-byte `key` (see [`crate::load_or_create_key`]).
    pub fn new(inner: B, key: [u8; 32]) -> Self {
        Self {
            inner,
            cipher: XChaCha20Poly1305::new(Key::from_slice(&key)),
        }
    }

    /// The wrapped store (which holds ciphertext only).
    pub fn inner(&self) -> &B {
        &self.inner
    }

    /// Seals `plain` for storage under `key`.
    pub fn seal(&self, key: &str, plain: &[u8]) -> Result<Vec<u8>, BlobError> {
        let nonce: [u8; NONCE_LEN] = rand::random();
        let aad = associated_data(key);
        let ct = self
            .cipher
            .encrypt(
                XNonce::from_slice(&nonce),
                Payload {
                    msg: plain,
                    aad: &aad,
                },
            )
            .map_err(|_| BlobError::Corrupt(format!("{key}: encryption failed")))?;
        let mut out = Vec::with_capacity(1 + NONCE_LEN + ct.len());
        out.push(SEALED_VERSION);
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&ct);
        Ok(out)
    }

    /// Opens what [`Sealed::seal`] produced for `key`.
    pub fn open(&self, key: &str, sealed: &[u8]) -> Result<Vec<u8>, BlobError> {
        let Some((&version, rest)) = sealed.split_first() else {
            return Err(BlobError::Corrupt(format!("{key}: empty sealed blob")));
        };
        if version != SEALED_VERSION {
            return Err(BlobError::Corrupt(format!(
                "{key}: unknown sealed format version {version} (expected {SEALED_VERSION})"
            )));
        }
        if rest.len() < NONCE_LEN + TAG_LEN {
            return Err(BlobError::Corrupt(format!(
                "{key}: sealed blob of {} bytes is shorter than the {} bytes of header and tag",
                sealed.len(),
                1 + NONCE_LEN + TAG_LEN
            )));
        }
        let (nonce, ct) = rest.split_at(NONCE_LEN);
        let aad = associated_data(key);
        self.cipher
            .decrypt(XNonce::from_slice(nonce), Payload { msg: ct, aad: &aad })
            .map_err(|_| {
                BlobError::Corrupt(format!(
                    "{key}: authentication failed (blob altered, moved from another key, or sealed with another store key)"
                ))
            })
    }
}

fn associated_data(key: &str) -> Vec<u8> {
    let mut aad = Vec::with_capacity(1 + key.len());
    aad.push(SEALED_VERSION);
    aad.extend_from_slice(key.as_bytes());
    aad
}

#[async_trait]
impl<B: BlobStore> BlobStore for Sealed<B> {
    async fn put(&self, key: &str, bytes: &[u8]) -> Result<(), BlobError> {
        crate::validate_key(key)?;
        let sealed = self.seal(key, bytes)?;
        self.inner.put(key, &sealed).await
    }

    async fn get(&self, key: &str) -> Result<Option<Vec<u8>>, BlobError> {
        match self.inner.get(key).await? {
            None => Ok(None),
            Some(sealed) => self.open(key, &sealed).map(Some),
        }
    }

    async fn delete(&self, key: &str) -> Result<(), BlobError> {
        self.inner.delete(key).await
    }
}

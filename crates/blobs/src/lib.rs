//! Where photos, signatures and biometric data live: outside the main tables, addressed by a
//! short key (`photos/1234.jpg`, `templates/1234/3`).
//!
//! - [`BlobStore`]: the storage contract (put/get/delete, atomic overwrite).
//! - [`FsBlobStore`]: files under a root directory, fanned out by a hash prefix of the key,
//!   each written to a temporary file, flushed to disk and renamed into place.
//! - [`Sealed`]: a wrapper that encrypts every blob at rest with XChaCha20-Poly1305, binding it
//!   to its key so that a blob copied under another key does not open.
//! - [`MemoryBlobStore`]: a map in memory, for tests.
//! - [`load_or_create_key`]: the 32-byte sealing key, kept hex-encoded in a `0600` file.

mod fs;
mod key;
mod memory;
mod sealed;

pub use fs::FsBlobStore;
pub use key::load_or_create_key;
pub use memory::MemoryBlobStore;
pub use sealed::Sealed;

use async_trait::async_trait;
use std::sync::Arc;

/// Longest accepted blob key, in bytes.
pub const MAX_KEY_LEN: usize = 200;

/// The key of the canary: a known blob sealed with the store's key, so that a store opened with another key is
/// found at start (and by the health check), not when a holder's photo fails to open.
pub const CANARY_KEY: &str = "shenas/canary";
const CANARY: &[u8] = b"shenas blob store canary v1";

/// What the canary says of a store.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Canary {
    /// It opens: the key is the store's.
    Opens,
    /// There is none (a new store, or one older than the canary).
    Missing,
}

/// Checks the canary: `Err` when it is there but does not open (the store was sealed under another key) or
/// the store cannot be read.
pub async fn check_canary(store: &dyn BlobStore) -> Result<Canary, BlobError> {
    match store.get(CANARY_KEY).await? {
        Some(b) if b == CANARY => Ok(Canary::Opens),
        Some(_) => Err(BlobError::Corrupt(format!(
            "{CANARY_KEY}: the canary opened to something else"
        ))),
        None => Ok(Canary::Missing),
    }
}

/// Writes the canary (sealed by `store` when it seals).
pub async fn write_canary(store: &dyn BlobStore) -> Result<(), BlobError> {
    store.put(CANARY_KEY, CANARY).await
}

/// Why a blob operation failed.
#[derive(Debug, thiserror::Error)]
pub enum BlobError {
    /// The blob key breaks the naming rules (see [`validate_key`]).
    #[error("invalid blob key: {0}")]
    InvalidKey(String),
    /// The stored bytes are damaged, were sealed under another key or moved from another key,
    /// or a key file is malformed.
    #[error("corrupt blob data: {0}")]
    Corrupt(String),
    /// The file system failed.
    #[error("blob storage I/O error: {0}")]
    Io(#[from] std::io::Error),
}

/// A store of opaque byte blobs under string keys.
///
/// `put` replaces any blob already under the key, atomically: a concurrent `get` returns
/// either the whole old blob or the whole new one, never a mix or a prefix.
#[async_trait]
pub trait BlobStore: Send + Sync + 'static {
    /// Stores `bytes` under `key`, replacing what was there.
    async fn put(&self, key: &str, bytes: &[u8]) -> Result<(), BlobError>;
    /// The blob under `key`, or `None` when there is none.
    async fn get(&self, key: &str) -> Result<Option<Vec<u8>>, BlobError>;
    /// Removes the blob under `key`; a missing key is not an error.
    async fn delete(&self, key: &str) -> Result<(), BlobError>;
}

#[async_trait]
impl<T: BlobStore + ?Sized> BlobStore for Arc<T> {
    async fn put(&self, key: &str, bytes: &[u8]) -> Result<(), BlobError> {
        (**self).put(key, bytes).await
    }
    async fn get(&self, key: &str) -> Result<Option<Vec<u8>>, BlobError> {
        (**self).get(key).await
    }
    async fn delete(&self, key: &str) -> Result<(), BlobError> {
        (**self).delete(key).await
    }
}

#[async_trait]
impl<T: BlobStore + ?Sized> BlobStore for Box<T> {
    async fn put(&self, key: &str, bytes: &[u8]) -> Result<(), BlobError> {
        (**self).put(key, bytes).await
    }
    async fn get(&self, key: &str) -> Result<Option<Vec<u8>>, BlobError> {
        (**self).get(key).await
    }
    async fn delete(&self, key: &str) -> Result<(), BlobError> {
        (**self).delete(key).await
    }
}

/// Checks a blob key: 1 to [`MAX_KEY_LEN`] characters of ASCII `a-z 0-9 . _ / -`, no `..`,
/// not starting or ending with `/`, no empty (`//`) or `.` path segment.
pub fn validate_key(key: &str) -> Result<(), BlobError> {
    let refuse = |why: &str| Err(BlobError::InvalidKey(format!("{key:?}: {why}")));
    if key.is_empty() {
        return refuse("the key is empty");
    }
    if key.len() > MAX_KEY_LEN {
        return refuse(&format!(
            "the key is {} bytes long, at most {MAX_KEY_LEN} are allowed",
            key.len()
        ));
    }
    if let Some(c) = key.chars().find(|c| {
        !(c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '_' | '/' | '-'))
    }) {
        return refuse(&format!(
            "character {c:?} is not allowed (only a-z, 0-9, '.', '_', '/', '-')"
        ));
    }
    if key.contains("..") {
        return refuse("\"..\" is not allowed");
    }
    if key.starts_with('/') {
        return refuse("the key must not start with '/'");
    }
    if key.ends_with('/') {
        return refuse("the key must not end with '/'");
    }
    if key.split('/').any(|s| s.is_empty() || s == ".") {
        return refuse("empty or \".\" path segments are not allowed");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_rules() {
        for ok in [
            "a",
            "photos/0012345678.jpg",
            "t/1/10",
            "x-y_z.v1",
            ".hidden",
            &"a".repeat(200),
        ] {
            assert!(validate_key(ok).is_ok(), "{ok}");
        }
        for bad in [
            "",
            "/abs",
            "a/../b",
            "..",
            "a/",
            "a//b",
            "./a",
            "a/./b",
            "Upper",
            "sp ace",
            "a\\b",
            "ä",
            "a\0b",
            &"a".repeat(201),
        ] {
            assert!(
                matches!(validate_key(bad), Err(BlobError::InvalidKey(_))),
                "{bad:?}"
            );
        }
    }
}

//! The seal of kept answers, apart from the layer (`mod.rs`) so that the service's state, which holds it, does not
//! depend on the layer that reads the state.

use sha2::{Digest, Sha256};

/// Seals kept answers, under a key of their own (derived from the blob key by `shenas serve`).
pub struct ReplaySeal(pub(super) blobs::Sealed<blobs::MemoryBlobStore>);

impl ReplaySeal {
    pub fn new(key: [u8; 32]) -> Self {
        Self(blobs::Sealed::new(blobs::MemoryBlobStore::default(), key))
    }

    /// The key for kept answers derived from the blob sealing key (one secret on disk, two uses kept apart).
    pub fn derived_from(blob_key: &[u8; 32]) -> Self {
        let mut h = Sha256::new();
        h.update(b"shenas idempotency answers v1\0");
        h.update(blob_key);
        Self::new(h.finalize().into())
    }
}

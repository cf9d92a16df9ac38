//! The cache of checked agency and manufacturer keys, apart from the extractor (`key.rs`) so that the service's
//! state, which holds it, does not depend on the handlers that read the state.

use std::time::Duration;
use store::agency::ApiKey;

/// How long a checked key is trusted: a revocation takes effect within this time on every instance.
pub const CACHE_SECONDS: u64 = 10;

/// How many checked keys are remembered at most: unknown keys are remembered too (so a flood of invented keys
/// costs one lookup each per [`CACHE_SECONDS`]), and this bound keeps such a flood from growing the cache.
const CACHE_ENTRIES: u64 = 100_000;

/// Recently checked keys, by hash (moka: bounded, each entry kept [`CACHE_SECONDS`]).
pub struct KeyCache {
    entries: moka::sync::Cache<String, Option<ApiKey>>,
}

impl Default for KeyCache {
    fn default() -> Self {
        Self {
            entries: moka::sync::Cache::builder()
                .max_capacity(CACHE_ENTRIES)
                .time_to_live(Duration::from_secs(CACHE_SECONDS))
                .build(),
        }
    }
}

impl KeyCache {
    pub(super) fn get(&self, hash: &str) -> Option<Option<ApiKey>> {
        self.entries.get(hash)
    }

    pub(super) fn put(&self, hash: String, key: Option<ApiKey>) {
        self.entries.insert(hash, key);
    }
}

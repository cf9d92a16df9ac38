//! Idempotency keys: the first answer to a request, kept so that a retried request gets the same answer.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use crate::Result;

/// The outcome of claiming an idempotency key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IdempotencyClaim {
    /// First use: go ahead, then call `idempotency_finish`.
    Fresh,
    /// Seen before with the same request: answer this again.
    Replay { status: u16, body: Vec<u8> },
    /// The first request with this key is still running.
    InProgress,
    /// The key was used for a different request.
    Mismatch,
}

#[async_trait]
pub trait Idempotency: Send + Sync {
    /// Claims `key` in `scope` for a request whose hash is `request_hash`. A row still in progress that was
    /// claimed before `abandoned_before` (its request died: a crash, a dropped connection) and any row claimed
    /// before `expired_before` are taken over as if new.
    async fn idempotency_claim(
        &self,
        scope: &str,
        key: &str,
        request_hash: &str,
        at: DateTime<Utc>,
        abandoned_before: DateTime<Utc>,
        expired_before: DateTime<Utc>,
    ) -> Result<IdempotencyClaim>;

    async fn idempotency_finish(
        &self,
        scope: &str,
        key: &str,
        status: u16,
        body: &[u8],
    ) -> Result<()>;

    /// Forgets a claim whose request failed without an answer worth repeating (so it may be retried).
    async fn idempotency_release(&self, scope: &str, key: &str) -> Result<()>;

    /// Deletes idempotency rows claimed before `before`; the number deleted.
    async fn idempotency_purge(&self, before: DateTime<Utc>) -> Result<u64>;
}

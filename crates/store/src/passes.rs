//! What keeps a background pass single when several instances of the service share one database.
//!
//! Most passes need nothing here: each item they touch moves with a conditional write (`WHERE state = …`), so
//! the second instance to reach an item finds it done. Two kinds of pass need more, and both are in this module:
//! a pass that must run once per period whoever runs it ([`Passes::claim_pass`], e.g. batching on its schedule),
//! and the whole-pass lock inside one transaction, which each store takes itself where a pass needs it (batch
//! forming). See `docs/several-instances.md`.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use crate::Result;

/// The keys of the passes that lock themselves for the length of their transaction (PostgreSQL advisory locks;
/// any 64-bit number unique to the pass).
pub mod lock {
    /// Batch forming: one instance at a time reads the queue and the manufacturers' days.
    pub const FORM_BATCHES: i64 = 0x5348_454E_4153_0001;
}

#[async_trait]
pub trait Passes: Send + Sync {
    /// Claims this period's run of pass `name`: answers `true` to exactly one caller among instances racing for
    /// it, when the pass last ran before `ran_before` (or never), and records `now` as its last run; `false` when
    /// another instance ran it since.
    async fn claim_pass(
        &self,
        name: &str,
        ran_before: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<bool>;

    /// When pass `name` last ran (claimed by [`Self::claim_pass`]), if ever.
    async fn pass_last_run(&self, name: &str) -> Result<Option<DateTime<Utc>>>;
}

//! Card production at several manufacturers: the vendors with their shares, capacities and keys, the queue of
//! cleared enrollments, and the batches (formed, claimed, answered card by card, dispatched). Large moves (a batch
//! of ten thousand cards) are written set-wise, with their history rows and counters, still in one transaction.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use domain::{ChipSerial, OfficeId, TrackingCode};

use crate::applications::Change;
use crate::Result;

// Older paths: before the split by feature, this module held everything from enrollment to a card's later life,
// and callers still name those types through it.
pub use crate::appointments::DayEntry;
pub use crate::cards::{Card, Transferred};
pub use crate::dedup::{Decided, DedupCase, GalleryEntry};
pub use crate::enrollment::{CardHolder, Enrolled, Enrollment, FingerRecord, NewEnrollment};
pub use crate::outbox::{OutboxSms, SmsState, Waiting};
pub use crate::pickup::{PickupAttempt, PickupCard};
pub use crate::shipments::{Received, Shipment, ShipmentCard, ShipmentState};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Vendor {
    pub id: i64,
    pub name: String,
    pub share_pct: u32,
    pub daily_capacity: u64,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BatchState {
    Open,
    Claimed,
    Answered,
    Dispatched,
}

impl BatchState {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Open => "open",
            Self::Claimed => "claimed",
            Self::Answered => "answered",
            Self::Dispatched => "dispatched",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [Self::Open, Self::Claimed, Self::Answered, Self::Dispatched]
            .into_iter()
            .find(|b| b.as_str() == s)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Batch {
    pub id: i64,
    pub vendor_id: i64,
    pub state: BatchState,
    pub cards: u64,
    pub created_at: DateTime<Utc>,
    pub claimed_at: Option<DateTime<Utc>>,
}

/// One card of a batch, with what the manufacturer needs to personalise it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BatchCard {
    pub application_id: i64,
    pub tracking_code: TrackingCode,
    pub destination: OfficeId,
    pub holder: CardHolder,
    pub card_photo_key: String,
    pub templates_key: String,
    pub personalisation_key: String,
}

/// A manufacturer's answer for one card.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CardOutcome {
    Personalized(ChipSerial),
    Failed(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CardResult {
    pub tracking_code: TrackingCode,
    pub outcome: CardOutcome,
}

/// What applying a batch's results did. Results are checked all together first: one that names a card not in
/// the batch, or a chip serial already used, refuses the whole request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ResultsApplied {
    Done {
        personalized: u64,
        failed: u64,
        /// Cards already answered the same way before (a repeated request).
        repeated: u64,
    },
    NoSuchBatch,
    /// The batch is not in a state that takes results (never claimed, or dispatched).
    WrongState(BatchState),
    /// The result at this index names a card that is not in the batch, answers a card differently from an
    /// earlier answer, or uses a chip serial that another card has.
    Refused {
        index: usize,
        code: &'static str,
    },
}

/// The manufacturers, with their shares, capacities and API keys (only a hash of each key is kept).
#[async_trait]
pub trait Vendors: Send + Sync {
    async fn create_vendor(
        &self,
        name: &str,
        share_pct: u32,
        daily_capacity: u64,
        key_prefix: &str,
        key_hash: &str,
        at: DateTime<Utc>,
    ) -> Result<i64>;

    async fn vendors(&self) -> Result<Vec<Vendor>>;

    /// Changes a manufacturer's share and daily capacity; `Ok(false)` when there is none of that name.
    async fn update_vendor(&self, name: &str, share_pct: u32, daily_capacity: u64) -> Result<bool>;

    async fn vendor_by_key(&self, key_hash: &str) -> Result<Option<Vendor>>;

    /// A further key for the manufacturer named `vendor_name` (rotation); `Ok(None)` when there is none of that
    /// name.
    async fn add_vendor_key(
        &self,
        vendor_name: &str,
        key_prefix: &str,
        key_hash: &str,
        at: DateTime<Utc>,
    ) -> Result<Option<i64>>;

    /// Revokes a manufacturer's key by its prefix; `Ok(false)` when no key with that prefix is active.
    async fn revoke_vendor_key(&self, prefix: &str, at: DateTime<Utc>) -> Result<bool>;
}

/// The production queue and the batches.
#[async_trait]
pub trait Production: Send + Sync {
    /// Applications queued for production (enrolled, cleared, not in a batch).
    async fn production_queue_len(&self) -> Result<u64>;

    /// Forms batches from the queue: each manufacturer gets its share, within what it can still take on `day`
    /// (a Jalali date), in batches of at most `batch_size`. The cards move `enrolled → in_production`.
    async fn form_batches(&self, day: &str, batch_size: u32, change: &Change)
        -> Result<Vec<Batch>>;

    /// Hands this manufacturer its oldest open batch, now claimed; `None` when there is none.
    async fn claim_batch(&self, vendor_id: i64, at: DateTime<Utc>) -> Result<Option<Batch>>;

    async fn batch(&self, batch_id: i64) -> Result<Option<Batch>>;

    /// The cards of a batch with their personalisation data.
    async fn batch_cards(&self, batch_id: i64) -> Result<Vec<BatchCard>>;

    /// Applies a manufacturer's per-card results. A failed card goes `in_production → production_failed →
    /// enrolled` and back into the queue.
    async fn batch_results(
        &self,
        vendor_id: i64,
        batch_id: i64,
        results: &[CardResult],
        change: &Change,
    ) -> Result<ResultsApplied>;

    /// Ships a batch's personalised cards, one shipment per destination office (`in_production → dispatched`).
    /// Repeating it ships nothing more and answers the batch's shipments.
    async fn dispatch_batch(
        &self,
        vendor_id: i64,
        batch_id: i64,
        change: &Change,
    ) -> Result<Option<Vec<Shipment>>>;

    /// Claimed batches with cards still unanswered since before `claimed_before`: those cards fail with the
    /// reason given and go back in the queue. Answers how many cards were requeued.
    async fn expire_batches(&self, claimed_before: DateTime<Utc>, change: &Change) -> Result<u64>;
}

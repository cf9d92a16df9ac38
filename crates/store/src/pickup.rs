//! Pickup at the office: the card as the desk needs it, the 1:1 fingerprint matches tried before handing it over,
//! the hand-over itself, and the end of the pickup period for cards nobody came for.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use domain::{ApplicationState, ChipSerial, NationalCode, OfficeId, TrackingCode};

use crate::applications::Change;
use crate::enrollment::FingerRecord;
use crate::Result;

/// The card as the pickup desk needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PickupCard {
    pub application_id: i64,
    pub tracking_code: TrackingCode,
    pub national_code: NationalCode,
    pub state: ApplicationState,
    pub office: OfficeId,
    pub chip_serial: ChipSerial,
    pub templates_key: String,
    pub fingers: Vec<FingerRecord>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct PickupAttempt {
    pub at: DateTime<Utc>,
    pub operator: String,
    pub position: u8,
    pub score: f64,
    pub matched: bool,
}

#[async_trait]
pub trait Pickup: Send + Sync {
    async fn pickup_card(&self, tracking: &TrackingCode) -> Result<Option<PickupCard>>;

    async fn record_pickup_attempt(
        &self,
        application_id: i64,
        office: &OfficeId,
        attempt: &PickupAttempt,
    ) -> Result<()>;

    async fn pickup_attempts(&self, application_id: i64) -> Result<Vec<PickupAttempt>>;

    /// Hands the card over: `ready_for_pickup | uncollected → delivered`, the card active, the fee recorded.
    /// `Ok(false)` when the application was not waiting at `office` any more.
    async fn deliver(
        &self,
        tracking: &TrackingCode,
        office: &OfficeId,
        pickup_fee_rials: u64,
        change: &Change,
    ) -> Result<bool>;

    /// Cards ready for pickup since before `ready_before` become `uncollected`, each with its reason (the
    /// registry's death date and postal code as of now, and the SMS flag). Answers how many.
    async fn expire_pickups(
        &self,
        ready_before: DateTime<Utc>,
        change: &Change,
        limit: u32,
    ) -> Result<u64>;
}

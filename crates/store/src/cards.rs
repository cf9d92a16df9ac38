//! The card's later life: looking a card up, sending it (or the card to be) to another office, revoking it, and
//! applying the deaths the registry records.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use domain::{
    ApplicationState, ChipSerial, NationalCode, OfficeId, TrackingCode, UncollectedReason,
};

use crate::applications::Change;
use crate::Result;

/// The card of a person, as verification and revocation see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Card {
    pub chip_serial: ChipSerial,
    pub application_id: i64,
    pub tracking_code: TrackingCode,
    pub national_code: NationalCode,
    /// `produced`, `active` (delivered to its holder) or `revoked`.
    pub status: String,
    pub office: Option<OfficeId>,
    pub uncollected_reason: Option<UncollectedReason>,
    /// When it reached the office where it waits (or last reached one); `None` before.
    pub ready_at: Option<DateTime<Utc>>,
    /// Set while the card is suspended (its loss reported, not yet found again nor revoked).
    pub suspended_at: Option<DateTime<Utc>>,
}

impl Card {
    /// In its holder's hands, not revoked and not suspended: what verifies.
    pub fn is_valid(&self) -> bool {
        self.status == "active" && self.suspended_at.is_none()
    }
}

/// What a reported loss did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Suspended {
    /// The card is suspended from now, its certificates on hold.
    Suspended(Card),
    /// It was suspended already (since the card's `suspended_at`); nothing changed.
    Already(Card),
    /// The person has no card in their hands (none made yet, not collected, or revoked).
    NoCard,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Transferred {
    /// Not yet made or not yet at an office: only the destination changed.
    Redirected,
    /// The card waited at an office: a shipment to the new office was created.
    Shipped {
        shipment_id: i64,
    },
    NotFound,
    SameOffice,
    WrongState(ApplicationState),
}

#[async_trait]
pub trait Cards: Send + Sync {
    async fn card(&self, serial: &ChipSerial) -> Result<Option<Card>>;

    /// The card made for a document (`store::pki::Document`): its document number is printed on it.
    async fn card_by_document_number(&self, document_number: &str) -> Result<Option<Card>>;

    async fn card_of_application(&self, application_id: i64) -> Result<Option<Card>>;

    /// Sends the card (or the card to be) to another office.
    async fn transfer(
        &self,
        tracking: &TrackingCode,
        to: &OfficeId,
        change: &Change,
    ) -> Result<Transferred>;

    /// Revokes the person's card (lost, or the holder died) and moves its application to `revoked` where the
    /// state machine allows. Answers the revoked serials.
    async fn revoke_cards_of(
        &self,
        code: &NationalCode,
        change: &Change,
    ) -> Result<Vec<ChipSerial>>;

    /// Suspends the card the application made, when it is in its holder's hands (`active`): it stops verifying,
    /// its holder certificates go on hold, and the application's history says who and when. A card suspended
    /// already is left as it is.
    async fn suspend_card(&self, application_id: i64, change: &Change) -> Result<Suspended>;

    /// Lifts a card's suspension (found again, its holder's finger matched): it verifies again and its
    /// certificates come off hold. `false` when the card is not suspended (or not `active`).
    async fn reactivate_card(&self, serial: &ChipSerial, change: &Change) -> Result<bool>;

    /// Revokes up to `limit` cards suspended before `before` (a loss never withdrawn): the card and its
    /// application become `revoked`, its certificates `keyCompromise`. Answers the serials.
    async fn revoke_suspended(
        &self,
        before: DateTime<Utc>,
        change: &Change,
        limit: u32,
    ) -> Result<Vec<ChipSerial>>;

    /// People the registry records as dead with work still in progress: pending applications are cancelled and
    /// cards revoked. Answers how many applications changed.
    async fn apply_deaths(&self, change: &Change, limit: u32) -> Result<u64>;
}

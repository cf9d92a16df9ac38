//! The card's later life: looking a card up, sending it (or the card to be) to another office, revoking it, and
//! applying the deaths the registry records.

use async_trait::async_trait;
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

    /// People the registry records as dead with work still in progress: pending applications are cancelled and
    /// cards revoked. Answers how many applications changed.
    async fn apply_deaths(&self, change: &Change, limit: u32) -> Result<u64>;
}

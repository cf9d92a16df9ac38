//! What happens after the citizen's journey: enrollment at the office, the 1:N de-duplication and its adjudication,
//! card production at several manufacturers (batches, per-card results, chip serials), shipments to offices, the SMS
//! outbox, pickup and the card's later life (transfer, revocation). As in the journey, every change of an
//! application's state is written with its history row and counters in one transaction, or not at all; large moves
//! (a batch of ten thousand cards) are written set-wise, still in one transaction.
//!
//! Images and biometric data are not kept here: the store holds the keys under which the blob store keeps them.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use domain::{
    ApplicationState, ChipSerial, Decision, DedupStatus, Mobile, NationalCode, OfficeId,
    TrackingCode, UncollectedReason,
};

use crate::journey::Change;
use crate::Result;

/// What the card carries about its holder, frozen at enrollment from the registry record that was checked.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct CardHolder {
    pub national_code: String,
    pub first_name: String,
    pub last_name: String,
    pub father_name: String,
    pub gender: String,
    pub birth_date_jalali: String,
    pub postal_code: Option<String>,
}

/// One finger as enrolled (the template itself is in the blob store).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct FingerRecord {
    pub position: u8,
    /// `captured`, `missing` or `bandaged`.
    pub status: String,
    pub format: Option<String>,
    pub quality: Option<u8>,
}

#[derive(Debug, Clone)]
pub struct NewEnrollment {
    pub tracking_code: TrackingCode,
    pub office: OfficeId,
    pub birth_certificate_seen: bool,
    pub old_card_collected: bool,
    pub holder: CardHolder,
    pub fingers: Vec<FingerRecord>,
    pub photo_key: String,
    pub card_photo_key: String,
    pub signature_key: String,
    pub templates_key: String,
    /// The signed personalisation data (see the vendor API).
    pub personalisation_key: String,
    pub change: Change,
}

/// What an enrollment attempt did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Enrolled {
    Done {
        application_id: i64,
    },
    NotFound,
    /// The application is booked at another office.
    OtherOffice,
    /// The application is not in `appointment_booked`.
    WrongState(ApplicationState),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Enrollment {
    pub application_id: i64,
    pub tracking_code: TrackingCode,
    pub state: ApplicationState,
    pub office: OfficeId,
    /// Where the card goes (the enrolling office, or the one the holder asked for).
    pub destination: OfficeId,
    pub operator: String,
    pub enrolled_at: DateTime<Utc>,
    pub birth_certificate_seen: bool,
    pub old_card_collected: bool,
    pub holder: CardHolder,
    pub fingers: Vec<FingerRecord>,
    pub photo_key: String,
    pub card_photo_key: String,
    pub signature_key: String,
    pub templates_key: String,
    pub personalisation_key: String,
    pub dedup: DedupStatus,
}

/// An enrollment the 1:N search has to look at, or that the gallery holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GalleryEntry {
    pub application_id: i64,
    pub templates_key: String,
}

/// A de-duplication hit waiting for (or given) a supervisor's decision.
#[derive(Debug, Clone, PartialEq)]
pub struct DedupCase {
    pub application_id: i64,
    pub tracking_code: TrackingCode,
    pub office: OfficeId,
    pub candidate_application_id: i64,
    pub candidate_tracking_code: TrackingCode,
    pub score: f64,
    pub found_at: DateTime<Utc>,
    pub decision: Option<Decision>,
    pub decided_by: Option<String>,
    pub decided_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decided {
    Done,
    /// No open hit for this application.
    NothingToDecide,
}

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

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ShipmentState {
    InTransit,
    Received,
}

impl ShipmentState {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::InTransit => "in_transit",
            Self::Received => "received",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "in_transit" => Some(Self::InTransit),
            "received" => Some(Self::Received),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShipmentCard {
    pub tracking_code: TrackingCode,
    pub chip_serial: ChipSerial,
    /// `None` until the shipment is received; then whether this card was in it.
    pub arrived: Option<bool>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shipment {
    pub id: i64,
    pub batch_id: Option<i64>,
    /// The office a transfer comes from; `None` for a manufacturer's shipment.
    pub from_office: Option<OfficeId>,
    pub to_office: OfficeId,
    pub state: ShipmentState,
    pub created_at: DateTime<Utc>,
    pub received_at: Option<DateTime<Utc>>,
    pub received_by: Option<String>,
    pub cards: Vec<ShipmentCard>,
    /// Serials scanned at reception that were not in the shipment.
    pub unexpected: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Received {
    Done {
        ready: u64,
        missing: Vec<ChipSerial>,
        unexpected: Vec<String>,
    },
    NotFound,
    OtherOffice,
    AlreadyReceived,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmsState {
    Pending,
    Sent,
    Delivered,
    Failed,
}

impl SmsState {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Sent => "sent",
            Self::Delivered => "delivered",
            Self::Failed => "failed",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [Self::Pending, Self::Sent, Self::Delivered, Self::Failed]
            .into_iter()
            .find(|x| x.as_str() == s)
    }
}

/// A message in the outbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxSms {
    pub id: i64,
    pub application_id: Option<i64>,
    pub mobile: Mobile,
    pub kind: String,
    pub text: String,
    pub state: SmsState,
    pub attempts: u32,
    pub last_error: Option<String>,
    pub created_at: DateTime<Utc>,
}

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

/// An application the end of a pickup period found uncollected, or a reminder that is due.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Waiting {
    pub application_id: i64,
    pub tracking_code: TrackingCode,
    pub ready_at: DateTime<Utc>,
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

/// One booked place of an office's day, as the desk sees its list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DayEntry {
    pub slot: u32,
    pub tracking_code: TrackingCode,
    pub national_code: NationalCode,
    pub state: ApplicationState,
}

#[async_trait]
pub trait Production: Send + Sync {
    /// The places booked at `office` on `day` (Jalali `YYYY-MM-DD`), by slot.
    async fn office_day(&self, office: &OfficeId, day: &str) -> Result<Vec<DayEntry>>;

    // --- Enrollment and de-duplication ---------------------------------------------------------------------

    /// Enrolls a booked application at its booked office: `appointment_booked → enrolled`, the enrollment row
    /// (de-duplication `pending`) and the history row, in one transaction.
    async fn enroll(&self, e: &NewEnrollment) -> Result<Enrolled>;

    async fn enrollment(&self, tracking: &TrackingCode) -> Result<Option<Enrollment>>;

    /// Enrollments not yet searched, oldest first.
    async fn dedup_pending(&self, limit: u32) -> Result<Vec<GalleryEntry>>;

    /// Every searched enrollment the 1:N gallery should hold (not pending, not a rejected duplicate), in id order
    /// after `after`. A pending one joins the gallery after its own search.
    async fn gallery_page(&self, after: i64, limit: u32) -> Result<Vec<GalleryEntry>>;

    /// Records a search's outcome: no hits → `clear` and queued for production; hits → `hit`, one case each.
    async fn record_dedup(
        &self,
        application_id: i64,
        hits: &[(i64, f64)],
        at: DateTime<Utc>,
    ) -> Result<()>;

    /// Open cases (no decision yet) of applications enrolled at `office` (every office where `None`).
    async fn dedup_cases(&self, office: Option<&OfficeId>, limit: u32) -> Result<Vec<DedupCase>>;

    /// All cases of one application, decided or not.
    async fn dedup_cases_of(&self, tracking: &TrackingCode) -> Result<Vec<DedupCase>>;

    /// A supervisor's decision on an application's open cases: `duplicate` rejects it (naming the other
    /// application), `distinct` queues it for production.
    async fn decide_dedup(
        &self,
        tracking: &TrackingCode,
        decision: Decision,
        change: &Change,
    ) -> Result<Decided>;

    // --- Manufacturers and batches -------------------------------------------------------------------------

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

    // --- Shipments -----------------------------------------------------------------------------------------

    async fn shipments_to(&self, office: &OfficeId, limit: u32) -> Result<Vec<Shipment>>;

    async fn shipment(&self, id: i64) -> Result<Option<Shipment>>;

    /// Receives a shipment at `office`. With `scanned`, only the cards scanned arrived: the others are reported
    /// missing (revoked and made again), and scanned serials not in the shipment are reported. Arrived cards go
    /// `dispatched → ready_for_pickup` and their holders get an SMS (queued in the same transaction).
    async fn receive_shipment(
        &self,
        id: i64,
        office: &OfficeId,
        scanned: Option<&[String]>,
        change: &Change,
    ) -> Result<Received>;

    // --- SMS outbox ----------------------------------------------------------------------------------------

    /// Queues a message; `kind` is unique per application (a repeat is ignored and answers `None`).
    async fn enqueue_sms(
        &self,
        application_id: Option<i64>,
        mobile: &Mobile,
        kind: &str,
        text: &str,
        at: DateTime<Utc>,
    ) -> Result<Option<i64>>;

    /// Takes up to `limit` messages due at `now`, leasing each until `lease_until` so no other worker sends it.
    async fn sms_due(
        &self,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
        limit: u32,
    ) -> Result<Vec<OutboxSms>>;

    /// The gateway took the message.
    async fn sms_sent(&self, id: i64, at: DateTime<Utc>) -> Result<()>;

    /// A temporary failure: try again at `next_at`.
    async fn sms_retry(&self, id: i64, error: &str, next_at: DateTime<Utc>) -> Result<()>;

    /// A permanent failure: the message is failed and its application's number flagged.
    async fn sms_failed(&self, id: i64, error: &str, at: DateTime<Utc>) -> Result<()>;

    /// A delivery report: `delivered` true or false (false flags the number as for [`Production::sms_failed`]).
    async fn sms_report(
        &self,
        id: i64,
        delivered: bool,
        detail: &str,
        at: DateTime<Utc>,
    ) -> Result<bool>;

    async fn sms_of(&self, application_id: i64) -> Result<Vec<OutboxSms>>;

    async fn sms_by_id(&self, id: i64) -> Result<Option<OutboxSms>>;

    /// Whether the application's mobile number is flagged as failing.
    async fn sms_flagged(&self, application_id: i64) -> Result<bool>;

    /// Cards ready for pickup since before `ready_before` with no message of `kind` yet.
    async fn waiting_without(
        &self,
        ready_before: DateTime<Utc>,
        kind: &str,
        limit: u32,
    ) -> Result<Vec<Waiting>>;

    // --- Pickup and the card's later life ------------------------------------------------------------------

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

    async fn card(&self, serial: &ChipSerial) -> Result<Option<Card>>;

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

//! The backlog of cards waiting at offices, and the levers against it: the list of waiting and uncollected cards by
//! office, reason and age; SMS campaigns to a selection (each message recorded, at most one campaign message per
//! number per day); the cards revoked while they waited, to be destroyed at their office; and the counters behind
//! the backlog's figures (holders reached by SMS, days from arrival to delivery, the backlog by day).

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use domain::{ChipSerial, Mobile, NationalCode, OfficeId, TrackingCode, UncollectedReason};

use crate::applications::Change;
use crate::stats::AgeBucket;
use crate::Result;

/// The day of `at` in Tehran (UTC+03:30, no daylight saving since 1401), `YYYY-MM-DD` (Gregorian): the day a
/// counter or the once-a-day campaign rule is kept by.
pub fn tehran_day(at: DateTime<Utc>) -> String {
    (at + chrono::Duration::minutes(210))
        .date_naive()
        .to_string()
}

/// Which waiting cards: in a province (or all), at an office, waiting since before `ready_before`, only the
/// uncollected ones (past the pickup period), with one reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BacklogQuery {
    pub province: Option<String>,
    pub office: Option<OfficeId>,
    pub uncollected_only: bool,
    /// Only uncollected cards with this reason (implies `uncollected_only`).
    pub reason: Option<UncollectedReason>,
    pub ready_before: DateTime<Utc>,
    pub limit: u32,
}

/// A card waiting at an office for its holder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WaitingCard {
    pub application_id: i64,
    pub chip_serial: ChipSerial,
    pub tracking_code: TrackingCode,
    pub national_code: NationalCode,
    /// From the registry; empty when the person is not in it.
    pub first_name: String,
    pub last_name: String,
    /// The number typed at pre-registration.
    pub mobile: Mobile,
    pub office: OfficeId,
    pub province_code: String,
    pub ready_at: DateTime<Utc>,
    /// Past the pickup period (`uncollected`), not merely waiting (`ready_for_pickup`).
    pub uncollected: bool,
    pub reason: Option<UncollectedReason>,
    /// A message to the holder was delivered since the card arrived.
    pub reached: bool,
}

/// How many cards wait at an office, by age since arrival, and (uncollected ones) by reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OfficeBacklog {
    pub province_code: String,
    pub office: OfficeId,
    pub office_name: String,
    pub age: AgeBucket,
    /// `None` while the card is within its pickup period.
    pub reason: Option<UncollectedReason>,
    pub n: u64,
}

/// What a campaign says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CampaignKind {
    /// "Your card waits at office X": to any waiting card.
    Reminder,
    /// "You moved: have the card sent to an office near you", with the portal's link.
    Moved,
}

impl CampaignKind {
    pub const ALL: [CampaignKind; 2] = [Self::Reminder, Self::Moved];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Reminder => "reminder",
            Self::Moved => "moved",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }

    pub fn fa(self) -> &'static str {
        match self {
            Self::Reminder => "یادآوری دریافت کارت",
            Self::Moved => "پیشنهاد انتقال کارت به دفتر نزدیک",
        }
    }
}

/// A campaign as started: who, when, and the selection it was sent to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewCampaign {
    pub province: Option<String>,
    pub kind: CampaignKind,
    pub office: Option<OfficeId>,
    pub reason: Option<UncollectedReason>,
    pub min_days: u32,
    pub created_by: String,
    pub at: DateTime<Utc>,
    /// Messages leave the outbox this far apart (the campaign's rate limit), the first at `at`.
    pub spacing: chrono::Duration,
}

/// One message of a campaign.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CampaignMessage {
    pub application_id: i64,
    pub mobile: Mobile,
    /// Unique per application and number (the outbox keeps one message of a kind per application).
    pub kind: String,
    pub text: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CampaignStarted {
    pub id: i64,
    /// Cards the campaign reached at least one number of.
    pub cards: u64,
    pub messages: u64,
    /// Messages left out: their number had a campaign message that day already.
    pub skipped: u64,
}

/// A campaign, with what came of it.
#[derive(Debug, Clone, PartialEq)]
pub struct Campaign {
    pub id: i64,
    pub province: Option<String>,
    pub kind: CampaignKind,
    pub office: Option<OfficeId>,
    pub reason: Option<UncollectedReason>,
    pub min_days: u32,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub cards: u64,
    pub messages: u64,
    pub skipped: u64,
    pub delivered: u64,
    pub failed: u64,
    /// Cards of the campaign collected within 14 days of its start.
    pub collected_within_14_days: u64,
}

/// A card revoked while it waited at an office: the office destroys it and records that it did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ToDestroy {
    pub chip_serial: ChipSerial,
    pub tracking_code: TrackingCode,
    pub national_code: NationalCode,
    pub office: OfficeId,
    pub province_code: String,
    pub revoked_at: Option<DateTime<Utc>>,
    /// `deceased`, `lost`, `replaced`, … as the revocation recorded it.
    pub revoke_reason: Option<String>,
}

/// Cards that arrived at an office on a day, and how many of their holders a message reached.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReachCount {
    pub province_code: String,
    pub office: String,
    pub day: String,
    pub arrived: u64,
    pub reached: u64,
}

/// Deliveries after `days` whole days at the office.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WaitCount {
    pub province_code: String,
    pub office: String,
    pub days: u32,
    pub n: u64,
}

/// The backlog of a province on a day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BacklogDay {
    pub day: String,
    pub province_code: String,
    /// Cards waiting at offices (within the pickup period or past it).
    pub waiting: u64,
    /// Of them, past the pickup period.
    pub uncollected: u64,
    /// Applications enrolled whose card is not yet at an office.
    pub in_production: u64,
}

#[async_trait]
pub trait Backlog: Send + Sync {
    /// Waiting cards, longest waiting first.
    async fn waiting_cards(&self, q: &BacklogQuery) -> Result<Vec<WaitingCard>>;

    /// The waiting cards of a province (or all) counted by office, age and reason, on `now`.
    async fn backlog_by_office(
        &self,
        province: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<Vec<OfficeBacklog>>;

    /// Records a campaign and queues its messages in one transaction; a message to a number that had a
    /// campaign message that (Tehran) day already is skipped.
    async fn start_campaign(
        &self,
        c: &NewCampaign,
        messages: &[CampaignMessage],
    ) -> Result<CampaignStarted>;

    /// The campaigns of a province (or all), newest first, with their messages' fate and the cards collected
    /// since.
    async fn campaigns(&self, province: Option<&str>, limit: u32) -> Result<Vec<Campaign>>;

    /// Cards revoked while waiting at an office and not yet destroyed, at one office or in a province.
    async fn cards_to_destroy(
        &self,
        office: Option<&OfficeId>,
        province: Option<&str>,
    ) -> Result<Vec<ToDestroy>>;

    /// The office destroyed a revoked card that waited there; recorded with who and when in the history.
    /// `false` when the card is not one to destroy at that office.
    async fn card_destroyed(
        &self,
        serial: &ChipSerial,
        office: &OfficeId,
        change: &Change,
    ) -> Result<bool>;

    /// Arrivals and holders reached, by office and arrival day, since `since_day` (inclusive), in a province
    /// (or all).
    async fn reach_counts(
        &self,
        province: Option<&str>,
        since_day: &str,
    ) -> Result<Vec<ReachCount>>;

    /// Deliveries by office and days waited, in a province (or all).
    async fn wait_counts(&self, province: Option<&str>) -> Result<Vec<WaitCount>>;

    /// Writes the backlog of each province as it stands now under `day` (replacing that day's row).
    async fn snapshot_backlog(&self, day: &str) -> Result<()>;

    /// The backlog by day since `since_day` (inclusive), oldest first.
    async fn backlog_days(&self, since_day: &str) -> Result<Vec<BacklogDay>>;
}

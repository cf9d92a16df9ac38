//! The SMS outbox: messages queued (often in the same transaction as the change they announce), leased to a
//! sender, and marked sent, delivered or failed; a failing number is flagged on its application.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use domain::{Mobile, TrackingCode};

use crate::Result;

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

/// An application the end of a pickup period found uncollected, or a reminder that is due.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Waiting {
    pub application_id: i64,
    pub tracking_code: TrackingCode,
    pub ready_at: DateTime<Utc>,
}

#[async_trait]
pub trait Outbox: Send + Sync {
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

    /// A delivery report: `delivered` true or false (false flags the number as for [`Outbox::sms_failed`]).
    async fn sms_report(
        &self,
        id: i64,
        delivered: bool,
        detail: &str,
        at: DateTime<Utc>,
    ) -> Result<bool>;

    async fn sms_of(&self, application_id: i64) -> Result<Vec<OutboxSms>>;

    async fn sms_by_id(&self, id: i64) -> Result<Option<OutboxSms>>;

    /// Whether the application's holder is flagged as unreachable by SMS: once its card is ready, every "ready"
    /// message (to the typed number and to each linked number) failed; before, any message failed.
    async fn sms_flagged(&self, application_id: i64) -> Result<bool>;

    /// Cards ready for pickup whose "ready" message has not yet gone to the numbers linked to the holder's national
    /// code (Chapar), oldest first.
    async fn ready_without_linked(&self, limit: u32) -> Result<Vec<Waiting>>;

    /// The card of the application had its "ready" message sent to the linked numbers (or it has none).
    async fn linked_notified(&self, application_id: i64, at: DateTime<Utc>) -> Result<()>;

    /// Cards ready for pickup since before `ready_before` with no message of `kind` yet.
    async fn waiting_without(
        &self,
        ready_before: DateTime<Utc>,
        kind: &str,
        limit: u32,
    ) -> Result<Vec<Waiting>>;
}

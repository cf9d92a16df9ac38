//! Payment attempts and their log. A verified payment moves its application on in the same transaction.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use domain::{PaymentState, TrackingCode};

use crate::applications::Change;
use crate::Result;

#[derive(Debug, Clone)]
pub struct Payment {
    pub id: i64,
    pub application_id: i64,
    pub tracking_code: TrackingCode,
    pub amount_rials: u64,
    pub gateway: String,
    pub token: Option<String>,
    pub state: PaymentState,
    pub bank_ref: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// What applying a verified payment to its application did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PaymentApplied {
    /// The payment is now `verified` and the application moved to `awaiting_appointment`.
    Applied,
    /// The payment had already left `pending` (a repeated or late callback): nothing changed.
    AlreadyDone(PaymentState),
    /// The payment is `verified` but the application could not take it (paid by another attempt, cancelled):
    /// the money must be reversed.
    MustReverse,
}

#[async_trait]
pub trait Payments: Send + Sync {
    /// Records a new attempt in `pending`, before the bank is asked for a token.
    async fn create_payment(
        &self,
        application_id: i64,
        amount_rials: u64,
        gateway: &str,
        at: DateTime<Utc>,
    ) -> Result<i64>;

    /// Stores the bank's token for an attempt.
    async fn set_payment_token(&self, payment_id: i64, token: &str) -> Result<()>;

    async fn payment_by_token(&self, token: &str) -> Result<Option<Payment>>;

    async fn payment(&self, payment_id: i64) -> Result<Option<Payment>>;

    async fn payments_of(&self, tracking: &TrackingCode) -> Result<Vec<Payment>>;

    /// In one transaction: the payment `pending` → `verified`, and its application `awaiting_payment` →
    /// `awaiting_appointment` when it can take the money.
    async fn apply_payment(
        &self,
        payment_id: i64,
        bank_ref: &str,
        change: &Change,
    ) -> Result<PaymentApplied>;

    /// Moves a payment from `from` to `to` (with an entry in its log); `Ok(false)` when it was not in `from`.
    async fn set_payment_state(
        &self,
        payment_id: i64,
        from: PaymentState,
        to: PaymentState,
        detail: &str,
        at: DateTime<Utc>,
    ) -> Result<bool>;

    /// Whether this verified payment is the one its application took.
    async fn payment_is_applied(&self, payment_id: i64) -> Result<bool>;

    /// Payments not in a final state (pending or verified), oldest first: the reconciler's work.
    async fn unfinished_payments(&self, limit: u32) -> Result<Vec<Payment>>;

    /// The reconciler's lease on unfinished payments (pending or verified) last touched before `updated_before`,
    /// oldest first: each is touched at `now`, so that another instance's reconciler leaves it alone until it is
    /// as old again. Of two instances racing, each payment goes to one.
    async fn lease_unfinished_payments(
        &self,
        updated_before: DateTime<Utc>,
        now: DateTime<Utc>,
        limit: u32,
    ) -> Result<Vec<Payment>>;

    /// The log of a payment: (time, state, detail).
    async fn payment_log(&self, payment_id: i64) -> Result<Vec<(DateTime<Utc>, String, String)>>;
}

//! What the citizen's journey keeps: applications with their history of states, payment attempts, office-day
//! bookings, staff and their sessions, idempotency keys, and the sandbox bank's ledger. Every change of an
//! application's state is written together with its history row, in one transaction, or not at all.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use domain::{
    ApplicationState, Channel, Event, JalaliDate, Mobile, NationalCode, Office, OfficeId,
    PaymentState, ProvinceCode, Reason, Role, TrackingCode,
};

use crate::Result;

/// An application as filed, before the store gives it an id.
#[derive(Debug, Clone)]
pub struct NewApplication {
    pub tracking_code: TrackingCode,
    pub national_code: NationalCode,
    pub reason: Reason,
    pub channel: Channel,
    pub mobile: Mobile,
    pub fee_rials: u64,
    /// The counter office that filed it for a walk-in.
    pub filing_office: Option<OfficeId>,
    /// The province the applicant is attributed to, for statistics.
    pub province: Option<ProvinceCode>,
    pub actor: String,
    pub at: DateTime<Utc>,
}

/// A booked place at an office on a day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Appointment {
    pub office_id: OfficeId,
    pub date: JalaliDate,
    /// The place's number among the day's places, from 1 up to the office's daily capacity.
    pub slot: u32,
}

#[derive(Debug, Clone)]
pub struct Application {
    pub id: i64,
    pub tracking_code: TrackingCode,
    pub national_code: NationalCode,
    pub reason: Reason,
    pub channel: Channel,
    pub mobile: Mobile,
    pub fee_rials: u64,
    pub state: ApplicationState,
    pub filing_office: Option<OfficeId>,
    pub appointment: Option<Appointment>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// What filing an application did.
#[derive(Debug, Clone)]
pub enum Filed {
    Created(Box<Application>),
    /// The person already has an application in progress.
    ActiveExists,
    /// The drawn tracking code is taken: draw another.
    TrackingCodeTaken,
}

/// What a status lookup may show: the stage, and the office when the card waits there.
#[derive(Debug, Clone)]
pub struct StatusView {
    pub national_code: NationalCode,
    pub state: ApplicationState,
    pub updated_at: DateTime<Utc>,
    pub office: Option<(OfficeId, String)>,
}

/// One recorded change of an application's state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HistoryEntry {
    pub at: DateTime<Utc>,
    pub actor: String,
    pub from: Option<ApplicationState>,
    pub to: ApplicationState,
    pub event: String,
    pub reason: Option<String>,
}

/// Who changes an application, when, and why.
#[derive(Debug, Clone)]
pub struct Change {
    pub actor: String,
    pub at: DateTime<Utc>,
    pub reason: Option<String>,
}

impl Change {
    /// The same actor and time, with another reason (one change that moves several things says why for each).
    pub fn because(&self, reason: impl Into<String>) -> Change {
        Change {
            actor: self.actor.clone(),
            at: self.at,
            reason: Some(reason.into()),
        }
    }
}

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

/// An office and its free places on a day.
#[derive(Debug, Clone)]
pub struct OfficeAvailability {
    pub office: Office,
    pub free: u32,
}

/// What a booking did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Booked {
    Booked(Appointment),
    NotFound,
    /// The application is not waiting for an appointment (not paid, already booked, or further on).
    WrongState(ApplicationState),
    NoCapacity,
    UnknownOffice,
}

#[derive(Debug, Clone)]
pub struct NewUser {
    pub username: String,
    pub password_hash: String,
    pub role: Role,
    pub office: Option<OfficeId>,
    pub province: Option<ProvinceCode>,
    pub at: DateTime<Utc>,
}

#[derive(Debug, Clone)]
pub struct User {
    pub id: i64,
    pub username: String,
    pub password_hash: String,
    pub role: Role,
    pub office: Option<OfficeId>,
    pub province: Option<ProvinceCode>,
    pub created_at: DateTime<Utc>,
    pub disabled: bool,
}

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

/// One transaction in the sandbox bank's ledger.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BankTransaction {
    pub token: String,
    pub order_id: i64,
    pub amount_rials: u64,
    pub callback_url: String,
    /// `created`, `paid`, `cancelled`, `failed`, `verified`, `settled`, `reversed`.
    pub state: String,
    pub ref_id: Option<String>,
    pub created_at: DateTime<Utc>,
}

/// An application for a benchmark or a demo load, in the state it should have.
#[derive(Debug, Clone)]
pub struct SeedApplication {
    pub application: NewApplication,
    pub state: ApplicationState,
}

#[async_trait]
pub trait Journey: Send + Sync {
    // --- Applications --------------------------------------------------------------------------------------

    /// Files an application in `awaiting_payment`, with its first history row, unless the person has one active.
    async fn file_application(&self, new: &NewApplication) -> Result<Filed>;

    async fn application(&self, tracking: &TrackingCode) -> Result<Option<Application>>;

    /// The active application of a person, if any.
    async fn active_application(&self, code: &NationalCode) -> Result<Option<Application>>;

    /// Whose application this is and its state: the leanest lookup (verification's hot path).
    async fn owner_and_state(
        &self,
        tracking: &TrackingCode,
    ) -> Result<Option<(NationalCode, ApplicationState)>>;

    /// The fast path of status lookups.
    async fn status(&self, tracking: &TrackingCode) -> Result<Option<StatusView>>;

    /// Moves an application from `from` by `event` (the domain decides the target), with its history row;
    /// `Ok(false)` when it was not in `from` any more (someone else moved it first).
    async fn transition(
        &self,
        tracking: &TrackingCode,
        from: ApplicationState,
        event: Event,
        change: &Change,
    ) -> Result<bool>;

    async fn history(&self, tracking: &TrackingCode) -> Result<Vec<HistoryEntry>>;

    /// Writes applications in bulk, in the states given (benchmarks and demo data); history rows say so.
    async fn seed_applications(&self, batch: &[SeedApplication]) -> Result<()>;

    async fn count_applications(&self) -> Result<u64>;

    // --- Payments ----------------------------------------------------------------------------------------

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

    /// The log of a payment: (time, state, detail).
    async fn payment_log(&self, payment_id: i64) -> Result<Vec<(DateTime<Utc>, String, String)>>;

    // --- Appointments ------------------------------------------------------------------------------------

    /// The offices of a province with their free places on `date`, most free first.
    async fn offices_by_free_capacity(
        &self,
        province: ProvinceCode,
        date: JalaliDate,
        limit: u32,
    ) -> Result<Vec<OfficeAvailability>>;

    /// Takes one place of the office's daily capacity for an application waiting for an appointment. Never
    /// books an office past its capacity, whatever the concurrency.
    async fn book(
        &self,
        tracking: &TrackingCode,
        office: &OfficeId,
        date: JalaliDate,
        change: &Change,
    ) -> Result<Booked> {
        self.book_from(tracking, office, date, 1, change).await
    }

    /// As [`Journey::book`], giving only a place numbered `first_slot` or later (today's places whose time is
    /// over are not given): the lowest free one, `NoCapacity` when none is left up to the capacity.
    async fn book_from(
        &self,
        tracking: &TrackingCode,
        office: &OfficeId,
        date: JalaliDate,
        first_slot: u32,
        change: &Change,
    ) -> Result<Booked>;

    /// Frees the application's place; `None` when it had none.
    async fn cancel_booking(
        &self,
        tracking: &TrackingCode,
        change: &Change,
    ) -> Result<Option<Appointment>>;

    /// Places taken at an office on a day.
    async fn booked(&self, office: &OfficeId, date: JalaliDate) -> Result<u32>;

    // --- Staff -------------------------------------------------------------------------------------------

    async fn create_user(&self, user: &NewUser) -> Result<i64>;

    async fn user_by_name(&self, username: &str) -> Result<Option<User>>;

    async fn create_session(
        &self,
        token_hash: &str,
        user_id: i64,
        expires_at: DateTime<Utc>,
    ) -> Result<()>;

    /// The user of a session token (by its hash), with the session's expiry.
    async fn session(&self, token_hash: &str) -> Result<Option<(User, DateTime<Utc>)>>;

    /// Ends a session (logout); `Ok(false)` when there was none.
    async fn end_session(&self, token_hash: &str) -> Result<bool>;

    /// Disables (or enables again) a user; disabling ends all their sessions in the same transaction.
    /// `Ok(false)` when there is no such user.
    async fn set_user_disabled(&self, username: &str, disabled: bool) -> Result<bool>;

    /// Replaces a user's password hash and ends all their sessions; `Ok(false)` when there is no such user.
    async fn set_user_password(&self, username: &str, password_hash: &str) -> Result<bool>;

    /// Ends every session of a user; how many there were.
    async fn end_user_sessions(&self, username: &str) -> Result<u64>;

    // --- Idempotency -------------------------------------------------------------------------------------

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

    /// Deletes staff sessions that expired before `now`; the number deleted.
    async fn sessions_purge(&self, now: DateTime<Utc>) -> Result<u64>;

    /// How many staff accounts exist (disabled ones included).
    async fn count_users(&self) -> Result<u64>;

    // --- The sandbox bank's ledger -----------------------------------------------------------------------

    async fn bank_insert(&self, tx: &BankTransaction) -> Result<()>;

    async fn bank_get(&self, token: &str) -> Result<Option<BankTransaction>>;

    /// Moves a bank transaction from one of `from` to `to`; `Ok(false)` when it was in none of them.
    async fn bank_update(
        &self,
        token: &str,
        from: &[&str],
        to: &str,
        ref_id: Option<&str>,
    ) -> Result<bool>;
}

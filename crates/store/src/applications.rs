//! Applications with their history of states. Every change of an application's state is written together with
//! its history row (and the statistics counters), in one transaction, or not at all.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use domain::{
    ApplicationState, Channel, Event, HistoryEvent, HistoryReason, Mobile, NationalCode, OfficeId,
    ProvinceCode, Reason, TrackingCode,
};

use crate::appointments::Appointment;
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
    /// The row, for matching change notices (see [`crate::changes`]).
    pub row: crate::changes::ApplicationRow,
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
    pub event: HistoryEvent,
    pub reason: Option<HistoryReason>,
}

/// Who changes an application, when, and why.
#[derive(Debug, Clone)]
pub struct Change {
    pub actor: String,
    pub at: DateTime<Utc>,
    pub reason: Option<HistoryReason>,
}

impl Change {
    /// The same actor and time, with another reason (one change that moves several things says why for each).
    pub fn because(&self, reason: HistoryReason) -> Change {
        Change {
            actor: self.actor.clone(),
            at: self.at,
            reason: Some(reason),
        }
    }
}

/// An application for a benchmark or a demo load, in the state it should have.
#[derive(Debug, Clone)]
pub struct SeedApplication {
    pub application: NewApplication,
    pub state: ApplicationState,
}

#[async_trait]
pub trait Applications: Send + Sync {
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
}

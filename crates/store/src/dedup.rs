//! The 1:N de-duplication of enrollments and its adjudication: which enrollments wait for a search, what the 1:N
//! gallery holds, the hits found and a supervisor's decision on them.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use domain::{Decision, OfficeId, TrackingCode};

use crate::applications::Change;
use crate::Result;

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

#[async_trait]
pub trait Dedup: Send + Sync {
    /// Enrollments not yet searched, oldest first.
    async fn dedup_pending(&self, limit: u32) -> Result<Vec<GalleryEntry>>;

    /// Leases up to `limit` enrollments not yet searched, oldest first, to this pass until `lease_until`: another
    /// instance's pass skips them until then (and takes them up after, if this one died).
    async fn dedup_claim(
        &self,
        limit: u32,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
    ) -> Result<Vec<GalleryEntry>>;

    /// Gives a lease back before its time (a search that could not be completed: searched again at the next pass).
    async fn dedup_release(&self, application_id: i64) -> Result<()>;

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
}

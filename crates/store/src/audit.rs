//! What the office desks did that someone must be able to look into afterwards: registry inquiries refused at a
//! walk-in filing (who asked, where, when, for which masked national code, with which answer), so that an operator
//! probing the civil registry shows; and the 1:1 fingerprint matches tried to bring a card to another office.
//!
//! Rows are only added, never changed.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use domain::OfficeId;

use crate::Result;

/// A registry inquiry refused at an office's desk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InquiryRefusal {
    /// Who asked, as histories name actors (`operator:USERNAME`).
    pub operator: String,
    pub office: OfficeId,
    pub at: DateTime<Utc>,
    /// The national code asked about, masked (`00******48`).
    pub national_code: String,
    /// The refusal's error code (`registry_mismatch`, `deceased`, `underage`, `mobile_not_owned`, …).
    pub outcome: String,
}

/// A fingerprint match tried at an office to have a card sent there.
#[derive(Debug, Clone, PartialEq)]
pub struct TransferAttempt {
    pub application_id: i64,
    pub office: OfficeId,
    pub operator: String,
    pub at: DateTime<Utc>,
    pub position: u8,
    pub score: f64,
    pub matched: bool,
}

#[async_trait]
pub trait Audit: Send + Sync {
    async fn record_inquiry_refusal(&self, refusal: &InquiryRefusal) -> Result<()>;

    /// The refusals of one operator's inquiries (`operator:USERNAME`), newest first.
    async fn inquiry_refusals(&self, operator: &str, limit: u32) -> Result<Vec<InquiryRefusal>>;

    async fn record_transfer_attempt(&self, attempt: &TransferAttempt) -> Result<()>;

    /// The transfer attempts on one application, oldest first.
    async fn transfer_attempts(&self, application_id: i64) -> Result<Vec<TransferAttempt>>;
}

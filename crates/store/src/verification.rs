//! What the verification service keeps: agencies (banks and others) with their allowed purposes and rate, their
//! API keys (only a SHA-256 of each is kept, so a leaked table yields no usable key), and the audit of every
//! verification (agency, purpose, time, result), which the person can read back.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use domain::NationalCode;

use crate::Result;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Agency {
    pub id: i64,
    pub name: String,
    /// What the agency may verify for (`account_opening`, `loan`, …); a call names one of them.
    pub purposes: Vec<String>,
    pub rate_per_minute: u32,
    pub created_at: DateTime<Utc>,
}

/// An agency's key as the service checks it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiKey {
    pub id: i64,
    /// The key's public prefix (shown in listings and used to revoke it).
    pub prefix: String,
    pub agency: Agency,
    pub revoked: bool,
}

/// One audited verification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerificationRecord {
    pub agency_id: i64,
    pub key_id: i64,
    pub purpose: String,
    pub national_code: NationalCode,
    /// `receipt`, `card`, or empty when nothing matched.
    pub document: String,
    pub matched: bool,
    pub at: DateTime<Utc>,
}

/// A verification as the person sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerificationSeen {
    pub agency: String,
    pub purpose: String,
    pub matched: bool,
    pub at: DateTime<Utc>,
}

#[async_trait]
pub trait Agencies: Send + Sync {
    async fn create_agency(
        &self,
        name: &str,
        purposes: &[String],
        rate_per_minute: u32,
        at: DateTime<Utc>,
    ) -> Result<i64>;

    async fn agency_by_name(&self, name: &str) -> Result<Option<Agency>>;

    /// Adds a key (a new one beside the old ones, for rotation).
    async fn add_api_key(
        &self,
        agency_id: i64,
        prefix: &str,
        key_hash: &str,
        at: DateTime<Utc>,
    ) -> Result<i64>;

    /// Revokes the key with this prefix; `Ok(false)` when there is none or it was revoked already.
    async fn revoke_api_key(&self, prefix: &str, at: DateTime<Utc>) -> Result<bool>;

    async fn api_key(&self, key_hash: &str) -> Result<Option<ApiKey>>;

    /// Writes audit records, all or none.
    async fn record_verifications(&self, records: &[VerificationRecord]) -> Result<()>;

    /// The verifications of a person, newest first.
    async fn verifications_of(
        &self,
        code: &NationalCode,
        limit: u32,
    ) -> Result<Vec<VerificationSeen>>;
}

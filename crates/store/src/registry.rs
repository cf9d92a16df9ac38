//! The civil registry and the counter offices, as loaded from their files, and the record of those loads. The
//! persons table is the largest thing Shenas keeps: it is written in bulk (see [`PersonWriter`]), each backend by
//! its own fastest path.

use async_trait::async_trait;
use domain::{Mobile, NationalCode, Office, OfficeId, Person, ProvinceCode};

use crate::{Result, StoreError};

/// What one batch write did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct UpsertCounts {
    /// Rows that did not exist before.
    pub inserted: u64,
    /// Rows that existed and changed.
    pub updated: u64,
    /// Rows that existed and were identical: nothing was written.
    pub unchanged: u64,
}

impl std::ops::AddAssign for UpsertCounts {
    fn add_assign(&mut self, o: Self) {
        self.inserted += o.inserted;
        self.updated += o.updated;
        self.unchanged += o.unchanged;
    }
}

/// A finished registry or offices import, as recorded for the administrators who answer for the data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportRecord {
    pub kind: ImportKind,
    pub source: String,
    pub actor: String,
    pub started_at: chrono::DateTime<chrono::Utc>,
    pub finished_at: chrono::DateTime<chrono::Utc>,
    pub counts: UpsertCounts,
    pub rejected: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImportKind {
    Registry,
    Offices,
}

impl ImportKind {
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Registry => "registry",
            Self::Offices => "offices",
        }
    }
}

#[async_trait]
pub trait Registry: Send + Sync {
    // --- The civil registry -------------------------------------------------------------------------------

    /// Inserts or updates persons, with their mobile numbers, in one transaction: either the whole batch lands or
    /// nothing does. A national code must appear at most once in a batch (`StoreError::Invalid` otherwise).
    async fn upsert_persons(&self, batch: &[Person]) -> Result<UpsertCounts> {
        let mut w = self.person_writer().await?;
        w.write(batch).await?;
        w.commit().await
    }

    /// A bulk writer: one transaction that takes several batches (each as [`Registry::upsert_persons`] would), so
    /// a load can commit every few hundred thousand rows while holding only one small batch in memory. Dropped
    /// without `commit`, nothing it wrote lands.
    async fn person_writer(&self) -> Result<Box<dyn PersonWriter>>;

    /// A writer for a whole first load into an empty registry, where the backend has a faster path for it (one
    /// transaction, indexes built once at the end). `None` where the registry is not empty or there is no such
    /// path; then use [`Registry::person_writer`]. Nothing lands before `commit`.
    async fn first_load_writer(&self) -> Result<Option<Box<dyn PersonWriter>>> {
        Ok(None)
    }

    async fn person(&self, code: &NationalCode) -> Result<Option<Person>>;

    async fn count_persons(&self) -> Result<u64>;

    /// National codes whose registry record lists this mobile number.
    async fn national_codes_by_mobile(&self, mobile: &Mobile) -> Result<Vec<NationalCode>>;

    // --- Offices ------------------------------------------------------------------------------------------

    /// Inserts or updates offices in one transaction.
    async fn upsert_offices(&self, batch: &[Office]) -> Result<UpsertCounts>;

    async fn office(&self, id: &OfficeId) -> Result<Option<Office>>;

    async fn offices_in_province(&self, province: ProvinceCode) -> Result<Vec<Office>>;

    async fn count_offices(&self) -> Result<u64>;

    // --- Audit --------------------------------------------------------------------------------------------

    async fn record_import(&self, record: &ImportRecord) -> Result<()>;

    async fn imports(&self, limit: u32) -> Result<Vec<ImportRecord>>;
}

/// See [`Registry::person_writer`].
#[async_trait]
pub trait PersonWriter: Send {
    /// Adds a batch (each national code at most once in it) to the open transaction.
    async fn write(&mut self, batch: &[Person]) -> Result<()>;
    /// Commits everything written, and says what it did.
    async fn commit(self: Box<Self>) -> Result<UpsertCounts>;
}

/// Rejects a batch that names the same key twice: an upsert cannot touch one row twice in a statement, and the
/// caller's order would be lost.
pub fn check_unique<'a, K: Eq + std::hash::Hash + 'a>(
    keys: impl Iterator<Item = &'a K>,
) -> Result<()> {
    let mut seen = std::collections::HashSet::new();
    for k in keys {
        if !seen.insert(k) {
            return Err(StoreError::Invalid(
                "the same key appears twice in one batch".into(),
            ));
        }
    }
    Ok(())
}

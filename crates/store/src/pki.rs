//! The national PKI's records: the certificates issued (authorities, document signers, responders and holders'
//! certificates), the status changes of certificates (holds, releases, revocations, only ever added), CRL numbers,
//! and the documents (one per card put in a batch: its document number, never reused, and its chip data).
//!
//! Values here are plain (hex serials, role and reason names as `shenas-pki` writes them), so that this crate
//! stays free of cryptography; the server converts. Private keys are never stored here.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use crate::Result;

/// One certificate as kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredCertificate {
    /// Lowercase hex of the serial number's content octets.
    pub serial: String,
    /// The issuing authority (`root`, `citizen-ca`, `csca`); `None` for a self-signed root.
    pub authority: Option<String>,
    /// `root_ca`, `citizen_ca`, `csca`, `document_signer`, `citizen_ocsp`, `csca_ocsp`, `holder_authentication`,
    /// `holder_signing`.
    pub role: String,
    pub subject: String,
    pub not_before: DateTime<Utc>,
    pub not_after: DateTime<Utc>,
    pub signing_until: Option<DateTime<Utc>>,
    /// The key store label of the private key (authorities only).
    pub key_label: Option<String>,
    pub der: Vec<u8>,
    /// SHA-256 (hex) of the certified SubjectPublicKeyInfo.
    pub key_sha256: String,
    /// For a holder's certificate: the card's application and document.
    pub application_id: Option<i64>,
    pub document_number: Option<String>,
    pub issued_at: DateTime<Utc>,
}

/// One status change of one certificate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertificateChange {
    /// Order of recording (0 for a change not yet recorded).
    pub id: i64,
    /// The issuing authority.
    pub authority: String,
    pub serial: String,
    /// `keyCompromise`, `superseded`, `cessationOfOperation`, `certificateHold` or `removeFromCRL`.
    pub reason: String,
    pub at: DateTime<Utc>,
}

/// What recording a card's holder certificates did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HolderIssued {
    /// Recorded, with their holds.
    Issued,
    /// The document already has certificates (answered instead; nothing recorded).
    Existing(Vec<StoredCertificate>),
    /// One of the keys is certified for another card already.
    KeyTaken,
}

/// A card put in a batch: its document number and the chip data made for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Document {
    pub document_number: String,
    pub application_id: i64,
    pub batch_id: i64,
    pub assigned_at: DateTime<Utc>,
    /// The chip data in the blob store, once made.
    pub lds_key: Option<String>,
    /// The document signer's serial (hex) that signed it.
    pub ds_serial: Option<String>,
}

#[async_trait]
pub trait Pki: Send + Sync {
    /// Every certificate that is not a holder's (roots, CAs, document signers, responders), oldest first.
    async fn pki_authorities(&self) -> Result<Vec<StoredCertificate>>;

    /// Records authority certificates (a ceremony's output). With `initialising`, refuses (`Ok(false)`, nothing
    /// recorded) when any certificate of the roles `root_ca`, `citizen_ca` or `csca` exists: two `pki init` at once
    /// leave one hierarchy.
    async fn record_authorities(
        &self,
        certificates: &[StoredCertificate],
        initialising: bool,
    ) -> Result<bool>;

    /// The holder certificates of a document (a card in a batch), authentication first.
    async fn document_certificates(&self, document_number: &str) -> Result<Vec<StoredCertificate>>;

    /// Of these applications, those whose document in `batch_id` has holder certificates.
    async fn certified_in_batch(&self, batch_id: i64, application_ids: &[i64]) -> Result<Vec<i64>>;

    /// The serial of the holder certificate of this key (SHA-256 hex of its SubjectPublicKeyInfo), if any.
    async fn certificate_with_key(&self, key_sha256: &str) -> Result<Option<String>>;

    /// Records a card's two holder certificates with their holds, unless the document has certificates already
    /// or a key is certified for another card; all in one transaction.
    async fn record_holder_certificates(
        &self,
        certificates: &[StoredCertificate],
        holds: &[CertificateChange],
    ) -> Result<HolderIssued>;

    /// The changes of a certificate of `authority`, oldest first; `None` when that authority issued no certificate
    /// with this serial.
    async fn certificate_changes(
        &self,
        authority: &str,
        serial: &str,
    ) -> Result<Option<Vec<CertificateChange>>>;

    /// Every change of the certificates `authority` issued, oldest first (for its CRL).
    async fn authority_changes(&self, authority: &str) -> Result<Vec<CertificateChange>>;

    /// Changes recorded after `after_id`, oldest first, at most `limit` (what caches must forget).
    async fn changes_since(&self, after_id: i64, limit: u32) -> Result<Vec<CertificateChange>>;

    /// The id of the last change recorded (0 when none).
    async fn last_change_id(&self) -> Result<i64>;

    /// Appends status changes (already checked against each certificate's state machine by the caller).
    async fn record_changes(&self, changes: &[CertificateChange]) -> Result<()>;

    /// The next CRL number of `authority` (1, 2, …; never repeated).
    async fn next_crl_number(&self, authority: &str) -> Result<u64>;

    /// Documents whose chip data is not made yet, oldest batch first.
    async fn documents_without_chip_data(&self, limit: u32) -> Result<Vec<Document>>;

    /// Records the chip data made for a document, unless some was recorded first (another instance made it at
    /// the same time): `true` when this was recorded, `false` when the document keeps the data it had.
    async fn set_chip_data(
        &self,
        document_number: &str,
        lds_key: &str,
        ds_serial: &str,
    ) -> Result<bool>;

    async fn document(&self, document_number: &str) -> Result<Option<Document>>;

    /// The documents of a batch, by application.
    async fn batch_documents(&self, batch_id: i64) -> Result<Vec<Document>>;
}

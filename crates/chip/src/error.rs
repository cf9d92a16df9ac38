//! The one error type of the crate. Every variant names the input or the step that failed in plain English, so
//! that the caller can log it (it never carries biometric data, key material or a whole national code) and the
//! server can map it to its own answer. Input errors come from the constructors of the typed inputs; the rest
//! from making the files.

use thiserror::Error;

/// Why chip data could not be made or read.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum ChipError {
    /// A document number that is not 9 characters of `0-9`, `A-Z` and trailing `<`.
    #[error("invalid document number: {0}")]
    DocumentNumber(String),
    /// A name that cannot be written in the MRZ (empty, or a character outside the transliteration table).
    #[error("invalid name: {0}")]
    Name(String),
    /// A free-text field (place of birth, address, authority) that is empty, too long or holds control characters.
    #[error("invalid {field}: {reason}")]
    Text { field: &'static str, reason: String },
    /// Dates that do not fit the MRZ or contradict each other.
    #[error("invalid dates: {0}")]
    Dates(String),
    /// The face image is not a baseline or progressive JPEG whose header can be read.
    #[error("invalid face image: {0}")]
    FaceImage(String),
    /// The displayed signature cannot be decoded or re-encoded.
    #[error("invalid signature image: {0}")]
    SignatureImage(String),
    /// A finger record that is not a one-view ISO/IEC 19794-2:2005 record of a known finger.
    #[error("invalid finger record: {0}")]
    Finger(String),
    /// The Document Signer's certificate is unreadable, of the wrong key type, or not valid on the issue date.
    #[error("document signer certificate: {0}")]
    SignerCertificate(String),
    /// The Document Signer refused or failed to sign.
    #[error("document signer failed: {0}")]
    Signing(String),
    /// A value could not be DER-encoded (a length beyond what the encoder allows).
    #[error("encoding failed: {0}")]
    Encoding(String),
    /// Bytes read back (an EF.SOD, a data group) are not what the standard says.
    #[error("malformed {what}: {reason}")]
    Malformed { what: &'static str, reason: String },
    /// A data group's hash differs from the one the EF.SOD holds, or the EF.SOD has no hash for it.
    #[error("hash mismatch for data group {0}")]
    HashMismatch(u8),
}

impl ChipError {
    pub(crate) fn malformed(what: &'static str, reason: impl ToString) -> Self {
        Self::Malformed {
            what,
            reason: reason.to_string(),
        }
    }

    pub(crate) fn encoding(e: impl ToString) -> Self {
        Self::Encoding(e.to_string())
    }
}

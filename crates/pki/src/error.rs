//! The crate's one error type. Messages are English and name what was refused; the server adds
//! Persian. No variant ever carries key material or a PIN.

use std::time::SystemTime;

/// Everything that can go wrong in the PKI.
#[derive(Debug, thiserror::Error)]
pub enum PkiError {
    /// The key store holds no key under this label.
    #[error("no key labelled {0:?} in the key store")]
    KeyNotFound(String),
    /// A key under this label already exists; keys are never overwritten.
    #[error("a key labelled {0:?} already exists in the key store")]
    KeyExists(String),
    /// A key label that is empty, too long or has characters other than `[a-z0-9-]`.
    #[error("invalid key label {0:?}: use 1 to 64 characters of a-z, 0-9 and '-'")]
    InvalidKeyLabel(String),
    /// The sealed-file key store failed (I/O, a file that does not open with the master key).
    #[error("key store: {0}")]
    KeyStore(String),
    /// The PKCS#11 module failed or is misconfigured.
    #[error("PKCS#11: {0}")]
    Pkcs11(String),
    /// `init` was asked for a PKI that already has its authorities.
    #[error("the PKI is already initialised ({0} exists); nothing was created")]
    AlreadyInitialised(&'static str),
    /// An operation needs an authority that has not been created (run `pki init`).
    #[error("the PKI is not initialised: there is no {0} certificate")]
    NotInitialised(&'static str),
    /// A public key offered for certification is not a valid SubjectPublicKeyInfo of a point on
    /// an accepted curve.
    #[error("invalid public key: {0}")]
    InvalidPublicKey(String),
    /// The two keys of one card are the same key.
    #[error("the authentication and signing keys are the same key; the chip must generate two key pairs")]
    DuplicateKey,
    /// A holder name or national code that cannot go into a certificate subject.
    #[error("invalid holder identity: {0}")]
    InvalidHolder(String),
    /// No document signer can sign now (none issued, or all past their signing period).
    #[error("no document signer is usable now; run `pki rotate-ds`")]
    NoDocumentSigner,
    /// The issuing authority would expire before the certificate it is asked to issue.
    #[error("{authority} expires before a certificate issued now would ({not_after:?}); renew the authority")]
    AuthorityExpiresTooSoon {
        /// Which authority.
        authority: &'static str,
        /// Its notAfter.
        not_after: SystemTime,
    },
    /// A certificate status change that the state machine does not allow.
    #[error("status change refused: {0}")]
    InvalidTransition(String),
    /// A certificate or record that does not decode, or a value that does not encode.
    #[error("encoding: {0}")]
    Encoding(String),
    /// A configuration value that cannot be used.
    #[error("invalid PKI configuration: {0}")]
    Config(String),
}

impl From<der::Error> for PkiError {
    fn from(e: der::Error) -> Self {
        PkiError::Encoding(e.to_string())
    }
}

impl From<x509_cert::builder::Error> for PkiError {
    fn from(e: x509_cert::builder::Error) -> Self {
        PkiError::Encoding(e.to_string())
    }
}

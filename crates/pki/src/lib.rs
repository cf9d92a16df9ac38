//! The national PKI of the smart card programme, as a library with no server, store or HTTP.
//!
//! - Hierarchy ([`Pki`]): "IRAN Root CA1" → "IRAN Digital Citizen CA" → holder authentication
//!   and signing certificates; the CSCA → document signers (ICAO Doc 9303 Part 12); a delegated
//!   OCSP responder under each issuing CA. `init`, `rotate_ds`, `renew_responders`, `status`.
//! - Keys behind a port ([`KeyStore`]): sealed files by default ([`SealedFileKeys`]), or a
//!   PKCS#11 token ([`Pkcs11Keys`]) where keys are generated and used without ever leaving it.
//! - Holder certificates from the chip's public keys, checked to be curve points
//!   ([`Pki::issue_holder_certificates`]).
//! - Certificate status ([`CertStatus`], [`StatusChange`]): a state machine of its own, apart
//!   from the card's; the caller persists the changes.
//! - CRLs ([`Pki::crl`]) and an RFC 6960 OCSP responder core with pre-signed, cached answers
//!   ([`ocsp::OcspResponder`]).
//!
//! ECDSA throughout: P-384 with SHA-384 for the two roots (20- and 15-year keys), P-256 with
//! SHA-256 for everything that signs often or sits on a chip.
//!
//! No function of this crate logs, returns or stores a private key in clear.

#![forbid(unsafe_code)]

mod cert;
mod config;
mod crl;
mod error;
mod holder;
pub mod keys;
pub mod ocsp;
mod pki;
pub mod profile;
mod records;
#[cfg(feature = "softhsm")]
pub mod softhsm;
mod status;

pub use config::{PkiConfig, Validities};
pub use error::PkiError;
pub use holder::{HolderCertificates, HolderRequest};
pub use keys::{Curve, KeyLabel, KeyStore, Pkcs11Config, Pkcs11Keys, PublicKey, SealedFileKeys};
pub use pki::Pki;
pub use records::{Authority, CertStatus, CertificateRecord, Reason, Role, Serial, StatusChange};
pub use status::{Status, StatusEntry, CA_WARNING_DAYS, DS_WARNING_DAYS, OCSP_WARNING_DAYS};

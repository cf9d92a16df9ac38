//! OCSP (RFC 6960): the responder core the `/ocsp` endpoint calls, and the ASN.1 it speaks.
//!
//! Design (see `docs/pki.md`): answers are signed by a **delegated responder certificate** per
//! issuing CA (id-kp-OCSPSigning, id-pkix-ocsp-nocheck, 90 days) whose key is a P-256 key in the
//! key store, so that the CA keys are not used on the request path. A signed answer is kept per
//! (issuer, CertID hash algorithm, serial) and served as is until it is `refresh_after` old or
//! the caller invalidates that serial on a status change; the lookup is a hash-map read under a
//! sharded read lock, returning a shared `Arc<[u8]>` without copying. Requests with several
//! certificates are answered fresh (not cached). Nonces are not echoed (RFC 5019), which is
//! what makes pre-produced answers possible.
//!
//! This module never sees a private key: it signs through the key store.

mod asn1;
mod responder;

pub use asn1::*;
pub use responder::{error_response, OcspConfig, OcspResponder, OcspSigning, Pending, Step};

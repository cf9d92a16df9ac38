//! The ASN.1 of RFC 6960 (OCSP), as `der` types: requests are decoded borrowing from the
//! request bytes (no copies on the answer path), responses are encoded from the same types.
//! Written here because `x509-ocsp` 0.2 is built on `x509-cert` 0.2 / `der` 0.7 and does not
//! mix with the `der` 0.8 family the rest of the crate (and the chip crate) uses.
//!
//! Decoding is strict DER (the `der` crate refuses BER forms); the fuzz target
//! `fuzz/fuzz_targets/ocsp_request.rs` drives [`OcspRequest`] and the responder with
//! arbitrary bytes.

use der::asn1::{
    AnyRef, BitStringRef, GeneralizedTime, IntRef, Null, ObjectIdentifier, OctetStringRef,
};
use der::{Choice, Enumerated, Sequence};
use spki::AlgorithmIdentifierRef;
use x509_cert::ext::pkix::CrlReason;

/// `Version ::= INTEGER { v1(0) }`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Enumerated)]
#[asn1(type = "INTEGER")]
#[repr(u8)]
pub enum Version {
    /// The only version.
    #[default]
    V1 = 0,
}

/// `OCSPRequest ::= SEQUENCE { tbsRequest TBSRequest, optionalSignature [0] EXPLICIT Signature OPTIONAL }`.
#[derive(Clone, Debug, PartialEq, Eq, Sequence)]
pub struct OcspRequest<'a> {
    /// The request proper.
    pub tbs_request: TbsRequest<'a>,
    /// A requester's signature: accepted and not checked (the responder answers anyone).
    #[asn1(context_specific = "0", tag_mode = "EXPLICIT", optional = "true")]
    pub optional_signature: Option<AnyRef<'a>>,
}

/// `TBSRequest`.
#[derive(Clone, Debug, PartialEq, Eq, Sequence)]
pub struct TbsRequest<'a> {
    /// v1.
    #[asn1(
        context_specific = "0",
        tag_mode = "EXPLICIT",
        default = "Default::default"
    )]
    pub version: Version,
    /// Ignored.
    #[asn1(context_specific = "1", tag_mode = "EXPLICIT", optional = "true")]
    pub requestor_name: Option<AnyRef<'a>>,
    /// The certificates asked about.
    pub request_list: Vec<Request<'a>>,
    /// Ignored (a nonce is not echoed: answers are pre-produced, RFC 5019).
    #[asn1(context_specific = "2", tag_mode = "EXPLICIT", optional = "true")]
    pub request_extensions: Option<AnyRef<'a>>,
}

/// `Request ::= SEQUENCE { reqCert CertID, singleRequestExtensions [0] EXPLICIT Extensions OPTIONAL }`.
#[derive(Clone, Debug, PartialEq, Eq, Sequence)]
pub struct Request<'a> {
    /// Which certificate.
    pub req_cert: CertId<'a>,
    /// Ignored.
    #[asn1(context_specific = "0", tag_mode = "EXPLICIT", optional = "true")]
    pub single_request_extensions: Option<AnyRef<'a>>,
}

/// `CertID`: the issuer by hashes of its name and key, and the serial.
#[derive(Clone, Debug, PartialEq, Eq, Sequence)]
pub struct CertId<'a> {
    /// The hash used for the two issuer hashes.
    pub hash_algorithm: AlgorithmIdentifierRef<'a>,
    /// Hash of the issuer's DER-encoded subject name.
    pub issuer_name_hash: &'a OctetStringRef,
    /// Hash of the issuer's public key bits.
    pub issuer_key_hash: &'a OctetStringRef,
    /// The certificate's serial number.
    pub serial_number: IntRef<'a>,
}

/// `OCSPResponseStatus`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Enumerated)]
#[repr(u8)]
pub enum OcspResponseStatus {
    /// An answer follows.
    Successful = 0,
    /// The request does not parse.
    MalformedRequest = 1,
    /// The responder failed.
    InternalError = 2,
    /// Try again later (e.g. the status store is unreachable).
    TryLater = 3,
    /// The requester must sign (never sent here).
    SigRequired = 5,
    /// This responder does not answer for that issuer.
    Unauthorized = 6,
}

/// `OCSPResponse`.
#[derive(Clone, Debug, PartialEq, Eq, Sequence)]
pub struct OcspResponse<'a> {
    /// Whether an answer follows.
    pub response_status: OcspResponseStatus,
    /// The answer.
    #[asn1(context_specific = "0", tag_mode = "EXPLICIT", optional = "true")]
    pub response_bytes: Option<ResponseBytes<'a>>,
}

/// `ResponseBytes`.
#[derive(Clone, Debug, PartialEq, Eq, Sequence)]
pub struct ResponseBytes<'a> {
    /// id-pkix-ocsp-basic.
    pub response_type: ObjectIdentifier,
    /// The DER BasicOCSPResponse.
    pub response: &'a OctetStringRef,
}

/// `BasicOCSPResponse`.
#[derive(Clone, Debug, PartialEq, Eq, Sequence)]
pub struct BasicOcspResponse<'a> {
    /// The signed ResponseData, as encoded.
    pub tbs_response_data: AnyRef<'a>,
    /// The responder's signature algorithm.
    pub signature_algorithm: AlgorithmIdentifierRef<'a>,
    /// The signature over `tbs_response_data`.
    pub signature: BitStringRef<'a>,
    /// The delegated responder's certificate.
    #[asn1(context_specific = "0", tag_mode = "EXPLICIT", optional = "true")]
    pub certs: Option<Vec<AnyRef<'a>>>,
}

/// `ResponseData`.
#[derive(Clone, Debug, PartialEq, Eq, Sequence)]
pub struct ResponseData<'a> {
    /// v1.
    #[asn1(
        context_specific = "0",
        tag_mode = "EXPLICIT",
        default = "Default::default"
    )]
    pub version: Version,
    /// Who signed.
    pub responder_id: ResponderId<'a>,
    /// When it was signed.
    pub produced_at: GeneralizedTime,
    /// One per certificate asked about.
    pub responses: Vec<SingleResponse<'a>>,
    /// None sent.
    #[asn1(context_specific = "1", tag_mode = "EXPLICIT", optional = "true")]
    pub response_extensions: Option<AnyRef<'a>>,
}

/// `ResponderID`.
#[derive(Clone, Debug, PartialEq, Eq, Choice)]
pub enum ResponderId<'a> {
    /// By the responder's subject name.
    #[asn1(context_specific = "1", tag_mode = "EXPLICIT", constructed = "true")]
    ByName(AnyRef<'a>),
    /// By the SHA-1 of the responder's public key bits (what this responder sends).
    #[asn1(context_specific = "2", tag_mode = "EXPLICIT", constructed = "true")]
    ByKey(&'a OctetStringRef),
}

/// `SingleResponse`.
#[derive(Clone, Debug, PartialEq, Eq, Sequence)]
pub struct SingleResponse<'a> {
    /// The CertID as asked.
    pub cert_id: CertId<'a>,
    /// The answer.
    pub cert_status: OcspCertStatus,
    /// When the status was known to be so.
    pub this_update: GeneralizedTime,
    /// When a newer answer will be available.
    #[asn1(context_specific = "0", tag_mode = "EXPLICIT", optional = "true")]
    pub next_update: Option<GeneralizedTime>,
    /// None sent.
    #[asn1(context_specific = "1", tag_mode = "EXPLICIT", optional = "true")]
    pub single_extensions: Option<AnyRef<'a>>,
}

/// `CertStatus`.
#[derive(Clone, Debug, PartialEq, Eq, Choice)]
pub enum OcspCertStatus {
    /// Good.
    #[asn1(context_specific = "0", tag_mode = "IMPLICIT")]
    Good(Null),
    /// Revoked (or on hold: reason certificateHold).
    #[asn1(context_specific = "1", tag_mode = "IMPLICIT", constructed = "true")]
    Revoked(RevokedInfo),
    /// Not a certificate this issuer issued.
    #[asn1(context_specific = "2", tag_mode = "IMPLICIT")]
    Unknown(Null),
}

/// `RevokedInfo`.
#[derive(Clone, Debug, PartialEq, Eq, Sequence)]
pub struct RevokedInfo {
    /// When.
    pub revocation_time: GeneralizedTime,
    /// Why.
    #[asn1(context_specific = "0", tag_mode = "EXPLICIT", optional = "true")]
    pub revocation_reason: Option<CrlReason>,
}

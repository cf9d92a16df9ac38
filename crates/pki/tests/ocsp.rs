#![allow(clippy::unwrap_used)]
//! The OCSP responder core on its own: error statuses for bad input, one signed answer per
//! (issuer, hash, serial) served from the cache until a status change invalidates it,
//! several certificates in one request, and answers whose signature verifies with the
//! responder certificate they carry.

mod common;

use der::asn1::{AnyRef, IntRef, Null, OctetStringRef};
use der::{Decode, Encode};
use pki::ocsp::{
    BasicOcspResponse, CertId, OcspCertStatus, OcspConfig, OcspRequest, OcspResponse,
    OcspResponseStatus, Request, ResponseData, TbsRequest, Version,
};
use pki::{Authority, CertStatus, Pki, PublicKey, Reason, Serial};
use sha2::Digest;
use std::sync::Arc;
use std::time::SystemTime;
use x509_cert::Certificate;

/// The DER of an OCSP request about `serials` of `authority`, with the CertID hash `sha256` or SHA-1.
fn request(pki: &Pki, authority: Authority, serials: &[&[u8]], sha256: bool) -> Vec<u8> {
    let ca = Certificate::from_der(&pki.authority(authority).unwrap().der).unwrap();
    let name = ca.tbs_certificate().subject().to_der().unwrap();
    let key = ca
        .tbs_certificate()
        .subject_public_key_info()
        .subject_public_key
        .raw_bytes()
        .to_vec();
    let h = |d: &[u8]| {
        if sha256 {
            sha2::Sha256::digest(d).to_vec()
        } else {
            sha1::Sha1::digest(d).to_vec()
        }
    };
    let (name_hash, key_hash) = (h(&name), h(&key));
    let oid = if sha256 {
        const_oid::db::rfc5912::ID_SHA_256
    } else {
        const_oid::db::rfc5912::ID_SHA_1
    };
    let request_list = serials
        .iter()
        .map(|s| Request {
            req_cert: CertId {
                hash_algorithm: spki::AlgorithmIdentifierRef {
                    oid,
                    parameters: Some(AnyRef::from(Null)),
                },
                issuer_name_hash: OctetStringRef::new(&name_hash).unwrap(),
                issuer_key_hash: OctetStringRef::new(&key_hash).unwrap(),
                serial_number: IntRef::new(s).unwrap(),
            },
            single_request_extensions: None,
        })
        .collect();
    OcspRequest {
        tbs_request: TbsRequest {
            version: Version::V1,
            requestor_name: None,
            request_list,
            request_extensions: None,
        },
        optional_signature: None,
    }
    .to_der()
    .unwrap()
}

/// Decodes a successful answer, checks its signature with the certificate it carries, and
/// returns the statuses in order.
fn statuses(answer: &[u8]) -> Vec<OcspCertStatus> {
    let resp = OcspResponse::from_der(answer).unwrap();
    assert_eq!(resp.response_status, OcspResponseStatus::Successful);
    let bytes = resp.response_bytes.unwrap();
    let basic = BasicOcspResponse::from_der(bytes.response.as_bytes()).unwrap();
    let certs = basic.certs.expect("the delegated responder's certificate");
    let responder = Certificate::from_der(&certs[0].to_der().unwrap()).unwrap();
    let spki = responder
        .tbs_certificate()
        .subject_public_key_info()
        .to_der()
        .unwrap();
    let tbs = basic.tbs_response_data.to_der().unwrap();
    assert!(
        PublicKey::from_spki_der(&spki)
            .unwrap()
            .verify(&tbs, basic.signature.raw_bytes()),
        "the answer is signed by the responder certificate it carries"
    );
    let data = ResponseData::from_der(&tbs).unwrap();
    data.responses.into_iter().map(|r| r.cert_status).collect()
}

fn error_of(answer: &[u8]) -> OcspResponseStatus {
    let resp = OcspResponse::from_der(answer).unwrap();
    assert!(resp.response_bytes.is_none());
    resp.response_status
}

#[test]
fn bad_requests_get_rfc6960_error_statuses() {
    let b = common::sealed();
    let pki = common::initialised(&b, SystemTime::now());
    let responder = pki.ocsp_responder(OcspConfig::default()).unwrap();
    let never =
        |_: Authority, _: &[u8]| -> Option<CertStatus> { panic!("no lookup for a bad request") };
    let now = SystemTime::now();
    for garbage in [
        &b""[..],
        b"\x30",
        b"\x30\x03\x02\x01\x00",
        b"not DER at all",
        &[0x30, 0x80, 0, 0],
    ] {
        let a = responder.respond(garbage, never, now);
        assert_eq!(
            error_of(&a),
            OcspResponseStatus::MalformedRequest,
            "{garbage:?}"
        );
    }
    // Nothing asked.
    let empty = request(&pki, Authority::CitizenCa, &[], false);
    assert_eq!(
        error_of(&responder.respond(&empty, never, now)),
        OcspResponseStatus::MalformedRequest
    );
    // Too much asked.
    let many: Vec<[u8; 1]> = (1..=65u8).map(|i| [i]).collect();
    let refs: Vec<&[u8]> = many.iter().map(|s| &s[..]).collect();
    let big = request(&pki, Authority::CitizenCa, &refs, false);
    assert_eq!(
        error_of(&responder.respond(&big, never, now)),
        OcspResponseStatus::MalformedRequest
    );
    // An issuer this responder does not serve (another PKI's citizen CA).
    let other = common::initialised(&common::sealed(), now);
    let foreign = request(&other, Authority::CitizenCa, &[&[1, 2, 3]], false);
    assert_eq!(
        error_of(&responder.respond(&foreign, never, now)),
        OcspResponseStatus::Unauthorized
    );
    // Trailing bytes after the request.
    let mut trailing = request(&pki, Authority::CitizenCa, &[&[1]], false);
    trailing.push(0);
    assert_eq!(
        error_of(&responder.respond(&trailing, never, now)),
        OcspResponseStatus::MalformedRequest
    );
}

#[test]
fn answers_are_cached_until_a_status_change_invalidates_them() {
    for b in common::backends() {
        let pki = common::initialised(&b, SystemTime::now());
        let responder = pki.ocsp_responder(OcspConfig::default()).unwrap();
        let serial = Serial::random();
        let status = std::sync::Mutex::new(Some(CertStatus::Good));
        let lookups = std::sync::atomic::AtomicUsize::new(0);
        let lookup = |a: Authority, s: &[u8]| {
            assert_eq!(a, Authority::CitizenCa);
            assert_eq!(s, serial.as_bytes());
            lookups.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            *status.lock().unwrap()
        };
        let req = request(&pki, Authority::CitizenCa, &[serial.as_bytes()], true);
        let now = SystemTime::now();
        let first = responder.respond(&req, lookup, now);
        assert!(
            matches!(statuses(&first)[..], [OcspCertStatus::Good(_)]),
            "{}",
            b.name
        );
        let second = responder.respond(&req, lookup, now);
        assert!(
            Arc::ptr_eq(&first, &second),
            "{}: the same signed answer, not a copy",
            b.name
        );
        assert_eq!(lookups.load(std::sync::atomic::Ordering::SeqCst), 1);

        // A lost card: the status changes; the next answer says so once invalidated.
        *status.lock().unwrap() = Some(CertStatus::Good.apply(Reason::KeyCompromise, now).unwrap());
        responder.invalidate(Authority::CitizenCa, &serial);
        let third = responder.respond(&req, lookup, now);
        match &statuses(&third)[..] {
            [OcspCertStatus::Revoked(info)] => assert_eq!(
                info.revocation_reason,
                Some(x509_cert::ext::pkix::CrlReason::KeyCompromise)
            ),
            other => panic!("{}: {other:?}", b.name),
        }
        // Past refresh_after the answer is signed again even without a change.
        let later = now + OcspConfig::default().refresh_after;
        let fourth = responder.respond(&req, lookup, later);
        assert!(!Arc::ptr_eq(&third, &fourth));
        assert_eq!(lookups.load(std::sync::atomic::Ordering::SeqCst), 3);
    }
}

#[test]
fn several_certificates_in_one_request_and_prewarming() {
    let b = common::sealed();
    let pki = common::initialised(&b, SystemTime::now());
    let responder = pki.ocsp_responder(OcspConfig::default()).unwrap();
    let now = SystemTime::now();
    let held = CertStatus::Good
        .apply(Reason::CertificateHold, now)
        .unwrap();
    let req = request(&pki, Authority::CitizenCa, &[&[1], &[2], &[3]], false);
    let answer = responder.respond(
        &req,
        |_, s| match s {
            [1] => Some(CertStatus::Good),
            [2] => Some(held),
            _ => None,
        },
        now,
    );
    match &statuses(&answer)[..] {
        [OcspCertStatus::Good(_), OcspCertStatus::Revoked(hold), OcspCertStatus::Unknown(_)] => {
            assert_eq!(
                hold.revocation_reason,
                Some(x509_cert::ext::pkix::CrlReason::CertificateHold)
            )
        }
        other => panic!("{other:?}"),
    }

    // Pre-produced answers are served without a lookup, for SHA-1 and SHA-256 CertIDs.
    let serial = Serial::random();
    assert_eq!(
        responder
            .prewarm(Authority::Csca, [(&serial, Some(CertStatus::Good))], now)
            .unwrap(),
        2
    );
    for sha256 in [false, true] {
        let req = request(&pki, Authority::Csca, &[serial.as_bytes()], sha256);
        let a = responder.respond(&req, |_, _| panic!("served from the cache"), now);
        assert!(matches!(statuses(&a)[..], [OcspCertStatus::Good(_)]));
    }
}

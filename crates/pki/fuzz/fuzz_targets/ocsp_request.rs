//! Fuzzes the OCSP request decoder and the responder behind it: it must never panic, whatever
//! it decodes must re-encode to exactly the bytes it read (strict DER), and every answer must be
//! a well-formed OCSPResponse: an error status without a body, or a successful one with as many
//! single responses as certificates asked about. An odd first byte makes the rest a list of
//! serials (split at 0xff) asked about in a well-formed request to the citizen CA, so that the
//! lookup, signing and cache paths are reached too; an even one sends the rest as it is.
#![no_main]

use der::{Decode, Encode};
use sha1::Digest;
use libfuzzer_sys::fuzz_target;
use pki::ocsp::{BasicOcspResponse, OcspRequest, OcspResponder, OcspResponse, OcspResponseStatus, ResponseData};
use pki::ocsp::{CertId, Request, TbsRequest, Version};
use pki::{Authority, CertStatus, Pki, PkiConfig, SealedFileKeys};
use std::sync::{Arc, OnceLock};
use std::time::SystemTime;

struct Fixture {
    responder: OcspResponder,
    /// SHA-1 of the citizen CA's name and key.
    name_hash: Vec<u8>,
    key_hash: Vec<u8>,
}

fn fixture() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(|| {
        let dir = tempfile::tempdir().expect("temp dir").keep();
        let keys = SealedFileKeys::open(&dir.join("keys"), [1; 32]).expect("keys");
        let mut pki = Pki::new(PkiConfig::new("https://fuzz.test").expect("config"), Arc::new(keys), vec![])
            .expect("pki");
        pki.init(SystemTime::now()).expect("init");
        let ca = x509_cert::Certificate::from_der(&pki.authority(Authority::CitizenCa).expect("ca").der).expect("cert");
        let name = ca.tbs_certificate().subject().to_der().expect("name");
        let key = ca.tbs_certificate().subject_public_key_info().subject_public_key.raw_bytes();
        Fixture {
            responder: pki.ocsp_responder(Default::default()).expect("responder"),
            name_hash: sha1::Sha1::digest(&name).to_vec(),
            key_hash: sha1::Sha1::digest(key).to_vec(),
        }
    })
}

/// A well-formed request to the citizen CA about the serials in `data` (split at 0xff).
fn request_for(f: &Fixture, data: &[u8]) -> Vec<u8> {
    let request_list = data
        .split(|b| *b == 0xff)
        .filter_map(|serial| {
            Some(Request {
                req_cert: CertId {
                    hash_algorithm: spki::AlgorithmIdentifierRef {
                        oid: const_oid::db::rfc5912::ID_SHA_1,
                        parameters: Some(der::asn1::AnyRef::from(der::asn1::Null)),
                    },
                    issuer_name_hash: der::asn1::OctetStringRef::new(&f.name_hash).ok()?,
                    issuer_key_hash: der::asn1::OctetStringRef::new(&f.key_hash).ok()?,
                    serial_number: der::asn1::IntRef::new(serial).ok()?,
                },
                single_request_extensions: None,
            })
        })
        .collect();
    OcspRequest {
        tbs_request: TbsRequest { version: Version::V1, requestor_name: None, request_list, request_extensions: None },
        optional_signature: None,
    }
    .to_der()
    .unwrap_or_default()
}

fuzz_target!(|input: &[u8]| {
    let Some((mode, rest)) = input.split_first() else { return };
    let f = fixture();
    let built;
    let data = if mode % 2 == 1 {
        built = request_for(f, rest);
        &built[..]
    } else {
        rest
    };
    let asked = match OcspRequest::from_der(data) {
        Ok(req) => {
            assert_eq!(req.to_der().expect("re-encodes"), data, "a decoded request re-encodes byte for byte");
            Some(req.tbs_request.request_list.len())
        }
        Err(_) => None,
    };
    // Alternate statuses so that good, revoked and unknown answers are all produced.
    let answer = f.responder.respond(
        data,
        |_, serial| match serial.last().map(|b| b % 3) {
            Some(0) => Some(CertStatus::Good),
            Some(1) => Some(CertStatus::OnHold { since: SystemTime::UNIX_EPOCH }),
            _ => None,
        },
        SystemTime::now(),
    );
    let resp = OcspResponse::from_der(&answer).expect("every answer decodes");
    match resp.response_status {
        OcspResponseStatus::Successful => {
            let body = resp.response_bytes.expect("a successful answer has a body");
            let basic = BasicOcspResponse::from_der(body.response.as_bytes()).expect("basic response");
            let tbs = basic.tbs_response_data.to_der().expect("tbs");
            let data = ResponseData::from_der(&tbs).expect("response data");
            assert_eq!(Some(data.responses.len()), asked, "one answer per certificate asked about");
        }
        _ => assert!(resp.response_bytes.is_none(), "an error status has no body"),
    }
});

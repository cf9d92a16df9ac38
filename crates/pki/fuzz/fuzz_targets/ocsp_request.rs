//! Fuzzes the OCSP request decoder and the responder behind it with arbitrary bytes: it must
//! never panic, whatever it decodes must re-encode to exactly the bytes it read (strict DER),
//! and every answer must be a well-formed OCSPResponse: an error status without a body, or a
//! successful one with as many single responses as certificates asked about.
#![no_main]

use der::{Decode, Encode};
use libfuzzer_sys::fuzz_target;
use pki::ocsp::{BasicOcspResponse, OcspRequest, OcspResponder, OcspResponse, OcspResponseStatus, ResponseData};
use pki::{CertStatus, Pki, PkiConfig, SealedFileKeys};
use std::sync::{Arc, OnceLock};
use std::time::SystemTime;

fn responder() -> &'static OcspResponder {
    static R: OnceLock<OcspResponder> = OnceLock::new();
    R.get_or_init(|| {
        let dir = tempfile::tempdir().expect("temp dir").keep();
        let keys = SealedFileKeys::open(&dir.join("keys"), [1; 32]).expect("keys");
        let mut pki = Pki::new(PkiConfig::new("https://fuzz.test").expect("config"), Arc::new(keys), vec![])
            .expect("pki");
        pki.init(SystemTime::now()).expect("init");
        pki.ocsp_responder(Default::default()).expect("responder")
    })
}

fuzz_target!(|data: &[u8]| {
    let asked = match OcspRequest::from_der(data) {
        Ok(req) => {
            assert_eq!(req.to_der().expect("re-encodes"), data, "a decoded request re-encodes byte for byte");
            Some(req.tbs_request.request_list.len())
        }
        Err(_) => None,
    };
    // Alternate statuses so that good, revoked and unknown answers are all produced.
    let answer = responder().respond(
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

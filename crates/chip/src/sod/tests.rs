//! The EF.SOD read back by this crate's own reader: structure, hashes, message digest and signature, and what a
//! changed byte does to each. (The same files are checked by OpenSSL in `tests/openssl.rs`.)
#![allow(clippy::unwrap_used)]

use super::read::read_sod;
use super::*;
use crate::signer::{P256FileSigner, SignatureAlgorithm, SignerError};
use crate::test_pki::TestPki;

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn groups() -> Vec<(u8, Vec<u8>)> {
    vec![
        (1, b"\x61\x01A".to_vec()),
        (2, vec![0x75, 0x00]),
        (12, b"\x6C\x02hi".to_vec()),
    ]
}

fn borrowed(g: &[(u8, Vec<u8>)]) -> Vec<(u8, &[u8])> {
    g.iter().map(|(n, b)| (*n, b.as_slice())).collect()
}

#[test]
fn builds_and_reads_back() {
    let pki = TestPki::new().unwrap();
    let g = groups();
    let sod = ef_sod(&borrowed(&g), &pki.signer, day(2025, 6, 1)).unwrap();
    assert_eq!(sod[0], 0x77);
    let c = read_sod(&sod).unwrap();
    assert_eq!(c.hash_algorithm, DG_HASH.oid());
    assert_eq!(c.hashes.iter().map(|h| h.0).collect::<Vec<_>>(), [1, 2, 12]);
    assert_eq!(c.certificate_der, pki.ds_der);
    assert_eq!(c.signer_info.version, 1);
    assert!(matches!(
        c.signer_info.sid,
        SignerIdentifier::IssuerAndSerialNumber(_)
    ));
    c.check_hashes(&borrowed(&g)).unwrap();
    c.verify_signature().unwrap();
    // Deterministic: the same inputs give the same bytes.
    assert_eq!(
        sod,
        ef_sod(&borrowed(&g), &pki.signer, day(2025, 6, 1)).unwrap()
    );
}

#[test]
fn a_changed_data_group_fails_its_hash() {
    let pki = TestPki::new().unwrap();
    let g = groups();
    let sod = ef_sod(&borrowed(&g), &pki.signer, day(2025, 6, 1)).unwrap();
    let c = read_sod(&sod).unwrap();
    let mut changed = g.clone();
    changed[2].1[3] ^= 0x01;
    assert_eq!(
        c.check_hashes(&borrowed(&changed)),
        Err(ChipError::HashMismatch(12))
    );
    assert_eq!(
        c.check_hashes(&[(3, b"x".as_slice())]),
        Err(ChipError::HashMismatch(3))
    );
}

#[test]
fn a_changed_sod_byte_is_caught() {
    let pki = TestPki::new().unwrap();
    let g = groups();
    let sod = ef_sod(&borrowed(&g), &pki.signer, day(2025, 6, 1)).unwrap();
    // Flip each byte in turn: none may leave a SOD that parses, matches its digest and verifies.
    for i in 0..sod.len() {
        let mut bad = sod.clone();
        bad[i] ^= 0x01;
        let accepted = read_sod(&bad).and_then(|c| c.verify_signature().map(|_| c));
        if let Ok(c) = accepted {
            // The only bytes a reader may not notice are outside what is signed and hashed: the certificate's
            // own signature (checked against the CSCA by OpenSSL, not here) and the DS certificate body.
            assert_ne!(
                c.certificate_der, pki.ds_der,
                "byte {i} changed nothing that was checked"
            );
        }
    }
}

#[test]
fn signer_certificate_must_be_valid_on_the_issue_date() {
    let pki = TestPki::new().unwrap();
    let g = groups();
    // The test DS is valid 2024-01-01 to 2050-01-01.
    assert!(ef_sod(&borrowed(&g), &pki.signer, day(2023, 12, 31)).is_err());
    assert!(ef_sod(&borrowed(&g), &pki.signer, day(2024, 1, 1)).is_ok());
    assert!(ef_sod(&borrowed(&g), &pki.signer, day(2050, 1, 2)).is_err());
}

struct Failing(Vec<u8>, SignatureAlgorithm);

impl DocumentSigner for Failing {
    fn certificate_der(&self) -> &[u8] {
        &self.0
    }
    fn signature_algorithm(&self) -> SignatureAlgorithm {
        self.1
    }
    fn sign(&self, _: &[u8]) -> Result<Vec<u8>, SignerError> {
        Err(SignerError("the HSM is not reachable".into()))
    }
}

#[test]
fn signer_failures_are_reported() {
    let pki = TestPki::new().unwrap();
    let g = groups();
    let e = ef_sod(
        &borrowed(&g),
        &Failing(pki.ds_der.clone(), SignatureAlgorithm::EcdsaSha256),
        day(2025, 1, 1),
    );
    assert_eq!(
        e,
        Err(ChipError::Signing("the HSM is not reachable".into()))
    );
    // An EC certificate cannot back an RSA signer.
    let e = ef_sod(
        &borrowed(&g),
        &Failing(pki.ds_der.clone(), SignatureAlgorithm::RsaPkcs1Sha256),
        day(2025, 1, 1),
    );
    assert!(matches!(e, Err(ChipError::SignerCertificate(_))));
    let e = ef_sod(
        &borrowed(&g),
        &Failing(b"junk".to_vec(), SignatureAlgorithm::EcdsaSha256),
        day(2025, 1, 1),
    );
    assert!(matches!(e, Err(ChipError::SignerCertificate(_))));
}

#[test]
fn file_signer_from_pem_and_key_mismatch() {
    let pki = TestPki::new().unwrap();
    let key_pem = TestPki::ds_key_pem().unwrap();
    let s = P256FileSigner::from_pem(&key_pem, &pki.ds_pem).unwrap();
    assert_eq!(s.certificate_der(), pki.ds_der);
    // The CSCA's certificate is for another key.
    assert!(P256FileSigner::from_pem(&key_pem, &pki.csca_pem).is_err());
    assert!(P256FileSigner::from_pem(
        "-----BEGIN PRIVATE KEY-----\n-----END PRIVATE KEY-----\n",
        &pki.ds_pem
    )
    .is_err());
    assert!(!format!("{s:?}").contains("PRIVATE"));
}

#[test]
fn lds_security_object_layout() {
    let g = groups();
    let der = lds_security_object(&borrowed(&g)).unwrap();
    let lso = LdsSecurityObject::from_der(&der).unwrap();
    assert_eq!(lso.version, 0);
    assert_eq!(lso.hash_algorithm.oid.to_string(), "2.16.840.1.101.3.4.2.1");
    assert!(lso.hash_algorithm.parameters.is_none());
    assert_eq!(lso.data_group_hash_values.len(), 3);
    assert_eq!(
        lso.data_group_hash_values[0]
            .data_group_hash_value
            .as_bytes(),
        DG_HASH.hash(&g[0].1)
    );
}

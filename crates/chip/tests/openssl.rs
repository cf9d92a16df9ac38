//! The chip data checked by a tool no one here wrote: OpenSSL.
//! - `openssl asn1parse -strparse` takes the CMS out of the EF.SOD's `77` wrapper;
//! - `openssl verify` chains the DS certificate to the CSCA, `openssl cms -verify … -CAfile csca.pem` checks the
//!   EF.SOD's signature and chain and writes out the LDSSecurityObject;
//! - `openssl asn1parse` reads the data-group numbers and hashes out of it, `openssl dgst -sha256` hashes each
//!   data group file, and the two must agree;
//! - one changed byte in a data group breaks its hash, one changed byte in the EF.SOD breaks `cms -verify`, and
//!   a different CSCA does not verify it;
//! - with the CSCA's CRL, `cms -verify -crl_check` passes while the DS is not revoked and fails once it is;
//! - every LDS file is well-formed BER for `openssl asn1parse`.
//!
//! Without `openssl` on the PATH the tests print a notice and pass, unless `SHENAS_REQUIRE_OPENSSL=1`.
#![allow(clippy::unwrap_used)]

mod common;

use chip::test_pki::TestPki;
use chip::{personalise, Lds};
use common::*;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// `true` when openssl runs; otherwise a notice (or a failure when it is required).
fn have_openssl(test: &str) -> bool {
    let found = Command::new("openssl")
        .arg("version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !found {
        if std::env::var("SHENAS_REQUIRE_OPENSSL").as_deref() == Ok("1") {
            panic!("openssl is required (SHENAS_REQUIRE_OPENSSL=1) but not found");
        }
        eprintln!("NOTICE: openssl not found; {test} skipped");
    }
    found
}

fn openssl(dir: &Path, args: &[&str]) -> Output {
    Command::new("openssl")
        .current_dir(dir)
        .args(args)
        .output()
        .unwrap()
}

fn ok(out: &Output) -> String {
    assert!(
        out.status.success(),
        "openssl failed: {}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr)
}

/// A fresh directory holding one card's files, the CSCA and the DS certificate.
fn card_dir(name: &str, number: &str) -> (PathBuf, Lds) {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("chip-openssl-{name}"));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let pki = TestPki::new().unwrap();
    let lds = personalise(&holder(), &document(number), &biometrics(5), &pki.signer).unwrap();
    for (file, bytes) in lds.files() {
        std::fs::write(dir.join(format!("{file}.bin")), bytes).unwrap();
    }
    std::fs::write(dir.join("csca.pem"), &pki.csca_pem).unwrap();
    std::fs::write(dir.join("ds.pem"), &pki.ds_pem).unwrap();
    (dir, lds)
}

/// Extracts the CMS ContentInfo from `ef_sod` (after the 4-byte `77 82 LL LL` header) into `out` with OpenSSL.
fn extract_cms(dir: &Path, ef_sod: &str, out: &str) {
    ok(&openssl(
        dir,
        &[
            "asn1parse",
            "-inform",
            "DER",
            "-in",
            ef_sod,
            "-strparse",
            "4",
            "-noout",
            "-out",
            out,
        ],
    ));
}

/// `(number, hash hex)` of each DataGroupHash, read by `openssl asn1parse` from the LDSSecurityObject.
fn hashes_by_openssl(dir: &Path, lso: &str) -> Vec<(u8, String)> {
    let text = ok(&openssl(dir, &["asn1parse", "-inform", "DER", "-in", lso]));
    let mut out = Vec::new();
    let mut number = None;
    for line in text.lines() {
        // "   29:d=3  hl=2 l=   1 prim: INTEGER           :01"
        if let Some((_, v)) = line.split_once("INTEGER           :") {
            number = u8::from_str_radix(v.trim(), 16).ok();
        } else if let Some((_, v)) = line.split_once("[HEX DUMP]:") {
            if let Some(n) = number.take() {
                out.push((n, v.trim().to_ascii_lowercase()));
            }
        }
    }
    out
}

fn sha256_by_openssl(dir: &Path, file: &str) -> String {
    let text = ok(&openssl(dir, &["dgst", "-sha256", "-r", file]));
    text.split_whitespace().next().unwrap().to_ascii_lowercase()
}

#[test]
fn ef_sod_verifies_against_the_csca_and_its_hashes_match_the_files() {
    if !have_openssl("ef_sod_verifies_against_the_csca") {
        return;
    }
    let (dir, lds) = card_dir("verify", "K00000501");
    extract_cms(&dir, "sod.bin", "sod.der");
    // OpenSSL's extraction equals the bytes inside the 77 wrapper.
    let cms = std::fs::read(dir.join("sod.der")).unwrap();
    assert_eq!(cms, chip::tlv::read_exact(&lds.sod).unwrap().value);

    let chain = ok(&openssl(&dir, &["verify", "-CAfile", "csca.pem", "ds.pem"]));
    assert!(chain.contains("ds.pem: OK"), "{chain}");

    let verified = ok(&openssl(
        &dir,
        &[
            "cms", "-verify", "-inform", "DER", "-in", "sod.der", "-CAfile", "csca.pem",
            "-purpose", "any", "-binary", "-out", "lso.der",
        ],
    ));
    assert!(verified.contains("Verification successful"), "{verified}");

    let printed = ok(&openssl(
        &dir,
        &[
            "cms", "-cmsout", "-print", "-inform", "DER", "-in", "sod.der",
        ],
    ));
    for expected in [
        "2.23.136.1.1.1",
        "ecdsa-with-SHA256",
        "sha256",
        "Shenas Test DS 1",
    ] {
        assert!(printed.contains(expected), "{expected} not in:\n{printed}");
    }

    let listed = hashes_by_openssl(&dir, "lso.der");
    assert_eq!(
        listed.iter().map(|h| h.0).collect::<Vec<_>>(),
        [1, 2, 3, 7, 11, 12]
    );
    for (n, hash) in &listed {
        assert_eq!(
            hash,
            &sha256_by_openssl(&dir, &format!("dg{n}.bin")),
            "DG{n}"
        );
    }
}

#[test]
fn a_changed_data_group_no_longer_matches_its_hash() {
    if !have_openssl("a_changed_data_group_no_longer_matches_its_hash") {
        return;
    }
    let (dir, lds) = card_dir("tamper-dg", "K00000502");
    extract_cms(&dir, "sod.bin", "sod.der");
    ok(&openssl(
        &dir,
        &[
            "cms", "-verify", "-inform", "DER", "-in", "sod.der", "-CAfile", "csca.pem",
            "-purpose", "any", "-binary", "-out", "lso.der",
        ],
    ));
    let listed = hashes_by_openssl(&dir, "lso.der");
    // One byte of the MRZ in DG1 (a check digit's neighbour): the holder's birth year.
    let mut dg1 = lds.dg1.clone();
    dg1[5 + 30] = b'9';
    std::fs::write(dir.join("dg1.bin"), &dg1).unwrap();
    let dg1_hash = &listed.iter().find(|h| h.0 == 1).unwrap().1;
    assert_ne!(dg1_hash, &sha256_by_openssl(&dir, "dg1.bin"));
    // The others still match.
    for (n, hash) in listed.iter().filter(|h| h.0 != 1) {
        assert_eq!(hash, &sha256_by_openssl(&dir, &format!("dg{n}.bin")));
    }
    let sod = chip::sod::read::read_sod(&lds.sod).unwrap();
    let mut groups = lds.data_groups();
    groups[0].1 = &dg1;
    assert_eq!(
        sod.check_hashes(&groups),
        Err(chip::ChipError::HashMismatch(1))
    );
}

#[test]
fn a_changed_sod_byte_or_another_csca_fails_cms_verify() {
    if !have_openssl("a_changed_sod_byte_or_another_csca_fails_cms_verify") {
        return;
    }
    let (dir, _lds) = card_dir("tamper-sod", "K00000503");
    extract_cms(&dir, "sod.bin", "sod.der");
    let cms = std::fs::read(dir.join("sod.der")).unwrap();
    let verify = |file: &str, ca: &str| {
        openssl(
            &dir,
            &[
                "cms",
                "-verify",
                "-inform",
                "DER",
                "-in",
                file,
                "-CAfile",
                ca,
                "-purpose",
                "any",
                "-binary",
                "-out",
                "/dev/null",
            ],
        )
    };
    assert!(verify("sod.der", "csca.pem").status.success());

    // A byte of a DG hash inside the LDSSecurityObject (the eContent): the message digest no longer matches.
    let econtent_hash_at = find(&cms, &chip::sod::DG_HASH.hash(&_lds.dg2)).unwrap();
    // The last byte of the signature: the signature no longer verifies.
    let signature_at = cms.len() - 1;
    for at in [econtent_hash_at, signature_at] {
        let mut bad = cms.clone();
        bad[at] ^= 0x01;
        std::fs::write(dir.join("bad.der"), &bad).unwrap();
        let out = verify("bad.der", "csca.pem");
        assert!(
            !out.status.success(),
            "a change at byte {at} still verifies"
        );
    }

    // A CSCA the DS was not issued by.
    ok(&openssl(
        &dir,
        &[
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-nodes",
            "-subj",
            "/CN=Another CSCA",
            "-days",
            "1",
            "-keyout",
            "other.key",
            "-out",
            "other.pem",
        ],
    ));
    assert!(!verify("sod.der", "other.pem").status.success());
}

#[test]
fn a_revoked_document_signer_fails_the_crl_check() {
    if !have_openssl("a_revoked_document_signer_fails_the_crl_check") {
        return;
    }
    let (dir, _lds) = card_dir("crl", "K00000505");
    extract_cms(&dir, "sod.bin", "sod.der");
    let pki = TestPki::new().unwrap();
    for (revoked, file) in [(false, "ca-crl-good.pem"), (true, "ca-crl-revoked.pem")] {
        let bundle = format!("{}{}", pki.csca_pem, pki.csca_crl_pem(revoked).unwrap());
        std::fs::write(dir.join(file), bundle).unwrap();
        let out = openssl(
            &dir,
            &[
                "cms",
                "-verify",
                "-inform",
                "DER",
                "-in",
                "sod.der",
                "-CAfile",
                file,
                "-crl_check",
                "-purpose",
                "any",
                "-binary",
                "-out",
                "/dev/null",
            ],
        );
        assert_eq!(
            out.status.success(),
            !revoked,
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        if revoked {
            assert!(
                String::from_utf8_lossy(&out.stderr).contains("revoked"),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

#[test]
fn every_lds_file_is_well_formed_ber() {
    if !have_openssl("every_lds_file_is_well_formed_ber") {
        return;
    }
    let (dir, lds) = card_dir("asn1", "K00000504");
    for (file, bytes) in lds.files() {
        let text = ok(&openssl(
            &dir,
            &[
                "asn1parse",
                "-inform",
                "DER",
                "-i",
                "-in",
                &format!("{file}.bin"),
            ],
        ));
        // The outermost object spans the whole file: header length + content length = file length.
        let first = text.lines().next().unwrap();
        let hl: usize = first
            .split("hl=")
            .nth(1)
            .unwrap()
            .split_whitespace()
            .next()
            .unwrap()
            .parse()
            .unwrap();
        let l: usize = first
            .split(" l=")
            .nth(1)
            .unwrap()
            .split_whitespace()
            .next()
            .unwrap()
            .parse()
            .unwrap();
        assert_eq!(hl + l, bytes.len(), "{file}: {first}");
        assert!(!text.contains("Error"), "{file}: {text}");
    }
    // DG1 as OpenSSL sees it: application 1 holding application 31 (5F1F) of 90 bytes.
    let text = ok(&openssl(
        &dir,
        &["asn1parse", "-inform", "DER", "-in", "dg1.bin"],
    ));
    let mrz_line = text.lines().find(|l| l.contains("appl [ 31 ]")).unwrap();
    assert!(mrz_line.contains("l=  90 prim"), "{text}");
    assert!(
        text.lines().next().unwrap().contains("appl [ 1 ]"),
        "{text}"
    );
}

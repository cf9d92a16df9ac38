#![allow(clippy::unwrap_used)]
//! The artefacts checked by a tool no one here wrote: OpenSSL verifies the chains, the CRLs
//! (before and after revocations), the certificate profiles, and the OCSP answers to requests
//! that OpenSSL itself made. Run on both key backends. Skipped with a notice where `openssl`
//! is missing, unless `SHENAS_REQUIRE_OPENSSL=1`.

mod common;

use common::Backend;
use pki::ocsp::{OcspConfig, OcspSigning};
use pki::{Authority, CertStatus, CertificateRecord, HolderRequest, Pki, Reason, Serial};
use std::collections::HashMap;
use std::process::Command;
use std::sync::Mutex;
use std::time::SystemTime;

struct Work {
    dir: tempfile::TempDir,
}

impl Work {
    fn new() -> Self {
        Self {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    fn path(&self, name: &str) -> String {
        self.dir.path().join(name).display().to_string()
    }

    fn cert(&self, name: &str, record: &CertificateRecord) {
        std::fs::write(self.dir.path().join(name), record.pem().unwrap()).unwrap();
    }

    fn crl(&self, name: &str, der: &[u8]) {
        let pem = der::pem::encode_string("X509 CRL", der::pem::LineEnding::LF, der).unwrap();
        std::fs::write(self.dir.path().join(name), pem).unwrap();
    }

    fn write(&self, name: &str, bytes: &[u8]) {
        std::fs::write(self.dir.path().join(name), bytes).unwrap();
    }

    fn read(&self, name: &str) -> Vec<u8> {
        std::fs::read(self.dir.path().join(name)).unwrap()
    }

    /// Runs `openssl args…` in the work dir: (success, stdout + stderr).
    fn openssl(&self, args: &[&str]) -> (bool, String) {
        let out = Command::new("openssl")
            .current_dir(self.dir.path())
            .args(args)
            .output()
            .unwrap();
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        (out.status.success(), text)
    }

    fn ok(&self, args: &[&str]) -> String {
        let (ok, text) = self.openssl(args);
        assert!(ok, "openssl {args:?} failed:\n{text}");
        text
    }
}

/// Statuses as the store would keep them, and the CRL numbers it hands out.
#[derive(Default)]
struct Book {
    statuses: Mutex<HashMap<Serial, CertStatus>>,
}

impl Book {
    fn set(&self, serial: &Serial, reason: Reason) {
        let mut m = self.statuses.lock().unwrap();
        let now = m.get(serial).copied().unwrap_or(CertStatus::Good);
        m.insert(
            serial.clone(),
            now.apply(reason, SystemTime::now()).unwrap(),
        );
    }

    fn issued(&self, serial: &Serial) {
        self.statuses
            .lock()
            .unwrap()
            .insert(serial.clone(), CertStatus::Good);
    }

    fn crl(&self, pki: &Pki, authority: Authority, number: u64) -> Vec<u8> {
        let m = self.statuses.lock().unwrap();
        pki.crl(authority, m.iter(), number, SystemTime::now())
            .unwrap()
    }

    fn lookup(&self, serial: &[u8]) -> Option<CertStatus> {
        let serial = Serial::from_bytes(serial).ok()?;
        self.statuses.lock().unwrap().get(&serial).copied()
    }
}

fn holder(pki: &Pki, book: &Book) -> pki::HolderCertificates {
    let (auth, _) = common::chip_key();
    let (sign, _) = common::chip_key();
    let issued = pki
        .issue_holder_certificates(
            &HolderRequest {
                given_name: "Hossein",
                surname: "Ahmadi",
                national_code: "0012345679",
                authentication_key: &auth,
                signing_key: &sign,
            },
            SystemTime::now(),
        )
        .unwrap();
    for h in &issued.holds {
        book.issued(&h.serial);
        book.set(&h.serial, h.reason);
    }
    issued
}

fn each_backend(test: impl Fn(&Backend)) {
    if !common::have_openssl() {
        return;
    }
    for b in common::backends() {
        eprintln!("backend: {}", b.name);
        test(&b);
    }
}

#[test]
fn holder_chain_and_crls_verify_with_openssl() {
    each_backend(|b| {
        let pki = common::initialised(b, SystemTime::now());
        let book = Book::default();
        let issued = holder(&pki, &book);
        let w = Work::new();
        w.cert("root.pem", pki.authority(Authority::Root).unwrap());
        w.cert(
            "citizen-ca.pem",
            pki.authority(Authority::CitizenCa).unwrap(),
        );
        w.cert("auth.pem", &issued.authentication);
        w.cert("sign.pem", &issued.signing);

        let out = w.ok(&[
            "verify",
            "-CAfile",
            "root.pem",
            "-untrusted",
            "citizen-ca.pem",
            "auth.pem",
            "sign.pem",
        ]);
        assert!(
            out.contains("auth.pem: OK") && out.contains("sign.pem: OK"),
            "{out}"
        );
        let out = w.ok(&[
            "verify",
            "-purpose",
            "sslclient",
            "-CAfile",
            "root.pem",
            "-untrusted",
            "citizen-ca.pem",
            "auth.pem",
        ]);
        assert!(out.contains("auth.pem: OK"), "{out}");

        let verify_crl = |file: &str| {
            w.openssl(&[
                "verify",
                "-crl_check",
                "-CAfile",
                "root.pem",
                "-untrusted",
                "citizen-ca.pem",
                "-CRLfile",
                file,
                "auth.pem",
            ])
        };
        // Issued on hold: the CRL lists it as certificateHold and OpenSSL refuses it.
        w.crl("crl1.pem", &book.crl(&pki, Authority::CitizenCa, 1));
        let (ok, out) = verify_crl("crl1.pem");
        assert!(!ok && out.contains("certificate revoked"), "{out}");
        let text = w.ok(&["crl", "-in", "crl1.pem", "-noout", "-text"]);
        assert!(
            text.contains("Certificate Hold")
                && text.contains("X509v3 CRL Number: \n                1"),
            "{text}"
        );

        // Picked up with a fingerprint match: the hold is lifted, OpenSSL accepts it.
        book.set(&issued.authentication.serial, Reason::RemoveFromCrl);
        w.crl("crl2.pem", &book.crl(&pki, Authority::CitizenCa, 2));
        let (ok, out) = verify_crl("crl2.pem");
        assert!(ok && out.contains("auth.pem: OK"), "{out}");

        // Reported lost: revoked for keyCompromise.
        book.set(&issued.authentication.serial, Reason::KeyCompromise);
        w.crl("crl3.pem", &book.crl(&pki, Authority::CitizenCa, 3));
        let (ok, out) = verify_crl("crl3.pem");
        assert!(!ok && out.contains("certificate revoked"), "{out}");
        let text = w.ok(&["crl", "-in", "crl3.pem", "-noout", "-text"]);
        assert!(text.contains("Key Compromise"), "{text}");
        assert!(
            text.contains(&format!(
                "Serial Number: {}",
                issued.authentication.serial.to_hex().to_uppercase()
            )),
            "{text}"
        );

        // The CRL's signature checks against the citizen CA.
        let out = w.ok(&[
            "crl",
            "-in",
            "crl3.pem",
            "-CAfile",
            "citizen-ca.pem",
            "-noout",
            "-verify",
        ]);
        assert!(out.contains("verify OK"), "{out}");

        // The whole chain with CRLs for both levels (the root's CRL covers the citizen CA).
        let root_crl = pki
            .crl(Authority::Root, std::iter::empty(), 1, SystemTime::now())
            .unwrap();
        w.crl("root.crl.pem", &root_crl);
        let both = [
            std::fs::read_to_string(w.path("root.crl.pem")).unwrap(),
            std::fs::read_to_string(w.path("crl2.pem")).unwrap(),
        ]
        .concat();
        w.write("all.crl.pem", both.as_bytes());
        let out = w.ok(&[
            "verify",
            "-crl_check_all",
            "-CAfile",
            "root.pem",
            "-untrusted",
            "citizen-ca.pem",
            "-CRLfile",
            "all.crl.pem",
            "auth.pem",
        ]);
        assert!(out.contains("auth.pem: OK"), "{out}");
    });
}

#[test]
fn certificate_profiles_as_openssl_reads_them() {
    each_backend(|b| {
        let pki = common::initialised(b, SystemTime::now());
        let book = Book::default();
        let issued = holder(&pki, &book);
        let w = Work::new();
        let text = |name: &str, record: &CertificateRecord| {
            w.cert(name, record);
            w.ok(&["x509", "-in", name, "-noout", "-text"])
        };
        let has = |t: &str, all: &[&str]| {
            for s in all {
                assert!(t.contains(s), "missing {s:?} in:\n{t}");
            }
        };
        let crl = |a: &str| format!("URI:https://shenas.test/api/v1/pki/{a}.crl");
        let ocsp = "OCSP - URI:https://shenas.test/ocsp";

        let t = text("root.pem", pki.authority(Authority::Root).unwrap());
        has(&t, &["CA:TRUE, pathlen:1", "Certificate Sign, CRL Sign", "ecdsa-with-SHA384", "NIST CURVE: P-384", "Subject Key Identifier", "Subject: C = IR, O = National Organization for Civil Registration, CN = IRAN Root CA1"]);
        let t = text(
            "citizen-ca.pem",
            pki.authority(Authority::CitizenCa).unwrap(),
        );
        has(&t, &["CA:TRUE, pathlen:0", "Certificate Sign, CRL Sign", "NIST CURVE: P-256", "Issuer: C = IR, O = National Organization for Civil Registration, CN = IRAN Root CA1", &crl("root"), "Authority Key Identifier"]);
        let t = text("auth.pem", &issued.authentication);
        has(&t, &["X509v3 Key Usage: critical\n                Digital Signature\n", "TLS Web Client Authentication", "CA:FALSE", &crl("citizen-ca"), ocsp, "Subject: C = IR, SN = Ahmadi, GN = Hossein, serialNumber = 0012345679, CN = HOSSEIN AHMADI"]);
        let t = text("sign.pem", &issued.signing);
        has(
            &t,
            &[
                "X509v3 Key Usage: critical\n                Non Repudiation\n",
                &crl("citizen-ca"),
                ocsp,
            ],
        );
        assert!(!t.contains("Extended Key Usage"), "{t}");
        let t = text("csca.pem", pki.authority(Authority::Csca).unwrap());
        has(
            &t,
            &[
                "CA:TRUE, pathlen:0",
                "Certificate Sign, CRL Sign",
                "Private Key Usage Period",
                "Subject: C = IR,",
                "NIST CURVE: P-384",
                &crl("csca"),
            ],
        );
        let t = text("ds.pem", pki.current_ds(SystemTime::now()).unwrap());
        has(
            &t,
            &[
                "X509v3 Key Usage: critical\n                Digital Signature\n",
                "Private Key Usage Period",
                "CN = CSCA IRAN",
                &crl("csca"),
                ocsp,
            ],
        );
        assert!(
            !t.contains("Basic Constraints"),
            "Part 12: no basicConstraints in a DS certificate\n{t}"
        );
        let t = text("ocsp.pem", pki.newest(pki::Role::CitizenOcsp).unwrap());
        has(&t, &["OCSP Signing", "OCSP No Check", "Digital Signature"]);
    });
}

/// Has OpenSSL make a request about `cert` (or a bare serial), answers it, and has OpenSSL
/// check the signed answer; returns OpenSSL's report.
fn ocsp_round(
    w: &Work,
    responder: &pki::ocsp::OcspResponder,
    book: &Book,
    issuer: &str,
    trust: &[&str],
    subject: &[&str],
) -> String {
    let mut req = vec!["ocsp", "-issuer", issuer, "-reqout", "req.der"];
    req.extend_from_slice(subject);
    w.ok(&req);
    let answer = responder.respond(&w.read("req.der"), |_, s| book.lookup(s), SystemTime::now());
    w.write("resp.der", &answer);
    let mut check = vec!["ocsp", "-respin", "resp.der", "-issuer", issuer];
    check.extend_from_slice(trust);
    check.extend_from_slice(subject);
    let out = w.ok(&check);
    assert!(out.contains("Response verify OK"), "{out}");
    out
}

#[test]
fn ocsp_answers_to_openssl_requests_verify_and_say_hold_good_revoked_unknown() {
    each_backend(|b| {
        for signing in [OcspSigning::Delegated, OcspSigning::CaKey] {
            let pki = common::initialised(b, SystemTime::now());
            let book = Book::default();
            let issued = holder(&pki, &book);
            let w = Work::new();
            w.cert("root.pem", pki.authority(Authority::Root).unwrap());
            w.cert(
                "citizen-ca.pem",
                pki.authority(Authority::CitizenCa).unwrap(),
            );
            w.cert("auth.pem", &issued.authentication);
            let responder = pki
                .ocsp_responder(OcspConfig {
                    signing,
                    ..OcspConfig::default()
                })
                .unwrap();
            let trust = ["-CAfile", "root.pem", "-verify_other", "citizen-ca.pem"];
            let cert = ["-cert", "auth.pem"];
            let serial = &issued.authentication.serial;

            let out = ocsp_round(&w, &responder, &book, "citizen-ca.pem", &trust, &cert);
            assert!(
                out.contains("auth.pem: revoked") && out.contains("Reason: certificateHold"),
                "on hold: {out}"
            );

            book.set(serial, Reason::RemoveFromCrl);
            responder.invalidate(Authority::CitizenCa, serial);
            let out = ocsp_round(&w, &responder, &book, "citizen-ca.pem", &trust, &cert);
            assert!(out.contains("auth.pem: good"), "after pickup: {out}");

            book.set(serial, Reason::KeyCompromise);
            responder.invalidate(Authority::CitizenCa, serial);
            let out = ocsp_round(&w, &responder, &book, "citizen-ca.pem", &trust, &cert);
            assert!(
                out.contains("auth.pem: revoked") && out.contains("Reason: keyCompromise"),
                "lost: {out}"
            );

            let out = ocsp_round(
                &w,
                &responder,
                &book,
                "citizen-ca.pem",
                &trust,
                &["-serial", "0x4242424242"],
            );
            assert!(out.contains(": unknown"), "never issued: {out}");
        }
    });
}

#[test]
fn csca_and_document_signers_verify_with_openssl() {
    each_backend(|b| {
        let now = SystemTime::now();
        let mut pki = common::initialised(b, now);
        let book = Book::default();
        let old = pki.current_ds(now).unwrap().clone();
        let new = pki.rotate_ds(now).unwrap();
        book.issued(&old.serial);
        book.issued(&new.serial);
        let w = Work::new();
        w.cert("csca.pem", pki.authority(Authority::Csca).unwrap());
        w.cert("ds-old.pem", &old);
        w.cert("ds-new.pem", &new);
        let out = w.ok(&["verify", "-CAfile", "csca.pem", "ds-old.pem", "ds-new.pem"]);
        assert!(
            out.contains("ds-old.pem: OK") && out.contains("ds-new.pem: OK"),
            "both DS stay valid after rotation: {out}"
        );

        w.crl("csca1.pem", &book.crl(&pki, Authority::Csca, 1));
        let out = w.ok(&[
            "verify",
            "-crl_check",
            "-CAfile",
            "csca.pem",
            "-CRLfile",
            "csca1.pem",
            "ds-old.pem",
        ]);
        assert!(out.contains("ds-old.pem: OK"), "{out}");
        book.set(&old.serial, Reason::KeyCompromise);
        w.crl("csca2.pem", &book.crl(&pki, Authority::Csca, 2));
        let (ok, out) = w.openssl(&[
            "verify",
            "-crl_check",
            "-CAfile",
            "csca.pem",
            "-CRLfile",
            "csca2.pem",
            "ds-old.pem",
        ]);
        assert!(!ok && out.contains("certificate revoked"), "{out}");
        let out = w.ok(&[
            "crl",
            "-in",
            "csca2.pem",
            "-CAfile",
            "csca.pem",
            "-noout",
            "-verify",
        ]);
        assert!(out.contains("verify OK"), "{out}");

        let responder = pki.ocsp_responder(OcspConfig::default()).unwrap();
        let trust = ["-CAfile", "csca.pem"];
        let out = ocsp_round(
            &w,
            &responder,
            &book,
            "csca.pem",
            &trust,
            &["-cert", "ds-new.pem"],
        );
        assert!(out.contains("ds-new.pem: good"), "{out}");
        let out = ocsp_round(
            &w,
            &responder,
            &book,
            "csca.pem",
            &trust,
            &["-cert", "ds-old.pem"],
        );
        assert!(
            out.contains("ds-old.pem: revoked") && out.contains("Reason: keyCompromise"),
            "{out}"
        );
    });
}

#![allow(clippy::unwrap_used)]
//! The ceremonies and holder issuance on both key backends: `init` makes the hierarchy and
//! refuses to run twice, `rotate_ds` moves signing to a new DS while the old stays valid,
//! `status` lists everything and warns ahead of expiry, and bad holder keys are refused with
//! nothing issued. (Outside-tool checks of the same artefacts are in `openssl.rs`.)

mod common;

use der::Decode;
use pki::{Authority, CertStatus, HolderRequest, Pki, PkiConfig, PkiError, Reason, Role};
use std::sync::Arc;
use std::time::{Duration, SystemTime};
use x509_cert::Certificate;

const DAY: Duration = Duration::from_secs(86_400);

#[test]
fn init_makes_the_hierarchy_once() {
    for b in common::backends() {
        let now = SystemTime::now();
        let mut pki = common::initialised(&b, now);
        let roles: Vec<Role> = pki.records().iter().map(|r| r.role).collect();
        assert_eq!(
            roles,
            [
                Role::RootCa,
                Role::CitizenCa,
                Role::Csca,
                Role::DocumentSigner,
                Role::CitizenOcsp,
                Role::CscaOcsp
            ],
            "{}",
            b.name
        );
        assert!(
            matches!(pki.init(now), Err(PkiError::AlreadyInitialised("root_ca"))),
            "{}",
            b.name
        );
        // A PKI rebuilt from the stored records is initialised too, and refuses as well.
        let mut again = Pki::new(
            PkiConfig::new(common::BASE_URL).unwrap(),
            Arc::clone(&b.keys),
            pki.records().to_vec(),
        )
        .unwrap();
        assert!(again.is_initialised());
        assert!(again.init(now).is_err());
        let root = Certificate::from_der(&pki.authority(Authority::Root).unwrap().der).unwrap();
        assert_eq!(
            root.tbs_certificate().subject().to_string(),
            format!("CN=IRAN Root CA1,O={},C=IR", pki.config().organization)
        );
    }
}

#[test]
fn rotate_ds_moves_signing_and_keeps_the_old_signer_valid() {
    for b in common::backends() {
        let now = SystemTime::now();
        let mut pki = common::initialised(&b, now);
        let old = pki.current_ds(now).unwrap().clone();
        let new = pki.rotate_ds(now + Duration::from_secs(2)).unwrap();
        let later = now + Duration::from_secs(3);
        assert_eq!(
            pki.current_ds(later).unwrap().serial,
            new.serial,
            "{}",
            b.name
        );
        assert_ne!(old.serial, new.serial);
        assert_ne!(old.key_label, new.key_label, "a rotation makes a new key");
        // The old DS still signs nothing new, but its certificate is valid for a decade.
        assert!(old.not_after > now + 3650 * DAY);
        // A DS past its signing period is not used, and signing with it is refused.
        let after_period = old.signing_until.unwrap() + DAY;
        assert!(pki.sign_as_ds(&old, b"sod", after_period).is_err());
        let sig = pki.sign_as_ds(&new, b"signed attributes", later).unwrap();
        let cert = Certificate::from_der(&new.der).unwrap();
        let spki = der::Encode::to_der(cert.tbs_certificate().subject_public_key_info()).unwrap();
        assert!(pki::PublicKey::from_spki_der(&spki)
            .unwrap()
            .verify(b"signed attributes", &sig));
    }
}

#[test]
fn status_lists_everything_and_warns_ahead_of_expiry() {
    let b = common::sealed();
    let now = SystemTime::now();
    let mut pki = common::initialised(&b, now);
    let status = pki.status(now).unwrap();
    assert_eq!(status.backend, "sealed-files");
    assert_eq!(status.certificates.len(), 6);
    assert!(
        status
            .certificates
            .iter()
            .all(|e| e.key_present && e.warning.is_none()),
        "{status:#?}"
    );
    assert!(status.orphan_keys.is_empty());
    let root = &status.certificates[0];
    assert_eq!(root.role, Role::RootCa);
    assert!(
        (7303..=7305).contains(&root.days_left),
        "{}",
        root.days_left
    );

    // 70 days on, the DS's 92-day signing period has 22 days left: within the 30-day window.
    let warnings = pki.warnings(now + 70 * DAY).unwrap();
    assert_eq!(warnings.len(), 1, "{warnings:#?}");
    assert_eq!(warnings[0].role, Role::DocumentSigner);
    assert!(warnings[0]
        .warning
        .as_deref()
        .unwrap()
        .contains("rotate the DS"));
    // After a rotation the new DS is current and the old one no longer warns.
    pki.rotate_ds(now + 70 * DAY).unwrap();
    assert!(pki
        .warnings(now + 70 * DAY + Duration::from_secs(1))
        .unwrap()
        .is_empty());

    // Responders warn when their renewal has not run (14 days before their end).
    let late = now + 80 * DAY;
    assert!(pki
        .warnings(late)
        .unwrap()
        .iter()
        .any(|w| w.role == Role::CitizenOcsp));
    let renewed = pki.renew_responders(late).unwrap();
    assert_eq!(renewed.len(), 2);
    assert!(
        pki.renew_responders(late).unwrap().is_empty(),
        "renewal is idempotent"
    );

    // The citizen CA can issue 5-year certificates until 7 years on; warnings start 90 days before.
    let ca_warn = now + (7 * 365 - 60) * DAY;
    assert!(pki
        .warnings(ca_warn)
        .unwrap()
        .iter()
        .any(|w| w.role == Role::CitizenCa && w.warning.as_deref().unwrap().contains("renew")));
}

#[test]
fn holder_certificates_are_issued_on_hold_from_valid_keys_only() {
    for b in common::backends() {
        let now = SystemTime::now();
        let pki = common::initialised(&b, now);
        let (auth, _) = common::chip_key();
        let (sign, _) = common::chip_key();
        let req = HolderRequest {
            given_name: "Maryam",
            surname: "Mirzakhani",
            national_code: "0012345679",
            authentication_key: &auth,
            signing_key: &sign,
        };
        let issued = pki.issue_holder_certificates(&req, now).unwrap();
        assert_eq!(issued.authentication.role, Role::HolderAuthentication);
        assert_eq!(issued.signing.role, Role::HolderSigning);
        assert!(issued.authentication.key_label.is_none());
        assert_eq!(issued.holds[0].reason, Reason::CertificateHold);
        assert_eq!(issued.holds[1].serial, issued.signing.serial);
        assert_eq!(
            issued.authentication.subject,
            "CN=MARYAM MIRZAKHANI,SERIALNUMBER=0012345679,GN=Maryam,SN=Mirzakhani,C=IR"
        );

        // Bad keys: nothing issued, a typed error.
        let mut off_curve = auth.clone();
        let last = off_curve.len() - 1;
        off_curve[last] ^= 1;
        let not_spki = b"not a key".to_vec();
        let (p384_ok, _) = p384_key();
        for (bad, what) in [(&off_curve, "point off the curve"), (&not_spki, "garbage")] {
            let r = pki.issue_holder_certificates(
                &HolderRequest {
                    authentication_key: bad,
                    ..req
                },
                now,
            );
            assert!(
                matches!(r, Err(PkiError::InvalidPublicKey(_))),
                "{}: {what}: {r:?}",
                b.name
            );
        }
        let rsa_like = rsa_spki();
        let r = pki.issue_holder_certificates(
            &HolderRequest {
                signing_key: &rsa_like,
                ..req
            },
            now,
        );
        assert!(
            matches!(r, Err(PkiError::InvalidPublicKey(ref m)) if m.contains("id-ecPublicKey") || m.contains("not")),
            "{r:?}"
        );
        let r = pki.issue_holder_certificates(
            &HolderRequest {
                signing_key: &auth,
                ..req
            },
            now,
        );
        assert!(matches!(r, Err(PkiError::DuplicateKey)), "{r:?}");
        let r = pki.issue_holder_certificates(
            &HolderRequest {
                given_name: "مریم",
                ..req
            },
            now,
        );
        assert!(matches!(r, Err(PkiError::InvalidHolder(_))), "{r:?}");
        // A P-384 chip key is a valid point and is accepted.
        assert!(pki
            .issue_holder_certificates(
                &HolderRequest {
                    signing_key: &p384_ok,
                    ..req
                },
                now
            )
            .is_ok());
    }
}

#[test]
fn certificate_status_is_its_own_state_machine() {
    let now = SystemTime::now();
    let hold = CertStatus::Good
        .apply(Reason::CertificateHold, now)
        .unwrap();
    let picked_up = hold.apply(Reason::RemoveFromCrl, now).unwrap();
    assert_eq!(picked_up, CertStatus::Good);
    let lost = picked_up.apply(Reason::KeyCompromise, now).unwrap();
    assert!(matches!(
        lost,
        CertStatus::Revoked {
            reason: Reason::KeyCompromise,
            ..
        }
    ));
    assert!(matches!(
        lost.apply(Reason::RemoveFromCrl, now),
        Err(PkiError::InvalidTransition(_))
    ));
}

fn p384_key() -> (Vec<u8>, ()) {
    use p384::pkcs8::EncodePublicKey;
    let mut scalar = [0u8; 48];
    loop {
        rand::fill(&mut scalar);
        if let Ok(k) = p384::ecdsa::SigningKey::from_slice(&scalar) {
            return (
                k.verifying_key()
                    .to_public_key_der()
                    .unwrap()
                    .as_bytes()
                    .to_vec(),
                (),
            );
        }
    }
}

/// A SubjectPublicKeyInfo with the rsaEncryption OID (the key bits do not matter: refused first).
fn rsa_spki() -> Vec<u8> {
    use der::Encode;
    spki::SubjectPublicKeyInfoRef {
        algorithm: spki::AlgorithmIdentifierRef {
            oid: const_oid::db::rfc5912::RSA_ENCRYPTION,
            parameters: Some(der::asn1::AnyRef::NULL),
        },
        subject_public_key: der::asn1::BitStringRef::from_bytes(&[0x30, 0x00]).unwrap(),
    }
    .to_der()
    .unwrap()
}

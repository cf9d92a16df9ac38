#![allow(clippy::unwrap_used)]
//! The key port, run on both backends: the same operations give the same kinds of results,
//! signatures verify with the public key (checked in software, outside the store), and in the
//! HSM a private key is sensitive, never extractable, generated on the token and unreadable.

mod common;

use pki::{Curve, KeyLabel, PkiError};

#[test]
fn both_backends_generate_sign_and_refuse_the_same_way() {
    for b in common::backends() {
        for curve in [Curve::P256, Curve::P384] {
            let label = KeyLabel::fresh("test").unwrap();
            let public = b.keys.generate(&label, curve).unwrap();
            assert_eq!(public.curve(), curve, "{}", b.name);
            assert_eq!(
                b.keys.public_key(&label).unwrap(),
                public,
                "{}: public key is stable",
                b.name
            );
            let sig = b.keys.sign(&label, b"the message").unwrap();
            assert!(
                public.verify(b"the message", &sig),
                "{}: {curve} signature verifies",
                b.name
            );
            assert!(
                !public.verify(b"another message", &sig),
                "{}: bound to the message",
                b.name
            );
            // ECDSA signatures are a DER SEQUENCE of two INTEGERs.
            assert_eq!(sig[0], 0x30, "{}", b.name);
            assert!(
                matches!(b.keys.generate(&label, curve), Err(PkiError::KeyExists(_))),
                "{}",
                b.name
            );
            assert!(b.keys.labels().unwrap().contains(&label), "{}", b.name);
        }
        let missing = KeyLabel::fresh("missing").unwrap();
        assert!(
            matches!(b.keys.sign(&missing, b"x"), Err(PkiError::KeyNotFound(_))),
            "{}",
            b.name
        );
        assert!(
            matches!(b.keys.public_key(&missing), Err(PkiError::KeyNotFound(_))),
            "{}",
            b.name
        );
    }
}

#[test]
fn an_hsm_key_never_leaves_the_token() {
    let Some(b) = common::softhsm() else { return };
    let hsm = b.hsm.expect("pkcs11 backend");
    let label = KeyLabel::fresh("secret").unwrap();
    hsm_generate(&hsm, &label);
    let p = hsm.protection(&label).unwrap();
    assert!(p.sensitive, "CKA_SENSITIVE");
    assert!(!p.extractable, "CKA_EXTRACTABLE");
    assert!(p.never_extractable, "CKA_NEVER_EXTRACTABLE");
    assert!(p.local, "CKA_LOCAL: generated inside the token");
    assert!(
        !hsm.private_value_readable(&label).unwrap(),
        "the token must not reveal CKA_VALUE"
    );
}

fn hsm_generate(hsm: &pki::Pkcs11Keys, label: &KeyLabel) {
    use pki::KeyStore;
    hsm.generate(label, Curve::P256).unwrap();
}

//! Fuzzes the check of a chip's SubjectPublicKeyInfo (what a manufacturer sends for
//! certification): it must never panic, and a key it accepts must re-parse to the same key
//! and yield a SubjectPublicKeyInfo that is accepted again.
#![no_main]

use libfuzzer_sys::fuzz_target;
use pki::PublicKey;

fuzz_target!(|data: &[u8]| {
    if let Ok(key) = PublicKey::from_spki_der(data) {
        let again = PublicKey::from_spki_der(key.spki_der()).expect("own output parses");
        assert_eq!(again, key);
        let point = key.point().expect("point");
        assert_eq!(PublicKey::from_sec1(key.curve(), &point).expect("point parses"), key);
    }
});

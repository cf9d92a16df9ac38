//! Test fixtures shared by the integration tests: the two key backends (sealed files in a temp
//! dir; SoftHSM2 through PKCS#11 with a private token dir), an initialised PKI over each, and
//! the gate for outside tools.
//!
//! SoftHSM2 is skipped with a notice when its module is missing, unless
//! `SHENAS_REQUIRE_SOFTHSM=1` (CI), which turns the skip into a failure.
#![allow(dead_code)]

use pki::{KeyStore, Pkcs11Keys, Pki, PkiConfig, SealedFileKeys};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::SystemTime;

pub const BASE_URL: &str = "https://shenas.test";

/// A key backend under test, with what keeps it alive.
pub struct Backend {
    pub name: &'static str,
    pub keys: Arc<dyn KeyStore>,
    pub hsm: Option<Arc<Pkcs11Keys>>,
    _dir: Option<tempfile::TempDir>,
}

pub fn sealed() -> Backend {
    let dir = tempfile::tempdir().expect("temp dir");
    let keys =
        SealedFileKeys::open(&dir.path().join("keys"), rand_key()).expect("sealed key store");
    Backend {
        name: "sealed-files",
        keys: Arc::new(keys),
        hsm: None,
        _dir: Some(dir),
    }
}

fn rand_key() -> [u8; 32] {
    let mut k = [0u8; 32];
    for (i, b) in k.iter_mut().enumerate() {
        *b = (i as u8).wrapping_mul(37) ^ 0x5a;
    }
    k
}

fn required(var: &str) -> bool {
    std::env::var(var).is_ok_and(|v| v == "1")
}

/// The process-wide SoftHSM2 key store (`pki::softhsm`); `None` (with a notice) when SoftHSM2 is missing.
pub fn softhsm() -> Option<Backend> {
    pki::softhsm::process_keys().map(|k| Backend {
        name: "pkcs11",
        keys: Arc::clone(&k) as Arc<dyn KeyStore>,
        hsm: Some(k),
        _dir: None,
    })
}

/// Both backends (or only sealed files, where SoftHSM2 is missing and not required).
pub fn backends() -> Vec<Backend> {
    let mut v = vec![sealed()];
    v.extend(softhsm());
    v
}

pub fn which(tool: &str) -> Option<PathBuf> {
    std::env::var_os("PATH")?
        .to_str()?
        .split(':')
        .map(|d| Path::new(d).join(tool))
        .find(|p| p.is_file())
}

/// Whether `openssl` can be used; a notice when not, a failure when `SHENAS_REQUIRE_OPENSSL=1`.
pub fn have_openssl() -> bool {
    if which("openssl").is_some() {
        return true;
    }
    assert!(
        !required("SHENAS_REQUIRE_OPENSSL"),
        "SHENAS_REQUIRE_OPENSSL=1 but openssl is missing"
    );
    eprintln!("NOTICE: openssl not installed; skipping this test");
    false
}

/// An initialised PKI over `backend`.
pub fn initialised(backend: &Backend, now: SystemTime) -> Pki {
    let mut pki = Pki::new(
        PkiConfig::new(BASE_URL).expect("config"),
        Arc::clone(&backend.keys),
        vec![],
    )
    .expect("pki");
    pki.init(now).expect("init");
    pki
}

/// A holder key pair made in software, standing in for a chip: (SPKI DER, signing key).
pub fn chip_key() -> (Vec<u8>, p256::ecdsa::SigningKey) {
    use p256::pkcs8::EncodePublicKey;
    let mut scalar = [0u8; 32];
    loop {
        rand::fill(&mut scalar);
        if let Ok(k) = p256::ecdsa::SigningKey::from_slice(&scalar) {
            let spki = k
                .verifying_key()
                .to_public_key_der()
                .expect("spki")
                .as_bytes()
                .to_vec();
            return (spki, k);
        }
    }
}

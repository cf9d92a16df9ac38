//! SoftHSM2 tokens for tests (feature `softhsm`): a token made in a directory of the caller's, and one
//! shared key store per process. PKCS#11 initialises a module once per process and SoftHSM2 reads
//! `SOFTHSM2_CONF` then, so the process-wide store sets that variable before it first opens the module.
//!
//! Where SoftHSM2 is missing the functions answer `None` with a notice, unless `SHENAS_REQUIRE_SOFTHSM=1`
//! (CI), which turns the skip into a failure.

use crate::{KeyStore, Pkcs11Config, Pkcs11Keys};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, OnceLock};

/// Debian's SoftHSM2 module.
pub const MODULE: &str = "/usr/lib/softhsm/libsofthsm2.so";
/// The label of the tokens made here.
pub const TOKEN_LABEL: &str = "shenas";
/// Their user PIN.
pub const USER_PIN: &str = "1234";

/// Whether SoftHSM2 can be used; a notice when not, a panic when `SHENAS_REQUIRE_SOFTHSM=1`.
pub fn available() -> bool {
    let tool = std::env::var_os("PATH")
        .is_some_and(|p| std::env::split_paths(&p).any(|d| d.join("softhsm2-util").is_file()));
    if Path::new(MODULE).exists() && tool {
        return true;
    }
    assert!(
        std::env::var("SHENAS_REQUIRE_SOFTHSM").as_deref() != Ok("1"),
        "SHENAS_REQUIRE_SOFTHSM=1 but {MODULE} or softhsm2-util is missing (apt-get install softhsm2)"
    );
    eprintln!("NOTICE: SoftHSM2 not installed ({MODULE}); skipping the PKCS#11 part of this test");
    false
}

/// Makes a token labelled [`TOKEN_LABEL`] with the PIN [`USER_PIN`] in `dir`; answers the configuration file
/// to give SoftHSM2 as `SOFTHSM2_CONF`.
///
/// # Panics
/// When the directory cannot be written or `softhsm2-util` fails: this is test set-up.
pub fn make_token(dir: &Path) -> PathBuf {
    let tokens = dir.join("tokens");
    std::fs::create_dir_all(&tokens).expect("token dir");
    let conf = dir.join("softhsm2.conf");
    std::fs::write(
        &conf,
        format!(
            "directories.tokendir = {}\nobjectstore.backend = file\nlog.level = ERROR\n",
            tokens.display()
        ),
    )
    .expect("softhsm2.conf");
    let out = Command::new("softhsm2-util")
        .env("SOFTHSM2_CONF", &conf)
        .args(["--init-token", "--free", "--label", TOKEN_LABEL])
        .args(["--pin", USER_PIN, "--so-pin", "5678"])
        .output()
        .expect("run softhsm2-util");
    assert!(
        out.status.success(),
        "softhsm2-util: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    conf
}

/// The process-wide SoftHSM2 key store, on a token made for this process; `None` where SoftHSM2 is missing.
///
/// # Panics
/// When the token cannot be made or opened.
pub fn process_keys() -> Option<Arc<Pkcs11Keys>> {
    static HSM: OnceLock<Option<Arc<Pkcs11Keys>>> = OnceLock::new();
    HSM.get_or_init(|| {
        if !available() {
            return None;
        }
        let dir = std::env::temp_dir().join(format!(
            "shenas-softhsm-{}-{}",
            std::process::id(),
            rand::random::<u32>()
        ));
        let conf = make_token(&dir);
        // The module reads SOFTHSM2_CONF when it is initialised, which happens just below, once.
        std::env::set_var("SOFTHSM2_CONF", &conf);
        let keys = Pkcs11Keys::open(&Pkcs11Config {
            module: MODULE.into(),
            token_label: TOKEN_LABEL.into(),
            pin: USER_PIN.into(),
        })
        .expect("open the SoftHSM2 token");
        Some(Arc::new(keys))
    })
    .clone()
}

/// The process-wide store as the key-store port.
pub fn process_key_store() -> Option<Arc<dyn KeyStore>> {
    process_keys().map(|k| k as Arc<dyn KeyStore>)
}

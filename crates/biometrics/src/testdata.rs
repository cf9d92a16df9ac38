//! Test helper: locates the shared FVC2002 development data, or says why a test skips.

use std::path::PathBuf;

/// `../shared/data/fingerprints` beside the repository, when present.
pub(crate) fn fingerprints_dir() -> Option<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/fingerprints");
    if dir.join("fvc2002").is_dir() {
        Some(dir)
    } else {
        println!(
            "SKIP: shared fingerprint data not found at {} (tests that need it are skipped)",
            dir.display()
        );
        None
    }
}

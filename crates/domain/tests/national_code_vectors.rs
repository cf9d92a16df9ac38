//! `NationalCode::parse` against vectors made by an independent implementation: npm's
//! `@persian-tools/persian-tools` 4.0.4 (`tools/vectors/national_code_vectors.js` regenerates the file).
//! Its `validateNationalIdChecksum` is the bare checksum; its `verifyIranianNationalId` adds a table of known
//! prefixes and rejects repeated-digit codes. Our rule (`domain.md`) is the checksum plus the all-same-digit and
//! zero-middle-block refusals, and never a prefix table. So, for every vector:
//! - what we accept has a valid checksum by the peer's reckoning, and the peer's full check accepting a code
//!   means we accept it too (we are never stricter on prefixes);
//! - a code with a valid checksum that we refuse is one of the two refusals `domain.md` adds.

#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

use domain::NationalCode;

#[test]
fn agrees_with_persian_tools() {
    let data = include_str!("vectors/national_code_vectors.csv");
    let mut n = 0;
    let (mut accepted, mut refused_extra) = (0, 0);
    for line in data.lines().skip(1) {
        let f: Vec<&str> = line.split(',').collect();
        let (code, checksum, verify) = (f[0], f[1] == "1", f[2] == "1");
        let ours = NationalCode::parse(code).is_ok();
        if ours {
            assert!(
                checksum,
                "{code}: we accept a code whose checksum the peer rejects"
            );
            accepted += 1;
        }
        if verify {
            assert!(
                ours,
                "{code}: the peer's full check accepts it, we refuse it"
            );
        }
        if checksum && !ours {
            let b = code.as_bytes();
            assert!(
                b.iter().all(|&c| c == b[0]) || &b[3..9] == b"000000",
                "{code}: refused for no stated rule"
            );
            refused_extra += 1;
        }
        n += 1;
    }
    assert!(n > 10_000, "{n} vectors");
    assert!(
        accepted > 5_000 && refused_extra >= 10,
        "accepted {accepted}, refused by our extra rules {refused_extra}"
    );
}

//! WSQ decoder tests: a sample encoded by NIST's own encoder (NBIS `cwsq`, through the
//! PyPI `wsq` package) from a synthetic ridge image made for this crate, compared with NBIS's
//! decoding of the same file; and malformed streams refused without panics.

use super::*;

const SAMPLE: &[u8] = include_bytes!("../../../tests/data/synthetic_ridges.wsq");
const REFERENCE: &[u8] = include_bytes!("../../../tests/data/synthetic_ridges_nbis_decoded.png");

#[test]
fn matches_nbis_on_the_sample() {
    let ours = decode(SAMPLE).expect("sample decodes");
    let reference = crate::extract::decode(REFERENCE).expect("reference PNG decodes");
    assert_eq!(
        (ours.width, ours.height),
        (reference.width, reference.height)
    );
    let diffs: Vec<i32> = ours
        .pixels
        .iter()
        .zip(&reference.pixels)
        .map(|(&a, &b)| (i32::from(a) - i32::from(b)).abs())
        .collect();
    let max = diffs.iter().copied().max().unwrap_or(0);
    let off = diffs.iter().filter(|&&d| d > 0).count();
    assert!(max <= 1, "max pixel difference {max}");
    assert!(off * 100 <= diffs.len(), "{off} pixels differ");
    assert_eq!(ours.ppi, Some(500));
}

#[test]
fn malformed_streams_are_refused() {
    assert!(decode(&[]).is_err());
    assert!(decode(&[0xff, 0xa0]).is_err());
    for cut in [3usize, 10, 60, 200, SAMPLE.len() / 2, SAMPLE.len() - 3] {
        let e = decode(&SAMPLE[..cut]).expect_err("truncated stream refused");
        assert!(e.to_string().contains("offset"), "{e}");
    }
    let mut state = 0x2545_f491_4f6c_dd1du64;
    for round in 0..200 {
        let mut b = SAMPLE.to_vec();
        for _ in 0..(1 + round % 8) {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let i = (state as usize) % b.len();
            b[i] = (state >> 32) as u8;
        }
        let _ = decode(&b);
    }
}

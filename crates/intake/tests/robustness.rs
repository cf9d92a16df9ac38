#![allow(clippy::unwrap_used)]
//! No input makes the checks panic: random bytes, valid files cut at any length or with bytes
//! changed, random magic-prefixed data, and random finger lists. A panic hook counts every
//! panic, including any a third-party decoder raised and the checks caught, so that a caught
//! panic is still reported here.

use intake::fixtures::{ansi_record, iso_record, photo_jpeg, photo_png, signature_png, ten_prints};
use intake::{
    check_fingerprints, check_photo, check_probe, check_signature, FingerInput, FingerStatus,
};
use proptest::prelude::*;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, Once, OnceLock};

static PANICS: AtomicUsize = AtomicUsize::new(0);
static LAST: Mutex<String> = Mutex::new(String::new());

fn count_panics() {
    static HOOK: Once = Once::new();
    HOOK.call_once(|| {
        let default = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            PANICS.fetch_add(1, Ordering::SeqCst);
            if let Ok(mut l) = LAST.lock() {
                *l = info.to_string();
            }
            default(info);
        }));
    });
}

fn assert_no_panics() {
    let n = PANICS.load(Ordering::SeqCst);
    assert_eq!(n, 0, "{n} panics, last: {}", LAST.lock().unwrap());
}

const FORMATS: [&str; 4] = ["iso19794_2", "ansi378", "png", "wsq"];

fn everything(bytes: &[u8]) {
    let _ = check_photo(bytes);
    let _ = check_signature(bytes);
    for f in FORMATS {
        let _ = check_probe(1, f, bytes);
    }
}

struct Samples {
    photo_jpeg: Vec<u8>,
    photo_png: Vec<u8>,
    signature: Vec<u8>,
    iso: Vec<u8>,
    ansi: Vec<u8>,
    wsq: Vec<u8>,
}

fn samples() -> &'static Samples {
    static S: OnceLock<Samples> = OnceLock::new();
    S.get_or_init(|| Samples {
        photo_jpeg: photo_jpeg(300, 400, 1),
        photo_png: photo_png(300, 400, 1),
        signature: signature_png(),
        iso: iso_record(1, 1),
        ansi: ansi_record(1, 1),
        wsq: std::fs::read(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("../biometrics/tests/data/synthetic_ridges.wsq"),
        )
        .unwrap(),
    })
}

#[test]
fn every_truncation_of_records() {
    count_panics();
    let s = samples();
    for rec in [&s.iso, &s.ansi] {
        for n in 0..rec.len() {
            for f in ["iso19794_2", "ansi378"] {
                let r = check_probe(1, f, &rec[..n]);
                assert!(r.is_err(), "{f} cut at {n} accepted");
            }
        }
    }
    assert_no_panics();
}

#[test]
fn every_byte_of_a_record_changed() {
    count_panics();
    let s = samples();
    for rec in [&s.iso, &s.ansi] {
        for i in 0..rec.len() {
            for v in [0u8, 0x7f, 0xff, rec[i] ^ 1] {
                let mut b = rec.clone();
                b[i] = v;
                for f in ["iso19794_2", "ansi378"] {
                    let _ = check_probe(1, f, &b);
                }
            }
        }
    }
    assert_no_panics();
}

#[test]
fn truncated_images() {
    count_panics();
    let s = samples();
    for img in [&s.photo_jpeg, &s.photo_png, &s.signature, &s.wsq] {
        let step = (img.len() / 40).max(1);
        for n in (0..img.len()).step_by(step) {
            everything(&img[..n]);
        }
    }
    assert_no_panics();
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn random_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
        count_panics();
        everything(&bytes);
        assert_no_panics();
    }

    #[test]
    fn random_bytes_behind_a_magic(
        magic in prop::sample::select(vec![
            &b"\xff\xd8\xff\xe0"[..],
            b"\xff\xd8\xff\xc0\x00\x11\x08",
            b"\x89PNG\r\n\x1a\n\x00\x00\x00\x0dIHDR",
            b"FMR\0 20\0",
            b"FMR\0 20\0\0\0",
            b"\xff\xa0\xff\xa8",
            b"\xff\xa0\xff\xa2",
        ]),
        tail in proptest::collection::vec(any::<u8>(), 0..1024),
    ) {
        count_panics();
        let mut b = magic.to_vec();
        b.extend_from_slice(&tail);
        everything(&b);
        assert_no_panics();
    }

    #[test]
    fn records_with_random_changes(
        which in 0usize..2,
        edits in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..6),
        cut in any::<prop::sample::Index>(),
    ) {
        count_panics();
        let s = samples();
        let mut b = if which == 0 { s.iso.clone() } else { s.ansi.clone() };
        for (i, v) in edits {
            let i = i.index(b.len());
            b[i] = v;
        }
        for f in FORMATS {
            let _ = check_probe(3, f, &b);
            let _ = check_probe(3, f, &b[..cut.index(b.len() + 1)]);
        }
        assert_no_panics();
    }

    #[test]
    fn random_finger_lists(
        entries in proptest::collection::vec(
            (-2i64..13, 0u8..3, prop::option::of(0usize..5), prop::option::of(0usize..4)),
            0..13,
        ),
    ) {
        count_panics();
        let prints = ten_prints(3);
        let formats = ["iso19794_2", "ansi378", "png", "wsq", "bogus"];
        let datas: [&[u8]; 4] = [&prints[0].1, &prints[4].1, &[], b"FMR\0 20\0junk"];
        let list: Vec<FingerInput<'_>> = entries
            .iter()
            .map(|&(position, status, format, data)| FingerInput {
                position,
                status: [FingerStatus::Captured, FingerStatus::Missing, FingerStatus::Bandaged]
                    [usize::from(status)],
                format: format.map(|i| formats[i]),
                data: data.map(|i| datas[i]),
            })
            .collect();
        let _ = check_fingerprints(&list);
        assert_no_panics();
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn images_with_random_changes(
        which in 0usize..4,
        edits in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..8),
    ) {
        count_panics();
        let s = samples();
        let mut b = [&s.photo_jpeg, &s.photo_png, &s.signature, &s.wsq][which].clone();
        for (i, v) in edits {
            let i = i.index(b.len());
            b[i] = v;
        }
        everything(&b);
        assert_no_panics();
    }
}

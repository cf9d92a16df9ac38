//! How long `chip::personalise` takes per card, and the input checks around it (the signature PNG → JPEG, the
//! face JPEG header, the ISO records), on one thread. Run:
//! `cargo run --release -p shenas-chip --example personalise_speed [cards]`.
#![allow(clippy::unwrap_used)]

#[path = "../tests/common/mod.rs"]
mod common;

use chip::test_pki::TestPki;
use chip::{Biometrics, FaceImage, Finger, SignatureImage};
use std::time::{Duration, Instant};

/// What the service holds for one card before the chip data is made: face JPEG, ISO records, signature PNG.
struct RawCard {
    face: Vec<u8>,
    records: Vec<Vec<u8>>,
    signature: Vec<u8>,
}

fn main() {
    let cards: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(500);
    let pki = TestPki::new().unwrap();
    let holder = common::holder();
    // Raw inputs as the service holds them, made before timing.
    let raw: Vec<RawCard> = (0..cards as u64)
        .map(|i| RawCard {
            face: intake::fixtures::photo_jpeg(300, 400, i % 8),
            records: (1..=10u8)
                .map(|p| intake::fixtures::iso_record(p, i * 10 + u64::from(p)))
                .collect(),
            signature: intake::fixtures::signature_png(),
        })
        .collect();

    let (mut inputs_time, mut personalise_time) = (Duration::ZERO, Duration::ZERO);
    let mut bytes = 0usize;
    for (i, card) in raw.iter().enumerate() {
        let t0 = Instant::now();
        let fingers = card
            .records
            .iter()
            .enumerate()
            .map(|(k, r)| Finger::from_iso_record(r, Some(50 + k as u8)).unwrap())
            .collect();
        let bio = Biometrics::new(
            FaceImage::from_jpeg(card.face.clone()).unwrap(),
            fingers,
            SignatureImage::from_png(&card.signature).unwrap(),
        )
        .unwrap();
        let document = common::document(&format!("K{i:08}"));
        let t1 = Instant::now();
        let lds = chip::personalise(&holder, &document, &bio, &pki.signer).unwrap();
        let t2 = Instant::now();
        bytes += lds.files().iter().map(|(_, b)| b.len()).sum::<usize>();
        inputs_time += t1 - t0;
        personalise_time += t2 - t1;
    }
    let per = |d: Duration| d.as_secs_f64() * 1000.0 / cards as f64;
    println!(
        "nproc {} | {cards} cards | personalise {:.3} ms/card | input checks (PNG→JPEG signature, records, face header) {:.3} ms/card | total {:.3} ms/card | LDS {:.1} KiB/card",
        std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1),
        per(personalise_time),
        per(inputs_time),
        per(personalise_time + inputs_time),
        bytes as f64 / 1024.0 / cards as f64,
    );
}

//! Per-enrollment cost of the intake checks: one 600×800 JPEG photo, one 400×150 PNG
//! signature and ten ISO 19794-2 records, on one thread.
//!
//! `cargo run --release -p shenas-intake --example bench [-- ROUNDS]`
//!
//! Prints wall time and, on Linux, the thread's own CPU time (from
//! `/proc/thread-self/schedstat`), which stays meaningful on a shared, busy machine.

use intake::fixtures::{photo_jpeg, signature_png, ten_prints};
use intake::{check_fingerprints, check_photo, check_signature, FingerInput, FingerStatus};
use std::time::{Duration, Instant};

/// CPU time this thread has used, when the kernel tells.
fn thread_cpu() -> Option<Duration> {
    let s = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    let ns: u64 = s.split_whitespace().next()?.parse().ok()?;
    Some(Duration::from_nanos(ns))
}

#[derive(Default)]
struct Clock {
    wall: Duration,
    cpu: Duration,
}

impl Clock {
    fn time<T>(&mut self, f: impl FnOnce() -> T) -> T {
        let (w, c) = (Instant::now(), thread_cpu());
        let out = f();
        self.wall += w.elapsed();
        if let (Some(a), Some(b)) = (c, thread_cpu()) {
            self.cpu += b.saturating_sub(a);
        }
        out
    }

    fn line(&self, what: &str, n: u32) {
        let ms = |d: Duration| d.as_secs_f64() * 1000.0 / f64::from(n);
        println!(
            "{what:<48} wall {:>6.2} ms   cpu {:>6.2} ms",
            ms(self.wall),
            ms(self.cpu)
        );
    }
}

fn main() {
    let rounds: u32 = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(300);
    // A few distinct people, prepared once: fixture cost is measured separately below.
    type Person = (Vec<u8>, Vec<(u8, Vec<u8>)>);
    let people: Vec<Person> = (0..8)
        .map(|s| (photo_jpeg(600, 800, s), ten_prints(s)))
        .collect();
    let signature = signature_png();
    println!(
        "inputs: photo {} bytes (600x800 JPEG q85), signature {} bytes, ten ISO records {} bytes",
        people[0].0.len(),
        signature.len(),
        people[0].1.iter().map(|(_, r)| r.len()).sum::<usize>()
    );

    let (mut photo, mut sig, mut prints, mut all) = (
        Clock::default(),
        Clock::default(),
        Clock::default(),
        Clock::default(),
    );
    let mut card_bytes = 0;
    for i in 0..rounds {
        let (photo_bytes, records) = &people[i as usize % people.len()];
        all.time(|| {
            let p = photo.time(|| check_photo(photo_bytes).expect("photo accepted"));
            card_bytes = p.card_jpeg.len();
            sig.time(|| check_signature(&signature).expect("signature accepted"));
            prints.time(|| {
                let inputs: Vec<FingerInput<'_>> = records
                    .iter()
                    .map(|(pos, rec)| FingerInput {
                        position: i64::from(*pos),
                        status: FingerStatus::Captured,
                        format: Some("iso19794_2"),
                        data: Some(rec),
                    })
                    .collect();
                let fingers = check_fingerprints(&inputs).expect("fingerprints accepted");
                assert_eq!(fingers.len(), 10);
            });
        });
    }
    println!("rounds: {rounds}; card photo {card_bytes} bytes");
    photo.line("check_photo (600x800 JPEG -> 300x400 card JPEG)", rounds);
    sig.line("check_signature (400x150 PNG)", rounds);
    prints.line("check_fingerprints (ten ISO records)", rounds);
    all.line("per enrollment", rounds);
    let per_ms = |d: Duration| d.as_secs_f64() * 1000.0 / f64::from(rounds);
    if all.cpu > Duration::ZERO {
        println!(
            "=> {:.0} enrollments/s per core by CPU time ({:.0} on 2 cores)",
            1000.0 / per_ms(all.cpu),
            2000.0 / per_ms(all.cpu)
        );
    }

    // A harder photo: heavy grain, quality 92, no chroma subsampling (large for its size).
    let base = intake::fixtures::photo_rgb(600, 800, 99);
    let grainy = image::RgbImage::from_fn(600, 800, |x, y| {
        let n = (((x * 7919 + y * 104_729) ^ (x * y)) % 31) as i16 - 15;
        image::Rgb(
            base.get_pixel(x, y)
                .0
                .map(|c| (i16::from(c) + n).clamp(0, 255) as u8),
        )
    });
    let grainy = intake::fixtures::encode_jpeg(&grainy, 92);
    let mut hard = Clock::default();
    let mut card = 0;
    for _ in 0..rounds {
        card = hard
            .time(|| check_photo(&grainy).expect("photo accepted"))
            .card_jpeg
            .len();
    }
    hard.line(
        &format!("check_photo, grainy {} KB 4:4:4 JPEG", grainy.len() / 1024),
        rounds,
    );
    println!("  (card photo {card} bytes)");

    let n = rounds.min(100);
    let mut fx = Clock::default();
    for s in 1000..1000 + u64::from(n) {
        fx.time(|| std::hint::black_box((photo_jpeg(600, 800, s), ten_prints(s))));
    }
    fx.line("fixtures: new 600x800 photo + ten prints", n);
    let mut fx = Clock::default();
    for _ in 0..n {
        fx.time(|| std::hint::black_box((photo_jpeg(600, 800, 1000), ten_prints(7))));
    }
    fx.line("fixtures: cached photo + ten prints", n);
}

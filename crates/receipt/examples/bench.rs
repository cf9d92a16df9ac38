//! Mean render time per receipt.
//!
//! `cargo run --release -p shenas-receipt --example bench`
#[path = "../tests/common/mod.rs"]
mod common;

use std::time::Instant;

const N: u32 = 200;

/// Makes a synthetic photo of the given width and height.
type PhotoFn = fn(u32, u32) -> Vec<u8>;

fn bench(label: &str, photo: &[u8]) -> Result<(), receipt::ReceiptError> {
    let receipt = common::sample(photo);
    // Warm-up: the first render parses the embedded fonts.
    let t = Instant::now();
    let first = receipt::render(&receipt)?;
    let warm_up = t.elapsed();
    let t = Instant::now();
    let mut bytes = 0;
    for _ in 0..N {
        bytes += receipt::render(&receipt)?.len();
    }
    let mean = t.elapsed().as_secs_f64() * 1000.0 / f64::from(N);
    println!(
        "{label:<24} {mean:6.2} ms/receipt (mean of {N}; first render {:.1} ms; PDF {} KiB)",
        warm_up.as_secs_f64() * 1000.0,
        (bytes / N as usize).max(first.len()) / 1024,
    );
    Ok(())
}

/// An optional argument picks the cases whose label contains it, e.g.
/// `-- JPEG`.
fn main() -> Result<(), receipt::ReceiptError> {
    let filter = std::env::args().nth(1).unwrap_or_default();
    let cases: [(&str, PhotoFn, u32, u32); 4] = [
        ("JPEG photo 300x400", common::photo_jpeg, 300, 400),
        ("JPEG photo 1200x1600", common::photo_jpeg, 1200, 1600),
        ("PNG photo 300x400", common::photo_png, 300, 400),
        ("PNG photo 1200x1600", common::photo_png, 1200, 1600),
    ];
    for (label, make, w, h) in cases {
        if label.contains(&filter) {
            bench(label, &make(w, h))?;
        }
    }
    Ok(())
}

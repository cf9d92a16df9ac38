//! `shenas bench national-code`: nanoseconds per `NationalCode::parse`, on codes prepared beforehand so that only
//! the parse and check are timed.

use domain::NationalCode;
use serde_json::json;
use std::hint::black_box;
use std::time::Instant;

pub fn national_code(iterations: u64, json: bool) -> anyhow::Result<()> {
    // 4,096 distinct valid codes, as ASCII and as Persian digits.
    let ascii: Vec<String> = (0..4_096u32)
        .filter_map(|i| {
            let nine = format!("{:09}", 12_345_678u64 + u64::from(i) * 7_919);
            NationalCode::from_first_nine(nine.as_bytes().try_into().ok()?)
                .map(|c| c.as_str().to_string())
        })
        .collect();
    let persian: Vec<String> = ascii
        .iter()
        .map(|s| domain::text::to_persian_digits(s))
        .collect();
    anyhow::ensure!(!ascii.is_empty(), "no sample codes");
    let time = |inputs: &[String]| -> f64 {
        let start = Instant::now();
        let mut ok = 0u64;
        for i in 0..iterations {
            let s = &inputs[(i as usize) % inputs.len()];
            ok += u64::from(NationalCode::parse(black_box(s)).is_ok());
        }
        black_box(ok);
        start.elapsed().as_nanos() as f64 / iterations as f64
    };
    let ascii_ns = time(&ascii);
    let persian_ns = time(&persian);
    println!("NationalCode::parse: {ascii_ns:.1} ns (ASCII digits), {persian_ns:.1} ns (Persian digits), {iterations} iterations each");
    if json {
        super::print_json(
            &json!({"ascii_ns": (ascii_ns * 10.0).round() / 10.0, "persian_ns": (persian_ns * 10.0).round() / 10.0, "iterations": iterations}),
        );
    }
    Ok(())
}

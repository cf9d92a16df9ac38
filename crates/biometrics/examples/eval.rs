//! Runs the FVC2002 evaluation and prints the report as JSON.
//!
//! `cargo run --release --example eval -- [DATA_DIR] [--no-images] [--one-frame]
//!  [--frame image|stretched] [--threads N] [--no-synthetic]`

use biometrics::eval::{run_eval, EvalOptions, Frame};
use std::path::PathBuf;

fn main() {
    let mut args = std::env::args().skip(1);
    let mut data = PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/data/fingerprints"
    ));
    let mut opts = EvalOptions::default();
    while let Some(a) = args.next() {
        match a.as_str() {
            "--no-images" => opts.images = false,
            "--one-frame" => opts.both_frames = false,
            "--no-synthetic" => opts.synthetic_speed = false,
            "--threads" => {
                opts.threads = args.next().and_then(|v| v.parse().ok()).unwrap_or(1);
            }
            "--frame" => {
                opts.frame = match args.next().as_deref() {
                    Some("image") => Frame::Image,
                    _ => Frame::Stretched,
                }
            }
            other => data = PathBuf::from(other),
        }
    }
    match run_eval(&data, &opts) {
        Ok(report) => match serde_json::to_string_pretty(&report) {
            Ok(s) => println!("{s}"),
            Err(e) => eprintln!("cannot serialise: {e}"),
        },
        Err(e) => {
            eprintln!("evaluation failed: {e}");
            std::process::exit(1);
        }
    }
}

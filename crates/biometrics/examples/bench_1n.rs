//! Runs the 1:N identification benchmark and prints the report as JSON.
//!
//! `cargo run --release --example bench_1n -- [DATA_DIR] [--sizes 10000,100000,1000000]
//!  [--pairs 8] [--exhaustive 8] [--shortlist 200] [--threads 2]`

use biometrics::eval::{bench_identification, BenchOptions};
use std::path::PathBuf;

fn main() {
    let mut args = std::env::args().skip(1);
    let mut data = PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/data/fingerprints"
    ));
    let mut opts = BenchOptions::default();
    while let Some(a) = args.next() {
        let mut num = |what: &str| -> usize {
            args.next().and_then(|v| v.parse().ok()).unwrap_or_else(|| {
                eprintln!("{what} needs a number");
                std::process::exit(2)
            })
        };
        match a.as_str() {
            "--sizes" => {
                let list = args.next().unwrap_or_default();
                opts.gallery_sizes = list
                    .split(',')
                    .filter_map(|s| s.trim().parse().ok())
                    .collect();
            }
            "--pairs" => opts.impression_pairs = num("--pairs"),
            "--exhaustive" => opts.exhaustive_searches = num("--exhaustive"),
            "--shortlist" => opts.search.shortlist = num("--shortlist"),
            "--threads" => opts.search.threads = num("--threads"),
            "--vote-keep" => opts.search.vote_keep = num("--vote-keep"),
            other => data = PathBuf::from(other),
        }
    }
    match bench_identification(&data, &opts) {
        Ok(report) => match serde_json::to_string_pretty(&report) {
            Ok(s) => println!("{s}"),
            Err(e) => eprintln!("cannot serialise: {e}"),
        },
        Err(e) => {
            eprintln!("benchmark failed: {e}");
            std::process::exit(1);
        }
    }
}

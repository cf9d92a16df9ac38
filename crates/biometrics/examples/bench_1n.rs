//! Runs the 1:N identification benchmark and prints the report as JSON, then the process's
//! resident memory (from `/proc/self/status`) on stderr.
//!
//! `cargo run --release --example bench_1n -- [DATA_DIR] [--sizes 10000,100000,1000000]
//!  [--pairs 8] [--exhaustive 8] [--shortlist 200] [--threads 2]`
//!
//! `bench_1n --memory 1000000 [--threads 2]` only builds a gallery of that many synthetic
//! fingers (ten per person, the benchmark's distractor generator) and prints its memory: the
//! gallery's own accounting ([`Gallery::memory_bytes`]) and the process's resident size, each
//! per finger, as loaded and after [`Gallery::compact`]. No FVC data is needed.

use biometrics::eval::{bench_identification, BenchOptions};
use biometrics::gallery::Gallery;
use biometrics::synth::{synthetic_template, Rng};
use biometrics::Template;
use std::path::PathBuf;
use std::time::Instant;

fn main() {
    let mut args = std::env::args().skip(1);
    let mut data = PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/data/fingerprints"
    ));
    let mut opts = BenchOptions::default();
    let mut memory_only = None;
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
            "--memory" => memory_only = Some(num("--memory")),
            other => data = PathBuf::from(other),
        }
    }
    if let Some(fingers) = memory_only {
        memory(fingers, &opts);
        return;
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
    let largest = opts.gallery_sizes.iter().copied().max().unwrap_or(0);
    let (rss, hwm) = (status_kb("VmRSS:"), status_kb("VmHWM:"));
    eprintln!(
        "process memory: VmRSS {rss} kB, VmHWM {hwm} kB; VmHWM per finger at {largest} \
         fingers: {:.0} B (includes the benchmark's own buffers)",
        (hwm * 1024) as f64 / largest.max(1) as f64
    );
}

/// Builds a gallery of `fingers` synthetic fingers and prints its memory per finger.
fn memory(fingers: usize, opts: &BenchOptions) {
    let threads = opts.search.threads.max(1);
    let base_rss = status_kb("VmRSS:");
    let t0 = Instant::now();
    let mut gallery = Gallery::with_params(opts.search);
    let persons = (fingers / 10) as u64;
    let mut next = 0u64;
    while next < persons {
        let batch = (persons - next).min(2_000);
        let ids: Vec<u64> = (next..next + batch).collect();
        for (id, templates) in generate(&ids, opts.seed, threads) {
            for (pos, t) in templates {
                // Positions are 1-10 by construction.
                let _ = gallery.insert(id, pos, t);
            }
        }
        next += batch;
    }
    let build = t0.elapsed().as_secs_f64();
    let n = gallery.fingers().max(1) as f64;
    let accounted = gallery.memory_bytes();
    let (rss, hwm) = (status_kb("VmRSS:"), status_kb("VmHWM:"));
    println!(
        "{{\"fingers\": {}, \"persons\": {}, \"build_seconds\": {build:.1}, \
         \"memory_bytes\": {accounted}, \"memory_bytes_per_finger\": {:.0}, \
         \"vm_rss_kb\": {rss}, \"vm_hwm_kb\": {hwm}, \"base_rss_kb\": {base_rss}, \
         \"rss_per_finger\": {:.0}, \"hwm_per_finger\": {:.0}}}",
        gallery.fingers(),
        gallery.persons(),
        accounted as f64 / n,
        (rss.saturating_sub(base_rss) * 1024) as f64 / n,
        (hwm.saturating_sub(base_rss) * 1024) as f64 / n,
    );
    // The same gallery with its staged index entries frozen and its vectors trimmed.
    gallery.compact();
    let accounted = gallery.memory_bytes();
    let rss = status_kb("VmRSS:");
    println!(
        "{{\"after_compact\": true, \"memory_bytes\": {accounted}, \
         \"memory_bytes_per_finger\": {:.0}, \"vm_rss_kb\": {rss}, \"rss_per_finger\": {:.0}}}",
        accounted as f64 / n,
        (rss.saturating_sub(base_rss) * 1024) as f64 / n,
    );
}

/// Distractor persons generated in parallel (the benchmark's generator and seeding).
fn generate(ids: &[u64], seed: u64, threads: usize) -> Vec<(u64, Vec<(u8, Template)>)> {
    let chunk = ids.len().div_ceil(threads).max(1);
    std::thread::scope(|scope| {
        let handles: Vec<_> = ids
            .chunks(chunk)
            .map(|part| {
                scope.spawn(move || {
                    part.iter()
                        .map(|&id| {
                            let mut rng = Rng::new(seed ^ id.wrapping_mul(0x9e37_79b9_7f4a_7c15));
                            let fingers = (1..=10u8)
                                .map(|p| (p, synthetic_template(&mut rng)))
                                .collect();
                            (id, fingers)
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap_or_default())
            .collect()
    })
}

/// A `kB` figure of `/proc/self/status` (0 when unavailable).
fn status_kb(field: &str) -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with(field))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
        })
        .unwrap_or(0)
}

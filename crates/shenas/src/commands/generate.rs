//! `shenas registry generate` and `shenas offices generate`: synthetic CSV files.

use serde_json::json;
use std::io::Write;
use std::path::Path;
use std::time::Instant;

fn output(out: Option<&Path>) -> anyhow::Result<Box<dyn Write>> {
    Ok(match out {
        Some(p) => Box::new(std::io::BufWriter::with_capacity(
            1 << 20,
            std::fs::File::create(p)
                .map_err(|e| anyhow::anyhow!("cannot create {}: {e}", p.display()))?,
        )),
        None => Box::new(std::io::BufWriter::with_capacity(
            1 << 20,
            std::io::stdout().lock(),
        )),
    })
}

pub fn persons(count: u64, seed: u64, out: Option<&Path>, json: bool) -> anyhow::Result<()> {
    let started = Instant::now();
    let mut w = output(out)?;
    let mut generator = synth::persons::PersonGenerator::new(seed, super::today()?);
    generator.write_csv(&mut w, count)?;
    w.flush()?;
    drop(w);
    let secs = started.elapsed().as_secs_f64();
    let rate = count as f64 / secs.max(1e-9);
    // The CSV may be on standard output: the report goes to standard error unless a file took the CSV.
    let line = format!("generated {count} persons in {secs:.2} s ({rate:.0} persons/s)");
    let report = json!({"persons": count, "seconds": (secs * 1000.0).round() / 1000.0, "persons_per_sec": rate.round()});
    if out.is_some() {
        println!("{line}");
        if json {
            super::print_json(&report);
        }
    } else {
        eprintln!("{line}");
        if json {
            eprintln!("{report}");
        }
    }
    Ok(())
}

pub fn offices(count: usize, seed: u64, out: Option<&Path>) -> anyhow::Result<()> {
    let offices = synth::offices::generate_offices(seed, count);
    let mut w = output(out)?;
    synth::offices::write_offices_csv(&mut w, &offices)?;
    w.flush()?;
    if out.is_some() {
        println!("generated {} offices", offices.len());
    }
    Ok(())
}

//! Development aid: `matcher::score` speed on one core, on FVC DB1_B's ISO templates and on
//! synthetic templates of 36+ minutiae, beside Bozorth3 in the same run.
//!
//! `cargo run --release --example speed -- [--gate COS] [--rounds N] [--hypotheses N] [--min-lss S]
//!  [--no-bozorth] [--only fvc|synthetic]`
use biometrics::eval::clock::CpuClock;
use biometrics::eval::{bozorth_minutiae, bozorth_score};
use biometrics::matcher::{score_with, MatchParams};
use biometrics::record::MinutiaeRecord;
use biometrics::synth::{synthetic_minutiae, Rng};
use biometrics::Template;

fn time(name: &str, t: &[Template], p: &MatchParams, rounds: usize, bozorth: bool) {
    let mut n = 0usize;
    let mut acc = 0.0f32;
    let s = CpuClock::start();
    for _ in 0..rounds {
        for a in t {
            for b in t {
                acc += score_with(a, b, p);
                n += 1;
            }
        }
    }
    let ours = n as f64 / s.seconds();
    if !bozorth {
        println!("{name}: ours {ours:.0}/s (checksum {acc:.3})");
        return;
    }
    let bz: Vec<_> = t.iter().map(bozorth_minutiae).collect();
    let s = CpuClock::start();
    let mut m = 0usize;
    for a in &bz {
        for b in &bz {
            m += bozorth_score(a, b).unwrap_or(0) as usize;
        }
    }
    let boz = (bz.len() * bz.len()) as f64 / s.seconds();
    let mean = t.iter().map(|x| x.minutiae().len()).sum::<usize>() as f64 / t.len() as f64;
    println!(
        "{name}: {} templates, {mean:.1} minutiae: ours {ours:.0}/s, bozorth3 {boz:.0}/s (checksums {acc:.3} {m})",
        t.len()
    );
}

fn main() {
    let mut p = MatchParams::DEFAULT;
    let mut rounds = 3;
    let mut bozorth = true;
    let mut only = String::new();
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--gate" => p.direction_gate = args.next().and_then(|v| v.parse().ok()).unwrap_or(0.0),
            "--no-bozorth" => bozorth = false,
            "--min-lss" => {
                p.hypotheses_min_lss = args.next().and_then(|v| v.parse().ok()).unwrap_or(0.0)
            }
            "--hypotheses" => p.hypotheses = args.next().and_then(|v| v.parse().ok()).unwrap_or(0),
            "--only" => only = args.next().unwrap_or_default(),
            "--rounds" => rounds = args.next().and_then(|v| v.parse().ok()).unwrap_or(3),
            _ => {}
        }
    }
    let dir = std::path::PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/data/fingerprints/fvc2002/DB1_B"
    ));
    let mut t = Vec::new();
    for f in 101..=110 {
        for i in 1..=8 {
            if let Some(r) = std::fs::read(dir.join(format!("{f}_{i}.iso")))
                .ok()
                .and_then(|b| MinutiaeRecord::parse(&b).ok())
            {
                t.push(Template::from_record_view(&r.views[0]));
            }
        }
    }
    if !t.is_empty() && only != "synthetic" {
        time("FVC2002 DB1_B", &t, &p, rounds, bozorth);
    }
    if only == "fvc" {
        return;
    }
    let mut rng = Rng::new(2026);
    let mut s = Vec::new();
    while s.len() < 60 {
        let m = synthetic_minutiae(&mut rng);
        if m.len() >= 36 {
            s.push(Template::from_minutiae(m));
        }
    }
    time("synthetic", &s, &p, rounds, bozorth);
}

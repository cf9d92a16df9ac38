//! Development aid: every ordered pair's score of the four FVC2002 sets (ISO records, both
//! frames) and of the synthetic templates of `examples/speed.rs`, one line each, so that a
//! change meant to keep scores can be checked by diffing two runs' output.
//!
//! `cargo run --release --example scores -- [DATA_DIR] > scores.txt`
use biometrics::eval::fvc::{load_set, SETS};
use biometrics::eval::Frame;
use biometrics::matcher::{compare, MatchParams};
use biometrics::synth::{synthetic_minutiae, Rng};
use biometrics::Template;
use std::path::PathBuf;

fn dump(name: &str, t: &[Template], p: &MatchParams) {
    for (i, a) in t.iter().enumerate() {
        for (j, b) in t.iter().enumerate() {
            if i == j {
                continue;
            }
            let c = compare(a, b, p);
            println!(
                "{name} {i} {j} {:08x} {:?} {:?} {} {:.6}",
                c.score(p).to_bits(),
                c.overlap,
                c.minutiae,
                c.mates,
                c.lss_r
            );
        }
    }
}

fn main() {
    let data = std::env::args()
        .nth(1)
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/../../../shared/data/fingerprints"
            ))
        });
    let p = MatchParams::DEFAULT;
    for set in SETS {
        let Ok(imps) = load_set(&data, set) else {
            eprintln!("{set}: not found");
            continue;
        };
        for frame in [Frame::Stretched, Frame::Image] {
            let t: Vec<Template> = imps.iter().map(|m| m.template(frame)).collect();
            dump(&format!("{set}/{}", frame.name()), &t, &p);
        }
    }
    let mut rng = Rng::new(2026);
    let mut s = Vec::new();
    while s.len() < 60 {
        let m = synthetic_minutiae(&mut rng);
        if m.len() >= 36 {
            s.push(Template::from_minutiae(m));
        }
    }
    dump("synthetic", &s, &p);
}

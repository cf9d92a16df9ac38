//! Times `matcher::score` on the FVC ISO templates (all pairs of DB1_B), one core.
use biometrics::record::MinutiaeRecord;
use biometrics::Template;

fn main() {
    let dir = std::path::PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/data/fingerprints/fvc2002/DB1_B"
    ));
    let mut t = Vec::new();
    for f in 101..=110 {
        for i in 1..=8 {
            let Ok(b) = std::fs::read(dir.join(format!("{f}_{i}.iso"))) else {
                return;
            };
            let Ok(r) = MinutiaeRecord::parse(&b) else {
                return;
            };
            t.push(Template::from_record_view(&r.views[0]));
        }
    }
    let ms: Vec<Vec<biometrics::TemplateMinutia>> =
        t.iter().map(|x| x.minutiae().to_vec()).collect();
    let s = biometrics::eval::clock::CpuClock::start();
    let mut k = 0usize;
    for _ in 0..10 {
        for m in &ms {
            k += Template::from_minutiae(m.clone()).minutiae().len();
        }
    }
    println!(
        "template build: {:.1} us ({k})",
        s.seconds() * 1e6 / (10 * ms.len()) as f64
    );
    let mut n = 0usize;
    let mut acc = 0.0f32;
    let s = biometrics::eval::clock::CpuClock::start();
    for _ in 0..3 {
        for a in &t {
            for b in &t {
                acc += biometrics::matcher::score(a, b);
                n += 1;
            }
        }
    }
    let e = s.seconds();
    println!(
        "{n} comparisons in {e:.3}s: {:.0}/s (checksum {acc})",
        n as f64 / e
    );
}

#[allow(dead_code)]
fn unused() {}

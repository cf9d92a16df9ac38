//! `shenas biometrics eval` and `shenas biometrics bench-1n`: the fingerprint engine measured on an FVC-layout
//! folder (`fvc2002/DB1_B` …), side by side with NIST Bozorth3.

use biometrics::eval::{bench_identification, run_eval, BenchOptions, EvalOptions};
use std::path::Path;

pub fn eval(data: &Path, json: bool, images: bool) -> anyhow::Result<()> {
    let opts = EvalOptions {
        images,
        ..EvalOptions::default()
    };
    let report = run_eval(data, &opts)
        .map_err(|e| anyhow::anyhow!("evaluation on {}: {e}", data.display()))?;
    let pct = |x: f64| x * 100.0;
    for (name, f) in [("ours", &report.ours), ("bozorth3", &report.bozorth3)] {
        println!(
            "{name:>9}: EER {:.2} %, FNMR {:.2} % at FMR 1 %, {:.2} % at FMR 0.1 %, {:.0} comparisons/s/core",
            pct(f.eer),
            pct(f.fnmr_at_fmr_1e_2),
            pct(f.fnmr_at_fmr_1e_3),
            f.comparisons_per_sec_per_core
        );
    }
    if let Some(img) = &report.images {
        println!(
            "   images: ours EER {:.2} %, bozorth3 EER {:.2} % (templates extracted from the TIFF images)",
            pct(img.ours.eer),
            pct(img.bozorth3.eer)
        );
    }
    if json {
        super::print_json(&serde_json::to_value(&report)?);
    }
    Ok(())
}

pub fn bench_1n(data: &Path, sizes: &[usize], json: bool) -> anyhow::Result<()> {
    let opts = BenchOptions {
        gallery_sizes: sizes.to_vec(),
        ..BenchOptions::default()
    };
    let report =
        bench_identification(data, &opts).map_err(|e| anyhow::anyhow!("1:N benchmark: {e}"))?;
    for row in &report.rows {
        println!("{}", serde_json::to_string(row)?);
    }
    if json {
        super::print_json(&serde_json::to_value(&report)?);
    }
    Ok(())
}

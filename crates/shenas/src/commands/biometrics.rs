//! `shenas biometrics eval` and `shenas biometrics bench-1n`: the fingerprint engine measured on FVC-layout
//! folders (`FFF_I.iso` records with `FFF_I.tif` images), side by side with NIST Bozorth3.

use biometrics::eval::{bench_identification, run_eval, BenchOptions, EvalOptions};
use std::path::Path;

pub fn eval(data: &Path, json: bool, images: bool, threads: usize) -> anyhow::Result<()> {
    let opts = EvalOptions {
        images,
        threads: threads.max(1),
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
            "   images: ours EER {:.2} % (FNMR {:.2} % at the built-in 1:1 threshold), bozorth3 EER {:.2} % (templates extracted from the images)",
            pct(img.ours.eer),
            pct(img.ours.fnmr_at_builtin_verify.unwrap_or(f64::NAN)),
            pct(img.bozorth3.eer)
        );
    }
    if let Some(s) = &report.synthetic_speed {
        println!(
            "    speed: synthetic templates of {:.1} minutiae: ours {:.0}, bozorth3 {:.0} comparisons/s/core",
            s.mean_minutiae, s.ours_per_sec_per_core, s.bozorth3_per_sec_per_core
        );
    }
    let c = &report.calibration;
    println!(
        "thresholds: 1:1 {:.4} (stated FMR {:.0e}), de-dup {:.3} (stated {:.0e} per person); fitted on all sets: {:.4}, {:.3} (margin {})",
        c.builtin_verify,
        c.stated_verify_fmr,
        c.builtin_dedup,
        c.stated_dedup_person_fmr,
        c.all_sets.verify,
        c.all_sets.dedup,
        c.all_sets.margin
    );
    if c.folds.is_empty() {
        println!("held out: leave-one-set-out needs at least two sets (the thresholds above are fitted without a margin and unchecked)");
    } else {
        println!("held out ({}):", c.interval);
    }
    for fold in &c.folds {
        for f in &fold.frames {
            let r = &f.fmr_at_builtin_verify;
            println!(
                "  {} [{}]: EER {:.2} %, at the other sets' EER threshold {:.2} %; built-in 1:1: FMR {}/{} = {:.1e} [{:.1e}, {:.1e}], FNMR {:.1} %; de-dup person FMR (model) {:.1e}",
                fold.held_out,
                f.frame,
                pct(f.eer),
                pct(f.held_out_eer),
                r.errors,
                r.trials,
                r.rate,
                r.lower_95,
                r.upper_95,
                pct(f.fnmr_at_builtin_verify),
                f.person_fmr_at_builtin_dedup_model
            );
        }
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

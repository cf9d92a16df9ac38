//! Parameter tuning by cross-validation across sets: a small grid of matcher settings
//! (LSS-R distance tolerance, weight and floor of the overlap normalisation), each chosen on
//! three sets (mean EER plus a quarter of the FNMR at the fitted 1:1 threshold) and measured on
//! the fourth; the pooled (all sets, in-sample) choice is printed beside it.
//!
//! `cargo run --release --example tune -- [DATA_DIR] [--threads N] [--d1 0,0.05,0.1]
//!  [--images] [--quality PAIRS:OVERLAP,…] [--gamma 0,1] [--floors 8] [--set key=value …]`
//! (`--quality` lists minimum reported minutia qualities for pair candidates and for the
//! overlap count; they matter only for `--images`, the ISO records report none).
//! with keys `d1_rel`, `mate_radius`, `mate_radius_rel`, `mate_angle_deg`, `overlap_margin`,
//! `min_overlap`, `min_quality_pairs`, `min_quality_overlap`, `refine` (0/1), `hypotheses`,
//! `hypotheses_below`, `hypotheses_min_lss`;
//! `--vary key=v1,v2,…` (repeatable) adds those keys to the grid.

use biometrics::eval::calibrate::{calibrate, FrameScores, PairKey, TailModel, STATED_VERIFY_FMR};
use biometrics::eval::fvc::{discover, load_dir, Frame};
use biometrics::eval::metrics;
use biometrics::matcher::{compare, Comparison, MatchParams, Thresholds};
use biometrics::Template;
use std::path::PathBuf;

/// Sets one matcher parameter by name.
fn set(p: &mut MatchParams, k: &str, v: f32) {
    match k {
        "d1_rel" => p.d1_rel = v,
        "direction_gate" => p.direction_gate = v,
        "mate_radius" => p.mate_radius = v,
        "mate_radius_rel" => p.mate_radius_rel = v,
        "mate_angle_deg" => p.mate_angle = v.to_radians(),
        "overlap_margin" => p.overlap_margin = v,
        "min_overlap" => p.min_overlap = v,
        "min_quality_pairs" => p.min_quality_pairs = v as u8,
        "min_quality_overlap" => p.min_quality_overlap = v as u8,
        "refine" => p.refine = v != 0.0,
        "hypotheses" => p.hypotheses = v as usize,
        "hypotheses_below" => p.hypotheses_below = v as usize,
        "hypotheses_min_lss" => p.hypotheses_min_lss = v,
        _ => eprintln!("unknown key {k}"),
    }
}

fn main() {
    let mut args = std::env::args().skip(1);
    let mut data = PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/data/fingerprints"
    ));
    let mut threads = 1usize;
    let mut p = MatchParams::DEFAULT;
    let mut d1_grid = vec![0.0f32, 0.05, 0.1];
    let mut with_images = false;
    let mut quality_grid = vec![(p.min_quality_pairs, p.min_quality_overlap)];
    let mut gammas = vec![0.0f32, 0.5, 1.0, 1.5, 2.0];
    let mut floors = vec![4.0f32, 8.0, 12.0];
    let mut drop_below = 0u8;
    let mut varies: Vec<(String, Vec<f32>)> = Vec::new();
    while let Some(a) = args.next() {
        match a.as_str() {
            "--d1" => {
                d1_grid = args
                    .next()
                    .unwrap_or_default()
                    .split(',')
                    .filter_map(|v| v.parse().ok())
                    .collect()
            }
            "--images" => with_images = true,
            "--vary" => {
                let kv = args.next().unwrap_or_default();
                let (k, v) = kv.split_once('=').unwrap_or(("", ""));
                varies.push((
                    k.to_string(),
                    v.split(',').filter_map(|x| x.parse().ok()).collect(),
                ));
            }
            "--drop" => drop_below = args.next().and_then(|v| v.parse().ok()).unwrap_or(0),
            "--quality" => {
                quality_grid = args
                    .next()
                    .unwrap_or_default()
                    .split(',')
                    .filter_map(|v| {
                        let (a, b) = v.split_once(':')?;
                        Some((a.parse().ok()?, b.parse().ok()?))
                    })
                    .collect()
            }
            "--gamma" => {
                gammas = args
                    .next()
                    .unwrap_or_default()
                    .split(',')
                    .filter_map(|v| v.parse().ok())
                    .collect()
            }
            "--floors" => {
                floors = args
                    .next()
                    .unwrap_or_default()
                    .split(',')
                    .filter_map(|v| v.parse().ok())
                    .collect()
            }
            "--threads" => threads = args.next().and_then(|v| v.parse().ok()).unwrap_or(1),
            "--set" => {
                let kv = args.next().unwrap_or_default();
                let (k, v) = kv.split_once('=').unwrap_or(("", "0"));
                let v: f32 = v.parse().unwrap_or(0.0);
                set(&mut p, k, v);
            }
            other => data = PathBuf::from(other),
        }
    }
    let sets: Vec<(String, Vec<_>)> = discover(&data)
        .expect("sets")
        .into_iter()
        .map(|(n, d)| (n, load_dir(&d).expect("loads")))
        .collect();
    let flat: Vec<(usize, u32)> = sets
        .iter()
        .enumerate()
        .flat_map(|(s, (_, imps))| imps.iter().map(move |i| (s, i.finger)))
        .collect();
    let mut keys = Vec::new();
    let mut pairs = Vec::new();
    for a in 0..flat.len() {
        for b in a + 1..flat.len() {
            keys.push(PairKey {
                set_a: flat[a].0,
                set_b: flat[b].0,
                genuine: flat[a] == flat[b],
            });
            pairs.push((a, b));
        }
    }
    let names: Vec<String> = sets.iter().map(|(n, _)| n.clone()).collect();
    let mut templates: Vec<Vec<Template>> = [Frame::Stretched, Frame::Image]
        .iter()
        .map(|&f| {
            sets.iter()
                .flat_map(|(_, s)| s.iter().map(|i| i.template(f)))
                .collect()
        })
        .collect();
    if with_images {
        let paths: Vec<PathBuf> = sets
            .iter()
            .flat_map(|(_, s)| s.iter().filter_map(|i| i.image_path.clone()))
            .collect();
        let chunk = paths.len().div_ceil(threads);
        let extracted: Vec<Template> = std::thread::scope(|scope| {
            let hs: Vec<_> = paths
                .chunks(chunk)
                .map(|part| {
                    scope.spawn(move || {
                        part.iter()
                            .map(|p| {
                                let bytes = std::fs::read(p).expect("image reads");
                                let t = biometrics::extract::extract(&bytes).expect("extracts").0;
                                if drop_below == 0 {
                                    return t;
                                }
                                Template::from_minutiae(
                                    t.minutiae()
                                        .iter()
                                        .copied()
                                        .filter(|m| m.quality >= drop_below)
                                        .collect(),
                                )
                            })
                            .collect::<Vec<_>>()
                    })
                })
                .collect();
            hs.into_iter()
                .flat_map(|h| h.join().expect("extraction thread"))
                .collect()
        });
        templates.push(extracted);
    }
    let mut points: Vec<(MatchParams, String)> = Vec::new();
    for &d1 in &d1_grid {
        for &(qp, qo) in &quality_grid {
            let mut q = p;
            q.d1_rel = d1;
            q.min_quality_pairs = qp;
            q.min_quality_overlap = qo;
            points.push((q, String::new()));
        }
    }
    for (k, vs) in &varies {
        points = points
            .into_iter()
            .flat_map(|(q, l)| {
                vs.iter().map(move |&v| {
                    let mut r = q;
                    set(&mut r, k, v);
                    (r, format!("{l} {k} {v}"))
                })
            })
            .collect();
    }
    let mut grid: Vec<(MatchParams, f32, Vec<Vec<f64>>, String)> = Vec::new();
    for (p, extra) in points {
        let per_frame = comparisons(&templates, &pairs, &p, threads);
        if std::env::var("EXPLORE_STATS").is_ok() {
            stats(&names, &keys, &per_frame);
        }
        if std::env::var("FAILURES").is_ok() {
            failures(&names, &keys, &per_frame, &p);
        }
        if std::env::var("TUNE_TOP").is_ok() {
            for (frame, cs) in &per_frame {
                let mut v: Vec<(f32, usize)> = cs
                    .iter()
                    .enumerate()
                    .filter(|(i, _)| !keys[*i].genuine)
                    .map(|(i, c)| (c.score(&p), i))
                    .collect();
                v.sort_by(|a, b| b.0.total_cmp(&a.0));
                for &(sc, i) in v.iter().take(8) {
                    println!(
                        "{frame} impostor {sc:.4} {:?} {:?} {:?}",
                        keys[i], pairs[i], cs[i]
                    );
                }
                let mut g: Vec<(f32, usize)> = cs
                    .iter()
                    .enumerate()
                    .filter(|(i, _)| keys[*i].genuine)
                    .map(|(i, c)| (c.score(&p), i))
                    .collect();
                g.sort_by(|a, b| a.0.total_cmp(&b.0));
                for &(sc, i) in g.iter().take(8) {
                    println!(
                        "{frame} genuine {sc:.4} {:?} {:?} {:?}",
                        keys[i], pairs[i], cs[i]
                    );
                }
            }
        }
        for &gamma in &gammas {
            for &m0 in &floors {
                let mut q = p;
                q.min_overlap = m0;
                let scores = per_frame
                    .iter()
                    .map(|(_, cs)| cs.iter().map(|c| normalised(c, gamma, m0)).collect())
                    .collect();
                grid.push((q, gamma, scores, extra.clone()));
            }
        }
    }
    report(&names, &keys, &grid);
}

/// The candidate score: LSS-R times the overlap-normalised mate ratio to the power `gamma`.
fn normalised(c: &Comparison, gamma: f32, m0: f32) -> f64 {
    if std::env::var("TUNE_MIN").is_ok() {
        let d = (c.overlap.0.min(c.overlap.1) as f32).max(m0).max(1.0);
        return f64::from(c.lss_r * (c.mates as f32 / d).min(1.0).powf(gamma));
    }
    f64::from(c.lss_r * c.mate_ratio(m0).powf(gamma))
}

fn comparisons(
    templates: &[Vec<Template>],
    pairs: &[(usize, usize)],
    p: &MatchParams,
    threads: usize,
) -> Vec<(String, Vec<Comparison>)> {
    let mut per_frame: Vec<(String, Vec<Comparison>)> = Vec::new();
    for (frame, t) in ["stretched", "image", "extracted"].iter().zip(templates) {
        let chunk = pairs.len().div_ceil(threads);
        let c: Vec<Comparison> = std::thread::scope(|scope| {
            let hs: Vec<_> = pairs
                .chunks(chunk)
                .map(|part| {
                    let t = &t;
                    scope.spawn(move || {
                        part.iter()
                            .map(|&(a, b)| compare(&t[a], &t[b], p))
                            .collect::<Vec<_>>()
                    })
                })
                .collect();
            hs.into_iter()
                .flat_map(|h| h.join().expect("scoring thread"))
                .collect()
        });
        per_frame.push((frame.to_string(), c));
    }
    per_frame
}

/// Per set: EER (mean of the frames); and on a subset of sets, FNMR at the 1:1 threshold the
/// tail model fits on that subset's impostors (both frames).
fn objective(keys: &[PairKey], scores: &[Vec<f64>], sets: &[usize]) -> (f64, f64, Vec<f64>) {
    let mut eer = 0.0;
    let mut per_frame = vec![0.0; scores.len()];
    for &s in sets {
        for (fi, f) in scores.iter().enumerate() {
            let (mut g, mut i) = (Vec::new(), Vec::new());
            for (k, &v) in keys.iter().zip(f) {
                if k.set_a == s && k.set_b == s {
                    if k.genuine {
                        g.push(v)
                    } else {
                        i.push(v)
                    }
                }
            }
            let e = metrics::eer(&g, &i);
            eer += e / (sets.len() * scores.len()) as f64;
            per_frame[fi] += e / sets.len() as f64;
        }
    }
    let (mut g, mut i) = (Vec::new(), Vec::new());
    for f in scores {
        for (k, &v) in keys.iter().zip(f) {
            if sets.contains(&k.set_a) && sets.contains(&k.set_b) {
                if k.genuine {
                    g.push(v)
                } else {
                    i.push(v)
                }
            }
        }
    }
    let t = TailModel::fit(&i).threshold(STATED_VERIFY_FMR);
    let fnmr = g.iter().filter(|&&v| v < t).count() as f64 / g.len().max(1) as f64;
    (eer, fnmr, per_frame)
}

type Point = (MatchParams, f32, Vec<Vec<f64>>, String);

fn report(names: &[String], keys: &[PairKey], grid: &[Point]) {
    let all: Vec<usize> = (0..names.len()).collect();
    let label = |(p, g, _, extra): &Point| {
        format!(
            "d1_rel {:.2} gamma {:.1} min_overlap {:.0} quality {}:{}{extra}",
            p.d1_rel, g, p.min_overlap, p.min_quality_pairs, p.min_quality_overlap
        )
    };
    println!("pooled (all sets, in-sample): EER % / FNMR % at the fitted 1:1 threshold");
    let mut pooled: Vec<(f64, usize)> = Vec::new();
    for (i, cfg) in grid.iter().enumerate() {
        let (e, f, pf) = objective(keys, &cfg.2, &all);
        let pf: Vec<String> = pf.iter().map(|x| format!("{:.2}", x * 100.0)).collect();
        println!(
            "  {:<44} {:.2} / {:.2}   EER per source {}",
            label(cfg),
            e * 100.0,
            f * 100.0,
            pf.join(" ")
        );
        pooled.push((e + f / 4.0, i));
    }
    pooled.sort_by(|a, b| a.0.total_cmp(&b.0));
    println!("pooled best: {}", label(&grid[pooled[0].1]));
    println!("leave one set out: chosen on three sets, measured on the fourth");
    let (mut sum_eer, mut sum_fnmr) = (0.0, 0.0);
    for k in 0..names.len() {
        let rest: Vec<usize> = all.iter().copied().filter(|&s| s != k).collect();
        let best = (0..grid.len())
            .map(|i| {
                let (e, f, _) = objective(keys, &grid[i].2, &rest);
                (e + f / 4.0, i)
            })
            .min_by(|a, b| a.0.total_cmp(&b.0))
            .map_or(0, |x| x.1);
        let cfg = &grid[best];
        let (e, _, _) = objective(keys, &cfg.2, &[k]);
        let frames: Vec<FrameScores> = cfg
            .2
            .iter()
            .enumerate()
            .map(|(i, s)| FrameScores {
                frame: format!("frame{i}"),
                scores: s.clone(),
            })
            .collect();
        let cal = calibrate(names, keys, &frames, &Thresholds::calibrated());
        let fold = &cal.folds[k];
        let errs: Vec<String> = fold
            .frames
            .iter()
            .map(|f| {
                format!(
                    "FMR {}/{} FNMR {:.1} % heldEER {:.2} %",
                    f.fmr_at_fitted_verify.errors,
                    f.fmr_at_fitted_verify.trials,
                    f.fnmr_at_fitted_verify * 100.0,
                    f.held_out_eer * 100.0
                )
            })
            .collect();
        let fnmr = fold
            .frames
            .iter()
            .map(|f| f.fnmr_at_fitted_verify)
            .sum::<f64>()
            / fold.frames.len() as f64;
        sum_eer += e / names.len() as f64;
        sum_fnmr += fnmr / names.len() as f64;
        println!(
            "  held out {}: {} -> EER {:.2} %; {}",
            names[k],
            label(cfg),
            e * 100.0,
            errs.join("; ")
        );
    }
    println!(
        "held-out mean EER {:.2} %, mean FNMR at the fitted 1:1 threshold {:.2} %",
        sum_eer * 100.0,
        sum_fnmr * 100.0
    );
}

/// Impostor LSS-R score by set and by the smaller minutiae count of the pair.
fn stats(names: &[String], keys: &[PairKey], per_frame: &[(String, Vec<Comparison>)]) {
    for (frame, cs) in per_frame {
        println!("{frame}");
        for (s, name) in names.iter().enumerate() {
            let mut bins = vec![(0.0f64, 0usize, 0.0f64); 10];
            let mut genuine = (0.0, 0usize);
            let mut nmin = 0.0;
            let mut n = 0usize;
            for (k, c) in keys.iter().zip(cs) {
                if k.set_a != s || k.set_b != s {
                    continue;
                }
                if k.genuine {
                    genuine.0 += f64::from(c.lss_r);
                    genuine.1 += 1;
                    continue;
                }
                let m = c.minutiae.0.min(c.minutiae.1);
                nmin += m as f64;
                n += 1;
                let b = (m / 10).min(9);
                bins[b].0 += f64::from(c.lss_r);
                bins[b].1 += 1;
                bins[b].2 = bins[b].2.max(f64::from(c.lss_r));
            }
            let line: Vec<String> = bins
                .iter()
                .enumerate()
                .filter(|(_, b)| b.1 > 0)
                .map(|(i, b)| format!("{}0s:{:.4}/{:.4}({})", i, b.0 / b.1 as f64, b.2, b.1))
                .collect();
            println!(
                "  {name}: mean nmin {:.1}, genuine mean {:.4}; impostor by nmin {}",
                nmin / n.max(1) as f64,
                genuine.0 / genuine.1.max(1) as f64,
                line.join(" ")
            );
        }
    }
}

/// Genuine pairs below the built-in 1:1 threshold by cause, per set, and the impostors that
/// come closest to it (`FAILURES=1`).
fn failures(
    names: &[String],
    keys: &[PairKey],
    per_frame: &[(String, Vec<Comparison>)],
    p: &MatchParams,
) {
    let t = Thresholds::calibrated().verify;
    for (frame, cs) in per_frame {
        println!("{frame}: genuine pairs below {t}");
        for (s, name) in names.iter().enumerate() {
            let (mut n, mut fail) = (0usize, 0usize);
            let (mut wrong, mut small, mut few, mut low) = (0, 0, 0, 0);
            for (k, c) in keys.iter().zip(cs) {
                if !k.genuine || k.set_a != s {
                    continue;
                }
                n += 1;
                if c.score(p) >= t {
                    continue;
                }
                fail += 1;
                let ov = c.overlap.0.min(c.overlap.1);
                if c.mates <= 2 {
                    wrong += 1; // the alignment LSS-R chose is not the finger's
                } else if ov < 12 {
                    small += 1; // aligned, but the prints share little
                } else if c.mate_ratio(p.min_overlap) < 0.5 {
                    few += 1; // aligned, large overlap, few of its minutiae mate
                } else {
                    low += 1; // mates fine, LSS-R low
                }
            }
            println!(
                "  {name}: {fail}/{n} below; mates<=2 {wrong}, overlap<12 {small}, mate ratio<0.5 {few}, low LSS-R {low}"
            );
        }
        let mut imp: Vec<&Comparison> = keys
            .iter()
            .zip(cs)
            .filter(|(k, c)| !k.genuine && c.score(p) >= 0.5 * t)
            .map(|(_, c)| c)
            .collect();
        imp.sort_by(|a, b| b.score(p).total_cmp(&a.score(p)));
        let n = imp.len().max(1) as f64;
        let mean = |f: &dyn Fn(&Comparison) -> f64| imp.iter().map(|c| f(c)).sum::<f64>() / n;
        println!(
            "  impostors at or above half the threshold: {}; mean minutiae (smaller) {:.1}, overlap (smaller) {:.1}, mates {:.1}, mate ratio {:.2}, LSS-R {:.3}",
            imp.len(),
            mean(&|c| c.minutiae.0.min(c.minutiae.1) as f64),
            mean(&|c| c.overlap.0.min(c.overlap.1) as f64),
            mean(&|c| c.mates as f64),
            mean(&|c| f64::from(c.mate_ratio(p.min_overlap))),
            mean(&|c| f64::from(c.lss_r)),
        );
        let g: Vec<&Comparison> = keys
            .iter()
            .zip(cs)
            .filter(|(k, _)| k.genuine)
            .map(|(_, c)| c)
            .collect();
        let n = g.len().max(1) as f64;
        println!(
            "  all genuine pairs: mean minutiae (smaller) {:.1}, overlap (smaller) {:.1}, mates {:.1}, mate ratio {:.2}, LSS-R {:.3}",
            g.iter().map(|c| c.minutiae.0.min(c.minutiae.1) as f64).sum::<f64>() / n,
            g.iter().map(|c| c.overlap.0.min(c.overlap.1) as f64).sum::<f64>() / n,
            g.iter().map(|c| c.mates as f64).sum::<f64>() / n,
            g.iter().map(|c| f64::from(c.mate_ratio(p.min_overlap))).sum::<f64>() / n,
            g.iter().map(|c| f64::from(c.lss_r)).sum::<f64>() / n,
        );
    }
}

//! The FVC evaluation run: both matchers on the same templates, per set and averaged.

use super::calibrate::{calibrate, Calibration, FrameScores, PairKey};
use super::clock::CpuClock;
use super::fvc::{self, Frame, Impression, Protocol};
use super::metrics::{eer, fnmr_at_fmr, Figures};
use super::{bozorth_minutiae, bozorth_score, EvalError};
use crate::matcher::{score, Thresholds};
use crate::synth::{synthetic_minutiae, Rng};
use crate::template::Template;
use serde::Serialize;
use std::path::Path;
use std::time::Instant;

/// What to evaluate.
#[derive(Debug, Clone)]
pub struct EvalOptions {
    /// Coordinates of the headline ISO-template figures.
    pub frame: Frame,
    /// Also report the ISO templates in the other frame.
    pub both_frames: bool,
    /// Also extract minutiae from the TIFF images and evaluate those templates.
    pub images: bool,
    /// Threads for extraction and the calibration's scoring (timings of comparisons always
    /// use one thread).
    pub threads: usize,
    /// Also time both matchers on synthetic templates of 40+ minutiae.
    pub synthetic_speed: bool,
}

impl Default for EvalOptions {
    fn default() -> Self {
        EvalOptions {
            frame: Frame::Stretched,
            both_frames: true,
            images: true,
            threads: 2,
            synthetic_speed: true,
        }
    }
}

/// Both matchers' figures on the same comparisons.
#[derive(Debug, Clone, Serialize, Default)]
pub struct MatcherPair {
    /// Our MCC matcher.
    pub ours: Figures,
    /// NIST Bozorth3 (`fprint-bozorth3` 0.1.0).
    pub bozorth3: Figures,
    /// Bozorth3 panics caught (scored 0).
    pub bozorth3_panics: usize,
}

/// One set's figures.
#[derive(Debug, Clone, Serialize)]
pub struct SetReport {
    /// Set name (DB1_B …).
    pub set: String,
    /// All 2,880 impostor pairs.
    pub all_impostors: MatcherPair,
    /// FVC's 45 first-impression impostor pairs.
    pub fvc_45_impostors: MatcherPair,
}

/// Figures of templates extracted from the images by [`crate::extract`].
#[derive(Debug, Clone, Serialize)]
pub struct ImagesReport {
    /// Our matcher (averages over the sets, all impostor pairs).
    pub ours: Figures,
    /// Bozorth3 on the same extracted templates.
    pub bozorth3: Figures,
    /// Per set.
    pub sets: Vec<SetReport>,
    /// Mean quality figure of the images.
    pub mean_quality: f64,
    /// Mean minutiae kept per image.
    pub mean_minutiae: f64,
    /// Wall-clock milliseconds per image (decode + extraction), per thread.
    pub extraction_ms_per_image: f64,
}

/// Speed of both matchers on synthetic templates (one core, the same run).
#[derive(Debug, Clone, Serialize)]
pub struct SyntheticSpeed {
    /// Templates compared (every ordered pair).
    pub templates: usize,
    /// Mean minutiae per template.
    pub mean_minutiae: f64,
    /// Our comparisons per second of one thread's CPU time.
    pub ours_per_sec_per_core: f64,
    /// Bozorth3's, same pairs.
    pub bozorth3_per_sec_per_core: f64,
}

/// The evaluation's result. `ours` and `bozorth3` are the headline: ISO templates in `frame`,
/// all impostor pairs, rates averaged over the sets, speed on one core.
#[derive(Debug, Clone, Serialize)]
pub struct EvalReport {
    /// Headline figures of our matcher.
    pub ours: Figures,
    /// Headline figures of Bozorth3.
    pub bozorth3: Figures,
    /// Frame of the headline figures.
    pub frame: &'static str,
    /// Impostor protocol of the headline figures.
    pub impostors: &'static str,
    /// Per-set figures in the headline frame.
    pub sets: Vec<SetReport>,
    /// The same ISO templates in the other frame, when asked.
    pub other_frame: Option<(String, MatcherPair)>,
    /// Templates extracted from the images, when asked (and every record has its image).
    pub images: Option<ImagesReport>,
    /// Thresholds fitted leave-one-set-out and checked on the held-out set, and the built-in
    /// thresholds measured on every held-out set.
    pub calibration: Calibration,
    /// Speed on synthetic templates of 40+ minutiae on average, when asked.
    pub synthetic_speed: Option<SyntheticSpeed>,
    /// Microseconds to build one template (cylinders) from a record view.
    pub template_build_us: f64,
}

/// Runs the evaluation over `data_dir`: a folder of FVC-layout records (`FFF_I.iso`, images
/// `FFF_I.tif` beside them), or a folder holding several (e.g. `fvc2002/DB1_B` …).
pub fn run_eval(data_dir: &Path, opts: &EvalOptions) -> Result<EvalReport, EvalError> {
    let mut sets = Vec::new();
    for (name, dir) in fvc::discover(data_dir)? {
        let set = fvc::load_dir(&dir)?;
        sets.push((name, set));
    }
    let start = Instant::now();
    let mut n_built = 0usize;
    let mut headline_templates = Vec::new();
    for (_, set) in &sets {
        let t: Vec<Template> = set.iter().map(|i| i.template(opts.frame)).collect();
        n_built += t.len();
        headline_templates.push(t);
    }
    let template_build_us = start.elapsed().as_secs_f64() * 1e6 / n_built.max(1) as f64;

    let (headline, set_reports) = evaluate_sets(&sets, &headline_templates);
    let other = match opts.frame {
        Frame::Stretched => Frame::Image,
        Frame::Image => Frame::Stretched,
    };
    let other_templates: Vec<Vec<Template>> = sets
        .iter()
        .map(|(_, s)| s.iter().map(|i| i.template(other)).collect())
        .collect();
    let other_frame = if opts.both_frames {
        Some((
            other.name().to_string(),
            evaluate_sets(&sets, &other_templates).0,
        ))
    } else {
        None
    };
    let with_images = sets
        .iter()
        .all(|(_, s)| s.iter().all(|i| i.image_path.is_some()));
    let images = if opts.images && with_images {
        Some(evaluate_images(&sets, opts.threads.max(1))?)
    } else {
        None
    };
    let names: Vec<String> = sets.iter().map(|(n, _)| n.clone()).collect();
    let (keys, pairs) = all_pairs(&sets);
    let frames = [(opts.frame, &headline_templates), (other, &other_templates)]
        .iter()
        .map(|(f, t)| FrameScores {
            frame: f.name().to_string(),
            scores: score_pairs(t, &pairs, opts.threads.max(1)),
        })
        .collect::<Vec<_>>();
    let calibration = calibrate(&names, &keys, &frames, &Thresholds::calibrated());
    let synthetic_speed = opts.synthetic_speed.then(synthetic_speed);
    Ok(EvalReport {
        ours: headline.ours,
        bozorth3: headline.bozorth3,
        frame: opts.frame.name(),
        impostors: "every cross-finger pair of each set (2,880 in a 10 x 8 set)",
        sets: set_reports,
        other_frame,
        images,
        calibration,
        synthetic_speed,
        template_build_us,
    })
}

/// Every pair of impressions over all sets (within and across sets), as keys and global
/// indices into the sets' impressions in order.
fn all_pairs(sets: &Sets) -> (Vec<PairKey>, Vec<(usize, usize)>) {
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
    (keys, pairs)
}

/// Scores the given global pairs of the sets' templates on `threads` threads.
fn score_pairs(templates: &[Vec<Template>], pairs: &[(usize, usize)], threads: usize) -> Vec<f64> {
    let flat: Vec<&Template> = templates.iter().flatten().collect();
    let chunk = pairs.len().div_ceil(threads).max(1);
    std::thread::scope(|scope| {
        let handles: Vec<_> = pairs
            .chunks(chunk)
            .map(|part| {
                let flat = &flat;
                scope.spawn(move || {
                    part.iter()
                        .map(|&(a, b)| f64::from(score(flat[a], flat[b])))
                        .collect::<Vec<f64>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap_or_default())
            .collect()
    })
}

/// Both matchers timed on the same synthetic templates, one thread: generated fingers with at
/// least 36 minutiae (about 45 on average).
fn synthetic_speed() -> SyntheticSpeed {
    let mut rng = Rng::new(2026);
    let mut t = Vec::new();
    while t.len() < 60 {
        let m = synthetic_minutiae(&mut rng);
        if m.len() >= 36 {
            t.push(Template::from_minutiae(m));
        }
    }
    let mean = t.iter().map(|x| x.minutiae().len()).sum::<usize>() as f64 / t.len() as f64;
    let b: Vec<Vec<fprint_bozorth3::Minutia>> = t.iter().map(bozorth_minutiae).collect();
    let n = t.len() * (t.len() - 1);
    let clock = CpuClock::start();
    let mut acc = 0.0f32;
    for (i, x) in t.iter().enumerate() {
        for (j, y) in t.iter().enumerate() {
            if i != j {
                acc += score(x, y);
            }
        }
    }
    let ours = n as f64 / clock.seconds().max(1e-9);
    let clock = CpuClock::start();
    let mut bacc = 0u64;
    for (i, x) in b.iter().enumerate() {
        for (j, y) in b.iter().enumerate() {
            if i != j {
                bacc += u64::from(bozorth_score(x, y).unwrap_or(0));
            }
        }
    }
    let boz = n as f64 / clock.seconds().max(1e-9);
    std::hint::black_box((acc, bacc));
    SyntheticSpeed {
        templates: t.len(),
        mean_minutiae: mean,
        ours_per_sec_per_core: ours,
        bozorth3_per_sec_per_core: boz,
    }
}

type Sets = [(String, Vec<Impression>)];

/// Scores every set with both matchers; returns the averaged pair and per-set reports.
fn evaluate_sets(sets: &Sets, templates: &[Vec<Template>]) -> (MatcherPair, Vec<SetReport>) {
    let mut reports = Vec::new();
    for ((name, set), t) in sets.iter().zip(templates) {
        let p = fvc::protocol(set);
        reports.push(evaluate_one(name, &p, t));
    }
    let n = reports.len().max(1) as f64;
    let avg = |f: &dyn Fn(&SetReport) -> Figures| {
        let mut s = Figures::default();
        for r in &reports {
            let x = f(r);
            s.eer += x.eer / n;
            s.fnmr_at_fmr_1e_2 += x.fnmr_at_fmr_1e_2 / n;
            s.fnmr_at_fmr_1e_3 += x.fnmr_at_fmr_1e_3 / n;
            s.fmr_at_builtin_verify = x
                .fmr_at_builtin_verify
                .map(|v| s.fmr_at_builtin_verify.unwrap_or(0.0) + v / n);
            s.fnmr_at_builtin_verify = x
                .fnmr_at_builtin_verify
                .map(|v| s.fnmr_at_builtin_verify.unwrap_or(0.0) + v / n);
            s.comparisons_per_sec_per_core += x.comparisons_per_sec_per_core / n;
        }
        s
    };
    let pair = MatcherPair {
        ours: avg(&|r| r.all_impostors.ours),
        bozorth3: avg(&|r| r.all_impostors.bozorth3),
        bozorth3_panics: reports
            .iter()
            .map(|r| r.all_impostors.bozorth3_panics)
            .sum(),
    };
    (pair, reports)
}

fn evaluate_one(name: &str, p: &Protocol, t: &[Template]) -> SetReport {
    let b: Vec<Vec<fprint_bozorth3::Minutia>> = t.iter().map(bozorth_minutiae).collect();
    let time_ours = |pairs: &[(usize, usize)]| {
        let s = CpuClock::start();
        let v: Vec<f64> = pairs
            .iter()
            .map(|&(x, y)| f64::from(score(&t[x], &t[y])))
            .collect();
        (v, s.seconds())
    };
    let mut panics = 0usize;
    let mut time_boz = |pairs: &[(usize, usize)]| {
        let s = CpuClock::start();
        let v: Vec<f64> = pairs
            .iter()
            .map(|&(x, y)| match bozorth_score(&b[x], &b[y]) {
                Some(v) => f64::from(v),
                None => {
                    panics += 1;
                    0.0
                }
            })
            .collect();
        (v, s.seconds())
    };
    let (og, ot1) = time_ours(&p.genuine);
    let (oi, ot2) = time_ours(&p.impostor_all);
    let (bg, bt1) = time_boz(&p.genuine);
    let (bi, bt2) = time_boz(&p.impostor_all);
    let n_all = (p.genuine.len() + p.impostor_all.len()) as f64;
    let first: Vec<usize> = p
        .impostor_all
        .iter()
        .enumerate()
        .filter(|(_, pair)| p.impostor_first.contains(pair))
        .map(|(k, _)| k)
        .collect();
    let pick = |v: &[f64]| first.iter().map(|&k| v[k]).collect::<Vec<f64>>();
    let ours_speed = n_all / (ot1 + ot2).max(1e-9);
    let builtin = f64::from(Thresholds::calibrated().verify);
    let boz_speed = n_all / (bt1 + bt2).max(1e-9);
    SetReport {
        set: name.to_string(),
        all_impostors: MatcherPair {
            ours: figures(&og, &oi, ours_speed, Some(builtin)),
            bozorth3: figures(&bg, &bi, boz_speed, None),
            bozorth3_panics: panics,
        },
        fvc_45_impostors: MatcherPair {
            ours: figures(&og, &pick(&oi), ours_speed, Some(builtin)),
            bozorth3: figures(&bg, &pick(&bi), boz_speed, None),
            bozorth3_panics: panics,
        },
    }
}

fn figures(genuine: &[f64], impostor: &[f64], speed: f64, threshold: Option<f64>) -> Figures {
    let share =
        |v: &[f64], t: f64| v.iter().filter(|&&s| s >= t).count() as f64 / v.len().max(1) as f64;
    Figures {
        fmr_at_builtin_verify: threshold.map(|t| share(impostor, t)),
        fnmr_at_builtin_verify: threshold.map(|t| 1.0 - share(genuine, t)),
        eer: eer(genuine, impostor),
        fnmr_at_fmr_1e_2: fnmr_at_fmr(genuine, impostor, 0.01).1,
        fnmr_at_fmr_1e_3: fnmr_at_fmr(genuine, impostor, 0.001).1,
        comparisons_per_sec_per_core: speed,
    }
}

/// Extracts every image of every set (in parallel) and evaluates those templates.
fn evaluate_images(sets: &Sets, threads: usize) -> Result<ImagesReport, EvalError> {
    let jobs: Vec<(&Impression, &Path)> = sets
        .iter()
        .flat_map(|(_, s)| s.iter())
        .filter_map(|i| i.image_path.as_deref().map(|p| (i, p)))
        .collect();
    let start = Instant::now();
    let chunk = jobs.len().div_ceil(threads);
    let results: Vec<Result<(Template, u8), EvalError>> = std::thread::scope(|scope| {
        let handles: Vec<_> = jobs
            .chunks(chunk.max(1))
            .map(|part| {
                scope.spawn(move || {
                    part.iter()
                        .map(|&(_, path)| {
                            let bytes = std::fs::read(path)
                                .map_err(|e| EvalError::Io(path.to_path_buf(), e.to_string()))?;
                            crate::extract::extract(&bytes)
                                .map_err(|e| EvalError::Data(format!("{}: {e}", path.display())))
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| {
                h.join().unwrap_or_else(|_| {
                    vec![Err(EvalError::Data("extraction thread panicked".into()))]
                })
            })
            .collect()
    });
    let elapsed = start.elapsed().as_secs_f64();
    let mut all = results
        .into_iter()
        .collect::<Result<Vec<_>, _>>()?
        .into_iter();
    let mut templates = Vec::new();
    let (mut q, mut m) = (0.0, 0.0);
    for (_, set) in sets {
        let mut t = Vec::with_capacity(set.len());
        for _ in 0..set.len() {
            let Some((tpl, quality)) = all.next() else {
                return Err(EvalError::Data("missing extraction result".into()));
            };
            q += f64::from(quality);
            m += tpl.minutiae().len() as f64;
            t.push(tpl);
        }
        templates.push(t);
    }
    let n = jobs.len().max(1) as f64;
    let (pair, reports) = evaluate_sets(sets, &templates);
    Ok(ImagesReport {
        ours: pair.ours,
        bozorth3: pair.bozorth3,
        sets: reports,
        mean_quality: q / n,
        mean_minutiae: m / n,
        extraction_ms_per_image: elapsed * 1000.0 * threads as f64 / n,
    })
}

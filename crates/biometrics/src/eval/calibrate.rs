//! Threshold calibration that is checked out of sample.
//!
//! **Model.** Every pair of templates of different fingers is an impostor pair (within a set
//! and across sets); scores of both frames are pooled. Above their 99th percentile `u` the
//! impostor scores are modelled as a generalised Pareto tail (peaks over threshold; shape by
//! the method of moments, floored at 0, i.e. exponential or heavier), its scale raised to the
//! one-sided 95 % upper bound of the mean excess. The 1:1 threshold is where the model's FMR
//! reaches the stated FMR divided by a margin. The de-duplication threshold convolves each
//! set's per-finger model (histogram below `u`, the tail above) ten times (fingers taken as
//! independent), reads where the fused tail falls to the stated person FMR divided by its
//! margin, and takes the highest over the sets (it must hold for every sensor, not for their
//! mixture).
//!
//! **Margins, chosen leave one set out.** For each candidate margin the thresholds are fitted
//! on three sets and checked on every impostor pair that involves the fourth (its own 2,880
//! cross-finger pairs and its 19,200 pairs with the other sets' impressions; none of them in
//! the fitting sample): the 1:1 margin is the smallest whose held-out FMR upper bound (95 %
//! Clopper-Pearson) is within [`MAX_HELD_OUT_UPPER`] in every fold and frame; the de-dup
//! margin the smallest whose held-out modelled person FMR is within the stated one. The
//! report gives, per held-out set, the FMR reached at the fold's and at the built-in
//! thresholds with their intervals.
//!
//! Pairs share impressions, so they are not independent: the intervals assume they are, and
//! are narrower than the truth. The figures say what these data can and cannot support.

use super::interval::{zero_error_trials_for, Rate};
use super::metrics::eer_point;
use crate::matcher::Thresholds;
use serde::Serialize;

/// FMR the 1:1 (pickup) threshold promises.
pub const STATED_VERIFY_FMR: f64 = 1e-4;
/// Per-person FMR the de-duplication threshold promises (ten fingers fused).
pub const STATED_DEDUP_PERSON_FMR: f64 = 1e-9;
/// Share of the impostor scores above the tail model's threshold `u`.
const TAIL_SHARE: f64 = 0.01;
/// Candidate margins between the stated FMR and the one the thresholds are fitted at.
const MARGINS: [f64; 10] = [1.0, 2.0, 3.0, 5.0, 10.0, 20.0, 30.0, 50.0, 100.0, 1000.0];
/// The held-out upper bound a margin must keep in every fold and frame: twice the stated FMR,
/// the least a set of ~20,000 impostor pairs can show (no error: 1.7e-4).
pub const MAX_HELD_OUT_UPPER: f64 = 2.0 * STATED_VERIFY_FMR;
/// Fingers fused per person.
const FINGERS: usize = 10;
/// Histogram bins on `[0, 1]` for the fused-score convolution.
const BINS: usize = 1000;

/// Where one scored pair comes from: the sets of its two impressions and whether both are
/// impressions of the same finger.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PairKey {
    /// Set of the first impression.
    pub set_a: usize,
    /// Set of the second impression.
    pub set_b: usize,
    /// Same finger (then the sets are equal).
    pub genuine: bool,
}

impl PairKey {
    fn involves(&self, set: usize) -> bool {
        self.set_a == set || self.set_b == set
    }
}

/// The scores of every pair in one frame, in the order of the pair keys.
#[derive(Debug, Clone)]
pub struct FrameScores {
    /// Frame name.
    pub frame: String,
    /// One score per pair key.
    pub scores: Vec<f64>,
}

/// The exponential tail fitted to impostor scores.
#[derive(Debug, Clone, Copy, Serialize, Default)]
pub struct TailModel {
    /// Impostor scores in the fit.
    pub impostor_scores: usize,
    /// Tail start (the 99th percentile).
    pub u: f64,
    /// Scores above `u`.
    pub exceedances: usize,
    /// Mean excess above `u`.
    pub mean_excess: f64,
    /// Its one-sided 95 % upper confidence bound.
    pub mean_excess_upper_95: f64,
    /// Shape of the generalised Pareto tail (method of moments), floored at 0: 0 is the
    /// exponential tail, above 0 a heavier one.
    pub shape: f64,
    /// Scale of the tail used for thresholds: the moment estimate raised by the same factor
    /// as the mean excess's upper bound.
    pub scale_upper_95: f64,
    /// Highest impostor score.
    pub max_score: f64,
}

/// Wilson-Hilferty approximation of the `p` quantile of χ² with `nu` degrees of freedom.
fn chi2_quantile(nu: f64, z: f64) -> f64 {
    let a = 2.0 / (9.0 * nu);
    nu * (1.0 - a + z * a.sqrt()).powi(3)
}

impl TailModel {
    /// Fits the tail to impostor scores.
    pub fn fit(impostor: &[f64]) -> Self {
        let mut s = impostor.to_vec();
        s.sort_by(|a, b| b.total_cmp(a));
        let n = s.len();
        let k = ((n as f64 * TAIL_SHARE).round() as usize).clamp(1, n.max(1));
        if n < 2 {
            return TailModel {
                impostor_scores: n,
                ..TailModel::default()
            };
        }
        let u = s[k.min(n - 1)];
        let excess: Vec<f64> = s.iter().take_while(|&&x| x > u).map(|x| x - u).collect();
        let k = excess.len().max(1);
        let beta = (excess.iter().sum::<f64>() / k as f64).max(1e-6);
        // 2kβ̂/β ~ χ²(2k): β ≤ 2kβ̂ / χ²₀.₀₅(2k) with 95 % confidence.
        let upper = 2.0 * k as f64 * beta / chi2_quantile(2.0 * k as f64, -1.644_854);
        // Generalised Pareto by the method of moments (Hosking & Wallis 1987): with mean m
        // and variance v of the excesses, ξ = (1 − m²/v)/2 and σ = m (m²/v + 1)/2.
        let var = excess.iter().map(|e| (e - beta).powi(2)).sum::<f64>() / k as f64;
        let ratio = if var > 0.0 { beta * beta / var } else { 1.0 };
        let shape = (0.5 * (1.0 - ratio)).max(0.0);
        let scale = if shape > 0.0 {
            0.5 * beta * (ratio + 1.0)
        } else {
            beta
        };
        TailModel {
            impostor_scores: n,
            u,
            exceedances: excess.len(),
            mean_excess: beta,
            mean_excess_upper_95: upper,
            shape,
            scale_upper_95: scale * upper / beta,
            max_score: s[0],
        }
    }

    fn p_u(&self) -> f64 {
        self.exceedances as f64 / self.impostor_scores.max(1) as f64
    }

    /// Model FMR at threshold `t` (at or above `u`; the empirical share below it).
    pub fn fmr_at(&self, t: f64) -> f64 {
        if t <= self.u {
            return self.p_u();
        }
        let z = (t - self.u) / self.scale_upper_95;
        if self.shape > 0.0 {
            self.p_u() * (1.0 + self.shape * z).powf(-1.0 / self.shape)
        } else {
            self.p_u() * (-z).exp()
        }
    }

    /// Lowest threshold whose model FMR is at most `fmr`.
    pub fn threshold(&self, fmr: f64) -> f64 {
        let p = self.p_u();
        if p <= fmr {
            return self.u;
        }
        if self.shape > 0.0 {
            self.u + self.scale_upper_95 / self.shape * ((p / fmr).powf(self.shape) - 1.0)
        } else {
            self.u + self.scale_upper_95 * (p / fmr).ln()
        }
    }

    /// The per-finger score distribution on `BINS` bins: the empirical histogram below `u`,
    /// the model above it (mass beyond 1 kept in the last bin).
    fn histogram(&self, impostor: &[f64]) -> Vec<f64> {
        let mut h = vec![0.0f64; BINS + 1];
        let n = impostor.len().max(1) as f64;
        let bin = |s: f64| ((s * BINS as f64).ceil() as usize).min(BINS);
        for &s in impostor.iter().filter(|&&s| s <= self.u) {
            h[bin(s)] += 1.0 / n;
        }
        // Tail mass between consecutive bin edges above u, each put at its upper edge
        // (rounding scores up keeps the fused tail conservative).
        let start = bin(self.u);
        let mut prev = self.p_u();
        for (k, slot) in h.iter_mut().enumerate().skip(start) {
            let edge = k as f64 / BINS as f64;
            let left = if k == BINS { 0.0 } else { self.fmr_at(edge) };
            *slot += (prev - left).max(0.0);
            prev = left;
        }
        h
    }
}

/// The distribution of the sum of `FINGERS` independent draws from `h`.
fn fused(h: &[f64]) -> Vec<f64> {
    let mut fused = h.to_vec();
    for _ in 1..FINGERS {
        let mut next = vec![0.0f64; fused.len() + h.len() - 1];
        for (i, &a) in fused.iter().enumerate() {
            if a < 1e-300 {
                continue;
            }
            for (j, &b) in h.iter().enumerate() {
                next[i + j] += a * b;
            }
        }
        fused = next;
    }
    fused
}

/// Lowest fused-score threshold whose tail in the fused distribution is at most `person_fmr`.
fn fused_tail_threshold(fused: &[f64], person_fmr: f64) -> f64 {
    let mut tail = 0.0;
    for k in (0..fused.len()).rev() {
        tail += fused[k];
        if tail > person_fmr {
            return (k + 1) as f64 / BINS as f64;
        }
    }
    0.0
}

/// The fused distribution's tail at or above `t`.
fn fused_tail(fused: &[f64], t: f64) -> f64 {
    let from = ((t * BINS as f64).ceil() as usize).min(fused.len());
    fused[from..].iter().sum()
}

/// Fused per-person FMR at threshold `t`, from the per-finger distribution `h`.
fn fused_fmr(h: &[f64], t: f64) -> f64 {
    fused_tail(&fused(h), t)
}

/// The fused (ten-finger) impostor distribution of the given scores under the tail model.
fn fused_of(impostor: &[f64]) -> Vec<f64> {
    fused(&TailModel::fit(impostor).histogram(impostor))
}

/// The fused distributions of each set's own impostor pairs (all frames), for the sets given.
fn fused_per_set(keys: &[PairKey], frames: &[FrameScores], sets: &[usize]) -> Vec<Vec<f64>> {
    sets.iter()
        .map(|&s| {
            let imp: Vec<f64> = frames
                .iter()
                .flat_map(|f| {
                    keys.iter()
                        .zip(&f.scores)
                        .filter(|(p, _)| !p.genuine && p.set_a == s && p.set_b == s)
                        .map(|(_, &v)| v)
                })
                .collect();
            fused_of(&imp)
        })
        .collect()
}

/// The de-dup threshold over several sensors: the highest of the sets' own thresholds, so
/// that it holds for every sensor seen rather than for their mixture.
fn dedup_over_sets(per_set: &[Vec<f64>], person_fmr: f64) -> f64 {
    per_set
        .iter()
        .map(|f| fused_tail_threshold(f, person_fmr))
        .fold(0.0, f64::max)
}

/// The smallest candidate margin at which every fold's de-dup threshold (fitted on the other
/// sets) keeps the held-out set's modelled person FMR within the stated one, in every frame;
/// and, per candidate, the worst held-out person FMR.
fn choose_dedup_margin(
    keys: &[PairKey],
    frames: &[FrameScores],
    n_sets: usize,
) -> (f64, Vec<(f64, f64)>) {
    let all: Vec<usize> = (0..n_sets).collect();
    let mut folds = Vec::new();
    for &k in &all {
        let rest: Vec<usize> = all.iter().copied().filter(|&s| s != k).collect();
        let fitted = fused_per_set(keys, frames, &rest);
        let held: Vec<Vec<f64>> = frames
            .iter()
            .map(|f| {
                let imp: Vec<f64> = keys
                    .iter()
                    .zip(&f.scores)
                    .filter(|(p, _)| !p.genuine && p.involves(k))
                    .map(|(_, &s)| s)
                    .collect();
                fused_of(&imp)
            })
            .collect();
        folds.push((fitted, held));
    }
    let mut search = Vec::new();
    let mut chosen = None;
    for &m in &MARGINS {
        let mut worst = 0.0f64;
        for (fitted, held) in &folds {
            let t = dedup_over_sets(fitted, STATED_DEDUP_PERSON_FMR / m);
            for h in held {
                worst = worst.max(fused_tail(h, t));
            }
        }
        search.push((m, worst));
        if chosen.is_none() && worst <= STATED_DEDUP_PERSON_FMR {
            chosen = Some(m);
        }
    }
    (chosen.unwrap_or(MARGINS[MARGINS.len() - 1]), search)
}

/// Thresholds fitted on some sets.
#[derive(Debug, Clone, Copy, Serialize, Default)]
pub struct Fitted {
    /// The 1:1 threshold is the model's at the stated FMR divided by this margin.
    pub margin: f64,
    /// The de-dup threshold is the model's at the stated person FMR divided by this margin.
    pub dedup_margin: f64,
    /// 1:1 threshold: the tail model's at the stated FMR / margin.
    pub verify: f64,
    /// De-duplication threshold on fused ten-finger scores at the stated person FMR /
    /// de-dup margin.
    pub dedup: f64,
    /// Threshold where FMR and FNMR cross on the fitting sets (within-set impostors).
    pub eer_threshold: f64,
    /// The impostor tail model.
    pub tail: TailModel,
}

fn fit(
    keys: &[PairKey],
    frames: &[FrameScores],
    sets: &[usize],
    margin: f64,
    dedup_margin: f64,
) -> Fitted {
    let mut imp = Vec::new();
    let (mut gen, mut imp_within) = (Vec::new(), Vec::new());
    for f in frames {
        for (k, &s) in keys.iter().zip(&f.scores) {
            if !sets.contains(&k.set_a) || !sets.contains(&k.set_b) {
                continue;
            }
            if k.genuine {
                gen.push(s);
            } else {
                imp.push(s);
                if k.set_a == k.set_b {
                    imp_within.push(s);
                }
            }
        }
    }
    let tail = TailModel::fit(&imp);
    let per_set = fused_per_set(keys, frames, sets);
    Fitted {
        margin,
        dedup_margin,
        verify: tail.threshold(STATED_VERIFY_FMR / margin),
        dedup: dedup_over_sets(&per_set, STATED_DEDUP_PERSON_FMR / dedup_margin),
        eer_threshold: eer_point(&gen, &imp_within).0,
        tail,
    }
}

/// The smallest candidate margin at which every fold's 1:1 threshold (fitted on the other
/// sets) keeps the held-out FMR's upper bound within [`MAX_HELD_OUT_UPPER`], in every frame;
/// and, per candidate, the worst upper bound.
fn choose_margin(
    keys: &[PairKey],
    frames: &[FrameScores],
    n_sets: usize,
) -> (f64, Vec<(f64, f64)>) {
    let all: Vec<usize> = (0..n_sets).collect();
    let tails: Vec<TailModel> = all
        .iter()
        .map(|&k| {
            let rest: Vec<usize> = all.iter().copied().filter(|&s| s != k).collect();
            let imp: Vec<f64> = frames
                .iter()
                .flat_map(|f| {
                    keys.iter()
                        .zip(&f.scores)
                        .filter(|(p, _)| {
                            !p.genuine && rest.contains(&p.set_a) && rest.contains(&p.set_b)
                        })
                        .map(|(_, &s)| s)
                })
                .collect();
            TailModel::fit(&imp)
        })
        .collect();
    let mut search = Vec::new();
    let mut chosen = None;
    for &m in &MARGINS {
        let mut worst = 0.0f64;
        for (&k, tail) in all.iter().zip(&tails) {
            let t = tail.threshold(STATED_VERIFY_FMR / m);
            for f in frames {
                let (mut errors, mut trials) = (0, 0);
                for (p, &s) in keys.iter().zip(&f.scores) {
                    if !p.genuine && p.involves(k) {
                        trials += 1;
                        errors += usize::from(s >= t);
                    }
                }
                worst = worst.max(Rate::new(errors, trials).upper_95);
            }
        }
        search.push((m, worst));
        if chosen.is_none() && worst <= MAX_HELD_OUT_UPPER {
            chosen = Some(m);
        }
    }
    (chosen.unwrap_or(MARGINS[MARGINS.len() - 1]), search)
}

/// One held-out set in one frame.
#[derive(Debug, Clone, Serialize)]
pub struct HeldOutFrame {
    /// Frame.
    pub frame: String,
    /// Genuine pairs of the held-out set.
    pub genuine_pairs: usize,
    /// EER of the held-out set (its own 2,880 impostor pairs; needs no threshold).
    pub eer: f64,
    /// At the EER threshold of the other three sets: FMR on the held-out set's own impostor
    /// pairs…
    pub fmr_at_fitted_eer_threshold: f64,
    /// …FNMR…
    pub fnmr_at_fitted_eer_threshold: f64,
    /// …and their mean: the held-out EER.
    pub held_out_eer: f64,
    /// FMR at the 1:1 threshold fitted on the other sets, over every impostor pair involving
    /// the held-out set.
    pub fmr_at_fitted_verify: Rate,
    /// FNMR there.
    pub fnmr_at_fitted_verify: f64,
    /// FMR at the built-in 1:1 (pickup) threshold, same pairs.
    pub fmr_at_builtin_verify: Rate,
    /// FNMR there.
    pub fnmr_at_builtin_verify: f64,
    /// Per-person FMR at the built-in de-dup threshold, from the held-out pairs' per-finger
    /// distribution convolved ten times (a model figure: no data set holds 1e9 persons).
    pub person_fmr_at_builtin_dedup_model: f64,
}

/// One fold of leave-one-set-out.
#[derive(Debug, Clone, Serialize)]
pub struct Fold {
    /// The held-out set.
    pub held_out: String,
    /// Thresholds fitted on the other three sets (both frames pooled).
    pub fitted: Fitted,
    /// Figures on the held-out set, per frame.
    pub frames: Vec<HeldOutFrame>,
}

/// The built-in thresholds on every impostor pair of one frame.
#[derive(Debug, Clone, Serialize)]
pub struct AllPairsFrame {
    /// Frame.
    pub frame: String,
    /// FMR at the built-in 1:1 threshold over every impostor pair (all sets).
    pub fmr_at_builtin_verify: Rate,
    /// FNMR at the built-in 1:1 threshold over every genuine pair.
    pub fnmr_at_builtin_verify: f64,
    /// Highest impostor score.
    pub max_impostor_score: f64,
}

/// Calibration report.
#[derive(Debug, Clone, Serialize)]
pub struct Calibration {
    /// How thresholds are fitted and checked.
    pub method: &'static str,
    /// The interval reported with every rate.
    pub interval: &'static str,
    /// FMR the built-in 1:1 threshold states.
    pub stated_verify_fmr: f64,
    /// Per-person FMR the built-in de-dup threshold states.
    pub stated_dedup_person_fmr: f64,
    /// The crate's built-in 1:1 (pickup) threshold.
    pub builtin_verify: f64,
    /// The crate's built-in de-dup threshold.
    pub builtin_dedup: f64,
    /// For each candidate margin: the highest upper bound of the held-out FMR at the fold
    /// thresholds (all folds and frames). The smallest margin whose bound is within
    /// `MAX_HELD_OUT_UPPER` is used.
    pub margin_search: Vec<(f64, f64)>,
    /// For each candidate de-dup margin: the highest held-out modelled person FMR at the
    /// fold thresholds. The smallest margin within the stated person FMR is used.
    pub dedup_margin_search: Vec<(f64, f64)>,
    /// Thresholds fitted on all sets at the chosen margin: what the built-in ones are set from.
    pub all_sets: Fitted,
    /// Leave one set out.
    pub folds: Vec<Fold>,
    /// Built-in thresholds on all pairs, per frame.
    pub all_pairs: Vec<AllPairsFrame>,
    /// Mean over folds of the held-out EER (fitted threshold), per frame.
    pub mean_held_out_eer: Vec<(String, f64)>,
    /// Highest held-out upper bound of the FMR at the built-in 1:1 threshold (all folds and
    /// frames).
    pub worst_upper_95_fmr_at_builtin_verify: f64,
    /// Error-free impostor comparisons needed before a 95 % upper bound reaches the stated
    /// 1:1 FMR (and about ten times as many for a rate observed with errors).
    #[serde(rename = "zero_error_pairs_for_fmr_1e-4")]
    pub zero_error_pairs_for_fmr_1e_4: usize,
}

fn held_out(
    keys: &[PairKey],
    f: &FrameScores,
    set: usize,
    fitted: &Fitted,
    builtin: &Thresholds,
) -> HeldOutFrame {
    let (mut gen, mut imp_own, mut imp_any) = (Vec::new(), Vec::new(), Vec::new());
    for (k, &s) in keys.iter().zip(&f.scores) {
        if !k.involves(set) {
            continue;
        }
        if k.genuine {
            gen.push(s);
        } else {
            imp_any.push(s);
            if k.set_a == k.set_b {
                imp_own.push(s);
            }
        }
    }
    let share = |v: &[f64], t: f64| v.iter().filter(|&&s| s >= t).count();
    let fnmr = |t: f64| 1.0 - share(&gen, t) as f64 / gen.len().max(1) as f64;
    let fmr_own = share(&imp_own, fitted.eer_threshold) as f64 / imp_own.len().max(1) as f64;
    let fnmr_eer = fnmr(fitted.eer_threshold);
    let bv = f64::from(builtin.verify);
    let tail = TailModel::fit(&imp_any);
    HeldOutFrame {
        frame: f.frame.clone(),
        genuine_pairs: gen.len(),
        eer: eer_point(&gen, &imp_own).1,
        fmr_at_fitted_eer_threshold: fmr_own,
        fnmr_at_fitted_eer_threshold: fnmr_eer,
        held_out_eer: (fmr_own + fnmr_eer) / 2.0,
        fmr_at_fitted_verify: Rate::new(share(&imp_any, fitted.verify), imp_any.len()),
        fnmr_at_fitted_verify: fnmr(fitted.verify),
        fmr_at_builtin_verify: Rate::new(share(&imp_any, bv), imp_any.len()),
        fnmr_at_builtin_verify: fnmr(bv),
        person_fmr_at_builtin_dedup_model: fused_fmr(
            &tail.histogram(&imp_any),
            f64::from(builtin.dedup),
        ),
    }
}

/// Fits and checks thresholds over `sets` (names, in pair-key order) and every frame's scores.
pub fn calibrate(
    set_names: &[String],
    keys: &[PairKey],
    frames: &[FrameScores],
    builtin: &Thresholds,
) -> Calibration {
    let all: Vec<usize> = (0..set_names.len()).collect();
    // One set cannot be split: the thresholds are then fitted without a margin, unchecked.
    let (margin, margin_search) = if set_names.len() < 2 {
        (1.0, Vec::new())
    } else {
        choose_margin(keys, frames, set_names.len())
    };
    let (dedup_margin, dedup_margin_search) = if set_names.len() < 2 {
        (1.0, Vec::new())
    } else {
        choose_dedup_margin(keys, frames, set_names.len())
    };
    let folds: Vec<Fold> = if set_names.len() < 2 {
        Vec::new()
    } else {
        all.iter()
            .map(|&k| {
                let rest: Vec<usize> = all.iter().copied().filter(|&s| s != k).collect();
                let fitted = fit(keys, frames, &rest, margin, dedup_margin);
                Fold {
                    held_out: set_names[k].clone(),
                    fitted,
                    frames: frames
                        .iter()
                        .map(|f| held_out(keys, f, k, &fitted, builtin))
                        .collect(),
                }
            })
            .collect()
    };
    let all_pairs = frames
        .iter()
        .map(|f| {
            let bv = f64::from(builtin.verify);
            let imp: Vec<f64> = keys
                .iter()
                .zip(&f.scores)
                .filter(|(k, _)| !k.genuine)
                .map(|(_, &s)| s)
                .collect();
            let gen: Vec<f64> = keys
                .iter()
                .zip(&f.scores)
                .filter(|(k, _)| k.genuine)
                .map(|(_, &s)| s)
                .collect();
            AllPairsFrame {
                frame: f.frame.clone(),
                fmr_at_builtin_verify: Rate::new(
                    imp.iter().filter(|&&s| s >= bv).count(),
                    imp.len(),
                ),
                fnmr_at_builtin_verify: gen.iter().filter(|&&s| s < bv).count() as f64
                    / gen.len().max(1) as f64,
                max_impostor_score: imp.iter().copied().fold(0.0, f64::max),
            }
        })
        .collect();
    let mean_held_out_eer = frames
        .iter()
        .enumerate()
        .map(|(fi, f)| {
            let n = folds.len().max(1) as f64;
            (
                f.frame.clone(),
                folds.iter().map(|d| d.frames[fi].held_out_eer).sum::<f64>() / n,
            )
        })
        .collect();
    let worst = folds
        .iter()
        .flat_map(|d| d.frames.iter().map(|f| f.fmr_at_builtin_verify.upper_95))
        .fold(0.0, f64::max);
    Calibration {
        method: "peaks over threshold: exponential tail above the 99th percentile of the pooled \
                 impostor scores (all cross-finger pairs, both frames), mean excess at its 95 % \
                 upper bound; de-dup by ten-fold convolution; checked leave-one-set-out",
        interval: "Clopper-Pearson exact, two-sided 95 %",
        stated_verify_fmr: STATED_VERIFY_FMR,
        stated_dedup_person_fmr: STATED_DEDUP_PERSON_FMR,
        builtin_verify: f64::from(builtin.verify),
        builtin_dedup: f64::from(builtin.dedup),
        margin_search,
        dedup_margin_search,
        all_sets: fit(keys, frames, &all, margin, dedup_margin),
        folds,
        all_pairs,
        mean_held_out_eer,
        worst_upper_95_fmr_at_builtin_verify: worst,
        zero_error_pairs_for_fmr_1e_4: zero_error_trials_for(STATED_VERIFY_FMR),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tail_model_threshold_is_monotone_and_conservative() {
        // Exponential scores with mean 0.01: the true FMR at t is exp(-t / 0.01).
        let n = 100_000;
        let imp: Vec<f64> = (0..n)
            .map(|i| -0.01 * (1.0 - (i as f64 + 0.5) / n as f64).ln())
            .collect();
        let m = TailModel::fit(&imp);
        let t4 = m.threshold(1e-4);
        let t5 = m.threshold(1e-5);
        assert!(t5 > t4);
        // The true 1e-4 quantile is 0.0921; the bound must not fall below it.
        assert!(t4 >= 0.0921, "{t4}");
        assert!(t4 < 0.11, "{t4}");
        assert!((m.fmr_at(t4) - 1e-4).abs() < 1e-9);
    }

    #[test]
    fn fused_threshold_grows_with_fingers_and_rarity() {
        let imp: Vec<f64> = (0..10_000).map(|i| (i % 100) as f64 / 2000.0).collect();
        let m = TailModel::fit(&imp);
        let h = m.histogram(&imp);
        assert!((h.iter().sum::<f64>() - 1.0).abs() < 1e-6);
        let f = fused(&h);
        let t9 = fused_tail_threshold(&f, 1e-9);
        let t3 = fused_tail_threshold(&f, 1e-3);
        assert!(t9 > t3 && t3 > 0.0);
        // Ten fingers each below 0.05: the fused score of 1e-9 lies above ten means.
        assert!(t9 > 10.0 * 0.025);
        assert!(fused_fmr(&h, t9) <= 1e-9 * 1.0001);
    }

    #[test]
    fn leave_one_out_holds_out_the_pairs_of_the_fold() {
        // Two sets, set 1 scores its impostors high: fitting on set 0 alone must not see them.
        let mut keys = Vec::new();
        let mut scores = Vec::new();
        for s in 0..2 {
            for i in 0..3000 {
                keys.push(PairKey {
                    set_a: s,
                    set_b: s,
                    genuine: i % 10 == 0,
                });
                let base = if i % 10 == 0 {
                    0.5
                } else {
                    0.001 * (i % 50) as f64
                };
                scores.push(if s == 1 && i % 10 != 0 {
                    base + 0.3
                } else {
                    base
                });
            }
        }
        let frames = [FrameScores {
            frame: "f".into(),
            scores,
        }];
        let names = vec!["A".to_string(), "B".to_string()];
        let c = calibrate(&names, &keys, &frames, &Thresholds::calibrated());
        assert_eq!(c.folds.len(), 2);
        // Fitted on A, held out B: every one of B's impostors (0.30-0.35) is above A's
        // threshold, and the interval says the FMR is near 1.
        let b = &c.folds[1].frames[0];
        assert!(c.folds[1].fitted.verify < 0.3);
        assert_eq!(b.fmr_at_fitted_verify.trials, 2700);
        assert_eq!(b.fmr_at_fitted_verify.errors, 2700);
        assert!(b.fmr_at_fitted_verify.lower_95 > 0.99);
        // Held out A, fitted on B: A's impostors are all below B's threshold.
        let a = &c.folds[0].frames[0];
        assert_eq!(a.fmr_at_fitted_verify.errors, 0);
        assert!(a.fmr_at_fitted_verify.upper_95 > 0.0);
    }
}

//! Threshold calibration from impostor scores: the 1:1 threshold at FMR 1e-4 and the
//! de-duplication threshold on fused 10-finger person scores.
//!
//! The de-dup figure is an extrapolation: the per-finger impostor score histogram is convolved
//! with itself ten times (fingers taken as independent) and the fused threshold is read where
//! the tail falls to 1e-9 per person comparison, i.e. about 0.06 false candidates per search
//! of a 60-million-person gallery. It inherits every limit of the small impostor sample.

use super::metrics::fnmr_at_fmr;
use crate::matcher::{score, Thresholds};
use crate::template::Template;
use serde::Serialize;

/// Measured thresholds and how the built-in ones fare on the same impostors.
#[derive(Debug, Clone, Serialize)]
pub struct Calibration {
    /// Cross-finger impostor pairs scored (all sets together).
    pub impostor_pairs: usize,
    /// Lowest threshold with FMR at most 1e-4 on these pairs.
    #[serde(rename = "verify_threshold_at_fmr_1e-4")]
    pub verify_threshold_at_fmr_1e_4: f64,
    /// The crate's built-in verification threshold.
    pub builtin_verify: f64,
    /// Impostor pairs at or above the built-in verification threshold.
    pub impostors_at_or_above_builtin_verify: usize,
    /// Fused-score threshold at an extrapolated per-person FMR of 1e-9 (10 fingers).
    #[serde(rename = "dedup_threshold_at_person_fmr_1e-9")]
    pub dedup_threshold_at_person_fmr_1e_9: f64,
    /// The crate's built-in de-dup threshold.
    pub builtin_dedup: f64,
    /// Highest impostor score seen.
    pub max_impostor_score: f64,
}

const BINS: usize = 400;

pub(super) fn calibrate(sets: &[Vec<Template>]) -> Calibration {
    let all: Vec<(usize, usize, &Template)> = sets
        .iter()
        .enumerate()
        .flat_map(|(s, ts)| ts.iter().enumerate().map(move |(i, t)| (s, i / 8, t)))
        .collect();
    let mut imp = Vec::new();
    for a in 0..all.len() {
        for b in a + 1..all.len() {
            if (all[a].0, all[a].1) != (all[b].0, all[b].1) {
                imp.push(f64::from(score(all[a].2, all[b].2)));
            }
        }
    }
    let (t4, _) = fnmr_at_fmr(&[], &imp, 1e-4);
    let builtin = f64::from(Thresholds::VERIFY_FMR_1E4);
    // Histogram of impostor scores on [0, 1], then the 10-fold convolution.
    let mut h = vec![0.0f64; BINS + 1];
    for &s in &imp {
        h[((s * BINS as f64).round() as usize).min(BINS)] += 1.0 / imp.len().max(1) as f64;
    }
    let mut fused = h.clone();
    for _ in 1..10 {
        let mut next = vec![0.0f64; fused.len() + BINS];
        for (i, &a) in fused.iter().enumerate() {
            if a == 0.0 {
                continue;
            }
            for (j, &b) in h.iter().enumerate() {
                next[i + j] += a * b;
            }
        }
        fused = next;
    }
    let mut tail = 0.0;
    let mut dedup = 0.0;
    for k in (0..fused.len()).rev() {
        tail += fused[k];
        if tail > 1e-9 {
            dedup = (k + 1) as f64 / BINS as f64;
            break;
        }
    }
    Calibration {
        impostor_pairs: imp.len(),
        verify_threshold_at_fmr_1e_4: t4,
        builtin_verify: builtin,
        impostors_at_or_above_builtin_verify: imp.iter().filter(|&&s| s >= builtin).count(),
        dedup_threshold_at_person_fmr_1e_9: dedup,
        builtin_dedup: f64::from(Thresholds::DEDUP_PERSON),
        max_impostor_score: imp.iter().copied().fold(0.0, f64::max),
    }
}

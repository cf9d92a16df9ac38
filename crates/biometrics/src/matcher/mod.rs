//! The 1:1 matcher: Minutia Cylinder-Code local similarities (bit-based variant) consolidated
//! by Local Similarity Sort with Relaxation (LSS-R), after Cappelli, Ferrara and Maltoni,
//! "Minutia Cylinder-Code", IEEE TPAMI 32(12), 2010 (with the paper's normalisation for the
//! number of minutiae, `n_P`), then normalised for the prints' overlap: the LSS-R score is
//! multiplied by the share of the overlap's minutiae that found a mate once the prints are
//! aligned (the square root of Bazen and Gerez's `m² / (n'_A · n'_B)`, Pattern Recognition
//! 36(8), 2003). Lengths are in the template frame (197 px/cm), built from each record's own
//! resolutions. Pure Rust and deterministic.
//!
//! The score lies in `[0, 1]` and is symmetric up to floating-point rounding (alignment and
//! greedy choices may differ slightly between the two orders). [`Thresholds`] gives the
//! operating points; `docs/biometrics-calibration.md` how they were derived.

pub(crate) mod consolidate;
pub(crate) mod cylinder;
mod overlap;

use crate::template::Template;
use cylinder::{similarity, MIN_COMMON};
use overlap::Tolerances;

/// Settings of the matcher that the evaluation may vary (the built-in ones are
/// [`MatchParams::DEFAULT`]).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MatchParams {
    /// Cylinders are compared only when the cosine of their minutiae's direction difference
    /// is at least this. The paper's gate is 90 degrees (0); the built-in 60 degrees (0.5)
    /// still covers the FVC protocols' rotations (at most 35 degrees) plus direction noise,
    /// and saves a third of the cylinder comparisons.
    pub direction_gate: f32,
    /// LSS-R distance tolerance widened by this share of the distance (0: the paper's).
    pub d1_rel: f32,
    /// Mate radius after alignment, frame pixels (500 ppi).
    pub mate_radius: f32,
    /// Mate radius growth per pixel of distance from the alignment centre.
    pub mate_radius_rel: f32,
    /// Mate direction tolerance, radians.
    pub mate_angle: f32,
    /// Hull margin of the overlap count, frame pixels.
    pub overlap_margin: f32,
    /// Overlap counts below this are raised to it (a tiny overlap proves little).
    pub min_overlap: f32,
    /// Exponent of the mate ratio in the score (0: the LSS-R score alone).
    pub overlap_weight: f32,
}

impl MatchParams {
    /// The built-in settings.
    pub const DEFAULT: MatchParams = MatchParams {
        direction_gate: 0.5,
        d1_rel: 0.1,
        mate_radius: 12.0,
        mate_radius_rel: 0.08,
        mate_angle: std::f32::consts::PI / 6.0,
        overlap_margin: 10.0,
        min_overlap: 8.0,
        overlap_weight: 1.0,
    };
}

impl Default for MatchParams {
    fn default() -> Self {
        Self::DEFAULT
    }
}

/// Everything one comparison measured (for the evaluation and diagnostics).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Comparison {
    /// LSS-R score before normalisation.
    pub lss_r: f32,
    /// Mean cylinder similarity of the pairs LSS-R kept, before relaxation.
    pub local: f32,
    /// Minutiae of each print.
    pub minutiae: (usize, usize),
    /// Minutiae of each print inside the other's extent, once aligned.
    pub overlap: (usize, usize),
    /// One-to-one mates inside the overlap.
    pub mates: usize,
}

/// Compares two templates and returns the measurements the score is made of.
pub fn compare(a: &Template, b: &Template, p: &MatchParams) -> Comparison {
    let ca = a.cylinders();
    let cb = b.cylinders();
    let minutiae = (a.minutiae().len(), b.minutiae().len());
    if ca.is_empty() || cb.is_empty() {
        return Comparison {
            minutiae,
            ..Comparison::default()
        };
    }
    let mut order = Vec::with_capacity(ca.len() * cb.len() / 2);
    for (i, x) in ca.iter().enumerate() {
        for (j, y) in cb.iter().enumerate() {
            // Directions close enough: cos(θa − θb) ≥ the gate.
            if x.dir[0] * y.dir[0] + x.dir[1] * y.dir[1] >= p.direction_gate {
                let s = similarity(x, y, MIN_COMMON);
                if s > 0.0 {
                    order.push(consolidate::pair_key(s, i, j));
                }
            }
        }
    }
    let c = consolidate::lss_r(a, b, order, p.d1_rel);
    let o = overlap::overlap(
        a,
        b,
        &c.kept,
        &Tolerances {
            radius: p.mate_radius,
            radius_rel: p.mate_radius_rel,
            angle: p.mate_angle,
            margin: p.overlap_margin,
        },
    );
    Comparison {
        lss_r: c.score,
        local: c.local,
        minutiae,
        overlap: (o.in_a, o.in_b),
        mates: o.mates,
    }
}

impl Comparison {
    /// The share of the overlap's minutiae that found a mate: mates / √(overlapₐ · overlap_b),
    /// each overlap count at least `min_overlap`, in `[0, 1]`.
    pub fn mate_ratio(&self, min_overlap: f32) -> f32 {
        let a = (self.overlap.0 as f32).max(min_overlap).max(1.0);
        let b = (self.overlap.1 as f32).max(min_overlap).max(1.0);
        (self.mates as f32 / (a * b).sqrt()).min(1.0)
    }

    /// The normalised score: LSS-R × mate ratio ^ `overlap_weight`.
    pub fn score(&self, p: &MatchParams) -> f32 {
        let r = self.mate_ratio(p.min_overlap);
        let w = if p.overlap_weight == 1.0 {
            r
        } else {
            r.powf(p.overlap_weight)
        };
        (self.lss_r * w).clamp(0.0, 1.0)
    }
}

/// Similarity of two finger templates in `[0, 1]`; higher means more likely the same finger.
pub fn score(a: &Template, b: &Template) -> f32 {
    score_with(a, b, &MatchParams::DEFAULT)
}

/// [`score`] with other settings.
pub fn score_with(a: &Template, b: &Template, p: &MatchParams) -> f32 {
    compare(a, b, p).score(p)
}

/// 1:1 verification (pickup) at the calibrated FMR 1e-4 operating point.
pub fn verify(probe: &Template, enrolled: &Template) -> bool {
    Thresholds::calibrated().verify_match(score(probe, enrolled))
}

/// Decision thresholds on [`score`] and on fused person scores.
///
/// Scores are small by construction (LSS-R relaxation shrinks unsupported pairs, the mate
/// ratio shrinks pairs with few mates in their overlap): impostors score about 0.00-0.04,
/// genuine pairs typically 0.02-0.30.
///
/// Derivation (`eval::calibrate`, `docs/biometrics-calibration.md`): a peaks-over-threshold
/// model of the impostor scores of every cross-finger pair of the FVC2002 B sets (both
/// frames, 99,840 scores) gives the threshold at the stated rate divided by a margin; the
/// margin is the smallest that kept, leave-one-set-out, every held-out set's FMR upper bound
/// (95 % Clopper-Pearson) within 2e-4 in both frames. The FVC2002 sets are a small sample:
/// the programme must re-calibrate on its own sensors' data before go-live.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Thresholds {
    /// 1:1 verification (pickup) threshold on [`score`] for FMR 1e-4.
    pub verify: f32,
    /// De-duplication threshold on the fused person score of [`crate::gallery::Gallery::search`]
    /// (sum of the per-finger scores of the fingers both sides have).
    pub dedup: f32,
}

impl Thresholds {
    /// 1:1 (pickup) threshold, stated FMR 1e-4: the tail model's threshold at 1e-4 / 5
    /// (margin chosen leave-one-set-out), 0.0387, rounded up. No FVC2002 impostor pair reaches
    /// it (highest 0.0380 in either frame).
    pub const VERIFY_FMR_1E4: f32 = 0.039;
    /// De-duplication threshold on the fused person score, stated FMR 1e-9 per person
    /// comparison: the highest over the four sets of where the ten-fold convolution of the
    /// set's per-finger model falls to 1e-9 / 10 (margin chosen leave-one-set-out), 0.24.
    /// Genuine ten-finger FVC mates scored at least 0.45 in the 1:N benchmark, the highest
    /// non-mate candidate 0.055.
    pub const DEDUP_PERSON: f32 = 0.24;

    /// The calibrated operating points.
    pub const fn calibrated() -> Self {
        Thresholds {
            verify: Self::VERIFY_FMR_1E4,
            dedup: Self::DEDUP_PERSON,
        }
    }

    /// 1:1 decision: does `score` reach the verification threshold?
    pub fn verify_match(&self, score: f32) -> bool {
        score >= self.verify
    }

    /// De-duplication decision on a fused person score.
    pub fn is_duplicate(&self, fused: f32) -> bool {
        fused >= self.dedup
    }
}

impl Default for Thresholds {
    fn default() -> Self {
        Self::calibrated()
    }
}

#[cfg(test)]
mod tests;

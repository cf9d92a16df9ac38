//! Error-rate figures from genuine and impostor score lists: EER and FNMR at a fixed FMR.
//!
//! A comparison is a match when its score is at least the threshold.

use serde::Serialize;

/// Accuracy and speed figures of one matcher on one set of comparisons.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Default)]
pub struct Figures {
    /// Equal error rate, as a fraction.
    pub eer: f64,
    /// FNMR at the lowest threshold with FMR at most 1 %.
    #[serde(rename = "fnmr_at_fmr_1e-2")]
    pub fnmr_at_fmr_1e_2: f64,
    /// FNMR at the lowest threshold with FMR at most 0.1 %.
    #[serde(rename = "fnmr_at_fmr_1e-3")]
    pub fnmr_at_fmr_1e_3: f64,
    /// FMR at the built-in 1:1 (pickup) threshold (our matcher only).
    pub fmr_at_builtin_verify: Option<f64>,
    /// FNMR at the built-in 1:1 (pickup) threshold (our matcher only).
    pub fnmr_at_builtin_verify: Option<f64>,
    /// 1:1 comparisons per second on one core.
    pub comparisons_per_sec_per_core: f64,
}

/// Sorted copy, ascending.
fn sorted(v: &[f64]) -> Vec<f64> {
    let mut s = v.to_vec();
    s.sort_by(|a, b| a.total_cmp(b));
    s
}

/// Fraction of `sorted_scores` at or above `t`.
fn share_at_least(sorted_scores: &[f64], t: f64) -> f64 {
    if sorted_scores.is_empty() {
        return 0.0;
    }
    let below = sorted_scores.partition_point(|&s| s < t);
    (sorted_scores.len() - below) as f64 / sorted_scores.len() as f64
}

/// Candidate thresholds: every distinct score, plus one above all.
fn thresholds(genuine: &[f64], impostor: &[f64]) -> Vec<f64> {
    let mut t: Vec<f64> = genuine.iter().chain(impostor).copied().collect();
    t.sort_by(|a, b| a.total_cmp(b));
    t.dedup();
    let top = t.last().copied().unwrap_or(0.0);
    t.push(top + 1.0);
    t
}

/// Equal error rate: where FMR and FNMR cross, taken as their mean at the threshold where
/// they are closest.
pub fn eer(genuine: &[f64], impostor: &[f64]) -> f64 {
    eer_point(genuine, impostor).1
}

/// The EER threshold (the lowest where FMR and FNMR are closest) and the EER there.
pub fn eer_point(genuine: &[f64], impostor: &[f64]) -> (f64, f64) {
    let g = sorted(genuine);
    let i = sorted(impostor);
    let mut best = (f64::INFINITY, 0.0, 1.0);
    for t in thresholds(genuine, impostor) {
        let fmr = share_at_least(&i, t);
        let fnmr = 1.0 - share_at_least(&g, t);
        let gap = (fmr - fnmr).abs();
        if gap < best.0 {
            best = (gap, t, (fmr + fnmr) / 2.0);
        }
    }
    (best.1, best.2)
}

/// The lowest threshold whose FMR is at most `fmr`, and the FNMR there.
pub fn fnmr_at_fmr(genuine: &[f64], impostor: &[f64], fmr: f64) -> (f64, f64) {
    let g = sorted(genuine);
    let i = sorted(impostor);
    for t in thresholds(genuine, impostor) {
        if share_at_least(&i, t) <= fmr {
            return (t, 1.0 - share_at_least(&g, t));
        }
    }
    (f64::INFINITY, 1.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn separable_scores_have_zero_error() {
        let g = [0.8, 0.9, 0.7];
        let i = [0.1, 0.2, 0.3];
        assert_eq!(eer(&g, &i), 0.0);
        assert_eq!(fnmr_at_fmr(&g, &i, 0.01).1, 0.0);
    }

    #[test]
    fn overlapping_scores_give_expected_rates() {
        let g = [0.1, 0.5, 0.6, 0.9];
        let i = [0.0, 0.2, 0.55, 0.3];
        // At t = 0.5: FMR 1/4, FNMR 1/4.
        assert!((eer(&g, &i) - 0.25).abs() < 1e-9);
        // FMR 0 needs t > 0.55: FNMR 2/4.
        assert_eq!(fnmr_at_fmr(&g, &i, 0.0).1, 0.5);
    }
}

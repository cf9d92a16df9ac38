//! Confidence intervals for error rates: the exact (Clopper-Pearson) two-sided interval of a
//! binomial proportion, and the zero-error sample size a claimed rate needs.
//!
//! Clopper-Pearson is used rather than Wilson because it never undercovers: with zero or a
//! handful of errors, as at FMR 1e-4, Wilson's upper bound is too low.

use serde::Serialize;

/// An observed rate with its two-sided 95 % Clopper-Pearson interval.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Default)]
pub struct Rate {
    /// Errors observed.
    pub errors: usize,
    /// Trials.
    pub trials: usize,
    /// `errors / trials`.
    pub rate: f64,
    /// Lower end of the 95 % interval.
    pub lower_95: f64,
    /// Upper end of the 95 % interval.
    pub upper_95: f64,
}

impl Rate {
    /// The rate `errors / trials` with its exact 95 % interval.
    pub fn new(errors: usize, trials: usize) -> Self {
        let (lower_95, upper_95) = clopper_pearson(errors, trials, 0.05);
        Rate {
            errors,
            trials,
            rate: if trials == 0 {
                0.0
            } else {
                errors as f64 / trials as f64
            },
            lower_95,
            upper_95,
        }
    }
}

/// Lanczos approximation of ln Γ(x), x > 0 (g = 7, 9 terms; relative error below 1e-13).
fn ln_gamma(x: f64) -> f64 {
    const G: [f64; 9] = [
        0.999_999_999_999_809_9,
        676.520_368_121_885_1,
        -1_259.139_216_722_402_8,
        771.323_428_777_653_1,
        -176.615_029_162_140_6,
        12.507_343_278_686_905,
        -0.138_571_095_265_720_12,
        9.984_369_578_019_572e-6,
        1.505_632_735_149_311_6e-7,
    ];
    if x < 0.5 {
        let pi = std::f64::consts::PI;
        return (pi / (pi * x).sin()).ln() - ln_gamma(1.0 - x);
    }
    let x = x - 1.0;
    let mut a = G[0];
    let t = x + 7.5;
    for (i, &g) in G.iter().enumerate().skip(1) {
        a += g / (x + i as f64);
    }
    0.5 * (2.0 * std::f64::consts::PI).ln() + (x + 0.5) * t.ln() - t + a.ln()
}

/// P(X ≤ k) for X ~ Binomial(n, p), summed in log space.
fn binomial_cdf(k: usize, n: usize, p: f64) -> f64 {
    if p <= 0.0 {
        return 1.0;
    }
    if p >= 1.0 {
        return if k >= n { 1.0 } else { 0.0 };
    }
    let (lp, lq) = (p.ln(), (-p).ln_1p());
    let ln_n = ln_gamma(n as f64 + 1.0);
    let mut s = 0.0;
    for i in 0..=k.min(n) {
        let ln_c = ln_n - ln_gamma(i as f64 + 1.0) - ln_gamma((n - i) as f64 + 1.0);
        s += (ln_c + i as f64 * lp + (n - i) as f64 * lq).exp();
    }
    s.min(1.0)
}

/// Solves `f(p) = target` for a function decreasing in `p` on `[0, 1]`, by bisection.
fn solve_decreasing(f: impl Fn(f64) -> f64, target: f64) -> f64 {
    let (mut lo, mut hi) = (0.0f64, 1.0f64);
    for _ in 0..200 {
        let mid = 0.5 * (lo + hi);
        if f(mid) > target {
            lo = mid;
        } else {
            hi = mid;
        }
        if hi - lo < 1e-15 {
            break;
        }
    }
    0.5 * (lo + hi)
}

/// Exact two-sided `1 - alpha` interval of a proportion with `k` successes in `n` trials.
pub fn clopper_pearson(k: usize, n: usize, alpha: f64) -> (f64, f64) {
    if n == 0 {
        return (0.0, 1.0);
    }
    let half = alpha / 2.0;
    let upper = if k >= n {
        1.0
    } else {
        // P(X ≤ k; p) = α/2.
        solve_decreasing(|p| binomial_cdf(k, n, p), half)
    };
    let lower = if k == 0 {
        0.0
    } else {
        // P(X ≥ k; p) = α/2, i.e. P(X ≤ k − 1; p) = 1 − α/2.
        solve_decreasing(|p| binomial_cdf(k - 1, n, p), 1.0 - half)
    };
    (lower, upper)
}

/// Fewest error-free trials whose 95 % Clopper-Pearson upper bound is at most `rate`
/// (with no error the bound is 1 − 0.025^(1/n)); about 3.7 / `rate`.
pub fn zero_error_trials_for(rate: f64) -> usize {
    if rate <= 0.0 || rate >= 1.0 {
        return 0;
    }
    (0.025f64.ln() / (-rate).ln_1p()).ceil() as usize
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ln_gamma_matches_factorials() {
        assert!((ln_gamma(1.0)).abs() < 1e-12);
        assert!((ln_gamma(6.0) - 120f64.ln()).abs() < 1e-10);
        assert!((ln_gamma(0.5) - std::f64::consts::PI.sqrt().ln()).abs() < 1e-10);
    }

    #[test]
    fn clopper_pearson_matches_published_values() {
        // Zero errors: the upper bound is 1 − (α/2)^(1/n).
        let (l, u) = clopper_pearson(0, 1000, 0.05);
        assert_eq!(l, 0.0);
        assert!((u - (1.0 - 0.025f64.powf(1e-3))).abs() < 1e-9, "{u}");
        // 5 of 100 (R: binom.test(5, 100)$conf.int = 0.01643 0.11284).
        let (l, u) = clopper_pearson(5, 100, 0.05);
        assert!((l - 0.016_431).abs() < 1e-5, "{l}");
        assert!((u - 0.112_835).abs() < 1e-5, "{u}");
        // All successes: the upper bound is 1.
        assert_eq!(clopper_pearson(10, 10, 0.05).1, 1.0);
    }

    #[test]
    fn zero_error_sample_sizes() {
        let n = zero_error_trials_for(1e-4);
        assert!((36_000..37_500).contains(&n), "{n}");
        assert!(Rate::new(0, n).upper_95 <= 1e-4);
        assert!(Rate::new(0, n - 1).upper_95 > 1e-4);
    }
}

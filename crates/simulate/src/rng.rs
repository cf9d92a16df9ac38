//! The one source of chance: a ChaCha8 stream seeded from the scenario's seed, and the binomial draws that move
//! whole cohorts (how many of `n` people each with chance `p` do something today).
//!
//! Exact inversion where the expected count is small; a rounded normal where it is large (the error is far below
//! the uncertainty of any rate in a scenario, and a national run draws tens of millions of these).

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

pub struct Chance {
    rng: ChaCha8Rng,
}

/// Below this expected count (of the rarer outcome) the draw is exact.
const EXACT_BELOW: f64 = 20.0;

impl Chance {
    pub fn new(seed: u64) -> Self {
        Self {
            rng: ChaCha8Rng::seed_from_u64(seed),
        }
    }

    /// Uniform in [0, 1).
    pub fn uniform(&mut self) -> f64 {
        self.rng.random::<f64>()
    }

    /// How many of `n` trials with chance `p` succeed.
    pub fn binomial(&mut self, n: u64, p: f64) -> u64 {
        if n == 0 || p <= 0.0 {
            return 0;
        }
        if p >= 1.0 {
            return n;
        }
        if p > 0.5 {
            return n - self.binomial(n, 1.0 - p);
        }
        let mean = n as f64 * p;
        if mean < EXACT_BELOW {
            self.inversion(n, p)
        } else {
            let sd = (mean * (1.0 - p)).sqrt();
            let x = (mean + sd * self.normal()).round();
            x.clamp(0.0, n as f64) as u64
        }
    }

    /// Walks the binomial distribution from 0 until the cumulative probability passes a uniform draw.
    fn inversion(&mut self, n: u64, p: f64) -> u64 {
        let q = 1.0 - p;
        let ratio = p / q;
        let mut pmf = (n as f64 * q.ln()).exp();
        let mut cdf = pmf;
        let u = self.uniform();
        let mut k = 0u64;
        while u > cdf && k < n {
            pmf *= ratio * (n - k) as f64 / (k + 1) as f64;
            k += 1;
            cdf += pmf;
            // Rounding can leave the sum a hair below 1; past that the remaining mass is nil.
            if pmf < 1e-300 && k as f64 > n as f64 * p {
                break;
            }
        }
        k
    }

    /// A standard normal draw (Box–Muller).
    fn normal(&mut self) -> f64 {
        let u1 = 1.0 - self.uniform();
        let u2 = self.uniform();
        (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
    }

    /// Splits `n` over `weights` (a multinomial draw by successive binomials), adding into `out`.
    pub fn split(
        &mut self,
        mut n: u64,
        weights: &[f64],
        total: f64,
        mut out: impl FnMut(usize, u64),
    ) {
        let mut left = total;
        for (i, &w) in weights.iter().enumerate() {
            if n == 0 {
                break;
            }
            let k = if i + 1 == weights.len() || left <= w {
                n
            } else {
                self.binomial(n, w / left)
            };
            if k > 0 {
                out(i, k);
            }
            n -= k;
            left -= w;
        }
    }

    /// A whole number with expectation `x` (floor plus a chance of one more).
    pub fn round(&mut self, x: f64) -> u64 {
        let f = x.floor();
        f as u64 + u64::from(self.uniform() < x - f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mean_var(c: &mut Chance, n: u64, p: f64, runs: usize) -> (f64, f64) {
        let xs: Vec<f64> = (0..runs).map(|_| c.binomial(n, p) as f64).collect();
        let m = xs.iter().sum::<f64>() / runs as f64;
        let v = xs.iter().map(|x| (x - m).powi(2)).sum::<f64>() / runs as f64;
        (m, v)
    }

    #[test]
    fn binomial_has_the_right_mean_and_variance_in_both_regimes() {
        let mut c = Chance::new(7);
        for (n, p) in [(10u64, 0.3), (1000, 0.005), (1_000_000, 0.3), (50, 0.9)] {
            let (m, v) = mean_var(&mut c, n, p, 20_000);
            let (em, ev) = (n as f64 * p, n as f64 * p * (1.0 - p));
            assert!(
                (m - em).abs() < 0.05 * em.max(1.0),
                "n={n} p={p} mean {m} vs {em}"
            );
            assert!(
                (v - ev).abs() < 0.1 * ev.max(1.0),
                "n={n} p={p} var {v} vs {ev}"
            );
        }
    }

    #[test]
    fn split_conserves_and_follows_weights() {
        let mut c = Chance::new(3);
        let w = [1.0, 2.0, 7.0];
        let mut got = [0u64; 3];
        for _ in 0..1000 {
            c.split(100, &w, 10.0, |i, k| got[i] += k);
        }
        assert_eq!(got.iter().sum::<u64>(), 100_000);
        assert!((got[2] as f64 / 100_000.0 - 0.7).abs() < 0.01, "{got:?}");
    }
}

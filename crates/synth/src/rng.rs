//! Small, fast random helpers on top of a seeded ChaCha8 stream: bounded draws, skewed (popularity-ordered)
//! picks, weighted tables, and a 64-bit mixer for keys. Slight modulo bias is acceptable for synthetic data.

use rand::RngCore;
use rand_chacha::ChaCha8Rng;

/// The generator used everywhere in this crate: seedable, portable and fast.
pub type Rng = ChaCha8Rng;

/// A uniform number in `0..n` (`n > 0`), by multiply-shift.
#[inline]
pub fn below(rng: &mut Rng, n: u32) -> u32 {
    ((u64::from(rng.next_u32()) * u64::from(n)) >> 32) as u32
}

/// A uniform number in `lo..=hi`.
#[inline]
pub fn between(rng: &mut Rng, lo: u32, hi: u32) -> u32 {
    lo + below(rng, hi - lo + 1)
}

/// True with probability `per_mille / 1000`.
#[inline]
pub fn chance(rng: &mut Rng, per_mille: u32) -> bool {
    below(rng, 1000) < per_mille
}

/// An index in `0..n` where early entries are much likelier (density ∝ 1/√x): for lists ordered by popularity.
#[inline]
pub fn popular(rng: &mut Rng, n: usize) -> usize {
    let u = u64::from(rng.next_u32());
    let squared = (u * u) >> 32;
    ((squared * n as u64) >> 32) as usize
}

/// An index in `0..n` with a gentle preference for early entries (the smaller of two uniform draws).
#[inline]
pub fn gently_popular(rng: &mut Rng, n: usize) -> usize {
    let a = rng.next_u32().min(rng.next_u32());
    ((u64::from(a) * n as u64) >> 32) as usize
}

/// One pick out of a fixed set of weights, by binary search on cumulative 32-bit thresholds.
#[derive(Debug, Clone)]
pub struct Weighted {
    /// `cum[i]` is the exclusive upper bound of entry `i` on the `0..2^32` scale; the last is `2^32`.
    cum: Vec<u64>,
}

impl Weighted {
    /// Weights need not be normalised; at least one must be positive.
    pub fn new(weights: &[u64]) -> Self {
        let total: u128 = weights.iter().map(|&w| u128::from(w)).sum::<u128>().max(1);
        let mut acc: u128 = 0;
        let mut cum: Vec<u64> = weights
            .iter()
            .map(|&w| {
                acc += u128::from(w);
                ((acc << 32) / total) as u64
            })
            .collect();
        if let Some(last) = cum.last_mut() {
            *last = 1 << 32;
        }
        Self { cum }
    }

    #[inline]
    pub fn pick(&self, rng: &mut Rng) -> usize {
        let r = u64::from(rng.next_u32());
        self.cum.partition_point(|&c| c <= r)
    }
}

/// The SplitMix64 finaliser: a cheap, well-mixing bijection of `u64`.
#[inline]
pub fn mix64(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn weighted_follows_weights_and_skips_zero() {
        let w = Weighted::new(&[1, 0, 3]);
        let mut rng = Rng::seed_from_u64(1);
        let mut counts = [0u32; 3];
        for _ in 0..40_000 {
            counts[w.pick(&mut rng)] += 1;
        }
        assert_eq!(counts[1], 0);
        let share = f64::from(counts[2]) / 40_000.0;
        assert!((0.73..0.77).contains(&share), "{share}");
    }

    #[test]
    fn draws_stay_in_range() {
        let mut rng = Rng::seed_from_u64(2);
        for _ in 0..10_000 {
            assert!(below(&mut rng, 7) < 7);
            assert!((3..=5).contains(&between(&mut rng, 3, 5)));
            assert!(popular(&mut rng, 10) < 10);
            assert!(gently_popular(&mut rng, 10) < 10);
        }
    }
}

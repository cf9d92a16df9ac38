//! Unique, valid national codes without remembering the ones handed out.
//!
//! Each province owns a set of three-digit prefixes (`domain::prefixes`), so its code space is
//! `prefixes × 1,000,000` middle blocks. A per-province counter is sent through a keyed Feistel permutation of
//! that space (cycle-walking keeps it inside), so codes look scattered yet never repeat. Counter values that land
//! on a rule-breaking code (zero middle block, all-same digits) are skipped. The check digit comes from
//! [`NationalCode::from_first_nine`].

use crate::rng::mix64;
use domain::NationalCode;

const MIDDLES: u64 = 1_000_000;
const ROUNDS: usize = 4;

/// The code space of one province, and how much of it is used.
#[derive(Debug, Clone)]
pub struct CodeSpace {
    prefixes: Vec<u16>,
    size: u64,
    half_bits: u32,
    keys: [u64; ROUNDS],
    next: u64,
}

impl CodeSpace {
    /// A space over the given prefixes (each `1..=999`), permuted under `key`.
    pub fn new(prefixes: Vec<u16>, key: u64) -> Self {
        let size = prefixes.len() as u64 * MIDDLES;
        let bits = 64 - size.saturating_sub(1).leading_zeros();
        let half_bits = bits.div_ceil(2).max(1);
        let keys = std::array::from_fn(|i| mix64(key ^ mix64(i as u64 + 1)));
        Self {
            prefixes,
            size,
            half_bits,
            keys,
            next: 0,
        }
    }

    /// How many code slots the space has (a few of them are invalid and skipped).
    pub fn size(&self) -> u64 {
        self.size
    }

    /// The next unused valid code, or `None` once the space is spent.
    pub fn next_code(&mut self) -> Option<NationalCode> {
        while self.next < self.size {
            let slot = self.permute(self.next);
            self.next += 1;
            if let Some(code) = self.code_at(slot) {
                return Some(code);
            }
        }
        None
    }

    fn code_at(&self, slot: u64) -> Option<NationalCode> {
        let prefix = u64::from(*self.prefixes.get((slot / MIDDLES) as usize)?);
        let number = prefix * MIDDLES + slot % MIDDLES;
        let mut digits = [b'0'; 9];
        let mut n = number;
        for d in digits.iter_mut().rev() {
            *d = b'0' + (n % 10) as u8;
            n /= 10;
        }
        NationalCode::from_first_nine(&digits)
    }

    /// A bijection of `0..size`: a balanced Feistel network on `2 × half_bits` bits, cycle-walked.
    fn permute(&self, x: u64) -> u64 {
        let mut v = x;
        loop {
            v = self.feistel(v);
            if v < self.size {
                return v;
            }
        }
    }

    fn feistel(&self, v: u64) -> u64 {
        let mask = (1u64 << self.half_bits) - 1;
        let (mut left, mut right) = ((v >> self.half_bits) & mask, v & mask);
        for k in self.keys {
            let f = mix64(right ^ k) & mask;
            (left, right) = (right, left ^ f);
        }
        (left << self.half_bits) | right
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a test should fail loudly
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn permutation_is_a_bijection() {
        let mut space = CodeSpace::new(vec![1], 42);
        space.size = 1_000; // a small domain, checked exhaustively
        space.half_bits = 5;
        let seen: HashSet<u64> = (0..1_000).map(|x| space.permute(x)).collect();
        assert_eq!(seen.len(), 1_000);
        assert!(seen.iter().all(|&v| v < 1_000));
    }

    #[test]
    fn a_whole_prefix_is_used_once_then_exhausted() {
        let mut space = CodeSpace::new(vec![111], 7);
        let mut seen = HashSet::new();
        while let Some(code) = space.next_code() {
            assert_eq!(code.prefix(), "111");
            assert!(seen.insert(code.as_str().to_string()));
        }
        // Every middle block but 000000 and the all-ones code 111111111(1).
        assert_eq!(seen.len(), 999_998);
        assert!(space.next_code().is_none());
    }

    #[test]
    fn codes_are_scattered() {
        let mut space = CodeSpace::new(vec![5, 6, 7], 3);
        let a = space.next_code().map(|c| c.as_str().to_string());
        let b = space.next_code().map(|c| c.as_str().to_string());
        assert_ne!(a, b);
        let (a, b) = (a.unwrap_or_default(), b.unwrap_or_default());
        let (x, y): (u64, u64) = (a[3..9].parse().unwrap(), b[3..9].parse().unwrap());
        assert!(x.abs_diff(y) > 1, "{a} {b}");
    }
}

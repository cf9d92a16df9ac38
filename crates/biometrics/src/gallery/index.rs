//! The gallery's pre-filter: each finger is summarised by short binary codes of its most
//! informative cylinders, and two fingers are compared by how well their codes pair up —
//! a local-structure vote that costs about a microsecond instead of a full match.
//!
//! A code pools a cylinder into a 4 × 4 grid of spatial blocks × `ND` direction sections
//! (96 bits): a bit is set when at least a quarter of the block's valid cells are set for that
//! direction. Pooling makes the code tolerant of the small shifts that flip single cells.
//! A block is valid when most of its cells are; codes are compared only on blocks valid in
//! both. The finger similarity is the mean of the best `TOP` per-code similarities.

use crate::matcher::cylinder::{packed, Cylinder, MW, ND, NS};
use std::sync::OnceLock;

/// Codes kept per finger.
pub(crate) const K: usize = 24;
/// Per-code best similarities averaged into the finger similarity.
const TOP: usize = 4;
const GRID: usize = 4;
const BLOCKS: usize = GRID * GRID;

/// A finger's pre-filter summary (fixed size, no heap): 368 bytes. Each 96-bit code is kept
/// as its low 64 and high 32 bits, and its validity as one bit per block (expanded to the
/// code's bit layout when compared).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Signature {
    n: u8,
    lo: [u64; K],
    hi: [u32; K],
    /// Valid blocks, one bit per block.
    valid: [u16; K],
    /// Minutia direction quantised to 1/256 turn.
    dirs: [u8; K],
}

const _: () = assert!(BLOCKS * ND <= 96 && BLOCKS <= 16);

impl Default for Signature {
    fn default() -> Self {
        Signature {
            n: 0,
            lo: [0; K],
            hi: [0; K],
            valid: [0; K],
            dirs: [0; K],
        }
    }
}

impl Signature {
    /// The codes and their validity masks in the codes' bit layout.
    fn unpacked(&self) -> ([u128; K], [u128; K]) {
        let mut codes = [0u128; K];
        let mut masks = [0u128; K];
        for i in 0..usize::from(self.n).min(K) {
            codes[i] = u128::from(self.hi[i]) << 64 | u128::from(self.lo[i]);
            masks[i] = expand(self.valid[i]);
        }
        (codes, masks)
    }
}

/// For each block: the packed indices of its in-circle cells.
fn blocks() -> &'static [Vec<usize>; BLOCKS] {
    static B: OnceLock<[Vec<usize>; BLOCKS]> = OnceLock::new();
    B.get_or_init(|| {
        let mut b: [Vec<usize>; BLOCKS] = Default::default();
        for cell in 0..NS * NS {
            if let Some(p) = packed(cell) {
                let (i, j) = (cell % NS * GRID / NS, cell / NS * GRID / NS);
                b[j * GRID + i].push(p);
            }
        }
        b
    })
}

fn code(c: &Cylinder) -> (u128, u16) {
    let mut bits = 0u128;
    let mut valid = 0u16;
    for (b, cells) in blocks().iter().enumerate() {
        let v = cells
            .iter()
            .filter(|&&p| c.mask[p / 64] >> (p % 64) & 1 == 1)
            .count();
        if cells.is_empty() || v * 2 < cells.len() {
            continue;
        }
        valid |= 1 << b;
        for k in 0..ND {
            let set = cells
                .iter()
                .filter(|&&p| c.bits[k * MW + p / 64] >> (p % 64) & 1 == 1)
                .count();
            if set * 4 >= v {
                bits |= 1 << (b * ND + k);
            }
        }
    }
    (bits, valid)
}

/// Block masks of 8 blocks expanded to the code's bit layout, by byte value.
const EXPAND8: [u128; 256] = {
    let mut t = [0u128; 256];
    let mut v = 0;
    while v < 256 {
        let mut b = 0;
        while b < 8 {
            if v >> b & 1 == 1 {
                t[v] |= ((1u128 << ND) - 1) << (b * ND);
            }
            b += 1;
        }
        v += 1;
    }
    t
};

/// Expands a block mask to the code's bit layout.
fn expand(valid: u16) -> u128 {
    EXPAND8[usize::from(valid as u8)] | EXPAND8[usize::from(valid >> 8)] << (8 * ND)
}

/// The signature of a finger: codes of its `K` cylinders with the most set bits.
pub(crate) fn signature(cylinders: &[Cylinder], angles: impl Fn(usize) -> f32) -> Signature {
    let mut order: Vec<&Cylinder> = cylinders.iter().collect();
    order.sort_by(|a, b| b.total.cmp(&a.total).then(a.minutia.cmp(&b.minutia)));
    let mut s = Signature::default();
    for c in order.into_iter().take(K) {
        let (bits, valid) = code(c);
        let i = usize::from(s.n);
        s.lo[i] = bits as u64;
        s.hi[i] = (bits >> 64) as u32;
        s.valid[i] = valid;
        let turn = angles(usize::from(c.minutia)) / std::f32::consts::TAU;
        s.dirs[i] = ((turn.rem_euclid(1.0) * 256.0) as u32 & 0xff) as u8;
        s.n += 1;
    }
    s
}

/// Pre-filter similarity in `[0, 1]`.
#[allow(clippy::needless_range_loop)] // `i`, `j` index parallel arrays of both signatures
pub(crate) fn similarity(a: &Signature, b: &Signature) -> f32 {
    // Codes and expanded masks unpacked once, not once per pair.
    let (ac, am) = a.unpacked();
    let (bc, bm) = b.unpacked();
    let mut best = [0.0f32; K];
    for i in 0..usize::from(a.n) {
        let mut top = 0.0f32;
        for j in 0..usize::from(b.n) {
            // Directions within about 90 degrees.
            if (a.dirs[i].wrapping_sub(b.dirs[j]) as i8).unsigned_abs() > 64 {
                continue;
            }
            // At least 10 blocks valid in both (the expanded mask has `ND` bits a block).
            if (a.valid[i] & b.valid[j]).count_ones() < 10 {
                continue;
            }
            let m = am[i] & bm[j];
            let (x, y) = (ac[i] & m, bc[j] & m);
            let ones = x.count_ones() + y.count_ones();
            if ones == 0 {
                continue;
            }
            let s = 1.0 - (x ^ y).count_ones() as f32 / ones as f32;
            top = top.max(s);
        }
        best[i] = top;
    }
    let n = usize::from(a.n);
    best[..n].sort_unstable_by(|x, y| y.total_cmp(x));
    let take = TOP.min(n).max(1);
    best[..n.min(TOP)].iter().sum::<f32>() / take as f32
}

/// Hash functions of the inverted index.
const TABLES: usize = 16;
/// Code bits read per hash function.
const KEY_BITS: usize = 16;
/// Size of the key space (`table << KEY_BITS | value`).
pub(crate) const NKEYS: usize = TABLES << KEY_BITS;
/// Least set bits a key needs to be informative enough to index.
const MIN_KEY_ONES: u32 = 3;

/// The code bits each hash function reads, drawn once from a fixed seed.
fn key_bits() -> &'static [[u8; KEY_BITS]; TABLES] {
    static BITS: OnceLock<[[u8; KEY_BITS]; TABLES]> = OnceLock::new();
    BITS.get_or_init(|| {
        let mut rng = crate::synth::Rng::new(0x1dea_5eed);
        let mut out = [[0u8; KEY_BITS]; TABLES];
        for f in out.iter_mut() {
            let mut chosen = Vec::with_capacity(KEY_BITS);
            while chosen.len() < KEY_BITS {
                let b = (rng.next_u64() % (BLOCKS * ND) as u64) as u8;
                if !chosen.contains(&b) {
                    chosen.push(b);
                }
            }
            chosen.sort_unstable();
            f.copy_from_slice(&chosen);
        }
        out
    })
}

/// The index keys of a finger, from the codes of all its cylinders: for each code and hash
/// function whose bits all lie in valid blocks, `table << KEY_BITS | value` (near-empty values
/// are skipped as uninformative). Sorted, without repeats.
pub(crate) fn keys(cylinders: &[Cylinder]) -> Vec<u32> {
    let bits = key_bits();
    let mut out = Vec::with_capacity(cylinders.len() * TABLES);
    for c in cylinders {
        let (code, valid) = code(c);
        let valid = expand(valid);
        'f: for (t, f) in bits.iter().enumerate() {
            let mut v = 0u32;
            for (n, &b) in f.iter().enumerate() {
                if valid >> b & 1 == 0 {
                    continue 'f;
                }
                v |= ((code >> b & 1) as u32) << n;
            }
            if v.count_ones() >= MIN_KEY_ONES {
                out.push(((t as u32) << KEY_BITS) | v);
            }
        }
    }
    out.sort_unstable();
    out.dedup();
    out
}

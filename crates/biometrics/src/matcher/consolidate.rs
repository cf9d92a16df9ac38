//! Global consolidation of local cylinder similarities: Local Similarity Sort with Relaxation
//! (LSS-R, Cappelli et al. 2010, section 5). The best one-to-one minutia pairs are chosen,
//! their similarities are iteratively reinforced by the geometric compatibility of the other
//! pairs (distances, relative directions and radial angles must agree), and the pairs that
//! kept most of their similarity are averaged into the score.

use super::cylinder::angle_diff;
use crate::template::Template;
use std::f32::consts::PI;

const MIN_NP: f32 = 4.0;
const MAX_NP: f32 = 12.0;
const MU_P: f32 = 20.0;
const TAU_P: f32 = 0.4;
const N_REL: usize = 5;
const W_R: f32 = 0.5;
const MU_1: f32 = 5.0;
const TAU_1: f32 = -1.6;
const MU_2: f32 = PI / 12.0;
const TAU_2: f32 = -30.0;
const MU_3: f32 = PI / 12.0;
const TAU_3: f32 = -30.0;
/// Beyond these disagreements a factor of rho is below 1e-3 (ln 1000 ≈ 6.91).
const D1_CUT: f32 = MU_1 + 6.91 / 1.6;
const D23_CUT: f32 = MU_2 + 6.91 / 30.0;

/// `y.atan2(x)` within 1e-5 radians (a near-minimax odd polynomial for atan on [0, 1], fitted with
/// Lawson's iteration, max error 1.7e-6, and octant folding): the radial angles of
/// LSS-R feed a sigmoid whose slope makes such an error invisible, and libm's `atan2f` was a fifth of the
/// matcher's time.
#[inline]
fn atan2(y: f32, x: f32) -> f32 {
    use std::f32::consts::{FRAC_PI_2, PI};
    let (ax, ay) = (x.abs(), y.abs());
    let (lo, hi) = if ax < ay { (ax, ay) } else { (ay, ax) };
    if hi == 0.0 {
        return if x.is_sign_negative() {
            PI.copysign(y)
        } else {
            0.0f32.copysign(y)
        };
    }
    let t = lo / hi;
    let t2 = t * t;
    let mut r = t
        * (0.999_977_2
            + t2 * (-0.332_622_8
                + t2 * (0.193_540_24
                    + t2 * (-0.116_426_12 + t2 * (0.052_646_93 + t2 * -0.011_718_965)))));
    if ay > ax {
        r = FRAC_PI_2 - r;
    }
    if x < 0.0 {
        r = PI - r;
    }
    if y < 0.0 {
        -r
    } else {
        r
    }
}

fn sigmoid(v: f32, mu: f32, tau: f32) -> f32 {
    1.0 / (1.0 + (-tau * (v - mu)).exp())
}

/// One candidate pair of minutiae, by template index.
#[derive(Clone, Copy)]
struct Pair {
    a: usize,
    b: usize,
    sim: f32,
}

/// The outcome of LSS-R: its score and the minutia pairs it rests on.
#[derive(Debug, Clone, Default)]
pub(crate) struct Consolidated {
    /// Mean relaxed similarity of the `np` kept pairs, in `[0, 1]`.
    pub score: f32,
    /// The kept pairs: (minutia of `ta`, minutia of `tb`, relaxed similarity λ).
    pub kept: Vec<(usize, usize, f32)>,
    /// Mean local (cylinder) similarity of the kept pairs before relaxation.
    pub local: f32,
    /// The one-to-one pairs of highest local similarity, best first (minutia indices), up to
    /// the number asked for.
    pub top: Vec<(usize, usize)>,
}

/// The sort key of a local similarity: positive f32 scores order like their bit patterns, so
/// keys order by score, then by cylinder indices (`i` of the first template, `j` of the
/// second, lower first).
#[inline]
pub(crate) fn pair_key(sim: f32, i: usize, j: usize) -> u64 {
    (u64::from(sim.to_bits()) << 32) | u64::from(u32::MAX - ((i as u32) << 16 | j as u32))
}

/// Cylinder indices `(i, j)` of a [`pair_key`].
#[inline]
fn key_indices(key: u64) -> (usize, usize) {
    let idx = u32::MAX - key as u32;
    ((idx >> 16) as usize, (idx & 0xffff) as usize)
}

/// Drops the keys that the greedy one-to-one choice (keys in descending order, a key taken
/// when neither its row `i` nor its column `j` is taken yet) would certainly skip, without
/// changing what it takes or in which order. Keys are distinct. If key `k` is the largest of
/// its column `j`, then when the choice reaches `k` column `j` is still free, so row `i` is
/// taken by then (by `k` itself or by a larger key): every smaller key of row `i` is skipped.
/// Likewise for the largest key of a row and the smaller keys of its column. The greedy choice
/// over the kept keys is the same as over all of them, so the rule is applied twice.
fn drop_dead(order: &mut Vec<u64>) {
    // Cylinder indices are below 256 (`MAX_MINUTIAE`): `u8` indices need no bounds checks.
    let mut row_max = [0u64; 256];
    let mut col_max = [0u64; 256];
    let mut row_by = [0u64; 256];
    let mut col_by = [0u64; 256];
    let at = |k: u64| {
        let (i, j) = key_indices(k);
        (i as u8, j as u8)
    };
    for pass in 0..2 {
        if pass > 0 {
            for &k in order.iter() {
                let (i, j) = at(k);
                row_max[usize::from(i)] = 0;
                col_max[usize::from(j)] = 0;
                row_by[usize::from(i)] = 0;
                col_by[usize::from(j)] = 0;
            }
        }
        for &k in order.iter() {
            let (i, j) = at(k);
            let (i, j) = (usize::from(i), usize::from(j));
            row_max[i] = row_max[i].max(k);
            col_max[j] = col_max[j].max(k);
        }
        // Row i is taken by the time of its largest column maximum, column j by the time of
        // its largest row maximum.
        for &k in order.iter() {
            let (i, j) = at(k);
            let (i, j) = (usize::from(i), usize::from(j));
            // Branch-free: most keys are neither.
            let by_row = if k == col_max[j] { k } else { 0 };
            let by_col = if k == row_max[i] { k } else { 0 };
            row_by[i] = row_by[i].max(by_row);
            col_by[j] = col_by[j].max(by_col);
        }
        // Compaction without a branch per key (most keys go).
        let before = order.len();
        let mut kept = 0;
        for r in 0..before {
            let k = order[r];
            let (i, j) = at(k);
            order[kept] = k;
            kept += usize::from((k >= row_by[usize::from(i)]) & (k >= col_by[usize::from(j)]));
        }
        order.truncate(kept);
        if kept == before {
            break;
        }
    }
}

/// Consolidates the positive local similarities, given as [`pair_key`]s (any order), into a
/// score. `n_min` is the smaller number of cylinders that could pair. `d1_rel` widens the distance tolerance of the pair compatibility in proportion to
/// the distance (skin stretches: 0 is the paper's absolute tolerance).
pub(crate) fn lss_r(
    ta: &Template,
    tb: &Template,
    mut order: Vec<u64>,
    n_min: usize,
    d1_rel: f32,
    n_top: usize,
) -> Consolidated {
    let ca = ta.cylinders();
    let cb = tb.cylinders();
    let (na, nb) = (ca.len(), cb.len());
    let np = (MIN_NP + (sigmoid(n_min as f32, MU_P, TAU_P) * (MAX_NP - MIN_NP)).round()) as usize;

    // Greedy one-to-one choice of the n_min best pairs. It runs through nearly every key
    // (between impostors most rows and columns run out before n_min pairs are found), so
    // the keys that it would certainly skip are dropped before sorting (see `drop_dead`).
    drop_dead(&mut order);
    // Only the best few pairs are ever used: sort a head of 4 n_min keys, the rest only if
    // the greedy one-to-one choice runs out of them.
    let head = (4 * n_min).max(16);
    if order.len() > head {
        order.select_nth_unstable_by(head, |x, y| y.cmp(x));
        order[..head].sort_unstable_by(|x, y| y.cmp(x));
    } else {
        order.sort_unstable_by(|x, y| y.cmp(x));
    }
    let mut used_a = vec![false; na];
    let mut used_b = vec![false; nb];
    let mut pairs: Vec<Pair> = Vec::with_capacity(n_min);
    let mut tail_sorted = order.len() <= head;
    let mut at = 0usize;
    while at < order.len() {
        if at == head && !tail_sorted {
            order[head..].sort_unstable_by(|x, y| y.cmp(x));
            tail_sorted = true;
        }
        let key = order[at];
        at += 1;
        let sim = f32::from_bits((key >> 32) as u32);
        let (i, j) = key_indices(key);
        if used_a[i] || used_b[j] {
            continue;
        }
        used_a[i] = true;
        used_b[j] = true;
        pairs.push(Pair {
            a: usize::from(ca[i].minutia),
            b: usize::from(cb[j].minutia),
            sim,
        });
        if pairs.len() == n_min {
            break;
        }
    }
    let nr = pairs.len();
    if nr == 0 {
        return Consolidated::default();
    }
    let ma = ta.minutiae();
    let mb = tb.minutiae();
    let pa: Vec<(f32, f32, f32)> = pairs
        .iter()
        .map(|p| (ma[p.a].x, ma[p.a].y, ma[p.a].angle))
        .collect();
    let pb: Vec<(f32, f32, f32)> = pairs
        .iter()
        .map(|p| (mb[p.b].x, mb[p.b].y, mb[p.b].angle))
        .collect();

    // Pairwise compatibility rho(t, k), symmetric, kept sparse. Each factor is a falling
    // sigmoid, so a pair whose distance or direction disagreement already drives rho below
    // 1e-3 is left out without computing the rest (the common case between impostors).
    let mut edges: Vec<(u16, u16, f32)> = Vec::new();
    // The pairs that pass the distance cut, listed branch-free first (most do not).
    let mut near: Vec<(u16, f32)> = vec![(0, 0.0); nr];
    for t in 0..nr {
        let (a1, b1) = (pa[t], pb[t]);
        let mut n = 0;
        for k in t + 1..nr {
            let (a2, b2) = (pa[k], pb[k]);
            let da = ((a1.0 - a2.0).powi(2) + (a1.1 - a2.1).powi(2)).sqrt();
            let db = ((b1.0 - b2.0).powi(2) + (b1.1 - b2.1).powi(2)).sqrt();
            let d1 = ((da - db).abs() - d1_rel * 0.5 * (da + db)).max(0.0);
            // `d1` is never NaN (`max` returns its other operand then), so this is the
            // complement of `d1 > D1_CUT`.
            near[n] = (k as u16, d1);
            n += usize::from(d1 <= D1_CUT);
        }
        for &(k, d1) in &near[..n] {
            let k = usize::from(k);
            let (a2, b2) = (pa[k], pb[k]);
            let d2 = angle_diff(angle_diff(a1.2, a2.2), angle_diff(b1.2, b2.2)).abs();
            if d2 > D23_CUT {
                continue;
            }
            let ra = angle_diff(a1.2, atan2(a1.1 - a2.1, a1.0 - a2.0));
            let rb = angle_diff(b1.2, atan2(b1.1 - b2.1, b1.0 - b2.0));
            let d3 = angle_diff(ra, rb).abs();
            if d3 > D23_CUT {
                continue;
            }
            let r = sigmoid(d1, MU_1, TAU_1) * sigmoid(d2, MU_2, TAU_2) * sigmoid(d3, MU_3, TAU_3);
            edges.push((t as u16, k as u16, r));
        }
    }

    let mut lambda: Vec<f32> = pairs.iter().map(|p| p.sim).collect();
    let mut support = vec![0.0f32; nr];
    let denom = (nr.max(2) - 1) as f32;
    for _ in 0..N_REL {
        support.iter_mut().for_each(|s| *s = 0.0);
        for &(t, k, r) in &edges {
            let (t, k) = (usize::from(t), usize::from(k));
            support[t] += r * lambda[k];
            support[k] += r * lambda[t];
        }
        for (l, s) in lambda.iter_mut().zip(&support) {
            *l = W_R * *l + (1.0 - W_R) * s / denom;
        }
    }

    // Keep the np pairs that best preserved their similarity (efficiency), average their λ.
    let mut eff: Vec<(f32, usize)> = (0..nr).map(|t| (lambda[t] / pairs[t].sim, t)).collect();
    eff.sort_unstable_by(|x, y| y.0.total_cmp(&x.0).then(x.1.cmp(&y.1)));
    let kept: Vec<(usize, usize, f32)> = eff
        .iter()
        .take(np)
        .map(|&(_, t)| (pairs[t].a, pairs[t].b, lambda[t]))
        .collect();
    let total: f32 = kept.iter().map(|k| k.2).sum();
    let local: f32 = eff.iter().take(np).map(|&(_, t)| pairs[t].sim).sum();
    Consolidated {
        score: (total / np as f32).clamp(0.0, 1.0),
        kept,
        local: local / np as f32,
        top: pairs.iter().take(n_top).map(|p| (p.a, p.b)).collect(),
    }
}

#[cfg(test)]
mod tests {
    /// The greedy one-to-one choice over keys in descending order, as `lss_r` makes it.
    fn greedy(keys: &[u64], n_min: usize) -> Vec<u64> {
        let mut k = keys.to_vec();
        k.sort_unstable_by(|x, y| y.cmp(x));
        let (mut ua, mut ub) = ([false; 256], [false; 256]);
        let mut out = Vec::new();
        for key in k {
            let (i, j) = super::key_indices(key);
            if ua[i] || ub[j] {
                continue;
            }
            ua[i] = true;
            ub[j] = true;
            out.push(key);
            if out.len() == n_min {
                break;
            }
        }
        out
    }

    #[test]
    fn dropping_dead_keys_keeps_the_greedy_choice() {
        let mut rng = crate::synth::Rng::new(11);
        for round in 0..400 {
            let (na, nb) = (1 + round % 37, 1 + (round * 7) % 41);
            let density = rng.range(0.05, 1.0);
            let mut keys = Vec::new();
            for i in 0..na {
                for j in 0..nb {
                    if rng.range(0.0, 1.0) < density {
                        // Few distinct similarities, so that ties are broken by the indices.
                        let sim = (rng.range(0.0, 1.0) * 8.0).ceil() / 8.0;
                        keys.push(super::pair_key(sim, i, j));
                    }
                }
            }
            let mut kept = keys.clone();
            super::drop_dead(&mut kept);
            assert!(kept.len() <= keys.len());
            for n_min in [na.min(nb), 3, usize::MAX] {
                assert_eq!(greedy(&keys, n_min), greedy(&kept, n_min), "round {round}");
            }
        }
    }

    #[test]
    fn fast_atan2_agrees_with_libm() {
        let mut worst = 0.0f32;
        for i in -200..=200 {
            for j in -200..=200 {
                let (y, x) = (i as f32 * 0.37, j as f32 * 0.53);
                let d = (super::atan2(y, x) - y.atan2(x)).abs();
                worst = worst.max(d);
            }
        }
        assert!(worst < 1e-5, "worst error {worst}");
        assert_eq!(super::atan2(0.0, 0.0), 0.0);
        assert!((super::atan2(0.0, -1.0) - std::f32::consts::PI).abs() < 1e-6);
    }
}

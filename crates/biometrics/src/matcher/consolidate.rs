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
}

/// The sort key of a local similarity: positive f32 scores order like their bit patterns, so
/// keys order by score, then by cylinder indices (`i` of the first template, `j` of the
/// second, lower first).
#[inline]
pub(crate) fn pair_key(sim: f32, i: usize, j: usize) -> u64 {
    (u64::from(sim.to_bits()) << 32) | u64::from(u32::MAX - ((i as u32) << 16 | j as u32))
}

/// Consolidates the positive local similarities, given as [`pair_key`]s (any order), into a
/// score. `d1_rel` widens the distance tolerance of the pair compatibility in proportion to
/// the distance (skin stretches: 0 is the paper's absolute tolerance).
pub(crate) fn lss_r(
    ta: &Template,
    tb: &Template,
    mut order: Vec<u64>,
    d1_rel: f32,
) -> Consolidated {
    let ca = ta.cylinders();
    let cb = tb.cylinders();
    let (na, nb) = (ca.len(), cb.len());
    let n_min = na.min(nb);
    let np = (MIN_NP + (sigmoid(n_min as f32, MU_P, TAU_P) * (MAX_NP - MIN_NP)).round()) as usize;

    // Greedy one-to-one choice of the n_min best pairs.
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
        let idx = u32::MAX - key as u32;
        let (i, j) = ((idx >> 16) as usize, (idx & 0xffff) as usize);
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
    for t in 0..nr {
        let (a1, b1) = (pa[t], pb[t]);
        for k in t + 1..nr {
            let (a2, b2) = (pa[k], pb[k]);
            let da = ((a1.0 - a2.0).powi(2) + (a1.1 - a2.1).powi(2)).sqrt();
            let db = ((b1.0 - b2.0).powi(2) + (b1.1 - b2.1).powi(2)).sqrt();
            let d1 = ((da - db).abs() - d1_rel * 0.5 * (da + db)).max(0.0);
            if d1 > D1_CUT {
                continue;
            }
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
    }
}

#[cfg(test)]
mod tests {
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

//! What the two prints have in common once aligned: the rigid motion that best maps the
//! consolidated minutia pairs of one print onto the other (weighted least squares), the
//! minutiae of each print that fall inside the other's extent (the overlap), and how many of
//! them find a mate there.
//!
//! The counts feed the score normalisation of [`super::score`]: a raw MCC score grows with
//! the number of minutiae both prints offer, and falls with a small overlap, whatever the
//! finger; counting mates only where both prints could show them removes both effects.

use super::cylinder::angle_diff;
use crate::template::{Template, TemplateMinutia, MAX_MINUTIAE};

/// Counts after alignment.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub(crate) struct Overlap {
    /// Minutiae of the first print inside the second's extent.
    pub in_a: usize,
    /// Minutiae of the second print inside the first's extent.
    pub in_b: usize,
    /// One-to-one minutia mates within the position and direction tolerances.
    pub mates: usize,
}

/// Tolerances of the overlap count (lengths in frame pixels, 500 ppi).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Tolerances {
    /// A mate lies within this distance of the mapped minutia…
    pub radius: f32,
    /// …plus this share of its distance from the alignment's centre (skin stretches).
    pub radius_rel: f32,
    /// Largest direction difference of a mate, radians.
    pub angle: f32,
    /// A minutia counts as inside the other print when within this distance of its hull.
    pub margin: f32,
    /// Minutiae with a reported quality below this are not counted (0 = not reported counts).
    pub min_quality: u8,
}

/// A rigid motion: rotate by `(cos, sin)` about `from`, then move `from` onto `to`.
#[derive(Debug, Clone, Copy)]
struct Motion {
    cos: f32,
    sin: f32,
    from: (f32, f32),
    to: (f32, f32),
}

impl Motion {
    fn apply(&self, p: (f32, f32)) -> (f32, f32) {
        let (x, y) = (p.0 - self.from.0, p.1 - self.from.1);
        (
            self.to.0 + self.cos * x - self.sin * y,
            self.to.1 + self.sin * x + self.cos * y,
        )
    }

    fn inverse(&self) -> Motion {
        Motion {
            cos: self.cos,
            sin: -self.sin,
            from: self.to,
            to: self.from,
        }
    }

    fn angle(&self) -> f32 {
        self.sin.atan2(self.cos)
    }
}

/// Weighted least-squares rigid motion mapping the `a` ends of `pairs` onto their `b` ends.
fn align(ta: &Template, tb: &Template, pairs: &[(usize, usize, f32)]) -> Option<Motion> {
    let (ma, mb) = (ta.minutiae(), tb.minutiae());
    let w: f32 = pairs.iter().map(|p| p.2.max(0.0)).sum();
    if w <= 0.0 {
        return None;
    }
    let (mut ca, mut cb) = ((0.0f32, 0.0f32), (0.0f32, 0.0f32));
    for &(i, j, l) in pairs {
        let l = l.max(0.0);
        ca = (ca.0 + l * ma[i].x, ca.1 + l * ma[i].y);
        cb = (cb.0 + l * mb[j].x, cb.1 + l * mb[j].y);
    }
    ca = (ca.0 / w, ca.1 / w);
    cb = (cb.0 / w, cb.1 / w);
    // Rotation from the point sets (Procrustes), plus the minutiae's own direction differences
    // weighted as if each were a pair of points one cylinder radius apart: stable with two or
    // three pairs, dominated by geometry with many.
    let (mut dot, mut cross) = (0.0f32, 0.0f32);
    for &(i, j, l) in pairs {
        let l = l.max(0.0);
        let (ax, ay) = (ma[i].x - ca.0, ma[i].y - ca.1);
        let (bx, by) = (mb[j].x - cb.0, mb[j].y - cb.1);
        dot += l * (ax * bx + ay * by);
        cross += l * (ax * by - ay * bx);
        let d = angle_diff(mb[j].angle, ma[i].angle);
        let r2 = 70.0 * 70.0;
        dot += l * r2 * d.cos();
        cross += l * r2 * d.sin();
    }
    let norm = (dot * dot + cross * cross).sqrt();
    if norm <= 0.0 || !norm.is_finite() {
        return None;
    }
    Some(Motion {
        cos: dot / norm,
        sin: cross / norm,
        from: ca,
        to: cb,
    })
}

/// Whether `q` is within `margin` of the hull of `t` (inside counts). A point in the hull's
/// inner box is inside by more than rounding, so with a margin of zero or more it passes
/// every edge test: those are skipped.
fn inside(t: &Template, q: (f32, f32), margin: f32) -> bool {
    let edges = t.hull_edges();
    let b = t.inner_box();
    if (margin >= 0.0) & (q.0 >= b[0]) & (q.0 <= b[2]) & (q.1 >= b[1]) & (q.1 <= b[3]) {
        return true;
    }
    edges.len() >= 3
        && edges
            .iter()
            .all(|&(a, n)| n.0 * (q.0 - a.0) + n.1 * (q.1 - a.1) >= -margin)
}

/// The rigid motion that maps minutia `i` of `ta` onto minutia `j` of `tb`, directions
/// included (the alignment of a single local-structure pair, as in Jiang and Yau's
/// local-global matching).
fn from_pair(ta: &Template, tb: &Template, i: usize, j: usize) -> Motion {
    let (a, b) = (ta.minutiae()[i], tb.minutiae()[j]);
    let (sin, cos) = angle_diff(b.angle, a.angle).sin_cos();
    Motion {
        cos,
        sin,
        from: (a.x, a.y),
        to: (b.x, b.y),
    }
}

/// A single-pair alignment with fewer mates than this is not pursued.
const MIN_HYPOTHESIS_MATES: usize = 3;

/// Reusable buffers of one comparison's counts.
#[derive(Default)]
pub(crate) struct Scratch {
    cand: Vec<(f32, u16, u16)>,
    /// The one-to-one mates of the last [`mates`] call, `(i, j, 1.0)`.
    pub mates: Vec<(usize, usize, f32)>,
    pairs: Vec<(usize, usize, f32)>,
}

/// Aligns the prints on `pairs` and counts the overlap and the mates in it (the mates are
/// left in `scratch.mates`).
pub(crate) fn overlap(
    ta: &Template,
    tb: &Template,
    pairs: &[(usize, usize, f32)],
    tol: &Tolerances,
    scratch: &mut Scratch,
) -> Overlap {
    let Some(motion) = align(ta, tb, pairs) else {
        scratch.mates.clear();
        return Overlap::default();
    };
    let mates = mates(ta, tb, &motion, tol, scratch);
    let (in_a, in_b) = inside_counts(ta, tb, &motion, tol);
    Overlap { in_a, in_b, mates }
}

/// Alignment hypothesis from one minutia pair (`i` of `ta`, `j` of `tb`): aligns on the pair,
/// finds its mates, re-aligns on them (least squares, when there are two or more) and keeps
/// whichever of the two motions has more mates. Returns the overlap count only when it could
/// beat a mate ratio of `beat` (the overlap counts are floored at `min_overlap`, so `mates /
/// min_overlap` bounds the ratio); `None` otherwise.
pub(crate) fn hypothesis(
    ta: &Template,
    tb: &Template,
    (i, j): (usize, usize),
    tol: &Tolerances,
    scratch: &mut Scratch,
    beat: f32,
    min_overlap: f32,
) -> Option<Overlap> {
    let first = from_pair(ta, tb, i, j);
    let m1 = mates(ta, tb, &first, tol, scratch);
    if m1 < MIN_HYPOTHESIS_MATES {
        // Two chance mates say nothing about the alignment (and cost a re-alignment).
        return None;
    }
    let mut best = (first, m1);
    {
        std::mem::swap(&mut scratch.pairs, &mut scratch.mates);
        if let Some(second) = align(ta, tb, &scratch.pairs) {
            let m2 = mates(ta, tb, &second, tol, scratch);
            if m2 >= m1 {
                best = (second, m2);
            }
        }
    }
    let (motion, m) = best;
    if (m as f32 / min_overlap.max(1.0)).min(1.0) <= beat {
        return None;
    }
    let (in_a, in_b) = inside_counts(ta, tb, &motion, tol);
    Some(Overlap {
        in_a,
        in_b,
        mates: m,
    })
}

fn reliable(m: &TemplateMinutia, tol: &Tolerances) -> bool {
    m.quality == 0 || m.quality >= tol.min_quality
}

/// Minutiae of each print inside the other's extent under `motion` (`ta` onto `tb`).
fn inside_counts(
    ta: &Template,
    tb: &Template,
    motion: &Motion,
    tol: &Tolerances,
) -> (usize, usize) {
    let back = motion.inverse();
    let in_a = ta
        .minutiae()
        .iter()
        .filter(|m| reliable(m, tol) && inside(tb, motion.apply((m.x, m.y)), tol.margin))
        .count();
    let in_b = tb
        .minutiae()
        .iter()
        .filter(|m| reliable(m, tol) && inside(ta, back.apply((m.x, m.y)), tol.margin))
        .count();
    (in_a, in_b)
}

/// One-to-one mates under `motion` (`ta` onto `tb`), nearest first; they are left in
/// `scratch.mates` (weight 1 each) and counted.
fn mates(
    ta: &Template,
    tb: &Template,
    motion: &Motion,
    tol: &Tolerances,
    scratch: &mut Scratch,
) -> usize {
    let (ma, mb) = (ta.minutiae(), tb.minutiae());
    let rot = motion.angle();
    let cand = &mut scratch.cand;
    cand.clear();
    for (i, a) in ma.iter().enumerate() {
        if !reliable(a, tol) {
            continue;
        }
        let q = motion.apply((a.x, a.y));
        let reach = tol.radius
            + tol.radius_rel * ((q.0 - motion.to.0).powi(2) + (q.1 - motion.to.1).powi(2)).sqrt();
        let reach2 = reach * reach;
        let dir = a.angle + rot;
        // Only the minutiae of `tb` within `reach` in x can be within `reach`.
        let xs = tb.by_x();
        let from = xs.partition_point(|&(x, _)| x < q.0 - reach);
        for &(x, j) in &xs[from..] {
            if x > q.0 + reach {
                break;
            }
            let m = &mb[usize::from(j)];
            let d2 = (m.x - q.0).powi(2) + (m.y - q.1).powi(2);
            if d2 <= reach2 && reliable(m, tol) && angle_diff(m.angle, dir).abs() <= tol.angle {
                cand.push((d2 / reach2, i as u16, j));
            }
        }
    }
    cand.sort_unstable_by(|x, y| x.0.total_cmp(&y.0).then(x.1.cmp(&y.1)).then(x.2.cmp(&y.2)));
    let mut used_a = [false; MAX_MINUTIAE];
    let mut used_b = [false; MAX_MINUTIAE];
    scratch.mates.clear();
    for &(_, i, j) in cand.iter() {
        let (i, j) = (usize::from(i), usize::from(j));
        if !used_a[i] && !used_b[j] {
            used_a[i] = true;
            used_b[j] = true;
            scratch.mates.push((i, j, 1.0));
        }
    }
    scratch.mates.len()
}

//! What the two prints have in common once aligned: the rigid motion that best maps the
//! consolidated minutia pairs of one print onto the other (weighted least squares), the
//! minutiae of each print that fall inside the other's extent (the overlap), and how many of
//! them find a mate there.
//!
//! The counts feed the score normalisation of [`super::score`]: a raw MCC score grows with
//! the number of minutiae both prints offer, and falls with a small overlap, whatever the
//! finger; counting mates only where both prints could show them removes both effects.

use super::cylinder::{angle_diff, Edge};
use crate::template::Template;

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

/// Whether `q` is within `margin` of the hull whose edges are given (inside counts).
fn inside(edges: &[Edge], q: (f32, f32), margin: f32) -> bool {
    edges.len() >= 3
        && edges
            .iter()
            .all(|&(a, n)| n.0 * (q.0 - a.0) + n.1 * (q.1 - a.1) >= -margin)
}

/// Aligns the prints on `pairs` and counts the overlap and the mates in it.
pub(crate) fn overlap(
    ta: &Template,
    tb: &Template,
    pairs: &[(usize, usize, f32)],
    tol: &Tolerances,
) -> Overlap {
    let Some(motion) = align(ta, tb, pairs) else {
        return Overlap::default();
    };
    let back = motion.inverse();
    let (ma, mb) = (ta.minutiae(), tb.minutiae());
    let rot = motion.angle();
    let mapped: Vec<(f32, f32)> = ma.iter().map(|m| motion.apply((m.x, m.y))).collect();
    let in_a = mapped
        .iter()
        .filter(|&&q| inside(tb.hull_edges(), q, tol.margin))
        .count();
    let in_b = mb
        .iter()
        .filter(|m| inside(ta.hull_edges(), back.apply((m.x, m.y)), tol.margin))
        .count();
    // Candidate mates, nearest first, then a greedy one-to-one choice.
    let mut cand: Vec<(f32, u16, u16)> = Vec::new();
    for (i, &q) in mapped.iter().enumerate() {
        let reach = tol.radius
            + tol.radius_rel * ((q.0 - motion.to.0).powi(2) + (q.1 - motion.to.1).powi(2)).sqrt();
        let reach2 = reach * reach;
        for (j, m) in mb.iter().enumerate() {
            let d2 = (m.x - q.0).powi(2) + (m.y - q.1).powi(2);
            if d2 <= reach2 && angle_diff(m.angle, ma[i].angle + rot).abs() <= tol.angle {
                cand.push((d2 / reach2, i as u16, j as u16));
            }
        }
    }
    cand.sort_unstable_by(|x, y| x.0.total_cmp(&y.0).then(x.1.cmp(&y.1)).then(x.2.cmp(&y.2)));
    let mut used_a = vec![false; ma.len()];
    let mut used_b = vec![false; mb.len()];
    let mut mates = 0;
    for &(_, i, j) in &cand {
        let (i, j) = (usize::from(i), usize::from(j));
        if !used_a[i] && !used_b[j] {
            used_a[i] = true;
            used_b[j] = true;
            mates += 1;
        }
    }
    Overlap { in_a, in_b, mates }
}

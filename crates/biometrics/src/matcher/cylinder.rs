//! Minutia Cylinder-Code descriptors (Cappelli, Ferrara, Maltoni, IEEE TPAMI 32(12), 2010),
//! bit-based variant: for each minutia a cylinder of `NS × NS × ND` cells around it, aligned
//! with its direction, each bit saying whether neighbouring minutiae with a given relative
//! direction are near that cell; plus a mask of the cells that lie inside the print.

use crate::minutia::TemplateMinutia;
use std::f32::consts::{PI, TAU};

/// Cylinder radius in pixels (500 ppi).
pub(crate) const RADIUS: f32 = 70.0;
/// Cells along each spatial side.
pub(crate) const NS: usize = 14;
/// Direction sections.
pub(crate) const ND: usize = 6;
const CELLS: usize = NS * NS;

/// Whether grid cell (i, j) lies in the cylinder's circle: its centre, (i − (NS−1)/2) cells
/// across, is within `RADIUS = NS/2` cells, i.e. (2i − NS + 1)² + (2j − NS + 1)² ≤ NS².
const fn in_circle(cell: usize) -> bool {
    let di = 2 * (cell % NS) as i64 - NS as i64 + 1;
    let dj = 2 * (cell / NS) as i64 - NS as i64 + 1;
    di * di + dj * dj <= (NS * NS) as i64
}

/// Packed bit index of every grid cell in the circle (`u16::MAX` outside): only those cells
/// are stored.
const PACKED: [u16; CELLS] = {
    let mut t = [u16::MAX; CELLS];
    let mut n = 0u16;
    let mut c = 0;
    while c < CELLS {
        if in_circle(c) {
            t[c] = n;
            n += 1;
        }
        c += 1;
    }
    t
};

/// Cells in the circle.
const IN_CIRCLE: usize = {
    let mut n = 0;
    let mut c = 0;
    while c < CELLS {
        if in_circle(c) {
            n += 1;
        }
        c += 1;
    }
    n
};

/// Packed bit index of grid cell `cell` (row-major, `NS` per row), if it is in the circle.
pub(crate) fn packed(cell: usize) -> Option<usize> {
    PACKED
        .get(cell)
        .filter(|&&p| p != u16::MAX)
        .map(|&p| usize::from(p))
}

/// 64-bit words of the spatial mask.
pub(crate) const MW: usize = IN_CIRCLE.div_ceil(64);
/// 64-bit words of the value bits (one mask-sized slice per direction section).
pub(crate) const VW: usize = ND * MW;
const SIGMA_S: f32 = 28.0 / 3.0;
const SIGMA_D: f32 = 2.0 * PI / 9.0;
const MU_PSI: f32 = 0.01;
/// Cells farther than this outside the minutiae's convex hull are invalid.
const OMEGA: f32 = 50.0;
/// A cylinder needs this share of its in-circle cells valid.
const MIN_VC: f32 = 0.75;
/// A cylinder needs at least this many neighbours.
const MIN_M: usize = 2;

/// One minutia's cylinder.
#[derive(Clone, PartialEq, Debug)]
pub(crate) struct Cylinder {
    /// Index of the minutia in the template.
    pub minutia: u16,
    /// The minutia's reported quality (0 = not reported).
    pub quality: u8,
    /// Cosine and sine of the minutia's direction (for the direction gate).
    pub dir: [f32; 2],
    /// Valid cells (inside the circle and the print).
    pub mask: [u64; MW],
    /// Value bits, zero outside the mask.
    pub bits: [u64; VW],
    /// Number of value bits set.
    pub total: u32,
}

fn wrap_pi(a: f32) -> f32 {
    if a.abs() > 8.0 * PI || !a.is_finite() {
        // Not a difference of two wrapped angles; the slow path keeps it total.
        let r = (a + PI).rem_euclid(TAU) - PI;
        return if r.is_finite() && r < PI { r } else { 0.0 };
    }
    // One turn either way branch-free (a difference of two angles in [0, 2π) needs at most
    // that), then the loops for the rest: the same steps as the loops alone.
    let mut r = if a >= PI { a - TAU } else { a };
    r = if r < -PI { r + TAU } else { r };
    while r >= PI {
        r -= TAU;
    }
    while r < -PI {
        r += TAU;
    }
    r
}

/// Signed angle difference `a - b` in `[-π, π)`.
pub(crate) fn angle_diff(a: f32, b: f32) -> f32 {
    wrap_pi(a - b)
}

/// Abramowitz & Stegun 7.1.26 (absolute error below 1.5e-7).
fn erf(x: f32) -> f32 {
    let s = x.signum();
    let x = x.abs();
    let t = 1.0 / (1.0 + 0.327_591_1 * x);
    let y = 1.0
        - (((((1.061_405_4 * t - 1.453_152_1) * t) + 1.421_413_7) * t - 0.284_496_74) * t
            + 0.254_829_6)
            * t
            * (-x * x).exp();
    s * y
}

/// Share of a N(0, σD) direction density that falls in the section centred `alpha` away.
fn directional(alpha: f32) -> f32 {
    let half = PI / ND as f32;
    let k = 1.0 / (SIGMA_D * std::f32::consts::SQRT_2);
    0.5 * (erf((alpha + half) * k) - erf((alpha - half) * k))
}

const DIR_TABLE: usize = 2048;

/// `directional` over `[-π, π)` in `DIR_TABLE` steps, computed once.
fn directional_table() -> &'static [f32] {
    static TABLE: std::sync::OnceLock<Vec<f32>> = std::sync::OnceLock::new();
    TABLE.get_or_init(|| {
        (0..DIR_TABLE)
            .map(|i| directional(-PI + (i as f32 + 0.5) * TAU / DIR_TABLE as f32))
            .collect()
    })
}

fn directional_fast(table: &[f32], alpha: f32) -> f32 {
    let i = ((alpha + PI) / TAU * DIR_TABLE as f32) as usize;
    table[i.min(DIR_TABLE - 1)]
}

/// Convex hull (counter-clockwise in a y-up reading) by the monotone chain.
pub(crate) fn convex_hull(points: &[(f32, f32)]) -> Vec<(f32, f32)> {
    let mut p: Vec<(f32, f32)> = points.to_vec();
    p.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.total_cmp(&b.1)));
    p.dedup();
    if p.len() < 3 {
        return p;
    }
    let cross = |o: (f32, f32), a: (f32, f32), b: (f32, f32)| {
        (a.0 - o.0) * (b.1 - o.1) - (a.1 - o.1) * (b.0 - o.0)
    };
    let mut hull: Vec<(f32, f32)> = Vec::with_capacity(2 * p.len());
    for pass in 0..2 {
        let start = hull.len();
        let iter: Box<dyn Iterator<Item = &(f32, f32)>> = if pass == 0 {
            Box::new(p.iter())
        } else {
            Box::new(p.iter().rev())
        };
        for &q in iter {
            while hull.len() >= start + 2
                && cross(hull[hull.len() - 2], hull[hull.len() - 1], q) <= 0.0
            {
                hull.pop();
            }
            hull.push(q);
        }
        hull.pop();
    }
    hull
}

/// Signed distance from `q` to the hull's boundary: positive inside, negative outside
/// (outside, the magnitude is the distance to the nearest edge).
fn hull_depth(hull: &[(f32, f32)], q: (f32, f32)) -> f32 {
    if hull.is_empty() {
        return f32::NEG_INFINITY;
    }
    let mut inside = hull.len() >= 3;
    let mut best = f32::INFINITY;
    for i in 0..hull.len() {
        let a = hull[i];
        let b = hull[(i + 1) % hull.len()];
        let (ex, ey) = (b.0 - a.0, b.1 - a.1);
        let (qx, qy) = (q.0 - a.0, q.1 - a.1);
        if ex * qy - ey * qx < 0.0 {
            inside = false;
        }
        let len2 = ex * ex + ey * ey;
        let t = if len2 > 0.0 {
            ((qx * ex + qy * ey) / len2).clamp(0.0, 1.0)
        } else {
            0.0
        };
        let (dx, dy) = (qx - t * ex, qy - t * ey);
        best = best.min(dx * dx + dy * dy);
    }
    if inside {
        best.sqrt()
    } else {
        -best.sqrt()
    }
}

/// A hull edge line: a point on it and its inward unit normal.
pub(crate) type Edge = ((f32, f32), (f32, f32));

/// Edge lines of a counter-clockwise hull.
pub(crate) fn hull_edges(hull: &[(f32, f32)]) -> Vec<Edge> {
    (0..hull.len())
        .filter_map(|i| {
            let a = hull[i];
            let b = hull[(i + 1) % hull.len()];
            let (ex, ey) = (b.0 - a.0, b.1 - a.1);
            let len = (ex * ex + ey * ey).sqrt();
            (len > 0.0).then(|| (a, (-ey / len, ex / len)))
        })
        .collect()
}

/// Every point of an [`inner_box`] is at least this far inside each hull edge (frame pixels):
/// far more than the rounding of an edge test, so a point in the box passes every edge test
/// with a margin of zero or more exactly as the edge tests themselves would.
pub(crate) const INNER_SLACK: f32 = 0.5;

/// An axis-parallel box `[x0, y0, x1, y1]` inside the hull of `edges` (each corner at least
/// [`INNER_SLACK`] inside every edge line, so the whole box is): a point in it is inside
/// without testing the edges. Empty (`x0 > x1`) when the hull has fewer than three edges or is
/// too thin.
pub(crate) fn inner_box(edges: &[Edge]) -> [f32; 4] {
    const EMPTY: [f32; 4] = [1.0, 1.0, 0.0, 0.0];
    if edges.len() < 3 {
        return EMPTY;
    }
    let fits = |b: &[f32; 4]| {
        [(b[0], b[1]), (b[2], b[1]), (b[0], b[3]), (b[2], b[3])]
            .iter()
            .all(|&q| {
                edges
                    .iter()
                    .all(|&(a, n)| n.0 * (q.0 - a.0) + n.1 * (q.1 - a.1) >= INNER_SLACK)
            })
    };
    let n = edges.len() as f32;
    let c = (
        edges.iter().map(|e| e.0 .0).sum::<f32>() / n,
        edges.iter().map(|e| e.0 .1).sum::<f32>() / n,
    );
    let mut bound = [c.0, c.1, c.0, c.1];
    for &((x, y), _) in edges {
        bound = [
            bound[0].min(x),
            bound[1].min(y),
            bound[2].max(x),
            bound[3].max(y),
        ];
    }
    let scaled = |s: f32| {
        [
            c.0 + s * (bound[0] - c.0),
            c.1 + s * (bound[1] - c.1),
            c.0 + s * (bound[2] - c.0),
            c.1 + s * (bound[3] - c.1),
        ]
    };
    if !fits(&scaled(0.0)) {
        return EMPTY;
    }
    // The largest scaling of the vertices' bounding box about their centroid that fits, then
    // each side pushed out on its own as far as it still fits (bisection: the fitting
    // positions of a side form an interval, the box staying convex).
    let (mut lo, mut hi) = (0.0f32, 1.0f32);
    for _ in 0..24 {
        let mid = 0.5 * (lo + hi);
        if fits(&scaled(mid)) {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    let mut b = scaled(lo);
    for side in 0..4 {
        let (mut lo, mut hi) = (b[side], bound[side]);
        for _ in 0..24 {
            let mid = 0.5 * (lo + hi);
            let mut t = b;
            t[side] = mid;
            if fits(&t) {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        b[side] = lo;
    }
    if fits(&b) {
        b
    } else {
        EMPTY
    }
}

/// Whether `q` lies within `OMEGA` of every edge line: the hull grown by `OMEGA` with mitred
/// instead of rounded corners (the two differ only off the hull's corners).
fn near_hull(edges: &[Edge], q: (f32, f32)) -> bool {
    if edges.len() < 3 {
        return false;
    }
    edges
        .iter()
        .all(|&(a, n)| n.0 * (q.0 - a.0) + n.1 * (q.1 - a.1) >= -OMEGA)
}

/// Builds the valid cylinders of a template's minutiae, given their convex hull.
pub(crate) fn build_cylinders(minutiae: &[TemplateMinutia], hull: &[(f32, f32)]) -> Vec<Cylinder> {
    let edges = hull_edges(hull);
    let delta_s = 2.0 * RADIUS / NS as f32;
    let half = (NS as f32 - 1.0) / 2.0;
    let gs_norm = 1.0 / (SIGMA_S * (TAU).sqrt());
    let reach = RADIUS + 3.0 * SIGMA_S;
    let cutoff2 = (3.0 * SIGMA_S) * (3.0 * SIGMA_S);
    let mut out = Vec::new();
    let mut neigh: Vec<(f32, f32, [f32; ND])> = Vec::new();
    let mut acc = vec![[0.0f32; ND]; CELLS];
    let table = directional_table();
    for (idx, m) in minutiae.iter().enumerate() {
        neigh.clear();
        for (t, n) in minutiae.iter().enumerate() {
            let (dx, dy) = (n.x - m.x, n.y - m.y);
            if t == idx || dx * dx + dy * dy > reach * reach {
                continue;
            }
            let dtheta = angle_diff(m.angle, n.angle);
            let mut gd = [0.0f32; ND];
            for (k, g) in gd.iter_mut().enumerate() {
                let centre = -PI + (k as f32 + 0.5) * (TAU / ND as f32);
                *g = directional_fast(table, angle_diff(centre, dtheta));
            }
            neigh.push((n.x, n.y, gd));
        }
        if neigh.len() < MIN_M {
            continue;
        }
        let (s, c) = m.angle.sin_cos();
        let mut cyl = Cylinder {
            minutia: idx as u16,
            quality: m.quality,
            dir: [c, s],
            mask: [0; MW],
            bits: [0; VW],
            total: 0,
        };
        // Splat each neighbour onto the cells within 3σS of it (in the cylinder's own grid,
        // cell (i, j) centred at m + ΔS·R(θ)·(i − half, j − half)).
        // The Gaussian is separable: one exp per row and per column of the window.
        let r = 3.0 * SIGMA_S / delta_s;
        let inv2s2 = 1.0 / (2.0 * SIGMA_S * SIGMA_S);
        acc.iter_mut().for_each(|v| *v = [0.0; ND]);
        for &(nx, ny, ref gd) in &neigh {
            let (dx, dy) = (nx - m.x, ny - m.y);
            let u = (c * dx + s * dy) / delta_s + half;
            let v = (-s * dx + c * dy) / delta_s + half;
            let i0 = ((u - r).ceil() as isize).max(0);
            let i1 = ((u + r).floor() as isize).min(NS as isize - 1);
            let j0 = ((v - r).ceil() as isize).max(0);
            let j1 = ((v + r).floor() as isize).min(NS as isize - 1);
            if i0 > i1 || j0 > j1 {
                continue;
            }
            let mut gx = [0.0f32; NS];
            for i in i0..=i1 {
                let d = (i as f32 - u) * delta_s;
                gx[i as usize] = (-d * d * inv2s2).exp();
            }
            for j in j0..=j1 {
                let dyc = (j as f32 - v) * delta_s;
                let gy = gs_norm * (-dyc * dyc * inv2s2).exp();
                for i in i0..=i1 {
                    let dxc = (i as f32 - u) * delta_s;
                    if dxc * dxc + dyc * dyc > cutoff2 {
                        continue;
                    }
                    let gs = gy * gx[i as usize];
                    let cell = &mut acc[j as usize * NS + i as usize];
                    for k in 0..ND {
                        cell[k] += gs * gd[k];
                    }
                }
            }
        }
        // A minutia deep enough inside the hull has every cell of its circle valid.
        let all_valid = hull_depth(hull, (m.x, m.y)) >= RADIUS - OMEGA;
        let mut valid = 0usize;
        for cell in 0..CELLS {
            let p = PACKED[cell];
            if p == u16::MAX {
                continue;
            }
            let (i, j) = ((cell % NS) as f32 - half, (cell / NS) as f32 - half);
            let px = m.x + delta_s * (c * i - s * j);
            let py = m.y + delta_s * (s * i + c * j);
            if !all_valid && !near_hull(&edges, (px, py)) {
                continue;
            }
            valid += 1;
            let (w, b) = (usize::from(p) / 64, usize::from(p) % 64);
            cyl.mask[w] |= 1 << b;
            for (k, &vk) in acc[cell].iter().enumerate() {
                if vk > MU_PSI {
                    cyl.bits[k * MW + w] |= 1 << b;
                }
            }
        }
        if (valid as f32) >= MIN_VC * IN_CIRCLE as f32 {
            cyl.total = cyl.bits.iter().map(|w| w.count_ones()).sum();

            out.push(cyl);
        }
    }
    out
}

/// Bit-based cylinder similarity in `[0, 1]`, 0 when fewer than `min_common` cells are valid in
/// both. Directions must be checked by the caller.
#[inline]
#[allow(clippy::needless_range_loop)] // `w`, `k` index the mask and bit arrays in step
pub(crate) fn similarity(a: &Cylinder, b: &Cylinder, min_common: u32) -> f32 {
    let mut m = [0u64; MW];
    let mut common = 0u32;
    for w in 0..MW {
        m[w] = a.mask[w] & b.mask[w];
        common += m[w].count_ones();
    }
    if common < min_common {
        return 0.0;
    }
    // `count_ones` is one POPCNT instruction where the target has it (x86-64-v2 and up, see
    // `.cargo/config.toml`) and a short bit-twiddling sequence elsewhere.
    // When the common mask is a cylinder's whole mask (the usual case away from the print's
    // border) its masked count is its precomputed total.
    let a_whole = m == a.mask;
    let b_whole = m == b.mask;
    let mut nd = 0u32;
    if a_whole && b_whole {
        // Both masks are the common one, and value bits are zero outside a cylinder's mask.
        for i in 0..VW {
            nd += (a.bits[i] ^ b.bits[i]).count_ones();
        }
    } else {
        for k in 0..ND {
            for w in 0..MW {
                nd += ((a.bits[k * MW + w] ^ b.bits[k * MW + w]) & m[w]).count_ones();
            }
        }
    }
    let masked_count = |c: &Cylinder| {
        let mut s = 0u32;
        for k in 0..ND {
            for w in 0..MW {
                s += (c.bits[k * MW + w] & m[w]).count_ones();
            }
        }
        s
    };
    let na = if a_whole { a.total } else { masked_count(a) };
    let nb = if b_whole { b.total } else { masked_count(b) };
    let den = (na as f32).sqrt() + (nb as f32).sqrt();
    if den == 0.0 {
        0.0
    } else {
        1.0 - (nd as f32).sqrt() / den
    }
}

/// Minimum common valid cells for two cylinders to be compared (minME = 60 % of the grid).
pub(crate) const MIN_COMMON: u32 = (CELLS as u32 * 6) / 10;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inner_box_lies_inside_the_hull() {
        let mut rng = crate::synth::Rng::new(7);
        for _ in 0..50 {
            let t = crate::synth::synthetic_template(&mut rng);
            let (edges, b) = (t.hull_edges(), t.inner_box());
            assert!(b[0] < b[2] && b[1] < b[3], "empty box {b:?}");
            // Every point of a fine grid over the box is inside every edge line.
            for u in 0..=20 {
                for v in 0..=20 {
                    let q = (
                        b[0] + (b[2] - b[0]) * u as f32 / 20.0,
                        b[1] + (b[3] - b[1]) * v as f32 / 20.0,
                    );
                    assert!(edges
                        .iter()
                        .all(|&(a, n)| n.0 * (q.0 - a.0) + n.1 * (q.1 - a.1) >= 0.0));
                }
            }
        }
        assert!(inner_box(&[])[0] > inner_box(&[])[2]);
    }

    #[test]
    fn erf_matches_known_values() {
        assert!((erf(0.5) - 0.520_499_9).abs() < 1e-5);
        assert!((erf(-1.0) + 0.842_700_8).abs() < 1e-5);
    }

    #[test]
    fn hull_contains_its_points() {
        let pts = [
            (0.0, 0.0),
            (10.0, 0.0),
            (10.0, 10.0),
            (0.0, 10.0),
            (5.0, 5.0),
        ];
        let h = convex_hull(&pts);
        assert_eq!(h.len(), 4);
        let e = hull_edges(&h);
        assert!(near_hull(&e, (5.0, 5.0)));
        assert!(near_hull(&e, (55.0, 5.0)));
        assert!(!near_hull(&e, (70.0, 5.0)));
        assert!((hull_depth(&h, (5.0, 5.0)) - 5.0).abs() < 1e-5);
        assert!((hull_depth(&h, (13.0, 5.0)) + 3.0).abs() < 1e-5);
    }
}

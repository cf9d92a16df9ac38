//! Synthetic minutiae sets, used as distractors to build large galleries.
//!
//! Each finger gets a pattern class (arch, loop, whorl, with roughly their population shares),
//! an orientation field from the zero-pole model of Sherlock and Monro (cores add half the
//! argument, deltas subtract it), an elliptical print area of varying size in a 500 ppi frame,
//! and a minutiae count drawn around the FVC average. Minutiae are spread by dart throwing with
//! a minimum spacing of about one and a half ridge periods, and take the local ridge
//! orientation (either sense, as endings and bifurcations do) plus a few degrees of noise.
//! Deterministic for a given seed.

use crate::record::MinutiaKind;
use crate::template::{Template, TemplateMinutia};
use std::f32::consts::{PI, TAU};

/// A small deterministic generator (SplitMix64).
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    /// A generator from a seed.
    pub fn new(seed: u64) -> Self {
        Rng(seed)
    }
    /// Next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    /// Uniform in `[0, 1)`.
    pub fn unit(&mut self) -> f32 {
        (self.next_u64() >> 40) as f32 / (1u64 << 24) as f32
    }
    /// Uniform in `[lo, hi)`.
    pub fn range(&mut self, lo: f32, hi: f32) -> f32 {
        lo + (hi - lo) * self.unit()
    }
    /// Standard normal (Box-Muller).
    pub fn normal(&mut self) -> f32 {
        let u = self.unit().max(1e-7);
        let v = self.unit();
        (-2.0 * u.ln()).sqrt() * (TAU * v).cos()
    }
}

/// Generates one synthetic finger's minutiae.
pub fn synthetic_minutiae(rng: &mut Rng) -> Vec<TemplateMinutia> {
    let w = rng.range(260.0, 400.0);
    let h = rng.range(320.0, 500.0);
    let (cx, cy) = (w / 2.0, h / 2.0);
    let (ax, ay) = (w * rng.range(0.38, 0.48), h * rng.range(0.38, 0.48));
    let class = rng.unit();
    let mut cores = Vec::new();
    let mut deltas = Vec::new();
    let core = (
        cx + rng.range(-0.2, 0.2) * w,
        cy + rng.range(-0.25, 0.05) * h,
    );
    if class < 0.05 {
        // Arch: no singular point inside the print; a core and delta far below shape it.
        cores.push((core.0, core.1 + 1.5 * h));
        deltas.push((core.0, core.1 + 1.8 * h));
    } else if class < 0.70 {
        cores.push(core);
        let side = if rng.unit() < 0.5 { -1.0 } else { 1.0 };
        deltas.push((
            core.0 + side * rng.range(0.2, 0.45) * w,
            core.1 + rng.range(0.25, 0.45) * h,
        ));
    } else {
        cores.push((core.0 - 0.05 * w, core.1));
        cores.push((core.0 + 0.05 * w, core.1 + 0.08 * h));
        deltas.push((
            core.0 - rng.range(0.25, 0.45) * w,
            core.1 + rng.range(0.25, 0.4) * h,
        ));
        deltas.push((
            core.0 + rng.range(0.25, 0.45) * w,
            core.1 + rng.range(0.25, 0.4) * h,
        ));
    }
    let theta0 = rng.range(-0.3, 0.3);
    let orientation = |x: f32, y: f32| {
        let mut t = theta0;
        for &(px, py) in &cores {
            t += 0.5 * (y - py).atan2(x - px);
        }
        for &(px, py) in &deltas {
            t -= 0.5 * (y - py).atan2(x - px);
        }
        t
    };
    let target = (38.0 + 10.0 * rng.normal()).clamp(12.0, 90.0) as usize;
    let min_dist = rng.range(12.0, 18.0);
    let mut out: Vec<TemplateMinutia> = Vec::with_capacity(target);
    let mut tries = 0;
    while out.len() < target && tries < target * 60 {
        tries += 1;
        let (u, v) = (rng.range(-1.0, 1.0), rng.range(-1.0, 1.0));
        if u * u + v * v > 1.0 {
            continue;
        }
        let (x, y) = (cx + u * ax, cy + v * ay);
        if out
            .iter()
            .any(|m| (m.x - x).powi(2) + (m.y - y).powi(2) < min_dist * min_dist)
        {
            continue;
        }
        let sense = if rng.unit() < 0.5 { 0.0 } else { PI };
        let angle = orientation(x, y) + sense + 0.12 * rng.normal();
        let kind = if rng.unit() < 0.5 {
            MinutiaKind::RidgeEnding
        } else {
            MinutiaKind::Bifurcation
        };
        out.push(TemplateMinutia {
            x,
            y,
            angle,
            kind,
            quality: 0,
        });
    }
    out
}

/// Another impression of the same finger, for tests: the minutiae rotated by `rotation`
/// radians about their centroid, shifted by `(dx, dy)`, jittered by about `jitter` pixels and
/// `0.03·jitter` radians, with a share `drop` of them removed and as many spurious ones added.
pub fn perturb(
    minutiae: &[TemplateMinutia],
    rng: &mut Rng,
    rotation: f32,
    (dx, dy): (f32, f32),
    jitter: f32,
    drop: f32,
) -> Vec<TemplateMinutia> {
    let n = minutiae.len().max(1) as f32;
    let cx = minutiae.iter().map(|m| m.x).sum::<f32>() / n;
    let cy = minutiae.iter().map(|m| m.y).sum::<f32>() / n;
    let (s, c) = rotation.sin_cos();
    let mut out = Vec::with_capacity(minutiae.len());
    for m in minutiae {
        if rng.unit() < drop {
            continue;
        }
        let (x, y) = (m.x - cx, m.y - cy);
        out.push(TemplateMinutia {
            x: cx + c * x - s * y + dx + jitter * rng.normal(),
            y: cy + s * x + c * y + dy + jitter * rng.normal(),
            angle: m.angle + rotation + 0.03 * jitter * rng.normal(),
            kind: m.kind,
            quality: m.quality,
        });
    }
    let extra = (minutiae.len() as f32 * drop) as usize;
    for _ in 0..extra {
        out.push(TemplateMinutia {
            x: cx + dx + rng.range(-120.0, 120.0),
            y: cy + dy + rng.range(-150.0, 150.0),
            angle: rng.range(0.0, TAU),
            kind: MinutiaKind::Other,
            quality: 0,
        });
    }
    out
}

/// A synthetic finger template.
pub fn synthetic_template(rng: &mut Rng) -> Template {
    Template::from_minutiae(synthetic_minutiae(rng))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deterministic_and_plausible() {
        let a = synthetic_minutiae(&mut Rng::new(7));
        let b = synthetic_minutiae(&mut Rng::new(7));
        assert_eq!(a, b);
        let mut rng = Rng::new(1);
        let counts: Vec<usize> = (0..200)
            .map(|_| synthetic_minutiae(&mut rng).len())
            .collect();
        let mean = counts.iter().sum::<usize>() as f32 / counts.len() as f32;
        assert!((25.0..50.0).contains(&mean), "mean count {mean}");
    }

    #[test]
    fn distinct_synthetic_fingers_score_low() {
        let mut rng = Rng::new(3);
        let t: Vec<Template> = (0..20).map(|_| synthetic_template(&mut rng)).collect();
        for i in 0..t.len() {
            assert!(crate::matcher::score(&t[i], &t[i]) > 0.1);
            for j in i + 1..t.len() {
                assert!(
                    crate::matcher::score(&t[i], &t[j])
                        < crate::matcher::Thresholds::VERIFY_FMR_1E4
                );
            }
        }
    }
}

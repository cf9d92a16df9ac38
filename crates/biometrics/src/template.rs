//! The matcher-ready template of one finger: minutiae in a normalised frame plus their
//! Minutia Cylinder-Code descriptors, and a compact byte form for storage.
//!
//! Frame: pixels at 500 ppi (196.85 px/cm), x rightwards, y downwards, and the direction in
//! radians measured in that same frame (so a rotation of the print is a rotation of both).

use crate::matcher::cylinder::{
    build_cylinders, convex_hull, hull_edges, inner_box, Cylinder, Edge,
};
use crate::record::{FingerView, MinutiaKind};
use std::f32::consts::TAU;
use std::fmt;

/// Pixels per centimetre of the normalised frame (197, the value ISO records give for 500 ppi).
pub const FRAME_PX_PER_CM: f32 = 197.0;

pub use crate::minutia::TemplateMinutia;

/// A finger template: minutiae and their cylinders, ready for [`crate::matcher::score`].
#[derive(Clone, PartialEq)]
pub struct Template {
    minutiae: Vec<TemplateMinutia>,
    cylinders: Vec<Cylinder>,
    /// Edges of the minutiae's convex hull (the print's extent as the matcher sees it).
    edges: Vec<Edge>,
    /// A box inside the hull (`[x0, y0, x1, y1]`, empty when `x0 > x1`): points in it need no
    /// edge tests.
    inner: [f32; 4],
    /// The minutiae's x coordinates with their indices, in increasing x (for range look-ups).
    by_x: Vec<(f32, u16)>,
}

impl fmt::Debug for Template {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Template {{ {} minutiae, {} valid cylinders }}",
            self.minutiae.len(),
            self.cylinders.len()
        )
    }
}

/// Why stored template bytes were refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemplateError(pub String);

impl fmt::Display for TemplateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid template bytes: {}", self.0)
    }
}

impl std::error::Error for TemplateError {}

/// Byte form without reliabilities: 7 bytes per minutia.
const MAGIC: &[u8; 4] = b"SBT1";
/// Byte form with reliabilities: 8 bytes per minutia (the 7 of `SBT1` plus the quality).
const MAGIC_Q: &[u8; 4] = b"SBT2";

/// Most minutiae a template keeps (the record format's own limit).
pub const MAX_MINUTIAE: usize = 255;

impl Template {
    /// Builds a template from minutiae already in the normalised frame. Angles are wrapped to
    /// `[0, 2π)`, non-finite minutiae dropped, and at most [`MAX_MINUTIAE`] kept.
    pub fn from_minutiae(minutiae: Vec<TemplateMinutia>) -> Self {
        let mut minutiae: Vec<TemplateMinutia> = minutiae
            .into_iter()
            .filter(|m| m.x.is_finite() && m.y.is_finite() && m.angle.is_finite())
            .map(|m| TemplateMinutia {
                angle: m.angle.rem_euclid(TAU),
                ..m
            })
            .collect();
        minutiae.truncate(MAX_MINUTIAE);
        // Quantise as the byte form does, so that a stored template scores exactly as the original.
        for m in &mut minutiae {
            *m = dequantise(&quantise(m));
        }
        Self::build(minutiae)
    }

    /// Builds a template from a record's finger view, scaling its resolution to 500 ppi and
    /// turning the record's counter-clockwise angle (y axis downwards) into the frame's.
    pub fn from_record_view(view: &FingerView) -> Self {
        Self::from_record_view_scaled(view, 1.0, 1.0)
    }

    /// As [`Template::from_record_view`], first multiplying the record's coordinates by
    /// `(sx, sy)` (e.g. to undo an extractor that ran on a resized image). Directions follow
    /// the same linear map.
    pub fn from_record_view_scaled(view: &FingerView, sx: f32, sy: f32) -> Self {
        let rx = FRAME_PX_PER_CM / f32::from(view.x_resolution.max(1));
        let ry = FRAME_PX_PER_CM / f32::from(view.y_resolution.max(1));
        let (kx, ky) = (sx * rx, sy * ry);
        let minutiae = view
            .minutiae
            .iter()
            .map(|m| {
                // Record angles are counter-clockwise as seen, with y downwards: in the frame's
                // own orientation that is the negated angle.
                let a = -m.angle_radians(view.format);
                TemplateMinutia {
                    x: f32::from(m.x) * kx,
                    y: f32::from(m.y) * ky,
                    angle: (ky * a.sin()).atan2(kx * a.cos()),
                    kind: m.kind,
                    // ISO/IEC 19794-2:2005 and ANSI 378 give 1-100, 0 when not reported; other
                    // values (later editions' "could not be computed") count as not reported.
                    quality: if m.quality <= 100 { m.quality } else { 0 },
                }
            })
            .collect();
        Self::from_minutiae(minutiae)
    }

    fn build(minutiae: Vec<TemplateMinutia>) -> Self {
        let points: Vec<(f32, f32)> = minutiae.iter().map(|m| (m.x, m.y)).collect();
        let hull = convex_hull(&points);
        let cylinders = build_cylinders(&minutiae, &hull);
        let mut by_x: Vec<(f32, u16)> = minutiae
            .iter()
            .enumerate()
            .map(|(i, m)| (m.x, i as u16))
            .collect();
        by_x.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
        let edges = hull_edges(&hull);
        Template {
            minutiae,
            cylinders,
            inner: inner_box(&edges),
            edges,
            by_x,
        }
    }

    /// The minutiae, in the normalised frame.
    pub fn minutiae(&self) -> &[TemplateMinutia] {
        &self.minutiae
    }

    pub(crate) fn cylinders(&self) -> &[Cylinder] {
        &self.cylinders
    }

    /// The minutiae's indices with their x coordinates, in increasing x.
    pub(crate) fn by_x(&self) -> &[(f32, u16)] {
        &self.by_x
    }

    /// Edges of the minutiae's convex hull: a point on each and its inward unit normal.
    pub(crate) fn hull_edges(&self) -> &[Edge] {
        &self.edges
    }

    /// A box inside the hull, `[x0, y0, x1, y1]` (empty when `x0 > x1`; see
    /// [`crate::matcher::cylinder::inner_box`]).
    pub(crate) fn inner_box(&self) -> [f32; 4] {
        self.inner
    }

    /// Compact storage form: `SBT1`, a count, then 7 bytes per minutia (x and y in signed 1/4
    /// pixel, angle in 1/65536 turn, kind) when no minutia has a reported quality (so such
    /// templates keep their earlier bytes); otherwise `SBT2`, a count, and 8 bytes per minutia
    /// (the same 7, then the quality 0-100). Cylinders are rebuilt by [`Template::from_bytes`].
    pub fn to_bytes(&self) -> Vec<u8> {
        let with_quality = self.minutiae.iter().any(|m| m.quality != 0);
        let per = if with_quality { 8 } else { 7 };
        let mut out = Vec::with_capacity(5 + per * self.minutiae.len());
        out.extend_from_slice(if with_quality { MAGIC_Q } else { MAGIC });
        out.push(self.minutiae.len() as u8);
        for m in &self.minutiae {
            let (x, y, a, k, q) = quantise(m);
            out.extend_from_slice(&x.to_be_bytes());
            out.extend_from_slice(&y.to_be_bytes());
            out.extend_from_slice(&a.to_be_bytes());
            out.push(k);
            if with_quality {
                out.push(q);
            }
        }
        out
    }

    /// Reads either form written by [`Template::to_bytes`] (`SBT1` minutiae have quality 0).
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, TemplateError> {
        let per = match bytes.get(..4) {
            Some(m) if bytes.len() >= 5 && m == MAGIC => 7,
            Some(m) if bytes.len() >= 5 && m == MAGIC_Q => 8,
            _ => {
                return Err(TemplateError(
                    "expected the 5-byte header \"SBT1\" or \"SBT2\" + count".into(),
                ))
            }
        };
        let n = usize::from(bytes[4]);
        let body = &bytes[5..];
        if body.len() != per * n {
            return Err(TemplateError(format!(
                "{n} minutiae need {} bytes after the header, found {}",
                per * n,
                body.len()
            )));
        }
        let mut minutiae = Vec::with_capacity(n);
        for c in body.chunks_exact(per) {
            if c[6] > 3 {
                return Err(TemplateError(format!("minutia kind {} is not 0-3", c[6])));
            }
            let q = if per == 8 { c[7] } else { 0 };
            if q > 100 {
                return Err(TemplateError(format!("minutia quality {q} is not 0-100")));
            }
            minutiae.push(dequantise(&(
                u16::from_be_bytes([c[0], c[1]]),
                u16::from_be_bytes([c[2], c[3]]),
                u16::from_be_bytes([c[4], c[5]]),
                c[6],
                q,
            )));
        }
        Ok(Self::build(minutiae))
    }
}

fn quantise(m: &TemplateMinutia) -> (u16, u16, u16, u8, u8) {
    // Quarter pixels as two's-complement 16 bits: ±8192 pixels, negative values included
    // (a rotated or shifted print may leave the image's first quadrant).
    let q = |v: f32| (v * 4.0).round().clamp(-32768.0, 32767.0) as i16 as u16;
    let a = ((m.angle.rem_euclid(TAU) / TAU) * 65536.0).round() as u32 & 0xffff;
    (q(m.x), q(m.y), a as u16, m.kind.bits(), m.quality.min(100))
}

fn dequantise(&(x, y, a, k, quality): &(u16, u16, u16, u8, u8)) -> TemplateMinutia {
    TemplateMinutia {
        x: f32::from(x as i16) / 4.0,
        y: f32::from(y as i16) / 4.0,
        angle: f32::from(a) / 65536.0 * TAU,
        kind: MinutiaKind::from_bits(k),
        quality,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bytes_round_trip_and_refuse_garbage() {
        let t = Template::from_minutiae(
            (0..30)
                .map(|i| TemplateMinutia {
                    x: 20.0 + (i * 37 % 200) as f32,
                    y: 30.0 + (i * 53 % 250) as f32,
                    angle: i as f32 * 0.7,
                    kind: MinutiaKind::RidgeEnding,
                    quality: 0,
                })
                .collect(),
        );
        let b = t.to_bytes();
        assert_eq!(&b[..4], b"SBT1");
        assert_eq!(b.len(), 5 + 7 * 30);
        assert_eq!(Template::from_bytes(&b).expect("parses"), t);
        assert!(Template::from_bytes(&b[..b.len() - 1]).is_err());
        assert!(Template::from_bytes(b"nope").is_err());
        // With reliabilities: the `SBT2` form keeps them.
        let q = Template::from_minutiae(
            t.minutiae()
                .iter()
                .enumerate()
                .map(|(i, m)| TemplateMinutia {
                    quality: (i * 7 % 101) as u8,
                    ..*m
                })
                .collect(),
        );
        let b = q.to_bytes();
        assert_eq!(&b[..4], b"SBT2");
        assert_eq!(b.len(), 5 + 8 * 30);
        let back = Template::from_bytes(&b).expect("parses");
        assert_eq!(back, q);
        assert_eq!(back.minutiae()[3].quality, 21);
        assert!(Template::from_bytes(&b[..b.len() - 1]).is_err());
        let mut bad = b.clone();
        bad[5 + 7] = 101;
        assert!(Template::from_bytes(&bad).is_err());
    }

    fn view(points: &[(u16, u16, u8)], x_res: u16, y_res: u16) -> FingerView {
        use crate::record::{Minutia, RecordFormat};
        FingerView {
            format: RecordFormat::Iso19794_2_2005,
            position: 1,
            view_number: 0,
            impression_type: 0,
            quality: 0,
            x_resolution: x_res,
            y_resolution: y_res,
            minutiae: points
                .iter()
                .map(|&(x, y, angle)| Minutia {
                    kind: MinutiaKind::RidgeEnding,
                    x,
                    y,
                    y_reserved: 0,
                    angle,
                    quality: 0,
                })
                .collect(),
            extended: None,
        }
    }

    /// The same finger recorded at 500 ppi, at 250 ppi, and with a different resolution per
    /// axis lands on the same millimetres, so the matcher sees one print.
    #[test]
    fn records_at_any_resolution_land_on_the_same_millimetres() {
        let mut rng = crate::synth::Rng::new(17);
        let pts: Vec<(u16, u16, u8)> = (0..35)
            .map(|_| {
                (
                    2 * (20 + (rng.unit() * 140.0) as u16),
                    2 * (20 + (rng.unit() * 180.0) as u16),
                    (rng.unit() * 255.0) as u8,
                )
            })
            .collect();
        let full = Template::from_record_view(&view(&pts, 197, 197));
        let half: Vec<(u16, u16, u8)> = pts.iter().map(|&(x, y, a)| (x / 2, y / 2, a)).collect();
        let low = Template::from_record_view(&view(&half, 98, 98));
        // 197 px/cm across, 98 px/cm down: y is halved in the record's pixel grid, and so is
        // the direction measured in it (the record's angle is that of its own grid).
        let unit = 360.0f32 / 256.0;
        let aniso: Vec<(u16, u16, u8)> = pts
            .iter()
            .map(|&(x, y, a)| {
                let t = -(f32::from(a) * unit).to_radians();
                let squashed = (0.5 * t.sin()).atan2(t.cos());
                let byte = ((-squashed).to_degrees() / unit).round().rem_euclid(256.0) as u8;
                (x, y / 2, byte)
            })
            .collect();
        let mixed = Template::from_record_view(&view(&aniso, 197, 98));
        for t in [&low, &mixed] {
            for (a, b) in full.minutiae().iter().zip(t.minutiae()) {
                assert!(
                    (a.x - b.x).abs() < 2.5 && (a.y - b.y).abs() < 2.5,
                    "{a:?} {b:?}"
                );
            }
        }
        let self_score = crate::matcher::score(&full, &full);
        assert!(crate::matcher::score(&full, &low) > 0.6 * self_score);
        assert!(crate::matcher::score(&full, &mixed) > 0.6 * self_score);
    }
}

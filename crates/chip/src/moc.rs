//! Match-on-card reference templates: the two best-quality fingers in the ISO/IEC 19794-2:2005 card format,
//! compact size (§8): no record header, three bytes per minutia.
//!
//! ```text
//! byte 0: x in units of 0.1 mm (8 bits)
//! byte 1: y in units of 0.1 mm (8 bits), y downwards as in the record
//! byte 2: type (2 bits: 01 ridge ending, 10 bifurcation, 00 other) | angle (6 bits, units of 360/64 degrees)
//! ```
//! Conversion from a record view: pixels become 0.1 mm at the view's resolution (`x · 100 / px_per_cm`, rounded);
//! the record's 8-bit angle (360/256 degrees) becomes 6 bits (`round(a / 4) mod 64`). An 8-bit coordinate spans
//! 25.5 mm while a 500 ppi record frame spans 40 mm, so the minutiae are centred on their centroid first
//! (`x' = x − cx + 127`; on-card comparison aligns the probe, so a translation changes no score) and those still
//! outside 0–255 are dropped. At most [`MAX_MINUTIAE`] are kept, the highest-quality first (ties: nearest the
//! centroid), then written sorted by x, then y (ascending Cartesian order).
//!
//! The applet's own container (its BIT and algorithm parameters) is the card vendor's; this module writes the
//! minutiae only and never any other biometric.

use crate::dg::biometric::Finger;
use biometrics::record::{FingerView, Minutia, MinutiaKind, RecordFormat};

/// The most minutiae one reference template carries (what common match-on-card applets accept).
pub const MAX_MINUTIAE: usize = 60;
/// How many fingers the applet holds.
pub const FINGERS: usize = 2;

/// One finger's reference template for the match-on-card applet.
#[derive(Clone, PartialEq, Eq)]
pub struct MatchOnCardTemplate {
    /// ISO finger position (1 right thumb … 10 left little).
    pub position: u8,
    /// The enrollment quality that chose it.
    pub quality: u8,
    /// The minutiae, three bytes each.
    pub data: Vec<u8>,
}

impl std::fmt::Debug for MatchOnCardTemplate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "MatchOnCardTemplate(position {}, quality {}, {} minutiae)",
            self.position,
            self.quality,
            self.data.len() / 3
        )
    }
}

/// Preference among fingers of equal quality: index fingers, then thumbs, then middle, ring, little.
fn preference(position: u8) -> u8 {
    match position {
        2 => 0,
        7 => 1,
        1 => 2,
        6 => 3,
        3 => 4,
        8 => 5,
        4 => 6,
        9 => 7,
        5 => 8,
        _ => 9,
    }
}

/// The templates of the two best fingers (fewer when fewer were enrolled): highest quality first, then most
/// minutiae, then the usual preference of index fingers and thumbs.
pub fn match_on_card(fingers: &[Finger]) -> Vec<MatchOnCardTemplate> {
    let mut order: Vec<&Finger> = fingers.iter().collect();
    order.sort_by_key(|f| {
        (
            std::cmp::Reverse(f.quality()),
            std::cmp::Reverse(f.view().minutiae.len()),
            preference(f.position()),
        )
    });
    order
        .into_iter()
        .take(FINGERS)
        .map(|f| MatchOnCardTemplate {
            position: f.position(),
            quality: f.quality(),
            data: compact(f.view(), MAX_MINUTIAE),
        })
        .collect()
}

/// One view's minutiae in the compact card format.
pub fn compact(view: &FingerView, max: usize) -> Vec<u8> {
    let (rx, ry) = (
        f64::from(view.x_resolution.max(1)),
        f64::from(view.y_resolution.max(1)),
    );
    // Coordinates in 0.1 mm.
    let points: Vec<(f64, f64, &Minutia)> = view
        .minutiae
        .iter()
        .map(|m| (f64::from(m.x) * 100.0 / rx, f64::from(m.y) * 100.0 / ry, m))
        .collect();
    if points.is_empty() {
        return Vec::new();
    }
    let n = points.len() as f64;
    let cx = points.iter().map(|p| p.0).sum::<f64>() / n;
    let cy = points.iter().map(|p| p.1).sum::<f64>() / n;
    let mut kept: Vec<(u8, u8, u8, u8, f64)> = points
        .iter()
        .filter_map(|&(x, y, m)| {
            let (x, y) = ((x - cx + 127.0).round(), (y - cy + 127.0).round());
            if !(0.0..=255.0).contains(&x) || !(0.0..=255.0).contains(&y) {
                return None;
            }
            let dist = (x - 127.0).powi(2) + (y - 127.0).powi(2);
            Some((
                x as u8,
                y as u8,
                kind_and_angle(m, view.format),
                m.quality,
                dist,
            ))
        })
        .collect();
    kept.sort_by(|a, b| b.3.cmp(&a.3).then(a.4.total_cmp(&b.4)));
    kept.truncate(max);
    kept.sort_by_key(|k| (k.0, k.1));
    kept.iter().flat_map(|k| [k.0, k.1, k.2]).collect()
}

fn kind_and_angle(m: &Minutia, format: RecordFormat) -> u8 {
    let kind = match m.kind {
        MinutiaKind::RidgeEnding => 0b01,
        MinutiaKind::Bifurcation => 0b10,
        MinutiaKind::Other | MinutiaKind::Reserved => 0b00,
    };
    let degrees = f64::from(m.angle) * f64::from(format.angle_unit_degrees());
    let angle = ((degrees / (360.0 / 64.0)).round() as u32 % 64) as u8;
    (kind << 6) | angle
}

/// Reads compact minutiae back into a record view at `px_per_cm` (ISO angles, quality 0), for checks and for a
/// terminal that compares on the host. Trailing bytes that do not make a whole minutia are ignored.
pub fn view_from_compact(data: &[u8], position: u8, px_per_cm: u16) -> FingerView {
    let scale = f64::from(px_per_cm) / 100.0;
    let minutiae = data
        .chunks_exact(3)
        .map(|c| Minutia {
            kind: match c[2] >> 6 {
                0b01 => MinutiaKind::RidgeEnding,
                0b10 => MinutiaKind::Bifurcation,
                0b11 => MinutiaKind::Reserved,
                _ => MinutiaKind::Other,
            },
            x: (f64::from(c[0]) * scale).round() as u16,
            y: (f64::from(c[1]) * scale).round() as u16,
            y_reserved: 0,
            angle: (c[2] & 0x3F) * 4,
            quality: 0,
        })
        .collect();
    FingerView {
        format: RecordFormat::Iso19794_2_2005,
        position,
        view_number: 0,
        impression_type: 0,
        quality: 0,
        x_resolution: px_per_cm,
        y_resolution: px_per_cm,
        minutiae,
        extended: None,
    }
}

#[cfg(test)]
mod tests;

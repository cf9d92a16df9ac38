//! The enrolled fingers as one blob: a small versioned container of (position, template) pairs, and the
//! ISO/IEC 19794-2 record a card manufacturer writes on the chip for match-on-card.

use biometrics::record::{
    Encoding, FingerView, Minutia, MinutiaKind, MinutiaeRecord, RecordFormat,
};
use biometrics::Template;
use std::f32::consts::TAU;

pub use biometrics::fingers::{decode, encode};

/// Record frame: the template's 500 ppi frame (197 px/cm), 800 × 800 pixels.
const RESOLUTION: u16 = 197;
const FRAME: u16 = 800;

/// One finger as an ISO/IEC 19794-2:2005 record (one view), for the card's chip.
pub fn to_iso(position: u8, t: &Template) -> Vec<u8> {
    let format = RecordFormat::Iso19794_2_2005;
    let unit = format.angle_unit_degrees().to_radians();
    let steps = (TAU / unit).round() as u32;
    let minutiae = t
        .minutiae()
        .iter()
        .map(|m| {
            // The template's angle is measured in the y-down frame; the record's counter-clockwise.
            let a = (-m.angle).rem_euclid(TAU);
            Minutia {
                kind: match m.kind {
                    MinutiaKind::Other => MinutiaKind::RidgeEnding,
                    k => k,
                },
                x: m.x.round().clamp(0.0, f32::from(FRAME - 1)) as u16,
                y: m.y.round().clamp(0.0, f32::from(FRAME - 1)) as u16,
                y_reserved: 0,
                angle: ((a / unit).round() as u32 % steps) as u8,
                // 1-100 as reported at enrollment (0: not reported), the range ISO/IEC 19794-2:2005 gives.
                quality: m.quality.min(100),
            }
        })
        .collect();
    MinutiaeRecord {
        format,
        product_id: 0,
        capture_equipment: 0,
        width: FRAME,
        height: FRAME,
        x_resolution: RESOLUTION,
        y_resolution: RESOLUTION,
        reserved: 0,
        views: vec![FingerView {
            format,
            position,
            view_number: 0,
            impression_type: 0,
            quality: 0,
            x_resolution: RESOLUTION,
            y_resolution: RESOLUTION,
            minutiae,
            extended: None,
        }],
        encoding: Encoding::default(),
    }
    .to_bytes()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn round_trip_and_iso() {
        let fingers: Vec<(u8, Template)> = intake::fixtures::ten_prints(7)
            .into_iter()
            .map(|(p, rec)| {
                (
                    p,
                    intake::check_probe(i64::from(p), "iso19794_2", &rec)
                        .unwrap()
                        .1,
                )
            })
            .collect();
        let bytes = encode(&fingers);
        let back = decode(&bytes).unwrap();
        assert_eq!(back.len(), 10);
        for ((p, a), (q, b)) in fingers.iter().zip(&back) {
            assert_eq!(p, q);
            assert_eq!(a.to_bytes(), b.to_bytes());
        }
        assert!(decode(&bytes[..bytes.len() - 3]).is_err());
        assert!(decode(b"nope").is_err());
        // The chip's record reads back as the same finger.
        let iso = to_iso(fingers[0].0, &fingers[0].1);
        let (_, t) = intake::check_probe(i64::from(fingers[0].0), "iso19794_2", &iso).unwrap();
        assert!(biometrics::matcher::verify(&t, &fingers[0].1));

        // Each minutia's reported quality reaches the chip's record (a match-on-card applet may weigh it).
        let with_quality = Template::from_minutiae(
            fingers[0]
                .1
                .minutiae()
                .iter()
                .enumerate()
                .map(|(i, m)| biometrics::TemplateMinutia {
                    quality: 20 + (i % 80) as u8,
                    ..*m
                })
                .collect(),
        );
        let record = biometrics::record::MinutiaeRecord::parse(&to_iso(1, &with_quality)).unwrap();
        let qualities: Vec<u8> = record.views[0].minutiae.iter().map(|m| m.quality).collect();
        let expected: Vec<u8> = with_quality.minutiae().iter().map(|m| m.quality).collect();
        assert_eq!(qualities, expected);
        assert!(qualities.iter().any(|&q| q != 0));
    }
}

//! The compact card format: exact quantisation on hand-made minutiae, the choice of fingers, the limits, and a
//! round trip through the matcher (the decoded template still matches the finger it came from, and only it).
#![allow(clippy::unwrap_used)]

use super::*;
use biometrics::Template;

fn minutia(x: u16, y: u16, angle: u8, kind: MinutiaKind, quality: u8) -> Minutia {
    Minutia {
        kind,
        x,
        y,
        y_reserved: 0,
        angle,
        quality,
    }
}

fn view(minutiae: Vec<Minutia>) -> FingerView {
    FingerView {
        format: RecordFormat::Iso19794_2_2005,
        position: 2,
        view_number: 0,
        impression_type: 0,
        quality: 80,
        x_resolution: 197,
        y_resolution: 197,
        minutiae,
        extended: None,
    }
}

#[test]
fn quantisation_of_coordinates_angles_and_types() {
    // 197 px = 1 cm = 100 units; centroid (50, 50) moves to (127, 127).
    let v = view(vec![
        minutia(0, 0, 64, MinutiaKind::RidgeEnding, 50),
        minutia(197, 197, 255, MinutiaKind::Bifurcation, 50),
    ]);
    let data = compact(&v, MAX_MINUTIAE);
    // 64 × 360/256 = 90° → 16; 255 × 360/256 = 358.6° → 63.75 → 64 → wraps to 0.
    assert_eq!(data, [77, 77, 0b0100_0000 | 16, 177, 177, 0b1000_0000]);
    let one = compact(
        &view(vec![minutia(500, 20, 2, MinutiaKind::Other, 0)]),
        MAX_MINUTIAE,
    );
    // 2 × 1.40625° = 2.8° → 0.5 → rounds to 1 (half away from zero); type "other" is 00.
    assert_eq!(one, [127, 127, 1]);
}

#[test]
fn out_of_range_dropped_and_count_capped() {
    // A cluster around (400, 400) px and one minutia 30 mm away: it falls outside the 25.5 mm window.
    let mut ms: Vec<Minutia> = (0..10)
        .map(|i| minutia(390 + i * 2, 400, 0, MinutiaKind::RidgeEnding, 60))
        .collect();
    ms.push(minutia(400 + 591, 400, 0, MinutiaKind::RidgeEnding, 100));
    let data = compact(&view(ms), MAX_MINUTIAE);
    assert_eq!(data.len(), 10 * 3);

    // 100 minutiae on a grid: 60 kept, the highest quality first, written sorted by x then y.
    let ms: Vec<Minutia> = (0..100u16)
        .map(|i| {
            minutia(
                300 + (i % 10) * 15,
                300 + (i / 10) * 15,
                0,
                MinutiaKind::Bifurcation,
                (i % 100) as u8,
            )
        })
        .collect();
    let data = compact(&view(ms), MAX_MINUTIAE);
    assert_eq!(data.len(), MAX_MINUTIAE * 3);
    let xy: Vec<(u8, u8)> = data.chunks(3).map(|c| (c[0], c[1])).collect();
    let mut sorted = xy.clone();
    sorted.sort();
    assert_eq!(xy, sorted);
    // The 40 dropped are qualities 0-39, the first four rows of the grid (y = 300…345 px).
    let min_y = xy.iter().map(|p| p.1).min().unwrap();
    let max_y = xy.iter().map(|p| p.1).max().unwrap();
    assert_eq!(max_y - min_y, 38, "six rows 15 px (7.6 units) apart remain");
    assert!(compact(&view(vec![]), MAX_MINUTIAE).is_empty());
}

fn finger(position: u8, seed: u64, quality: u8) -> Finger {
    Finger::from_iso_record(&intake::fixtures::iso_record(position, seed), Some(quality)).unwrap()
}

#[test]
fn two_best_fingers_chosen() {
    let fingers = [
        finger(1, 1, 50),
        finger(2, 2, 90),
        finger(6, 3, 70),
        finger(7, 4, 60),
    ];
    let t = match_on_card(&fingers);
    let chosen: Vec<(u8, u8)> = t.iter().map(|t| (t.position, t.quality)).collect();
    assert_eq!(chosen, [(2, 90), (6, 70)]);
    assert_eq!(t.len(), 2);
    assert!(match_on_card(&fingers[..1]).len() == 1);
    assert!(match_on_card(&[]).is_empty());
}

#[test]
fn equal_quality_prefers_more_minutiae_then_index_fingers() {
    let a = finger(6, 3, 70);
    let b = finger(7, 4, 70);
    let (na, nb) = (a.view().minutiae.len(), b.view().minutiae.len());
    let t = match_on_card(&[finger(1, 1, 10), a, b]);
    let expected = if na == nb {
        7
    } else if na > nb {
        6
    } else {
        7
    };
    assert_eq!(t[0].position, expected);
    // Same finger data in two positions: the index finger wins over the thumb.
    let same = intake::fixtures::iso_record(1, 9);
    let mut as_index = biometrics::record::MinutiaeRecord::parse(&same).unwrap();
    as_index.views[0].position = 2;
    let t = match_on_card(&[
        Finger::from_iso_record(&same, Some(80)).unwrap(),
        Finger::from_iso_record(&as_index.to_bytes(), Some(80)).unwrap(),
    ]);
    assert_eq!(t[0].position, 2);
}

#[test]
fn round_trip_through_the_matcher() {
    for seed in [11u64, 12, 13] {
        let f = finger(2, seed, 80);
        let data = compact(f.view(), MAX_MINUTIAE);
        assert_eq!(data.len() % 3, 0);
        let kept = data.len() / 3;
        assert!(
            kept >= f.view().minutiae.len() * 3 / 4,
            "{kept} of {}",
            f.view().minutiae.len()
        );

        let back = view_from_compact(&data, 2, 197);
        assert_eq!(back.minutiae.len(), kept);
        let original = Template::from_record_view(f.view());
        let decoded = Template::from_record_view(&back);
        assert!(
            biometrics::matcher::verify(&decoded, &original),
            "seed {seed}"
        );
        let other = Template::from_record_view(finger(2, seed + 100, 80).view());
        assert!(
            !biometrics::matcher::verify(&decoded, &other),
            "seed {seed} against another finger"
        );
    }
}

#[test]
fn decoded_geometry_within_quantisation() {
    let v = view(vec![
        minutia(300, 320, 10, MinutiaKind::RidgeEnding, 90),
        minutia(420, 380, 100, MinutiaKind::Bifurcation, 90),
        minutia(350, 500, 200, MinutiaKind::RidgeEnding, 90),
    ]);
    let back = view_from_compact(&compact(&v, MAX_MINUTIAE), 2, 197);
    let mut orig = v.minutiae.clone();
    orig.sort_by_key(|m| (m.x, m.y));
    let d = |a: &Minutia, b: &Minutia| {
        ((f64::from(a.x) - f64::from(b.x)).powi(2) + (f64::from(a.y) - f64::from(b.y)).powi(2))
            .sqrt()
    };
    for (i, j) in [(0, 1), (0, 2), (1, 2)] {
        let err = (d(&orig[i], &orig[j]) - d(&back.minutiae[i], &back.minutiae[j])).abs();
        // Each end is off by at most half a unit (≈ 1 px) after rounding, twice (encode, decode).
        assert!(err <= 4.0, "pair {i},{j}: {err}");
    }
    for (o, b) in orig.iter().zip(&back.minutiae) {
        assert_eq!(o.kind, b.kind);
        let diff = (i32::from(o.angle) - i32::from(b.angle)).rem_euclid(256);
        assert!(diff.min(256 - diff) <= 2, "angle {} → {}", o.angle, b.angle);
    }
}

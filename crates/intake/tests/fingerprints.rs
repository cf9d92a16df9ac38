#![allow(clippy::unwrap_used)]
//! Fingerprint checks: the ten-finger list rules, record and image content, view selection,
//! pickup probes, and the fixtures' matching behaviour.

use biometrics::matcher::{score, verify};
use biometrics::record::{MinutiaeRecord, RecordFormat};
use biometrics::Template;
use intake::fixtures::{
    ansi_record, finger_minutiae, finger_seed, iso_probe, iso_record, record_bytes, ten_prints,
    view,
};
use intake::{
    check_fingerprints, check_probe, FieldError, Finger, FingerFormat, FingerInput, FingerStatus,
};

fn inputs<'a>(prints: &'a [(u8, Vec<u8>)], format: &'a str) -> Vec<FingerInput<'a>> {
    prints
        .iter()
        .map(|(p, r)| FingerInput {
            position: i64::from(*p),
            status: FingerStatus::Captured,
            format: Some(format),
            data: Some(r),
        })
        .collect()
}

fn refused(r: Result<Vec<Finger>, FieldError>, field: &str, code: &str) -> FieldError {
    let e = r.expect_err("refused");
    assert_eq!((e.field.as_str(), e.error.code), (field, code), "{e}");
    assert!(
        e.error
            .message_fa
            .chars()
            .any(|c| ('\u{0600}'..='\u{06ff}').contains(&c)),
        "{:?}",
        e.error.message_fa
    );
    e
}

fn template_of(record: &[u8]) -> Template {
    let rec = MinutiaeRecord::parse(record).unwrap();
    Template::from_record_view(&rec.views[0])
}

#[test]
fn ten_iso_prints_are_accepted() {
    let prints = ten_prints(1);
    let fingers = check_fingerprints(&inputs(&prints, "iso19794_2")).unwrap();
    assert_eq!(fingers.len(), 10);
    for (i, f) in fingers.iter().enumerate() {
        assert_eq!(f.position, i as u8 + 1);
        assert_eq!(f.status, FingerStatus::Captured);
        assert_eq!(f.format, Some(FingerFormat::Iso19794_2));
        assert_eq!(f.quality, Some(80));
        let t = f.template.as_ref().unwrap();
        assert!((25..=60).contains(&t.minutiae().len()), "{t:?}");
        // The stored form round-trips.
        assert_eq!(&Template::from_bytes(&t.to_bytes()).unwrap(), t);
    }
    // Any input order is fine; the result follows it.
    let mut shuffled = prints.clone();
    shuffled.reverse();
    let fingers = check_fingerprints(&inputs(&shuffled, "iso19794_2")).unwrap();
    assert_eq!(fingers[0].position, 10);
}

#[test]
fn ansi_records_are_accepted_and_give_the_same_templates() {
    let iso = check_fingerprints(&inputs(&ten_prints(2), "iso19794_2")).unwrap();
    let ansi_prints: Vec<(u8, Vec<u8>)> = (1..=10)
        .map(|p| (p, ansi_record(p, finger_seed(2, p))))
        .collect();
    let ansi = check_fingerprints(&inputs(&ansi_prints, "ansi378")).unwrap();
    for (a, b) in iso.iter().zip(&ansi) {
        assert_eq!(b.format, Some(FingerFormat::Ansi378));
        // ANSI's 2-degree angle unit is coarser than ISO's, but it is the same finger.
        assert!(verify(
            a.template.as_ref().unwrap(),
            b.template.as_ref().unwrap()
        ));
    }
}

#[test]
fn fixtures_same_seed_matches_and_different_seed_does_not() {
    assert_eq!(iso_record(3, 42), iso_record(3, 42));
    assert_eq!(ten_prints(9), ten_prints(9));
    assert_ne!(iso_record(3, 42), iso_record(3, 43));
    let templates: Vec<Template> = (0..20u64).map(|s| template_of(&iso_record(1, s))).collect();
    for (i, a) in templates.iter().enumerate() {
        for (j, b) in templates.iter().enumerate() {
            assert_eq!(
                verify(a, b),
                i == j,
                "seeds {i} and {j}: score {}",
                score(a, b)
            );
        }
    }
    // A second impression of the same finger (rotated, shifted, partial) still verifies.
    for s in 0..20u64 {
        let enrolled = template_of(&iso_record(4, s));
        let probe = template_of(&iso_probe(4, s, 1));
        assert_ne!(probe, enrolled);
        assert!(
            verify(&probe, &enrolled),
            "seed {s}: {}",
            score(&probe, &enrolled)
        );
        let other = template_of(&iso_probe(4, s + 100, 1));
        assert!(!verify(&other, &enrolled), "seed {s}");
    }
    // About forty minutiae per finger.
    let n: usize = (0..50).map(|s| finger_minutiae(s).len()).sum();
    assert!((35..=45).contains(&(n / 50)), "mean {}", n / 50);
}

#[test]
fn pickup_probe_matches_the_enrolled_finger() {
    let prints = ten_prints(5);
    let fingers = check_fingerprints(&inputs(&prints, "iso19794_2")).unwrap();
    let enrolled = fingers[6].template.as_ref().unwrap();
    let (pos, probe) = check_probe(7, "iso19794_2", &iso_probe(7, finger_seed(5, 7), 3)).unwrap();
    assert_eq!(pos, 7);
    assert!(verify(&probe, enrolled));
    assert!(!verify(&probe, fingers[5].template.as_ref().unwrap()));
}

#[test]
fn probe_errors_name_the_probe_fields() {
    let rec = iso_record(1, 1);
    for (pos, fmt, data, field, code) in [
        (
            0,
            "iso19794_2",
            &rec[..],
            "fingerprint.position",
            "invalid_fingerprint",
        ),
        (
            11,
            "iso19794_2",
            &rec[..],
            "fingerprint.position",
            "invalid_fingerprint",
        ),
        (
            1,
            "jpeg",
            &rec[..],
            "fingerprint.format",
            "invalid_fingerprint",
        ),
        (
            1,
            "iso19794_2",
            &rec[..20],
            "fingerprint.data",
            "invalid_fingerprint",
        ),
        (
            2,
            "iso19794_2",
            &rec[..],
            "fingerprint.data",
            "invalid_fingerprint",
        ),
        (
            1,
            "iso19794_2",
            &[][..],
            "fingerprint.data",
            "invalid_fingerprint",
        ),
    ] {
        let e = check_probe(pos, fmt, data).expect_err("refused");
        assert_eq!((e.field.as_str(), e.error.code), (field, code), "{e}");
    }
    let big = vec![0u8; 64 * 1024 + 1];
    let e = check_probe(1, "iso19794_2", &big).unwrap_err();
    assert_eq!(e.error.code, "fingerprint_too_large");
}

#[test]
fn list_shape_rules() {
    let prints = ten_prints(3);
    for n in [0, 1, 9, 11] {
        let mut p = prints.clone();
        p.resize(n, (1, iso_record(1, 0)));
        let e = refused(
            check_fingerprints(&inputs(&p, "iso19794_2")),
            "fingerprints",
            "invalid_fingerprints",
        );
        assert!(
            e.error.message_en.contains(&format!("{n} were sent")),
            "{e}"
        );
    }
    for bad in [0i64, 11, -1, 256, i64::MAX, i64::MIN] {
        let mut inp = inputs(&prints, "iso19794_2");
        inp[4].position = bad;
        let e = refused(
            check_fingerprints(&inp),
            "fingerprints[4].position",
            "invalid_fingerprints",
        );
        assert!(e.error.message_en.contains(&bad.to_string()), "{e}");
    }
    let mut inp = inputs(&prints, "iso19794_2");
    inp[8].position = 2;
    let e = refused(
        check_fingerprints(&inp),
        "fingerprints[8].position",
        "invalid_fingerprints",
    );
    assert!(e.error.message_en.contains("right index finger"), "{e}");
    assert!(e.error.message_en.contains("entries 1 and 8"), "{e}");
}

#[test]
fn status_format_and_data_rules() {
    let prints = ten_prints(4);
    let base = inputs(&prints, "iso19794_2");

    let mut inp = base.clone();
    inp[3].format = None;
    refused(
        check_fingerprints(&inp),
        "fingerprints[3].format",
        "invalid_fingerprints",
    );
    let mut inp = base.clone();
    inp[3].format = Some("jpeg");
    let e = refused(
        check_fingerprints(&inp),
        "fingerprints[3].format",
        "invalid_fingerprints",
    );
    assert!(
        e.error.message_en.contains("iso19794_2, ansi378, png, wsq"),
        "{e}"
    );
    for data in [None, Some(&[][..])] {
        let mut inp = base.clone();
        inp[3].data = data;
        refused(
            check_fingerprints(&inp),
            "fingerprints[3].data",
            "invalid_fingerprints",
        );
    }
    for status in [FingerStatus::Missing, FingerStatus::Bandaged] {
        let mut inp = base.clone();
        inp[5].status = status;
        let e = refused(
            check_fingerprints(&inp),
            "fingerprints[5].data",
            "invalid_fingerprints",
        );
        assert!(e.error.message_en.contains(status.as_str()), "{e}");
        // Without data it is fine, and the finger has no template.
        inp[5].data = None;
        inp[5].format = None;
        let fingers = check_fingerprints(&inp).unwrap();
        assert_eq!(
            fingers[5],
            Finger {
                position: 6,
                status,
                format: None,
                quality: None,
                template: None
            }
        );
        assert!(fingers[4].template.is_some());
    }
    // One captured finger is enough; none is not.
    let mut inp = base.clone();
    for (i, f) in inp.iter_mut().enumerate() {
        if i != 2 {
            f.status = if i % 2 == 0 {
                FingerStatus::Missing
            } else {
                FingerStatus::Bandaged
            };
            f.data = None;
        }
    }
    let fingers = check_fingerprints(&inp).unwrap();
    assert_eq!(fingers.iter().filter(|f| f.template.is_some()).count(), 1);
    inp[2].status = FingerStatus::Missing;
    inp[2].data = None;
    let e = refused(
        check_fingerprints(&inp),
        "fingerprints",
        "invalid_fingerprints",
    );
    assert!(e.error.message_en.contains("at least one"), "{e}");
}

#[test]
fn size_limits() {
    let prints = ten_prints(6);
    let mut big_record = prints[2].1.clone();
    big_record.resize(64 * 1024 + 1, 0);
    let mut inp = inputs(&prints, "iso19794_2");
    inp[2].data = Some(&big_record);
    let e = refused(
        check_fingerprints(&inp),
        "fingerprints[2].data",
        "fingerprint_too_large",
    );
    assert!(e.error.message_en.contains("64 KiB"), "{e}");
    let big_image = vec![0x89u8; 1024 * 1024 + 1];
    let mut inp = inputs(&prints, "iso19794_2");
    inp[2].format = Some("png");
    inp[2].data = Some(&big_image);
    let e = refused(
        check_fingerprints(&inp),
        "fingerprints[2].data",
        "fingerprint_too_large",
    );
    assert!(e.error.message_en.contains("1 MiB"), "{e}");
}

#[test]
fn malformed_records_give_the_parser_reason() {
    let prints = ten_prints(7);
    let rec = &prints[1].1;
    for cut in [0usize, 3, 10, 25, 30, rec.len() - 1] {
        let mut inp = inputs(&prints, "iso19794_2");
        inp[1].data = Some(&rec[..cut]);
        let r = check_fingerprints(&inp);
        if cut == 0 {
            // Empty data on a captured finger is a list-shape error.
            refused(r, "fingerprints[1].data", "invalid_fingerprints");
            continue;
        }
        let e = refused(r, "fingerprints[1].data", "invalid_fingerprint");
        assert!(e.error.message_en.contains("right index finger"), "{e}");
        assert!(
            e.error.message_en.contains("truncated")
                || e.error.message_en.contains("length")
                || e.error.message_en.contains("record"),
            "{e}"
        );
    }
    let mut garbage = rec.clone();
    garbage[0] = b'X';
    let mut inp = inputs(&prints, "iso19794_2");
    inp[1].data = Some(&garbage);
    let e = refused(
        check_fingerprints(&inp),
        "fingerprints[1].data",
        "invalid_fingerprint",
    );
    assert!(e.error.message_en.contains("FMR"), "{e}");
    assert!(e.error.message_fa.contains("FMR"), "{e:?}");
}

#[test]
fn format_mix_ups_are_explained() {
    let prints = ten_prints(8);
    // An ISO record declared ANSI.
    let mut inp = inputs(&prints, "iso19794_2");
    inp[0].format = Some("ansi378");
    let e = refused(
        check_fingerprints(&inp),
        "fingerprints[0].data",
        "invalid_fingerprint",
    );
    assert!(e.error.message_en.contains("\"iso19794_2\""), "{e}");
    // An ANSI record declared ISO.
    let ansi = ansi_record(1, finger_seed(8, 1));
    let mut inp = inputs(&prints, "iso19794_2");
    inp[0].data = Some(&ansi);
    let e = refused(
        check_fingerprints(&inp),
        "fingerprints[0].data",
        "invalid_fingerprint",
    );
    assert!(e.error.message_en.contains("\"ansi378\""), "{e}");
    // A record declared as an image, and a PNG declared as WSQ.
    let mut inp = inputs(&prints, "iso19794_2");
    inp[0].format = Some("png");
    let e = refused(
        check_fingerprints(&inp),
        "fingerprints[0].data",
        "invalid_fingerprint",
    );
    assert!(e.error.message_en.contains("minutiae record"), "{e}");
    let png = intake::fixtures::signature_png();
    let mut inp = inputs(&prints, "iso19794_2");
    inp[0].format = Some("wsq");
    inp[0].data = Some(&png);
    let e = refused(
        check_fingerprints(&inp),
        "fingerprints[0].data",
        "invalid_fingerprint",
    );
    assert!(e.error.message_en.contains("PNG"), "{e}");
}

#[test]
fn view_selection_by_position() {
    let f = RecordFormat::Iso19794_2_2005;
    let (s1, s3) = (1001u64, 1003u64);
    // A two-view record holding the right thumb and the right middle finger.
    let two = record_bytes(
        f,
        vec![
            view(f, 1, &finger_minutiae(s1)),
            view(f, 3, &finger_minutiae(s3)),
        ],
    );
    let (_, t3) = check_probe(3, "iso19794_2", &two).unwrap();
    assert!(verify(&t3, &template_of(&iso_record(3, s3))));
    assert!(!verify(&t3, &template_of(&iso_record(1, s1))));
    let (_, t1) = check_probe(1, "iso19794_2", &two).unwrap();
    assert!(verify(&t1, &template_of(&iso_record(1, s1))));
    // Sent as the left thumb: the record holds other fingers only.
    let e = check_probe(6, "iso19794_2", &two).unwrap_err();
    assert_eq!(e.error.code, "invalid_fingerprint");
    assert!(e.error.message_en.contains("right thumb"), "{e}");
    assert!(e.error.message_en.contains("left thumb"), "{e}");
    // Position 0 (unknown) is taken for whatever finger it is sent as.
    let unknown = iso_record(0, s1);
    let (_, t) = check_probe(9, "iso19794_2", &unknown).unwrap();
    assert!(verify(&t, &template_of(&iso_record(1, s1))));
    // In a ten-finger list, a record of another finger is refused at its data.
    let prints = ten_prints(10);
    let mut inp = inputs(&prints, "iso19794_2");
    inp[2].data = Some(&prints[1].1);
    let e = refused(
        check_fingerprints(&inp),
        "fingerprints[2].data",
        "invalid_fingerprint",
    );
    assert!(
        e.error
            .message_en
            .contains("position 2 (right index finger)"),
        "{e}"
    );
    assert!(
        e.error
            .message_en
            .contains("sent as position 3 (right middle finger)"),
        "{e}"
    );
}

#[test]
fn too_few_minutiae_is_low_quality() {
    let f = RecordFormat::Iso19794_2_2005;
    let few = record_bytes(f, vec![view(f, 5, &finger_minutiae(3)[..7])]);
    let e = check_probe(5, "iso19794_2", &few).unwrap_err();
    assert_eq!(e.error.code, "fingerprint_low_quality", "{e}");
    assert!(e.error.message_en.contains("only 7 minutiae"), "{e}");
    let enough = record_bytes(f, vec![view(f, 5, &finger_minutiae(3)[..8])]);
    assert!(check_probe(5, "iso19794_2", &enough).is_ok());
    let none = record_bytes(f, vec![view(f, 5, &[])]);
    assert_eq!(
        check_probe(5, "iso19794_2", &none).unwrap_err().error.code,
        "fingerprint_low_quality"
    );
}

#[test]
fn resolution_is_scaled_to_the_500_ppi_frame() {
    // The same finger recorded at 1000 ppi (394 px/cm, coordinates doubled) gives the same
    // template as at 500 ppi.
    let f = RecordFormat::Iso19794_2_2005;
    let m = finger_minutiae(77);
    let mut v = view(f, 2, &m);
    v.x_resolution = 394;
    v.y_resolution = 394;
    for mi in &mut v.minutiae {
        mi.x *= 2;
        mi.y *= 2;
    }
    let mut rec = MinutiaeRecord::parse(&iso_record(2, 77)).unwrap();
    rec.x_resolution = 394;
    rec.y_resolution = 394;
    rec.width = 800;
    rec.height = 1000;
    rec.views = vec![v];
    let (_, hi) = check_probe(2, "iso19794_2", &rec.to_bytes()).unwrap();
    let (_, lo) = check_probe(2, "iso19794_2", &iso_record(2, 77)).unwrap();
    assert!(verify(&hi, &lo), "{}", score(&hi, &lo));
    let (a, b) = (hi.minutiae()[0], lo.minutiae()[0]);
    assert!(
        (a.x - b.x).abs() < 1.0 && (a.y - b.y).abs() < 1.0,
        "{a:?} {b:?}"
    );
    // An implausible resolution is refused.
    let mut odd = MinutiaeRecord::parse(&iso_record(2, 77)).unwrap();
    odd.x_resolution = 20;
    let e = check_probe(2, "iso19794_2", &odd.to_bytes()).unwrap_err();
    assert_eq!(e.error.code, "invalid_fingerprint");
    assert!(e.error.message_en.contains("resolution"), "{e}");
}

fn biometrics_test_file(name: &str) -> Vec<u8> {
    std::fs::read(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../biometrics/tests/data")
            .join(name),
    )
    .unwrap()
}

#[test]
fn png_and_wsq_images_are_extracted() {
    for (name, format) in [
        ("synthetic_ridges_nbis_decoded.png", "png"),
        ("synthetic_ridges.wsq", "wsq"),
    ] {
        let bytes = biometrics_test_file(name);
        match check_probe(1, format, &bytes) {
            Ok((_, t)) => {
                println!("{name}: {t:?}");
                assert!(t.minutiae().len() >= 8, "{name}: {t:?}");
            }
            Err(e) => assert_eq!(e.error.code, "fingerprint_low_quality", "{name}: {e}"),
        }
        // Through the list: the quality comes from the extractor.
        let prints = ten_prints(11);
        let mut inp = inputs(&prints, "iso19794_2");
        inp[0].format = Some(format);
        inp[0].data = Some(&bytes);
        if let Ok(fingers) = check_fingerprints(&inp) {
            assert_eq!(fingers[0].format, FingerFormat::parse(format));
            assert!(fingers[0].quality.unwrap() <= 100);
        }
        // Truncated images are invalid, not panics.
        let e = check_probe(1, format, &bytes[..bytes.len() / 3]).unwrap_err();
        assert!(
            ["invalid_fingerprint", "fingerprint_low_quality"].contains(&e.error.code),
            "{name}: {e}"
        );
    }
}

#[test]
fn oversized_image_dimensions_are_refused_before_extraction() {
    // A PNG whose header claims 5000×5000 pixels.
    let mut png = intake::fixtures::signature_png();
    png[16..20].copy_from_slice(&5000u32.to_be_bytes());
    png[20..24].copy_from_slice(&5000u32.to_be_bytes());
    let e = check_probe(1, "png", &png).unwrap_err();
    assert_eq!(e.error.code, "fingerprint_too_large", "{e}");
    // And one that is too small to hold a print.
    let tiny =
        intake::fixtures::encode_png(&[128u8; 64 * 64], 64, 64, image::ExtendedColorType::L8);
    let e = check_probe(1, "png", &tiny).unwrap_err();
    assert_eq!(e.error.code, "invalid_fingerprint", "{e}");
}

//! Tests of the record parser and writer: shared FVC records, vendor quirks, malformed input,
//! and a property test of the round trip.

use super::*;
use proptest::prelude::*;

fn sample(format: RecordFormat) -> MinutiaeRecord {
    let view = |position: u8, n: u16| FingerView {
        format,
        position,
        view_number: 0,
        impression_type: 0,
        quality: 60,
        x_resolution: 197,
        y_resolution: 197,
        minutiae: (0..n)
            .map(|i| Minutia {
                kind: MinutiaKind::from_bits((i % 3) as u8),
                x: 10 + i * 7,
                y: 20 + i * 5,
                y_reserved: 0,
                angle: (i * 11 % 170) as u8,
                quality: 40,
            })
            .collect(),
        extended: None,
    };
    MinutiaeRecord {
        format,
        product_id: if format == RecordFormat::Ansi378_2004 {
            0x0033_0001
        } else {
            0
        },
        capture_equipment: 0,
        width: 300,
        height: 400,
        x_resolution: 197,
        y_resolution: 197,
        reserved: 0,
        views: vec![view(1, 20), view(2, 12)],
        encoding: Encoding::default(),
    }
}

#[test]
fn iso_and_ansi_round_trip_and_autodetect() {
    for format in [RecordFormat::Iso19794_2_2005, RecordFormat::Ansi378_2004] {
        let rec = sample(format);
        let bytes = rec.to_bytes();
        let back = MinutiaeRecord::parse(&bytes).expect("parses");
        assert_eq!(back, rec);
        assert_eq!(back.to_bytes(), bytes);
    }
}

#[test]
fn extended_block_length_with_or_without_header() {
    for inclusive in [false, true] {
        let mut rec = sample(RecordFormat::Iso19794_2_2005);
        // One ridge-count area (type 1) whose length counts its 4-byte header.
        rec.views[0].extended = Some(vec![0, 1, 0, 7, 1, 2, 3]);
        rec.encoding.ext_len_includes_header = inclusive;
        let bytes = rec.to_bytes();
        let back = MinutiaeRecord::parse(&bytes).expect("parses");
        assert_eq!(back.encoding.ext_len_includes_header, inclusive);
        assert_eq!(back.to_bytes(), bytes);
        let areas = back.views[0].extended_areas().expect("areas");
        assert_eq!(areas[0].type_code, 1);
        assert_eq!(areas[0].data, &[1, 2, 3]);
    }
}

#[test]
fn trailing_zero_padding_is_tolerated_and_kept() {
    let rec = sample(RecordFormat::Iso19794_2_2005);
    let mut bytes = rec.to_bytes();
    bytes.extend_from_slice(&[0, 0, 0]);
    let back = MinutiaeRecord::parse(&bytes).expect("parses");
    assert_eq!(back.encoding.padding_after_record, 3);
    assert_eq!(back.to_bytes(), bytes);
    // Padding counted by the length field.
    let mut padded = rec.clone();
    padded.encoding.padding_in_record = 4;
    let bytes = padded.to_bytes();
    assert_eq!(MinutiaeRecord::parse(&bytes).expect("parses"), padded);
}

#[test]
fn ansi_long_length_form_round_trips() {
    let mut rec = sample(RecordFormat::Ansi378_2004);
    rec.encoding.ansi_long_length = true;
    let bytes = rec.to_bytes();
    assert_eq!(&bytes[8..10], &[0, 0]);
    assert_eq!(MinutiaeRecord::parse(&bytes).expect("parses"), rec);
}

#[test]
fn malformed_records_are_refused_precisely() {
    let bytes = sample(RecordFormat::Iso19794_2_2005).to_bytes();
    for cut in 1..bytes.len() {
        let err = MinutiaeRecord::parse(&bytes[..bytes.len() - cut]).expect_err("refused");
        assert!(!err.to_string().is_empty());
    }
    let err = MinutiaeRecord::parse(&bytes[..bytes.len() - 1]).expect_err("refused");
    assert!(
        matches!(err, RecordError::LengthMismatch { offset: 8, declared, actual }
            if declared == bytes.len() && actual == bytes.len() - 1),
        "{err}"
    );
    let mut bad = bytes.clone();
    bad[0] = b'X';
    assert!(matches!(
        MinutiaeRecord::parse(&bad),
        Err(RecordError::BadMagic { .. })
    ));
    let mut bad = bytes.clone();
    bad.push(7);
    assert!(matches!(
        MinutiaeRecord::parse(&bad),
        Err(RecordError::TrailingBytes { .. })
    ));
    let mut bad = bytes.clone();
    bad[24 + 4 + 5] = 200; // first minutia quality
    let err = MinutiaeRecord::parse(&bad).expect_err("refused");
    assert!(err.to_string().contains("minutia quality"), "{err}");
    // ANSI angles stop at 179.
    let mut ansi = sample(RecordFormat::Ansi378_2004).to_bytes();
    ansi[26 + 4 + 4] = 180;
    let err = MinutiaeRecord::parse_as(RecordFormat::Ansi378_2004, &ansi).expect_err("refused");
    assert!(err.to_string().contains("minutia angle"), "{err}");
}

#[test]
fn random_bytes_never_panic() {
    let mut state = 0x1234_5678_9abc_def0u64;
    for len in 0..400usize {
        let mut buf = Vec::with_capacity(len);
        for _ in 0..len {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            buf.push(state as u8);
        }
        if len >= 8 {
            buf[..8].copy_from_slice(b"FMR\0 20\0");
        }
        let _ = MinutiaeRecord::parse(&buf);
    }
}

#[test]
fn shared_fvc_records_parse_and_round_trip() {
    let Some(dir) = crate::testdata::fingerprints_dir() else {
        return;
    };
    let mut n = 0;
    for set in ["DB1_B", "DB2_B", "DB3_B", "DB4_B"] {
        for entry in std::fs::read_dir(dir.join("fvc2002").join(set)).expect("dir") {
            let path = entry.expect("entry").path();
            if path.extension().and_then(|e| e.to_str()) != Some("iso") {
                continue;
            }
            let bytes = std::fs::read(&path).expect("read");
            let rec = MinutiaeRecord::parse(&bytes).expect("shared record parses");
            assert_eq!(rec.format, RecordFormat::Iso19794_2_2005);
            assert_eq!((rec.width, rec.height), (300, 400));
            assert!(rec.views[0].minutiae.len() >= 5);
            assert_eq!(rec.to_bytes(), bytes, "{}", path.display());
            n += 1;
        }
    }
    assert_eq!(n, 320);
    for cut in 1..=3 {
        let name = if cut == 1 { "byte" } else { "bytes" };
        let path = dir.join(format!("invalid/101_1_truncate_{cut}_{name}.iso"));
        let bytes = std::fs::read(&path).expect("read invalid");
        let err = MinutiaeRecord::parse(&bytes).expect_err("truncated record refused");
        match err {
            RecordError::LengthMismatch {
                offset: 8,
                declared,
                actual,
            } => assert_eq!(declared, actual + cut),
            other => panic!("unexpected error for {}: {other}", path.display()),
        }
    }
}

fn arb_view(format: RecordFormat) -> impl Strategy<Value = FingerView> {
    let max_angle = format.max_angle();
    let minutia = (
        0u8..4,
        0u16..=300,
        0u16..=400,
        0u8..4,
        0..=max_angle,
        0u8..=100,
    )
        .prop_map(|(k, x, y, yr, angle, quality)| Minutia {
            kind: MinutiaKind::from_bits(k),
            x,
            y,
            y_reserved: yr,
            angle,
            quality,
        });
    (
        0u8..=15,
        0u8..16,
        0u8..16,
        0u8..=100,
        prop::collection::vec(minutia, 0..60),
        prop::option::of(prop::collection::vec(any::<u8>(), 1..40)),
    )
        .prop_map(
            move |(position, view_number, impression_type, quality, minutiae, extended)| {
                FingerView {
                    format,
                    position,
                    view_number,
                    impression_type,
                    quality,
                    x_resolution: 197,
                    y_resolution: 197,
                    minutiae,
                    extended,
                }
            },
        )
}

fn arb_record() -> impl Strategy<Value = MinutiaeRecord> {
    prop_oneof![
        Just(RecordFormat::Iso19794_2_2005),
        Just(RecordFormat::Ansi378_2004)
    ]
    .prop_flat_map(|format| {
        (
            prop::collection::vec(arb_view(format), 0..4),
            any::<bool>(),
            any::<bool>(),
            0usize..3,
            any::<u32>(),
        )
            .prop_map(
                move |(views, inclusive, long, pad, product)| MinutiaeRecord {
                    format,
                    product_id: if format == RecordFormat::Ansi378_2004 {
                        product
                    } else {
                        0
                    },
                    capture_equipment: 0x1234,
                    width: 300,
                    height: 400,
                    x_resolution: 197,
                    y_resolution: 197,
                    reserved: 0,
                    views,
                    encoding: Encoding {
                        ext_len_includes_header: inclusive,
                        ansi_long_length: long && format == RecordFormat::Ansi378_2004,
                        padding_in_record: 0,
                        padding_after_record: pad,
                    },
                },
            )
    })
}

proptest! {
    #[test]
    fn round_trip_is_identical(rec in arb_record()) {
        let bytes = rec.to_bytes();
        let back = MinutiaeRecord::parse_as(rec.format, &bytes).expect("own output parses");
        prop_assert_eq!(back.to_bytes(), bytes.clone());
        // Fields survive (the extended-length convention is only observable with a block).
        prop_assert_eq!(&back.views, &rec.views);
        let auto = MinutiaeRecord::parse(&bytes).expect("auto-detected");
        prop_assert_eq!(auto.to_bytes(), bytes);
    }
}

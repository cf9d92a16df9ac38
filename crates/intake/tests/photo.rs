#![allow(clippy::unwrap_used)]
//! Photo checks: accepted shapes and formats, each refusal code, decompression bombs, EXIF
//! orientation, and the card JPEG.

use image::{ExtendedColorType, RgbImage, RgbaImage};
use intake::fixtures::{encode_jpeg, encode_png, photo_jpeg, photo_png, photo_rgb};
use intake::{check_photo, FieldError, PhotoFormat};

fn err_of(r: Result<intake::Photo, FieldError>) -> FieldError {
    r.expect_err("refused")
}

fn assert_refused(r: Result<intake::Photo, FieldError>, code: &str) -> FieldError {
    let e = err_of(r);
    assert_eq!(e.field, "photo");
    assert_eq!(e.error.code, code, "{e}");
    assert!(!e.error.message_en.is_empty());
    assert!(
        e.error
            .message_fa
            .chars()
            .any(|c| ('\u{0600}'..='\u{06ff}').contains(&c)),
        "Persian message: {}",
        e.error.message_fa
    );
    e
}

fn decode_card(jpeg: &[u8]) -> RgbImage {
    assert!(jpeg.starts_with(&[0xff, 0xd8, 0xff]));
    image::load_from_memory_with_format(jpeg, image::ImageFormat::Jpeg)
        .unwrap()
        .into_rgb8()
}

#[test]
fn accepts_a_3_by_4_jpeg_and_makes_the_card_photo() {
    let bytes = photo_jpeg(600, 800, 1);
    let p = check_photo(&bytes).unwrap();
    assert_eq!((p.width, p.height, p.format), (600, 800, PhotoFormat::Jpeg));
    let card = decode_card(&p.card_jpeg);
    assert_eq!(card.dimensions(), (300, 400));
    assert!(
        p.card_jpeg.len() <= 30 * 1024,
        "card photo {} bytes",
        p.card_jpeg.len()
    );
    // The card photo still looks like the original: compare the downscaled original.
    let orig = image::load_from_memory(&bytes).unwrap().into_rgb8();
    let small = image::imageops::resize(&orig, 300, 400, image::imageops::FilterType::Triangle);
    let diff: f64 = card
        .as_raw()
        .iter()
        .zip(small.as_raw())
        .map(|(a, b)| f64::from((i16::from(*a) - i16::from(*b)).abs()))
        .sum::<f64>()
        / card.as_raw().len() as f64;
    assert!(diff < 6.0, "mean abs difference {diff}");
}

#[test]
fn card_photo_of_a_grainy_photo_stays_small() {
    // A portrait with heavy grain: at quality 85 its card JPEG would exceed 30 KiB, so it is
    // re-encoded at a lower quality.
    let base = photo_rgb(600, 800, 12);
    let img = RgbImage::from_fn(600, 800, |x, y| {
        let n = (((x * 7919 + y * 104_729) ^ (x * y)) % 41) as i16 - 20;
        let p = base.get_pixel(x, y).0;
        image::Rgb(p.map(|c| (i16::from(c) + n).clamp(0, 255) as u8))
    });
    let p = check_photo(&encode_jpeg(&img, 90)).unwrap();
    let card = decode_card(&p.card_jpeg);
    assert_eq!(card.dimensions(), (300, 400));
    let q85 = encode_jpeg(&card, 85).len();
    assert!(
        p.card_jpeg.len() <= 30 * 1024 || p.card_jpeg.len() < q85,
        "{} bytes (q85 would be {q85})",
        p.card_jpeg.len()
    );
    assert!(
        p.card_jpeg.len() <= 40 * 1024,
        "{} bytes",
        p.card_jpeg.len()
    );
}

#[test]
fn accepts_png_and_the_ratio_limits() {
    let p = check_photo(&photo_png(600, 800, 2)).unwrap();
    assert_eq!(p.format, PhotoFormat::Png);
    assert_eq!(decode_card(&p.card_jpeg).dimensions(), (300, 400));
    // Exactly the minimum, and both ends of the ratio range (cropped to 3:4 for the card).
    for (w, h) in [(300, 400), (560, 800), (640, 800), (301, 400), (300, 428)] {
        let p = check_photo(&photo_jpeg(w, h, 3)).unwrap();
        assert_eq!((p.width, p.height), (w, h));
        assert_eq!(
            decode_card(&p.card_jpeg).dimensions(),
            (300, 400),
            "{w}x{h}"
        );
    }
}

#[test]
fn transparent_png_is_flattened_on_white() {
    let base = photo_rgb(300, 400, 4);
    let rgba = RgbaImage::from_fn(300, 400, |x, y| {
        let p = base.get_pixel(x, y).0;
        // The left half fully transparent (with black colour data underneath).
        if x < 150 {
            image::Rgba([0, 0, 0, 0])
        } else {
            image::Rgba([p[0], p[1], p[2], 255])
        }
    });
    let png = encode_png(rgba.as_raw(), 300, 400, ExtendedColorType::Rgba8);
    let card = decode_card(&check_photo(&png).unwrap().card_jpeg);
    let px = card.get_pixel(40, 200).0;
    assert!(
        px.iter().all(|&c| c > 240),
        "transparent area is white: {px:?}"
    );
}

#[test]
fn too_large_file() {
    let mut bytes = photo_jpeg(600, 800, 5);
    bytes.resize(2 * 1024 * 1024 + 1, 0);
    let e = assert_refused(check_photo(&bytes), "photo_too_large");
    assert!(e.error.message_en.contains("2 MiB"), "{e}");
    assert!(
        e.error.message_fa.contains("۲ مگابایت"),
        "{}",
        e.error.message_fa
    );
    // Exactly 2 MiB is not refused for its size (trailing bytes after EOI are ignored).
    bytes.truncate(2 * 1024 * 1024);
    assert!(check_photo(&bytes).is_ok());
}

#[test]
fn too_small() {
    for (w, h) in [(240, 320), (299, 400), (300, 399), (30, 40)] {
        let e = assert_refused(check_photo(&photo_jpeg(w, h, 6)), "photo_too_small");
        assert!(e.error.message_en.contains(&format!("{w}×{h}")), "{e}");
    }
}

#[test]
fn wrong_proportions() {
    for (w, h, word) in [
        (800, 600, "landscape"),
        (600, 600, "too wide"),
        (660, 800, "too wide"),
        (500, 800, "too narrow"),
        (300, 600, "too narrow"),
    ] {
        let e = assert_refused(check_photo(&photo_jpeg(w, h, 7)), "photo_wrong_proportions");
        assert!(e.error.message_en.contains(word), "{e}");
        assert!(e.error.message_en.contains("3:4"), "{e}");
    }
}

#[test]
fn other_formats_and_garbage_are_unreadable() {
    for (bytes, name) in [
        (&b"GIF89a\x01\x00\x01\x00"[..], "GIF"),
        (b"RIFF\0\0\0\0WEBPVP8 ", "WebP"),
        (b"\0\0\0\x18ftypheic\0\0\0\0", "HEIC"),
        (b"BM\0\0\0\0\0\0\0\0", "BMP"),
        (b"%PDF-1.7", "PDF"),
    ] {
        let e = assert_refused(check_photo(bytes), "photo_unreadable");
        assert!(e.error.message_en.contains(name), "{e}");
        assert!(e.error.message_en.contains("JPEG or PNG"), "{e}");
        assert!(e.error.message_fa.contains("JPEG یا PNG"), "{e:?}");
    }
    for bytes in [&b""[..], b"hello", &[0u8; 1000]] {
        let e = assert_refused(check_photo(bytes), "photo_unreadable");
        assert!(e.error.message_en.contains("JPEG or PNG"), "{e}");
    }
    // A JPEG cut inside its headers, and a PNG cut inside its pixel data.
    let jpeg = photo_jpeg(600, 800, 8);
    assert_refused(check_photo(&jpeg[..200]), "photo_unreadable");
    let png = photo_png(300, 400, 8);
    assert_refused(check_photo(&png[..png.len() / 2]), "photo_unreadable");
}

#[test]
fn blank_photo_is_unreadable() {
    for colour in [[255u8, 255, 255], [128, 128, 128], [10, 20, 30]] {
        let img = RgbImage::from_pixel(600, 800, image::Rgb(colour));
        let e = assert_refused(check_photo(&encode_jpeg(&img, 85)), "photo_unreadable");
        assert!(e.error.message_en.contains("blank"), "{e}");
        assert!(e.error.message_fa.contains("خالی"), "{e:?}");
    }
}

/// CRC-32 (IEEE) for patching PNG chunks.
fn crc32(data: &[u8]) -> u32 {
    let mut c = 0xffff_ffffu32;
    for &b in data {
        c ^= u32::from(b);
        for _ in 0..8 {
            c = if c & 1 != 0 {
                0xedb8_8320 ^ (c >> 1)
            } else {
                c >> 1
            };
        }
    }
    !c
}

fn png_with_header_size(w: u32, h: u32) -> Vec<u8> {
    let mut png = photo_png(300, 400, 9);
    png[16..20].copy_from_slice(&w.to_be_bytes());
    png[20..24].copy_from_slice(&h.to_be_bytes());
    let crc = crc32(&png[12..29]);
    png[29..33].copy_from_slice(&crc.to_be_bytes());
    png
}

fn jpeg_with_header_size(w: u16, h: u16) -> Vec<u8> {
    let mut jpeg = photo_jpeg(300, 400, 9);
    let sof = jpeg
        .windows(2)
        .position(|m| m == [0xff, 0xc0])
        .expect("baseline SOF0");
    jpeg[sof + 5..sof + 7].copy_from_slice(&h.to_be_bytes());
    jpeg[sof + 7..sof + 9].copy_from_slice(&w.to_be_bytes());
    jpeg
}

#[test]
fn decompression_bombs_are_refused_before_decoding() {
    // Headers claiming huge images, on small files.
    for bytes in [
        png_with_header_size(30_000, 40_000),
        png_with_header_size(6_000, 8_000),
        // 24 megapixels, the review's F10 file (4200×5600): accepted for decoding before, ~70 MB each.
        png_with_header_size(4_200, 5_600),
        // 13 megapixels: just over the cap.
        jpeg_with_header_size(3_100, 4_200),
        jpeg_with_header_size(60_000, 65_000),
        jpeg_with_header_size(6_000, 8_000),
    ] {
        assert!(bytes.len() < 500_000);
        let e = assert_refused(check_photo(&bytes), "photo_too_large");
        assert!(e.error.message_en.contains("megapixels"), "{e}");
    }
    // A real, highly compressible 4800×6400 PNG (30.7 megapixels, about 100 KB on disk).
    let (w, h) = (4800u32, 6400u32);
    let big = encode_png(&vec![200u8; (w * h) as usize], w, h, ExtendedColorType::L8);
    assert!(big.len() < 2 * 1024 * 1024, "{} bytes", big.len());
    assert_refused(check_photo(&big), "photo_too_large");
}

/// Inserts an EXIF APP1 segment with the given orientation after the SOI marker.
fn with_exif_orientation(jpeg: &[u8], orientation: u16) -> Vec<u8> {
    let mut tiff = Vec::new();
    tiff.extend_from_slice(b"MM\0*\0\0\0\x08");
    tiff.extend_from_slice(&1u16.to_be_bytes());
    tiff.extend_from_slice(&0x0112u16.to_be_bytes());
    tiff.extend_from_slice(&3u16.to_be_bytes());
    tiff.extend_from_slice(&1u32.to_be_bytes());
    tiff.extend_from_slice(&orientation.to_be_bytes());
    tiff.extend_from_slice(&[0, 0]);
    tiff.extend_from_slice(&0u32.to_be_bytes());
    let mut app1 = b"Exif\0\0".to_vec();
    app1.extend_from_slice(&tiff);
    let mut out = jpeg[..2].to_vec();
    out.extend_from_slice(&[0xff, 0xe1]);
    out.extend_from_slice(&((app1.len() + 2) as u16).to_be_bytes());
    out.extend_from_slice(&app1);
    out.extend_from_slice(&jpeg[2..]);
    out
}

#[test]
fn exif_orientation_is_applied() {
    // A portrait photo stored sideways (800×600 pixels) with orientation 6 (rotate 90°).
    let portrait = photo_rgb(600, 800, 10);
    let sideways = image::imageops::rotate270(&portrait);
    assert_eq!(sideways.dimensions(), (800, 600));
    let bytes = with_exif_orientation(&encode_jpeg(&sideways, 90), 6);
    let p = check_photo(&bytes).unwrap();
    assert_eq!((p.width, p.height), (600, 800));
    // Without the tag the same pixels are a landscape photo.
    assert_refused(
        check_photo(&encode_jpeg(&sideways, 90)),
        "photo_wrong_proportions",
    );
}

#[test]
fn grayscale_and_16_bit_png_are_accepted() {
    let rgb = photo_rgb(300, 400, 11);
    let gray = image::DynamicImage::ImageRgb8(rgb.clone()).into_luma8();
    let png = encode_png(gray.as_raw(), 300, 400, ExtendedColorType::L8);
    assert!(check_photo(&png).is_ok());
    let wide = image::DynamicImage::ImageRgb8(rgb).into_rgb16();
    let mut png16 = Vec::new();
    image::DynamicImage::ImageRgb16(wide)
        .write_to(
            &mut std::io::Cursor::new(&mut png16),
            image::ImageFormat::Png,
        )
        .unwrap();
    assert!(check_photo(&png16).is_ok());
}

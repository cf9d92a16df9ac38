#![allow(clippy::unwrap_used)]
//! Signature checks.

use image::{ExtendedColorType, GrayImage, RgbaImage};
use intake::fixtures::{encode_jpeg, encode_png, photo_rgb, signature_png};
use intake::{check_signature, FieldError, Signature};

fn refused(r: Result<Signature, FieldError>, code: &str) -> FieldError {
    let e = r.expect_err("refused");
    assert_eq!(e.field, "signature");
    assert_eq!(e.error.code, code, "{e}");
    assert!(e
        .error
        .message_fa
        .chars()
        .any(|c| ('\u{0600}'..='\u{06ff}').contains(&c)));
    e
}

/// A `w`×`h` white image with a dark diagonal stroke.
fn stroke(w: u32, h: u32) -> Vec<u8> {
    let mut img = GrayImage::from_pixel(w, h, image::Luma([250]));
    for x in 0..w {
        let y = (x * h / w).min(h - 1);
        for dy in 0..3 {
            img.put_pixel(x, (y + dy).min(h - 1), image::Luma([20]));
        }
    }
    encode_png(img.as_raw(), w, h, ExtendedColorType::L8)
}

#[test]
fn accepts_the_fixture_and_the_size_limits() {
    let s = check_signature(&signature_png()).unwrap();
    assert_eq!((s.width, s.height), (400, 150));
    assert!(s.ink_pixels > 1000, "{s:?}");
    for (w, h) in [(100, 40), (2000, 1000), (2000, 40), (100, 1000)] {
        let s = check_signature(&stroke(w, h)).unwrap();
        assert_eq!((s.width, s.height), (w, h));
    }
}

#[test]
fn only_png() {
    let jpeg = encode_jpeg(&photo_rgb(400, 150, 1), 85);
    let e = refused(check_signature(&jpeg), "signature_unreadable");
    assert!(e.error.message_en.contains("JPEG"), "{e}");
    assert!(e.error.message_en.contains("PNG"), "{e}");
    for bytes in [&b""[..], b"GIF89a......", b"not an image at all"] {
        let e = refused(check_signature(bytes), "signature_unreadable");
        assert!(e.error.message_en.contains("PNG"), "{e}");
    }
    let png = signature_png();
    refused(
        check_signature(&png[..png.len() / 2]),
        "signature_unreadable",
    );
}

#[test]
fn too_large_file() {
    let mut png = signature_png();
    png.resize(512 * 1024 + 1, 0);
    let e = refused(check_signature(&png), "signature_too_large");
    assert!(e.error.message_en.contains("512 KiB"), "{e}");
    assert!(e.error.message_fa.contains("۵۱۲ کیلوبایت"), "{e:?}");
}

#[test]
fn dimensions_out_of_range() {
    for (w, h) in [(99, 40), (100, 39), (2001, 500), (500, 1001), (20, 20)] {
        let e = refused(check_signature(&stroke(w, h)), "signature_unreadable");
        assert!(e.error.message_en.contains(&format!("{w}×{h}")), "{e}");
        assert!(e.error.message_en.contains("100×40"), "{e}");
    }
}

#[test]
fn blank_and_all_dark_are_refused() {
    let white = GrayImage::from_pixel(400, 150, image::Luma([255]));
    let e = refused(
        check_signature(&encode_png(white.as_raw(), 400, 150, ExtendedColorType::L8)),
        "signature_unreadable",
    );
    assert!(e.error.message_en.contains("blank"), "{e}");
    // A few specks are not a signature.
    let mut specks = white.clone();
    for x in 0..10 {
        specks.put_pixel(x * 30, 70, image::Luma([0]));
    }
    refused(
        check_signature(&encode_png(
            specks.as_raw(),
            400,
            150,
            ExtendedColorType::L8,
        )),
        "signature_unreadable",
    );
    let black = GrayImage::from_pixel(400, 150, image::Luma([0]));
    let e = refused(
        check_signature(&encode_png(black.as_raw(), 400, 150, ExtendedColorType::L8)),
        "signature_unreadable",
    );
    assert!(e.error.message_en.contains("mostly dark"), "{e}");
}

#[test]
fn transparency_counts_as_paper() {
    // Black ink in the alpha channel only (a signature pad export): accepted.
    let mut img = RgbaImage::from_pixel(400, 150, image::Rgba([0, 0, 0, 0]));
    for x in 20..380 {
        let y = 75 + ((x as f32 / 20.0).sin() * 40.0) as u32;
        img.put_pixel(x, y, image::Rgba([0, 0, 0, 255]));
        img.put_pixel(x, y + 1, image::Rgba([0, 0, 0, 255]));
    }
    let png = encode_png(img.as_raw(), 400, 150, ExtendedColorType::Rgba8);
    assert!(check_signature(&png).is_ok());
    // Fully transparent black: blank, not "mostly dark".
    let clear = RgbaImage::from_pixel(400, 150, image::Rgba([0, 0, 0, 0]));
    let e = refused(
        check_signature(&encode_png(
            clear.as_raw(),
            400,
            150,
            ExtendedColorType::Rgba8,
        )),
        "signature_unreadable",
    );
    assert!(e.error.message_en.contains("blank"), "{e}");
}

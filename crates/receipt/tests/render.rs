#![allow(clippy::unwrap_used)]
//! End-to-end checks of the receipt PDF. Tests that need poppler-utils
//! (`pdfinfo`, `pdftotext`, `pdftoppm`) or zbar-tools (`zbarimg`) skip
//! with a message when the tool is not installed.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use receipt::{render, ReceiptError};

fn tool_available(name: &str) -> bool {
    match Command::new(name).arg("-v").output() {
        Ok(_) => true,
        Err(_) => {
            eprintln!(
                "SKIPPED: `{name}` is not installed (apt-get install poppler-utils zbar-tools)"
            );
            false
        }
    }
}

/// A fresh scratch directory for one test.
fn scratch(test: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("shenas-receipt-{}-{test}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn write_sample(dir: &Path, photo: &[u8]) -> PathBuf {
    let pdf = render(&common::sample(photo)).unwrap();
    let path = dir.join("receipt.pdf");
    std::fs::write(&path, pdf).unwrap();
    path
}

/// `pdftotext` output with the bidi embedding controls (U+202A..U+202E)
/// removed: poppler wraps every right-to-left line in RLE..PDF and the
/// left-to-right runs inside it in LRE..PDF. The characters themselves
/// come out in logical order.
fn pdftotext(pdf: &Path, layout: bool) -> String {
    let mut cmd = Command::new("pdftotext");
    if layout {
        cmd.arg("-layout");
    }
    let out = cmd.arg(pdf).arg("-").output().unwrap();
    assert!(out.status.success(), "pdftotext failed: {out:?}");
    String::from_utf8(out.stdout)
        .unwrap()
        .chars()
        .filter(|c| !('\u{202A}'..='\u{202E}').contains(c))
        .collect()
}

#[test]
fn renders_a_valid_one_page_pdf_with_png_photo() {
    let photo = common::photo_png(common::PHOTO_W, common::PHOTO_H);
    let pdf = render(&common::sample(&photo)).unwrap();
    assert!(pdf.starts_with(b"%PDF-"), "not a PDF header");
    assert!(
        pdf.len() > 10_000,
        "suspiciously small PDF: {} bytes",
        pdf.len()
    );

    if !tool_available("pdfinfo") {
        return;
    }
    let dir = scratch("pdfinfo");
    let path = dir.join("receipt.pdf");
    std::fs::write(&path, &pdf).unwrap();
    let out = Command::new("pdfinfo").arg(&path).output().unwrap();
    let info = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "pdfinfo rejected the PDF: {out:?}");
    assert!(
        out.stderr.is_empty(),
        "pdfinfo complained: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(info.contains("Pages:           1"), "{info}");
    assert!(info.contains("419.53 x 595.28 pts"), "not A5: {info}");
    assert!(
        info.contains("رسید ثبت‌نام کارت هوشمند ملی"),
        "title: {info}"
    );
}

#[test]
fn renders_with_jpeg_photo() {
    let photo = common::photo_jpeg(common::PHOTO_W, common::PHOTO_H);
    let pdf = render(&common::sample(&photo)).unwrap();
    assert!(pdf.starts_with(b"%PDF-"));
    // The JPEG is embedded as is (DCTDecode), not re-encoded.
    assert!(pdf.windows(9).any(|w| w == b"DCTDecode"));
}

#[test]
fn rendering_is_deterministic() {
    let photo = common::photo_jpeg(common::PHOTO_W, common::PHOTO_H);
    let a = render(&common::sample(&photo)).unwrap();
    let b = render(&common::sample(&photo)).unwrap();
    assert_eq!(a, b);
}

/// The key check: `pdftotext` reads the Persian text back in logical
/// order (as typed, not reversed), in both its reading-order (default)
/// and `-layout` modes.
#[test]
fn text_extracts_in_logical_order() {
    if !tool_available("pdftotext") {
        return;
    }
    let photo = common::photo_jpeg(common::PHOTO_W, common::PHOTO_H);
    let dir = scratch("pdftotext");
    let path = write_sample(&dir, &photo);

    for layout in [false, true] {
        let text = pdftotext(&path, layout);
        let expect = [
            "رسید ثبت‌نام کارت هوشمند ملی",
            // Full name, with the ZWNJ in the family name kept.
            "زهرا محمدی‌نژاد",
            "علی‌اکبر",
            // Tracking code and national code in Persian digits.
            "۴۰۵۱۲۳۴۵۶۷",
            "۰۰۱۲۳۴۵۶۷۸",
            // Dates: Persian digits with slashes, year first.
            "۱۳۷۰/۰۵/۱۴",
            "۱۴۰۵/۰۹/۰۱",
            // Lam-alef ligatures and the hamza above heh read back in order.
            "خیابان انقلاب اسلامی",
            "کوچهٔ بهار",
            "تا زمان تحویل کارت هوشمند ملی",
            "نام و نام خانوادگی",
            "کد ملی",
            common::VERIFY_URL,
        ];
        for needle in expect {
            assert!(
                text.contains(needle),
                "pdftotext{} output lacks {needle:?}:\n{text}",
                if layout { " -layout" } else { "" }
            );
        }
        // And not reversed.
        let reversed: String = "زهرا".chars().rev().collect();
        assert!(!text.contains(&reversed), "name reads reversed:\n{text}");
    }
}

#[test]
fn qr_code_decodes_to_the_verify_url() {
    if !tool_available("pdftoppm") || !tool_available("zbarimg") {
        return;
    }
    let photo = common::photo_jpeg(common::PHOTO_W, common::PHOTO_H);
    let dir = scratch("qr");
    let path = write_sample(&dir, &photo);
    let status = Command::new("pdftoppm")
        .args(["-r", "100", "-png", "-singlefile"])
        .arg(&path)
        .arg(dir.join("page"))
        .status()
        .unwrap();
    assert!(status.success());
    let out = Command::new("zbarimg")
        .args(["-q", "--raw"])
        .arg(dir.join("page.png"))
        .output()
        .unwrap();
    let decoded = String::from_utf8_lossy(&out.stdout);
    assert_eq!(decoded.trim(), common::VERIFY_URL);
}

#[test]
fn garbage_photo_is_an_error() {
    let garbage = b"this is not an image at all".repeat(20);
    let err = render(&common::sample(&garbage)).unwrap_err();
    assert!(matches!(err, ReceiptError::UnsupportedPhoto), "{err:?}");

    let err = render(&common::sample(&[])).unwrap_err();
    assert!(matches!(err, ReceiptError::UnsupportedPhoto), "{err:?}");
}

#[test]
fn corrupt_photo_with_valid_signature_is_an_error() {
    // A PNG signature followed by garbage.
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    png.extend_from_slice(&[0x5a; 200]);
    assert!(render(&common::sample(&png)).is_err());

    // A real PNG, truncated halfway through its pixel data.
    let full = common::photo_png(common::PHOTO_W, common::PHOTO_H);
    let truncated = &full[..full.len() / 2];
    assert!(render(&common::sample(truncated)).is_err());

    // A JPEG start-of-image marker and nothing usable after it.
    let mut jpeg = vec![0xFF, 0xD8, 0xFF, 0xE0];
    jpeg.extend_from_slice(&[0x00; 64]);
    assert!(render(&common::sample(&jpeg)).is_err());
}

#[test]
fn oversized_photo_is_rejected() {
    let photo = common::photo_jpeg(64, receipt::MAX_PHOTO_SIDE + 8);
    let err = render(&common::sample(&photo)).unwrap_err();
    assert!(matches!(err, ReceiptError::PhotoTooLarge { .. }), "{err:?}");
}

#[test]
fn malformed_fields_are_rejected() {
    let photo = common::photo_jpeg(common::PHOTO_W, common::PHOTO_H);
    let ok = common::sample(&photo);
    let cases = [
        receipt::Receipt {
            national_code: "12345",
            ..ok
        },
        receipt::Receipt {
            national_code: "۰۰۱۲۳۴۵۶۷۸",
            ..ok
        },
        receipt::Receipt {
            tracking_code: "",
            ..ok
        },
        receipt::Receipt {
            tracking_code: "40512-34",
            ..ok
        },
        receipt::Receipt {
            birth_date_jalali: "1370-5-14",
            ..ok
        },
        receipt::Receipt {
            enrolled_on_jalali: "yesterday",
            ..ok
        },
        receipt::Receipt {
            first_name: " ",
            ..ok
        },
        receipt::Receipt {
            verify_url: "",
            ..ok
        },
    ];
    for case in cases {
        let err = render(&case).unwrap_err();
        assert!(
            matches!(err, ReceiptError::InvalidField { .. }),
            "{case:?}: {err:?}"
        );
    }
}

#[test]
fn too_long_verify_url_is_an_error() {
    let photo = common::photo_jpeg(common::PHOTO_W, common::PHOTO_H);
    let url = format!("https://shenas.example/r/{}", "x".repeat(4000));
    let err = render(&receipt::Receipt {
        verify_url: &url,
        ..common::sample(&photo)
    })
    .unwrap_err();
    assert!(matches!(err, ReceiptError::Qr(_)), "{err:?}");
}

#[test]
fn long_values_still_render() {
    let photo = common::photo_png(600, 800);
    let long_name = "عبدالرحمان‌محمدحسین ".repeat(4);
    let long_address = "خیابان بسیار طولانی با نام بلند، ".repeat(12);
    let pdf = render(&receipt::Receipt {
        first_name: &long_name,
        office_address: &long_address,
        ..common::sample(&photo)
    })
    .unwrap();
    assert!(pdf.starts_with(b"%PDF-"));
}

#[test]
fn persian_digit_and_date_formatting() {
    assert_eq!(receipt::persian_digits("4051234567"), "۴۰۵۱۲۳۴۵۶۷");
    assert_eq!(receipt::persian_digits("پلاک 12"), "پلاک ۱۲");
    assert_eq!(receipt::persian_date("1405-09-01"), "۱۴۰۵/۰۹/۰۱");
    assert_eq!(receipt::persian_date("1370/05/14"), "۱۳۷۰/۰۵/۱۴");
}

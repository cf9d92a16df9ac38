#![allow(clippy::unwrap_used)]
//! The temporary identity document of a nationality case: a one-page PDF whose Persian text `pdftotext` reads
//! back, saying what it is and what it is not (skipped with a message without poppler-utils).

mod common;

use receipt::{render_temporary, TemporaryIdentity, TEMPORARY_IS_NOT};
use std::process::Command;

fn doc(photo: &[u8]) -> TemporaryIdentity<'_> {
    TemporaryIdentity {
        case_number: "23-00000017-K",
        first_name: "گل‌بانو",
        last_name: "بلوچ",
        father_name: "",
        birth_year_jalali: "1380",
        birth_place: "سراوان",
        office_name: "ادارهٔ ثبت احوال سراوان",
        office_address: "سراوان، خیابان امام",
        opened_on_jalali: "1405-09-12",
        photo,
    }
}

#[test]
fn says_what_it_is_and_is_not() {
    let photo = common::photo_jpeg(common::PHOTO_W, common::PHOTO_H);
    let pdf = render_temporary(&doc(&photo)).unwrap();
    assert!(pdf.starts_with(b"%PDF-"));
    let mut bad = doc(&photo);
    bad.birth_year_jalali = "80";
    assert!(render_temporary(&bad).is_err());
    if Command::new("pdftotext").arg("-v").output().is_err() {
        eprintln!("SKIPPED: `pdftotext` is not installed (apt-get install poppler-utils)");
        return;
    }
    let dir = std::env::temp_dir().join(format!("shenas-temporary-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("doc.pdf");
    std::fs::write(&file, &pdf).unwrap();
    let out = Command::new("pdftotext")
        .arg(&file)
        .arg("-")
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    // pdftotext marks embedded runs with directional controls (around the Arabic comma, say): not text.
    let plain: String = text
        .chars()
        .filter(|c| !matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}'))
        .collect();
    let flat: String = plain.split_whitespace().collect::<Vec<_>>().join(" ");
    for needle in [
        "سند موقت هویت",
        "گل‌بانو بلوچ",
        "۱۳۸۰",
        "این سند چه نیست",
        "کارت ملی یا گواهی تابعیت ایرانی نیست",
        "کد ملی ندارد",
    ] {
        assert!(flat.contains(needle), "{needle:?} missing from:\n{text}");
    }
    assert!(TEMPORARY_IS_NOT.contains("نیست"));
    let _ = std::fs::remove_dir_all(&dir);
}

//! A sample card for the integration tests and the timing example: a holder with a Persian name, ten enrolled
//! fingers of varied quality (the enrollment fixtures' ISO records), the fixtures' photo and signature.
#![allow(dead_code, clippy::unwrap_used)]

use chip::{
    Address, Biometrics, Document, DocumentNumber, FaceImage, Finger, Holder, PersonName, Sex,
    SignatureImage,
};
use chrono::NaiveDate;

pub fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

pub fn holder() -> Holder {
    Holder {
        national_code: domain::NationalCode::parse("0499370899").unwrap(),
        name: PersonName::new("خسروشاهی", "محمد‌رضا").unwrap(),
        birth_date: date(1988, 11, 21),
        sex: Sex::Male,
        place_of_birth: Some("تبریز".into()),
        address: Some(
            Address::new(
                vec!["تهران".into(), "خیابان آزادی، کوچه ۱۲، پلاک ۴".into()],
                domain::PostalCode::parse("1193653471").ok(),
            )
            .unwrap(),
        ),
    }
}

pub fn document(number: &str) -> Document {
    Document::new(
        DocumentNumber::parse(number).unwrap(),
        date(2025, 3, 9),
        date(2032, 3, 8),
        "سازمان ثبت احوال کشور",
    )
    .unwrap()
}

/// Quality of finger `position` in the sample: right index 91 and left middle 88 are the two best.
pub fn quality(position: u8) -> u8 {
    match position {
        2 => 91,
        8 => 88,
        p => 40 + p * 4,
    }
}

pub fn biometrics(seed: u64) -> Biometrics {
    let fingers = (1..=10u8)
        .map(|p| {
            let record = intake::fixtures::iso_record(p, seed * 10 + u64::from(p));
            Finger::from_iso_record(&record, Some(quality(p))).unwrap()
        })
        .collect();
    Biometrics::new(
        FaceImage::from_jpeg(intake::fixtures::photo_jpeg(300, 400, seed)).unwrap(),
        fingers,
        SignatureImage::from_png(&intake::fixtures::signature_png()).unwrap(),
    )
    .unwrap()
}

//! DG11 (additional personal details) and DG12 (additional document details), Doc 9303 Part 10 §4.7.11–12.
//! Both open with a tag list (`5C`) of the data elements present; text is UTF-8, dates `YYYYMMDD` (Gregorian).
//!
//! DG11 fills: `5F0E` full name in national characters (Persian, `surname<<given names`), `5F10` personal number
//! (the national code), `5F2B` full date of birth, `5F11` place of birth, `5F42` permanent address (components
//! separated by `<`, the postal code last). DG12 fills: `5F19` issuing authority, `5F26` date of issue.
//! Every other element of Part 10's lists is left out (see `docs/chip.md` for why).

use super::{TAG_DG11, TAG_DG12};
use crate::inputs::{Document, Holder};
use crate::tlv::Writer;
use crate::ChipError;
use chrono::NaiveDate;

/// `YYYYMMDD`.
fn yyyymmdd(d: NaiveDate) -> String {
    d.format("%Y%m%d").to_string()
}

/// Writes the elements present after a `5C` list of their tags.
fn with_tag_list(tag: u32, elements: &[(u16, Vec<u8>)]) -> Result<Vec<u8>, ChipError> {
    let list: Vec<u8> = elements.iter().flat_map(|(t, _)| t.to_be_bytes()).collect();
    let mut w = Writer::new();
    w.put(0x5C, &list)?;
    for (t, v) in elements {
        w.put(u32::from(*t), v)?;
    }
    w.wrap(tag)
}

/// DG11: `6B { 5C …, 5F0E name, 5F10 national code, 5F2B birth date, [5F11 place of birth], [5F42 address] }`.
pub fn dg11(holder: &Holder) -> Result<Vec<u8>, ChipError> {
    let name = &holder.name;
    let full_name = if name.given_names().is_empty() {
        name.surname().to_owned()
    } else {
        format!("{}<<{}", name.surname(), name.given_names())
    };
    let mut elements = vec![
        (0x5F0E, full_name.into_bytes()),
        (0x5F10, holder.national_code.as_str().as_bytes().to_vec()),
        (0x5F2B, yyyymmdd(holder.birth_date).into_bytes()),
    ];
    if let Some(place) = &holder.place_of_birth {
        elements.push((0x5F11, place.trim().as_bytes().to_vec()));
    }
    if let Some(address) = &holder.address {
        let joined = address.parts().collect::<Vec<_>>().join("<");
        elements.push((0x5F42, joined.into_bytes()));
    }
    with_tag_list(TAG_DG11, &elements)
}

/// DG12: `6C { 5C 5F19 5F26, 5F19 issuing authority, 5F26 date of issue }`.
pub fn dg12(document: &Document) -> Result<Vec<u8>, ChipError> {
    with_tag_list(
        TAG_DG12,
        &[
            (0x5F19, document.authority().as_bytes().to_vec()),
            (0x5F26, yyyymmdd(document.issue_date()).into_bytes()),
        ],
    )
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::inputs::{Address, DocumentNumber, PersonName, Sex};
    use crate::tlv::{children, find, read_exact};

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn dg11_elements_in_tag_list_order() {
        let holder = Holder {
            national_code: domain::NationalCode::parse("0499370899").unwrap(),
            name: PersonName::new("کریمی", "زهرا").unwrap(),
            birth_date: date(1991, 8, 3),
            sex: Sex::Female,
            place_of_birth: Some("شیراز".into()),
            address: Some(
                Address::new(
                    vec!["تهران".into(), "خیابان آزادی".into()],
                    domain::PostalCode::parse("1193653471").ok(),
                )
                .unwrap(),
            ),
        };
        let dg = dg11(&holder).unwrap();
        let t = read_exact(&dg).unwrap();
        assert_eq!(t.tag, 0x6B);
        let kids = children(t.value).unwrap();
        assert_eq!(kids[0].tag, 0x5C);
        assert_eq!(
            kids[0].value,
            [0x5F, 0x0E, 0x5F, 0x10, 0x5F, 0x2B, 0x5F, 0x11, 0x5F, 0x42]
        );
        let tags: Vec<u32> = kids[1..].iter().map(|k| k.tag).collect();
        assert_eq!(tags, [0x5F0E, 0x5F10, 0x5F2B, 0x5F11, 0x5F42]);
        let text = |tag| String::from_utf8(find(&kids, tag).unwrap().value.to_vec()).unwrap();
        assert_eq!(text(0x5F0E), "کریمی<<زهرا");
        assert_eq!(text(0x5F10), "0499370899");
        assert_eq!(text(0x5F2B), "19910803");
        assert_eq!(text(0x5F11), "شیراز");
        assert_eq!(text(0x5F42), "تهران<خیابان آزادی<1193653471");
    }

    #[test]
    fn dg11_without_optional_elements() {
        let holder = Holder {
            national_code: domain::NationalCode::parse("0499370899").unwrap(),
            name: PersonName::new("رضایی", "").unwrap(),
            birth_date: date(1960, 1, 1),
            sex: Sex::Male,
            place_of_birth: None,
            address: None,
        };
        let dg = dg11(&holder).unwrap();
        let kids = children(read_exact(&dg).unwrap().value).unwrap();
        assert_eq!(kids.len(), 4);
        assert_eq!(find(&kids, 0x5F0E).unwrap().value, "رضایی".as_bytes());
    }

    #[test]
    fn dg12() {
        let doc = Document::new(
            DocumentNumber::parse("B12345678").unwrap(),
            date(2025, 3, 9),
            date(2032, 3, 8),
            "سازمان ثبت احوال کشور",
        )
        .unwrap();
        let dg = super::dg12(&doc).unwrap();
        let t = read_exact(&dg).unwrap();
        assert_eq!(t.tag, 0x6C);
        let kids = children(t.value).unwrap();
        assert_eq!(kids[0].value, [0x5F, 0x19, 0x5F, 0x26]);
        assert_eq!(
            find(&kids, 0x5F19).unwrap().value,
            "سازمان ثبت احوال کشور".as_bytes()
        );
        assert_eq!(find(&kids, 0x5F26).unwrap().value, b"20250309");
    }
}

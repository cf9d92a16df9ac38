//! The MRZ against the specimens printed in Doc 9303 (Part 4's TD3 and Part 5's two TD1 specimens): every check
//! digit they print is recomputed from the rule, and a Shenas card's MRZ is built and checked the same way.
#![allow(clippy::unwrap_used)]

use super::check::check_digit;
use super::*;
use crate::inputs::{DocumentNumber, PersonName, Sex};

fn cd(s: &str) -> char {
    char::from(check_digit(s.as_bytes()).unwrap())
}

/// Recomputes the four check digits of a TD1 MRZ and compares them with the printed ones.
fn assert_td1_digits(l1: &str, l2: &str) {
    assert_eq!((l1.len(), l2.len()), (30, 30));
    // A document number longer than 9: its overflow and check digit sit in the optional data after a `<`.
    if &l1[14..15] == "<" {
        let overflow_end = l1[15..].find('<').unwrap() + 15;
        let number = format!("{}{}", &l1[5..14], &l1[15..overflow_end - 1]);
        assert_eq!(
            cd(&number),
            l1[overflow_end - 1..overflow_end].chars().next().unwrap()
        );
    } else {
        assert_eq!(
            cd(&l1[5..14]),
            l1[14..15].chars().next().unwrap(),
            "document number"
        );
    }
    assert_eq!(
        cd(&l2[0..6]),
        l2[6..7].chars().next().unwrap(),
        "birth date"
    );
    assert_eq!(
        cd(&l2[8..14]),
        l2[14..15].chars().next().unwrap(),
        "expiry date"
    );
    let composite = format!("{}{}{}{}", &l1[5..30], &l2[0..7], &l2[8..15], &l2[18..29]);
    assert_eq!(
        cd(&composite),
        l2[29..30].chars().next().unwrap(),
        "composite"
    );
}

#[test]
fn part5_td1_specimen() {
    // Doc 9303 Part 5, the TD1 specimen (Utopia, Anna Maria Eriksson).
    let l1 = "I<UTOD231458907<<<<<<<<<<<<<<<";
    let l2 = "7408122F1204159UTO<<<<<<<<<<<6";
    let l3 = "ERIKSSON<<ANNA<MARIA<<<<<<<<<<";
    assert_td1_digits(l1, l2);
    assert_eq!(cd("D23145890"), '7');
    assert_eq!(cd("740812"), '2');
    assert_eq!(cd("120415"), '9');
    let secondary = ["ANNA".to_string(), "MARIA".to_string()];
    assert_eq!(name::name_field(&["ERIKSSON".into()], &secondary, 30), l3);
}

#[test]
fn part5_td1_specimen_with_long_document_number() {
    // Doc 9303 Part 5, the TD1 whose document number (D23145890734) overflows into the optional data.
    let l1 = "I<UTOD23145890<7349<<<<<<<<<<<";
    let l2 = "3407127M9507122UTO<<<<<<<<<<<2";
    assert_td1_digits(l1, l2);
    assert_eq!(cd("D23145890734"), '9');
}

#[test]
fn part4_td3_specimen() {
    // Doc 9303 Part 4, the TD3 specimen: the same rule over different positions.
    let l2 = "L898902C36UTO7408122F1204159ZE184226B<<<<<10";
    assert_eq!(cd(&l2[0..9]), '6');
    assert_eq!(cd(&l2[13..19]), '2');
    assert_eq!(cd(&l2[21..27]), '9');
    assert_eq!(cd(&l2[28..42]), '1');
    let composite = format!("{}{}{}", &l2[0..10], &l2[13..20], &l2[21..43]);
    assert_eq!(cd(&composite), '0');
}

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

#[test]
fn shenas_card() {
    let number = DocumentNumber::parse("B12345678").unwrap();
    let code = domain::NationalCode::parse("0499370899").unwrap();
    let name = PersonName::new("کریمی", "زهرا").unwrap();
    let mrz = Td1Mrz::new(&MrzData {
        document_number: &number,
        national_code: &code,
        birth_date: date(1991, 8, 3),
        sex: Sex::Female,
        expiry_date: date(2035, 1, 31),
        name: &name,
    })
    .unwrap();
    let [l1, l2, l3] = mrz.lines();
    assert_eq!(
        l1,
        &format!("IDIRNB12345678{}0499370899<<<<<", cd("B12345678"))
    );
    assert!(l2.starts_with(&format!(
        "910803{}F350131{}IRN<<<<<<<<<<<",
        cd("910803"),
        cd("350131")
    )));
    assert_eq!(l3, "XKKRXYAMXYA<<ZHRA<<<<<<<<<<<<<");
    assert_td1_digits(l1, l2);
    assert_eq!(mrz.concatenated().len(), 90);
    assert!(mrz
        .concatenated()
        .bytes()
        .all(|b| b.is_ascii_digit() || b.is_ascii_uppercase() || b == b'<'));
    assert_eq!(mrz.to_string().lines().count(), 3);
}

#[test]
fn unspecified_sex_and_short_document_number() {
    let number = DocumentNumber::parse("A123<<<<<").unwrap();
    let code = domain::NationalCode::parse("0499370899").unwrap();
    let name = PersonName::new("رضایی", "").unwrap();
    let mrz = Td1Mrz::new(&MrzData {
        document_number: &number,
        national_code: &code,
        birth_date: date(2001, 12, 31),
        sex: Sex::Unspecified,
        expiry_date: date(2031, 12, 30),
        name: &name,
    })
    .unwrap();
    assert_eq!(&mrz.lines()[1][7..8], "<");
    assert_eq!(
        &mrz.lines()[0][5..15],
        &format!("A123<<<<<{}", cd("A123<<<<<"))
    );
    assert_td1_digits(&mrz.lines()[0], &mrz.lines()[1]);
}

mod properties {
    use super::*;
    use proptest::prelude::*;

    /// Names drawn from every letter of the table, spaces, ZWNJ and harakat.
    fn persian_name() -> impl Strategy<Value = String> {
        let mut alphabet: Vec<char> = translit::TABLE.iter().map(|(c, _)| *c).collect();
        alphabet.extend([' ', ' ', '\u{200C}', '\u{064E}', '\u{0651}']);
        proptest::collection::vec(proptest::sample::select(alphabet), 1..60)
            .prop_map(|cs| cs.into_iter().collect())
    }

    proptest! {
        #[test]
        fn any_name_gives_a_full_line_of_mrz_characters(surname in persian_name(), given in persian_name()) {
            let Ok(name) = PersonName::new(&surname, &given) else {
                // Only a surname of nothing but spaces and marks is refused.
                prop_assert!(translit::components(&surname).unwrap().is_empty());
                return Ok(());
            };
            let line = name::name_field(name.primary_mrz(), name.secondary_mrz(), LINE);
            prop_assert_eq!(line.len(), LINE);
            prop_assert!(line.bytes().all(|b| b.is_ascii_uppercase() || b == b'<'));
            prop_assert!(!line.starts_with('<'));
            // The surname's first component always survives, whole or cut at the line's end.
            let first = &name.primary_mrz()[0];
            prop_assert!(line.starts_with(&first[..first.len().min(LINE)]));
        }
    }
}

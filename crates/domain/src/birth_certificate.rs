//! The birth certificate (`شناسنامه`) reference: a Persian series letter, a two-digit series number and a
//! six-digit serial. Only the shape can be checked; the civil registry says whether it belongs to a person.

use crate::error::{AtField, FieldError, ValidationError};
use crate::text::{fold_digits, normalize_name};
use std::fmt;

const CODE: &str = "invalid_birth_certificate";

/// The series letters printed on birth certificates, in their canonical written form.
pub const SERIES_LETTERS: [&str; 32] = [
    "الف", "ب", "پ", "ت", "ث", "ج", "چ", "ح", "خ", "د", "ذ", "ر", "ز", "ژ", "س", "ش", "ص", "ض",
    "ط", "ظ", "ع", "غ", "ف", "ق", "ک", "گ", "ل", "م", "ن", "و", "ه", "ی",
];

/// A series letter, by its index in [`SERIES_LETTERS`].
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct SeriesLetter(u8);

impl SeriesLetter {
    pub fn parse(input: &str) -> Result<Self, ValidationError> {
        let n = normalize_name(input);
        // People write alef as the bare letter or with madda as often as by its name.
        let n = match n.as_str() {
            "ا" | "آ" | "alef" => "الف".to_string(),
            _ => n,
        };
        SERIES_LETTERS
            .iter()
            .position(|l| *l == n)
            .map(|i| Self(i as u8))
            .ok_or_else(|| {
                ValidationError::new(
                    CODE,
                    format!("{input:?} is not a birth-certificate series letter (one Persian letter, such as الف or ج)"),
                    format!("«{input}» حرف سری شناسنامه نیست (یک حرف فارسی، مانند «الف» یا «ج»)"),
                )
            })
    }

    pub fn as_str(&self) -> &'static str {
        SERIES_LETTERS[self.0 as usize]
    }

    pub fn index(&self) -> u8 {
        self.0
    }

    pub fn from_index(i: u8) -> Option<Self> {
        ((i as usize) < SERIES_LETTERS.len()).then_some(Self(i))
    }
}

/// The whole reference: `ج/۱۲ ۳۴۵۶۷۸`.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct BirthCertificate {
    letter: SeriesLetter,
    number: u8,
    serial: [u8; 6],
}

impl BirthCertificate {
    /// Parses the three parts; the error carries the part (`series_letter`, `series_number`, `serial`).
    pub fn parse(letter: &str, number: &str, serial: &str) -> Result<Self, FieldError> {
        let letter = SeriesLetter::parse(letter).at("series_letter")?;
        let number = parse_series_number(number).at("series_number")?;
        let serial = parse_serial(serial).at("serial")?;
        Ok(Self {
            letter,
            number,
            serial,
        })
    }

    pub fn from_parts(letter: SeriesLetter, number: u8, serial: u32) -> Option<Self> {
        if !(1..=99).contains(&number) || serial > 999_999 {
            return None;
        }
        let s = format!("{serial:06}");
        let mut b = [0u8; 6];
        b.copy_from_slice(s.as_bytes());
        Some(Self {
            letter,
            number,
            serial: b,
        })
    }

    pub fn series_letter(&self) -> SeriesLetter {
        self.letter
    }

    /// Two digits, zero-padded.
    pub fn series_number(&self) -> String {
        format!("{:02}", self.number)
    }

    /// Six digits.
    pub fn serial(&self) -> &str {
        std::str::from_utf8(&self.serial).unwrap_or("000000")
    }
}

fn parse_series_number(input: &str) -> Result<u8, ValidationError> {
    let mut buf = [0u8; 2];
    let n = fold_digits(input, &mut buf).unwrap_or(0);
    let value = std::str::from_utf8(&buf[..n])
        .ok()
        .and_then(|s| s.parse::<u8>().ok());
    match value {
        Some(v) if (1..=99).contains(&v) => Ok(v),
        _ => Err(ValidationError::new(
            CODE,
            format!("the series number must be a number from 01 to 99, not {input:?}"),
            format!("شمارهٔ سری شناسنامه باید عددی از ۰۱ تا ۹۹ باشد، نه «{input}»"),
        )),
    }
}

fn parse_serial(input: &str) -> Result<[u8; 6], ValidationError> {
    let mut buf = [0u8; 6];
    match fold_digits(input, &mut buf) {
        Ok(6) => Ok(buf),
        _ => Err(ValidationError::new(
            CODE,
            format!("the birth-certificate serial must be exactly six digits, not {input:?}"),
            format!("سریال شناسنامه باید دقیقاً شش رقم باشد، نه «{input}»"),
        )),
    }
}

impl fmt::Debug for BirthCertificate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "BirthCertificate({}/{:02} ******)",
            self.letter.as_str(),
            self.number
        )
    }
}

impl fmt::Debug for SeriesLetter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SeriesLetter({})", self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn parses_usual_forms() {
        let bc = BirthCertificate::parse("ج", "۱۲", "۳۴۵۶۷۸").unwrap();
        assert_eq!(bc.series_letter().as_str(), "ج");
        assert_eq!(bc.series_number(), "12");
        assert_eq!(bc.serial(), "345678");
        assert_eq!(
            BirthCertificate::parse("ا", "7", "000123")
                .unwrap()
                .series_letter()
                .as_str(),
            "الف"
        );
        // Arabic kaf and yeh are the same letters.
        assert_eq!(SeriesLetter::parse("ك").unwrap().as_str(), "ک");
        assert_eq!(SeriesLetter::parse("ي").unwrap().as_str(), "ی");
    }

    #[test]
    fn errors_name_the_part() {
        assert_eq!(
            BirthCertificate::parse("x", "12", "123456")
                .unwrap_err()
                .field,
            "series_letter"
        );
        assert_eq!(
            BirthCertificate::parse("ب", "00", "123456")
                .unwrap_err()
                .field,
            "series_number"
        );
        assert_eq!(
            BirthCertificate::parse("ب", "100", "123456")
                .unwrap_err()
                .field,
            "series_number"
        );
        assert_eq!(
            BirthCertificate::parse("ب", "12", "12345")
                .unwrap_err()
                .field,
            "serial"
        );
        assert_eq!(
            BirthCertificate::parse("ب", "12", "1234567")
                .unwrap_err()
                .field,
            "serial"
        );
        assert_eq!(
            BirthCertificate::parse("ب", "12", "12345")
                .unwrap_err()
                .error
                .code,
            CODE
        );
    }

    proptest! {
        #[test]
        fn every_valid_shape_round_trips(letter in 0u8..32, number in 1u8..=99, serial in 0u32..=999_999) {
            let bc = BirthCertificate::from_parts(SeriesLetter::from_index(letter).unwrap(), number, serial).unwrap();
            let again = BirthCertificate::parse(bc.series_letter().as_str(), &bc.series_number(), bc.serial()).unwrap();
            prop_assert_eq!(bc, again);
        }

        #[test]
        fn any_input_never_panics(a in "\\PC{0,8}", b in "\\PC{0,4}", c in "\\PC{0,10}") {
            let _ = BirthCertificate::parse(&a, &b, &c);
        }
    }
}

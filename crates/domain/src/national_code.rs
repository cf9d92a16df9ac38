//! The national code (`کد ملی`): ten digits `PPP SSSSSS C`, the last a check digit over the first nine.
//! A `NationalCode` value always satisfies the rule; its `Debug` form is masked so it never leaks into logs.

use crate::error::ValidationError;
use crate::text::{fold_digits, DigitsError};
use std::fmt;

const CODE: &str = "invalid_national_code";

/// A valid national code, stored as ten ASCII digits.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct NationalCode([u8; 10]);

impl NationalCode {
    /// Parses what a person typed: ASCII, Persian or Arabic-Indic digits, with spaces or dashes anywhere.
    /// Exactly ten digits are required.
    pub fn parse(input: &str) -> Result<Self, ValidationError> {
        // Fast path: ten ASCII digits, the form machines send.
        let bytes = input.as_bytes();
        if bytes.len() == 10 && bytes.iter().all(u8::is_ascii_digit) {
            let mut d = [0u8; 10];
            d.copy_from_slice(bytes);
            return Self::check(d);
        }
        let mut buf = [0u8; 10];
        let n = fold(input, &mut buf)?;
        if n != 10 {
            return Err(length_error(n));
        }
        Self::check(buf)
    }

    /// Parses a code from legacy data, where leading zeros were lost: 8 or 9 digits are left-padded with zeros.
    /// Only importers use this; people always type all ten digits.
    pub fn parse_legacy(input: &str) -> Result<Self, ValidationError> {
        let mut buf = [0u8; 10];
        let n = fold(input, &mut buf)?;
        match n {
            10 => Self::check(buf),
            8 | 9 => {
                let mut d = [b'0'; 10];
                d[10 - n..].copy_from_slice(&buf[..n]);
                Self::check(d)
            }
            _ => Err(length_error(n)),
        }
    }

    fn check(d: [u8; 10]) -> Result<Self, ValidationError> {
        if d.iter().all(|&c| c == d[0]) {
            return Err(ValidationError::new(
                CODE,
                "a national code cannot be ten identical digits",
                "کد ملی نمی‌تواند ده رقم یکسان باشد",
            ));
        }
        if d[3..9] == *b"000000" {
            return Err(ValidationError::new(
                CODE,
                "digits 4 to 9 of a national code cannot all be zero",
                "ارقام چهارم تا نهم کد ملی نمی‌توانند همه صفر باشند",
            ));
        }
        let expected = check_digit(&d);
        if d[9] - b'0' != expected {
            return Err(ValidationError::new(
                CODE,
                "the check digit (the last digit) does not match the other nine",
                "رقم کنترل (رقم آخر) کد ملی با نُه رقم دیگر نمی‌خواند",
            ));
        }
        Ok(Self(d))
    }

    /// Builds the code from its first nine digits, computing the check digit. `None` where the result would
    /// break a rule (identical digits, zero middle block) or the input is not nine ASCII digits.
    pub fn from_first_nine(first: &[u8; 9]) -> Option<Self> {
        if !first.iter().all(u8::is_ascii_digit) {
            return None;
        }
        let mut d = [0u8; 10];
        d[..9].copy_from_slice(first);
        d[9] = b'0' + check_digit(&d);
        Self::check(d).ok()
    }

    /// The ten ASCII digits.
    pub fn as_str(&self) -> &str {
        // The array only ever holds ASCII digits.
        std::str::from_utf8(&self.0).unwrap_or("0000000000")
    }

    /// The three-digit issuing-office prefix.
    pub fn prefix(&self) -> &str {
        &self.as_str()[..3]
    }

    /// The form for logs: `00****9645`.
    pub fn masked(&self) -> String {
        let s = self.as_str();
        format!("{}******{}", &s[..2], &s[8..])
    }
}

#[inline]
fn check_digit(d: &[u8; 10]) -> u8 {
    let s: u32 = d[..9]
        .iter()
        .enumerate()
        .map(|(i, &c)| u32::from(c - b'0') * (10 - i as u32))
        .sum();
    let r = (s % 11) as u8;
    if r < 2 {
        r
    } else {
        11 - r
    }
}

fn fold(input: &str, buf: &mut [u8; 10]) -> Result<usize, ValidationError> {
    fold_digits(input, buf).map_err(|e| match e {
        DigitsError::NotADigit { ch, position } => ValidationError::new(
            CODE,
            format!("character {position} ({ch:?}) is not a digit; a national code has ten digits"),
            format!("نویسهٔ {position} («{ch}») رقم نیست؛ کد ملی ده رقم دارد"),
        ),
        DigitsError::TooLong => length_error(11),
    })
}

fn length_error(n: usize) -> ValidationError {
    if n == 0 {
        return ValidationError::new(CODE, "the national code is empty", "کد ملی وارد نشده است");
    }
    let more = if n > 10 {
        "more than 10".to_string()
    } else {
        n.to_string()
    };
    ValidationError::new(
        CODE,
        format!("a national code has exactly 10 digits, this has {more}"),
        format!(
            "کد ملی باید دقیقاً ۱۰ رقم باشد؛ این {} رقم دارد",
            crate::text::to_persian_digits(&more)
        ),
    )
}

impl fmt::Debug for NationalCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "NationalCode({})", self.masked())
    }
}

impl fmt::Display for NationalCode {
    /// The full code: for responses and files, never for logs (use `masked`).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl serde::Serialize for NationalCode {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> serde::Deserialize<'de> for NationalCode {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        NationalCode::parse(&s).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// An independent, naive statement of the rule in `domain.md`, for the property tests.
    fn reference_valid(s: &str) -> bool {
        let d: Vec<u32> = s.chars().map(|c| c.to_digit(10).unwrap()).collect();
        if d.len() != 10 || d.iter().all(|&x| x == d[0]) || d[3..9].iter().all(|&x| x == 0) {
            return false;
        }
        let s: u32 = (0..9).map(|i| d[i] * (10 - i as u32)).sum();
        let r = s % 11;
        d[9] == if r < 2 { r } else { 11 - r }
    }

    #[test]
    fn known_codes() {
        assert!(NationalCode::parse("0499370899").is_ok());
        assert!(NationalCode::parse("0790419904").is_ok());
        assert!(NationalCode::parse("0084575948").is_ok());
        assert!(NationalCode::parse("0499370898").is_err());
        assert!(NationalCode::parse("1111111111").is_err());
        assert!(NationalCode::parse("0000000000").is_err());
    }

    #[test]
    fn persian_digits_spaces_and_dashes() {
        let a = NationalCode::parse("۰۴۹۹۳۷۰۸۹۹").unwrap();
        let b = NationalCode::parse("049-937089-9").unwrap();
        let c = NationalCode::parse("٠٤٩ ٩٣٧٠٨٩ ٩").unwrap();
        assert_eq!(a, b);
        assert_eq!(b, c);
        assert_eq!(a.as_str(), "0499370899");
    }

    #[test]
    fn errors_are_precise() {
        let e = NationalCode::parse("04993708").unwrap_err();
        assert_eq!(e.code, "invalid_national_code");
        assert!(e.message_en.contains("this has 8"), "{}", e.message_en);
        let e = NationalCode::parse("04993x0899").unwrap_err();
        assert!(e.message_en.contains("character 6"), "{}", e.message_en);
        let e = NationalCode::parse("0499370898").unwrap_err();
        assert!(e.message_en.contains("check digit"));
        let e = NationalCode::parse("1230000002").unwrap_err();
        assert!(e.message_en.contains("4 to 9"), "{}", e.message_en);
        assert!(NationalCode::parse("")
            .unwrap_err()
            .message_en
            .contains("empty"));
        assert!(NationalCode::parse("049937089912345")
            .unwrap_err()
            .message_en
            .contains("more than 10"));
    }

    #[test]
    fn legacy_codes_are_padded_on_import_only() {
        assert!(NationalCode::parse("499370899").is_err());
        assert_eq!(
            NationalCode::parse_legacy("499370899").unwrap().as_str(),
            "0499370899"
        );
        assert_eq!(
            NationalCode::parse_legacy("84575948").unwrap().as_str(),
            "0084575948"
        );
        assert!(NationalCode::parse_legacy("4575948").is_err());
    }

    #[test]
    fn masked_in_debug() {
        let c = NationalCode::parse("0084575948").unwrap();
        assert_eq!(format!("{c:?}"), "NationalCode(00******48)");
        assert_eq!(c.masked(), "00******48");
    }

    proptest! {
        #[test]
        fn agrees_with_reference_on_any_ten_digits(s in "[0-9]{10}") {
            prop_assert_eq!(NationalCode::parse(&s).is_ok(), reference_valid(&s));
        }

        #[test]
        fn completing_nine_digits_is_valid(s in "[0-9]{9}") {
            let first: [u8; 9] = s.as_bytes().try_into().unwrap();
            if let Some(code) = NationalCode::from_first_nine(&first) {
                prop_assert!(reference_valid(code.as_str()));
                prop_assert_eq!(&code.as_str()[..9], s.as_str());
            }
        }

        #[test]
        fn any_string_never_panics(s in "\\PC{0,30}") {
            let _ = NationalCode::parse(&s);
            let _ = NationalCode::parse_legacy(&s);
        }

        #[test]
        fn persian_form_parses_to_same(s in "[0-9]{10}") {
            let persian = crate::text::to_persian_digits(&s);
            prop_assert_eq!(NationalCode::parse(&s).ok(), NationalCode::parse(&persian).ok());
        }
    }
}

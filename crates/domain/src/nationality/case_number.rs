//! The nationality case number (`شمارهٔ پرونده`): the province of the registry office that opened the case (two
//! digits), a sequence of eight digits given by the store, and a check letter, written `23-00000017-K`.
//!
//! The check letter is a weighted sum of the ten digits modulo 23 (a prime), weights 1 to 10: any one digit
//! mistyped and any two neighbouring digits swapped change the sum by a non-zero amount below 23, so the letter
//! no longer fits and the typo is caught before any lookup.

use crate::error::ValidationError;
use crate::province::ProvinceCode;
use crate::text::fold_digits;
use std::fmt;

const CODE: &str = "invalid_case_number";

/// The 23 check letters (no I, O or U, which read as digits or as each other).
const LETTERS: &[u8; 23] = b"ABCDEFGHJKLMNPQRSTVWXYZ";

/// The most cases one province can number.
pub const MAX_SEQUENCE: u64 = 99_999_999;

/// A valid case number.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CaseNumber {
    digits: [u8; 10],
    check: u8,
}

fn check_letter(digits: &[u8; 10]) -> u8 {
    let sum: u32 = digits
        .iter()
        .enumerate()
        .map(|(i, d)| (i as u32 + 1) * u32::from(d - b'0'))
        .sum();
    LETTERS[(sum % 23) as usize]
}

impl CaseNumber {
    /// The number of the `sequence`-th case (from 1) of a province; `None` past [`MAX_SEQUENCE`].
    pub fn new(province: ProvinceCode, sequence: u64) -> Option<Self> {
        if sequence == 0 || sequence > MAX_SEQUENCE {
            return None;
        }
        let s = format!("{}{sequence:08}", province.as_str());
        let mut digits = [0u8; 10];
        digits.copy_from_slice(s.as_bytes());
        Some(Self {
            check: check_letter(&digits),
            digits,
        })
    }

    /// Parses what a person typed: Persian or Arabic-Indic digits, dashes and spaces anywhere, the letter in
    /// either case.
    pub fn parse(input: &str) -> Result<Self, ValidationError> {
        let trimmed = input.trim();
        let last = trimmed.chars().last().unwrap_or(' ');
        if !last.is_ascii_alphabetic() {
            return Err(ValidationError::new(
                CODE,
                "a case number ends with its check letter, such as 23-00000017-K",
                "شمارهٔ پرونده با حرف کنترل تمام می‌شود، مانند 23-00000017-K",
            ));
        }
        let body = &trimmed[..trimmed.len() - 1];
        let mut digits = [0u8; 10];
        let n = fold_digits(body, &mut digits).unwrap_or(0);
        if n != 10 {
            return Err(ValidationError::new(
                CODE,
                "a case number has ten digits and a check letter, such as 23-00000017-K",
                "شمارهٔ پرونده ده رقم و یک حرف کنترل دارد، مانند 23-00000017-K",
            ));
        }
        let province = std::str::from_utf8(&digits[..2]).unwrap_or("xx");
        if ProvinceCode::parse(province).is_err() || digits[2..] == *b"00000000" {
            return Err(ValidationError::new(
                CODE,
                "the first two digits of a case number are a province code and the sequence is not zero",
                "دو رقم نخست شمارهٔ پرونده کد استان است و شماره ردیف صفر نیست",
            ));
        }
        if check_letter(&digits) != last.to_ascii_uppercase() as u8 {
            return Err(ValidationError::new(
                CODE,
                "the check letter does not match the digits: the number was mistyped",
                "حرف کنترل با ارقام نمی‌خواند: شماره اشتباه وارد شده است",
            ));
        }
        Ok(Self {
            digits,
            check: last.to_ascii_uppercase() as u8,
        })
    }

    /// The province that opened the case.
    pub fn province(&self) -> ProvinceCode {
        let p = std::str::from_utf8(&self.digits[..2]).unwrap_or("23");
        // Checked at construction.
        ProvinceCode::parse(p).unwrap_or_else(|_| ProvinceCode::from_index(0).expect("a province"))
    }

    /// The sequence within the province.
    pub fn sequence(&self) -> u64 {
        std::str::from_utf8(&self.digits[2..])
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or(0)
    }
}

impl fmt::Display for CaseNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let d = std::str::from_utf8(&self.digits).unwrap_or("0000000000");
        write!(f, "{}-{}-{}", &d[..2], &d[2..], self.check as char)
    }
}

impl fmt::Debug for CaseNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CaseNumber({self})")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn tehran() -> ProvinceCode {
        ProvinceCode::parse("23").unwrap()
    }

    #[test]
    fn round_trip_and_typed_forms() {
        let n = CaseNumber::new(tehran(), 17).unwrap();
        let s = n.to_string();
        assert!(s.starts_with("23-00000017-"), "{s}");
        assert_eq!(CaseNumber::parse(&s).unwrap(), n);
        assert_eq!(CaseNumber::parse(&s.to_lowercase()).unwrap(), n);
        assert_eq!(CaseNumber::parse(&s.replace('-', "")).unwrap(), n);
        let persian: String = crate::text::to_persian_digits(&s);
        assert_eq!(CaseNumber::parse(&persian).unwrap(), n);
        assert_eq!(n.sequence(), 17);
        assert_eq!(n.province(), tehran());
        assert!(CaseNumber::new(tehran(), 0).is_none());
        assert!(CaseNumber::new(tehran(), MAX_SEQUENCE + 1).is_none());
    }

    #[test]
    fn refusals() {
        for bad in [
            "",
            "K",
            "23-0000017-K",
            "99-00000017-A",
            "23-00000000-A",
            "2300000017",
        ] {
            let e = CaseNumber::parse(bad).unwrap_err();
            assert_eq!(e.code, CODE, "{bad}");
        }
    }

    proptest! {
        /// Every single-digit typo and every swap of two different neighbouring digits is caught.
        #[test]
        fn typos_are_caught(seq in 1u64..=MAX_SEQUENCE, province in 0u8..31, pos in 0usize..10, delta in 1u8..10) {
            let n = CaseNumber::new(ProvinceCode::from_index(province).unwrap(), seq).unwrap();
            let s = n.to_string().replace('-', "");
            let mut b = s.clone().into_bytes();
            b[pos] = b'0' + (b[pos] - b'0' + delta) % 10;
            prop_assert!(CaseNumber::parse(std::str::from_utf8(&b).unwrap()).is_err());
            if pos < 9 && s.as_bytes()[pos] != s.as_bytes()[pos + 1] {
                let mut t = s.clone().into_bytes();
                t.swap(pos, pos + 1);
                prop_assert!(CaseNumber::parse(std::str::from_utf8(&t).unwrap()).is_err());
            }
        }
    }
}

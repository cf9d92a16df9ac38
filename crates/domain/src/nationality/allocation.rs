//! A late registration's identifiers: a new national code in the range of the province's place codes, with a
//! valid check digit, and a birth-certificate serial. This module only proposes: whether a code is free is the
//! store's to say, and the caller draws again (a fresh random number) while it is taken.

use crate::birth_certificate::{BirthCertificate, SeriesLetter};
use crate::calendar::JalaliDate;
use crate::error::ValidationError;
use crate::national_code::NationalCode;
use crate::province::{prefixes, ProvinceCode};

/// How many candidates a caller draws before giving up (a province with eight prefixes has eight million codes:
/// running out is a sign of a defect, not of a full range).
pub const MAX_DRAWS: usize = 32;

/// The candidate national code for the random number `draw`: one of the province's place codes (prefixes), six
/// digits from the draw, the check digit computed. `None` where the draw gives a code the rule forbids (a zero
/// middle block); draw again.
pub fn candidate(province: ProvinceCode, draw: u64) -> Option<NationalCode> {
    let places = prefixes::of_province(province);
    if places.is_empty() {
        return None;
    }
    let prefix = places[(draw % places.len() as u64) as usize];
    let middle = (draw / places.len() as u64) % 1_000_000;
    let first = format!("{prefix:03}{middle:06}");
    let mut nine = [0u8; 9];
    nine.copy_from_slice(first.as_bytes());
    NationalCode::from_first_nine(&nine)
}

/// The birth-certificate reference of the `sequence`-th late registration (from 1): distinct for every sequence up
/// to 32 × 99 × 1,000,000.
pub fn birth_certificate(sequence: u64) -> Option<BirthCertificate> {
    let letters = 32u64;
    let letter = SeriesLetter::from_index((sequence % letters) as u8)?;
    let rest = sequence / letters;
    let number = (rest % 99) as u8 + 1;
    let serial = (rest / 99) as u32;
    BirthCertificate::from_parts(letter, number, serial % 1_000_000)
}

/// The birth date recorded for a person whose year of birth alone is known (or set by the age commission): the
/// first day of that year, as the registry records an unknown day and month.
pub fn birth_date(year: i32, today: JalaliDate) -> Result<JalaliDate, ValidationError> {
    if year > today.year() || year < today.year() - 120 {
        return Err(ValidationError::new(
            "invalid_date",
            format!("{year} is not a possible year of birth"),
            format!(
                "{} سال تولد ممکنی نیست",
                crate::text::to_persian_digits(&year.to_string())
            ),
        ));
    }
    JalaliDate::new(year, 1, 1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// Every candidate is a valid code whose prefix is one of the province's place codes.
        #[test]
        fn candidates_are_valid_and_in_the_province(province in 0u8..31, draw in any::<u64>()) {
            let p = ProvinceCode::from_index(province).unwrap();
            if let Some(code) = candidate(p, draw) {
                prop_assert!(NationalCode::parse(code.as_str()).is_ok());
                prop_assert_eq!(prefixes::province_of(code.prefix()), Some(p));
            }
        }

        #[test]
        fn certificates_are_distinct(a in 1u64..3_000_000, b in 1u64..3_000_000) {
            prop_assume!(a != b);
            prop_assert_ne!(birth_certificate(a).unwrap(), birth_certificate(b).unwrap());
        }
    }

    #[test]
    fn draws_spread_over_the_places() {
        let tehran = ProvinceCode::parse("23").unwrap();
        let codes: std::collections::HashSet<_> = (0..200u64)
            .filter_map(|d| candidate(tehran, d * 7919))
            .collect();
        assert!(codes.len() > 190);
        let today = JalaliDate::parse("1405-09-12").unwrap();
        assert_eq!(birth_date(1380, today).unwrap().to_string(), "1380-01-01");
        assert!(birth_date(1406, today).is_err());
    }
}

//! The tracking code a citizen receives on pre-registration: twelve digits, the last a Luhn check digit, so a
//! mistyped code is caught before any lookup. The domain does not draw codes (no randomness here): the caller
//! passes eleven random digits to [`TrackingCode::from_body`].

use crate::error::ValidationError;
use crate::text::fold_digits;
use std::fmt;

#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TrackingCode([u8; 12]);

fn luhn_digit(body: &[u8]) -> u8 {
    // Luhn over the body, doubling from the rightmost body digit.
    let sum: u32 = body
        .iter()
        .rev()
        .enumerate()
        .map(|(i, &c)| {
            let d = u32::from(c - b'0');
            if i % 2 == 0 {
                let x = d * 2;
                if x > 9 {
                    x - 9
                } else {
                    x
                }
            } else {
                d
            }
        })
        .sum();
    ((10 - sum % 10) % 10) as u8
}

impl TrackingCode {
    /// Builds a code from eleven digits (e.g. drawn at random), appending the check digit.
    pub fn from_body(body: u64) -> Self {
        let s = format!("{:011}", body % 100_000_000_000);
        let mut d = [0u8; 12];
        d[..11].copy_from_slice(s.as_bytes());
        d[11] = b'0' + luhn_digit(&d[..11]);
        Self(d)
    }

    pub fn parse(input: &str) -> Result<Self, ValidationError> {
        let invalid = || {
            ValidationError::new(
                "invalid_tracking_code",
                "a tracking code has 12 digits and the last one checks the others; this one does not",
                "کد رهگیری ۱۲ رقم دارد و رقم آخر آن کنترلی است؛ این کد درست نیست",
            )
        };
        let mut d = [0u8; 12];
        match fold_digits(input, &mut d) {
            Ok(12) if d[11] - b'0' == luhn_digit(&d[..11]) => Ok(Self(d)),
            _ => Err(invalid()),
        }
    }

    pub fn as_str(&self) -> &str {
        std::str::from_utf8(&self.0).unwrap_or("000000000000")
    }

    /// For logs: the first two and last two digits (`19********88`). With the national code a tracking code
    /// opens an application's actions, so a log never carries it whole.
    pub fn masked(&self) -> String {
        let s = self.as_str();
        format!("{}********{}", &s[..2], &s[10..])
    }
}

impl fmt::Display for TrackingCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for TrackingCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "TrackingCode({}…)", &self.as_str()[..4])
    }
}

impl serde::Serialize for TrackingCode {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn known_luhn() {
        // 7992739871 has Luhn check digit 3 (the textbook example); padded to eleven digits it is unchanged.
        assert_eq!(
            TrackingCode::from_body(7_992_739_871).as_str(),
            "079927398713"
        );
        assert!(TrackingCode::parse("0799-2739-8713").is_ok());
        assert!(TrackingCode::parse("079927398714").is_err());
        assert!(TrackingCode::parse("07992739871").is_err());
    }

    #[test]
    fn masked_keeps_two_and_two() {
        let c = TrackingCode::parse("079927398713").unwrap();
        assert_eq!(c.masked(), "07********13");
    }

    proptest! {
        #[test]
        fn generated_codes_parse_and_single_typos_are_caught(body in 0u64..100_000_000_000, pos in 0usize..12, add in 1u8..10) {
            let c = TrackingCode::from_body(body);
            prop_assert_eq!(TrackingCode::parse(c.as_str()).unwrap(), c);
            let mut typo = c.as_str().as_bytes().to_vec();
            typo[pos] = b'0' + (typo[pos] - b'0' + add) % 10;
            prop_assert!(TrackingCode::parse(std::str::from_utf8(&typo).unwrap()).is_err());
        }

        #[test]
        fn any_text_never_panics(s in "\\PC{0,20}") {
            let _ = TrackingCode::parse(&s);
        }
    }
}

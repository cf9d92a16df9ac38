//! The ten-digit postal code. The check is deliberately lenient: ten digits, none of the first five `0` or `2`.

use crate::error::ValidationError;
use crate::text::fold_digits;
use std::fmt;

#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct PostalCode([u8; 10]);

impl PostalCode {
    pub fn parse(input: &str) -> Result<Self, ValidationError> {
        let mut buf = [0u8; 10];
        let n =
            fold_digits(input, &mut buf).map_err(|_| invalid(input, "ten digits are required"))?;
        if n != 10 {
            return Err(invalid(input, "ten digits are required"));
        }
        if buf[..5].iter().any(|&c| c == b'0' || c == b'2') {
            return Err(invalid(
                input,
                "none of the first five digits may be 0 or 2",
            ));
        }
        Ok(Self(buf))
    }

    pub fn as_str(&self) -> &str {
        std::str::from_utf8(&self.0).unwrap_or("1111111111")
    }
}

fn invalid(input: &str, why: &str) -> ValidationError {
    let fa = if why.starts_with("ten") {
        "کد پستی ده رقم دارد"
    } else {
        "پنج رقم اول کد پستی نمی‌توانند ۰ یا ۲ باشند"
    };
    ValidationError::new(
        "invalid_postal_code",
        format!("{input:?} is not a postal code: {why}"),
        format!("«{input}» کد پستی نیست: {fa}"),
    )
}

impl fmt::Debug for PostalCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PostalCode({}*****)", &self.as_str()[..5])
    }
}

impl fmt::Display for PostalCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn lenient_shape_check() {
        assert_eq!(
            PostalCode::parse("13145-67890").unwrap().as_str(),
            "1314567890"
        );
        assert_eq!(
            PostalCode::parse("۱۳۱۴۵۶۷۸۹۰").unwrap().as_str(),
            "1314567890"
        );
        assert!(PostalCode::parse("1314567890").is_ok());
        assert!(PostalCode::parse("1304567890").is_err());
        assert!(PostalCode::parse("1324567890").is_err());
        assert!(PostalCode::parse("131456789").is_err());
        assert!(PostalCode::parse("13145678901").is_err());
        assert!(PostalCode::parse("1314a67890").unwrap_err().code == "invalid_postal_code");
    }

    proptest! {
        #[test]
        fn valid_shapes_accepted(head in "[13-9]{5}", tail in "[0-9]{5}") {
            let s = format!("{head}{tail}");
            let p = PostalCode::parse(&s).unwrap();
            prop_assert_eq!(p.as_str(), s.as_str());
        }

        #[test]
        fn any_input_never_panics(s in "\\PC{0,20}") {
            let _ = PostalCode::parse(&s);
        }
    }
}

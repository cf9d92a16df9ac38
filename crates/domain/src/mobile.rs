//! Iranian mobile numbers. Accepted in every usual form (`09…`, `+989…`, `00989…`, `989…`, `9…`), held in the
//! canonical `09XXXXXXXXX`. The operator prefix is only a hint: numbers move between operators.

use crate::error::ValidationError;
use std::fmt;

const CODE: &str = "invalid_mobile";

#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Mobile([u8; 11]);

impl Mobile {
    pub fn parse(input: &str) -> Result<Self, ValidationError> {
        shenas_text::normalize_mobile(input)
            .map(Self)
            .ok_or_else(|| invalid(input))
    }

    /// `09XXXXXXXXX`.
    pub fn as_str(&self) -> &str {
        std::str::from_utf8(&self.0).unwrap_or("09000000000")
    }

    /// `+989XXXXXXXXX`, the form SMS gateways want.
    pub fn international(&self) -> String {
        format!("+98{}", &self.as_str()[1..])
    }

    /// The form for logs: `0912****567` (see [`shenas_text::mask_phone`], the one masking).
    pub fn masked(&self) -> String {
        shenas_text::mask_phone(self.as_str())
    }
}

fn invalid(input: &str) -> ValidationError {
    ValidationError::new(
        CODE,
        format!("{input:?} is not an Iranian mobile number (09 followed by nine digits, or +989…)"),
        format!("«{input}» شمارهٔ همراه ایرانی نیست (۰۹ و نُه رقم دیگر، یا ‎+989…)"),
    )
}

impl fmt::Debug for Mobile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Mobile({})", self.masked())
    }
}

impl fmt::Display for Mobile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl serde::Serialize for Mobile {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn usual_forms_are_one_number() {
        for form in [
            "09121234567",
            "+989121234567",
            "00989121234567",
            "989121234567",
            "9121234567",
            "۰۹۱۲۱۲۳۴۵۶۷",
            "0912 123 4567",
            "0912-123-4567",
            "+98 (912) 123 4567",
        ] {
            assert_eq!(
                Mobile::parse(form).unwrap().as_str(),
                "09121234567",
                "{form}"
            );
        }
    }

    #[test]
    fn wrong_numbers_refused() {
        for bad in [
            "",
            "0912123456",
            "091212345678",
            "02112345678",
            "+9821234567",
            "0912abc4567",
            "9+121234567",
            "08121234567",
        ] {
            let e = Mobile::parse(bad).unwrap_err();
            assert_eq!(e.code, "invalid_mobile", "{bad}");
        }
    }

    #[test]
    fn masked_form() {
        let m = Mobile::parse("09121234567").unwrap();
        assert_eq!(m.masked(), "0912****567");
        assert_eq!(format!("{m:?}"), "Mobile(0912****567)");
        assert_eq!(m.international(), "+989121234567");
    }

    proptest! {
        #[test]
        fn every_form_gives_the_canonical(rest in "[0-9]{9}", form in 0usize..5) {
            let canonical = format!("09{rest}");
            let input = match form {
                0 => canonical.clone(),
                1 => format!("+989{rest}"),
                2 => format!("00989{rest}"),
                3 => format!("989{rest}"),
                _ => format!("9{rest}"),
            };
            let m = Mobile::parse(&input).unwrap();
            prop_assert_eq!(m.as_str(), canonical.as_str());
        }

        #[test]
        fn any_input_never_panics(s in "\\PC{0,20}") {
            if let Ok(m) = Mobile::parse(&s) {
                prop_assert!(m.as_str().starts_with("09") && m.as_str().len() == 11);
            }
        }
    }
}

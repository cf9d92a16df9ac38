//! Iranian mobile numbers: every usual form (`09…`, `+989…`, `00989…`, `989…`, `9…`, with Persian or
//! Arabic-Indic digits and separators) to the canonical `09XXXXXXXXX`, and the one masked form for logs.

use crate::digits::{digit_value, is_identifier_separator};

/// The canonical `09XXXXXXXXX` (as ASCII bytes) of an Iranian mobile number typed in any usual form, or `None`
/// for anything else (short codes, landlines, foreign numbers, letters). A leading `+` means the international
/// form only: `+98` and the number without its `0`.
pub fn normalize_mobile(input: &str) -> Option<[u8; 11]> {
    let input = input.trim();
    let mut digits = [0u8; 16];
    let mut n = 0;
    for (i, c) in input.chars().enumerate() {
        if let Some(d) = digit_value(c) {
            *digits.get_mut(n)? = b'0' + d;
            n += 1;
        } else if !(c == '+' && i == 0
            || is_identifier_separator(c)
            || matches!(c, '(' | ')' | '.'))
        {
            return None;
        }
    }
    let d = &digits[..n];
    if input.starts_with('+') && !d.starts_with(b"989") {
        return None;
    }
    let national: &[u8] = match d {
        [b'0', b'9', rest @ ..] if rest.len() == 9 => &d[1..],
        [b'0', b'0', b'9', b'8', b'9', rest @ ..] if rest.len() == 9 => &d[4..],
        [b'9', b'8', b'9', rest @ ..] if rest.len() == 9 => &d[2..],
        [b'9', rest @ ..] if rest.len() == 9 => d,
        _ => return None,
    };
    let mut out = [b'0'; 11];
    out[1..].copy_from_slice(national);
    Some(out)
}

/// The one masked form of a phone number in logs and on staff pages: an Iranian mobile number in any form
/// becomes `0912****567` (operator prefix and last three digits); anything else keeps at most its last two
/// characters (`***56`), so a masked value never reveals a whole number.
pub fn mask_phone(input: &str) -> String {
    if let Some(local) = normalize_mobile(input) {
        let s = String::from_utf8_lossy(&local);
        return format!("{}****{}", &s[..4], &s[8..]);
    }
    let chars: Vec<char> = input.trim().chars().collect();
    match chars.len() {
        0..=4 => "***".to_owned(),
        len => format!("***{}", chars[len - 2..].iter().collect::<String>()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn canonical(n: &str) -> Option<String> {
        normalize_mobile(n).map(|b| String::from_utf8_lossy(&b).into_owned())
    }

    #[test]
    fn usual_forms_are_one_number() {
        for n in [
            "09121234567",
            "9121234567",
            "989121234567",
            "+989121234567",
            "00989121234567",
            "۰۹۱۲۱۲۳۴۵۶۷",
            "٠٩١٢١٢٣٤٥٦٧",
            "+98 912 123 4567",
            "0912-123-4567",
            "(0912) 123.4567",
        ] {
            assert_eq!(canonical(n).as_deref(), Some("09121234567"), "{n}");
        }
        for n in [
            "6090",
            "0212345678",
            "+4915112345678",
            "+09121234567",
            "0912123456",
            "abc",
            "",
            "09121234567x",
        ] {
            assert_eq!(canonical(n), None, "{n}");
        }
    }

    #[test]
    fn one_mask() {
        for n in [
            "09121234567",
            "+989121234567",
            "989121234567",
            "۰۹۱۲۱۲۳۴۵۶۷",
        ] {
            assert_eq!(mask_phone(n), "0912****567", "{n}");
        }
        assert_eq!(mask_phone("6090"), "***");
        assert_eq!(mask_phone("123456"), "***56");
        assert_eq!(mask_phone(""), "***");
    }

    proptest! {
        #[test]
        fn never_panics_and_never_reveals(s in "\\PC{0,24}") {
            let masked = mask_phone(&s);
            if let Some(local) = canonical(&s) {
                prop_assert!(!masked.contains(&local[4..8]));
            }
        }
    }
}

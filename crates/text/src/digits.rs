//! Digits as people type and read them: ASCII, Persian (۰–۹, U+06F0…) and Arabic-Indic (٠–٩, U+0660…).

/// The value of an ASCII, Persian or Arabic-Indic digit.
#[inline]
pub fn digit_value(c: char) -> Option<u8> {
    match c {
        '0'..='9' => Some(c as u8 - b'0'),
        '\u{06F0}'..='\u{06F9}' => Some((c as u32 - 0x06F0) as u8),
        '\u{0660}'..='\u{0669}' => Some((c as u32 - 0x0660) as u8),
        _ => None,
    }
}

/// The Persian digit for `d` (taken modulo 10).
#[inline]
pub fn persian_digit(d: u8) -> char {
    const FA: [char; 10] = ['۰', '۱', '۲', '۳', '۴', '۵', '۶', '۷', '۸', '۹'];
    FA[usize::from(d % 10)]
}

/// Replaces every Persian or Arabic-Indic digit by its ASCII twin, leaving the rest.
pub fn to_ascii_digits(input: &str) -> String {
    input
        .chars()
        .map(|c| digit_value(c).map_or(c, |d| char::from(b'0' + d)))
        .collect()
}

/// Writes ASCII digits as Persian digits (for display to people), leaving the rest.
pub fn to_persian_digits(input: &str) -> String {
    input
        .chars()
        .map(|c| match c {
            '0'..='9' => persian_digit(c as u8 - b'0'),
            _ => c,
        })
        .collect()
}

/// Appends `n` in Persian digits, without padding or grouping.
pub fn push_persian_number(buf: &mut String, mut n: u64) {
    let mut tmp = [0u8; 20];
    let mut i = tmp.len();
    loop {
        i -= 1;
        tmp[i] = (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    buf.extend(tmp[i..].iter().map(|&d| persian_digit(d)));
}

/// Separators people put inside identifiers: spaces of every kind, dashes of every kind, ZWNJ and bidi marks.
#[inline]
pub fn is_identifier_separator(c: char) -> bool {
    matches!(
        c,
        ' ' | '\t'
            | '\u{00A0}'
            | '\u{200C}'
            | '\u{200F}'
            | '\u{200E}'
            | '\u{202F}'
            | '-'
            | '\u{2010}'
            | '\u{2011}'
            | '\u{2012}'
            | '\u{2013}'
            | '\u{2014}'
            | '\u{2212}'
            | '_'
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn both_ways() {
        assert_eq!(to_ascii_digits("کد ۰۰۱۲۳۴۵۶۷۸ و ٩"), "کد 0012345678 و 9");
        assert_eq!(to_persian_digits("1405/09/01"), "۱۴۰۵/۰۹/۰۱");
        let mut s = String::new();
        push_persian_number(&mut s, 0);
        push_persian_number(&mut s, 1_234_567_890);
        assert_eq!(s, "۰۱۲۳۴۵۶۷۸۹۰");
    }

    proptest! {
        #[test]
        fn persian_digits_fold_back(n in any::<u64>()) {
            let mut fa = String::new();
            push_persian_number(&mut fa, n);
            prop_assert_eq!(&fa, &to_persian_digits(&n.to_string()));
            prop_assert_eq!(to_ascii_digits(&fa), n.to_string());
        }
    }
}

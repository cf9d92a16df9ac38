//! Persian text as people type it: digit folding for identifiers, and name normalisation for matching.
//! Normalised forms are for comparison and search only; what a person typed is kept for display.

pub use shenas_text::{digit_value, is_identifier_separator, to_ascii_digits, to_persian_digits};

/// What went wrong when folding an identifier to ASCII digits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DigitsError {
    /// A character that is neither a digit nor a separator, and its 1-based position in the input.
    NotADigit { ch: char, position: usize },
    /// More digits than `max`.
    TooLong,
}

/// Folds an identifier to ASCII digits into `out`, skipping separators. Returns the digit count.
pub fn fold_digits(input: &str, out: &mut [u8]) -> Result<usize, DigitsError> {
    let mut n = 0;
    for (i, c) in input.chars().enumerate() {
        if let Some(d) = digit_value(c) {
            if n == out.len() {
                return Err(DigitsError::TooLong);
            }
            out[n] = b'0' + d;
            n += 1;
        } else if !is_identifier_separator(c) {
            return Err(DigitsError::NotADigit {
                ch: c,
                position: i + 1,
            });
        }
    }
    Ok(n)
}

/// Normalises a Persian name for matching: Arabic yeh and alef maksura become Persian yeh, Arabic kaf becomes
/// Persian kaf, teh marbuta and heh variants fold to heh, diacritics and tatweel vanish, ZWNJ and every kind of
/// space are removed, Latin letters are lowercased, digits become ASCII. Two names match when their normalised
/// forms are equal.
pub fn normalize_name(input: &str) -> String {
    let mut out = String::with_capacity(input.len());
    for c in input.chars() {
        let mapped = match c {
            'ي' | 'ى' | 'ئ' => 'ی',
            'ك' => 'ک',
            'ة' | 'ۀ' | 'ہ' => 'ه',
            'أ' | 'إ' | 'ٱ' => 'ا',
            'ؤ' => 'و',
            // Tatweel and Arabic diacritics (fathatan … sukun, superscript alef) carry nothing for matching.
            '\u{0640}' | '\u{064B}'..='\u{065F}' | '\u{0670}' => continue,
            c if c.is_whitespace()
                || matches!(c, '\u{200C}' | '\u{200D}' | '\u{200E}' | '\u{200F}') =>
            {
                continue
            }
            c => match digit_value(c) {
                Some(d) => (b'0' + d) as char,
                None => c,
            },
        };
        out.extend(mapped.to_lowercase());
    }
    out
}

/// The Unicode directional formatting characters that open a state running to the end of a paragraph or to a
/// closing character: embeddings and overrides (U+202A–U+202E) and isolates (U+2066–U+2069). In stored free text
/// they let a string reorder what is shown after it (an address that reads backwards, an office name that
/// swallows the next column). The single-character marks (U+200E LRM, U+200F RLM, U+061C ALM) hold no state and
/// stay allowed: Persian text uses them legitimately around numbers and Latin words.
#[inline]
pub fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// Text from storage for a plain-text screen (USSD, SMS) where no markup can isolate it: control characters and
/// directional formatting characters removed.
pub fn strip_controls(input: &str) -> String {
    input
        .chars()
        .filter(|&c| !c.is_control() && !is_bidi_control(c))
        .collect()
}

/// Trims and collapses runs of whitespace in free text kept for display (names, addresses), and maps the Arabic
/// yeh and kaf that Arabic keyboards produce to their Persian forms so that stored text is consistent.
pub fn tidy_display(input: &str) -> String {
    let mut out = String::with_capacity(input.len());
    let mut pending_space = false;
    for c in input.trim().chars() {
        if c.is_whitespace() {
            pending_space = true;
            continue;
        }
        if pending_space {
            out.push(' ');
            pending_space = false;
        }
        out.push(match c {
            'ي' | 'ى' => 'ی',
            'ك' => 'ک',
            c => c,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn directional_controls_are_told_and_stripped() {
        for c in [
            '\u{202A}', '\u{202B}', '\u{202C}', '\u{202D}', '\u{202E}', '\u{2066}', '\u{2069}',
        ] {
            assert!(is_bidi_control(c), "{c:?}");
        }
        for c in [
            '\u{200E}', '\u{200F}', '\u{200C}', 'a', 'ی', '\u{2065}', '\u{206A}',
        ] {
            assert!(!is_bidi_control(c), "{c:?}");
        }
        assert_eq!(
            strip_controls("\u{202E}خیابان\u{2066} ۱\u{0007}"),
            "خیابان ۱"
        );
    }

    #[test]
    fn digits_of_three_scripts_fold() {
        let mut buf = [0u8; 10];
        let n = fold_digits("۰۰۱-٢٣ 45", &mut buf).unwrap();
        assert_eq!(&buf[..n], b"0012345");
        assert_eq!(
            fold_digits("12a4", &mut buf),
            Err(DigitsError::NotADigit {
                ch: 'a',
                position: 3
            })
        );
        assert_eq!(
            fold_digits("12345678901", &mut buf),
            Err(DigitsError::TooLong)
        );
    }

    #[test]
    fn rust_parse_fails_on_persian_digits_but_we_do_not() {
        assert!("۱۲۳".parse::<u32>().is_err());
        assert_eq!(to_ascii_digits("۱۲۳"), "123");
        assert_eq!(to_persian_digits("1403"), "۱۴۰۳");
    }

    #[test]
    fn names_match_after_normalisation() {
        assert_eq!(normalize_name("علي"), normalize_name("علی"));
        assert_eq!(normalize_name("كاظم"), normalize_name("کاظم"));
        assert_eq!(
            normalize_name("فاطمه\u{200C}زهرا"),
            normalize_name("فاطمه زهرا")
        );
        assert_eq!(normalize_name("فاطمه  زهرا"), normalize_name("فاطمهزهرا"));
        assert_ne!(normalize_name("مریم"), normalize_name("مرجان"));
    }

    #[test]
    fn tidy_keeps_words_apart() {
        assert_eq!(tidy_display("  علي   رضا "), "علی رضا");
    }

    proptest! {
        #[test]
        fn normalisation_is_idempotent(s in "\\PC{0,40}") {
            let once = normalize_name(&s);
            prop_assert_eq!(normalize_name(&once), once.clone());
        }

        #[test]
        fn persian_digits_round_trip(n in 0u64..u64::MAX) {
            let s = n.to_string();
            prop_assert_eq!(to_ascii_digits(&to_persian_digits(&s)), s);
        }
    }
}

//! Names written in the Persian (Arabic) script, transliterated to the MRZ's `A`–`Z` by Doc 9303 Part 3's table
//! for the Arabic script (Table C and Appendix B: the reversible "X" scheme, where `X` marks the letters that
//! have no single Latin equivalent, e.g. `خ` → `XKH`). The table below is the Part 3 table for every letter a
//! Persian name can hold, including the Persian letters `پ چ ژ گ ک ی`.
//!
//! Rules beside the table (Part 3 Appendix B):
//! - `ة` is `XTA`, but `XAH` where it ends a name component;
//! - short-vowel marks (harakat), tanwin, shadda, sukun, the superscript alef and the tatweel are not written;
//! - the zero-width non-joiner (ZWNJ, U+200C) and joiner only shape a word: they are dropped, the word stays one
//!   component (`محمد‌رضا` and `محمدرضا` give the same MRZ);
//! - a space or hyphen separates components (`<` in the MRZ); apostrophes are dropped;
//! - Latin letters pass through in upper case (a name already given in Latin script).
//!
//! This module never guesses: a character outside the table is an error, never silently dropped. It applies the
//! table as printed (Arabic `ي`, `ك` keep their own values); [`crate::PersonName`] first reads them as Persian.

use crate::ChipError;

/// Doc 9303 Part 3, Table C (Arabic script), the letters of Persian and Arabic names.
pub const TABLE: &[(char, &str)] = &[
    ('\u{0621}', "XE"),  // ء hamza
    ('\u{0622}', "XAA"), // آ alef with madda above
    ('\u{0623}', "XAE"), // أ alef with hamza above
    ('\u{0624}', "U"),   // ؤ waw with hamza above
    ('\u{0625}', "I"),   // إ alef with hamza below
    ('\u{0626}', "XI"),  // ئ yeh with hamza above
    ('\u{0627}', "A"),   // ا alef
    ('\u{0628}', "B"),   // ب beh
    ('\u{0629}', "XTA"), // ة teh marbuta (XAH at the end of a component, see below)
    ('\u{062A}', "T"),   // ت teh
    ('\u{062B}', "XTH"), // ث theh
    ('\u{062C}', "J"),   // ج jeem
    ('\u{062D}', "XH"),  // ح hah
    ('\u{062E}', "XKH"), // خ khah
    ('\u{062F}', "D"),   // د dal
    ('\u{0630}', "XDH"), // ذ thal
    ('\u{0631}', "R"),   // ر reh
    ('\u{0632}', "Z"),   // ز zain
    ('\u{0633}', "S"),   // س seen
    ('\u{0634}', "XSH"), // ش sheen
    ('\u{0635}', "XSS"), // ص sad
    ('\u{0636}', "XDZ"), // ض dad
    ('\u{0637}', "XTT"), // ط tah
    ('\u{0638}', "XZZ"), // ظ zah
    ('\u{0639}', "E"),   // ع ain
    ('\u{063A}', "G"),   // غ ghain
    ('\u{0641}', "F"),   // ف feh
    ('\u{0642}', "Q"),   // ق qaf
    ('\u{0643}', "K"),   // ك kaf (Arabic)
    ('\u{0644}', "L"),   // ل lam
    ('\u{0645}', "M"),   // م meem
    ('\u{0646}', "N"),   // ن noon
    ('\u{0647}', "H"),   // ه heh
    ('\u{0648}', "W"),   // و waw
    ('\u{0649}', "XAY"), // ى alef maksura
    ('\u{064A}', "Y"),   // ي yeh (Arabic)
    ('\u{0671}', "XXA"), // ٱ alef wasla
    ('\u{067E}', "P"),   // پ peh
    ('\u{0686}', "XC"),  // چ tcheh
    ('\u{0698}', "XJ"),  // ژ jeh
    ('\u{06A9}', "XKK"), // ک keheh (the Persian kaf)
    ('\u{06AF}', "XGG"), // گ gaf
    ('\u{06C0}', "XYH"), // ۀ heh with yeh above
    ('\u{06CC}', "XYA"), // ی farsi yeh (the Persian yeh)
];

/// Marks that shape or vocalise a word but are not written in the MRZ.
fn is_silent(c: char) -> bool {
    matches!(
        c,
        '\u{064B}'
            ..='\u{0652}' // tanwin, fatha, damma, kasra, shadda, sukun
        | '\u{0654}' | '\u{0655}' // hamza above / below as combining marks
        | '\u{0670}' // superscript alef
        | '\u{0640}' // tatweel
        | '\u{200C}' | '\u{200D}' // ZWNJ, ZWJ
        | '\u{200E}' | '\u{200F}' // left-to-right and right-to-left marks
        | '\''
        | '\u{2019}'
    )
}

fn is_separator(c: char) -> bool {
    c.is_whitespace() || matches!(c, '-' | '\u{2010}' | '\u{2011}' | '\u{2013}' | ',')
}

fn table(c: char) -> Option<&'static str> {
    TABLE.iter().find(|(k, _)| *k == c).map(|(_, v)| *v)
}

/// The components of a name in MRZ characters (`A`–`Z` only), in order. An empty input gives no component.
pub fn components(name: &str) -> Result<Vec<String>, ChipError> {
    let mut out = Vec::new();
    let mut current = String::new();
    let mut chars = name.chars().peekable();
    while let Some(c) = chars.next() {
        if is_separator(c) {
            if !current.is_empty() {
                out.push(std::mem::take(&mut current));
            }
        } else if is_silent(c) {
        } else if c.is_ascii_alphabetic() {
            current.push(c.to_ascii_uppercase());
        } else if c == '\u{0629}' {
            // Teh marbuta: XAH where nothing but silent marks follow before the component ends.
            let rest_is_end = chars
                .clone()
                .find(|&n| !is_silent(n))
                .is_none_or(is_separator);
            current.push_str(if rest_is_end { "XAH" } else { "XTA" });
        } else if let Some(latin) = table(c) {
            current.push_str(latin);
        } else {
            return Err(ChipError::Name(format!(
                "the character {c:?} (U+{:04X}) has no MRZ transliteration",
                u32::from(c)
            )));
        }
    }
    if !current.is_empty() {
        out.push(current);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn t(s: &str) -> String {
        components(s).unwrap().join("<")
    }

    #[test]
    fn persian_letters() {
        assert_eq!(t("پ"), "P");
        assert_eq!(t("چ"), "XC");
        assert_eq!(t("ژ"), "XJ");
        assert_eq!(t("گ"), "XGG");
        assert_eq!(t("ک"), "XKK");
        assert_eq!(t("ی"), "XYA");
        // The Arabic kaf and yeh keep their own values: the table is reversible.
        assert_eq!(t("ك"), "K");
        assert_eq!(t("ي"), "Y");
    }

    #[test]
    fn names() {
        assert_eq!(t("محمد"), "MXHMD");
        assert_eq!(t("زهرا کریمی"), "ZHRA<XKKRXYAMXYA");
        assert_eq!(t("خسروشاهی"), "XKHSRWXSHAHXYA");
        assert_eq!(t("آرش"), "XAARXSH");
        assert_eq!(t("مؤمن"), "MUMN");
        assert_eq!(t("رئیسی"), "RXIXYASXYA");
        assert_eq!(t("اسماعیل"), "ASMAEXYAL");
        assert_eq!(t("ژاله"), "XJALH");
    }

    #[test]
    fn part3_worked_example_in_x_scheme() {
        // Doc 9303 Part 3 Appendix B: ابو بكر محمد بن زكريا الرازي → ABW<BKR<MXHMD<BN<ZKRYA<ALRAZY.
        assert_eq!(
            t("ابو بكر محمد بن زكريا الرازي"),
            "ABW<BKR<MXHMD<BN<ZKRYA<ALRAZY"
        );
    }

    #[test]
    fn zwnj_harakat_and_tatweel_are_silent() {
        assert_eq!(t("محمد\u{200C}رضا"), t("محمدرضا"));
        assert_eq!(t("مُحَمَّد"), "MXHMD");
        assert_eq!(t("محـــمد"), "MXHMD");
    }

    #[test]
    fn teh_marbuta_by_position() {
        assert_eq!(t("فاطمة"), "FAXTTMXAH");
        assert_eq!(t("فاطمةَ"), "FAXTTMXAH");
        assert_eq!(t("فاطمة زهرا"), "FAXTTMXAH<ZHRA");
        assert_eq!(t("ةا"), "XTAA");
    }

    #[test]
    fn hamza_forms() {
        assert_eq!(t("ء"), "XE");
        assert_eq!(t("أ"), "XAE");
        assert_eq!(t("إ"), "I");
        assert_eq!(t("ئ"), "XI");
    }

    #[test]
    fn separators_and_latin() {
        assert_eq!(t("  علی - اکبر "), "ELXYA<AXKKBR");
        assert_eq!(t("O'Connor"), "OCONNOR");
        assert_eq!(t("Anna-Maria"), "ANNA<MARIA");
        assert!(components("").unwrap().is_empty());
    }

    #[test]
    fn refuses_what_the_table_lacks() {
        assert!(components("علی۲").is_err());
        assert!(components("Zoë").is_err());
        assert!(components("名").is_err());
    }

    #[test]
    fn table_is_well_formed() {
        for (i, (c, latin)) in TABLE.iter().enumerate() {
            assert!(latin.bytes().all(|b| b.is_ascii_uppercase()), "{c}");
            assert!(TABLE[..i].iter().all(|(k, _)| k != c), "duplicate {c}");
        }
    }
}

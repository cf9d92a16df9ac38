//! The name field of the MRZ (line 3 of a TD1): the primary identifier (surname), `<<`, the secondary
//! identifiers (given names), components joined by `<`, padded with `<` to the field's width.
//!
//! Truncation when the name is too long (Doc 9303 Part 3 §4.6, the examples of Parts 4 and 5): the primary
//! identifier is kept whole as long as it fits, the secondary identifiers give way first.
//! 1. Secondary components are shortened one character at a time, the last component first, down to their
//!    initial, until the name fits; the field is then exactly full and its last character is a letter, which is
//!    how a reader tells that a name may have been truncated.
//! 2. If the initials alone do not fit, secondary components are dropped from the end.
//! 3. If the primary identifier alone is longer than the field, it is cut at the field's end.
//!
//! Nothing here transliterates: the components arrive in `A`–`Z` (see [`super::translit`]).

/// The name field, exactly `width` characters.
pub fn name_field(primary: &[String], secondary: &[String], width: usize) -> String {
    let mut secondary: Vec<String> = secondary.to_vec();
    let len = |secondary: &[String]| render(primary, secondary).len();
    for i in (0..secondary.len()).rev() {
        while len(&secondary) > width && secondary[i].len() > 1 {
            secondary[i].pop();
        }
    }
    while len(&secondary) > width && !secondary.is_empty() {
        secondary.pop();
    }
    let mut out = render(primary, &secondary);
    out.truncate(width);
    while out.len() < width {
        out.push('<');
    }
    out
}

fn render(primary: &[String], secondary: &[String]) -> String {
    let mut out = primary.join("<");
    if !secondary.is_empty() {
        out.push_str("<<");
        out.push_str(&secondary.join("<"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field(primary: &str, secondary: &str, width: usize) -> String {
        let split = |s: &str| -> Vec<String> {
            s.split(' ')
                .filter(|c| !c.is_empty())
                .map(String::from)
                .collect()
        };
        name_field(&split(primary), &split(secondary), width)
    }

    #[test]
    fn fits() {
        // The TD1 specimen of Doc 9303 Part 5.
        assert_eq!(
            field("ERIKSSON", "ANNA MARIA", 30),
            "ERIKSSON<<ANNA<MARIA<<<<<<<<<<"
        );
        assert_eq!(
            field("ERIKSSON", "", 30),
            format!("ERIKSSON{}", "<".repeat(22))
        );
        assert_eq!(
            field("VAN DER BERG", "JAN", 30),
            "VAN<DER<BERG<<JAN<<<<<<<<<<<<<"
        );
    }

    #[test]
    fn secondary_shortened_last_component_first() {
        // 30 characters wide: NILAVADHANANANDA<<CHAYAPA<DEJTHAMRONG needs 36.
        let f = field("NILAVADHANANANDA", "CHAYAPA DEJTHAMRONG KRASUANG", 30);
        assert_eq!(f.len(), 30);
        assert_eq!(f, "NILAVADHANANANDA<<CHAYAPA<DE<K");
        assert!(f.ends_with(|c: char| c.is_ascii_uppercase()));
    }

    #[test]
    fn secondary_dropped_when_initials_do_not_fit() {
        let f = field("ABCDEFGHIJKLMNOPQRSTUVWXYZA", "BB CC", 30);
        assert_eq!(f, "ABCDEFGHIJKLMNOPQRSTUVWXYZA<<B");
        let f = field("ABCDEFGHIJKLMNOPQRSTUVWXYZAB", "BB", 30);
        assert_eq!(f, "ABCDEFGHIJKLMNOPQRSTUVWXYZAB<<");
    }

    #[test]
    fn primary_cut_at_the_end() {
        let f = field("BENNELONG WOOLOOMOOLOO WARRANDYTE", "JOHN", 30);
        assert_eq!(f, "BENNELONG<WOOLOOMOOLOO<WARRAND");
    }
}

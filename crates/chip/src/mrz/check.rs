//! The check digit of Doc 9303 Part 3 §4.9: every character gets a value (`0`–`9` their own, `A`–`Z` 10–35,
//! the filler `<` 0), the values are weighted 7, 3, 1, 7, 3, 1, … from the left, and the check digit is the
//! sum modulo 10. Only MRZ characters are accepted: anything else is a bug in the caller, reported as `None`.

/// The value of one MRZ character, `None` outside `0-9`, `A-Z` and `<`.
pub fn char_value(c: u8) -> Option<u32> {
    match c {
        b'0'..=b'9' => Some(u32::from(c - b'0')),
        b'A'..=b'Z' => Some(u32::from(c - b'A') + 10),
        b'<' => Some(0),
        _ => None,
    }
}

/// The check digit (an ASCII digit) over `field`.
pub fn check_digit(field: &[u8]) -> Option<u8> {
    const WEIGHTS: [u32; 3] = [7, 3, 1];
    let mut sum = 0u32;
    for (i, &c) in field.iter().enumerate() {
        sum += char_value(c)? * WEIGHTS[i % 3];
    }
    // sum % 10 is below 10, so the cast cannot truncate.
    Some(b'0' + (sum % 10) as u8)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn cd(s: &str) -> char {
        char::from(check_digit(s.as_bytes()).unwrap())
    }

    #[test]
    fn part3_worked_examples() {
        // Doc 9303 Part 3 §4.9, example 1: a date of birth, 27 July 1952.
        // 5·7 + 2·3 + 0·1 + 7·7 + 2·3 + 7·1 = 103 → 3.
        assert_eq!(cd("520727"), '3');
        // Example 2: the document number AB2134 with fillers.
        // 10·7 + 11·3 + 2·1 + 1·7 + 3·3 + 4·1 + 0 + 0 + 0 = 125 → 5.
        assert_eq!(cd("AB2134<<<"), '5');
    }

    #[test]
    fn values_and_refusals() {
        assert_eq!(char_value(b'<'), Some(0));
        assert_eq!(char_value(b'A'), Some(10));
        assert_eq!(char_value(b'Z'), Some(35));
        assert_eq!(char_value(b'a'), None);
        assert_eq!(check_digit(b"12 4"), None);
        assert_eq!(check_digit(b""), Some(b'0'));
    }
}

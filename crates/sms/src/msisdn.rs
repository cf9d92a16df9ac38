//! Iranian mobile numbers (MSISDNs): normalising what operators and citizens type, the
//! international form Kannel is given, and masking for logs.

/// Replaces Persian (`۰`–`۹`) and Arabic-Indic (`٠`–`٩`) digits with ASCII digits; everything
/// else is kept as it is. Useful on the text of an incoming SMS (a citizen typing a tracking
/// code on a Persian keyboard) and on numbers.
pub fn ascii_digits(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '۰'..='۹' => char::from(b'0' + (c as u32 - '۰' as u32) as u8),
            '٠'..='٩' => char::from(b'0' + (c as u32 - '٠' as u32) as u8),
            _ => c,
        })
        .collect()
}

/// Normalises an Iranian mobile number to its local form `09xxxxxxxxx`.
///
/// Accepts `09121234567`, `9121234567`, `989121234567`, `+989121234567`, `00989121234567`,
/// with Persian or Arabic-Indic digits, spaces, dashes and parentheses. Anything that is not
/// an Iranian mobile number (short codes, alphanumeric senders, foreign numbers) is `None`.
pub fn normalize_msisdn(n: &str) -> Option<String> {
    let ascii = ascii_digits(n.trim());
    let mut digits = String::with_capacity(ascii.len());
    for (i, c) in ascii.chars().enumerate() {
        match c {
            '0'..='9' => digits.push(c),
            '+' if i == 0 => {}
            ' ' | '-' | '(' | ')' | '.' => {}
            _ => return None,
        }
    }
    let national = if let Some(rest) = digits.strip_prefix("0098") {
        rest
    } else if let Some(rest) = digits.strip_prefix("98").filter(|r| r.len() == 10) {
        rest
    } else if let Some(rest) = digits.strip_prefix('0') {
        rest
    } else {
        digits.as_str()
    };
    (national.len() == 10 && national.starts_with('9')).then(|| format!("0{national}"))
}

/// The international form without `+` (`989121234567`), which is what Iranian SMSCs behind
/// Kannel expect as the receiver. `None` when `n` is not an Iranian mobile number.
pub fn to_international(n: &str) -> Option<String> {
    normalize_msisdn(n).map(|local| format!("98{}", &local[1..]))
}

/// Masks a phone number for logs: the first four and last four characters stay, the middle
/// becomes `***` (`09121234567` → `0912***4567`). Short inputs keep at most their last two
/// characters, so a masked value never reveals a whole number.
pub fn mask_msisdn(n: &str) -> String {
    let chars: Vec<char> = n.trim().chars().collect();
    let len = chars.len();
    if len >= 9 {
        let head: String = chars[..4].iter().collect();
        let tail: String = chars[len - 4..].iter().collect();
        format!("{head}***{tail}")
    } else if len > 4 {
        let tail: String = chars[len - 2..].iter().collect();
        format!("***{tail}")
    } else {
        "***".to_string()
    }
}

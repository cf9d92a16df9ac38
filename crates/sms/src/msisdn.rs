//! Iranian mobile numbers (MSISDNs) as the gateway needs them: the local form of what operators and citizens
//! type, and the international form Kannel is given. The rules themselves (digit folding, the accepted forms,
//! the one masked form) are `shenas_text`'s, shared with the rest of the service.

pub use shenas_text::{mask_phone as mask_msisdn, to_ascii_digits as ascii_digits};

/// Normalises an Iranian mobile number to its local form `09xxxxxxxxx`.
///
/// Accepts `09121234567`, `9121234567`, `989121234567`, `+989121234567`, `00989121234567`,
/// with Persian or Arabic-Indic digits, spaces, dashes and parentheses. Anything that is not
/// an Iranian mobile number (short codes, alphanumeric senders, foreign numbers) is `None`.
pub fn normalize_msisdn(n: &str) -> Option<String> {
    shenas_text::normalize_mobile(n).map(|b| b.iter().map(|&d| char::from(d)).collect())
}

/// The international form without `+` (`989121234567`), which is what Iranian SMSCs behind
/// Kannel expect as the receiver. `None` when `n` is not an Iranian mobile number.
pub fn to_international(n: &str) -> Option<String> {
    normalize_msisdn(n).map(|local| format!("98{}", &local[1..]))
}

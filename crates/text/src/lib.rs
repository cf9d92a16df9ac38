//! The small text rules every crate of Shenas needs, written once: Persian and Arabic-Indic digits folded to
//! ASCII and back, the separators people put inside identifiers, and Iranian mobile numbers (their canonical
//! form and the one masked form logs use).
//!
//! No dependencies, no I/O, no allocation where a caller can avoid it: the leaf crates (SMS, receipt, captcha,
//! synthetic data) use it without pulling in the domain crate.

mod digits;
mod mobile;

pub use digits::{
    digit_value, is_identifier_separator, persian_digit, push_persian_number, to_ascii_digits,
    to_persian_digits,
};
pub use mobile::{mask_phone, normalize_mobile};

//! Checking what the counter office uploads at enrollment: the applicant's photo, signature
//! and ten fingerprints.
//!
//! Every function takes untrusted bytes and either returns the checked, normalised form
//! (the card-ready photo, the finger templates) or a [`FieldError`] naming the JSON field
//! (`photo`, `signature`, `fingerprints[3].data`, …), a stable contract code (see [`codes`])
//! and a precise reason in English and Persian. No input makes them panic: third-party
//! decoders are additionally run under `catch_unwind`, and image sizes are checked from the
//! headers before any pixel buffer is allocated.
//!
//! - [`check_photo`]: JPEG or PNG, ≤ 2 MiB, ≥ 300×400, about 3:4 portrait, not blank; gives the
//!   300×400 JPEG sent to the card manufacturer.
//! - [`check_signature`]: PNG, ≤ 512 KiB, 100×40 to 2000×1000, some ink.
//! - [`check_fingerprints`]: ten entries (ISO positions 1-10), ISO 19794-2 / ANSI 378 minutiae
//!   records or PNG / WSQ images, each turned into a matcher [`biometrics::Template`].
//! - [`check_probe`]: one finger presented at card pickup.
//! - `fixtures` (feature `fixtures`): deterministic test inputs for this and other crates.

mod fingerprints;
mod photo;
mod signature;
mod util;

#[cfg(feature = "fixtures")]
pub mod fixtures;

pub use domain::{FieldError, ValidationError};
pub use fingerprints::{
    check_fingerprints, check_probe, finger_name, Finger, FingerFormat, FingerInput, FingerStatus,
    FINGER_COUNT, IMAGE_MAX_BYTES, MIN_MINUTIAE, RECORD_MAX_BYTES,
};
pub use photo::{
    check_photo, Photo, PhotoFormat, CARD_HEIGHT, CARD_WIDTH, PHOTO_MAX_BYTES, PHOTO_MAX_PIXELS,
    PHOTO_MAX_RATIO, PHOTO_MIN_HEIGHT, PHOTO_MIN_RATIO, PHOTO_MIN_WIDTH,
};
pub use signature::{
    check_signature, Signature, SIGNATURE_MAX_BYTES, SIGNATURE_MAX_HEIGHT, SIGNATURE_MAX_WIDTH,
    SIGNATURE_MIN_HEIGHT, SIGNATURE_MIN_WIDTH,
};

/// The contract error codes this crate produces.
pub mod codes {
    /// The photo file is over [`crate::PHOTO_MAX_BYTES`] or its pixel count over
    /// [`crate::PHOTO_MAX_PIXELS`].
    pub const PHOTO_TOO_LARGE: &str = "photo_too_large";
    /// The photo is under 300×400 pixels.
    pub const PHOTO_TOO_SMALL: &str = "photo_too_small";
    /// The photo is not a portrait of about 3:4 (width/height 0.70-0.80).
    pub const PHOTO_WRONG_PROPORTIONS: &str = "photo_wrong_proportions";
    /// Not JPEG/PNG, undecodable, or blank.
    pub const PHOTO_UNREADABLE: &str = "photo_unreadable";
    /// The signature file is over [`crate::SIGNATURE_MAX_BYTES`].
    pub const SIGNATURE_TOO_LARGE: &str = "signature_too_large";
    /// Not a PNG, undecodable, wrong size, or blank.
    pub const SIGNATURE_UNREADABLE: &str = "signature_unreadable";
    /// The list of ten fingers is malformed (count, positions, status/format/data).
    pub const INVALID_FINGERPRINTS: &str = "invalid_fingerprints";
    /// One finger's record or image is malformed or belongs to another finger.
    pub const INVALID_FINGERPRINT: &str = "invalid_fingerprint";
    /// One finger's record or image is over its size limit.
    pub const FINGERPRINT_TOO_LARGE: &str = "fingerprint_too_large";
    /// One finger has fewer than [`crate::MIN_MINUTIAE`] minutiae.
    pub const FINGERPRINT_LOW_QUALITY: &str = "fingerprint_low_quality";
}

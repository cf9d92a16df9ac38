//! Shenas fingerprint biometrics engine.
//!
//! - [`record`]: ISO/IEC 19794-2:2005 and ANSI INCITS 378-2004 minutiae records, read and written.
//! - [`extract`]: minutiae from PNG, TIFF or WSQ images (NIST MINDTCT port), with a quality figure.
//! - [`fingers`]: a person's fingers (position, template) as one blob.
//! - [`Template`]: the compact, matcher-ready form of one finger, storable as bytes.
//! - [`matcher`]: a Minutia Cylinder-Code matcher (Cappelli, Ferrara, Maltoni 2010) with
//!   LSS-R global consolidation, and calibrated thresholds.
//! - [`gallery`]: the in-memory 1:N gallery with a pre-filter index and per-person fusion.
//! - [`synth`]: synthetic minutiae sets used as distractors in large galleries.
//! - [`eval`]: the FVC accuracy/speed evaluation (beside NIST Bozorth3) and the 1:N benchmark.
//!
//! The crate has no dependency on the rest of the product.

#![forbid(unsafe_code)]

pub mod eval;
pub mod extract;
pub mod fingers;
pub mod gallery;
pub mod matcher;
mod minutia;
pub mod record;
pub mod synth;
mod template;

pub use template::{Template, TemplateError, TemplateMinutia, FRAME_PX_PER_CM, MAX_MINUTIAE};

#[cfg(test)]
mod testdata;

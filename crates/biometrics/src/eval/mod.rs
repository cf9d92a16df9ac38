//! Evaluation: accuracy and speed of our matcher beside NIST Bozorth3 on the same templates
//! of FVC-layout sets (ISO records, and images through our extraction), threshold
//! calibration checked leave-one-set-out ([`calibrate`]), and the 1:N identification
//! benchmark ([`bench_identification`]).

pub mod bench;
pub mod calibrate;
pub mod clock;
pub mod fvc;
pub mod interval;
pub mod metrics;
mod run;

pub use bench::{bench_identification, BenchOptions, BenchReport, BenchRow};
pub use calibrate::Calibration;
pub use fvc::Frame;
pub use interval::Rate;
pub use metrics::Figures;
pub use run::{
    run_eval, EvalOptions, EvalReport, ImagesReport, MatcherPair, SetReport, SyntheticSpeed,
};

use crate::record::RecordError;
use std::fmt;
use std::path::PathBuf;

/// Why an evaluation could not run.
#[derive(Debug)]
pub enum EvalError {
    /// A file could not be read.
    Io(PathBuf, String),
    /// A record of the data set did not parse.
    Record(PathBuf, RecordError),
    /// The data set is not shaped as expected.
    Data(String),
}

impl fmt::Display for EvalError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EvalError::Io(p, e) => write!(f, "cannot read {}: {e}", p.display()),
            EvalError::Record(p, e) => write!(f, "{}: {e}", p.display()),
            EvalError::Data(m) => write!(f, "{m}"),
        }
    }
}

impl std::error::Error for EvalError {}

/// Bozorth3's minutiae for a template: y flipped upwards, angle in degrees kept as seen
/// (the frame's angle is measured with y downwards, so it is negated back).
pub fn bozorth_minutiae(t: &crate::Template) -> Vec<fprint_bozorth3::Minutia> {
    t.minutiae()
        .iter()
        .map(|m| fprint_bozorth3::Minutia {
            x: m.x.round() as i32,
            y: (2000.0 - m.y).round() as i32,
            theta: ((-m.angle).to_degrees().round() as i32).rem_euclid(360),
        })
        .collect()
}

/// Bozorth3's score under `catch_unwind` (the crate is known to panic on some real pairs);
/// `None` when it panicked.
pub fn bozorth_score(
    probe: &[fprint_bozorth3::Minutia],
    gallery: &[fprint_bozorth3::Minutia],
) -> Option<u32> {
    std::panic::catch_unwind(|| fprint_bozorth3::match_score(probe, gallery)).ok()
}

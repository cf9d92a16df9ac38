//! One minutia as the matcher holds it: position in the normalised frame, direction, kind and reliability. Its own module so
//! that the template (which builds cylinders) and the cylinders (which read minutiae) do not depend on each other.

use crate::record::MinutiaKind;

/// One minutia of a template.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TemplateMinutia {
    /// Column, pixels at 500 ppi.
    pub x: f32,
    /// Row, pixels at 500 ppi, y downwards.
    pub y: f32,
    /// Direction in radians in `[0, 2π)`, measured in the (x, y-down) frame.
    pub angle: f32,
    /// Ending, bifurcation or other.
    pub kind: MinutiaKind,
    /// Reliability 1-100 as the source reported it (the ISO/ANSI record's minutia quality, or
    /// the extractor's reliability × 100); 0 = not reported (then the minutia counts as
    /// fully reliable).
    pub quality: u8,
}

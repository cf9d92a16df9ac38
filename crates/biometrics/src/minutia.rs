//! One minutia as the matcher holds it: position in the normalised frame, direction and kind. Its own module so
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
}

//! Finger minutiae records: ISO/IEC 19794-2:2005 and ANSI INCITS 378-2004.
//!
//! [`MinutiaeRecord::parse`] reads either format (detected from the header) and
//! [`MinutiaeRecord::to_bytes`] writes it back byte for byte. The layout quirks of real
//! vendor records that the parser tolerates (extended-block length counted with or without
//! its own two bytes, zero padding after the last view, ANSI's long length form) are kept
//! in [`Encoding`] so that the round trip stays identical.

mod error;
mod parse;
mod write;

pub use error::RecordError;

/// Which standard a record follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RecordFormat {
    /// ISO/IEC 19794-2:2005 (4-byte record length, angle unit 360/256 degrees).
    Iso19794_2_2005,
    /// ANSI INCITS 378-2004 (2- or 6-byte record length, CBEFF product id, angle unit 2 degrees).
    Ansi378_2004,
}

impl RecordFormat {
    /// Degrees represented by one unit of the record's angle byte.
    pub fn angle_unit_degrees(self) -> f32 {
        match self {
            RecordFormat::Iso19794_2_2005 => 360.0 / 256.0,
            RecordFormat::Ansi378_2004 => 2.0,
        }
    }

    /// Largest valid angle byte for the format.
    pub fn max_angle(self) -> u8 {
        match self {
            RecordFormat::Iso19794_2_2005 => 255,
            RecordFormat::Ansi378_2004 => 179,
        }
    }
}

/// The type of a minutia, as coded in the two high bits of its x coordinate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MinutiaKind {
    /// Code 00: other / unknown.
    Other,
    /// Code 01: ridge ending.
    RidgeEnding,
    /// Code 10: ridge bifurcation.
    Bifurcation,
    /// Code 11: reserved by both standards; kept so that the record round-trips.
    Reserved,
}

impl MinutiaKind {
    pub(crate) fn from_bits(bits: u8) -> Self {
        match bits & 3 {
            0 => MinutiaKind::Other,
            1 => MinutiaKind::RidgeEnding,
            2 => MinutiaKind::Bifurcation,
            _ => MinutiaKind::Reserved,
        }
    }

    pub(crate) fn bits(self) -> u8 {
        match self {
            MinutiaKind::Other => 0,
            MinutiaKind::RidgeEnding => 1,
            MinutiaKind::Bifurcation => 2,
            MinutiaKind::Reserved => 3,
        }
    }
}

/// One minutia as stored in the record (pixel coordinates, y axis downwards).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Minutia {
    /// Ridge ending, bifurcation or other.
    pub kind: MinutiaKind,
    /// Column in pixels (14 bits).
    pub x: u16,
    /// Row in pixels, origin at the top (14 bits).
    pub y: u16,
    /// The two reserved high bits of the y field, kept for the round trip (normally 0).
    pub y_reserved: u8,
    /// Direction in the format's unit (see [`RecordFormat::angle_unit_degrees`]),
    /// counter-clockwise from the x axis.
    pub angle: u8,
    /// Minutia quality 0-100 (0 = not reported).
    pub quality: u8,
}

impl Minutia {
    /// Direction in radians in `[0, 2π)`, given the unit of the record it came from.
    pub fn angle_radians(&self, format: RecordFormat) -> f32 {
        (f32::from(self.angle) * format.angle_unit_degrees()).to_radians()
    }
}

/// One finger view: a finger position, an impression and its minutiae.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FingerView {
    /// Format of the record the view belongs to (gives the angle unit).
    pub format: RecordFormat,
    /// Finger position code (0 unknown, 1 right thumb … 10 left little).
    pub position: u8,
    /// View number (4 bits).
    pub view_number: u8,
    /// Impression type (4 bits: 0 live-scan plain, 1 live-scan rolled, …).
    pub impression_type: u8,
    /// Finger quality 0-100.
    pub quality: u8,
    /// Resolution of the coordinates, pixels per centimetre (copied from the record header).
    pub x_resolution: u16,
    /// Vertical resolution, pixels per centimetre.
    pub y_resolution: u16,
    /// The minutiae, in record order.
    pub minutiae: Vec<Minutia>,
    /// The extended data block's content (without its 2-byte length), `None` when its length
    /// is 0. Kept opaque so that ridge counts, cores/deltas or vendor data survive unchanged;
    /// see [`FingerView::extended_areas`] to read it.
    pub extended: Option<Vec<u8>>,
}

/// One area of an extended data block (type code and data).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExtendedArea<'a> {
    /// Type code (1 ridge counts, 2 cores and deltas, 3 zonal quality; others vendor-defined).
    pub type_code: u16,
    /// The area's data, without its 4-byte header.
    pub data: &'a [u8],
}

impl FingerView {
    /// Splits the extended data block into areas. Vendors disagree on whether an area's length
    /// counts its own 4-byte header; both readings are tried and the one that tiles the block
    /// exactly is returned. `None` when there is no block or neither reading is consistent.
    pub fn extended_areas(&self) -> Option<Vec<ExtendedArea<'_>>> {
        let block = self.extended.as_deref()?;
        split_areas(block, true).or_else(|| split_areas(block, false))
    }
}

fn split_areas(block: &[u8], len_includes_header: bool) -> Option<Vec<ExtendedArea<'_>>> {
    let mut areas = Vec::new();
    let mut at = 0usize;
    while at < block.len() {
        let head = block.get(at..at + 4)?;
        let type_code = u16::from_be_bytes([head[0], head[1]]);
        let len = usize::from(u16::from_be_bytes([head[2], head[3]]));
        let data_len = if len_includes_header {
            len.checked_sub(4)?
        } else {
            len
        };
        let data = block.get(at + 4..at + 4 + data_len)?;
        areas.push(ExtendedArea { type_code, data });
        at += 4 + data_len;
    }
    Some(areas)
}

/// Layout choices of the record's producer that carry no meaning but must be reproduced for
/// a byte-identical round trip.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Encoding {
    /// The extended-block length fields count their own 2 bytes (a common vendor reading).
    pub ext_len_includes_header: bool,
    /// ANSI only: the record length was written in the 6-byte form (0x0000 + 4 bytes).
    pub ansi_long_length: bool,
    /// Zero bytes after the last view that the record length field counts.
    pub padding_in_record: usize,
    /// Zero bytes after the end that the record length field declares.
    pub padding_after_record: usize,
}

/// A whole minutiae record: header fields and finger views.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MinutiaeRecord {
    /// ISO or ANSI.
    pub format: RecordFormat,
    /// ANSI only: CBEFF product identifier (owner << 16 | type); 0 for ISO.
    pub product_id: u32,
    /// Capture equipment: 4 bits of compliance and 12 bits of equipment id, as stored.
    pub capture_equipment: u16,
    /// Image width in pixels.
    pub width: u16,
    /// Image height in pixels.
    pub height: u16,
    /// Horizontal resolution, pixels per centimetre.
    pub x_resolution: u16,
    /// Vertical resolution, pixels per centimetre.
    pub y_resolution: u16,
    /// The reserved byte after the view count (normally 0).
    pub reserved: u8,
    /// Finger views, in record order.
    pub views: Vec<FingerView>,
    /// Layout quirks kept for the round trip.
    pub encoding: Encoding,
}

impl MinutiaeRecord {
    /// Parses a record, telling ISO from ANSI by the header's length field.
    ///
    /// Both start with `FMR\0 20\0`; ISO follows with a 4-byte record length, ANSI with a 2-byte
    /// one (or 0x0000 and 4 bytes). Both readings are tried; when only one parses it wins, when
    /// both do the one whose length field equals the buffer is preferred (ISO on a tie), and when
    /// neither does the error of the reading that got further is returned.
    pub fn parse(bytes: &[u8]) -> Result<Self, RecordError> {
        parse::parse_auto(bytes)
    }

    /// Parses a record in the given format only.
    pub fn parse_as(format: RecordFormat, bytes: &[u8]) -> Result<Self, RecordError> {
        parse::parse_format(format, bytes)
    }

    /// Serialises the record; a parsed record comes back byte for byte.
    pub fn to_bytes(&self) -> Vec<u8> {
        write::write(self)
    }
}

#[cfg(test)]
mod tests;

//! The face for DG2: the caller's JPEG, checked by reading its header, wrapped in an ISO/IEC 19794-5:2005 facial
//! record (the format ICAO readers parse; Doc 9303 Part 10 DG2 and Part 9).
//!
//! Record layout written (all integers big-endian):
//! ```text
//! header      "FAC\0" "010\0" record length (4) number of images (2) = 1
//! facial info block length (4) feature points (2) = 0, gender (1), eye colour (1) = 0, hair colour (1) = 0,
//!             feature mask (3) = 0, expression (2) = 0, pose angles (3) = 0, pose uncertainty (3) = 0
//! image info  face image type (1) = 1 full frontal, image data type (1) = 0 JPEG, width (2), height (2),
//!             colour space (1) = 1 RGB24 / 3 greyscale, source type (1) = 0, device type (2) = 0, quality (2) = 0
//! image data  the JPEG, byte for byte
//! ```
//! "Unspecified" (0) is written wherever the service does not measure the value; it never invents one. The JPEG
//! reader is fuzzed (`fuzz/fuzz_targets/jpeg_header.rs`): it only walks marker segments and never decodes pixels.

use crate::inputs::Sex;
use crate::ChipError;

/// The largest face image accepted (a chip holds a few tens of kilobytes; the card photo is ~30 KiB).
pub const MAX_FACE_BYTES: usize = 256 * 1024;

/// What the JPEG header says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct JpegInfo {
    pub width: u16,
    pub height: u16,
    /// Colour components (1 greyscale, 3 colour).
    pub components: u8,
}

fn bad(reason: &str) -> ChipError {
    ChipError::FaceImage(reason.into())
}

/// Reads the frame header (SOFn) of a JPEG: walks the marker segments from SOI to the first SOF.
pub fn jpeg_info(bytes: &[u8]) -> Result<JpegInfo, ChipError> {
    let mut rest = bytes
        .strip_prefix(&[0xFF, 0xD8])
        .ok_or_else(|| bad("not a JPEG (no SOI marker)"))?;
    loop {
        // Markers may be preceded by any number of 0xFF fill bytes.
        let at = rest
            .iter()
            .position(|&b| b != 0xFF)
            .ok_or_else(|| bad("no frame header before the end"))?;
        if at == 0 {
            return Err(bad("a segment does not start with a marker"));
        }
        let marker = rest[at];
        rest = &rest[at + 1..];
        match marker {
            0x01 | 0xD0..=0xD7 => continue,
            0xD8..=0xDA => return Err(bad("no frame header before the scan")),
            _ => {}
        }
        let (len, body) = rest
            .split_at_checked(2)
            .ok_or_else(|| bad("segment length cut short"))?;
        let len = usize::from(u16::from_be_bytes([len[0], len[1]]));
        let segment = body
            .get(
                ..len
                    .checked_sub(2)
                    .ok_or_else(|| bad("segment length below 2"))?,
            )
            .ok_or_else(|| bad("segment runs past the end"))?;
        let is_sof = matches!(marker, 0xC0..=0xCF) && !matches!(marker, 0xC4 | 0xC8 | 0xCC);
        if is_sof {
            let [_precision, h1, h0, w1, w0, components, ..] = *segment else {
                return Err(bad("frame header too short"));
            };
            let info = JpegInfo {
                width: u16::from_be_bytes([w1, w0]),
                height: u16::from_be_bytes([h1, h0]),
                components,
            };
            if info.width == 0 || info.height == 0 {
                return Err(bad("zero width or height"));
            }
            if !matches!(components, 1 | 3) {
                return Err(bad("neither greyscale nor three-component colour"));
            }
            return Ok(info);
        }
        rest = &body[segment.len()..];
    }
}

/// A face image checked for DG2.
#[derive(Clone, PartialEq, Eq)]
pub struct FaceImage {
    jpeg: Vec<u8>,
    info: JpegInfo,
}

impl std::fmt::Debug for FaceImage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "FaceImage({} bytes, {:?})", self.jpeg.len(), self.info)
    }
}

impl FaceImage {
    /// Takes a JPEG whose header reads and that ends with EOI.
    pub fn from_jpeg(jpeg: Vec<u8>) -> Result<Self, ChipError> {
        if jpeg.len() > MAX_FACE_BYTES {
            return Err(bad(&format!(
                "{} bytes, at most {MAX_FACE_BYTES}",
                jpeg.len()
            )));
        }
        let info = jpeg_info(&jpeg)?;
        if !jpeg.ends_with(&[0xFF, 0xD9]) {
            return Err(bad("no EOI marker at the end"));
        }
        Ok(Self { jpeg, info })
    }

    pub fn info(&self) -> JpegInfo {
        self.info
    }

    pub fn jpeg(&self) -> &[u8] {
        &self.jpeg
    }
}

/// Header (14) + facial information (20) + image information (12).
const FIXED: usize = 14 + 20 + 12;

/// The ISO/IEC 19794-5:2005 facial record holding `face`.
pub fn record(face: &FaceImage, sex: Sex) -> Vec<u8> {
    let total = FIXED + face.jpeg.len();
    let block = total - 14;
    let mut out = Vec::with_capacity(total);
    out.extend_from_slice(b"FAC\x00010\x00");
    // Both lengths fit: the image is at most MAX_FACE_BYTES.
    out.extend_from_slice(&(total as u32).to_be_bytes());
    out.extend_from_slice(&1u16.to_be_bytes());
    out.extend_from_slice(&(block as u32).to_be_bytes());
    out.extend_from_slice(&0u16.to_be_bytes()); // feature points
    out.push(match sex {
        Sex::Male => 1,
        Sex::Female => 2,
        Sex::Unspecified => 0,
    });
    out.extend_from_slice(&[0, 0]); // eye and hair colour: unspecified
    out.extend_from_slice(&[0, 0, 0]); // feature mask
    out.extend_from_slice(&[0, 0]); // expression: unspecified
    out.extend_from_slice(&[0, 0, 0, 0, 0, 0]); // pose angles and their uncertainty: unspecified
    out.push(1); // full frontal
    out.push(0); // JPEG
    out.extend_from_slice(&face.info.width.to_be_bytes());
    out.extend_from_slice(&face.info.height.to_be_bytes());
    out.push(if face.info.components == 1 { 3 } else { 1 });
    out.push(0); // source type: unspecified
    out.extend_from_slice(&[0, 0, 0, 0]); // device type, quality: unspecified
    out.extend_from_slice(&face.jpeg);
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn reads_a_real_jpeg() {
        let jpeg = intake::fixtures::photo_jpeg(300, 400, 1);
        let face = FaceImage::from_jpeg(jpeg.clone()).unwrap();
        assert_eq!(
            face.info(),
            JpegInfo {
                width: 300,
                height: 400,
                components: 3
            }
        );
        let rec = record(&face, Sex::Female);
        assert_eq!(&rec[..8], b"FAC\x00010\x00");
        assert_eq!(
            u32::from_be_bytes(rec[8..12].try_into().unwrap()) as usize,
            rec.len()
        );
        assert_eq!(u16::from_be_bytes([rec[12], rec[13]]), 1);
        assert_eq!(
            u32::from_be_bytes(rec[14..18].try_into().unwrap()) as usize,
            rec.len() - 14
        );
        assert_eq!(rec[20], 2, "gender female");
        assert_eq!(&rec[34..40], [1, 0, 0x01, 0x2C, 0x01, 0x90]);
        assert_eq!(rec[40], 1, "RGB24");
        assert_eq!(&rec[46..], &jpeg[..]);
    }

    #[test]
    fn refuses_what_is_not_a_jpeg() {
        assert!(FaceImage::from_jpeg(b"\x89PNG\r\n\x1a\n".to_vec()).is_err());
        assert!(FaceImage::from_jpeg(vec![0xFF, 0xD8, 0xFF, 0xD9]).is_err());
        let jpeg = intake::fixtures::photo_jpeg(300, 400, 1);
        assert!(FaceImage::from_jpeg(jpeg[..jpeg.len() - 2].to_vec()).is_err());
        assert!(FaceImage::from_jpeg(jpeg[..200].to_vec()).is_err());
        // A frame header claiming zero width.
        let sof = [
            0xFF, 0xD8, 0xFF, 0xC0, 0, 11, 8, 0, 10, 0, 0, 3, 1, 0x22, 0, 0xFF, 0xD9,
        ];
        assert!(FaceImage::from_jpeg(sof.to_vec()).is_err());
        let mut big = jpeg.clone();
        big.resize(MAX_FACE_BYTES + 1, 0);
        assert!(FaceImage::from_jpeg(big).is_err());
    }

    #[test]
    fn greyscale_and_fill_bytes() {
        let sof = [
            0xFF, 0xD8, 0xFF, 0xFF, 0xE0, 0, 4, 1, 2, 0xFF, 0xC2, 0, 11, 8, 0, 20, 0, 10, 1, 1,
            0x11, 0,
        ];
        let info = jpeg_info(&sof).unwrap();
        assert_eq!((info.width, info.height, info.components), (10, 20, 1));
    }
}

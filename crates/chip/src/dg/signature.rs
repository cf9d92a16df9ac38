//! The displayed signature for DG7. Doc 9303 Part 10 stores it as a JPEG (or JPEG 2000) image; enrollment keeps
//! the signature as a PNG (dark ink on a light background), so it is converted here once: decoded, flattened onto
//! white, turned greyscale, reduced by an integer factor to fit [`MAX_WIDTH`] × [`MAX_HEIGHT`] (a chip holds
//! kilobytes, a pad capture can be 2000 × 1000), and encoded as a baseline greyscale JPEG.
//! A JPEG given by the caller is only checked, never re-encoded.

use super::face::jpeg_info;
use crate::ChipError;

/// Largest width of the stored signature image, pixels.
pub const MAX_WIDTH: u32 = 600;
/// Largest height of the stored signature image, pixels.
pub const MAX_HEIGHT: u32 = 300;
/// Largest PNG accepted (enrollment accepts up to 512 KiB).
pub const MAX_PNG_BYTES: usize = 1024 * 1024;
const JPEG_QUALITY: u8 = 85;

/// A signature image ready for DG7 (JPEG bytes).
#[derive(Clone, PartialEq, Eq)]
pub struct SignatureImage {
    jpeg: Vec<u8>,
}

impl std::fmt::Debug for SignatureImage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SignatureImage({} bytes of JPEG)", self.jpeg.len())
    }
}

fn bad(reason: impl ToString) -> ChipError {
    ChipError::SignatureImage(reason.to_string())
}

impl SignatureImage {
    /// Takes a JPEG as it is, after checking its header.
    pub fn from_jpeg(jpeg: Vec<u8>) -> Result<Self, ChipError> {
        jpeg_info(&jpeg).map_err(bad)?;
        Ok(Self { jpeg })
    }

    /// Converts a PNG (any colour type and bit depth) to the stored greyscale JPEG.
    pub fn from_png(png_bytes: &[u8]) -> Result<Self, ChipError> {
        if png_bytes.len() > MAX_PNG_BYTES {
            return Err(bad(format!(
                "{} bytes of PNG, at most {MAX_PNG_BYTES}",
                png_bytes.len()
            )));
        }
        let (grey, w, h) = decode_grey(png_bytes)?;
        let (grey, w, h) = reduce(&grey, w, h);
        let mut jpeg = Vec::new();
        // w and h are at most MAX_WIDTH and MAX_HEIGHT after the reduction.
        jpeg_encoder::Encoder::new(&mut jpeg, JPEG_QUALITY)
            .encode(&grey, w as u16, h as u16, jpeg_encoder::ColorType::Luma)
            .map_err(bad)?;
        Ok(Self { jpeg })
    }

    pub fn jpeg(&self) -> &[u8] {
        &self.jpeg
    }
}

/// Greyscale pixels of a PNG, transparency flattened onto white.
fn decode_grey(bytes: &[u8]) -> Result<(Vec<u8>, u32, u32), ChipError> {
    let mut decoder = png::Decoder::new(bytes);
    decoder.set_transformations(png::Transformations::EXPAND | png::Transformations::STRIP_16);
    decoder.set_limits(png::Limits { bytes: 64 << 20 });
    let mut reader = decoder.read_info().map_err(bad)?;
    let (w, h) = (reader.info().width, reader.info().height);
    if w == 0 || h == 0 || w > 8000 || h > 8000 {
        return Err(bad(format!("{w}×{h} pixels")));
    }
    let mut buf = vec![0u8; reader.output_buffer_size()];
    let frame = reader.next_frame(&mut buf).map_err(bad)?;
    let luma = |r: u8, g: u8, b: u8| {
        ((299 * u32::from(r) + 587 * u32::from(g) + 114 * u32::from(b)) / 1000) as u8
    };
    let over_white =
        |v: u8, a: u8| ((u32::from(v) * u32::from(a) + 255 * (255 - u32::from(a))) / 255) as u8;
    let data = &buf[..frame.buffer_size()];
    let grey: Vec<u8> = match frame.color_type {
        png::ColorType::Grayscale => data.to_vec(),
        png::ColorType::GrayscaleAlpha => data
            .chunks_exact(2)
            .map(|p| over_white(p[0], p[1]))
            .collect(),
        png::ColorType::Rgb => data
            .chunks_exact(3)
            .map(|p| luma(p[0], p[1], p[2]))
            .collect(),
        png::ColorType::Rgba => data
            .chunks_exact(4)
            .map(|p| over_white(luma(p[0], p[1], p[2]), p[3]))
            .collect(),
        png::ColorType::Indexed => return Err(bad("palette left unexpanded")),
    };
    if grey.len() != (w as usize) * (h as usize) {
        return Err(bad("pixel data does not match the image size"));
    }
    Ok((grey, w, h))
}

/// Averages k × k blocks, with the smallest k that fits the image in MAX_WIDTH × MAX_HEIGHT.
fn reduce(grey: &[u8], w: u32, h: u32) -> (Vec<u8>, u32, u32) {
    let k = w.div_ceil(MAX_WIDTH).max(h.div_ceil(MAX_HEIGHT)).max(1);
    if k == 1 {
        return (grey.to_vec(), w, h);
    }
    let (nw, nh) = ((w / k).max(1), (h / k).max(1));
    let mut out = Vec::with_capacity((nw * nh) as usize);
    for y in 0..nh {
        for x in 0..nw {
            let mut sum = 0u32;
            let mut n = 0u32;
            for dy in 0..k {
                let row = ((y * k + dy).min(h - 1) * w) as usize;
                for dx in 0..k {
                    sum += u32::from(grey[row + (x * k + dx).min(w - 1) as usize]);
                    n += 1;
                }
            }
            out.push((sum / n) as u8);
        }
    }
    (out, nw, nh)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn png_becomes_a_greyscale_jpeg() {
        let png = intake::fixtures::signature_png();
        let s = SignatureImage::from_png(&png).unwrap();
        let info = jpeg_info(s.jpeg()).unwrap();
        assert_eq!(info.components, 1);
        assert!(u32::from(info.width) <= MAX_WIDTH && u32::from(info.height) <= MAX_HEIGHT);
        assert!(s.jpeg().ends_with(&[0xFF, 0xD9]));
    }

    #[test]
    fn large_signature_is_reduced_and_ink_survives() {
        // 1800 × 600, white with a black bar in the middle third of the rows.
        let (w, h) = (1800u32, 600u32);
        let mut pixels = vec![255u8; (w * h) as usize];
        for y in 200..400 {
            for x in 0..w {
                pixels[(y * w + x) as usize] = 0;
            }
        }
        let png = grey_png(&pixels, w, h);
        let s = SignatureImage::from_png(&png).unwrap();
        let info = jpeg_info(s.jpeg()).unwrap();
        assert_eq!((info.width, info.height), (600, 200));
        let (grey, rw, rh) = reduce(&pixels, w, h);
        assert_eq!((rw, rh), (600, 200));
        assert_eq!(grey[(100 * rw + 300) as usize], 0);
        assert_eq!(grey[(10 * rw + 300) as usize], 255);
    }

    fn grey_png(pixels: &[u8], w: u32, h: u32) -> Vec<u8> {
        let mut out = Vec::new();
        let mut enc = png::Encoder::new(&mut out, w, h);
        enc.set_color(png::ColorType::Grayscale);
        enc.set_depth(png::BitDepth::Eight);
        let mut writer = enc.write_header().unwrap();
        writer.write_image_data(pixels).unwrap();
        writer.finish().unwrap();
        out
    }

    #[test]
    fn transparency_is_flattened_onto_white() {
        // 2 × 1 RGBA: a transparent black pixel and an opaque black one.
        let mut out = Vec::new();
        let mut enc = png::Encoder::new(&mut out, 2, 1);
        enc.set_color(png::ColorType::Rgba);
        enc.set_depth(png::BitDepth::Eight);
        let mut writer = enc.write_header().unwrap();
        writer
            .write_image_data(&[0, 0, 0, 0, 0, 0, 0, 255])
            .unwrap();
        writer.finish().unwrap();
        let (grey, w, h) = decode_grey(&out).unwrap();
        assert_eq!((grey, w, h), (vec![255, 0], 2, 1));
    }

    #[test]
    fn refusals() {
        assert!(SignatureImage::from_png(b"not a png").is_err());
        assert!(SignatureImage::from_jpeg(b"not a jpeg".to_vec()).is_err());
        let png = intake::fixtures::signature_png();
        assert!(SignatureImage::from_png(&png[..png.len() / 2]).is_err());
    }
}

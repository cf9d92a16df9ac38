//! Minutiae extraction from fingerprint images: PNG, TIFF or WSQ bytes are decoded to
//! grayscale and passed to `fprint-mindtct` (a pure-Rust port of NIST's MINDTCT), whose
//! minutiae become a [`Template`] in the 500 ppi frame; a 0-100 quality figure comes with it.

mod image;
pub mod wsq;

pub use image::{decode, detect, dimensions, GrayImage, ImageFormat};

use crate::record::MinutiaKind;
use crate::template::{Template, TemplateMinutia};
use std::fmt;

/// Why an image gave no template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExtractError {
    /// The bytes are neither PNG, TIFF nor WSQ.
    UnknownFormat,
    /// The container could not be decoded.
    Image(String),
    /// The WSQ stream is malformed.
    Wsq(String),
    /// The image is outside what the detector can process (e.g. too small).
    Detector(String),
}

impl fmt::Display for ExtractError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ExtractError::UnknownFormat => {
                write!(
                    f,
                    "unknown image format: expected PNG, TIFF or WSQ magic bytes"
                )
            }
            ExtractError::Image(m) => write!(f, "image decoding failed: {m}"),
            ExtractError::Wsq(m) => write!(f, "WSQ decoding failed: {m}"),
            ExtractError::Detector(m) => write!(f, "minutiae detection refused the image: {m}"),
        }
    }
}

impl std::error::Error for ExtractError {}

/// Resolution assumed when the file does not state one.
pub const DEFAULT_PPI: u16 = 500;
/// Minutiae whose MINDTCT reliability is below this are dropped (0: all are kept and only the
/// `MAX_KEPT` cap applies; 10-40 were tried on the FVC data and did worse). The reliabilities
/// are kept in the template instead, and the matcher leaves the unreliable minutiae out of
/// pair selection only (`MatchParams::min_quality_pairs`).
pub const MIN_RELIABILITY: i32 = 0;
/// At most this many minutiae (the most reliable) are kept.
pub const MAX_KEPT: usize = 80;

/// Extracts a template and a quality figure (0-100) from PNG, TIFF or WSQ bytes.
pub fn extract(image_bytes: &[u8]) -> Result<(Template, u8), ExtractError> {
    let img = decode(image_bytes)?;
    extract_gray(&img)
}

/// Extracts from an already decoded image.
pub fn extract_gray(img: &GrayImage) -> Result<(Template, u8), ExtractError> {
    let ppi = img.ppi.filter(|&p| p >= 100).unwrap_or(DEFAULT_PPI);
    let gray = fprint_mindtct::GrayImage::new(&img.pixels, img.width, img.height, ppi)
        .map_err(|e| ExtractError::Detector(format!("{e:?}")))?;
    let mut found = fprint_mindtct::detect_minutiae(gray);
    found.sort_by(|a, b| {
        b.quality
            .cmp(&a.quality)
            .then(a.x.cmp(&b.x))
            .then(a.y.cmp(&b.y))
    });
    let quality = quality_figure(&found);
    let k = 500.0 / f32::from(ppi);
    let h = img.height as f32;
    let minutiae = found
        .iter()
        .filter(|m| m.quality >= MIN_RELIABILITY)
        .take(MAX_KEPT)
        .map(|m| TemplateMinutia {
            x: m.x as f32 * k,
            // MINDTCT's origin is bottom-left with y upwards; the frame's y goes down, which
            // mirrors the counter-clockwise angle.
            y: (h - m.y as f32) * k,
            angle: -(m.theta as f32).to_radians(),
            kind: MinutiaKind::Other,
            // MINDTCT's reliability × 100 (1 at the least), kept for the matcher.
            quality: m.quality.clamp(1, 100) as u8,
        })
        .collect();
    Ok((Template::from_minutiae(minutiae), quality))
}

/// Reliability from which the quality figure counts a minutia as reliable.
const RELIABLE: i32 = 20;

/// A 0-100 figure from the detector's own reliabilities: the mean reliability of the 40 most
/// reliable minutiae, scaled down when fewer than 25 reliable ones were found. A heuristic in
/// the spirit of NIST's minutiae-reliability measures, not NFIQ 2.
fn quality_figure(sorted: &[fprint_mindtct::Minutia]) -> u8 {
    let top: Vec<i32> = sorted
        .iter()
        .take(40)
        .map(|m| m.quality.clamp(0, 100))
        .collect();
    if top.is_empty() {
        return 0;
    }
    let mean = top.iter().sum::<i32>() as f32 / top.len() as f32;
    let reliable = sorted.iter().filter(|m| m.quality >= RELIABLE).count();
    let cover = (reliable as f32 / 25.0).min(1.0);
    (mean * cover).round().clamp(0.0, 100.0) as u8
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A synthetic ridge pattern (a loop) as PNG bytes.
    fn ridge_png(w: u32, h: u32) -> Vec<u8> {
        let mut px = Vec::with_capacity((w * h) as usize);
        for y in 0..h {
            for x in 0..w {
                let (dx, dy) = (x as f32 - w as f32 * 0.5, y as f32 - h as f32 * 0.4);
                let r = (dx * dx + dy * dy).sqrt();
                let v = 128.0 + 100.0 * (r * std::f32::consts::TAU / 9.0 + 0.02 * dx).cos();
                px.push(v.clamp(0.0, 255.0) as u8);
            }
        }
        let mut out = Vec::new();
        {
            let mut enc = png::Encoder::new(&mut out, w, h);
            enc.set_color(png::ColorType::Grayscale);
            enc.set_depth(png::BitDepth::Eight);
            let mut writer = enc.write_header().expect("header");
            writer.write_image_data(&px).expect("pixels");
        }
        out
    }

    #[test]
    fn png_is_detected_decoded_and_extracted() {
        let bytes = ridge_png(256, 300);
        assert_eq!(detect(&bytes), Some(ImageFormat::Png));
        let img = decode(&bytes).expect("decodes");
        assert_eq!((img.width, img.height), (256, 300));
        let (t, q) = extract(&bytes).expect("extracts");
        assert!(q <= 100);
        assert!(t.minutiae().len() <= MAX_KEPT);
    }

    #[test]
    fn unknown_and_broken_images_are_refused() {
        assert_eq!(extract(b"GIF89a...."), Err(ExtractError::UnknownFormat));
        let mut png = ridge_png(64, 64);
        png.truncate(png.len() / 2);
        assert!(matches!(extract(&png), Err(ExtractError::Image(_))));
        assert!(matches!(
            extract(b"II*\0\x08\0\0\0"),
            Err(ExtractError::Image(_))
        ));
        assert!(matches!(
            extract(&[0xff, 0xa0, 0xff]),
            Err(ExtractError::Wsq(_))
        ));
        let tiny = ridge_png(8, 8);
        assert!(matches!(extract(&tiny), Err(ExtractError::Detector(_))));
    }

    #[test]
    fn fvc_images_extract_and_match() {
        let Some(dir) = crate::testdata::fingerprints_dir() else {
            return;
        };
        let read = |name: &str| {
            let bytes = std::fs::read(dir.join("fvc2002/DB1_B").join(name)).expect("image");
            extract(&bytes).expect("extracts")
        };
        let (a1, qa) = read("101_1.tif");
        let (a2, _) = read("101_2.tif");
        let (b1, _) = read("102_1.tif");
        assert!(
            a1.minutiae().len() >= 12,
            "{} minutiae",
            a1.minutiae().len()
        );
        assert!(qa > 10, "quality {qa}");
        let genuine = crate::matcher::score(&a1, &a2);
        let impostor = crate::matcher::score(&a1, &b1);
        assert!(genuine > impostor, "genuine {genuine} impostor {impostor}");
    }
}

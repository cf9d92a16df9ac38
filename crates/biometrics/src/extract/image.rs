//! Decoding fingerprint images (PNG, TIFF, WSQ) to 8-bit grayscale, told apart by magic bytes.

use super::{wsq, ExtractError};
use std::io::Cursor;

/// Largest accepted side in pixels (a 1000 ppi rolled print is about 1600 pixels wide).
pub const MAX_SIDE: u32 = 8192;

/// An 8-bit grayscale image, row-major, 0 black.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GrayImage {
    /// Width in pixels.
    pub width: usize,
    /// Height in pixels.
    pub height: usize,
    /// Row-major pixels.
    pub pixels: Vec<u8>,
    /// Resolution in pixels per inch when the file says so.
    pub ppi: Option<u16>,
}

/// The container formats [`decode`] recognises.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImageFormat {
    /// PNG (`\x89PNG`).
    Png,
    /// TIFF, either byte order (`II*\0`, `MM\0*`).
    Tiff,
    /// FBI WSQ (SOI marker `FF A0`).
    Wsq,
}

/// Tells the format from the first bytes.
pub fn detect(bytes: &[u8]) -> Option<ImageFormat> {
    if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some(ImageFormat::Png)
    } else if bytes.starts_with(b"II*\0") || bytes.starts_with(b"MM\0*") {
        Some(ImageFormat::Tiff)
    } else if bytes.starts_with(&[0xff, 0xa0]) {
        Some(ImageFormat::Wsq)
    } else {
        None
    }
}

/// Decodes PNG, TIFF or WSQ bytes to grayscale.
pub fn decode(bytes: &[u8]) -> Result<GrayImage, ExtractError> {
    let img = match detect(bytes) {
        Some(ImageFormat::Png) => decode_png(bytes)?,
        Some(ImageFormat::Tiff) => decode_tiff(bytes)?,
        Some(ImageFormat::Wsq) => wsq::decode(bytes)?,
        None => return Err(ExtractError::UnknownFormat),
    };
    if img.width as u64 > u64::from(MAX_SIDE) || img.height as u64 > u64::from(MAX_SIDE) {
        return Err(ExtractError::Image(format!(
            "{}x{} exceeds the {MAX_SIDE}-pixel limit",
            img.width, img.height
        )));
    }
    Ok(img)
}

fn to_gray(samples: &[u8], channels: usize) -> Vec<u8> {
    match channels {
        1 => samples.to_vec(),
        2 => samples.chunks_exact(2).map(|c| c[0]).collect(),
        _ => samples
            .chunks_exact(channels)
            .map(|c| {
                ((u32::from(c[0]) * 299 + u32::from(c[1]) * 587 + u32::from(c[2]) * 114) / 1000)
                    as u8
            })
            .collect(),
    }
}

fn decode_png(bytes: &[u8]) -> Result<GrayImage, ExtractError> {
    let err = |e: png::DecodingError| ExtractError::Image(format!("PNG: {e}"));
    let mut dec = png::Decoder::new_with_limits(
        Cursor::new(bytes),
        png::Limits {
            bytes: (MAX_SIDE as usize) * (MAX_SIDE as usize) * 4,
        },
    );
    dec.set_transformations(png::Transformations::EXPAND | png::Transformations::STRIP_16);
    let mut reader = dec.read_info().map_err(err)?;
    let mut buf = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut buf).map_err(err)?;
    let channels = info.color_type.samples();
    let ppi = reader.info().pixel_dims.and_then(|d| {
        (d.unit == png::Unit::Meter).then(|| (f64::from(d.xppu) * 0.0254).round() as u16)
    });
    let (w, h) = (info.width as usize, info.height as usize);
    let mut pixels = Vec::with_capacity(w * h);
    for row in buf[..info.buffer_size()].chunks_exact(info.line_size) {
        pixels.extend(to_gray(&row[..w * channels], channels));
    }
    Ok(GrayImage {
        width: w,
        height: h,
        pixels,
        ppi,
    })
}

fn decode_tiff(bytes: &[u8]) -> Result<GrayImage, ExtractError> {
    use tiff::decoder::{Decoder, DecodingResult, Limits};
    use tiff::ColorType;
    let err = |e: tiff::TiffError| ExtractError::Image(format!("TIFF: {e}"));
    let mut limits = Limits::default();
    limits.decoding_buffer_size = (MAX_SIDE as usize) * (MAX_SIDE as usize) * 4;
    let mut dec = Decoder::new(Cursor::new(bytes))
        .map_err(err)?
        .with_limits(limits);
    let (w, h) = dec.dimensions().map_err(err)?;
    let colour = dec.colortype().map_err(err)?;
    let channels = match colour {
        ColorType::Gray(_) => 1,
        ColorType::GrayA(_) => 2,
        ColorType::RGB(_) => 3,
        ColorType::RGBA(_) => 4,
        other => {
            return Err(ExtractError::Image(format!(
                "TIFF colour type {other:?} is not supported"
            )))
        }
    };
    let samples: Vec<u8> = match dec.read_image().map_err(err)? {
        DecodingResult::U8(v) => v,
        DecodingResult::U16(v) => v.iter().map(|s| (s >> 8) as u8).collect(),
        _ => {
            return Err(ExtractError::Image(
                "TIFF sample format is not 8 or 16-bit unsigned".into(),
            ))
        }
    };
    let (w, h) = (w as usize, h as usize);
    if samples.len() < w * h * channels {
        return Err(ExtractError::Image(
            "TIFF: fewer samples than pixels".into(),
        ));
    }
    Ok(GrayImage {
        width: w,
        height: h,
        pixels: to_gray(&samples[..w * h * channels], channels),
        ppi: None,
    })
}

/// Width and height of a TIFF or PNG without decoding its pixels (used by the evaluation to
/// undo the stretched frame of the FVC records).
pub fn dimensions(bytes: &[u8]) -> Result<(usize, usize), ExtractError> {
    match detect(bytes) {
        Some(ImageFormat::Tiff) => {
            let mut dec = tiff::decoder::Decoder::new(Cursor::new(bytes))
                .map_err(|e| ExtractError::Image(format!("TIFF: {e}")))?;
            let (w, h) = dec
                .dimensions()
                .map_err(|e| ExtractError::Image(format!("TIFF: {e}")))?;
            Ok((w as usize, h as usize))
        }
        _ => decode(bytes).map(|g| (g.width, g.height)),
    }
}

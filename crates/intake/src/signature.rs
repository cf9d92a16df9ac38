//! The applicant's signature: a PNG scan or pad capture of dark ink on a light background.

use crate::codes::{SIGNATURE_TOO_LARGE, SIGNATURE_UNREADABLE};
use crate::util::{fa, no_panic, png_dimensions, refuse, size_words, sniff, Sniffed};
use domain::FieldError;
use image::{DynamicImage, ImageDecoder, ImageReader, Limits};
use std::io::Cursor;

const FIELD: &str = "signature";

/// Largest accepted signature file: 512 KiB.
pub const SIGNATURE_MAX_BYTES: usize = 512 * 1024;
/// Smallest accepted width in pixels.
pub const SIGNATURE_MIN_WIDTH: u32 = 100;
/// Smallest accepted height in pixels.
pub const SIGNATURE_MIN_HEIGHT: u32 = 40;
/// Largest accepted width in pixels.
pub const SIGNATURE_MAX_WIDTH: u32 = 2000;
/// Largest accepted height in pixels.
pub const SIGNATURE_MAX_HEIGHT: u32 = 1000;

/// Luminance below which a pixel counts as ink.
const INK_LEVEL: u32 = 128;
/// Fewest ink pixels: at least this many, and at least 1/2000 of the image.
const MIN_INK_PIXELS: u64 = 20;
/// Most ink: above this share of the image it is not a signature on a light background.
const MAX_INK_SHARE: f64 = 0.5;

/// An accepted signature.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Signature {
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// Number of ink (dark) pixels found.
    pub ink_pixels: u64,
}

fn unreadable(en: String, fa_msg: String) -> FieldError {
    refuse(FIELD, SIGNATURE_UNREADABLE, en, fa_msg)
}

/// Checks an uploaded signature image; every refusal has the field `signature`.
pub fn check_signature(bytes: &[u8]) -> Result<Signature, FieldError> {
    if bytes.len() > SIGNATURE_MAX_BYTES {
        let (en, fa_size) = size_words(bytes.len());
        let (max_en, max_fa) = size_words(SIGNATURE_MAX_BYTES);
        return Err(refuse(
            FIELD,
            SIGNATURE_TOO_LARGE,
            format!("the signature file is {en}; at most {max_en} is accepted"),
            format!("حجم فایل امضا {fa_size} است؛ حداکثر {max_fa} پذیرفته می‌شود"),
        ));
    }
    match sniff(bytes) {
        Sniffed::Png => {}
        Sniffed::Jpeg => {
            return Err(unreadable(
                "the signature is a JPEG file; only PNG signatures are accepted".into(),
                "فایل امضا از نوع JPEG است؛ فقط امضا با قالب PNG پذیرفته می‌شود".into(),
            ))
        }
        Sniffed::Other(name) => {
            return Err(unreadable(
                format!("the signature is a {name} file; only PNG signatures are accepted"),
                format!("فایل امضا از نوع {name} است؛ فقط امضا با قالب PNG پذیرفته می‌شود"),
            ))
        }
        Sniffed::Wsq | Sniffed::Unknown => {
            return Err(unreadable(
                if bytes.is_empty() {
                    "the signature file is empty; a PNG image is required".into()
                } else {
                    "the signature is not a PNG image (unrecognised file signature); only PNG signatures are accepted".into()
                },
                if bytes.is_empty() {
                    "فایل امضا خالی است؛ تصویر PNG لازم است".into()
                } else {
                    "فایل امضا تصویر PNG نیست (نوع فایل شناخته نشد)؛ فقط امضا با قالب PNG پذیرفته می‌شود".into()
                },
            ))
        }
    }
    // The header's size is checked before anything is decoded.
    if let Some((w, h)) = png_dimensions(bytes) {
        check_size(w, h)?;
    }
    let img = match no_panic(|| decode(bytes)) {
        Ok(Ok(img)) => img,
        Ok(Err(why)) => return Err(damaged(&why)),
        Err(()) => return Err(damaged("the decoder failed on this file")),
    };
    let (width, height) = (img.width(), img.height());
    check_size(width, height)?;
    let rgba = img.into_rgba8();
    let ink = rgba
        .pixels()
        .filter(|p| {
            let [r, g, b, a] = p.0;
            let l = (u32::from(r) * 299 + u32::from(g) * 587 + u32::from(b) * 114) / 1000;
            // Composited over white: transparent pixels are paper.
            let a = u32::from(a);
            (l * a + 255 * (255 - a)) / 255 < INK_LEVEL
        })
        .count() as u64;
    let total = u64::from(width) * u64::from(height);
    let min_ink = MIN_INK_PIXELS.max(total / 2000);
    if ink < min_ink {
        return Err(unreadable(
            format!(
                "the signature image is blank: {ink} dark pixels found, at least {min_ink} expected for a {width}×{height} image"
            ),
            format!(
                "تصویر امضا خالی است: {} پیکسل تیره پیدا شد، برای تصویری {}×{} دست‌کم {} لازم است",
                fa(ink),
                fa(width),
                fa(height),
                fa(min_ink)
            ),
        ));
    }
    let share = ink as f64 / total as f64;
    if share > MAX_INK_SHARE {
        let pct = (share * 100.0).round();
        return Err(unreadable(
            format!(
                "the signature image is mostly dark ({pct}% of pixels); dark ink on a light background is expected"
            ),
            format!(
                "تصویر امضا بیشتر تیره است ({} درصد پیکسل‌ها)؛ امضا باید با جوهر تیره روی زمینهٔ روشن باشد",
                fa(pct)
            ),
        ));
    }
    Ok(Signature {
        width,
        height,
        ink_pixels: ink,
    })
}

fn damaged(why: &str) -> FieldError {
    unreadable(
        format!(
            "the PNG signature could not be decoded ({why}); the file is damaged or incomplete"
        ),
        format!("تصویر PNG امضا قابل خواندن نیست؛ فایل خراب یا ناقص است ({why})"),
    )
}

fn check_size(w: u32, h: u32) -> Result<(), FieldError> {
    if (SIGNATURE_MIN_WIDTH..=SIGNATURE_MAX_WIDTH).contains(&w)
        && (SIGNATURE_MIN_HEIGHT..=SIGNATURE_MAX_HEIGHT).contains(&h)
    {
        return Ok(());
    }
    Err(unreadable(
        format!(
            "the signature image is {w}×{h} pixels; between {SIGNATURE_MIN_WIDTH}×{SIGNATURE_MIN_HEIGHT} and {SIGNATURE_MAX_WIDTH}×{SIGNATURE_MAX_HEIGHT} (width×height) is required"
        ),
        format!(
            "ابعاد تصویر امضا {}×{} پیکسل است؛ باید بین {}×{} و {}×{} پیکسل (عرض×ارتفاع) باشد",
            fa(w),
            fa(h),
            fa(SIGNATURE_MIN_WIDTH),
            fa(SIGNATURE_MIN_HEIGHT),
            fa(SIGNATURE_MAX_WIDTH),
            fa(SIGNATURE_MAX_HEIGHT)
        ),
    ))
}

fn decode(bytes: &[u8]) -> Result<DynamicImage, String> {
    let mut limits = Limits::default();
    limits.max_image_width = Some(SIGNATURE_MAX_WIDTH);
    limits.max_image_height = Some(SIGNATURE_MAX_HEIGHT);
    // 16-bit RGBA at the largest size, plus headroom.
    limits.max_alloc = Some(u64::from(SIGNATURE_MAX_WIDTH * SIGNATURE_MAX_HEIGHT) * 8 + (1 << 20));
    let mut reader = ImageReader::with_format(Cursor::new(bytes), image::ImageFormat::Png);
    reader.limits(limits);
    let decoder = reader.into_decoder().map_err(|e| e.to_string())?;
    let (w, h) = decoder.dimensions();
    check_size(w, h).map_err(|e| e.error.message_en)?;
    DynamicImage::from_decoder(decoder).map_err(|e| e.to_string())
}

//! The applicant's photo: JPEG or PNG, checked for size, resolution, proportions and content,
//! and re-encoded as the 300×400 JPEG the card manufacturer prints.

use crate::codes::{PHOTO_TOO_LARGE, PHOTO_TOO_SMALL, PHOTO_UNREADABLE, PHOTO_WRONG_PROPORTIONS};
use crate::util::{fa, mean_std, no_panic, refuse, size_words, sniff, Sniffed};
use domain::FieldError;
use image::metadata::Orientation;
use image::{DynamicImage, ImageDecoder, ImageError, ImageReader, Limits, RgbImage};
use serde::{Deserialize, Serialize};
use std::io::Cursor;

const FIELD: &str = "photo";

/// Largest accepted photo file: 2 MiB.
pub const PHOTO_MAX_BYTES: usize = 2 * 1024 * 1024;
/// Largest accepted pixel count (12 megapixels, e.g. 3000×4000, more than a counter's camera takes for a card
/// photo of 300×400): bounds decoding memory to about 48 MB a photo (security review F10).
pub const PHOTO_MAX_PIXELS: u64 = 12_000_000;
/// Smallest accepted width in pixels.
pub const PHOTO_MIN_WIDTH: u32 = 300;
/// Smallest accepted height in pixels.
pub const PHOTO_MIN_HEIGHT: u32 = 400;
/// Smallest accepted width/height ratio.
pub const PHOTO_MIN_RATIO: f64 = 0.70;
/// Largest accepted width/height ratio.
pub const PHOTO_MAX_RATIO: f64 = 0.80;
/// Width of the photo sent to the card manufacturer.
pub const CARD_WIDTH: u32 = 300;
/// Height of the photo sent to the card manufacturer.
pub const CARD_HEIGHT: u32 = 400;

/// Largest side the decoder will even look at.
const MAX_SIDE: u32 = 16_384;
/// Decoder memory limit: the largest accepted image as RGBA 8-bit, plus headroom.
const MAX_ALLOC: u64 = PHOTO_MAX_PIXELS * 4 + 16 * 1024 * 1024;
/// Below this luminance standard deviation (0-255 scale) an image counts as blank.
const BLANK_STD: f64 = 4.0;
/// JPEG quality of the card photo, and the lower ones tried when it comes out too big.
const CARD_QUALITIES: [u8; 4] = [85, 75, 65, 50];
/// Target size of the card photo; a larger encoding is retried at a lower quality.
const CARD_TARGET_BYTES: usize = 30 * 1024;

/// The container format of the uploaded photo.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PhotoFormat {
    Jpeg,
    Png,
}

impl PhotoFormat {
    /// The contract name (`jpeg`, `png`).
    pub fn as_str(self) -> &'static str {
        match self {
            PhotoFormat::Jpeg => "jpeg",
            PhotoFormat::Png => "png",
        }
    }

    /// Reads a contract name.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "jpeg" => Some(PhotoFormat::Jpeg),
            "png" => Some(PhotoFormat::Png),
            _ => None,
        }
    }

    /// The MIME type.
    pub fn mime_type(self) -> &'static str {
        match self {
            PhotoFormat::Jpeg => "image/jpeg",
            PhotoFormat::Png => "image/png",
        }
    }

    fn name(self) -> &'static str {
        match self {
            PhotoFormat::Jpeg => "JPEG",
            PhotoFormat::Png => "PNG",
        }
    }
}

/// An accepted photo.
#[derive(Clone, PartialEq, Eq)]
pub struct Photo {
    /// Width of the upload in pixels, after its EXIF orientation is applied.
    pub width: u32,
    /// Height of the upload in pixels, after its EXIF orientation is applied.
    pub height: u32,
    /// Format of the upload.
    pub format: PhotoFormat,
    /// The photo cropped to 3:4 (centred), scaled to [`CARD_WIDTH`]×[`CARD_HEIGHT`] and
    /// encoded as a baseline JPEG of quality 85 (lower if that exceeds 30 KiB).
    pub card_jpeg: Vec<u8>,
}

impl std::fmt::Debug for Photo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Photo")
            .field("width", &self.width)
            .field("height", &self.height)
            .field("format", &self.format)
            .field("card_jpeg_bytes", &self.card_jpeg.len())
            .finish()
    }
}

const ACCEPTED_EN: &str = "only JPEG or PNG photos are accepted";
const ACCEPTED_FA: &str = "فقط عکس با قالب JPEG یا PNG پذیرفته می‌شود";

/// Checks an uploaded photo and produces the card photo. See the crate documentation for the
/// rules; every refusal has the field `photo`.
pub fn check_photo(bytes: &[u8]) -> Result<Photo, FieldError> {
    if bytes.len() > PHOTO_MAX_BYTES {
        let (en, fa_size) = size_words(bytes.len());
        let (max_en, max_fa) = size_words(PHOTO_MAX_BYTES);
        return Err(refuse(
            FIELD,
            PHOTO_TOO_LARGE,
            format!("the photo file is {en}; at most {max_en} is accepted"),
            format!("حجم فایل عکس {fa_size} است؛ حداکثر {max_fa} پذیرفته می‌شود"),
        ));
    }
    if bytes.is_empty() {
        return Err(refuse(
            FIELD,
            PHOTO_UNREADABLE,
            format!("the photo file is empty; {ACCEPTED_EN}"),
            format!("فایل عکس خالی است؛ {ACCEPTED_FA}"),
        ));
    }
    let format = match sniff(bytes) {
        Sniffed::Jpeg => PhotoFormat::Jpeg,
        Sniffed::Png => PhotoFormat::Png,
        Sniffed::Other(name) => {
            return Err(refuse(
                FIELD,
                PHOTO_UNREADABLE,
                format!("the photo is a {name} file; {ACCEPTED_EN}"),
                format!("فایل عکس از نوع {name} است؛ {ACCEPTED_FA}"),
            ))
        }
        Sniffed::Wsq | Sniffed::Unknown => {
            return Err(refuse(
                FIELD,
                PHOTO_UNREADABLE,
                format!(
                "the photo is not a JPEG or PNG image (unrecognised file signature); {ACCEPTED_EN}"
            ),
                format!("فایل عکس تصویر JPEG یا PNG نیست (نوع فایل شناخته نشد)؛ {ACCEPTED_FA}"),
            ))
        }
    };
    match no_panic(|| check_decoded(bytes, format)) {
        Ok(r) => r,
        Err(()) => Err(undecodable(format, "the decoder failed on this file")),
    }
}

fn undecodable(format: PhotoFormat, why: &str) -> FieldError {
    let name = format.name();
    refuse(
        FIELD,
        PHOTO_UNREADABLE,
        format!("the {name} photo could not be decoded ({why}); the file is damaged or incomplete"),
        format!("عکس {name} قابل خواندن نیست؛ فایل خراب یا ناقص است ({why})"),
    )
}

fn image_error(format: PhotoFormat, e: &ImageError) -> FieldError {
    match e {
        ImageError::Limits(_) => too_many_pixels(None),
        other => undecodable(format, &other.to_string()),
    }
}

fn too_many_pixels(dims: Option<(u32, u32)>) -> FieldError {
    let mp = PHOTO_MAX_PIXELS / 1_000_000;
    let (en, fa_dims) = match dims {
        Some((w, h)) => (
            format!("the photo is {w}×{h} pixels"),
            format!("ابعاد عکس {}×{} پیکسل است", fa(w), fa(h)),
        ),
        None => (
            "the photo's pixel dimensions are too large to process".to_owned(),
            "ابعاد عکس (بر حسب پیکسل) بزرگ‌تر از حد قابل پردازش است".to_owned(),
        ),
    };
    refuse(
        FIELD,
        PHOTO_TOO_LARGE,
        format!("{en}; at most {mp} megapixels are accepted"),
        format!("{fa_dims}؛ حداکثر {} مگاپیکسل پذیرفته می‌شود", fa(mp)),
    )
}

fn check_decoded(bytes: &[u8], format: PhotoFormat) -> Result<Photo, FieldError> {
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_SIDE);
    limits.max_image_height = Some(MAX_SIDE);
    limits.max_alloc = Some(MAX_ALLOC);
    let mut reader = ImageReader::with_format(
        Cursor::new(bytes),
        match format {
            PhotoFormat::Jpeg => image::ImageFormat::Jpeg,
            PhotoFormat::Png => image::ImageFormat::Png,
        },
    );
    reader.limits(limits);
    let mut decoder = reader.into_decoder().map_err(|e| image_error(format, &e))?;
    let orientation = decoder.orientation().unwrap_or(Orientation::NoTransforms);
    let (raw_w, raw_h) = decoder.dimensions();
    let (width, height) = match orientation {
        Orientation::Rotate90
        | Orientation::Rotate270
        | Orientation::Rotate90FlipH
        | Orientation::Rotate270FlipH => (raw_h, raw_w),
        _ => (raw_w, raw_h),
    };
    // Everything that the header tells is checked before a single pixel is decoded.
    if u64::from(width) * u64::from(height) > PHOTO_MAX_PIXELS || decoder.total_bytes() > MAX_ALLOC
    {
        return Err(too_many_pixels(Some((width, height))));
    }
    check_geometry(width, height)?;

    let mut img = DynamicImage::from_decoder(decoder).map_err(|e| image_error(format, &e))?;
    img.apply_orientation(orientation);
    let rgb = flatten_to_rgb(img);
    let card = card_image(&rgb);

    let (_, std) = mean_std(card.pixels().map(|p| luma(p.0)));
    if std < BLANK_STD {
        return Err(refuse(
            FIELD,
            PHOTO_UNREADABLE,
            format!(
                "the photo is blank: a uniform image with no visible face (brightness spread {std:.1}, at least {BLANK_STD:.0} expected)"
            ),
            format!(
                "عکس خالی است: تصویری یکدست و بدون چهرهٔ قابل‌مشاهده (پراکندگی روشنایی {}، دست‌کم {} لازم است)",
                fa(format!("{std:.1}")),
                fa(BLANK_STD)
            ),
        ));
    }
    let card_jpeg = encode_card(&card).map_err(|e| undecodable(format, &e.to_string()))?;
    Ok(Photo {
        width,
        height,
        format,
        card_jpeg,
    })
}

fn check_geometry(width: u32, height: u32) -> Result<(), FieldError> {
    if width < PHOTO_MIN_WIDTH || height < PHOTO_MIN_HEIGHT {
        return Err(refuse(
            FIELD,
            PHOTO_TOO_SMALL,
            format!(
                "the photo is {width}×{height} pixels; at least {PHOTO_MIN_WIDTH}×{PHOTO_MIN_HEIGHT} (width×height) is required"
            ),
            format!(
                "ابعاد عکس {}×{} پیکسل است؛ دست‌کم {}×{} پیکسل (عرض×ارتفاع) لازم است",
                fa(width),
                fa(height),
                fa(PHOTO_MIN_WIDTH),
                fa(PHOTO_MIN_HEIGHT)
            ),
        ));
    }
    let ratio = f64::from(width) / f64::from(height);
    if !(PHOTO_MIN_RATIO..=PHOTO_MAX_RATIO).contains(&ratio) {
        let shape_en = if ratio > 1.0 {
            "landscape"
        } else if ratio < PHOTO_MIN_RATIO {
            "too narrow"
        } else {
            "too wide"
        };
        let shape_fa = if ratio > 1.0 {
            "افقی است"
        } else if ratio < PHOTO_MIN_RATIO {
            "بیش از حد باریک است"
        } else {
            "بیش از حد پهن است"
        };
        return Err(refuse(
            FIELD,
            PHOTO_WRONG_PROPORTIONS,
            format!(
                "the photo is {width}×{height} pixels (width/height {ratio:.2}, {shape_en}); a portrait photo of about 3:4 is required (width/height between {PHOTO_MIN_RATIO:.2} and {PHOTO_MAX_RATIO:.2})"
            ),
            format!(
                "ابعاد عکس {}×{} پیکسل است (نسبت عرض به ارتفاع {}) و {shape_fa}؛ عکس باید عمودی با نسبت حدود ۳ به ۴ باشد (نسبت عرض به ارتفاع بین {} و {})",
                fa(width),
                fa(height),
                fa(format!("{ratio:.2}")),
                fa(format!("{PHOTO_MIN_RATIO:.2}")),
                fa(format!("{PHOTO_MAX_RATIO:.2}")),
            ),
        ));
    }
    Ok(())
}

/// RGB, with any transparency composited over white (the card's background).
fn flatten_to_rgb(img: DynamicImage) -> RgbImage {
    if !img.color().has_alpha() {
        return img.into_rgb8();
    }
    let rgba = img.into_rgba8();
    let (w, h) = rgba.dimensions();
    let mut out = RgbImage::new(w, h);
    for (o, p) in out.pixels_mut().zip(rgba.pixels()) {
        let a = u32::from(p.0[3]);
        for c in 0..3 {
            o.0[c] = ((u32::from(p.0[c]) * a + 255 * (255 - a) + 127) / 255) as u8;
        }
    }
    out
}

/// Centre crop to exactly 3:4, then scale to the card size by area averaging.
fn card_image(rgb: &RgbImage) -> RgbImage {
    let (w, h) = rgb.dimensions();
    let (cw, ch) = if u64::from(w) * 4 > u64::from(h) * 3 {
        ((u64::from(h) * 3 / 4) as u32, h)
    } else {
        (w, (u64::from(w) * 4 / 3) as u32)
    };
    let (x0, y0) = ((w - cw) / 2, (h - ch) / 2);
    area_resize(rgb, (x0, y0, cw, ch), CARD_WIDTH, CARD_HEIGHT)
}

/// Fixed-point weights of an area-averaging (box) resampler: for each destination sample,
/// the first source index and the weights (summing to `1 << WEIGHT_BITS`) of the source
/// samples it covers. Also correct, if blurrier than needed, when upscaling.
fn area_weights(src: u32, dst: u32) -> Vec<(usize, Vec<u32>)> {
    let scale = f64::from(src) / f64::from(dst);
    (0..dst)
        .map(|i| {
            let lo = f64::from(i) * scale;
            let hi = (lo + scale).min(f64::from(src));
            let first = lo.floor() as u32;
            let last = (hi.ceil() as u32).clamp(first + 1, src);
            let raw: Vec<f64> = (first..last)
                .map(|j| (hi.min(f64::from(j + 1)) - lo.max(f64::from(j))).max(0.0))
                .collect();
            let sum: f64 = raw.iter().sum::<f64>().max(f64::MIN_POSITIVE);
            let mut ws: Vec<u32> = raw
                .iter()
                .map(|r| (r / sum * f64::from(ONE)).round() as u32)
                .collect();
            // Make the weights sum to exactly ONE (rounding may leave it off by a little).
            let total: u32 = ws.iter().sum();
            if let Some(big) = ws.iter_mut().max() {
                *big = (*big + ONE).saturating_sub(total);
            }
            (first as usize, ws)
        })
        .collect()
}

const WEIGHT_BITS: u32 = 14;
const ONE: u32 = 1 << WEIGHT_BITS;

/// Resamples the `(x, y, w, h)` region of `src` to `dw`×`dh`: columns first (whole rows at a
/// time, which the compiler vectorises) into 8.8 fixed-point intermediates, then rows.
fn area_resize(src: &RgbImage, (x0, y0, w, h): (u32, u32, u32, u32), dw: u32, dh: u32) -> RgbImage {
    let stride = src.width() as usize * 3;
    let raw = src.as_raw();
    let wx = area_weights(w, dw);
    let wy = area_weights(h, dh);
    let (x0, y0) = (x0 as usize, y0 as usize);
    let line_len = w as usize * 3;
    // Vertical pass: dh rows of w pixels.
    let mut mid = vec![0u16; dh as usize * line_len];
    let mut acc = vec![0u32; line_len];
    for ((first, ws), mid_row) in wy.iter().zip(mid.chunks_exact_mut(line_len)) {
        acc.fill(0);
        for (k, &wgt) in ws.iter().enumerate() {
            let start = (y0 + first + k) * stride + x0 * 3;
            for (a, &v) in acc.iter_mut().zip(&raw[start..start + line_len]) {
                *a += u32::from(v) * wgt;
            }
        }
        for (m, &a) in mid_row.iter_mut().zip(&acc) {
            *m = ((a + (1 << (WEIGHT_BITS - 9))) >> (WEIGHT_BITS - 8)) as u16;
        }
    }
    // Horizontal pass.
    let out_len = dw as usize * 3;
    let mut out = vec![0u8; out_len * dh as usize];
    for (mid_row, out_row) in mid
        .chunks_exact(line_len)
        .zip(out.chunks_exact_mut(out_len))
    {
        for ((first, ws), o) in wx.iter().zip(out_row.chunks_exact_mut(3)) {
            let px = &mid_row[first * 3..(first + ws.len()) * 3];
            let mut sum = [0u32; 3];
            for (p, &wgt) in px.chunks_exact(3).zip(ws) {
                sum[0] += u32::from(p[0]) * wgt;
                sum[1] += u32::from(p[1]) * wgt;
                sum[2] += u32::from(p[2]) * wgt;
            }
            for (o, s) in o.iter_mut().zip(sum) {
                *o = ((s + (1 << (WEIGHT_BITS + 7))) >> (WEIGHT_BITS + 8)).min(255) as u8;
            }
        }
    }
    RgbImage::from_raw(dw, dh, out).unwrap_or_else(|| RgbImage::new(dw, dh))
}

fn encode_card(card: &RgbImage) -> Result<Vec<u8>, jpeg_encoder::EncodingError> {
    let mut best = Vec::new();
    for q in CARD_QUALITIES {
        let mut out = Vec::with_capacity(32 * 1024);
        // Standard Huffman tables: jpeg-encoder 0.6's optimised tables were seen to decode as
        // garbage with zune-jpeg, and the card manufacturer's decoder is unknown.
        jpeg_encoder::Encoder::new(&mut out, q).encode(
            card.as_raw(),
            card.width() as u16,
            card.height() as u16,
            jpeg_encoder::ColorType::Rgb,
        )?;
        best = out;
        if best.len() <= CARD_TARGET_BYTES {
            break;
        }
    }
    Ok(best)
}

fn luma([r, g, b]: [u8; 3]) -> u8 {
    ((u32::from(r) * 299 + u32::from(g) * 587 + u32::from(b) * 114) / 1000) as u8
}

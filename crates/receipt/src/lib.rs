//! The enrollment receipt as a PDF, and (`render_temporary`) the temporary identity document of a nationality
//! case, on the same page and fonts.
//!
//! A citizen gets this receipt at the counter office right after enrollment.
//! Until the smart card is delivered, banks accept it as proof of identity
//! and verify it by scanning its QR code, which encodes
//! [`Receipt::verify_url`].
//!
//! The page is A5 portrait. All reader-facing text is Persian, set in the
//! embedded Vazirmatn fonts (SIL OFL), shaped with rustybuzz and laid out
//! right to left with the Unicode bidi algorithm; numbers and dates are shown
//! in Persian digits (`۱۴۰۵/۰۹/۰۱`). Every glyph maps back to the characters
//! it was shaped from, so text extraction (copy and paste, `pdftotext`)
//! yields the text in logical order.
//!
//! ```no_run
//! let photo = std::fs::read("photo.jpg")?;
//! let pdf = receipt::render(&receipt::Receipt {
//!     tracking_code: "4051234567",
//!     national_code: "0012345678",
//!     first_name: "زهرا",
//!     last_name: "محمدی",
//!     father_name: "علی",
//!     birth_date_jalali: "1370-05-14",
//!     office_name: "دفتر پیشخوان دولت شمارهٔ ۱۲",
//!     office_address: "تهران، خیابان انقلاب، پلاک ۱۰",
//!     enrolled_on_jalali: "1405-09-01",
//!     photo: &photo,
//!     verify_url: "https://shenas.example/r/4051234567?c=abc",
//! })?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! Rendering is cheap (a few milliseconds): the fonts are parsed once per
//! process and subset per document. JPEG photos are embedded as they are;
//! PNG photos are decoded and recompressed, which costs more for large
//! images, so JPEG is the better format for the counter software to send.

mod temporary;
mod text;

pub use temporary::{
    render_temporary, TemporaryIdentity, IS as TEMPORARY_IS, IS_NOT as TEMPORARY_IS_NOT,
};

use krilla::color::rgb;
use krilla::geom::{Path, PathBuilder, Rect, Size, Transform};
use krilla::image::Image;
use krilla::metadata::{Metadata, TextDirection};
use krilla::num::NormalizedF32;
use krilla::page::PageSettings;
use krilla::paint::{Fill, Stroke};
use krilla::surface::Surface;
use krilla::{Data, Document};
use qrcode::{EcLevel, QrCode};

use text::{Base, FontFace, Fonts, Line};

/// Everything printed on one receipt. Borrowed, so the caller keeps
/// ownership of the (possibly large) photo.
///
/// `Debug` shows only the tracking code and the photo's size, so that a
/// stray `{:?}` in a log line leaks no personal data.
#[derive(Clone, Copy)]
pub struct Receipt<'a> {
    /// Enrollment tracking code, ASCII digits, e.g. `"4051234567"`.
    pub tracking_code: &'a str,
    /// National code, exactly 10 ASCII digits.
    pub national_code: &'a str,
    /// Given name, in Persian.
    pub first_name: &'a str,
    /// Family name, in Persian.
    pub last_name: &'a str,
    /// Father's given name, in Persian.
    pub father_name: &'a str,
    /// Jalali birth date, `YYYY-MM-DD` with ASCII digits, e.g. `"1370-05-14"`.
    pub birth_date_jalali: &'a str,
    /// Name of the counter office, in Persian.
    pub office_name: &'a str,
    /// Postal address of the counter office, in Persian; wrapped as needed.
    pub office_address: &'a str,
    /// Jalali enrollment date, `YYYY-MM-DD` with ASCII digits.
    pub enrolled_on_jalali: &'a str,
    /// ID photo, JPEG or PNG bytes; a 3:4 portrait is expected, other
    /// ratios are fitted into the frame without distortion.
    pub photo: &'a [u8],
    /// What the QR code encodes: the verification link banks open.
    pub verify_url: &'a str,
}

impl std::fmt::Debug for Receipt<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Receipt")
            .field("tracking_code", &self.tracking_code)
            .field("photo_bytes", &self.photo.len())
            .finish_non_exhaustive()
    }
}

/// Why a receipt could not be rendered.
#[derive(Debug, thiserror::Error)]
pub enum ReceiptError {
    /// The photo is neither a JPEG nor a PNG (judged by its signature).
    #[error("photo is neither JPEG nor PNG")]
    UnsupportedPhoto,
    /// The photo has a JPEG or PNG signature but could not be read.
    #[error("photo could not be read: {0}")]
    BadPhoto(String),
    /// The photo is larger than [`MAX_PHOTO_SIDE`] pixels on a side.
    #[error("photo is {width}x{height} pixels; at most {MAX_PHOTO_SIDE} pixels a side")]
    PhotoTooLarge {
        /// Width in pixels.
        width: u32,
        /// Height in pixels.
        height: u32,
    },
    /// A field does not have the documented format.
    #[error("invalid {field}: {reason}")]
    InvalidField {
        /// The [`Receipt`] field's name.
        field: &'static str,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// The verification URL does not fit in a QR code.
    #[error("verification URL does not fit in a QR code: {0}")]
    Qr(String),
    /// The embedded fonts failed to load (a build defect).
    #[error("embedded fonts could not be parsed")]
    Font,
    /// The PDF writer failed, e.g. while decoding the photo's pixels.
    #[error("PDF could not be written: {0}")]
    Pdf(String),
}

/// The largest photo side accepted, in pixels. Bounds decoding time and
/// memory; a receipt prints the photo about 3.4 cm wide.
pub const MAX_PHOTO_SIDE: u32 = 4096;

/// Renders the receipt as a one-page A5 PDF.
///
/// # Errors
/// [`ReceiptError`] when a field is malformed (see the field docs), the
/// photo is not a readable JPEG or PNG, or the URL is too long for a QR code.
pub fn render(r: &Receipt<'_>) -> Result<Vec<u8>, ReceiptError> {
    validate(r)?;
    let fonts = Fonts::get().ok_or(ReceiptError::Font)?;
    let photo = load_photo(r.photo)?;
    let qr = QrCode::with_error_correction_level(r.verify_url.as_bytes(), EcLevel::M)
        .map_err(|e| ReceiptError::Qr(e.to_string()))?;

    let mut document = Document::new();
    document.set_metadata(
        Metadata::new()
            .title(TITLE.to_owned())
            .language("fa-IR".to_owned())
            .creator("Shenas".to_owned())
            .text_direction(TextDirection::RightToLeft),
    );
    let settings =
        PageSettings::from_wh(PAGE_W, PAGE_H).ok_or(ReceiptError::Pdf("page size".into()))?;
    let mut page = document.start_page_with(settings);
    let mut surface = page.surface();
    draw_page(&mut surface, &fonts, r, photo, &qr);
    surface.finish();
    page.finish();
    document
        .finish()
        .map_err(|e| ReceiptError::Pdf(e.to_string()))
}

/// Converts ASCII digits to Persian digits (`0` → `۰`); everything else is
/// kept as it is.
pub use shenas_text::to_persian_digits as persian_digits;

/// Formats a Jalali `YYYY-MM-DD` (or `YYYY/MM/DD`) date for the reader:
/// Persian digits with slashes, e.g. `۱۴۰۵/۰۹/۰۱`.
pub fn persian_date(iso: &str) -> String {
    persian_digits(&iso.replace('-', "/"))
}

const TITLE: &str = "رسید ثبت‌نام کارت هوشمند ملی";

/// The trimmed value, or a dash when it is empty.
fn or_dash(s: &str) -> String {
    match s.trim() {
        "" => "—".to_owned(),
        t => t.to_owned(),
    }
}

fn validate(r: &Receipt<'_>) -> Result<(), ReceiptError> {
    fn digits(s: &str) -> bool {
        !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
    }
    fn date(s: &str) -> bool {
        let b = s.as_bytes();
        b.len() == 10
            && b.iter().enumerate().all(|(i, c)| match i {
                4 | 7 => *c == b'-' || *c == b'/',
                _ => c.is_ascii_digit(),
            })
    }
    let bad = |field, reason| Err(ReceiptError::InvalidField { field, reason });
    if !digits(r.tracking_code) || r.tracking_code.len() > 32 {
        return bad("tracking_code", "expected 1 to 32 ASCII digits");
    }
    if r.national_code.len() != 10 || !digits(r.national_code) {
        return bad("national_code", "expected 10 ASCII digits");
    }
    if !date(r.birth_date_jalali) {
        return bad("birth_date_jalali", "expected YYYY-MM-DD");
    }
    if !date(r.enrolled_on_jalali) {
        return bad("enrolled_on_jalali", "expected YYYY-MM-DD");
    }
    if r.first_name.trim().is_empty() || r.last_name.trim().is_empty() {
        return bad("name", "first and last name must not be empty");
    }
    if r.verify_url.is_empty() {
        return bad("verify_url", "must not be empty");
    }
    Ok(())
}

fn load_photo(bytes: &[u8]) -> Result<Image, ReceiptError> {
    let data = Data::from(bytes.to_vec());
    let image = if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Image::from_jpeg(data, true)
    } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Image::from_png(data, true)
    } else {
        return Err(ReceiptError::UnsupportedPhoto);
    }
    .map_err(ReceiptError::BadPhoto)?;
    let (width, height) = image.size();
    if width == 0 || height == 0 {
        return Err(ReceiptError::BadPhoto("empty image".into()));
    }
    if width > MAX_PHOTO_SIDE || height > MAX_PHOTO_SIDE {
        return Err(ReceiptError::PhotoTooLarge { width, height });
    }
    Ok(image)
}

// ---------------------------------------------------------------------------
// Layout. Units are PDF points, origin at the top left, y growing downwards.

/// A5 portrait.
const PAGE_W: f32 = 419.53;
const PAGE_H: f32 = 595.28;
/// Distance of the outer frame from the page edge.
const FRAME: f32 = 18.0;
/// Left and right edge of the content.
const LEFT: f32 = 32.0;
const RIGHT: f32 = PAGE_W - 32.0;
/// Horizontal padding inside table cells.
const PAD: f32 = 7.0;
/// Width of the label column of the tables.
const LABEL_W: f32 = 86.0;

const INK: (u8, u8, u8) = (0x1b, 0x1f, 0x24);
const NAVY: (u8, u8, u8) = (0x12, 0x3a, 0x63);
const MUTED: (u8, u8, u8) = (0x55, 0x5f, 0x6b);
const RULE: (u8, u8, u8) = (0xb4, 0xc0, 0xcc);
const LABEL_BG: (u8, u8, u8) = (0xe9, 0xef, 0xf5);
const WHITE: (u8, u8, u8) = (0xff, 0xff, 0xff);
const ACCENT_BG: (u8, u8, u8) = (0xf4, 0xf7, 0xfa);

fn draw_page(surface: &mut Surface<'_>, fonts: &Fonts, r: &Receipt<'_>, photo: Image, qr: &QrCode) {
    // Double frame.
    stroke_rect(
        surface,
        FRAME,
        FRAME,
        PAGE_W - 2.0 * FRAME,
        PAGE_H - 2.0 * FRAME,
        NAVY,
        1.6,
    );
    let inner = FRAME + 4.0;
    stroke_rect(
        surface,
        inner,
        inner,
        PAGE_W - 2.0 * inner,
        PAGE_H - 2.0 * inner,
        NAVY,
        0.5,
    );

    // Header band.
    let header_top = inner + 4.0;
    let header_h = 62.0;
    fill_rect(
        surface,
        inner + 4.0,
        header_top,
        PAGE_W - 2.0 * (inner + 4.0),
        header_h,
        NAVY,
    );
    text_centered(
        surface,
        fonts.bold,
        TITLE,
        17.0,
        PAGE_W / 2.0,
        header_top + 28.0,
        WHITE,
    );
    text_centered(
        surface,
        fonts.regular,
        "سامانهٔ ملی «شناس» · گواهی موقت هویت تا زمان تحویل کارت",
        9.0,
        PAGE_W / 2.0,
        header_top + 48.0,
        (0xd6, 0xe2, 0xee),
    );

    // Tracking code, prominent.
    let band = code_band(
        surface,
        fonts,
        header_top + header_h + 16.0,
        "کد رهگیری",
        (r.tracking_code, Base::Rtl, 21.0),
    );

    // Photo on the left, personal details on the right.
    let full_name = format!("{} {}", r.first_name.trim(), r.last_name.trim());
    let personal = [
        ("نام و نام خانوادگی", full_name),
        ("نام پدر", or_dash(r.father_name)),
        ("کد ملی", persian_digits(r.national_code)),
        ("تاریخ تولد", persian_date(r.birth_date_jalali)),
        ("تاریخ ثبت‌نام", persian_date(r.enrolled_on_jalali)),
    ];
    let bottom = photo_beside(surface, fonts, photo, band + 16.0, personal);

    // Office: full width; long names and addresses wrap, then shrink.
    let top = bottom + 16.0;
    let value_w = RIGHT - LEFT - LABEL_W - 2.0 * PAD;
    let office_name = persian_digits(r.office_name.trim());
    let office_address = persian_digits(r.office_address.trim());
    let (name_lines, name_size) =
        text::wrap_fit(fonts.bold, &office_name, Base::Rtl, (11.0, 6.0), value_w, 2);
    let (addr_lines, addr_size) = text::wrap_fit(
        fonts.regular,
        &office_address,
        Base::Rtl,
        (10.0, 5.0),
        value_w,
        3,
    );
    let office = [
        Block {
            label: "دفتر ثبت‌نام",
            face: fonts.bold,
            size: name_size,
            lines: name_lines,
        },
        Block {
            label: "نشانی دفتر",
            face: fonts.regular,
            size: addr_size,
            lines: addr_lines,
        },
    ];
    let office_bottom = top + draw_table(surface, fonts, &office, LEFT, top, 28.0);

    // QR code on the left, the validity note beside it; anchored to the
    // footer, and made smaller (down to 90 pt, still easily scanned) when
    // very long details leave less room.
    let footer_y = PAGE_H - inner - 16.0;
    let bottom = footer_y - 26.0;
    let top = (bottom - 120.0).max(office_bottom + 12.0);
    let qr_size = (bottom - top).max(90.0);
    draw_qr(surface, qr, LEFT, top, qr_size);
    let note_left = LEFT + qr_size + 12.0;
    let note_w = RIGHT - note_left;
    fill_rect(surface, note_left, top, note_w, qr_size, ACCENT_BG);
    stroke_rect(surface, note_left, top, note_w, qr_size, RULE, 0.6);
    let mut baseline = top + 22.0;
    let (lines, _) = text::wrap_fit(
        fonts.bold,
        "این رسید تا زمان تحویل کارت هوشمند ملی، مدرک معتبر شناسایی است.",
        Base::Rtl,
        (10.5, 10.5),
        note_w - 2.0 * PAD,
        3,
    );
    for line in lines {
        draw_line_right(
            surface,
            fonts.bold,
            &line,
            10.5,
            RIGHT - PAD,
            baseline,
            NAVY,
        );
        baseline += 17.0;
    }
    baseline += 2.0;
    let (lines, _) = text::wrap_fit(
        fonts.regular,
        "برای استعلام اصالت، رمزینهٔ QR کنار را با تلفن همراه پویش کنید یا نشانی زیر را باز کنید.",
        Base::Rtl,
        (9.0, 9.0),
        note_w - 2.0 * PAD,
        3,
    );
    for line in lines {
        draw_line_right(
            surface,
            fonts.regular,
            &line,
            9.0,
            RIGHT - PAD,
            baseline,
            INK,
        );
        baseline += 15.0;
    }
    // The link itself, left to right, shrunk to fit; left out when it is
    // too long to be legible (the QR code carries it anyway).
    let url = text::shape(fonts.regular, r.verify_url, Base::Ltr);
    let size = fit_size(&url, 7.5, note_w - 2.0 * PAD);
    if size >= 4.5 {
        set_fill(surface, MUTED);
        text::draw(
            surface,
            fonts.regular,
            &url,
            size,
            note_left + PAD,
            top + qr_size - 9.0,
        );
    }

    // Footer.
    hline(surface, LEFT, RIGHT, footer_y - 14.0, RULE, 0.5);
    text_centered(
        surface,
        fonts.regular,
        "کد رهگیری را برای پیگیری وضعیت صدور و تحویل کارت نزد خود نگه دارید.",
        8.5,
        PAGE_W / 2.0,
        footer_y,
        MUTED,
    );
}

/// A labelled value of a table: one or more shaped lines.
struct Block<'f> {
    label: &'static str,
    face: &'f FontFace,
    size: f32,
    lines: Vec<Line>,
}

/// A label/value table from `left` to the right margin: labels in a shaded
/// right-hand column, values right aligned beside them, one row per block,
/// at least `min_row_h` high. Returns the table's height.
fn draw_table(
    surface: &mut Surface<'_>,
    fonts: &Fonts,
    rows: &[Block<'_>],
    left: f32,
    top: f32,
    min_row_h: f32,
) -> f32 {
    const LABEL_SIZE: f32 = 9.5;
    let label_left = RIGHT - LABEL_W;
    let line_h = |b: &Block<'_>| b.size * 1.5;
    let heights: Vec<f32> = rows
        .iter()
        .map(|b| (b.lines.len().max(1) as f32 * line_h(b) + 9.0).max(min_row_h))
        .collect();
    let total: f32 = heights.iter().sum();
    fill_rect(surface, label_left, top, LABEL_W, total, LABEL_BG);
    let mut y = top;
    for (i, (block, h)) in rows.iter().zip(&heights).enumerate() {
        if i > 0 {
            hline(surface, left, RIGHT, y, RULE, 0.5);
        }
        // Baselines sit a little below the vertical centre of each line
        // box (Vazirmatn's x-height is about half its size).
        let label_baseline = y + h / 2.0 + LABEL_SIZE * 0.35;
        text_right(
            surface,
            fonts.regular,
            block.label,
            LABEL_SIZE,
            RIGHT - PAD,
            label_baseline,
            NAVY,
        );
        let lh = line_h(block);
        let first = y + (h - block.lines.len() as f32 * lh) / 2.0 + lh / 2.0 + block.size * 0.35;
        for (j, line) in block.lines.iter().enumerate() {
            draw_line_right(
                surface,
                block.face,
                line,
                block.size,
                label_left - PAD,
                first + j as f32 * lh,
                INK,
            );
        }
        y += h;
    }
    vline(surface, label_left, top, top + total, RULE, 0.5);
    stroke_rect(surface, left, top, RIGHT - left, total, NAVY, 0.8);
    total
}

/// The band under the header: `label` at the right, the code (Persian digits, in `base` direction, at most
/// `size` points, smaller when long) at the left; the band's bottom.
fn code_band(
    surface: &mut Surface<'_>,
    fonts: &Fonts,
    y: f32,
    label: &str,
    (value, base, size): (&str, Base, f32),
) -> f32 {
    let h = 42.0;
    fill_rect(surface, LEFT, y, RIGHT - LEFT, h, ACCENT_BG);
    stroke_rect(surface, LEFT, y, RIGHT - LEFT, h, NAVY, 0.8);
    text_right(
        surface,
        fonts.bold,
        label,
        12.5,
        RIGHT - 12.0,
        y + 26.0,
        NAVY,
    );
    let code = text::shape(fonts.bold, &persian_digits(value), base);
    set_fill(surface, INK);
    text::draw(
        surface,
        fonts.bold,
        &code,
        fit_size(&code, size, RIGHT - LEFT - 120.0),
        LEFT + 14.0,
        y + 29.5,
    );
    y + h
}

/// The photo at the left margin from `top` and five personal details in a table beside it, each value wrapped
/// to two lines and then shrunk to fit: the bottom of the taller of the two. The receipt and the temporary
/// identity document share it.
fn photo_beside(
    surface: &mut Surface<'_>,
    fonts: &Fonts,
    photo: Image,
    top: f32,
    personal: [(&'static str, String); 5],
) -> f32 {
    let photo_w = 105.0;
    let photo_h = 140.0;
    draw_photo(surface, photo, LEFT, top, photo_w, photo_h);
    let table_left = LEFT + photo_w + 12.0;
    let personal_w = RIGHT - table_left - LABEL_W - 2.0 * PAD;
    let rows: Vec<Block<'_>> = personal
        .into_iter()
        .map(|(label, value)| {
            let (lines, size) =
                text::wrap_fit(fonts.bold, &value, Base::Rtl, (11.0, 6.0), personal_w, 2);
            Block {
                label,
                face: fonts.bold,
                size,
                lines,
            }
        })
        .collect();
    let table_h = draw_table(surface, fonts, &rows, table_left, top, photo_h / 5.0);
    top + photo_h.max(table_h)
}

fn draw_photo(surface: &mut Surface<'_>, photo: Image, x: f32, y: f32, w: f32, h: f32) {
    fill_rect(surface, x, y, w, h, ACCENT_BG);
    let (pw, ph) = photo.size();
    let scale = (w / pw as f32).min(h / ph as f32);
    let (dw, dh) = (pw as f32 * scale, ph as f32 * scale);
    if let Some(size) = Size::from_wh(dw, dh) {
        surface.push_transform(&Transform::from_translate(
            x + (w - dw) / 2.0,
            y + (h - dh) / 2.0,
        ));
        surface.draw_image(photo, size);
        surface.pop();
    }
    stroke_rect(surface, x, y, w, h, NAVY, 0.8);
}

/// Draws the QR code as filled rectangles (one per horizontal run of dark
/// modules, all in a single path so no seams show between rows), with the
/// standard four-module quiet zone inside `size`.
fn draw_qr(surface: &mut Surface<'_>, qr: &QrCode, x: f32, y: f32, size: f32) {
    fill_rect(surface, x, y, size, size, WHITE);
    let n = qr.width();
    let quiet = 4usize;
    let module = size / (n + 2 * quiet) as f32;
    let colors = qr.to_colors();
    let mut pb = PathBuilder::new();
    for row in 0..n {
        let mut col = 0;
        while col < n {
            if colors[row * n + col] == qrcode::Color::Dark {
                let start = col;
                while col < n && colors[row * n + col] == qrcode::Color::Dark {
                    col += 1;
                }
                if let Some(rect) = Rect::from_xywh(
                    x + (quiet + start) as f32 * module,
                    y + (quiet + row) as f32 * module,
                    (col - start) as f32 * module,
                    module,
                ) {
                    pb.push_rect(rect);
                }
            } else {
                col += 1;
            }
        }
    }
    if let Some(path) = pb.finish() {
        set_fill(surface, (0, 0, 0));
        surface.draw_path(&path);
    }
    stroke_rect(surface, x, y, size, size, RULE, 0.6);
}

// ---------------------------------------------------------------------------
// Drawing helpers.

fn color((r, g, b): (u8, u8, u8)) -> rgb::Color {
    rgb::Color::new(r, g, b)
}

fn set_fill(surface: &mut Surface<'_>, c: (u8, u8, u8)) {
    surface.set_fill(Some(Fill {
        paint: color(c).into(),
        opacity: NormalizedF32::ONE,
        rule: Default::default(),
    }));
}

fn rect_path(x: f32, y: f32, w: f32, h: f32) -> Option<Path> {
    let mut pb = PathBuilder::new();
    pb.push_rect(Rect::from_xywh(x, y, w, h)?);
    pb.finish()
}

fn fill_rect(surface: &mut Surface<'_>, x: f32, y: f32, w: f32, h: f32, c: (u8, u8, u8)) {
    if let Some(path) = rect_path(x, y, w, h) {
        set_fill(surface, c);
        surface.set_stroke(None);
        surface.draw_path(&path);
    }
}

fn stroke_path(surface: &mut Surface<'_>, path: &Path, c: (u8, u8, u8), width: f32) {
    surface.set_fill(None);
    surface.set_stroke(Some(Stroke {
        paint: color(c).into(),
        width,
        ..Default::default()
    }));
    surface.draw_path(path);
    surface.set_stroke(None);
}

#[allow(clippy::too_many_arguments)]
fn stroke_rect(
    surface: &mut Surface<'_>,
    x: f32,
    y: f32,
    w: f32,
    h: f32,
    c: (u8, u8, u8),
    width: f32,
) {
    if let Some(path) = rect_path(x, y, w, h) {
        stroke_path(surface, &path, c, width);
    }
}

fn hline(surface: &mut Surface<'_>, x1: f32, x2: f32, y: f32, c: (u8, u8, u8), width: f32) {
    let mut pb = PathBuilder::new();
    pb.move_to(x1, y);
    pb.line_to(x2, y);
    if let Some(path) = pb.finish() {
        stroke_path(surface, &path, c, width);
    }
}

fn vline(surface: &mut Surface<'_>, x: f32, y1: f32, y2: f32, c: (u8, u8, u8), width: f32) {
    let mut pb = PathBuilder::new();
    pb.move_to(x, y1);
    pb.line_to(x, y2);
    if let Some(path) = pb.finish() {
        stroke_path(surface, &path, c, width);
    }
}

/// `size`, or the smaller size at which `line` fits in `max_width`
/// (values are never cut; an absurdly long one just gets small).
fn fit_size(line: &Line, size: f32, max_width: f32) -> f32 {
    let w = line.width(size);
    if w <= max_width || w <= 0.0 {
        size
    } else {
        size * max_width / w
    }
}

fn draw_line_right(
    surface: &mut Surface<'_>,
    face: &FontFace,
    line: &Line,
    size: f32,
    right: f32,
    baseline: f32,
    c: (u8, u8, u8),
) {
    set_fill(surface, c);
    text::draw(
        surface,
        face,
        line,
        size,
        right - line.width(size),
        baseline,
    );
}

fn text_right(
    surface: &mut Surface<'_>,
    face: &FontFace,
    s: &str,
    size: f32,
    right: f32,
    baseline: f32,
    c: (u8, u8, u8),
) {
    let line = text::shape(face, s, Base::Rtl);
    draw_line_right(surface, face, &line, size, right, baseline, c);
}

fn text_centered(
    surface: &mut Surface<'_>,
    face: &FontFace,
    s: &str,
    size: f32,
    center: f32,
    baseline: f32,
    c: (u8, u8, u8),
) {
    let line = text::shape(face, s, Base::Rtl);
    set_fill(surface, c);
    text::draw(
        surface,
        face,
        &line,
        size,
        center - line.width(size) / 2.0,
        baseline,
    );
}

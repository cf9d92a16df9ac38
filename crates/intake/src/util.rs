//! Shared helpers: building errors, Persian numerals, byte sizes, sniffing file types, and
//! running third-party decoders without letting a panic escape.

use domain::text::to_persian_digits;
use domain::{FieldError, ValidationError};

/// A refusal of `field` with `code` and both messages.
pub(crate) fn refuse(
    field: impl Into<String>,
    code: &'static str,
    en: impl Into<String>,
    fa: impl Into<String>,
) -> FieldError {
    FieldError::new(field, ValidationError::new(code, en, fa))
}

/// A number written with Persian digits (and the Persian decimal separator).
pub(crate) fn fa(n: impl std::fmt::Display) -> String {
    to_persian_digits(&n.to_string()).replace('.', "٫")
}

/// A byte count in words, English and Persian (`2 MiB`, `512 KiB`, `1.37 MiB`, `900 bytes`).
pub(crate) fn size_words(bytes: usize) -> (String, String) {
    const KIB: usize = 1024;
    const MIB: usize = 1024 * 1024;
    let trim = |v: f64| {
        let s = format!("{v:.2}");
        s.trim_end_matches('0').trim_end_matches('.').to_owned()
    };
    if bytes >= MIB {
        let v = trim(bytes as f64 / MIB as f64);
        (format!("{v} MiB"), format!("{} مگابایت", fa(v)))
    } else if bytes >= KIB {
        let v = trim(bytes as f64 / KIB as f64);
        (format!("{v} KiB"), format!("{} کیلوبایت", fa(v)))
    } else {
        (format!("{bytes} bytes"), format!("{} بایت", fa(bytes)))
    }
}

/// What the first bytes of a file say it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Sniffed {
    Jpeg,
    Png,
    Wsq,
    /// A recognised format that is not accepted here: its name.
    Other(&'static str),
    Unknown,
}

pub(crate) fn sniff(b: &[u8]) -> Sniffed {
    let at = |i: usize, s: &[u8]| b.get(i..i + s.len()) == Some(s);
    if at(0, &[0xff, 0xd8, 0xff]) {
        Sniffed::Jpeg
    } else if at(0, b"\x89PNG\r\n\x1a\n") {
        Sniffed::Png
    } else if at(0, &[0xff, 0xa0]) {
        Sniffed::Wsq
    } else if at(0, b"GIF87a") || at(0, b"GIF89a") {
        Sniffed::Other("GIF")
    } else if at(0, b"RIFF") && at(8, b"WEBP") {
        Sniffed::Other("WebP")
    } else if at(0, b"BM") {
        Sniffed::Other("BMP")
    } else if at(0, b"II*\0") || at(0, b"MM\0*") {
        Sniffed::Other("TIFF")
    } else if at(4, b"ftypheic")
        || at(4, b"ftypheix")
        || at(4, b"ftypmif1")
        || at(4, b"ftypmsf1")
        || at(4, b"ftyphevc")
    {
        Sniffed::Other("HEIC")
    } else if at(4, b"ftypavif") {
        Sniffed::Other("AVIF")
    } else if at(0, b"\0\0\0\x0cjP  ") || at(0, &[0xff, 0x4f, 0xff, 0x51]) {
        Sniffed::Other("JPEG 2000")
    } else if at(0, b"%PDF") {
        Sniffed::Other("PDF")
    } else if at(0, b"FMR\0") {
        Sniffed::Other("minutiae record")
    } else if at(0, b"<svg") || at(0, b"<?xml") {
        Sniffed::Other("SVG/XML")
    } else {
        Sniffed::Unknown
    }
}

/// Runs `f`, turning a panic inside it (a bug in a third-party decoder) into `Err(())`.
pub(crate) fn no_panic<T>(f: impl FnOnce() -> T) -> Result<T, ()> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).map_err(|_| ())
}

/// Width and height from a PNG's IHDR chunk, without decoding anything else.
pub(crate) fn png_dimensions(b: &[u8]) -> Option<(u32, u32)> {
    if b.get(12..16)? != b"IHDR" {
        return None;
    }
    let w = u32::from_be_bytes(b.get(16..20)?.try_into().ok()?);
    let h = u32::from_be_bytes(b.get(20..24)?.try_into().ok()?);
    Some((w, h))
}

/// Mean and standard deviation of 8-bit luminance samples.
pub(crate) fn mean_std(luma: impl Iterator<Item = u8>) -> (f64, f64) {
    let (mut n, mut s, mut s2) = (0u64, 0u64, 0u64);
    for v in luma {
        let v = u64::from(v);
        n += 1;
        s += v;
        s2 += v * v;
    }
    if n == 0 {
        return (0.0, 0.0);
    }
    let mean = s as f64 / n as f64;
    let var = (s2 as f64 / n as f64 - mean * mean).max(0.0);
    (mean, var.sqrt())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_and_digits() {
        assert_eq!(size_words(2 * 1024 * 1024).0, "2 MiB");
        assert_eq!(size_words(512 * 1024).1, "۵۱۲ کیلوبایت");
        assert_eq!(size_words(1_437_000).0, "1.37 MiB");
        assert_eq!(size_words(1_437_000).1, "۱٫۳۷ مگابایت");
        assert_eq!(size_words(12).0, "12 bytes");
        assert_eq!(fa(0.75), "۰٫۷۵");
    }

    #[test]
    fn sniffing() {
        assert_eq!(sniff(&[0xff, 0xd8, 0xff, 0xe0]), Sniffed::Jpeg);
        assert_eq!(sniff(b"\x89PNG\r\n\x1a\n...."), Sniffed::Png);
        assert_eq!(sniff(b"GIF89a"), Sniffed::Other("GIF"));
        assert_eq!(sniff(b"\0\0\0\x18ftypheic...."), Sniffed::Other("HEIC"));
        assert_eq!(sniff(b""), Sniffed::Unknown);
        assert_eq!(sniff(&[0xff]), Sniffed::Unknown);
    }
}

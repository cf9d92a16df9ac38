//! Reading ISO/IEC 19794-2:2005 and ANSI INCITS 378-2004 records, every read bounds-checked.

use super::{
    Encoding, FingerView, Minutia, MinutiaKind, MinutiaeRecord, RecordError, RecordFormat,
};

/// A cursor over the record bytes whose every read reports where it failed.
struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize, what: &'static str) -> Result<&'a [u8], RecordError> {
        let available = self.buf.len().saturating_sub(self.pos);
        if available < n {
            return Err(RecordError::Truncated {
                offset: self.pos,
                needed: n,
                available,
                what,
            });
        }
        let s = &self.buf[self.pos..self.pos + n];
        self.pos += n;
        Ok(s)
    }
    fn u8(&mut self, what: &'static str) -> Result<u8, RecordError> {
        Ok(self.take(1, what)?[0])
    }
    fn u16(&mut self, what: &'static str) -> Result<u16, RecordError> {
        let b = self.take(2, what)?;
        Ok(u16::from_be_bytes([b[0], b[1]]))
    }
    fn u32(&mut self, what: &'static str) -> Result<u32, RecordError> {
        let b = self.take(4, what)?;
        Ok(u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
    }
}

fn invalid(offset: usize, field: &'static str, value: u64, expected: &'static str) -> RecordError {
    RecordError::InvalidField {
        offset,
        field,
        value,
        expected,
    }
}

/// Parses with both formats and keeps the more plausible reading (see `MinutiaeRecord::parse`).
pub(super) fn parse_auto(bytes: &[u8]) -> Result<MinutiaeRecord, RecordError> {
    let iso = parse_format(RecordFormat::Iso19794_2_2005, bytes);
    let ansi = parse_format(RecordFormat::Ansi378_2004, bytes);
    match (iso, ansi) {
        (Ok(i), Ok(a)) => {
            let exact = |r: &MinutiaeRecord| r.encoding.padding_after_record == 0;
            if exact(&a) && !exact(&i) {
                Ok(a)
            } else {
                Ok(i)
            }
        }
        (Ok(i), Err(_)) => Ok(i),
        (Err(_), Ok(a)) => Ok(a),
        (Err(ei), Err(ea)) => {
            if ea.offset() > ei.offset() || (ea.offset() == ei.offset() && closer(&ea, &ei)) {
                Err(ea)
            } else {
                Err(ei)
            }
        }
    }
}

/// True when `a` is a length mismatch nearer the buffer size than `b`'s.
fn closer(a: &RecordError, b: &RecordError) -> bool {
    let gap = |e: &RecordError| match e {
        RecordError::LengthMismatch {
            declared, actual, ..
        } => Some(declared.abs_diff(*actual)),
        _ => None,
    };
    matches!((gap(a), gap(b)), (Some(x), Some(y)) if x < y)
}

/// Parses a record in one given format.
pub(super) fn parse_format(
    format: RecordFormat,
    bytes: &[u8],
) -> Result<MinutiaeRecord, RecordError> {
    let mut r = Reader { buf: bytes, pos: 0 };
    let magic = r.take(4, "format identifier")?;
    if magic != b"FMR\0" {
        return Err(RecordError::BadMagic {
            found: [magic[0], magic[1], magic[2], magic[3]],
        });
    }
    let version = r.take(4, "version")?;
    if version != b" 20\0" {
        return Err(RecordError::UnsupportedVersion {
            found: [version[0], version[1], version[2], version[3]],
        });
    }
    let mut encoding = Encoding::default();
    let len_offset = r.pos;
    let (declared, product_id) = match format {
        RecordFormat::Iso19794_2_2005 => (r.u32("record length")? as usize, 0),
        RecordFormat::Ansi378_2004 => {
            let short = r.u16("record length")?;
            let declared = if short == 0 {
                encoding.ansi_long_length = true;
                r.u32("long record length")? as usize
            } else {
                usize::from(short)
            };
            (declared, r.u32("CBEFF product identifier")?)
        }
    };
    let header_len = match (format, encoding.ansi_long_length) {
        (RecordFormat::Iso19794_2_2005, _) => 24,
        (RecordFormat::Ansi378_2004, false) => 26,
        (RecordFormat::Ansi378_2004, true) => 30,
    };
    if declared > bytes.len() {
        return Err(RecordError::LengthMismatch {
            offset: len_offset,
            declared,
            actual: bytes.len(),
        });
    }
    if declared < header_len {
        return Err(invalid(
            len_offset,
            "record length",
            declared as u64,
            "at least the header size",
        ));
    }
    if let Some(pos) = bytes[declared..].iter().position(|&b| b != 0) {
        return Err(RecordError::TrailingBytes {
            offset: declared + pos,
            count: bytes.len() - declared - pos,
        });
    }
    encoding.padding_after_record = bytes.len() - declared;
    let mut r = Reader {
        buf: &bytes[..declared],
        pos: r.pos,
    };
    let capture_equipment = r.u16("capture equipment")?;
    let width = r.u16("image width")?;
    let height = r.u16("image height")?;
    let x_res_at = r.pos;
    let x_resolution = r.u16("x resolution")?;
    let y_resolution = r.u16("y resolution")?;
    if x_resolution == 0 || y_resolution == 0 {
        return Err(invalid(
            x_res_at,
            "resolution",
            0,
            "a non-zero pixels-per-centimetre value",
        ));
    }
    let view_count = r.u8("number of finger views")?;
    let reserved = r.u8("reserved byte")?;
    let header = Header {
        format,
        width,
        height,
        x_resolution,
        y_resolution,
        view_count,
    };
    // Vendors disagree on whether the extended-block length counts its own two bytes; a record
    // is read with one convention throughout, the standard one first.
    let views = match parse_views(
        &header,
        &mut Reader {
            buf: r.buf,
            pos: r.pos,
        },
        false,
    ) {
        Ok(v) => v,
        Err(first) => match parse_views(
            &header,
            &mut Reader {
                buf: r.buf,
                pos: r.pos,
            },
            true,
        ) {
            Ok(v) => {
                encoding.ext_len_includes_header = true;
                v
            }
            Err(_) => return Err(first),
        },
    };
    encoding.padding_in_record = views.1;
    Ok(MinutiaeRecord {
        format,
        product_id,
        capture_equipment,
        width,
        height,
        x_resolution,
        y_resolution,
        reserved,
        views: views.0,
        encoding,
    })
}

struct Header {
    format: RecordFormat,
    width: u16,
    height: u16,
    x_resolution: u16,
    y_resolution: u16,
    view_count: u8,
}

/// Reads all views; returns them and the count of zero padding bytes after the last one.
fn parse_views(
    h: &Header,
    r: &mut Reader<'_>,
    ext_len_includes_header: bool,
) -> Result<(Vec<FingerView>, usize), RecordError> {
    let mut views = Vec::with_capacity(usize::from(h.view_count));
    for _ in 0..h.view_count {
        views.push(parse_view(h, r, ext_len_includes_header)?);
    }
    let rest = &r.buf[r.pos..];
    if let Some(p) = rest.iter().position(|&b| b != 0) {
        return Err(RecordError::Inconsistent {
            offset: r.pos + p,
            expected_end: r.buf.len(),
        });
    }
    Ok((views, rest.len()))
}

fn parse_view(
    h: &Header,
    r: &mut Reader<'_>,
    ext_len_includes_header: bool,
) -> Result<FingerView, RecordError> {
    let pos_at = r.pos;
    let position = r.u8("finger position")?;
    if position > 15 {
        return Err(invalid(pos_at, "finger position", position.into(), "0-15"));
    }
    let vi = r.u8("view number and impression type")?;
    let q_at = r.pos;
    let quality = r.u8("finger quality")?;
    if quality > 100 {
        return Err(invalid(q_at, "finger quality", quality.into(), "0-100"));
    }
    let count = r.u8("number of minutiae")?;
    let mut minutiae = Vec::with_capacity(usize::from(count));
    for _ in 0..count {
        minutiae.push(parse_minutia(h, r)?);
    }
    let ext_at = r.pos;
    let ext_len = usize::from(r.u16("extended data block length")?);
    let extended = if ext_len == 0 {
        None
    } else {
        let data_len = if ext_len_includes_header {
            ext_len.checked_sub(2).ok_or_else(|| {
                invalid(
                    ext_at,
                    "extended data block length",
                    ext_len as u64,
                    "0 or at least 2 when the length counts itself",
                )
            })?
        } else {
            ext_len
        };
        Some(r.take(data_len, "extended data block")?.to_vec())
    };
    Ok(FingerView {
        format: h.format,
        position,
        view_number: vi >> 4,
        impression_type: vi & 0x0f,
        quality,
        x_resolution: h.x_resolution,
        y_resolution: h.y_resolution,
        minutiae,
        extended,
    })
}

fn parse_minutia(h: &Header, r: &mut Reader<'_>) -> Result<Minutia, RecordError> {
    let at = r.pos;
    let xw = r.u16("minutia x")?;
    let yw = r.u16("minutia y")?;
    let angle = r.u8("minutia angle")?;
    let quality = r.u8("minutia quality")?;
    let x = xw & 0x3fff;
    let y = yw & 0x3fff;
    if h.width != 0 && x > h.width {
        return Err(invalid(
            at,
            "minutia x",
            x.into(),
            "at most the image width",
        ));
    }
    if h.height != 0 && y > h.height {
        return Err(invalid(
            at + 2,
            "minutia y",
            y.into(),
            "at most the image height",
        ));
    }
    if angle > h.format.max_angle() {
        return Err(invalid(
            at + 4,
            "minutia angle",
            angle.into(),
            "0-179 (ANSI, 2-degree units)",
        ));
    }
    if quality > 100 {
        return Err(invalid(at + 5, "minutia quality", quality.into(), "0-100"));
    }
    Ok(Minutia {
        kind: MinutiaKind::from_bits((xw >> 14) as u8),
        x,
        y,
        y_reserved: (yw >> 14) as u8,
        angle,
        quality,
    })
}

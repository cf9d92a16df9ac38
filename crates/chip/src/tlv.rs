//! BER-TLV as the LDS uses it (ISO/IEC 7816-4 / Doc 9303 Part 10 §4.2): tags of one to three bytes (`61`,
//! `5F1F`, `7F61`), definite lengths in the short or `81`/`82`/`83` long forms, no indefinite length.
//!
//! [`Writer`] builds the data groups; [`read`] and [`children`] take them apart again for verification and are
//! fuzzed (`fuzz/fuzz_targets/tlv.rs`). The reader never allocates for the values it returns and never panics on
//! any input; it refuses what the LDS never holds (indefinite lengths, lengths beyond 16 MiB, tags over 3 bytes).

use crate::ChipError;

/// Largest length the reader accepts (the `83` form with its top byte below 0x01 is ample for any LDS file).
pub const MAX_LEN: usize = 0x00FF_FFFF;

/// The bytes of a tag, most significant first (`0x5F1F` → `5F 1F`).
fn push_tag(out: &mut Vec<u8>, tag: u32) {
    let bytes = tag.to_be_bytes();
    let first = bytes.iter().position(|&b| b != 0).unwrap_or(3);
    out.extend_from_slice(&bytes[first..]);
}

/// The length in its shortest definite form.
pub fn push_len(out: &mut Vec<u8>, len: usize) -> Result<(), ChipError> {
    match len {
        0..=0x7F => out.push(len as u8),
        0x80..=0xFF => out.extend_from_slice(&[0x81, len as u8]),
        0x100..=0xFFFF => out.extend_from_slice(&[0x82, (len >> 8) as u8, len as u8]),
        0x1_0000..=MAX_LEN => {
            out.extend_from_slice(&[0x83, (len >> 16) as u8, (len >> 8) as u8, len as u8])
        }
        _ => return Err(ChipError::encoding(format!("a TLV value of {len} bytes"))),
    }
    Ok(())
}

/// One TLV: tag, length, value.
pub fn tlv(tag: u32, value: &[u8]) -> Result<Vec<u8>, ChipError> {
    let mut out = Vec::with_capacity(value.len() + 6);
    push_tag(&mut out, tag);
    push_len(&mut out, value.len())?;
    out.extend_from_slice(value);
    Ok(out)
}

/// Appends TLVs to one buffer, for the content of a constructed tag.
#[derive(Default)]
pub struct Writer {
    buf: Vec<u8>,
}

impl Writer {
    pub fn new() -> Self {
        Self::default()
    }

    /// Appends one TLV.
    pub fn put(&mut self, tag: u32, value: &[u8]) -> Result<&mut Self, ChipError> {
        push_tag(&mut self.buf, tag);
        push_len(&mut self.buf, value.len())?;
        self.buf.extend_from_slice(value);
        Ok(self)
    }

    /// The content so far, wrapped in `tag`.
    pub fn wrap(&self, tag: u32) -> Result<Vec<u8>, ChipError> {
        tlv(tag, &self.buf)
    }

    /// The content so far, unwrapped.
    pub fn into_inner(self) -> Vec<u8> {
        self.buf
    }
}

/// One TLV read from a buffer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tlv<'a> {
    pub tag: u32,
    pub value: &'a [u8],
}

impl Tlv<'_> {
    /// Whether the tag's first byte marks a constructed encoding (bit 6).
    pub fn is_constructed(&self) -> bool {
        let first = self.tag.to_be_bytes().into_iter().find(|&b| b != 0);
        first.is_some_and(|b| b & 0x20 != 0)
    }
}

fn malformed(reason: &str) -> ChipError {
    ChipError::malformed("TLV", reason)
}

/// Reads the TLV at the start of `bytes`; returns it and what follows.
pub fn read(bytes: &[u8]) -> Result<(Tlv<'_>, &[u8]), ChipError> {
    let (&first, mut rest) = bytes.split_first().ok_or_else(|| malformed("no tag"))?;
    if first == 0x00 || first == 0xFF {
        return Err(malformed("tag byte 00 or FF"));
    }
    let mut tag = u32::from(first);
    if first & 0x1F == 0x1F {
        for i in 0.. {
            let (&b, r) = rest
                .split_first()
                .ok_or_else(|| malformed("tag cut short"))?;
            rest = r;
            tag = (tag << 8) | u32::from(b);
            if b & 0x80 == 0 {
                break;
            }
            if i == 1 {
                return Err(malformed("tag longer than 3 bytes"));
            }
        }
    }
    let (&l, r) = rest.split_first().ok_or_else(|| malformed("no length"))?;
    rest = r;
    let len = match l {
        0..=0x7F => usize::from(l),
        0x81..=0x83 => {
            let n = usize::from(l - 0x80);
            let (b, r) = rest
                .split_at_checked(n)
                .ok_or_else(|| malformed("length cut short"))?;
            rest = r;
            b.iter().fold(0usize, |acc, &x| (acc << 8) | usize::from(x))
        }
        0x80 => return Err(malformed("indefinite length")),
        _ => return Err(malformed("length field over 3 bytes")),
    };
    let (value, rest) = rest
        .split_at_checked(len)
        .ok_or_else(|| malformed("value runs past the end"))?;
    Ok((Tlv { tag, value }, rest))
}

/// Reads exactly one TLV spanning all of `bytes`.
pub fn read_exact(bytes: &[u8]) -> Result<Tlv<'_>, ChipError> {
    let (t, rest) = read(bytes)?;
    if !rest.is_empty() {
        return Err(malformed("bytes after the TLV"));
    }
    Ok(t)
}

/// The TLVs that make up a constructed value, in order.
pub fn children(mut value: &[u8]) -> Result<Vec<Tlv<'_>>, ChipError> {
    let mut out = Vec::new();
    while !value.is_empty() {
        let (t, rest) = read(value)?;
        out.push(t);
        value = rest;
    }
    Ok(out)
}

/// The first child with `tag`.
pub fn find<'a>(children: &[Tlv<'a>], tag: u32) -> Option<Tlv<'a>> {
    children.iter().copied().find(|t| t.tag == tag)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn lengths() {
        for (len, head) in [
            (0usize, vec![0x00]),
            (0x7F, vec![0x7F]),
            (0x80, vec![0x81, 0x80]),
            (0xFF, vec![0x81, 0xFF]),
            (0x100, vec![0x82, 0x01, 0x00]),
            (0x1_0000, vec![0x83, 0x01, 0x00, 0x00]),
        ] {
            let mut out = Vec::new();
            push_len(&mut out, len).unwrap();
            assert_eq!(out, head, "{len}");
        }
        assert!(push_len(&mut Vec::new(), MAX_LEN + 1).is_err());
    }

    #[test]
    fn round_trip_multi_byte_tags() {
        let inner = tlv(0x5F1F, b"MRZ").unwrap();
        assert_eq!(inner, [0x5F, 0x1F, 3, b'M', b'R', b'Z']);
        let outer = tlv(0x61, &inner).unwrap();
        let t = read_exact(&outer).unwrap();
        assert_eq!(t.tag, 0x61);
        assert!(t.is_constructed());
        let kids = children(t.value).unwrap();
        assert_eq!(
            kids,
            [Tlv {
                tag: 0x5F1F,
                value: b"MRZ"
            }]
        );
        assert!(!kids[0].is_constructed());
        let big = vec![7u8; 300];
        let t = tlv(0x7F2E, &big).unwrap();
        assert_eq!(&t[..4], [0x7F, 0x2E, 0x82, 0x01]);
        assert_eq!(read_exact(&t).unwrap().value, &big[..]);
    }

    #[test]
    fn refusals() {
        for bad in [
            &[][..],
            &[0x61],
            &[0x61, 0x80],
            &[0x61, 0x84, 0, 0, 0, 1],
            &[0x61, 0x02, 0x00],
            &[0x5F],
            &[0x5F, 0x81, 0x81, 0x81, 0x01, 0x00],
            &[0x00, 0x00],
            &[0x61, 0x82, 0x01],
        ] {
            assert!(read(bad).is_err(), "{bad:02X?}");
        }
        assert!(read_exact(&[0x61, 0x00, 0x00]).is_err());
        assert!(children(&[0x61, 0x00, 0x62]).is_err());
    }
}

//! WSQ entropy coding: JPEG-style canonical Huffman tables and the bit reader over
//! byte-stuffed data (0xFF is followed by 0x00; 0xFF then anything else is a marker).

use super::{err, Cursor};
use crate::extract::ExtractError;

/// A canonical Huffman table, ready for decoding.
pub(super) struct Huffman {
    maxcode: [i32; 18],
    mincode: [i32; 18],
    valptr: [i32; 18],
    values: Vec<u8>,
}

impl Huffman {
    /// Reads 16 code-length counts and the symbol values (the table id is read by the caller).
    pub fn read(c: &mut Cursor<'_>) -> Result<Self, ExtractError> {
        let at = c.pos;
        let mut counts = [0usize; 16];
        for n in counts.iter_mut() {
            *n = usize::from(c.u8()?);
        }
        let total: usize = counts.iter().sum();
        if total > 256 {
            return Err(err(
                at,
                format_args!("Huffman table declares {total} symbols (at most 256)"),
            ));
        }
        let mut values = Vec::with_capacity(total);
        for _ in 0..total {
            values.push(c.u8()?);
        }
        let mut h = Huffman {
            maxcode: [-1; 18],
            mincode: [0; 18],
            valptr: [0; 18],
            values,
        };
        let (mut code, mut k) = (0i32, 0i32);
        for len in 1..=16usize {
            let n = counts[len - 1] as i32;
            if n > 0 {
                h.valptr[len] = k;
                h.mincode[len] = code;
                code += n;
                k += n;
                h.maxcode[len] = code - 1;
                if code > (1 << len) {
                    return Err(err(
                        at,
                        format_args!("Huffman code lengths over-subscribed at length {len}"),
                    ));
                }
            }
            code <<= 1;
        }
        Ok(h)
    }

    /// Decodes one symbol; `Ok(Err(marker))` when a marker ends the block instead.
    pub fn decode(&self, r: &mut BitReader<'_>) -> Result<Result<u8, u16>, ExtractError> {
        let mut code = match r.bit()? {
            Ok(b) => b as i32,
            Err(m) => return Ok(Err(m)),
        };
        let mut len = 1usize;
        while code > self.maxcode[len] {
            len += 1;
            if len > 16 {
                return Err(err(r.pos(), "invalid Huffman code"));
            }
            match r.bit()? {
                Ok(b) => code = (code << 1) | b as i32,
                Err(m) => return Ok(Err(m)),
            }
        }
        let idx = self.valptr[len] + code - self.mincode[len];
        usize::try_from(idx)
            .ok()
            .and_then(|i| self.values.get(i))
            .map(|&v| Ok(v))
            .ok_or_else(|| err(r.pos(), "Huffman code outside its table"))
    }
}

/// Reads bits most-significant first, removing stuffed zero bytes.
pub(super) struct BitReader<'a> {
    buf: &'a [u8],
    pos: usize,
    cur: u8,
    left: u32,
}

impl<'a> BitReader<'a> {
    pub fn new(c: &Cursor<'a>) -> Self {
        BitReader {
            buf: c.buf,
            pos: c.pos,
            cur: 0,
            left: 0,
        }
    }

    /// Offset of the next unread byte.
    pub fn pos(&self) -> usize {
        self.pos
    }

    fn byte(&mut self) -> Result<u8, ExtractError> {
        let b = *self
            .buf
            .get(self.pos)
            .ok_or_else(|| err(self.pos, "unexpected end of coded data"))?;
        self.pos += 1;
        Ok(b)
    }

    /// Loads the next data byte; a marker is only legal where `marker_ok`.
    fn load(&mut self, marker_ok: bool) -> Result<Result<(), u16>, ExtractError> {
        let b = self.byte()?;
        if b == 0xff {
            let b2 = self.byte()?;
            if b2 != 0 {
                if marker_ok {
                    return Ok(Err(0xff00 | u16::from(b2)));
                }
                return Err(err(
                    self.pos - 2,
                    "marker inside a multi-bit field (no stuffed zero)",
                ));
            }
        }
        self.cur = b;
        self.left = 8;
        Ok(Ok(()))
    }

    /// One bit, or the marker met at a byte boundary.
    pub fn bit(&mut self) -> Result<Result<u32, u16>, ExtractError> {
        if self.left == 0 {
            if let Err(m) = self.load(true)? {
                return Ok(Err(m));
            }
        }
        self.left -= 1;
        Ok(Ok(u32::from(self.cur >> self.left) & 1))
    }

    /// `n` bits (at most 16) as an unsigned number.
    pub fn bits(&mut self, n: u32) -> Result<u32, ExtractError> {
        let mut v = 0u32;
        for _ in 0..n {
            if self.left == 0 && self.load(false)?.is_err() {
                return Err(err(self.pos, "marker inside a multi-bit field"));
            }
            self.left -= 1;
            v = (v << 1) | (u32::from(self.cur >> self.left) & 1);
        }
        Ok(v)
    }
}

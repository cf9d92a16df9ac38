//! WSQ (FBI Wavelet Scalar Quantization, IAFIS-IC-0110) decoder, as fingerprint scanners
//! send their images: marker segments (transform, quantisation and Huffman tables, frame
//! header, NISTCOM comment), three Huffman-coded blocks of quantised wavelet coefficients,
//! de-quantisation, and wavelet synthesis ([`transform`]). Every read is bounds-checked and a
//! malformed stream gives an [`ExtractError::Wsq`] naming the offset.

mod huffman;
mod transform;

use super::{ExtractError, GrayImage};
use huffman::{BitReader, Huffman};

const SOI: u16 = 0xffa0;
const EOI: u16 = 0xffa1;
const SOF: u16 = 0xffa2;
const SOB: u16 = 0xffa3;
const DTT: u16 = 0xffa4;
const DQT: u16 = 0xffa5;
const DHT: u16 = 0xffa6;
const COM: u16 = 0xffa8;
/// Subbands that carry coefficients.
const SUBBANDS: usize = 60;
/// Smallest side the decomposition tree handles.
const MIN_SIDE: usize = 32;

fn err(at: usize, what: impl std::fmt::Display) -> ExtractError {
    ExtractError::Wsq(format!("at offset {at}: {what}"))
}

/// Byte cursor over the stream.
pub(super) struct Cursor<'a> {
    pub buf: &'a [u8],
    pub pos: usize,
}

impl Cursor<'_> {
    pub fn u8(&mut self) -> Result<u8, ExtractError> {
        let b = *self
            .buf
            .get(self.pos)
            .ok_or_else(|| err(self.pos, "unexpected end of stream"))?;
        self.pos += 1;
        Ok(b)
    }
    pub fn u16(&mut self) -> Result<u16, ExtractError> {
        Ok(u16::from(self.u8()?) << 8 | u16::from(self.u8()?))
    }
    fn u32(&mut self) -> Result<u32, ExtractError> {
        Ok(u32::from(self.u16()?) << 16 | u32::from(self.u16()?))
    }
    /// A value stored as a decimal exponent byte and an integer.
    fn scaled16(&mut self) -> Result<f32, ExtractError> {
        let scale = self.u8()?;
        let v = f32::from(self.u16()?);
        Ok(descale(v, scale))
    }
}

fn descale(mut v: f32, scale: u8) -> f32 {
    for _ in 0..scale {
        v /= 10.0;
    }
    v
}

struct Tables {
    lo: Vec<f32>,
    hi: Vec<f32>,
    q_bin: [f32; 64],
    z_bin: [f32; 64],
    center: f32,
    dqt: bool,
    huff: [Option<Huffman>; 8],
}

impl Default for Tables {
    fn default() -> Self {
        Tables {
            lo: Vec::new(),
            hi: Vec::new(),
            q_bin: [0.0; 64],
            z_bin: [0.0; 64],
            center: 0.0,
            dqt: false,
            huff: Default::default(),
        }
    }
}

struct Frame {
    width: usize,
    height: usize,
    m_shift: f32,
    r_scale: f32,
}

/// Decodes a WSQ stream to 8-bit grayscale.
pub fn decode(bytes: &[u8]) -> Result<GrayImage, ExtractError> {
    let mut c = Cursor { buf: bytes, pos: 0 };
    if c.u16()? != SOI {
        return Err(err(0, "expected the SOI marker FFA0"));
    }
    let mut t = Tables::default();
    let mut ppi = None;
    let frame = loop {
        let at = c.pos;
        match c.u16()? {
            SOF => break read_frame(&mut c)?,
            m @ (DTT | DQT | DHT | COM) => read_table(&mut c, m, &mut t, &mut ppi)?,
            m => {
                return Err(err(
                    at,
                    format_args!("expected a table or SOF marker, found {m:04X}"),
                ))
            }
        }
    };
    let w = transform::build_w_tree(frame.width, frame.height);
    let q = transform::build_q_tree(&w);
    let coeffs = read_blocks(&mut c, &mut t, &mut ppi, &q, frame.width * frame.height)?;
    if !t.dqt {
        return Err(err(c.pos, "no quantisation table before the data"));
    }
    if t.lo.is_empty() || t.hi.is_empty() {
        return Err(err(c.pos, "no transform table before the data"));
    }
    let mut data = unquantize(&t, &q, &coeffs, frame.width, frame.height);
    transform::reconstruct(&mut data, frame.width, &w, &t.lo, &t.hi);
    let pixels = data
        .iter()
        .map(|&v| {
            let p = v * frame.r_scale + frame.m_shift + 0.5;
            p.clamp(0.0, 255.0) as u8
        })
        .collect();
    Ok(GrayImage {
        width: frame.width,
        height: frame.height,
        pixels,
        ppi,
    })
}

fn read_frame(c: &mut Cursor<'_>) -> Result<Frame, ExtractError> {
    let start = c.pos;
    let len = usize::from(c.u16()?);
    let _black = c.u8()?;
    let _white = c.u8()?;
    let height = usize::from(c.u16()?);
    let width = usize::from(c.u16()?);
    let m_shift = c.scaled16()?;
    let r_scale = c.scaled16()?;
    if width < MIN_SIDE || height < MIN_SIDE {
        return Err(err(
            start,
            format_args!("image {width}x{height} is below {MIN_SIDE} pixels"),
        ));
    }
    if width as u64 > u64::from(super::image::MAX_SIDE)
        || height as u64 > u64::from(super::image::MAX_SIDE)
    {
        return Err(err(
            start,
            format_args!("image {width}x{height} is too large"),
        ));
    }
    c.pos = start + len.max(2);
    Ok(Frame {
        width,
        height,
        m_shift,
        r_scale,
    })
}

fn read_table(
    c: &mut Cursor<'_>,
    marker: u16,
    t: &mut Tables,
    ppi: &mut Option<u16>,
) -> Result<(), ExtractError> {
    let start = c.pos;
    let len = usize::from(c.u16()?);
    let end = start + len;
    if len < 2 || end > c.buf.len() {
        return Err(err(
            start,
            format_args!("segment length {len} does not fit the stream"),
        ));
    }
    match marker {
        DTT => {
            let first = usize::from(c.u8()?);
            let second = usize::from(c.u8()?);
            // The first stored filter gives the synthesis high-pass, the second the low-pass.
            t.hi = read_filter(c, first, true)?;
            t.lo = read_filter(c, second, false)?;
        }
        DQT => {
            t.center = c.scaled16()?;
            for k in 0..64 {
                t.q_bin[k] = c.scaled16()?;
                t.z_bin[k] = c.scaled16()?;
            }
            t.dqt = true;
        }
        DHT => {
            while c.pos < end {
                let at = c.pos;
                let id = usize::from(c.u8()?);
                let h = Huffman::read(c)?;
                match t.huff.get_mut(id) {
                    Some(slot) => *slot = Some(h),
                    None => return Err(err(at, format_args!("Huffman table id {id} is not 0-7"))),
                }
            }
        }
        _ => {
            let text = String::from_utf8_lossy(&c.buf[c.pos..end]);
            if text.starts_with("NIST_COM") {
                *ppi = text.lines().find_map(|l| {
                    let v = l.strip_prefix("PPI ")?.trim().parse::<i32>().ok()?;
                    u16::try_from(v).ok().filter(|&p| p > 0)
                });
            }
        }
    }
    if c.pos > end {
        return Err(err(start, "segment content runs past its length"));
    }
    c.pos = end;
    Ok(())
}

/// Reads one filter stored as its centre-and-right half (sign, exponent, 32-bit value) and
/// mirrors it, alternating signs as the synthesis bank requires.
fn read_filter(c: &mut Cursor<'_>, len: usize, high: bool) -> Result<Vec<f32>, ExtractError> {
    if !(1..=32).contains(&len) {
        return Err(err(c.pos, format_args!("filter length {len} is not 1-32")));
    }
    let half = len.div_ceil(2);
    let mut f = vec![0.0f32; len];
    let a = half - 1;
    for k in 0..half {
        let sign = c.u8()?;
        let scale = c.u8()?;
        let mut v = descale(c.u32()? as f32, scale);
        if sign != 0 {
            v = -v;
        }
        let alt = |p: usize| if p % 2 == 0 { 1.0 } else { -1.0 };
        if len % 2 == 1 {
            f[a + k] = alt(k) * v;
            f[a - k] = f[a + k];
        } else if high {
            f[k + a + 1] = alt(k) * v;
            f[a - k] = -f[k + a + 1];
        } else {
            f[k + a + 1] = alt(k + 1) * v;
            f[a - k] = f[k + a + 1];
        }
    }
    Ok(f)
}

/// Decodes the Huffman-coded blocks up to EOI into quantised coefficients.
fn read_blocks(
    c: &mut Cursor<'_>,
    t: &mut Tables,
    ppi: &mut Option<u16>,
    q: &[transform::QNode; 64],
    max: usize,
) -> Result<Vec<i16>, ExtractError> {
    let mut out: Vec<i16> = Vec::with_capacity(max);
    let mut marker = c.u16()?;
    loop {
        // Tables (and comments) may precede each block.
        while marker != SOB {
            match marker {
                EOI => return Ok(out),
                DTT | DQT | DHT | COM => read_table(c, marker, t, ppi)?,
                m => {
                    return Err(err(
                        c.pos - 2,
                        format_args!("expected a table or SOB marker, found {m:04X}"),
                    ))
                }
            }
            marker = c.u16()?;
        }
        let limit = if t.dqt {
            max - (0..64)
                .filter(|&k| t.q_bin[k] == 0.0)
                .map(|k| q[k].lenx * q[k].leny)
                .sum::<usize>()
                .min(max)
        } else {
            max
        };
        let at = c.pos;
        let _len = c.u16()?;
        let id = usize::from(c.u8()?);
        let table = t
            .huff
            .get(id)
            .and_then(Option::as_ref)
            .ok_or_else(|| err(at, format_args!("block uses undefined Huffman table {id}")))?;
        let mut bits = BitReader::new(c);
        marker = loop {
            let sym = match table.decode(&mut bits)? {
                Ok(s) => s,
                Err(m) => break m,
            };
            let push_zeros =
                |out: &mut Vec<i16>, n: usize, at: usize| -> Result<(), ExtractError> {
                    if out.len() + n > limit {
                        return Err(err(at, "decoded data extends past the image"));
                    }
                    out.resize(out.len() + n, 0);
                    Ok(())
                };
            match sym {
                1..=100 => push_zeros(&mut out, usize::from(sym), bits.pos())?,
                101 | 102 => {
                    let v = bits.bits(8)? as i16;
                    out.push(if sym == 101 { v } else { -v });
                }
                103 | 104 => {
                    let v = bits.bits(16)? as i32;
                    let v = if sym == 103 { v } else { -v };
                    out.push(v.clamp(i32::from(i16::MIN), i32::from(i16::MAX)) as i16);
                }
                105 => {
                    let n = bits.bits(8)? as usize;
                    push_zeros(&mut out, n, bits.pos())?;
                }
                106 => {
                    let n = bits.bits(16)? as usize;
                    push_zeros(&mut out, n, bits.pos())?;
                }
                107..=254 => out.push(i16::from(sym) - 180),
                _ => {
                    return Err(err(
                        bits.pos(),
                        format_args!("invalid Huffman symbol {sym}"),
                    ))
                }
            }
            if out.len() > limit {
                return Err(err(bits.pos(), "decoded data extends past the image"));
            }
        };
        c.pos = bits.pos();
    }
}

/// Turns quantised coefficients back into wavelet subband values, subband by subband.
#[allow(clippy::needless_range_loop)] // `k` indexes three parallel tables
fn unquantize(
    t: &Tables,
    q: &[transform::QNode; 64],
    coeffs: &[i16],
    width: usize,
    height: usize,
) -> Vec<f32> {
    let mut data = vec![0.0f32; width * height];
    let mut it = coeffs.iter();
    for k in 0..SUBBANDS {
        if t.q_bin[k] == 0.0 {
            continue;
        }
        let n = q[k];
        for row in 0..n.leny {
            for col in 0..n.lenx {
                let Some(&s) = it.next() else {
                    return data;
                };
                let v = if s == 0 {
                    0.0
                } else if s > 0 {
                    t.q_bin[k] * (f32::from(s) - t.center) + t.z_bin[k] / 2.0
                } else {
                    t.q_bin[k] * (f32::from(s) + t.center) - t.z_bin[k] / 2.0
                };
                if let Some(d) = data.get_mut((n.y + row) * width + n.x + col) {
                    *d = v;
                }
            }
        }
    }
    data
}

#[cfg(test)]
mod tests;

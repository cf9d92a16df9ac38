//! A person's captured fingers as one blob: a small versioned container of (position, template) pairs. The
//! enrollment stores it, the pickup check and the chip read it, and the matcher nodes receive it over NATS.

use crate::Template;

const MAGIC: &[u8; 4] = b"SHT1";

/// Encodes the captured fingers' templates.
pub fn encode(fingers: &[(u8, Template)]) -> Vec<u8> {
    let mut out = Vec::with_capacity(16 + fingers.len() * 400);
    out.extend_from_slice(MAGIC);
    out.push(u8::try_from(fingers.len()).unwrap_or(u8::MAX));
    for (position, t) in fingers.iter().take(usize::from(u8::MAX)) {
        let bytes = t.to_bytes();
        out.push(*position);
        out.extend_from_slice(&u32::try_from(bytes.len()).unwrap_or(0).to_le_bytes());
        out.extend_from_slice(&bytes);
    }
    out
}

/// Decodes what [`encode`] wrote.
pub fn decode(bytes: &[u8]) -> Result<Vec<(u8, Template)>, String> {
    let rest = bytes
        .strip_prefix(MAGIC)
        .ok_or("not a template container")?;
    let (&n, mut rest) = rest.split_first().ok_or("truncated")?;
    let mut out = Vec::with_capacity(usize::from(n));
    for _ in 0..n {
        let (&position, r) = rest.split_first().ok_or("truncated")?;
        let (len, r) = r.split_at_checked(4).ok_or("truncated")?;
        let len = u32::from_le_bytes([len[0], len[1], len[2], len[3]]) as usize;
        let (t, r) = r.split_at_checked(len).ok_or("truncated")?;
        out.push((position, Template::from_bytes(t).map_err(|e| e.0)?));
        rest = r;
    }
    Ok(out)
}

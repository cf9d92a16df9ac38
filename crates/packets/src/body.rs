//! The packet's body and its encoding: fields in a fixed order, integers big-endian, text and bytes each behind a
//! u32 length, an optional value behind a 0/1 byte. Decoding refuses anything left over or cut short.

use crate::PacketError;
use chrono::{DateTime, Utc};

/// One enrollment taken by a kit: the data the online desk sends, and who, where and when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Packet {
    /// Drawn by the kit for this enrollment.
    pub packet_id: [u8; 16],
    pub kit_id: String,
    pub visit_id: i64,
    pub tracking_code: String,
    pub national_code: String,
    /// The kit's local operator who took the enrollment.
    pub operator: String,
    pub enrolled_at: DateTime<Utc>,
    pub birth_certificate_seen: bool,
    pub old_card_collected: bool,
    /// The photo as taken (JPEG or PNG).
    pub photo: Vec<u8>,
    /// The ten fingers, as the desk sends them.
    pub fingerprints: Vec<Finger>,
    /// The signature image (PNG).
    pub signature: Vec<u8>,
}

/// One finger as the desk sends it: position 1–10, `captured`, `missing` or `bandaged`, and for a captured one
/// its format (`iso19794_2`, `ansi378`, `png`, `wsq`) and data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finger {
    pub position: u8,
    pub status: String,
    pub format: Option<String>,
    pub data: Option<Vec<u8>>,
}

impl Packet {
    pub fn packet_id_hex(&self) -> String {
        hex::encode(self.packet_id)
    }

    pub(crate) fn encode(&self) -> Vec<u8> {
        let mut w = Vec::with_capacity(
            self.photo.len()
                + self.signature.len()
                + self
                    .fingerprints
                    .iter()
                    .map(|f| f.data.as_ref().map_or(0, Vec::len) + 32)
                    .sum::<usize>()
                + 256,
        );
        w.extend_from_slice(&self.packet_id);
        text(&mut w, &self.kit_id);
        w.extend_from_slice(&self.visit_id.to_be_bytes());
        text(&mut w, &self.tracking_code);
        text(&mut w, &self.national_code);
        text(&mut w, &self.operator);
        w.extend_from_slice(&self.enrolled_at.timestamp_micros().to_be_bytes());
        w.push(u8::from(self.birth_certificate_seen));
        w.push(u8::from(self.old_card_collected));
        bytes(&mut w, &self.photo);
        w.push(u8::try_from(self.fingerprints.len()).unwrap_or(u8::MAX));
        for f in self.fingerprints.iter().take(usize::from(u8::MAX)) {
            w.push(f.position);
            text(&mut w, &f.status);
            match &f.format {
                Some(s) => {
                    w.push(1);
                    text(&mut w, s);
                }
                None => w.push(0),
            }
            match &f.data {
                Some(d) => {
                    w.push(1);
                    bytes(&mut w, d);
                }
                None => w.push(0),
            }
        }
        bytes(&mut w, &self.signature);
        w
    }

    pub(crate) fn decode(b: &[u8]) -> Result<Self, PacketError> {
        let mut r = Reader(b);
        let packet_id: [u8; 16] = r.array()?;
        let kit_id = r.text()?;
        let visit_id = i64::from_be_bytes(r.array()?);
        let tracking_code = r.text()?;
        let national_code = r.text()?;
        let operator = r.text()?;
        let micros = i64::from_be_bytes(r.array()?);
        let enrolled_at = DateTime::from_timestamp_micros(micros)
            .ok_or(PacketError::Malformed("enrolled_at out of range"))?;
        let birth_certificate_seen = r.flag()?;
        let old_card_collected = r.flag()?;
        let photo = r.bytes()?;
        let n = r.byte()?;
        let mut fingerprints = Vec::with_capacity(usize::from(n));
        for _ in 0..n {
            let position = r.byte()?;
            let status = r.text()?;
            let format = if r.flag()? { Some(r.text()?) } else { None };
            let data = if r.flag()? { Some(r.bytes()?) } else { None };
            fingerprints.push(Finger {
                position,
                status,
                format,
                data,
            });
        }
        let signature = r.bytes()?;
        if !r.0.is_empty() {
            return Err(PacketError::Malformed("bytes after the signature image"));
        }
        Ok(Self {
            packet_id,
            kit_id,
            visit_id,
            tracking_code,
            national_code,
            operator,
            enrolled_at,
            birth_certificate_seen,
            old_card_collected,
            photo,
            fingerprints,
            signature,
        })
    }
}

fn bytes(w: &mut Vec<u8>, b: &[u8]) {
    let n = u32::try_from(b.len()).unwrap_or(u32::MAX);
    w.extend_from_slice(&n.to_be_bytes());
    w.extend_from_slice(&b[..n as usize]);
}

fn text(w: &mut Vec<u8>, s: &str) {
    bytes(w, s.as_bytes());
}

struct Reader<'a>(&'a [u8]);

impl Reader<'_> {
    fn take(&mut self, n: usize) -> Result<&[u8], PacketError> {
        if self.0.len() < n {
            return Err(PacketError::Malformed("cut short"));
        }
        let (head, rest) = self.0.split_at(n);
        self.0 = rest;
        Ok(head)
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N], PacketError> {
        let mut a = [0u8; N];
        a.copy_from_slice(self.take(N)?);
        Ok(a)
    }

    fn byte(&mut self) -> Result<u8, PacketError> {
        Ok(self.array::<1>()?[0])
    }

    fn flag(&mut self) -> Result<bool, PacketError> {
        match self.byte()? {
            0 => Ok(false),
            1 => Ok(true),
            _ => Err(PacketError::Malformed("a flag that is neither 0 nor 1")),
        }
    }

    fn bytes(&mut self) -> Result<Vec<u8>, PacketError> {
        let n = u32::from_be_bytes(self.array()?) as usize;
        Ok(self.take(n)?.to_vec())
    }

    fn text(&mut self) -> Result<String, PacketError> {
        String::from_utf8(self.bytes()?).map_err(|_| PacketError::Malformed("text is not UTF-8"))
    }
}

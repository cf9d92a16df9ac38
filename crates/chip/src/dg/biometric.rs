//! The biometric data groups (Doc 9303 Part 10 §4.7.2–4.7.3, §4.7.7) and their inputs.
//!
//! DG2 and DG3 are a Biometric Information Group Template (`7F61`) holding the number of instances (`02`) and one
//! Biometric Information Template (`7F60`) per instance: a CBEFF header (`A1`: `80` ICAO header version `0101`,
//! `81` biometric type, `82` subtype for fingers, `87` format owner `0101` = ISO/IEC JTC 1 SC 37, `88` format
//! type) and the biometric data block (`5F2E`). DG2 holds one ISO/IEC 19794-5 face record (format type `0008`);
//! DG3 one ISO/IEC 19794-2 finger minutiae record per enrolled finger (format type `0002`, the registry's
//! "finger minutiae record"). DG7 holds the displayed signature (`5F43`, JPEG) after its instance count.
//!
//! This module never parses a biometric beyond checking that it is what it says; it never logs one.

use super::face::{self, FaceImage};
use super::signature::SignatureImage;
use super::{TAG_DG2, TAG_DG3, TAG_DG7};
use crate::inputs::Sex;
use crate::tlv::{tlv, Writer};
use crate::ChipError;
use biometrics::record::{FingerView, MinutiaeRecord, RecordFormat};

/// CBEFF format owner: ISO/IEC JTC 1 SC 37.
const FORMAT_OWNER_SC37: [u8; 2] = [0x01, 0x01];
/// CBEFF format type of an ISO/IEC 19794-5 face image record.
const FORMAT_FACE_IMAGE: [u8; 2] = [0x00, 0x08];
/// CBEFF format type of an ISO/IEC 19794-2 finger minutiae record.
const FORMAT_FINGER_MINUTIAE: [u8; 2] = [0x00, 0x02];
/// CBEFF biometric types.
const TYPE_FACE: u8 = 0x02;
const TYPE_FINGER: u8 = 0x08;

/// One enrolled finger: its ISO/IEC 19794-2:2005 record (one view) and its quality.
#[derive(Clone, PartialEq, Eq)]
pub struct Finger {
    record: Vec<u8>,
    view: FingerView,
    quality: u8,
}

impl std::fmt::Debug for Finger {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "Finger(position {}, quality {}, {} minutiae)",
            self.view.position,
            self.quality,
            self.view.minutiae.len()
        )
    }
}

impl Finger {
    /// A one-view ISO/IEC 19794-2:2005 record of a finger in position 1–10 with at least one minutia.
    /// `quality` (0–100) is the enrollment's figure; without it the record's finger quality is used.
    pub fn from_iso_record(record: &[u8], quality: Option<u8>) -> Result<Self, ChipError> {
        let parsed = MinutiaeRecord::parse_as(RecordFormat::Iso19794_2_2005, record)
            .map_err(|e| ChipError::Finger(e.to_string()))?;
        let [view]: [FingerView; 1] = parsed.views.try_into().map_err(|v: Vec<FingerView>| {
            ChipError::Finger(format!("{} views, one per record is required", v.len()))
        })?;
        if !(1..=10).contains(&view.position) {
            return Err(ChipError::Finger(format!(
                "finger position {} is not a finger (1-10)",
                view.position
            )));
        }
        if view.minutiae.is_empty() {
            return Err(ChipError::Finger("no minutiae".into()));
        }
        let quality = quality.unwrap_or(view.quality).min(100);
        Ok(Self {
            record: record.to_vec(),
            view,
            quality,
        })
    }

    /// ISO finger position: 1 right thumb … 5 right little, 6 left thumb … 10 left little.
    pub fn position(&self) -> u8 {
        self.view.position
    }

    pub fn quality(&self) -> u8 {
        self.quality
    }

    pub fn view(&self) -> &FingerView {
        &self.view
    }

    /// CBEFF biometric subtype (Doc 9303 Part 10): bit 0 right, bit 1 left, then thumb 4, index 8, middle 12,
    /// ring 16, little 20.
    pub fn cbeff_subtype(&self) -> u8 {
        let p = self.view.position;
        let side = if p <= 5 { 0x01 } else { 0x02 };
        let digit = (p - 1) % 5; // 0 thumb … 4 little
        side | ((digit + 1) << 2)
    }
}

/// What the chip holds of the holder's biometrics.
#[derive(Debug, Clone)]
pub struct Biometrics {
    face: FaceImage,
    fingers: Vec<Finger>,
    signature: SignatureImage,
}

impl Biometrics {
    /// At most one record per finger position; no finger at all is allowed (a holder without usable prints).
    pub fn new(
        face: FaceImage,
        mut fingers: Vec<Finger>,
        signature: SignatureImage,
    ) -> Result<Self, ChipError> {
        fingers.sort_by_key(Finger::position);
        if fingers
            .windows(2)
            .any(|w| w[0].position() == w[1].position())
        {
            return Err(ChipError::Finger("two records for the same finger".into()));
        }
        Ok(Self {
            face,
            fingers,
            signature,
        })
    }

    pub fn face(&self) -> &FaceImage {
        &self.face
    }
    pub fn fingers(&self) -> &[Finger] {
        &self.fingers
    }
    pub fn signature(&self) -> &SignatureImage {
        &self.signature
    }
}

/// One Biometric Information Template: `7F60 { A1 header, 5F2E data }`.
fn bit(
    kind: u8,
    subtype: Option<u8>,
    format_type: [u8; 2],
    data: &[u8],
) -> Result<Vec<u8>, ChipError> {
    let mut header = Writer::new();
    header.put(0x80, &[0x01, 0x01])?.put(0x81, &[kind])?;
    if let Some(s) = subtype {
        header.put(0x82, &[s])?;
    }
    header
        .put(0x87, &FORMAT_OWNER_SC37)?
        .put(0x88, &format_type)?;
    Writer::new()
        .put(0xA1, &header.into_inner())?
        .put(0x5F2E, data)?
        .wrap(0x7F60)
}

/// `tag { 7F61 { 02 count, 7F60 … } }`.
fn group(tag: u32, bits: &[Vec<u8>]) -> Result<Vec<u8>, ChipError> {
    let count = u8::try_from(bits.len()).map_err(ChipError::encoding)?;
    let mut g = tlv(0x02, &[count])?;
    for b in bits {
        g.extend_from_slice(b);
    }
    tlv(tag, &tlv(0x7F61, &g)?)
}

/// DG2: the face.
pub fn dg2(face: &FaceImage, sex: Sex) -> Result<Vec<u8>, ChipError> {
    let record = face::record(face, sex);
    group(
        TAG_DG2,
        &[bit(TYPE_FACE, None, FORMAT_FACE_IMAGE, &record)?],
    )
}

/// DG3: every enrolled finger, in position order.
pub fn dg3(fingers: &[Finger]) -> Result<Vec<u8>, ChipError> {
    let bits = fingers
        .iter()
        .map(|f| {
            bit(
                TYPE_FINGER,
                Some(f.cbeff_subtype()),
                FORMAT_FINGER_MINUTIAE,
                &f.record,
            )
        })
        .collect::<Result<Vec<_>, _>>()?;
    group(TAG_DG3, &bits)
}

/// DG7: `67 { 02 01, 5F43 <JPEG> }`.
pub fn dg7(signature: &SignatureImage) -> Result<Vec<u8>, ChipError> {
    let mut w = Writer::new();
    w.put(0x02, &[1])?.put(0x5F43, signature.jpeg())?;
    w.wrap(TAG_DG7)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::tlv::{children, find, read_exact};

    pub(crate) fn finger(position: u8, seed: u64) -> Finger {
        Finger::from_iso_record(&intake::fixtures::iso_record(position, seed), None).unwrap()
    }

    #[test]
    fn subtypes() {
        let sub = |p| finger(p, 1).cbeff_subtype();
        assert_eq!(sub(1), 0x05, "right thumb");
        assert_eq!(sub(2), 0x09, "right index");
        assert_eq!(sub(5), 0x15, "right little");
        assert_eq!(sub(6), 0x06, "left thumb");
        assert_eq!(sub(7), 0x0A, "left index");
        assert_eq!(sub(10), 0x16, "left little");
    }

    #[test]
    fn finger_refusals() {
        assert!(Finger::from_iso_record(b"FMR\0", None).is_err());
        assert!(Finger::from_iso_record(&intake::fixtures::ansi_record(2, 1), None).is_err());
        assert!(Finger::from_iso_record(&intake::fixtures::iso_record(0, 1), None).is_err());
        assert_eq!(finger(2, 1).quality(), 80);
        let f = Finger::from_iso_record(&intake::fixtures::iso_record(2, 1), Some(250)).unwrap();
        assert_eq!(f.quality(), 100);
    }

    #[test]
    fn dg3_structure() {
        let fingers = [finger(2, 1), finger(7, 2)];
        let dg = dg3(&fingers).unwrap();
        let t = read_exact(&dg).unwrap();
        assert_eq!(t.tag, 0x63);
        let group = read_exact(t.value).unwrap();
        assert_eq!(group.tag, 0x7F61);
        let kids = children(group.value).unwrap();
        assert_eq!(
            kids[0],
            crate::tlv::Tlv {
                tag: 0x02,
                value: &[2]
            }
        );
        assert_eq!(kids.len(), 3);
        for (k, f) in kids[1..].iter().zip(&fingers) {
            assert_eq!(k.tag, 0x7F60);
            let parts = children(k.value).unwrap();
            let header = children(find(&parts, 0xA1).unwrap().value).unwrap();
            assert_eq!(find(&header, 0x80).unwrap().value, [1, 1]);
            assert_eq!(find(&header, 0x81).unwrap().value, [8]);
            assert_eq!(find(&header, 0x82).unwrap().value, [f.cbeff_subtype()]);
            assert_eq!(find(&header, 0x87).unwrap().value, [1, 1]);
            assert_eq!(find(&header, 0x88).unwrap().value, [0, 2]);
            let data = find(&parts, 0x5F2E).unwrap().value;
            assert_eq!(data, &f.record[..]);
            assert!(MinutiaeRecord::parse(data).is_ok());
        }
    }

    #[test]
    fn dg2_and_dg7_structure() {
        let face = FaceImage::from_jpeg(intake::fixtures::photo_jpeg(300, 400, 3)).unwrap();
        let dg = dg2(&face, Sex::Male).unwrap();
        let t = read_exact(&dg).unwrap();
        assert_eq!(t.tag, 0x75);
        let kids = children(read_exact(t.value).unwrap().value).unwrap();
        assert_eq!(kids[0].value, [1]);
        let parts = children(kids[1].value).unwrap();
        let header = children(find(&parts, 0xA1).unwrap().value).unwrap();
        assert_eq!(find(&header, 0x81).unwrap().value, [2]);
        assert!(find(&header, 0x82).is_none());
        assert_eq!(find(&header, 0x88).unwrap().value, [0, 8]);
        let record = find(&parts, 0x5F2E).unwrap().value;
        assert!(record.starts_with(b"FAC\x00010\x00"));
        assert!(record.ends_with(face.jpeg()));

        let sig = SignatureImage::from_png(&intake::fixtures::signature_png()).unwrap();
        let dg = dg7(&sig).unwrap();
        let t = read_exact(&dg).unwrap();
        assert_eq!(t.tag, 0x67);
        let kids = children(t.value).unwrap();
        assert_eq!(kids[0].value, [1]);
        assert_eq!(find(&kids, 0x5F43).unwrap().value, sig.jpeg());
    }

    #[test]
    fn one_record_per_finger() {
        let face = FaceImage::from_jpeg(intake::fixtures::photo_jpeg(300, 400, 3)).unwrap();
        let sig = SignatureImage::from_png(&intake::fixtures::signature_png()).unwrap();
        assert!(
            Biometrics::new(face.clone(), vec![finger(2, 1), finger(2, 2)], sig.clone()).is_err()
        );
        let b = Biometrics::new(face, vec![finger(7, 1), finger(2, 2)], sig).unwrap();
        assert_eq!(b.fingers()[0].position(), 2);
    }
}

//! The elementary files of the LDS (Doc 9303 Part 10 §4.6–4.7), each DER/BER-TLV with its ICAO application tag:
//! EF.COM and DG1 here, the person's and the document's details (DG11, DG12) in [`details`], the biometric
//! groups (DG2 face, DG3 fingers, DG7 displayed signature) in [`biometric`].
//!
//! Only tags from Part 10's lists are written; which optional ones are filled is listed in `docs/chip.md`.
//! This module writes files; it never signs them (that is [`crate::sod`]) and never reads them back.

pub mod biometric;
pub mod details;
pub mod face;
pub mod signature;

use crate::mrz::Td1Mrz;
use crate::tlv::{tlv, Writer};
use crate::ChipError;

/// EF.COM's application tag.
pub const TAG_COM: u32 = 0x60;
/// DG1: the MRZ.
pub const TAG_DG1: u32 = 0x61;
/// DG2: encoded face.
pub const TAG_DG2: u32 = 0x75;
/// DG3: encoded fingers.
pub const TAG_DG3: u32 = 0x63;
/// DG7: displayed signature or usual mark.
pub const TAG_DG7: u32 = 0x67;
/// DG11: additional personal details.
pub const TAG_DG11: u32 = 0x6B;
/// DG12: additional document details.
pub const TAG_DG12: u32 = 0x6C;
/// EF.SOD: the document security object.
pub const TAG_SOD: u32 = 0x77;

/// The data groups this card carries: (number, tag), in the order of EF.COM's tag list and the EF.SOD.
pub const DATA_GROUPS: [(u8, u32); 6] = [
    (1, TAG_DG1),
    (2, TAG_DG2),
    (3, TAG_DG3),
    (7, TAG_DG7),
    (11, TAG_DG11),
    (12, TAG_DG12),
];

/// LDS version 1.7 (`aabb`), the version whose security object is `LDSSecurityObject` v0.
pub const LDS_VERSION: &[u8; 4] = b"0107";
/// Unicode version 4.0.0 (`aabbcc`), as Part 10 prescribes for LDS 1.7.
pub const UNICODE_VERSION: &[u8; 6] = b"040000";

/// EF.COM: `60 { 5F01 LDS version, 5F36 Unicode version, 5C tag list }`.
pub fn com() -> Result<Vec<u8>, ChipError> {
    let tags: Vec<u8> = DATA_GROUPS.iter().map(|&(_, tag)| tag as u8).collect();
    Writer::new()
        .put(0x5F01, LDS_VERSION)?
        .put(0x5F36, UNICODE_VERSION)?
        .put(0x5C, &tags)?
        .wrap(TAG_COM)
}

/// DG1: `61 { 5F1F <the 90 MRZ characters> }`.
pub fn dg1(mrz: &Td1Mrz) -> Result<Vec<u8>, ChipError> {
    tlv(TAG_DG1, &tlv(0x5F1F, mrz.concatenated().as_bytes())?)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::tlv::{children, find, read_exact};

    #[test]
    fn com_lists_every_data_group() {
        let com = com().unwrap();
        let t = read_exact(&com).unwrap();
        assert_eq!(t.tag, TAG_COM);
        let kids = children(t.value).unwrap();
        assert_eq!(find(&kids, 0x5F01).unwrap().value, b"0107");
        assert_eq!(find(&kids, 0x5F36).unwrap().value, b"040000");
        assert_eq!(
            find(&kids, 0x5C).unwrap().value,
            [0x61, 0x75, 0x63, 0x67, 0x6B, 0x6C]
        );
        assert_eq!(
            hex(&com),
            "60185F0104303130375F36063034303030305C06617563676B6C"
        );
    }

    pub(crate) fn hex(b: &[u8]) -> String {
        b.iter().map(|x| format!("{x:02X}")).collect()
    }
}

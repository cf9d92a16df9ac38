//! What goes on the card's chip, per ICAO Doc 9303 (Parts 3, 5, 9–12) for a TD1 identity card issued by `IRN`:
//! the MRZ, the LDS files (EF.COM, DG1, DG2, DG3, DG7, DG11, DG12), the EF.SOD that signs them, and the two
//! match-on-card fingerprint templates. [`personalise`] makes all of it once per card, when the card enters a
//! production batch; the result is stored and handed to the manufacturer at claim.
//!
//! - [`inputs`]: typed inputs that cannot hold values the chip cannot carry ([`DocumentNumber`], [`Holder`], …).
//! - [`mrz`]: the TD1 MRZ, its check digits, and the Persian → MRZ transliteration table.
//! - [`dg`]: the data groups; [`tlv`]: the BER-TLV they are written in (and read back with).
//! - [`sod`]: the EF.SOD (CMS SignedData over the LDSSecurityObject) and its reader.
//! - [`signer`]: the [`DocumentSigner`] port the national PKI implements, and a P-256 file-key adapter.
//! - [`moc`]: the ISO/IEC 19794-2 compact card format for match-on-card.
//!
//! The crate has no dependency on the server, the store or HTTP, does no I/O, and never logs: it is given bytes
//! and a signer and returns bytes. It never holds a private key beyond the file adapter's, and never prints one.

#![forbid(unsafe_code)]

pub mod dg;
mod error;
pub mod inputs;
pub mod moc;
pub mod mrz;
pub mod signer;
pub mod sod;
#[cfg(feature = "test-pki")]
pub mod test_pki;
pub mod tlv;

pub use dg::biometric::{Biometrics, Finger};
pub use dg::face::FaceImage;
pub use dg::signature::SignatureImage;
pub use error::ChipError;
pub use inputs::{Address, Document, DocumentNumber, Holder, PersonName, Sex};
pub use moc::MatchOnCardTemplate;
pub use mrz::Td1Mrz;
pub use signer::{DocumentSigner, P256FileSigner, SignatureAlgorithm, SignerError};

/// Everything written on one card's chip.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lds {
    /// The MRZ that DG1 holds (also printed on the card's back).
    pub mrz: Td1Mrz,
    pub com: Vec<u8>,
    pub dg1: Vec<u8>,
    pub dg2: Vec<u8>,
    pub dg3: Vec<u8>,
    pub dg7: Vec<u8>,
    pub dg11: Vec<u8>,
    pub dg12: Vec<u8>,
    pub sod: Vec<u8>,
    /// The two best fingers for the match-on-card applet (fewer if fewer were enrolled).
    pub match_on_card: Vec<MatchOnCardTemplate>,
}

impl Lds {
    /// The data groups as (number, file), in the order the EF.SOD lists them.
    pub fn data_groups(&self) -> [(u8, &[u8]); 6] {
        [
            (1, &self.dg1),
            (2, &self.dg2),
            (3, &self.dg3),
            (7, &self.dg7),
            (11, &self.dg11),
            (12, &self.dg12),
        ]
    }

    /// Every file by its name in the manufacturer's payload (`com`, `dg1`, …, `sod`).
    pub fn files(&self) -> [(&'static str, &[u8]); 8] {
        [
            ("com", &self.com),
            ("dg1", &self.dg1),
            ("dg2", &self.dg2),
            ("dg3", &self.dg3),
            ("dg7", &self.dg7),
            ("dg11", &self.dg11),
            ("dg12", &self.dg12),
            ("sod", &self.sod),
        ]
    }
}

/// Makes the chip data of one card and signs it with `signer`.
pub fn personalise(
    holder: &Holder,
    document: &Document,
    biometrics: &Biometrics,
    signer: &dyn DocumentSigner,
) -> Result<Lds, ChipError> {
    holder.check()?;
    let mrz = Td1Mrz::new(&mrz::MrzData {
        document_number: document.number(),
        national_code: &holder.national_code,
        birth_date: holder.birth_date,
        sex: holder.sex,
        expiry_date: document.expiry_date(),
        name: &holder.name,
    })?;
    let mut lds = Lds {
        com: dg::com()?,
        dg1: dg::dg1(&mrz)?,
        dg2: dg::biometric::dg2(biometrics.face(), holder.sex)?,
        dg3: dg::biometric::dg3(biometrics.fingers())?,
        dg7: dg::biometric::dg7(biometrics.signature())?,
        dg11: dg::details::dg11(holder)?,
        dg12: dg::details::dg12(document)?,
        sod: Vec::new(),
        match_on_card: moc::match_on_card(biometrics.fingers()),
        mrz,
    };
    lds.sod = sod::ef_sod(&lds.data_groups(), signer, document.issue_date())?;
    Ok(lds)
}

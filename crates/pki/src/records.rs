//! What the caller persists: issued certificates and certificate status changes, as plain
//! values. The crate keeps no storage of its own; the store adds tables for these and hands
//! them back (authorities to [`crate::Pki::new`], statuses to the CRL and OCSP code).
//!
//! The status of a certificate is its own state machine, apart from the card's (Estonia kept
//! 800,000 cards valid as photo ID while their certificates were suspended):
//! `good ⇄ on hold → revoked`, where `revoked` is final. This module must never hold keys.

use crate::PkiError;
use std::fmt;
use std::time::SystemTime;

/// What a certificate is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Role {
    /// "IRAN Root CA1", the national root (self-signed).
    RootCa,
    /// "IRAN Digital Citizen CA", under the root; issues holder certificates.
    CitizenCa,
    /// The country signing CA (ICAO Doc 9303 Part 12), self-signed; issues document signers.
    Csca,
    /// A document signer (DS), under the CSCA; signs the chips' EF.SOD.
    DocumentSigner,
    /// The delegated OCSP responder of the citizen CA.
    CitizenOcsp,
    /// The delegated OCSP responder of the CSCA.
    CscaOcsp,
    /// A holder's authentication certificate (key on the chip).
    HolderAuthentication,
    /// A holder's signing certificate (key on the chip).
    HolderSigning,
}

impl Role {
    /// Every role, in the order `pki status` lists them.
    pub const ALL: [Role; 8] = [
        Role::RootCa,
        Role::CitizenCa,
        Role::Csca,
        Role::DocumentSigner,
        Role::CitizenOcsp,
        Role::CscaOcsp,
        Role::HolderAuthentication,
        Role::HolderSigning,
    ];

    /// The stable name stored in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::RootCa => "root_ca",
            Role::CitizenCa => "citizen_ca",
            Role::Csca => "csca",
            Role::DocumentSigner => "document_signer",
            Role::CitizenOcsp => "citizen_ocsp",
            Role::CscaOcsp => "csca_ocsp",
            Role::HolderAuthentication => "holder_authentication",
            Role::HolderSigning => "holder_signing",
        }
    }

    /// The role stored under `name`.
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.as_str() == name)
    }

    /// The authority that issues certificates of this role (`None` for the self-signed roots).
    pub fn issuer(self) -> Option<Authority> {
        match self {
            Role::RootCa | Role::Csca => None,
            Role::CitizenCa => Some(Authority::Root),
            Role::DocumentSigner | Role::CscaOcsp => Some(Authority::Csca),
            Role::CitizenOcsp | Role::HolderAuthentication | Role::HolderSigning => {
                Some(Authority::CitizenCa)
            }
        }
    }

    /// Whether the service holds this certificate's private key (holders' keys are on chips).
    pub fn key_held(self) -> bool {
        !matches!(self, Role::HolderAuthentication | Role::HolderSigning)
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A certification authority: what CRLs and OCSP answers are about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Authority {
    /// IRAN Root CA1.
    Root,
    /// IRAN Digital Citizen CA.
    CitizenCa,
    /// The country signing CA.
    Csca,
}

impl Authority {
    /// The role of the authority's own certificate.
    pub fn role(self) -> Role {
        match self {
            Authority::Root => Role::RootCa,
            Authority::CitizenCa => Role::CitizenCa,
            Authority::Csca => Role::Csca,
        }
    }

    /// The stable name (also the CRL file name: `citizen-ca.crl`).
    pub fn as_str(self) -> &'static str {
        match self {
            Authority::Root => "root",
            Authority::CitizenCa => "citizen-ca",
            Authority::Csca => "csca",
        }
    }
}

impl fmt::Display for Authority {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A certificate serial number: the content octets of its DER INTEGER (positive, at most 20
/// octets as RFC 5280 requires). Shown and stored as lowercase hex.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Serial(Vec<u8>);

impl Serial {
    /// A fresh random serial: 16 octets, positive, first octet non-zero (so its encoding is
    /// exactly these 16 octets).
    pub fn random() -> Self {
        let mut b: [u8; 16] = rand::random();
        b[0] = (b[0] & 0x7f) | 0x40;
        Self(b.to_vec())
    }

    /// From the content octets of a DER INTEGER.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, PkiError> {
        if bytes.is_empty() || bytes.len() > 21 {
            return Err(PkiError::Encoding(format!(
                "a serial number of {} octets",
                bytes.len()
            )));
        }
        Ok(Self(bytes.to_vec()))
    }

    /// From lowercase or uppercase hex, as [`Serial::to_hex`] writes it.
    pub fn from_hex(hex: &str) -> Result<Self, PkiError> {
        let bad = || PkiError::Encoding(format!("serial {hex:?} is not hex"));
        if hex.len() % 2 != 0 {
            return Err(bad());
        }
        let bytes = (0..hex.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(hex.get(i..i + 2).ok_or_else(bad)?, 16).map_err(|_| bad()))
            .collect::<Result<Vec<u8>, PkiError>>()?;
        Self::from_bytes(&bytes)
    }

    /// The content octets.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// Lowercase hex.
    pub fn to_hex(&self) -> String {
        self.0.iter().map(|b| format!("{b:02x}")).collect()
    }
}

impl fmt::Display for Serial {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_hex())
    }
}

/// One issued certificate, as the store keeps it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertificateRecord {
    /// What it is for.
    pub role: Role,
    /// Its serial number.
    pub serial: Serial,
    /// The subject, RFC 4514 (`CN=IRAN Digital Citizen CA,O=…,C=IR`).
    pub subject: String,
    /// Start of validity.
    pub not_before: SystemTime,
    /// End of validity.
    pub not_after: SystemTime,
    /// For document signers: the end of the period in which the key signs (ICAO's private key
    /// usage period); after it the certificate only verifies what it signed.
    pub signing_until: Option<SystemTime>,
    /// The key store label of its private key (`None` for holder certificates).
    pub key_label: Option<String>,
    /// The certificate, DER.
    pub der: Vec<u8>,
}

impl CertificateRecord {
    /// The certificate as PEM.
    pub fn pem(&self) -> Result<String, PkiError> {
        der::pem::encode_string("CERTIFICATE", der::pem::LineEnding::LF, &self.der)
            .map_err(|e| PkiError::Encoding(e.to_string()))
    }
}

/// Why a certificate's status changed: the CRLReason values the programme uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Reason {
    /// The key may be in other hands: a lost or stolen card.
    KeyCompromise,
    /// A replacement card was issued.
    Superseded,
    /// The holder died, or the card was withdrawn.
    CessationOfOperation,
    /// Suspended: issued and not yet collected, or reported lost and not yet confirmed.
    CertificateHold,
    /// The hold is lifted (pickup with a fingerprint match, or the card was found).
    RemoveFromCrl,
}

impl Reason {
    /// The stable name (RFC 5280's, as stored).
    pub fn as_str(self) -> &'static str {
        match self {
            Reason::KeyCompromise => "keyCompromise",
            Reason::Superseded => "superseded",
            Reason::CessationOfOperation => "cessationOfOperation",
            Reason::CertificateHold => "certificateHold",
            Reason::RemoveFromCrl => "removeFromCRL",
        }
    }

    /// The reason stored under `name`.
    pub fn parse(name: &str) -> Option<Self> {
        [
            Reason::KeyCompromise,
            Reason::Superseded,
            Reason::CessationOfOperation,
            Reason::CertificateHold,
            Reason::RemoveFromCrl,
        ]
        .into_iter()
        .find(|r| r.as_str() == name)
    }

    pub(crate) fn crl_reason(self) -> x509_cert::ext::pkix::CrlReason {
        use x509_cert::ext::pkix::CrlReason as C;
        match self {
            Reason::KeyCompromise => C::KeyCompromise,
            Reason::Superseded => C::Superseded,
            Reason::CessationOfOperation => C::CessationOfOperation,
            Reason::CertificateHold => C::CertificateHold,
            Reason::RemoveFromCrl => C::RemoveFromCRL,
        }
    }
}

/// One status change of one certificate: what the store appends when a card is collected,
/// reported lost, found, replaced, or its holder dies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusChange {
    /// The issuing authority.
    pub authority: Authority,
    /// The certificate.
    pub serial: Serial,
    /// When.
    pub at: SystemTime,
    /// Why.
    pub reason: Reason,
}

/// The status of a certificate that was issued.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CertStatus {
    /// Valid.
    Good,
    /// Suspended since the given time (CRL and OCSP say revoked with `certificateHold`).
    OnHold {
        /// Since when.
        since: SystemTime,
    },
    /// Revoked for good.
    Revoked {
        /// When.
        at: SystemTime,
        /// Why.
        reason: Reason,
    },
}

impl CertStatus {
    /// The status after `reason` at `at`, or [`PkiError::InvalidTransition`]: a revoked
    /// certificate stays revoked, only a held one can be released, and a hold on a held one is
    /// refused (so that a repeated request is noticed rather than moving the hold's date).
    pub fn apply(self, reason: Reason, at: SystemTime) -> Result<CertStatus, PkiError> {
        let refuse = |why: &str| Err(PkiError::InvalidTransition(why.to_owned()));
        match (self, reason) {
            (CertStatus::Revoked { .. }, _) => {
                refuse("the certificate is revoked; revocation is final")
            }
            (CertStatus::Good, Reason::RemoveFromCrl) => refuse("the certificate is not on hold"),
            (CertStatus::OnHold { .. }, Reason::CertificateHold) => {
                refuse("the certificate is already on hold")
            }
            (_, Reason::RemoveFromCrl) => Ok(CertStatus::Good),
            (_, Reason::CertificateHold) => Ok(CertStatus::OnHold { since: at }),
            (_, reason) => Ok(CertStatus::Revoked { at, reason }),
        }
    }

    /// The status after a history of changes, oldest first, starting from `Good`.
    pub fn replay<'a>(
        changes: impl IntoIterator<Item = &'a StatusChange>,
    ) -> Result<CertStatus, PkiError> {
        changes
            .into_iter()
            .try_fold(CertStatus::Good, |s, c| s.apply(c.reason, c.at))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn the_status_machine_allows_hold_release_and_final_revocation_only() {
        let t = SystemTime::UNIX_EPOCH + Duration::from_secs(1_800_000_000);
        let held = CertStatus::Good.apply(Reason::CertificateHold, t).unwrap();
        assert_eq!(held, CertStatus::OnHold { since: t });
        assert!(held.apply(Reason::CertificateHold, t).is_err());
        assert_eq!(
            held.apply(Reason::RemoveFromCrl, t).unwrap(),
            CertStatus::Good
        );
        assert!(CertStatus::Good.apply(Reason::RemoveFromCrl, t).is_err());
        let revoked = held.apply(Reason::KeyCompromise, t).unwrap();
        for r in [
            Reason::RemoveFromCrl,
            Reason::CertificateHold,
            Reason::Superseded,
        ] {
            assert!(revoked.apply(r, t).is_err(), "{r:?} after revocation");
        }
    }

    #[test]
    fn serials_round_trip_through_hex_and_are_positive() {
        for _ in 0..100 {
            let s = Serial::random();
            assert_eq!(s.as_bytes().len(), 16);
            assert!(s.as_bytes()[0] & 0x80 == 0 && s.as_bytes()[0] != 0);
            assert_eq!(Serial::from_hex(&s.to_hex()).unwrap(), s);
        }
        assert!(Serial::from_hex("abc").is_err());
        assert!(Serial::from_hex("zz").is_err());
        for role in Role::ALL {
            assert_eq!(Role::parse(role.as_str()), Some(role));
        }
    }
}

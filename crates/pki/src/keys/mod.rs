//! The key port: where the authorities' private keys live and how they sign.
//!
//! [`KeyStore`] is the one interface the rest of the crate uses. Two backends implement it:
//! [`SealedFileKeys`] (the default: one file per key, encrypted at rest) and [`Pkcs11Keys`] (a
//! hardware security module through PKCS#11, where a key is generated inside the token and never
//! leaves it). Both hash the message themselves (SHA-256 for P-256, SHA-384 for P-384) and return
//! a DER `ECDSA-Sig-Value`, so certificates, CRLs and OCSP responses come out the same whichever
//! backend made them.
//!
//! This module must never log, display or return a private key, and no error it returns may
//! carry key material or a PIN.

mod pkcs11;
mod sealed;

pub use pkcs11::{KeyProtection, Pkcs11Config, Pkcs11Keys};
pub use sealed::SealedFileKeys;

use crate::PkiError;
use der::{Decode, Encode};
use sha2::Digest;
use spki::{AlgorithmIdentifierOwned, ObjectIdentifier, SubjectPublicKeyInfoRef};
use std::fmt;

/// The elliptic curves the PKI signs with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Curve {
    /// NIST P-256 with SHA-256: document signers, the citizen CA, OCSP responders, holder keys.
    P256,
    /// NIST P-384 with SHA-384: the long-lived roots (national root, CSCA).
    P384,
}

impl Curve {
    /// The named-curve OID (`prime256v1`, `secp384r1`).
    pub fn oid(self) -> ObjectIdentifier {
        match self {
            Curve::P256 => const_oid::db::rfc5912::SECP_256_R_1,
            Curve::P384 => const_oid::db::rfc5912::SECP_384_R_1,
        }
    }

    /// The curve with this named-curve OID, if it is one the PKI accepts.
    pub fn from_oid(oid: &ObjectIdentifier) -> Option<Self> {
        [Curve::P256, Curve::P384]
            .into_iter()
            .find(|c| c.oid() == *oid)
    }

    /// The signature algorithm a key on this curve signs with (ecdsa-with-SHA256 / -SHA384),
    /// without parameters as RFC 5758 requires.
    pub fn signature_algorithm(self) -> AlgorithmIdentifierOwned {
        let oid = match self {
            Curve::P256 => const_oid::db::rfc5912::ECDSA_WITH_SHA_256,
            Curve::P384 => const_oid::db::rfc5912::ECDSA_WITH_SHA_384,
        };
        AlgorithmIdentifierOwned {
            oid,
            parameters: None,
        }
    }

    /// The hash of `message` that this curve's signature covers.
    pub fn digest(self, message: &[u8]) -> Vec<u8> {
        match self {
            Curve::P256 => sha2::Sha256::digest(message).to_vec(),
            Curve::P384 => sha2::Sha384::digest(message).to_vec(),
        }
    }

    /// Length in bytes of a field element (and of each of r and s).
    pub fn field_len(self) -> usize {
        match self {
            Curve::P256 => 32,
            Curve::P384 => 48,
        }
    }

    /// The DER of the named-curve OID, as PKCS#11's `CKA_EC_PARAMS` wants it.
    pub(crate) fn ec_params_der(self) -> Result<Vec<u8>, PkiError> {
        Ok(self.oid().to_der()?)
    }
}

impl fmt::Display for Curve {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Curve::P256 => "P-256",
            Curve::P384 => "P-384",
        })
    }
}

/// The name of a key in a key store: 1 to 64 characters of `a-z`, `0-9` and `-`, so that it is
/// safe as a file name and as a PKCS#11 label.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct KeyLabel(String);

impl KeyLabel {
    /// Checks and wraps `label`.
    pub fn parse(label: &str) -> Result<Self, PkiError> {
        let ok = !label.is_empty()
            && label.len() <= 64
            && label
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        if ok {
            Ok(Self(label.to_owned()))
        } else {
            Err(PkiError::InvalidKeyLabel(label.to_owned()))
        }
    }

    /// A fresh label `prefix-<8 random hex digits>`, so that a key left behind by an interrupted
    /// ceremony never blocks the next one.
    pub fn fresh(prefix: &str) -> Result<Self, PkiError> {
        Self::parse(&format!("{prefix}-{:08x}", rand::random::<u32>()))
    }

    /// The label text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for KeyLabel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A public key as the certificates carry it: its curve and its SubjectPublicKeyInfo DER.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicKey {
    curve: Curve,
    spki_der: Vec<u8>,
}

impl PublicKey {
    /// Parses and checks a SubjectPublicKeyInfo: id-ecPublicKey on P-256 or P-384, and a point
    /// that is on the curve and not the identity. Anything else is
    /// [`PkiError::InvalidPublicKey`].
    pub fn from_spki_der(der: &[u8]) -> Result<Self, PkiError> {
        let bad = |why: String| PkiError::InvalidPublicKey(why);
        let spki = SubjectPublicKeyInfoRef::from_der(der)
            .map_err(|e| bad(format!("not a DER SubjectPublicKeyInfo ({e})")))?;
        if spki.algorithm.oid != const_oid::db::rfc5912::ID_EC_PUBLIC_KEY {
            return Err(bad(format!(
                "algorithm {} is not id-ecPublicKey",
                spki.algorithm.oid
            )));
        }
        let curve_oid: ObjectIdentifier = spki
            .algorithm
            .parameters
            .ok_or_else(|| bad("no named curve in the algorithm parameters".into()))?
            .decode_as()
            .map_err(|_| bad("the algorithm parameters are not a named-curve OID".into()))?;
        let curve = Curve::from_oid(&curve_oid)
            .ok_or_else(|| bad(format!("curve {curve_oid} is not P-256 or P-384")))?;
        let point = spki
            .subject_public_key
            .as_bytes()
            .ok_or_else(|| bad("the public key BIT STRING has unused bits".into()))?;
        let on_curve = match curve {
            Curve::P256 => p256::PublicKey::from_sec1_bytes(point).is_ok(),
            Curve::P384 => p384::PublicKey::from_sec1_bytes(point).is_ok(),
        };
        if !on_curve {
            return Err(bad(format!("the point is not a valid {curve} public key")));
        }
        // Re-encode so that what we certify is exactly what we checked.
        Ok(Self {
            curve,
            spki_der: spki.to_der()?,
        })
    }

    /// Builds the SubjectPublicKeyInfo for an uncompressed SEC1 point on `curve`, checking it.
    pub fn from_sec1(curve: Curve, point: &[u8]) -> Result<Self, PkiError> {
        let curve_oid = curve.oid();
        let spki = spki::SubjectPublicKeyInfoRef {
            algorithm: spki::AlgorithmIdentifierRef {
                oid: const_oid::db::rfc5912::ID_EC_PUBLIC_KEY,
                parameters: Some(der::asn1::AnyRef::from(&curve_oid)),
            },
            subject_public_key: der::asn1::BitStringRef::from_bytes(point)?,
        };
        Self::from_spki_der(&spki.to_der()?)
    }

    /// The curve.
    pub fn curve(&self) -> Curve {
        self.curve
    }

    /// The SubjectPublicKeyInfo DER.
    pub fn spki_der(&self) -> &[u8] {
        &self.spki_der
    }

    /// The public key bits (the SEC1 point), as hashed for key identifiers and OCSP.
    pub fn point(&self) -> Result<Vec<u8>, PkiError> {
        let spki = SubjectPublicKeyInfoRef::from_der(&self.spki_der)?;
        Ok(spki.subject_public_key.raw_bytes().to_vec())
    }

    /// SHA-256 of the point: a stable fingerprint for finding a key certified twice.
    pub fn fingerprint(&self) -> Result<[u8; 32], PkiError> {
        Ok(sha2::Sha256::digest(self.point()?).into())
    }

    /// Verifies a DER ECDSA signature over `message` (hashed with the curve's hash).
    pub fn verify(&self, message: &[u8], signature_der: &[u8]) -> bool {
        use signature::Verifier;
        let Ok(point) = self.point() else {
            return false;
        };
        match self.curve {
            Curve::P256 => {
                let (Ok(key), Ok(sig)) = (
                    p256::ecdsa::VerifyingKey::from_sec1_bytes(&point),
                    p256::ecdsa::DerSignature::from_bytes(signature_der),
                ) else {
                    return false;
                };
                key.verify(message, &sig).is_ok()
            }
            Curve::P384 => {
                let (Ok(key), Ok(sig)) = (
                    p384::ecdsa::VerifyingKey::from_sec1_bytes(&point),
                    p384::ecdsa::DerSignature::from_bytes(signature_der),
                ) else {
                    return false;
                };
                key.verify(message, &sig).is_ok()
            }
        }
    }
}

/// Where the PKI's private keys live. Implementations generate keys, hand out public keys and
/// sign; they never hand out a private key.
pub trait KeyStore: Send + Sync {
    /// A short name of the backend for `pki status` (`sealed-files`, `pkcs11`).
    fn backend(&self) -> &'static str;

    /// Generates a key pair on `curve` under `label`; [`PkiError::KeyExists`] if the label is
    /// taken (a key is never replaced).
    fn generate(&self, label: &KeyLabel, curve: Curve) -> Result<PublicKey, PkiError>;

    /// The public key under `label` ([`PkiError::KeyNotFound`] if there is none).
    fn public_key(&self, label: &KeyLabel) -> Result<PublicKey, PkiError>;

    /// Signs `message` with the key under `label`: hashes it with the curve's hash and returns
    /// a DER `ECDSA-Sig-Value`.
    fn sign(&self, label: &KeyLabel, message: &[u8]) -> Result<Vec<u8>, PkiError>;

    /// The labels of every key in the store, sorted.
    fn labels(&self) -> Result<Vec<KeyLabel>, PkiError>;
}

/// The DER `ECDSA-Sig-Value` for a raw `r || s` signature (as PKCS#11's `CKM_ECDSA` returns).
pub(crate) fn raw_signature_to_der(curve: Curve, raw: &[u8]) -> Result<Vec<u8>, PkiError> {
    let bad = |_| PkiError::Pkcs11(format!("the token returned a malformed {curve} signature"));
    Ok(match curve {
        Curve::P256 => p256::ecdsa::Signature::from_slice(raw)
            .map_err(bad)?
            .to_der()
            .as_bytes()
            .to_vec(),
        Curve::P384 => p384::ecdsa::Signature::from_slice(raw)
            .map_err(bad)?
            .to_der()
            .as_bytes()
            .to_vec(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_are_checked() {
        assert!(KeyLabel::parse("root-ca1-0a1b2c3d").is_ok());
        for bad in ["", "Root", "a/b", "../x", "a b", &"x".repeat(65)] {
            assert!(KeyLabel::parse(bad).is_err(), "{bad:?} accepted");
        }
        assert!(KeyLabel::fresh("ds").unwrap().as_str().starts_with("ds-"));
    }
}

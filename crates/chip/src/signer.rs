//! The Document Signer seen from the chip data: a certificate and a key that signs. [`DocumentSigner`] is the port
//! the national PKI implements (a sealed key file, or a PKCS#11 key that never leaves the HSM); [`P256FileSigner`]
//! is the file-key adapter (ECDSA P-256 with SHA-256, RFC 6979 deterministic nonces), used by the tests and
//! usable wherever the key is held in memory.
//!
//! This module never writes a private key anywhere, never prints one (`Debug` shows the certificate only), and
//! never signs anything but what [`crate::sod`] hands it: the DER of the SOD's signed attributes.

use crate::ChipError;
use const_oid::db::rfc5912::{
    ECDSA_WITH_SHA_256, ECDSA_WITH_SHA_384, ECDSA_WITH_SHA_512, ID_EC_PUBLIC_KEY, ID_SHA_256,
    ID_SHA_384, ID_SHA_512, RSA_ENCRYPTION, SHA_256_WITH_RSA_ENCRYPTION,
};
use const_oid::ObjectIdentifier;
use der::{Decode, Encode};
use x509_cert::Certificate;

/// The signature algorithms a Document Signer may use for the EF.SOD (Doc 9303 Part 12 §7 lists ECDSA and RSA).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignatureAlgorithm {
    /// ecdsa-with-SHA256; `sign` returns a DER `Ecdsa-Sig-Value`.
    EcdsaSha256,
    /// ecdsa-with-SHA384.
    EcdsaSha384,
    /// ecdsa-with-SHA512.
    EcdsaSha512,
    /// sha256WithRSAEncryption (PKCS #1 v1.5); `sign` returns the raw signature.
    RsaPkcs1Sha256,
}

/// The digests the EF.SOD uses for its signed attributes (the one of the signature algorithm).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Digest {
    Sha256,
    Sha384,
    Sha512,
}

impl Digest {
    pub fn oid(self) -> ObjectIdentifier {
        match self {
            Digest::Sha256 => ID_SHA_256,
            Digest::Sha384 => ID_SHA_384,
            Digest::Sha512 => ID_SHA_512,
        }
    }

    pub fn hash(self, data: &[u8]) -> Vec<u8> {
        use sha2::Digest as _;
        match self {
            Digest::Sha256 => sha2::Sha256::digest(data).to_vec(),
            Digest::Sha384 => sha2::Sha384::digest(data).to_vec(),
            Digest::Sha512 => sha2::Sha512::digest(data).to_vec(),
        }
    }
}

impl SignatureAlgorithm {
    pub fn oid(self) -> ObjectIdentifier {
        match self {
            Self::EcdsaSha256 => ECDSA_WITH_SHA_256,
            Self::EcdsaSha384 => ECDSA_WITH_SHA_384,
            Self::EcdsaSha512 => ECDSA_WITH_SHA_512,
            Self::RsaPkcs1Sha256 => SHA_256_WITH_RSA_ENCRYPTION,
        }
    }

    /// RFC 5758: the ECDSA identifiers have no parameters; RFC 4055: the RSA one has NULL.
    pub fn has_null_parameters(self) -> bool {
        matches!(self, Self::RsaPkcs1Sha256)
    }

    pub fn digest(self) -> Digest {
        match self {
            Self::EcdsaSha256 | Self::RsaPkcs1Sha256 => Digest::Sha256,
            Self::EcdsaSha384 => Digest::Sha384,
            Self::EcdsaSha512 => Digest::Sha512,
        }
    }

    /// The public-key algorithm a certificate must carry for this signature algorithm.
    fn key_algorithm(self) -> ObjectIdentifier {
        match self {
            Self::RsaPkcs1Sha256 => RSA_ENCRYPTION,
            _ => ID_EC_PUBLIC_KEY,
        }
    }
}

/// Why a signer failed; the message is English and must not hold key material.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct SignerError(pub String);

/// A Document Signer: its certificate (which chains to the CSCA) and its private key, wherever that lives.
pub trait DocumentSigner: Send + Sync {
    /// The DS certificate, DER.
    fn certificate_der(&self) -> &[u8];
    /// The algorithm [`DocumentSigner::sign`] uses.
    fn signature_algorithm(&self) -> SignatureAlgorithm;
    /// Signs `message` (hashing it with the algorithm's digest first). For ECDSA the result is a DER
    /// `Ecdsa-Sig-Value` (an HSM's raw `r‖s` converts with [`ecdsa_raw_to_der`]).
    fn sign(&self, message: &[u8]) -> Result<Vec<u8>, SignerError>;
}

/// Converts a raw ECDSA signature (`r‖s`, each half the curve size, as PKCS#11 `CKM_ECDSA` returns it) into the
/// DER `Ecdsa-Sig-Value ::= SEQUENCE { r INTEGER, s INTEGER }` that CMS carries.
pub fn ecdsa_raw_to_der(raw: &[u8]) -> Result<Vec<u8>, SignerError> {
    if raw.is_empty() || raw.len() % 2 != 0 || raw.len() > 132 {
        return Err(SignerError(format!(
            "a raw ECDSA signature of {} bytes",
            raw.len()
        )));
    }
    let (r, s) = raw.split_at(raw.len() / 2);
    let uint = |b| der::asn1::UintRef::new(b).map_err(|e| SignerError(e.to_string()));
    let seq = EcdsaSigValue {
        r: uint(r)?,
        s: uint(s)?,
    };
    seq.to_der().map_err(|e| SignerError(e.to_string()))
}

#[derive(der::Sequence)]
struct EcdsaSigValue<'a> {
    r: der::asn1::UintRef<'a>,
    s: der::asn1::UintRef<'a>,
}

/// Checks a DS certificate for use with `algorithm`; returns it parsed.
pub(crate) fn parse_certificate(
    der: &[u8],
    algorithm: SignatureAlgorithm,
) -> Result<Certificate, ChipError> {
    let cert =
        Certificate::from_der(der).map_err(|e| ChipError::SignerCertificate(e.to_string()))?;
    let key_alg = cert
        .tbs_certificate()
        .subject_public_key_info()
        .algorithm
        .oid;
    if key_alg != algorithm.key_algorithm() {
        return Err(ChipError::SignerCertificate(format!(
            "its key is {key_alg}, which cannot make {algorithm:?} signatures"
        )));
    }
    Ok(cert)
}

/// A Document Signer whose P-256 key is held in memory (read from a PKCS #8 file).
pub struct P256FileSigner {
    key: p256::ecdsa::SigningKey,
    certificate: Vec<u8>,
}

impl std::fmt::Debug for P256FileSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "P256FileSigner {{ certificate: {} bytes }}",
            self.certificate.len()
        )
    }
}

impl P256FileSigner {
    /// A PKCS #8 private key (DER) and the DS certificate (DER) for its public key.
    pub fn from_pkcs8_der(key: &[u8], certificate: Vec<u8>) -> Result<Self, SignerError> {
        use p256::pkcs8::DecodePrivateKey;
        let key = p256::ecdsa::SigningKey::from_pkcs8_der(key)
            .map_err(|e| SignerError(format!("not a PKCS #8 P-256 key: {e}")))?;
        Self::new(key, certificate)
    }

    /// A PKCS #8 private key and the certificate, both PEM.
    pub fn from_pem(key_pem: &str, certificate_pem: &str) -> Result<Self, SignerError> {
        use der::DecodePem;
        use p256::pkcs8::DecodePrivateKey;
        let key = p256::ecdsa::SigningKey::from_pkcs8_pem(key_pem)
            .map_err(|e| SignerError(format!("not a PKCS #8 P-256 key: {e}")))?;
        let cert = Certificate::from_pem(certificate_pem)
            .map_err(|e| SignerError(format!("not a PEM certificate: {e}")))?;
        let der = cert.to_der().map_err(|e| SignerError(e.to_string()))?;
        Self::new(key, der)
    }

    /// Refuses a certificate whose public key is not this key's.
    pub fn new(key: p256::ecdsa::SigningKey, certificate: Vec<u8>) -> Result<Self, SignerError> {
        let cert = parse_certificate(&certificate, SignatureAlgorithm::EcdsaSha256)
            .map_err(|e| SignerError(e.to_string()))?;
        let in_cert = cert
            .tbs_certificate()
            .subject_public_key_info()
            .subject_public_key
            .raw_bytes();
        let ours = key.verifying_key().to_sec1_point(false);
        if in_cert != ours.as_bytes() {
            return Err(SignerError("the certificate is for another key".into()));
        }
        Ok(Self { key, certificate })
    }
}

impl DocumentSigner for P256FileSigner {
    fn certificate_der(&self) -> &[u8] {
        &self.certificate
    }

    fn signature_algorithm(&self) -> SignatureAlgorithm {
        SignatureAlgorithm::EcdsaSha256
    }

    fn sign(&self, message: &[u8]) -> Result<Vec<u8>, SignerError> {
        use p256::ecdsa::signature::Signer;
        let sig: p256::ecdsa::Signature = self
            .key
            .try_sign(message)
            .map_err(|e| SignerError(e.to_string()))?;
        Ok(sig.to_der().as_bytes().to_vec())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn raw_to_der() {
        // r with its top bit set gains a leading zero; s with leading zeros loses them.
        let mut raw = vec![0x80; 32];
        raw.extend_from_slice(&[0u8; 31]);
        raw.push(0x05);
        let der = ecdsa_raw_to_der(&raw).unwrap();
        assert_eq!(&der[..5], [0x30, 0x26, 0x02, 0x21, 0x00]);
        assert_eq!(&der[der.len() - 3..], [0x02, 0x01, 0x05]);
        let back = p256::ecdsa::Signature::from_der(&der).unwrap();
        assert_eq!(back.to_bytes().as_slice(), &raw[..]);
        assert!(ecdsa_raw_to_der(&[1, 2, 3]).is_err());
        assert!(ecdsa_raw_to_der(&[]).is_err());
    }

    #[test]
    fn digests() {
        assert_eq!(
            SignatureAlgorithm::EcdsaSha256.digest().hash(b"abc").len(),
            32
        );
        assert_eq!(
            SignatureAlgorithm::EcdsaSha384.digest().hash(b"abc").len(),
            48
        );
        assert_eq!(
            SignatureAlgorithm::EcdsaSha512.digest().hash(b"abc").len(),
            64
        );
        assert_eq!(SignatureAlgorithm::RsaPkcs1Sha256.digest(), Digest::Sha256);
    }
}

//! A throw-away CSCA and Document Signer for tests and benchmarks (feature `test-pki`): P-256 keys derived from a
//! label (so every run has the same keys and the same certificates), a self-signed CSCA and a DS certificate it
//! issues, with the key usages Doc 9303 Part 12 gives them.
//!
//! Never for production: the keys are derived from public labels. The national PKI (`crates/pki`) makes the real
//! ones and implements [`crate::DocumentSigner`] over them.

use crate::signer::{P256FileSigner, SignerError};
use der::{Encode, EncodePem};
use p256::ecdsa::{DerSignature, SigningKey};
use sha2::Digest as _;
use spki::{SubjectPublicKeyInfo, SubjectPublicKeyInfoRef};
use std::str::FromStr;
use x509_cert::builder::profile::BuilderProfile;
use x509_cert::builder::{Builder, CertificateBuilder, CrlBuilder};
use x509_cert::certificate::TbsCertificate;
use x509_cert::crl::RevokedCert;
use x509_cert::ext::pkix::{
    AuthorityKeyIdentifier, BasicConstraints, CrlNumber, KeyUsage, KeyUsages, SubjectKeyIdentifier,
};
use x509_cert::ext::{Extension, ToExtension};
use x509_cert::name::Name;
use x509_cert::serial_number::SerialNumber;
use x509_cert::time::{Time, Validity};
use x509_cert::Certificate;

/// A CSCA and a DS issued by it.
pub struct TestPki {
    csca_key: SigningKey,
    csca: Certificate,
    pub csca_der: Vec<u8>,
    pub csca_pem: String,
    pub ds_der: Vec<u8>,
    pub ds_pem: String,
    pub signer: P256FileSigner,
}

/// A certificate profile: issuer and subject, and whether the subject is a CA.
struct Profile {
    issuer: Name,
    subject: Name,
    ca: bool,
}

impl BuilderProfile for Profile {
    fn get_issuer(&self, _subject: &Name) -> Name {
        self.issuer.clone()
    }

    fn get_subject(&self) -> Name {
        self.subject.clone()
    }

    fn build_extensions(
        &self,
        spk: SubjectPublicKeyInfoRef<'_>,
        issuer_spk: SubjectPublicKeyInfoRef<'_>,
        tbs: &TbsCertificate,
    ) -> x509_cert::builder::Result<Vec<Extension>> {
        let usage = if self.ca {
            KeyUsages::KeyCertSign | KeyUsages::CRLSign
        } else {
            KeyUsages::DigitalSignature.into()
        };
        let subject = tbs.subject();
        let ski = SubjectKeyIdentifier::try_from(spk)?;
        let aki = AuthorityKeyIdentifier {
            key_identifier: Some(SubjectKeyIdentifier::try_from(issuer_spk)?.0),
            ..Default::default()
        };
        let mut out = vec![
            (&KeyUsage(usage)).to_extension(subject, &[])?,
            (&ski).to_extension(subject, &[])?,
            (&aki).to_extension(subject, &[])?,
        ];
        if self.ca {
            let bc = BasicConstraints {
                ca: true,
                path_len_constraint: Some(0),
            };
            out.push((&bc).to_extension(subject, &[])?);
        }
        Ok(out)
    }
}

fn key(label: &str) -> Result<SigningKey, SignerError> {
    let scalar = sha2::Sha256::digest(label.as_bytes());
    SigningKey::from_slice(&scalar).map_err(|e| SignerError(e.to_string()))
}

fn time(y: u16) -> Result<Time, SignerError> {
    der::DateTime::new(y, 1, 1, 0, 0, 0)
        .map(Time::from)
        .map_err(|e| SignerError(e.to_string()))
}

fn certificate(
    profile: Profile,
    serial: u32,
    validity: (u16, u16),
    subject_key: &SigningKey,
    issuer_key: &SigningKey,
) -> Result<Certificate, SignerError> {
    let err = |e: &dyn std::fmt::Display| SignerError(e.to_string());
    let spki = SubjectPublicKeyInfo::from_key(subject_key.verifying_key()).map_err(|e| err(&e))?;
    let builder = CertificateBuilder::new(
        profile,
        SerialNumber::from(serial),
        Validity::new(time(validity.0)?, time(validity.1)?),
        spki,
    )
    .map_err(|e| err(&e))?;
    builder
        .build::<_, DerSignature>(issuer_key)
        .map_err(|e| err(&e))
}

impl TestPki {
    /// The CSCA `CN=Shenas Test CSCA,O=Shenas,C=IR` (2020–2060) and its DS (2024–2050).
    pub fn new() -> Result<Self, SignerError> {
        let err = |e: &dyn std::fmt::Display| SignerError(e.to_string());
        let csca_key = key("shenas test csca")?;
        let ds_key = key("shenas test document signer")?;
        let csca_name = Name::from_str("CN=Shenas Test CSCA,O=Shenas,C=IR").map_err(|e| err(&e))?;
        let ds_name = Name::from_str("CN=Shenas Test DS 1,O=Shenas,C=IR").map_err(|e| err(&e))?;
        let csca: Certificate = certificate(
            Profile {
                issuer: csca_name.clone(),
                subject: csca_name.clone(),
                ca: true,
            },
            1,
            (2020, 2060),
            &csca_key,
            &csca_key,
        )?;
        let ds = certificate(
            Profile {
                issuer: csca_name,
                subject: ds_name,
                ca: false,
            },
            2,
            (2024, 2050),
            &ds_key,
            &csca_key,
        )?;
        let pem = |c: &Certificate| c.to_pem(der::pem::LineEnding::LF).map_err(|e| err(&e));
        let ds_der = ds.to_der().map_err(|e| err(&e))?;
        Ok(Self {
            csca_der: csca.to_der().map_err(|e| err(&e))?,
            csca_pem: pem(&csca)?,
            ds_pem: pem(&ds)?,
            signer: P256FileSigner::new(ds_key, ds_der.clone())?,
            ds_der,
            csca_key,
            csca,
        })
    }

    /// The CSCA's CRL (PEM), issued 2025-01-01 and next due 2049-01-01, revoking the DS when `revoke_ds`.
    pub fn csca_crl_pem(&self, revoke_ds: bool) -> Result<String, SignerError> {
        let err = |e: &dyn std::fmt::Display| SignerError(e.to_string());
        let number = CrlNumber::from(
            der::asn1::Uint::new(&[if revoke_ds { 2 } else { 1 }]).map_err(|e| err(&e))?,
        );
        let revoked = match revoke_ds {
            true => Some(RevokedCert {
                serial_number: SerialNumber::from(2u32),
                revocation_date: time(2025)?,
                crl_entry_extensions: None,
            }),
            false => None,
        };
        let crl = CrlBuilder::new_with_this_update(&self.csca, number, time(2025)?)
            .map_err(|e| err(&e))?
            .with_next_update(Some(time(2049)?))
            .with_certificates(revoked.into_iter())
            .build::<_, DerSignature>(&self.csca_key)
            .map_err(|e| err(&e))?;
        crl.to_pem(der::pem::LineEnding::LF).map_err(|e| err(&e))
    }

    /// The DS private key as PKCS #8 PEM (for the file adapter's own test).
    pub fn ds_key_pem() -> Result<String, SignerError> {
        use p256::pkcs8::EncodePrivateKey;
        key("shenas test document signer")?
            .to_pkcs8_pem(der::pem::LineEnding::LF)
            .map(|z| z.to_string())
            .map_err(|e| SignerError(e.to_string()))
    }
}

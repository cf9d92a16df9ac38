//! Issuing one certificate: the TBSCertificate is assembled by `x509-cert`'s builder from a
//! [`profile`](crate::profile), its DER is signed through the [`KeyStore`] (so the same code
//! serves sealed files and an HSM), and the signature is put in place.
//!
//! This module never sees a private key: it hands bytes to the key store and gets a signature.

use crate::keys::{Curve, KeyLabel, KeyStore, PublicKey};
use crate::profile::{self, ProfileInput};
use crate::{CertificateRecord, PkiConfig, PkiError, Role, Serial};
use der::asn1::BitString;
use der::{Decode, Encode};
use signature::Keypair;
use spki::{AlgorithmIdentifierOwned, DynSignatureAlgorithmIdentifier, EncodePublicKey};
use std::str::FromStr;
use std::time::SystemTime;
use x509_cert::builder::profile::BuilderProfile;
use x509_cert::builder::{Builder, CertificateBuilder};
use x509_cert::ext::Extension;
use x509_cert::name::Name;
use x509_cert::serial_number::SerialNumber;
use x509_cert::time::{Time, Validity};
use x509_cert::Certificate;

/// The issuing side of a certificate: its name, its public key, and where its private key is.
#[derive(Debug, Clone)]
pub(crate) struct Issuer<'a> {
    pub name: &'a str,
    pub key: &'a PublicKey,
    pub label: &'a KeyLabel,
}

/// What is being certified.
pub(crate) struct Subject<'a> {
    pub role: Role,
    pub name: String,
    pub key: &'a PublicKey,
    pub not_before: SystemTime,
    pub not_after: SystemTime,
    pub signing_until: Option<SystemTime>,
    /// The label of the subject's own key, recorded for the authorities.
    pub key_label: Option<&'a KeyLabel>,
}

/// Issues a certificate for `subject` signed by `issuer` (or self-signed when `issuer` is
/// `None`), and returns the record the store keeps.
pub(crate) fn issue(
    config: &PkiConfig,
    keys: &dyn KeyStore,
    subject: Subject<'_>,
    issuer: Option<Issuer<'_>>,
) -> Result<CertificateRecord, PkiError> {
    let self_issuer;
    let issuer = match issuer {
        Some(i) => i,
        None => {
            let label = subject.key_label.ok_or_else(|| {
                PkiError::Config("a self-signed certificate needs its key label".into())
            })?;
            self_issuer = Issuer {
                name: &subject.name,
                key: subject.key,
                label,
            };
            self_issuer
        }
    };
    let extensions = profile::extensions(
        config,
        &ProfileInput {
            role: subject.role,
            subject_key: subject.key,
            issuer_key: issuer.key,
            not_before: subject.not_before,
            signing_until: subject.signing_until,
        },
    )?;
    let subject_name = Name::from_str(&subject.name)?;
    let issuer_name = Name::from_str(issuer.name)?;
    let serial = Serial::random();
    let validity = Validity::new(
        Time::try_from(subject.not_before)?,
        Time::try_from(subject.not_after)?,
    );
    let spki = spki::SubjectPublicKeyInfoOwned::from_der(subject.key.spki_der())?;
    let mut builder = CertificateBuilder::new(
        FixedProfile {
            issuer: issuer_name,
            subject: subject_name.clone(),
            extensions,
        },
        SerialNumber::new(serial.as_bytes())?,
        validity,
        spki,
    )?;
    let signer = StoreSigner::new(issuer.key.clone());
    let tbs = builder.finalize(&signer)?;
    let signature = keys.sign(issuer.label, &tbs)?;
    let cert: Certificate = builder.assemble(BitString::from_bytes(&signature)?, &signer)?;
    let der = cert.to_der()?;
    Ok(CertificateRecord {
        role: subject.role,
        serial,
        subject: subject_name.to_string(),
        not_before: subject.not_before,
        not_after: subject.not_after,
        signing_until: subject.signing_until,
        key_label: subject.key_label.map(|l| l.to_string()),
        der,
    })
}

/// A profile that hands the builder names and extensions decided in [`crate::profile`].
struct FixedProfile {
    issuer: Name,
    subject: Name,
    extensions: Vec<Extension>,
}

impl BuilderProfile for FixedProfile {
    fn get_issuer(&self, _subject: &Name) -> Name {
        self.issuer.clone()
    }

    fn get_subject(&self) -> Name {
        self.subject.clone()
    }

    fn build_extensions(
        &self,
        _spk: spki::SubjectPublicKeyInfoRef<'_>,
        _issuer_spk: spki::SubjectPublicKeyInfoRef<'_>,
        _tbs: &x509_cert::TbsCertificate,
    ) -> x509_cert::builder::Result<Vec<Extension>> {
        Ok(self.extensions.clone())
    }
}

/// What the builder needs to know of a signer (its algorithm and public key) without the
/// signing itself, which goes through the key store.
pub(crate) struct StoreSigner {
    key: PublicKey,
}

impl StoreSigner {
    pub(crate) fn new(key: PublicKey) -> Self {
        Self { key }
    }
}

/// A public key the builder can encode.
#[derive(Clone)]
pub(crate) struct EncodedKey(Vec<u8>);

impl EncodePublicKey for EncodedKey {
    fn to_public_key_der(&self) -> spki::Result<der::Document> {
        Ok(der::Document::try_from(self.0.as_slice())?)
    }
}

impl Keypair for StoreSigner {
    type VerifyingKey = EncodedKey;

    fn verifying_key(&self) -> EncodedKey {
        EncodedKey(self.key.spki_der().to_vec())
    }
}

impl DynSignatureAlgorithmIdentifier for StoreSigner {
    fn signature_algorithm_identifier(&self) -> spki::Result<AlgorithmIdentifierOwned> {
        Ok(signature_algorithm(self.key.curve()))
    }
}

pub(crate) fn signature_algorithm(curve: Curve) -> AlgorithmIdentifierOwned {
    curve.signature_algorithm()
}

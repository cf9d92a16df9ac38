//! The hierarchy and its ceremonies: `init` (the authorities, a document signer and the OCSP
//! responders), `rotate_ds`, responder renewal, and finding the current certificate of each
//! role. Every operation returns the new records for the caller to persist; [`Pki`] keeps the
//! authorities' records it was given and those it made, nothing else.
//!
//! Private keys stay in the [`KeyStore`]; this module handles labels and public keys only.

use crate::cert::{self, Issuer, Subject};
use crate::config::Validities;
use crate::keys::{Curve, KeyLabel, KeyStore, PublicKey};
use crate::profile::service_subject;
use crate::{Authority, CertificateRecord, PkiConfig, PkiError, Role};
use der::Decode;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use x509_cert::Certificate;

/// The national PKI: configuration, key store and the authorities' certificates.
pub struct Pki {
    pub(crate) config: PkiConfig,
    pub(crate) keys: Arc<dyn KeyStore>,
    pub(crate) records: Vec<CertificateRecord>,
}

impl std::fmt::Debug for Pki {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pki")
            .field("backend", &self.keys.backend())
            .field("certificates", &self.records.len())
            .finish_non_exhaustive()
    }
}

/// Drops sub-second precision: certificates carry whole seconds, and records must equal them.
pub(crate) fn whole_seconds(t: SystemTime) -> SystemTime {
    let secs = t
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    UNIX_EPOCH + Duration::from_secs(secs)
}

impl Pki {
    /// A PKI over `keys` with the authority records the store kept (roots, CAs, document
    /// signers, responders; holder certificates are not needed here).
    pub fn new(
        config: PkiConfig,
        keys: Arc<dyn KeyStore>,
        records: Vec<CertificateRecord>,
    ) -> Result<Self, PkiError> {
        config.check()?;
        let records = records.into_iter().filter(|r| r.role.key_held()).collect();
        Ok(Self {
            config,
            keys,
            records,
        })
    }

    /// The configuration.
    pub fn config(&self) -> &PkiConfig {
        &self.config
    }

    /// The key store.
    pub fn keys(&self) -> &Arc<dyn KeyStore> {
        &self.keys
    }

    /// Every authority, document signer and responder certificate known, oldest first.
    pub fn records(&self) -> &[CertificateRecord] {
        &self.records
    }

    /// Whether `init` has run (the three authorities exist).
    pub fn is_initialised(&self) -> bool {
        [Role::RootCa, Role::CitizenCa, Role::Csca]
            .iter()
            .all(|r| self.records.iter().any(|c| c.role == *r))
    }

    /// The newest certificate of `role`.
    pub fn newest(&self, role: Role) -> Option<&CertificateRecord> {
        self.records
            .iter()
            .filter(|r| r.role == role)
            .max_by_key(|r| r.not_before)
    }

    /// The certificate of an authority.
    pub fn authority(&self, authority: Authority) -> Result<&CertificateRecord, PkiError> {
        self.newest(authority.role())
            .ok_or(PkiError::NotInitialised(authority.as_str()))
    }

    /// The document signer to sign chips with now: the newest whose signing period and
    /// validity have not ended.
    pub fn current_ds(&self, now: SystemTime) -> Result<&CertificateRecord, PkiError> {
        self.records
            .iter()
            .filter(|r| r.role == Role::DocumentSigner)
            .filter(|r| r.not_before <= now && now < r.not_after)
            .filter(|r| r.signing_until.is_none_or(|s| now < s))
            .max_by_key(|r| r.not_before)
            .ok_or(PkiError::NoDocumentSigner)
    }

    /// Signs `message` (e.g. the signed attributes of an EF.SOD) with the key of the document
    /// signer `ds`: SHA-256 and ECDSA, DER signature. Refused after its signing period.
    pub fn sign_as_ds(
        &self,
        ds: &CertificateRecord,
        message: &[u8],
        now: SystemTime,
    ) -> Result<Vec<u8>, PkiError> {
        if ds.role != Role::DocumentSigner || ds.signing_until.is_some_and(|s| now >= s) {
            return Err(PkiError::NoDocumentSigner);
        }
        self.keys.sign(&record_label(ds)?, message)
    }

    /// Creates the hierarchy: IRAN Root CA1 (P-384, self-signed) → IRAN Digital Citizen CA
    /// (P-256); the CSCA (P-384, self-signed) → one document signer; and a delegated OCSP
    /// responder under each of the citizen CA and the CSCA. Refuses
    /// ([`PkiError::AlreadyInitialised`]) when any of the three authorities exists.
    pub fn init(&mut self, now: SystemTime) -> Result<Vec<CertificateRecord>, PkiError> {
        for role in [Role::RootCa, Role::CitizenCa, Role::Csca] {
            if self.records.iter().any(|r| r.role == role) {
                return Err(PkiError::AlreadyInitialised(role.as_str()));
            }
        }
        let now = whole_seconds(now);
        let v = self.config.validity.clone();
        let mut made = Vec::new();
        let root = self.new_authority(
            Role::RootCa,
            Curve::P384,
            "root-ca1",
            now,
            v.root_days,
            None,
            None,
        )?;
        made.push(root);
        let citizen = self.new_authority(
            Role::CitizenCa,
            Curve::P256,
            "citizen-ca",
            now,
            v.citizen_ca_days,
            None,
            Some(Authority::Root),
        )?;
        made.push(citizen);
        let csca_signing = now + Validities::days(v.csca_signing_days);
        let csca = self.new_authority(
            Role::Csca,
            Curve::P384,
            "csca",
            now,
            v.csca_days,
            Some(csca_signing),
            None,
        )?;
        made.push(csca);
        made.push(self.rotate_ds(now)?);
        made.extend(self.renew_responders(now)?);
        tracing::info!(
            backend = self.keys.backend(),
            certificates = made.len(),
            "PKI initialised"
        );
        Ok(made)
    }

    /// Starts a new document signer (fresh P-256 key, certificate from the CSCA). Older ones
    /// stay valid to verify the chips they signed; they are not revoked.
    pub fn rotate_ds(&mut self, now: SystemTime) -> Result<CertificateRecord, PkiError> {
        let now = whole_seconds(now);
        let v = &self.config.validity;
        let signing_until = now + Validities::days(v.ds_signing_days);
        let days = v.ds_signing_days + v.document_days;
        let record = self.new_authority(
            Role::DocumentSigner,
            Curve::P256,
            "ds",
            now,
            days,
            Some(signing_until),
            Some(Authority::Csca),
        )?;
        tracing::info!(serial = %record.serial, subject = %record.subject, "new document signer");
        Ok(record)
    }

    /// Issues a new OCSP responder certificate for each CA whose current one is missing or
    /// within its renewal window; returns those issued (often none). Call at start and daily.
    pub fn renew_responders(
        &mut self,
        now: SystemTime,
    ) -> Result<Vec<CertificateRecord>, PkiError> {
        let now = whole_seconds(now);
        let v = self.config.validity.clone();
        let renew_at = Validities::days(v.ocsp_responder_renew_days);
        let mut made = Vec::new();
        for (role, authority) in [
            (Role::CitizenOcsp, Authority::CitizenCa),
            (Role::CscaOcsp, Authority::Csca),
        ] {
            let fresh = self
                .newest(role)
                .is_some_and(|r| r.not_after > now + renew_at);
            if fresh {
                continue;
            }
            let issuer_end = self.authority(authority)?.not_after;
            let days = v.ocsp_responder_days;
            // A responder never outlives its CA: near the CA's end it gets what is left.
            let days = if now + Validities::days(days) > issuer_end {
                issuer_end
                    .duration_since(now)
                    .map(|d| d.as_secs() / 86_400)
                    .unwrap_or(0)
            } else {
                days
            };
            let prefix = if role == Role::CitizenOcsp {
                "ocsp-citizen"
            } else {
                "ocsp-csca"
            };
            made.push(self.new_authority(
                role,
                Curve::P256,
                prefix,
                now,
                days,
                None,
                Some(authority),
            )?);
        }
        Ok(made)
    }

    /// Generates a key and certifies it; keeps and returns the record.
    #[allow(clippy::too_many_arguments)]
    fn new_authority(
        &mut self,
        role: Role,
        curve: Curve,
        label_prefix: &str,
        now: SystemTime,
        days: u64,
        signing_until: Option<SystemTime>,
        issuer: Option<Authority>,
    ) -> Result<CertificateRecord, PkiError> {
        let not_after = now + Validities::days(days);
        if let Some(a) = issuer {
            let issuer_record = self.authority(a)?;
            if issuer_record.not_after < not_after {
                return Err(PkiError::AuthorityExpiresTooSoon {
                    authority: a.as_str(),
                    not_after: issuer_record.not_after,
                });
            }
        }
        let label = KeyLabel::fresh(label_prefix)?;
        let key = self.keys.generate(&label, curve)?;
        let tag = format!(
            "{} {}",
            date_tag(now),
            &label.as_str()[label.as_str().len() - 4..]
        );
        let subject = Subject {
            role,
            name: service_subject(&self.config, role, &tag)?,
            key: &key,
            not_before: now,
            not_after,
            signing_until,
            key_label: Some(&label),
        };
        let record = match issuer {
            None => cert::issue(&self.config, self.keys.as_ref(), subject, None)?,
            Some(a) => {
                let issuer_record = self.authority(a)?;
                let issuer_key = record_public_key(issuer_record)?;
                let issuer_label = record_label(issuer_record)?;
                cert::issue(
                    &self.config,
                    self.keys.as_ref(),
                    subject,
                    Some(Issuer {
                        name: &issuer_record.subject,
                        key: &issuer_key,
                        label: &issuer_label,
                    }),
                )?
            }
        };
        self.records.push(record.clone());
        Ok(record)
    }
}

/// `YYYYMMDD` of a time, for naming document signers and responders.
fn date_tag(t: SystemTime) -> String {
    der::DateTime::from_system_time(t)
        .map(|d| format!("{:04}{:02}{:02}", d.year(), d.month(), d.day()))
        .unwrap_or_else(|_| "00000000".to_owned())
}

/// The key label recorded for an authority's certificate.
pub(crate) fn record_label(record: &CertificateRecord) -> Result<KeyLabel, PkiError> {
    KeyLabel::parse(record.key_label.as_deref().ok_or_else(|| {
        PkiError::Config(format!(
            "the {} certificate {} has no key label",
            record.role, record.serial
        ))
    })?)
}

/// The public key in a certificate record.
pub(crate) fn record_public_key(record: &CertificateRecord) -> Result<PublicKey, PkiError> {
    let cert = Certificate::from_der(&record.der)?;
    let spki = der::Encode::to_der(cert.tbs_certificate().subject_public_key_info())?;
    PublicKey::from_spki_der(&spki)
}

//! CRLs (RFC 5280 section 5): a signed DER CertificateList per authority, with a CRL number,
//! thisUpdate / nextUpdate and the authority key identifier; each entry carries its reason code,
//! held certificates as `certificateHold`. Released holds are simply absent (this is a full
//! CRL, not a delta).
//!
//! The entries come from the caller's store; this module signs through the key store and never
//! sees a private key.

use crate::cert::StoreSigner;
use crate::pki::{record_label, record_public_key};
use crate::profile::key_id;
use crate::{Authority, CertStatus, Pki, PkiError, Serial};
use const_oid::db::rfc5280;
use der::asn1::{BitString, OctetString, UtcTime};
use der::Encode;
use spki::DynSignatureAlgorithmIdentifier;
use std::str::FromStr;
use std::time::{Duration, SystemTime};
use x509_cert::certificate::Version;
use x509_cert::crl::{CertificateList, RevokedCert, TbsCertList};
use x509_cert::ext::pkix::{AuthorityKeyIdentifier, CrlNumber};
use x509_cert::ext::Extension;
use x509_cert::name::Name;
use x509_cert::serial_number::SerialNumber;
use x509_cert::time::Time;

/// A time as RFC 5280 wants it in CRLs: UTCTime through 2049, GeneralizedTime after.
pub(crate) fn rfc5280_time(t: SystemTime) -> Result<Time, PkiError> {
    Ok(match UtcTime::from_system_time(t) {
        Ok(utc) => Time::UtcTime(utc),
        Err(_) => Time::try_from(t)?,
    })
}

fn extension<T: Encode>(oid: der::oid::ObjectIdentifier, value: &T) -> Result<Extension, PkiError> {
    Ok(Extension {
        extn_id: oid,
        critical: false,
        extn_value: OctetString::new(value.to_der()?)?,
    })
}

impl Pki {
    /// How long after thisUpdate the CRL of `authority` says the next one will come.
    pub fn crl_next_update(&self, authority: Authority) -> Duration {
        let v = &self.config.validity;
        match authority {
            Authority::CitizenCa => Duration::from_secs(v.citizen_crl_hours * 3600),
            Authority::Csca => Duration::from_secs(v.csca_crl_days * 86_400),
            Authority::Root => Duration::from_secs(v.root_crl_days * 86_400),
        }
    }

    /// The signed DER CRL of `authority` listing `entries` (certificates it issued whose status
    /// is not good; good ones are skipped). `crl_number` must grow with every CRL the caller
    /// publishes for this authority.
    pub fn crl<'a>(
        &self,
        authority: Authority,
        entries: impl IntoIterator<Item = (&'a Serial, &'a CertStatus)>,
        crl_number: u64,
        now: SystemTime,
    ) -> Result<Vec<u8>, PkiError> {
        let ca = self.authority(authority)?;
        let ca_key = record_public_key(ca)?;
        let label = record_label(ca)?;
        let signer = StoreSigner::new(ca_key.clone());
        let algorithm = signer
            .signature_algorithm_identifier()
            .map_err(|e| PkiError::Encoding(e.to_string()))?;
        let this_update = crate::pki::whole_seconds(now);
        let mut revoked: Vec<RevokedCert> = Vec::new();
        for (serial, status) in entries {
            let (at, reason) = match *status {
                CertStatus::Good => continue,
                CertStatus::OnHold { since } => (since, crate::Reason::CertificateHold),
                CertStatus::Revoked { at, reason } => (at, reason),
            };
            revoked.push(RevokedCert {
                serial_number: SerialNumber::new(serial.as_bytes())?,
                revocation_date: rfc5280_time(crate::pki::whole_seconds(at))?,
                crl_entry_extensions: Some(vec![extension(
                    rfc5280::ID_CE_CRL_REASONS,
                    &reason.crl_reason(),
                )?]),
            });
        }
        let tbs = TbsCertList {
            version: Version::V2,
            signature: algorithm.clone(),
            issuer: Name::from_str(&ca.subject)?,
            this_update: rfc5280_time(this_update)?,
            next_update: Some(rfc5280_time(this_update + self.crl_next_update(authority))?),
            revoked_certificates: (!revoked.is_empty()).then_some(revoked),
            crl_extensions: Some(vec![
                extension(
                    rfc5280::ID_CE_CRL_NUMBER,
                    &CrlNumber(der::asn1::Uint::new(&crl_number.to_be_bytes())?),
                )?,
                extension(
                    rfc5280::ID_CE_AUTHORITY_KEY_IDENTIFIER,
                    &AuthorityKeyIdentifier {
                        key_identifier: Some(OctetString::new(key_id(&ca_key)?)?),
                        ..Default::default()
                    },
                )?,
            ]),
        };
        let signature = self.keys.sign(&label, &tbs.to_der()?)?;
        let crl = CertificateList {
            tbs_cert_list: tbs,
            signature_algorithm: algorithm,
            signature: BitString::from_bytes(&signature)?,
        };
        Ok(crl.to_der()?)
    }
}

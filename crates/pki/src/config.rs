//! Configuration: where the published CRLs and the OCSP responder are, the organisation named
//! in the authorities' subjects, and every validity period (stated here once; `docs/pki.md`
//! explains them).

use crate::PkiError;
use std::time::Duration;

const DAY: u64 = 86_400;

/// Validity periods, in days unless named otherwise.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Validities {
    /// IRAN Root CA1: 20 years.
    pub root_days: u64,
    /// IRAN Digital Citizen CA: 12 years (7 of issuing plus the 5 of the last holder
    /// certificate it issues).
    pub citizen_ca_days: u64,
    /// The CSCA: 15 years (ICAO Doc 9303 Part 12: key used 3 to 5 years, certificate valid for
    /// that plus the validity of the last DS certificate it signs).
    pub csca_days: u64,
    /// How long the CSCA key issues DS certificates (its private key usage period): 5 years.
    pub csca_signing_days: u64,
    /// How long a document signer's key signs chips (its private key usage period): 92 days
    /// (Part 12 recommends at most three months).
    pub ds_signing_days: u64,
    /// The validity of the card itself; a DS certificate lasts its signing period plus this, so
    /// that the last card it signed can be checked to the end: 10 years.
    pub document_days: u64,
    /// Holder authentication and signing certificates: 5 years.
    pub holder_days: u64,
    /// Delegated OCSP responder certificates: 90 days, renewed when 30 are left. They carry
    /// id-pkix-ocsp-nocheck and cannot be revoked, so they stay short.
    pub ocsp_responder_days: u64,
    /// Renew a responder certificate when fewer days than this are left.
    pub ocsp_responder_renew_days: u64,
    /// nextUpdate of the citizen CA's CRL after thisUpdate: 2 days (it is reissued on every
    /// revocation and at least daily).
    pub citizen_crl_hours: u64,
    /// nextUpdate of the CSCA's CRL: 30 days (ICAO readers fetch CSCA CRLs rarely; Part 12 asks
    /// for a new one at least every 90 days).
    pub csca_crl_days: u64,
    /// nextUpdate of the root's CRL: 90 days.
    pub root_crl_days: u64,
}

impl Default for Validities {
    fn default() -> Self {
        Self {
            root_days: 7305,
            citizen_ca_days: 4383,
            csca_days: 5479,
            csca_signing_days: 1826,
            ds_signing_days: 92,
            document_days: 3653,
            holder_days: 1826,
            ocsp_responder_days: 90,
            ocsp_responder_renew_days: 30,
            citizen_crl_hours: 48,
            csca_crl_days: 30,
            root_crl_days: 90,
        }
    }
}

impl Validities {
    pub(crate) fn days(d: u64) -> Duration {
        Duration::from_secs(d * DAY)
    }
}

/// Everything the PKI needs to know that is not a key or a certificate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PkiConfig {
    /// The public base URL of the service, without a trailing slash
    /// (`https://shenas.example.ir`): CRL distribution points and the OCSP URL in issued
    /// certificates are built from it.
    pub base_url: String,
    /// The organisation (`O=`) in the authorities' subjects.
    pub organization: String,
    /// Validity periods.
    pub validity: Validities,
}

impl PkiConfig {
    /// A configuration with the default organisation and validity periods.
    pub fn new(base_url: &str) -> Result<Self, PkiError> {
        let config = Self {
            base_url: base_url.trim_end_matches('/').to_owned(),
            organization: "National Organization for Civil Registration".to_owned(),
            validity: Validities::default(),
        };
        config.check()?;
        Ok(config)
    }

    /// Refuses a configuration whose URLs or periods cannot work.
    pub fn check(&self) -> Result<(), PkiError> {
        let url = &self.base_url;
        if !(url.starts_with("http://") || url.starts_with("https://"))
            || url.ends_with('/')
            || !url.is_ascii()
            || url.contains(char::is_whitespace)
        {
            return Err(PkiError::Config(format!(
                "base_url {url:?} must be an ASCII http(s) URL without a trailing slash"
            )));
        }
        if self.organization.is_empty() || self.organization.len() > 64 {
            return Err(PkiError::Config(
                "organization must be 1 to 64 characters".into(),
            ));
        }
        let v = &self.validity;
        if v.holder_days >= v.citizen_ca_days {
            return Err(PkiError::Config(
                "holder certificates must be shorter-lived than the citizen CA".into(),
            ));
        }
        if v.ds_signing_days + v.document_days >= v.csca_days || v.csca_signing_days > v.csca_days {
            return Err(PkiError::Config(
                "the CSCA must outlive every DS certificate it issues".into(),
            ));
        }
        if v.citizen_ca_days >= v.root_days || v.ocsp_responder_renew_days >= v.ocsp_responder_days
        {
            return Err(PkiError::Config("inconsistent validity periods".into()));
        }
        Ok(())
    }

    /// The URL of an authority's CRL (`{base}/api/v1/pki/citizen-ca.crl`).
    pub fn crl_url(&self, authority: crate::Authority) -> String {
        format!("{}/api/v1/pki/{}.crl", self.base_url, authority.as_str())
    }

    /// The URL of the OCSP responder (`{base}/ocsp`).
    pub fn ocsp_url(&self) -> String {
        format!("{}/ocsp", self.base_url)
    }
}

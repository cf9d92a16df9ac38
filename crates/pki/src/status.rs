//! `pki status`: every authority, document signer and responder certificate with its key, its
//! expiry and days left, and the warnings an operator must see well before something expires
//! (MOSIP's operators name silently expired certificates as their worst surprise).
//!
//! Reports labels and public facts only; never key material.

use crate::config::Validities;
use crate::{Pki, PkiError, Role};
use std::time::SystemTime;

/// Warn this many days before a CA's certificate ends or it can no longer issue full-length
/// certificates.
pub const CA_WARNING_DAYS: i64 = 90;
/// Warn this many days before the current document signer's signing period ends.
pub const DS_WARNING_DAYS: i64 = 30;
/// Warn this many days before a responder certificate ends (they renew at 30 days left, so a
/// warning means renewal is not running).
pub const OCSP_WARNING_DAYS: i64 = 14;

/// One certificate in `pki status`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusEntry {
    /// Its role.
    pub role: Role,
    /// Its subject (RFC 4514).
    pub subject: String,
    /// Its serial, hex.
    pub serial: String,
    /// End of validity.
    pub not_after: SystemTime,
    /// Whole days until `not_after` (negative once past).
    pub days_left: i64,
    /// Until when it can still do its job: a CA issue full-length certificates, a DS sign
    /// chips, a responder answer before renewal.
    pub usable_until: SystemTime,
    /// Whole days until `usable_until`.
    pub usable_days_left: i64,
    /// Whether it is the one in use for its role (older DS only verify what they signed).
    pub current: bool,
    /// The key store label of its key.
    pub key_label: Option<String>,
    /// Whether the key store still has that key.
    pub key_present: bool,
    /// Set when the operator must act: why.
    pub warning: Option<String>,
}

/// The whole report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Status {
    /// The key store backend (`sealed-files`, `pkcs11`).
    pub backend: &'static str,
    /// The certificates, roots first.
    pub certificates: Vec<StatusEntry>,
    /// Keys in the store that no certificate names (left by an interrupted ceremony).
    pub orphan_keys: Vec<String>,
}

fn days_between(now: SystemTime, then: SystemTime) -> i64 {
    match then.duration_since(now) {
        Ok(d) => (d.as_secs() / 86_400) as i64,
        Err(e) => -(e.duration().as_secs().div_ceil(86_400) as i64),
    }
}

impl Pki {
    /// The status report at `now`.
    pub fn status(&self, now: SystemTime) -> Result<Status, PkiError> {
        let labels = self.keys.labels()?;
        let v = &self.config.validity;
        let current_ds = self.current_ds(now).ok().map(|r| r.serial.clone());
        let mut certificates = Vec::new();
        let mut records: Vec<_> = self.records.iter().collect();
        records.sort_by_key(|r| (r.role, r.not_before));
        for r in records {
            let current = match r.role {
                Role::DocumentSigner => current_ds.as_ref() == Some(&r.serial),
                role => self.newest(role).map(|n| &n.serial) == Some(&r.serial),
            };
            let minus = |days: u64| {
                r.not_after
                    .checked_sub(Validities::days(days))
                    .unwrap_or(r.not_before)
            };
            let usable_until = match r.role {
                Role::RootCa => minus(v.citizen_ca_days),
                Role::CitizenCa => minus(v.holder_days),
                Role::Csca => {
                    let by_validity = minus(v.ds_signing_days + v.document_days);
                    r.signing_until.map_or(by_validity, |s| s.min(by_validity))
                }
                Role::DocumentSigner => r.signing_until.unwrap_or(r.not_after),
                Role::CitizenOcsp | Role::CscaOcsp => minus(v.ocsp_responder_renew_days),
                Role::HolderAuthentication | Role::HolderSigning => r.not_after,
            };
            let days_left = days_between(now, r.not_after);
            let usable_days_left = days_between(now, usable_until);
            let key_present = r
                .key_label
                .as_ref()
                .is_some_and(|l| labels.iter().any(|k| k.as_str() == l));
            let window = match r.role {
                Role::DocumentSigner => DS_WARNING_DAYS,
                Role::CitizenOcsp | Role::CscaOcsp => OCSP_WARNING_DAYS,
                _ => CA_WARNING_DAYS,
            };
            let warning = if !current {
                None
            } else if !key_present {
                Some(format!(
                    "the key {:?} is missing from the key store",
                    r.key_label
                ))
            } else if days_left <= window {
                Some(format!("expires in {days_left} days"))
            } else if r.role != Role::CitizenOcsp
                && r.role != Role::CscaOcsp
                && usable_days_left <= window
            {
                Some(match r.role {
                    Role::DocumentSigner => format!("signing period ends in {usable_days_left} days: rotate the DS"),
                    _ => format!("can issue full-length certificates for {usable_days_left} more days: renew it"),
                })
            } else {
                None
            };
            certificates.push(StatusEntry {
                role: r.role,
                subject: r.subject.clone(),
                serial: r.serial.to_hex(),
                not_after: r.not_after,
                days_left,
                usable_until,
                usable_days_left,
                current,
                key_label: r.key_label.clone(),
                key_present,
                warning,
            });
        }
        let orphan_keys = labels
            .into_iter()
            .filter(|l| {
                !self
                    .records
                    .iter()
                    .any(|r| r.key_label.as_deref() == Some(l.as_str()))
            })
            .map(|l| l.to_string())
            .collect();
        Ok(Status {
            backend: self.keys.backend(),
            certificates,
            orphan_keys,
        })
    }

    /// The entries of the status that carry a warning.
    pub fn warnings(&self, now: SystemTime) -> Result<Vec<StatusEntry>, PkiError> {
        Ok(self
            .status(now)?
            .certificates
            .into_iter()
            .filter(|e| e.warning.is_some())
            .collect())
    }
}

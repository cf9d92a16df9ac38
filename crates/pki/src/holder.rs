//! Holder certificates: the citizen CA certifies the two public keys a card's chip generated
//! (authentication and signing). The keys arrive as SubjectPublicKeyInfo DER from the
//! manufacturer and are checked to be points on the curve before anything is signed. The
//! certificates are issued on hold: the caller persists the two hold records with them, and
//! the pickup's fingerprint match lifts the hold (`removeFromCRL`).
//!
//! No private key of a holder ever exists outside the chip; this module only sees public keys.

use crate::cert::{self, Issuer, Subject};
use crate::config::Validities;
use crate::keys::PublicKey;
use crate::pki::{record_label, record_public_key, whole_seconds};
use crate::profile::holder_subject;
use crate::{Authority, CertificateRecord, Pki, PkiError, Reason, Role, StatusChange};
use std::time::SystemTime;

/// What the citizen CA certifies for one card.
#[derive(Debug, Clone, Copy)]
pub struct HolderRequest<'a> {
    /// Given name, Latin transliteration (Doc 9303 Part 3), as printed in the MRZ.
    pub given_name: &'a str,
    /// Surname, Latin transliteration.
    pub surname: &'a str,
    /// The 10-digit national code; it becomes the subject's `serialNumber`.
    pub national_code: &'a str,
    /// The authentication key, SubjectPublicKeyInfo DER as the chip produced it.
    pub authentication_key: &'a [u8],
    /// The signing key, SubjectPublicKeyInfo DER.
    pub signing_key: &'a [u8],
}

/// The two certificates of one card and the hold records to persist with them.
#[derive(Debug, Clone)]
pub struct HolderCertificates {
    /// digitalSignature, clientAuth.
    pub authentication: CertificateRecord,
    /// nonRepudiation (contentCommitment).
    pub signing: CertificateRecord,
    /// `certificateHold` for both, at issuance: the certificates are on hold until pickup.
    pub holds: [StatusChange; 2],
}

impl Pki {
    /// Checks the two keys and the holder's identity, then issues both certificates under the
    /// citizen CA. Nothing is signed if any check fails.
    pub fn issue_holder_certificates(
        &self,
        request: &HolderRequest<'_>,
        now: SystemTime,
    ) -> Result<HolderCertificates, PkiError> {
        let now = whole_seconds(now);
        let name = holder_subject(request.given_name, request.surname, request.national_code)?;
        let auth_key = PublicKey::from_spki_der(request.authentication_key)?;
        let sign_key = PublicKey::from_spki_der(request.signing_key)?;
        if auth_key.point()? == sign_key.point()? {
            return Err(PkiError::DuplicateKey);
        }
        let ca = self.authority(Authority::CitizenCa)?;
        let not_after = now + Validities::days(self.config.validity.holder_days);
        if ca.not_after < not_after {
            return Err(PkiError::AuthorityExpiresTooSoon {
                authority: Authority::CitizenCa.as_str(),
                not_after: ca.not_after,
            });
        }
        let ca_key = record_public_key(ca)?;
        let ca_label = record_label(ca)?;
        let issue = |role: Role, key: &PublicKey| {
            cert::issue(
                &self.config,
                self.keys.as_ref(),
                Subject {
                    role,
                    name: name.clone(),
                    key,
                    not_before: now,
                    not_after,
                    signing_until: None,
                    key_label: None,
                },
                Some(Issuer {
                    name: &ca.subject,
                    key: &ca_key,
                    label: &ca_label,
                }),
            )
        };
        let authentication = issue(Role::HolderAuthentication, &auth_key)?;
        let signing = issue(Role::HolderSigning, &sign_key)?;
        let hold = |serial: &crate::Serial| StatusChange {
            authority: Authority::CitizenCa,
            serial: serial.clone(),
            at: now,
            reason: Reason::CertificateHold,
        };
        let holds = [hold(&authentication.serial), hold(&signing.serial)];
        Ok(HolderCertificates {
            authentication,
            signing,
            holds,
        })
    }
}

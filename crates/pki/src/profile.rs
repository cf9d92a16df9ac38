//! Certificate profiles: for each [`Role`], the subject and the extensions (RFC 5280; ICAO Doc
//! 9303 Part 12 for the CSCA and document signers). The table in `docs/pki.md` is this file in
//! prose; change both together.
//!
//! This module only describes certificates; it never signs and never sees a private key.

use crate::keys::PublicKey;
use crate::{Authority, PkiConfig, PkiError, Role};
use const_oid::db::{rfc5280, rfc6960};
use der::asn1::{GeneralizedTime, Ia5String, Null, OctetString};
use der::Encode;
use sha1::Digest;
use std::time::SystemTime;
use x509_cert::ext::pkix::crl::dp::DistributionPoint;
use x509_cert::ext::pkix::name::{DistributionPointName, GeneralName};
use x509_cert::ext::pkix::{
    AccessDescription, AuthorityInfoAccessSyntax, AuthorityKeyIdentifier, BasicConstraints,
    CrlDistributionPoints, ExtendedKeyUsage, KeyUsage, KeyUsages, PrivateKeyUsagePeriod,
    SubjectKeyIdentifier,
};
use x509_cert::ext::Extension;

/// The country in every subject.
pub const COUNTRY: &str = "IR";

/// The common name of the national root.
pub const ROOT_CN: &str = "IRAN Root CA1";
/// The common name of the citizen CA.
pub const CITIZEN_CA_CN: &str = "IRAN Digital Citizen CA";
/// The common name of the country signing CA.
pub const CSCA_CN: &str = "CSCA IRAN";

/// The RFC 4514 subject of an authority or service certificate. `tag` tells document signers
/// apart (`DS IRAN 20261202 1a2b`).
pub(crate) fn service_subject(
    config: &PkiConfig,
    role: Role,
    tag: &str,
) -> Result<String, PkiError> {
    let cn = match role {
        Role::RootCa => ROOT_CN.to_owned(),
        Role::CitizenCa => CITIZEN_CA_CN.to_owned(),
        Role::Csca => CSCA_CN.to_owned(),
        Role::DocumentSigner => format!("DS IRAN {tag}"),
        Role::CitizenOcsp => format!("{CITIZEN_CA_CN} OCSP Responder {tag}"),
        Role::CscaOcsp => format!("{CSCA_CN} OCSP Responder {tag}"),
        Role::HolderAuthentication | Role::HolderSigning => {
            return Err(PkiError::Config(
                "holder subjects come from holder_subject".into(),
            ))
        }
    };
    Ok(format!(
        "2.5.4.3={},2.5.4.10={},2.5.4.6={COUNTRY}",
        escape(&cn),
        escape(&config.organization)
    ))
}

/// The subject of a holder certificate: `C=IR, SN=surname, GN=given name,
/// serialNumber=national code, CN=GIVEN SURNAME`.
pub(crate) fn holder_subject(
    given: &str,
    surname: &str,
    national_code: &str,
) -> Result<String, PkiError> {
    for (what, name) in [("given name", given), ("surname", surname)] {
        let ok = !name.trim().is_empty()
            && name.len() <= 64
            && name
                .chars()
                .all(|c| c.is_ascii_alphabetic() || matches!(c, ' ' | '-' | '\'' | '.'));
        if !ok || name != name.trim() {
            return Err(PkiError::InvalidHolder(format!(
                "the {what} must be 1 to 64 Latin letters, spaces, '-', '\\'' or '.' (the Doc 9303 transliteration), without leading or trailing spaces"
            )));
        }
    }
    if national_code.len() != 10 || !national_code.bytes().all(|b| b.is_ascii_digit()) {
        return Err(PkiError::InvalidHolder(
            "the national code must be 10 ASCII digits".into(),
        ));
    }
    let cn = format!("{} {}", given.to_uppercase(), surname.to_uppercase());
    Ok(format!(
        "2.5.4.3={},2.5.4.5={national_code},2.5.4.42={},2.5.4.4={},2.5.4.6={COUNTRY}",
        escape(&cn),
        escape(given),
        escape(surname)
    ))
}

/// RFC 4514 escaping of an attribute value.
fn escape(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for (i, c) in value.chars().enumerate() {
        let edge =
            (i == 0 && (c == ' ' || c == '#')) || (i + 1 == value.chars().count() && c == ' ');
        if edge || matches!(c, '"' | '+' | ',' | ';' | '<' | '>' | '\\' | '=') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// The key identifier of a public key: SHA-1 of the subjectPublicKey bits (RFC 5280 4.2.1.2 (1)).
pub(crate) fn key_id(key: &PublicKey) -> Result<Vec<u8>, PkiError> {
    Ok(sha1::Sha1::digest(key.point()?).to_vec())
}

fn ext<T: Encode>(
    oid: der::oid::ObjectIdentifier,
    critical: bool,
    value: &T,
) -> Result<Extension, PkiError> {
    Ok(Extension {
        extn_id: oid,
        critical,
        extn_value: OctetString::new(value.to_der()?)?,
    })
}

fn uri(url: &str) -> Result<GeneralName, PkiError> {
    Ok(GeneralName::UniformResourceIdentifier(Ia5String::new(url)?))
}

fn crl_dp(url: &str) -> Result<CrlDistributionPoints, PkiError> {
    Ok(CrlDistributionPoints(vec![DistributionPoint {
        distribution_point: Some(DistributionPointName::FullName(vec![uri(url)?])),
        reasons: None,
        crl_issuer: None,
    }]))
}

/// What the extensions of one certificate depend on.
pub(crate) struct ProfileInput<'a> {
    pub role: Role,
    pub subject_key: &'a PublicKey,
    pub issuer_key: &'a PublicKey,
    pub not_before: SystemTime,
    /// The end of the private key usage period (CSCA and DS).
    pub signing_until: Option<SystemTime>,
}

/// The extensions of a certificate of `input.role`.
pub(crate) fn extensions(
    config: &PkiConfig,
    input: &ProfileInput<'_>,
) -> Result<Vec<Extension>, PkiError> {
    use KeyUsages as K;
    let mut out = vec![
        ext(
            rfc5280::ID_CE_SUBJECT_KEY_IDENTIFIER,
            false,
            &SubjectKeyIdentifier(OctetString::new(key_id(input.subject_key)?)?),
        )?,
        ext(
            rfc5280::ID_CE_AUTHORITY_KEY_IDENTIFIER,
            false,
            &AuthorityKeyIdentifier {
                key_identifier: Some(OctetString::new(key_id(input.issuer_key)?)?),
                ..Default::default()
            },
        )?,
    ];
    let ca = |path_len: u8| BasicConstraints {
        ca: true,
        path_len_constraint: Some(path_len),
    };
    let ku = |flags: flagset::FlagSet<K>| ext(rfc5280::ID_CE_KEY_USAGE, true, &KeyUsage(flags));
    let ocsp_aia = || {
        ext(
            rfc5280::ID_PE_AUTHORITY_INFO_ACCESS,
            false,
            &AuthorityInfoAccessSyntax(vec![AccessDescription {
                access_method: rfc5280::ID_AD_OCSP,
                access_location: uri(&config.ocsp_url())?,
            }]),
        )
    };
    let crl_of = |a: Authority| {
        ext(
            rfc5280::ID_CE_CRL_DISTRIBUTION_POINTS,
            false,
            &crl_dp(&config.crl_url(a))?,
        )
    };
    let usage_period = || -> Result<Extension, PkiError> {
        let to_gt = |t: SystemTime| GeneralizedTime::from_system_time(t).map_err(PkiError::from);
        ext(
            rfc5280::ID_CE_PRIVATE_KEY_USAGE_PERIOD,
            false,
            &PrivateKeyUsagePeriod {
                not_before: Some(to_gt(input.not_before)?),
                not_after: input.signing_until.map(to_gt).transpose()?,
            },
        )
    };
    match input.role {
        Role::RootCa => {
            out.push(ext(rfc5280::ID_CE_BASIC_CONSTRAINTS, true, &ca(1))?);
            out.push(ku(K::KeyCertSign | K::CRLSign)?);
        }
        Role::CitizenCa => {
            out.push(ext(rfc5280::ID_CE_BASIC_CONSTRAINTS, true, &ca(0))?);
            out.push(ku(K::KeyCertSign | K::CRLSign)?);
            out.push(crl_of(Authority::Root)?);
        }
        Role::Csca => {
            out.push(ext(rfc5280::ID_CE_BASIC_CONSTRAINTS, true, &ca(0))?);
            out.push(ku(K::KeyCertSign | K::CRLSign)?);
            out.push(usage_period()?);
            out.push(crl_of(Authority::Csca)?);
        }
        Role::DocumentSigner => {
            // Part 12: digitalSignature only, no basicConstraints, private key usage period.
            out.push(ku(K::DigitalSignature.into())?);
            out.push(usage_period()?);
            out.push(crl_of(Authority::Csca)?);
            out.push(ocsp_aia()?);
        }
        Role::CitizenOcsp | Role::CscaOcsp => {
            out.push(ku(K::DigitalSignature.into())?);
            out.push(ext(
                rfc5280::ID_CE_EXT_KEY_USAGE,
                false,
                &ExtendedKeyUsage(vec![rfc5280::ID_KP_OCSP_SIGNING]),
            )?);
            // RFC 6960 4.2.2.2.1: relying parties need not check the responder's own status.
            out.push(ext(rfc6960::ID_PKIX_OCSP_NOCHECK, false, &Null)?);
        }
        Role::HolderAuthentication => {
            out.push(ext(
                rfc5280::ID_CE_BASIC_CONSTRAINTS,
                true,
                &BasicConstraints {
                    ca: false,
                    path_len_constraint: None,
                },
            )?);
            out.push(ku(K::DigitalSignature.into())?);
            out.push(ext(
                rfc5280::ID_CE_EXT_KEY_USAGE,
                false,
                &ExtendedKeyUsage(vec![rfc5280::ID_KP_CLIENT_AUTH]),
            )?);
            out.push(crl_of(Authority::CitizenCa)?);
            out.push(ocsp_aia()?);
        }
        Role::HolderSigning => {
            out.push(ext(
                rfc5280::ID_CE_BASIC_CONSTRAINTS,
                true,
                &BasicConstraints {
                    ca: false,
                    path_len_constraint: None,
                },
            )?);
            out.push(ku(K::NonRepudiation.into())?);
            out.push(crl_of(Authority::CitizenCa)?);
            out.push(ocsp_aia()?);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn holder_names_are_latin_and_escaped() {
        let s = holder_subject("Maryam", "Mirzakhani", "0012345679").unwrap();
        assert!(s.contains("2.5.4.3=MARYAM MIRZAKHANI"), "{s}");
        assert!(holder_subject("مریم", "Mirzakhani", "0012345679").is_err());
        assert!(holder_subject("Maryam", "Mirza,khani", "0012345679").is_err());
        assert!(holder_subject("Maryam", " Mirzakhani", "0012345679").is_err());
        assert!(holder_subject("Maryam", "Mirzakhani", "12345").is_err());
        assert_eq!(escape("a,b+c"), "a\\,b\\+c");
        assert_eq!(escape(" #x "), "\\ #x\\ ");
    }
}

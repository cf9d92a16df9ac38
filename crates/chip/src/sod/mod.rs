//! The Document Security Object, EF.SOD (Doc 9303 Part 10 §4.6.2, Part 11 §5.1): tag `77` around a CMS
//! `ContentInfo` of type `SignedData` (RFC 5652) whose encapsulated content is an `LDSSecurityObject` v0 holding
//! the SHA-256 of every data group, signed by the Document Signer.
//!
//! ```text
//! SignedData v3
//!   digestAlgorithms   { the signature algorithm's digest }
//!   encapContentInfo   id-icao-mrtd-security-ldsSecurityObject (2.23.136.1.1.1), eContent = LDSSecurityObject
//!   certificates       { the DS certificate }
//!   signerInfos        { SignerInfo v1: issuerAndSerialNumber of the DS certificate,
//!                        signedAttrs { contentType = 2.23.136.1.1.1, messageDigest = digest(eContent) },
//!                        signatureAlgorithm, signature over the DER of signedAttrs }
//! ```
//! No signing time is written: the output is then a function of its inputs alone (the ECDSA adapter's nonces
//! are deterministic too), and Part 10 makes the attribute optional. This module never checks a signature
//! (relying parties and the tests do that with OpenSSL) and never holds a private key.

pub mod asn1;
pub mod read;

use crate::signer::{parse_certificate, Digest, DocumentSigner};
use crate::ChipError;
use asn1::*;
use chrono::{Datelike, NaiveDate, NaiveTime};
use der::asn1::{Any, OctetString, SetOfVec};
use der::{Decode, Encode};
use spki::AlgorithmIdentifierOwned;
use x509_cert::attr::Attribute;
use x509_cert::Certificate;

/// The hash of the data groups: SHA-256.
pub const DG_HASH: Digest = Digest::Sha256;

fn algorithm(oid: der::asn1::ObjectIdentifier, null_parameters: bool) -> AlgorithmIdentifierOwned {
    AlgorithmIdentifierOwned {
        oid,
        parameters: null_parameters.then_some(Any::null()),
    }
}

/// The DER of the `LDSSecurityObject` listing the SHA-256 of each `(number, file)`.
pub fn lds_security_object(groups: &[(u8, &[u8])]) -> Result<Vec<u8>, ChipError> {
    let hashes = groups
        .iter()
        .map(|&(n, bytes)| {
            Ok(DataGroupHash {
                data_group_number: n,
                data_group_hash_value: OctetString::new(DG_HASH.hash(bytes))
                    .map_err(ChipError::encoding)?,
            })
        })
        .collect::<Result<Vec<_>, ChipError>>()?;
    LdsSecurityObject {
        version: 0,
        hash_algorithm: algorithm(DG_HASH.oid(), false),
        data_group_hash_values: hashes,
        lds_version_info: None,
    }
    .to_der()
    .map_err(ChipError::encoding)
}

fn attribute(oid: der::asn1::ObjectIdentifier, value: Any) -> Result<Attribute, ChipError> {
    Ok(Attribute {
        oid,
        values: SetOfVec::try_from(vec![value]).map_err(ChipError::encoding)?,
    })
}

/// The EF.SOD over `groups`, signed by `signer`. `issue_date` must fall in the DS certificate's validity.
pub fn ef_sod(
    groups: &[(u8, &[u8])],
    signer: &dyn DocumentSigner,
    issue_date: NaiveDate,
) -> Result<Vec<u8>, ChipError> {
    let alg = signer.signature_algorithm();
    let cert = parse_certificate(signer.certificate_der(), alg)?;
    check_validity(&cert, issue_date)?;
    let econtent = lds_security_object(groups)?;
    let digest = alg.digest();

    let signed_attrs = SetOfVec::try_from(vec![
        attribute(
            ID_CONTENT_TYPE,
            Any::encode_from(&ID_LDS_SECURITY_OBJECT).map_err(ChipError::encoding)?,
        )?,
        attribute(
            ID_MESSAGE_DIGEST,
            Any::encode_from(
                &OctetString::new(digest.hash(&econtent)).map_err(ChipError::encoding)?,
            )
            .map_err(ChipError::encoding)?,
        )?,
    ])
    .map_err(ChipError::encoding)?;
    // RFC 5652 §5.4: the signature covers the DER of the attributes with the SET OF tag, not the [0] tag.
    let to_sign = signed_attrs.to_der().map_err(ChipError::encoding)?;
    let signature = signer.sign(&to_sign).map_err(|e| ChipError::Signing(e.0))?;

    let tbs = cert.tbs_certificate();
    let signer_info = SignerInfo {
        version: 1,
        sid: SignerIdentifier::IssuerAndSerialNumber(IssuerAndSerialNumber {
            issuer: tbs.issuer().clone(),
            serial_number: tbs.serial_number().clone(),
        }),
        digest_algorithm: algorithm(digest.oid(), false),
        signed_attrs: Some(signed_attrs),
        signature_algorithm: algorithm(alg.oid(), alg.has_null_parameters()),
        signature: OctetString::new(signature).map_err(ChipError::encoding)?,
        unsigned_attrs: None,
    };
    let signed_data = SignedData {
        version: 3,
        digest_algorithms: SetOfVec::try_from(vec![algorithm(digest.oid(), false)])
            .map_err(ChipError::encoding)?,
        encap_content_info: EncapsulatedContentInfo {
            econtent_type: ID_LDS_SECURITY_OBJECT,
            econtent: Some(OctetString::new(econtent).map_err(ChipError::encoding)?),
        },
        certificates: Some(
            SetOfVec::try_from(vec![
                Any::from_der(signer.certificate_der()).map_err(ChipError::encoding)?
            ])
            .map_err(ChipError::encoding)?,
        ),
        crls: None,
        signer_infos: SetOfVec::try_from(vec![signer_info]).map_err(ChipError::encoding)?,
    };
    let content_info = ContentInfo {
        content_type: ID_SIGNED_DATA,
        content: Any::encode_from(&signed_data).map_err(ChipError::encoding)?,
    };
    crate::tlv::tlv(
        crate::dg::TAG_SOD,
        &content_info.to_der().map_err(ChipError::encoding)?,
    )
}

/// The DS certificate must be valid on the day the card is issued (Doc 9303 Part 12: the DS key signs only
/// within its usage period; its certificate outlives it by the documents' validity).
fn check_validity(cert: &Certificate, day: NaiveDate) -> Result<(), ChipError> {
    let v = cert.tbs_certificate().validity();
    let secs = |t: &x509_cert::time::Time| t.to_unix_duration().as_secs();
    let start = day.and_time(NaiveTime::MIN).and_utc().timestamp();
    let end = start + 86_399;
    let (not_before, not_after) = (secs(&v.not_before), secs(&v.not_after));
    let to_i64 = |s: u64| i64::try_from(s).unwrap_or(i64::MAX);
    if to_i64(not_before) > end || to_i64(not_after) < start {
        return Err(ChipError::SignerCertificate(format!(
            "not valid on the issue date {}-{:02}-{:02}",
            day.year(),
            day.month(),
            day.day()
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests;

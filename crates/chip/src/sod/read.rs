//! Reading an EF.SOD back: the structure, the data-group hashes, the message-digest attribute, and (for P-256
//! Document Signers) the signature itself. For the service's own checks and the tests; a relying party uses
//! OpenSSL (`docs/chip.md`). Fuzzed (`fuzz/fuzz_targets/sod.rs`): it must never panic on any bytes.
//!
//! It does not build or check the certificate chain to the CSCA (that is the PKI's and OpenSSL's job).

use super::asn1::*;
use crate::signer::Digest;
use crate::ChipError;
use der::asn1::{ObjectIdentifier, OctetString};
use der::{Decode, Encode};
use x509_cert::Certificate;

/// What an EF.SOD says.
#[derive(Debug, Clone)]
pub struct SodContents {
    /// The data groups' hash algorithm.
    pub hash_algorithm: ObjectIdentifier,
    /// (data group number, hash), as listed.
    pub hashes: Vec<(u8, Vec<u8>)>,
    /// The first certificate the SignedData carries (the DS certificate), DER.
    pub certificate_der: Vec<u8>,
    /// The one SignerInfo.
    pub signer_info: SignerInfo,
    /// The encapsulated LDSSecurityObject, DER.
    pub econtent: Vec<u8>,
}

fn bad(reason: impl ToString) -> ChipError {
    ChipError::malformed("EF.SOD", reason)
}

fn digest_of(oid: ObjectIdentifier) -> Option<Digest> {
    [Digest::Sha256, Digest::Sha384, Digest::Sha512]
        .into_iter()
        .find(|d| d.oid() == oid)
}

/// Parses an EF.SOD (with its `77` tag) and checks that its message digest covers its content.
pub fn read_sod(ef_sod: &[u8]) -> Result<SodContents, ChipError> {
    let outer = crate::tlv::read_exact(ef_sod)?;
    if outer.tag != crate::dg::TAG_SOD {
        return Err(bad(format!("tag {:X}, not 77", outer.tag)));
    }
    let ci = ContentInfo::from_der(outer.value).map_err(bad)?;
    if ci.content_type != ID_SIGNED_DATA {
        return Err(bad("not a SignedData"));
    }
    let sd: SignedData = ci.content.decode_as().map_err(bad)?;
    if sd.version != 3 {
        return Err(bad(format!(
            "SignedData version {}, 3 is required",
            sd.version
        )));
    }
    if sd.encap_content_info.econtent_type != ID_LDS_SECURITY_OBJECT {
        return Err(bad("the content is not an LDSSecurityObject"));
    }
    let econtent = sd
        .encap_content_info
        .econtent
        .ok_or_else(|| bad("no encapsulated content"))?
        .into_bytes()
        .into_vec();
    let lso = LdsSecurityObject::from_der(&econtent).map_err(bad)?;
    let certificate_der = sd
        .certificates
        .as_ref()
        .and_then(|c| c.iter().next())
        .ok_or_else(|| bad("no Document Signer certificate"))?
        .to_der()
        .map_err(bad)?;
    let mut signers = sd.signer_infos.into_vec();
    if signers.len() != 1 {
        return Err(bad(format!("{} signers, one is required", signers.len())));
    }
    let signer_info = signers.remove(0);
    let digest = digest_of(signer_info.digest_algorithm.oid)
        .ok_or_else(|| bad("unknown digest algorithm"))?;
    if !sd
        .digest_algorithms
        .iter()
        .any(|a| a.oid == signer_info.digest_algorithm.oid)
    {
        return Err(bad(
            "the signer's digest algorithm is not among the SignedData's",
        ));
    }
    let cert = Certificate::from_der(&certificate_der).map_err(bad)?;
    match (&signer_info.sid, signer_info.version) {
        (SignerIdentifier::IssuerAndSerialNumber(id), 1)
            if id.issuer == *cert.tbs_certificate().issuer()
                && id.serial_number == *cert.tbs_certificate().serial_number() => {}
        (SignerIdentifier::SubjectKeyIdentifier(_), 3) => {}
        _ => return Err(bad("the signer does not identify the carried certificate")),
    }
    let attrs = signer_info
        .signed_attrs
        .as_ref()
        .ok_or_else(|| bad("no signed attributes"))?;
    let single = |oid| {
        attrs
            .iter()
            .find(|a| a.oid == oid)
            .and_then(|a| a.values.iter().next())
            .ok_or_else(|| bad(format!("no {oid} attribute")))
    };
    let content_type: ObjectIdentifier = single(ID_CONTENT_TYPE)?.decode_as().map_err(bad)?;
    if content_type != ID_LDS_SECURITY_OBJECT {
        return Err(bad("the content-type attribute differs from the content"));
    }
    let message_digest: OctetString = single(ID_MESSAGE_DIGEST)?.decode_as().map_err(bad)?;
    if message_digest.as_bytes() != digest.hash(&econtent) {
        return Err(bad("the message digest does not match the content"));
    }
    Ok(SodContents {
        hash_algorithm: lso.hash_algorithm.oid,
        hashes: lso
            .data_group_hash_values
            .into_iter()
            .map(|h| {
                (
                    h.data_group_number,
                    h.data_group_hash_value.into_bytes().into_vec(),
                )
            })
            .collect(),
        certificate_der,
        signer_info,
        econtent,
    })
}

impl SodContents {
    /// Checks every `(number, file)` against the hash the EF.SOD lists for it.
    pub fn check_hashes(&self, groups: &[(u8, &[u8])]) -> Result<(), ChipError> {
        let digest = digest_of(self.hash_algorithm)
            .ok_or_else(|| bad("unknown data group hash algorithm"))?;
        for &(n, bytes) in groups {
            let listed = self
                .hashes
                .iter()
                .find(|(m, _)| *m == n)
                .ok_or(ChipError::HashMismatch(n))?;
            if listed.1 != digest.hash(bytes) {
                return Err(ChipError::HashMismatch(n));
            }
        }
        Ok(())
    }

    /// Verifies the signature over the signed attributes with the carried certificate's key. Only
    /// ecdsa-with-SHA256 on P-256 is supported here.
    pub fn verify_signature(&self) -> Result<(), ChipError> {
        use p256::ecdsa::signature::Verifier;
        if self.signer_info.signature_algorithm.oid
            != crate::signer::SignatureAlgorithm::EcdsaSha256.oid()
        {
            return Err(bad("only ecdsa-with-SHA256 signatures are verified here"));
        }
        let cert = Certificate::from_der(&self.certificate_der).map_err(bad)?;
        let point = cert
            .tbs_certificate()
            .subject_public_key_info()
            .subject_public_key
            .raw_bytes();
        let key = p256::ecdsa::VerifyingKey::from_sec1_bytes(point)
            .map_err(|_| bad("not a P-256 key"))?;
        let sig = p256::ecdsa::Signature::from_der(self.signer_info.signature.as_bytes())
            .map_err(|_| bad("not a DER ECDSA signature"))?;
        let attrs = self
            .signer_info
            .signed_attrs
            .as_ref()
            .ok_or_else(|| bad("no signed attributes"))?;
        let message = attrs.to_der().map_err(bad)?;
        key.verify(&message, &sig)
            .map_err(|_| bad("the signature does not verify"))
    }
}

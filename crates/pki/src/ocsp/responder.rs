//! The responder core: parse a DER OCSPRequest, find the issuer by its hashes, answer from the
//! cache or look the status up, sign and cache. Bad input gets the RFC 6960 error statuses,
//! never a panic: this code reads bytes from anyone on the Internet (and is fuzzed).

use super::asn1::{
    BasicOcspResponse, CertId, OcspCertStatus, OcspRequest, OcspResponse, OcspResponseStatus,
    ResponderId, ResponseBytes, ResponseData, RevokedInfo, SingleResponse, Version,
};
use crate::keys::{KeyLabel, KeyStore, PublicKey};
use crate::pki::{record_label, record_public_key, whole_seconds};
use crate::{Authority, CertStatus, CertificateRecord, Pki, PkiError, Role, Serial};
use const_oid::db::{rfc5912, rfc6960};
use der::asn1::{AnyRef, BitStringRef, GeneralizedTime, Null, OctetStringRef};
use der::{Decode, Encode};
use sha2::Digest;
use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use std::time::{Duration, SystemTime};
use x509_cert::Certificate;

/// Who signs the answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OcspSigning {
    /// The delegated responder certificate of each CA (the default).
    Delegated,
    /// The CA's own key (no responder certificates needed; the CA key is then on the request
    /// path, which an HSM may not sustain).
    CaKey,
}

/// Responder tuning.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OcspConfig {
    /// Who signs.
    pub signing: OcspSigning,
    /// nextUpdate − thisUpdate in answers: how long a relying party may cache one (1 hour).
    pub validity: Duration,
    /// Re-sign a cached answer once it is this old, even with no status change (5 minutes).
    pub refresh_after: Duration,
    /// Most answers kept; past it a cache shard is emptied before inserting.
    pub max_cached: usize,
}

impl Default for OcspConfig {
    fn default() -> Self {
        Self {
            signing: OcspSigning::Delegated,
            validity: Duration::from_secs(3600),
            refresh_after: Duration::from_secs(300),
            max_cached: 2_000_000,
        }
    }
}

/// The CertID hash algorithms understood, in the order of the per-issuer hash tables.
const HASHES: [der::oid::ObjectIdentifier; 4] = [
    rfc5912::ID_SHA_1,
    rfc5912::ID_SHA_256,
    rfc5912::ID_SHA_384,
    rfc5912::ID_SHA_512,
];

fn hash(alg: usize, data: &[u8]) -> Vec<u8> {
    match alg {
        0 => sha1::Sha1::digest(data).to_vec(),
        1 => sha2::Sha256::digest(data).to_vec(),
        2 => sha2::Sha384::digest(data).to_vec(),
        _ => sha2::Sha512::digest(data).to_vec(),
    }
}

/// One CA the responder answers for.
struct IssuerEntry {
    authority: Authority,
    name_hashes: [Vec<u8>; 4],
    key_hashes: [Vec<u8>; 4],
    signer_label: KeyLabel,
    signer_key: PublicKey,
    /// SHA-1 of the signer's public key bits, the ResponderID.
    responder_key_hash: [u8; 20],
    /// The delegated responder certificate sent with every answer.
    signer_cert: Option<Vec<u8>>,
}

const SERIAL_MAX: usize = 24;
const SHARDS: usize = 16;

#[derive(Clone, Copy, PartialEq, Eq, Hash)]
struct CacheKey {
    issuer: u8,
    alg: u8,
    len: u8,
    serial: [u8; SERIAL_MAX],
}

impl CacheKey {
    fn new(issuer: usize, alg: usize, serial: &[u8]) -> Option<Self> {
        if serial.len() > SERIAL_MAX {
            return None;
        }
        let mut s = [0u8; SERIAL_MAX];
        s[..serial.len()].copy_from_slice(serial);
        Some(Self {
            issuer: issuer as u8,
            alg: alg as u8,
            len: serial.len() as u8,
            serial: s,
        })
    }

    fn shard(&self) -> usize {
        let last = if self.len == 0 {
            0
        } else {
            self.serial[usize::from(self.len) - 1]
        };
        usize::from(last) % SHARDS
    }
}

struct Cached {
    der: Arc<[u8]>,
    refresh_at: SystemTime,
}

/// The responder; share it (`Arc`) between request handlers.
pub struct OcspResponder {
    issuers: Vec<IssuerEntry>,
    keys: Arc<dyn KeyStore>,
    config: OcspConfig,
    shards: Vec<RwLock<HashMap<CacheKey, Cached>>>,
}

impl std::fmt::Debug for OcspResponder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OcspResponder")
            .field(
                "issuers",
                &self.issuers.iter().map(|i| i.authority).collect::<Vec<_>>(),
            )
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

/// One certificate asked about, copied out of the request for a lookup.
#[derive(Debug, Clone)]
struct Item {
    issuer: usize,
    alg: usize,
    serial: Vec<u8>,
    cert_id_der: Vec<u8>,
}

/// A request that needs status lookups before it can be answered (see [`OcspResponder::begin`]).
#[derive(Debug, Clone)]
pub struct Pending {
    items: Vec<Item>,
    issuer: usize,
    authority: Authority,
}

impl Pending {
    /// The authority and serial of each certificate asked about, in order; the caller looks
    /// each up and passes the statuses, in the same order, to [`OcspResponder::finish`].
    pub fn lookups(&self) -> Vec<(Authority, &[u8])> {
        self.items
            .iter()
            .map(|i| (self.authority, i.serial.as_slice()))
            .collect()
    }
}

/// The first step of answering a request.
#[derive(Debug)]
pub enum Step {
    /// Answer with these bytes (a cached answer or an error status).
    Answer(Arc<[u8]>),
    /// Look the statuses up, then call [`OcspResponder::finish`].
    Lookup(Pending),
}

/// The DER of an OCSPResponse that carries only an error status.
pub fn error_response(status: OcspResponseStatus) -> Arc<[u8]> {
    // SEQUENCE { ENUMERATED status }: five fixed bytes.
    Arc::from(&[0x30, 0x03, 0x0a, 0x01, status as u8][..])
}

impl Pki {
    /// A responder for the citizen CA and the CSCA, signing as `config.signing` says. Rebuild it
    /// after [`Pki::renew_responders`] issued new responder certificates.
    pub fn ocsp_responder(&self, config: OcspConfig) -> Result<OcspResponder, PkiError> {
        let mut issuers = Vec::new();
        for (authority, responder_role) in [
            (Authority::CitizenCa, Role::CitizenOcsp),
            (Authority::Csca, Role::CscaOcsp),
        ] {
            let ca = self.authority(authority)?;
            let signer: &CertificateRecord = match config.signing {
                OcspSigning::CaKey => ca,
                OcspSigning::Delegated => self
                    .newest(responder_role)
                    .ok_or(PkiError::NotInitialised(responder_role.as_str()))?,
            };
            issuers.push(issuer_entry(authority, ca, signer, config.signing)?);
        }
        Ok(OcspResponder {
            issuers,
            keys: Arc::clone(&self.keys),
            config,
            shards: (0..SHARDS).map(|_| RwLock::new(HashMap::new())).collect(),
        })
    }
}

fn issuer_entry(
    authority: Authority,
    ca: &CertificateRecord,
    signer: &CertificateRecord,
    signing: OcspSigning,
) -> Result<IssuerEntry, PkiError> {
    let cert = Certificate::from_der(&ca.der)?;
    let name_der = cert.tbs_certificate().subject().to_der()?;
    let ca_key = record_public_key(ca)?.point()?;
    let signer_key = record_public_key(signer)?;
    let responder_key_hash: [u8; 20] = sha1::Sha1::digest(signer_key.point()?).into();
    Ok(IssuerEntry {
        authority,
        name_hashes: std::array::from_fn(|i| hash(i, &name_der)),
        key_hashes: std::array::from_fn(|i| hash(i, &ca_key)),
        signer_label: record_label(signer)?,
        signer_key,
        responder_key_hash,
        signer_cert: (signing == OcspSigning::Delegated).then(|| signer.der.clone()),
    })
}

fn gt(t: SystemTime) -> Result<GeneralizedTime, PkiError> {
    Ok(GeneralizedTime::from_system_time(whole_seconds(t))?)
}

impl OcspResponder {
    /// The most certificates answered in one request.
    pub const MAX_REQUESTS: usize = 64;

    /// Parses `request` and answers from the cache when it can. Errors are answers too:
    /// `malformedRequest` for bytes that are not a DER OCSPRequest (or ask about nothing, or
    /// too much), `unauthorized` for an issuer this responder does not serve.
    pub fn begin(&self, request: &[u8], now: SystemTime) -> Step {
        let Ok(req) = OcspRequest::from_der(request) else {
            return Step::Answer(error_response(OcspResponseStatus::MalformedRequest));
        };
        let list = &req.tbs_request.request_list;
        if list.is_empty() || list.len() > Self::MAX_REQUESTS {
            return Step::Answer(error_response(OcspResponseStatus::MalformedRequest));
        }
        let mut first_issuer = None;
        for r in list {
            match self.find_issuer(&r.req_cert) {
                Some((issuer, _)) if first_issuer.is_none_or(|f| f == issuer) => {
                    first_issuer = Some(issuer)
                }
                // Unknown issuer, or several issuers in one request (one responder signs).
                _ => return Step::Answer(error_response(OcspResponseStatus::Unauthorized)),
            }
        }
        if let [only] = list.as_slice() {
            if let Some((issuer, alg)) = self.find_issuer(&only.req_cert) {
                let serial = only.req_cert.serial_number.as_bytes();
                if let Some(key) = CacheKey::new(issuer, alg, serial) {
                    let shard = self.shards[key.shard()]
                        .read()
                        .unwrap_or_else(|p| p.into_inner());
                    if let Some(hit) = shard.get(&key) {
                        if now < hit.refresh_at {
                            return Step::Answer(Arc::clone(&hit.der));
                        }
                    }
                }
            }
        }
        let mut items = Vec::with_capacity(list.len());
        for r in list {
            let Some((issuer, alg)) = self.find_issuer(&r.req_cert) else {
                return Step::Answer(error_response(OcspResponseStatus::Unauthorized));
            };
            let Ok(cert_id_der) = r.req_cert.to_der() else {
                return Step::Answer(error_response(OcspResponseStatus::MalformedRequest));
            };
            items.push(Item {
                issuer,
                alg,
                serial: r.req_cert.serial_number.as_bytes().to_vec(),
                cert_id_der,
            });
        }
        let issuer = first_issuer.unwrap_or(0);
        Step::Lookup(Pending {
            items,
            issuer,
            authority: self.issuers[issuer].authority,
        })
    }

    /// Signs the answer for `pending` given each certificate's status (`None`: not issued by
    /// that CA, answered `unknown`), caches it when it is about one certificate, and returns
    /// it. A signing failure answers `internalError`.
    pub fn finish(
        &self,
        pending: Pending,
        statuses: &[Option<CertStatus>],
        now: SystemTime,
    ) -> Arc<[u8]> {
        if statuses.len() != pending.items.len() {
            return error_response(OcspResponseStatus::InternalError);
        }
        match self.sign(&pending, statuses, now) {
            Ok(der) => {
                let der: Arc<[u8]> = Arc::from(der);
                if let [item] = pending.items.as_slice() {
                    if let Some(key) = CacheKey::new(item.issuer, item.alg, &item.serial) {
                        let mut shard = self.shards[key.shard()]
                            .write()
                            .unwrap_or_else(|p| p.into_inner());
                        if shard.len() >= self.config.max_cached / SHARDS
                            && !shard.contains_key(&key)
                        {
                            shard.clear();
                        }
                        shard.insert(
                            key,
                            Cached {
                                der: Arc::clone(&der),
                                refresh_at: now + self.config.refresh_after,
                            },
                        );
                    }
                }
                der
            }
            Err(e) => {
                tracing::error!(error = %e, "OCSP signing failed");
                error_response(OcspResponseStatus::InternalError)
            }
        }
    }

    /// [`begin`](Self::begin) and [`finish`](Self::finish) with a synchronous status lookup.
    pub fn respond(
        &self,
        request: &[u8],
        lookup: impl Fn(Authority, &[u8]) -> Option<CertStatus>,
        now: SystemTime,
    ) -> Arc<[u8]> {
        match self.begin(request, now) {
            Step::Answer(a) => a,
            Step::Lookup(p) => {
                let statuses: Vec<_> = p.lookups().into_iter().map(|(a, s)| lookup(a, s)).collect();
                self.finish(p, &statuses, now)
            }
        }
    }

    /// Forgets the cached answers about `serial` of `authority`: call it on every status
    /// change, so that the next request sees the new status.
    pub fn invalidate(&self, authority: Authority, serial: &Serial) {
        let Some(issuer) = self.issuers.iter().position(|i| i.authority == authority) else {
            return;
        };
        for alg in 0..HASHES.len() {
            if let Some(key) = CacheKey::new(issuer, alg, serial.as_bytes()) {
                self.shards[key.shard()]
                    .write()
                    .unwrap_or_else(|p| p.into_inner())
                    .remove(&key);
            }
        }
    }

    /// Signs and caches the SHA-1 and SHA-256 answers for these certificates ahead of any
    /// request (at start, or from a background task over the certificates about to be asked
    /// for); returns how many answers were produced.
    pub fn prewarm<'a>(
        &self,
        authority: Authority,
        certificates: impl IntoIterator<Item = (&'a Serial, Option<CertStatus>)>,
        now: SystemTime,
    ) -> Result<usize, PkiError> {
        let issuer = self
            .issuers
            .iter()
            .position(|i| i.authority == authority)
            .ok_or(PkiError::NotInitialised(authority.as_str()))?;
        let mut n = 0;
        for (serial, status) in certificates {
            for alg in [0, 1] {
                let e = &self.issuers[issuer];
                let serial_int = der::asn1::IntRef::new(serial.as_bytes())?;
                let cert_id = CertId {
                    hash_algorithm: spki::AlgorithmIdentifierRef {
                        oid: HASHES[alg],
                        parameters: Some(AnyRef::from(Null)),
                    },
                    issuer_name_hash: OctetStringRef::new(&e.name_hashes[alg])?,
                    issuer_key_hash: OctetStringRef::new(&e.key_hashes[alg])?,
                    serial_number: serial_int,
                };
                let pending = Pending {
                    items: vec![Item {
                        issuer,
                        alg,
                        serial: serial.as_bytes().to_vec(),
                        cert_id_der: cert_id.to_der()?,
                    }],
                    issuer,
                    authority,
                };
                self.finish(pending, &[status], now);
                n += 1;
            }
        }
        Ok(n)
    }

    /// The issuer index and hash-algorithm index of a CertID, if this responder serves it.
    fn find_issuer(&self, id: &CertId<'_>) -> Option<(usize, usize)> {
        let alg = HASHES.iter().position(|h| *h == id.hash_algorithm.oid)?;
        let name = id.issuer_name_hash.as_bytes();
        let key = id.issuer_key_hash.as_bytes();
        let issuer = self
            .issuers
            .iter()
            .position(|i| i.name_hashes[alg] == name && i.key_hashes[alg] == key)?;
        Some((issuer, alg))
    }

    fn sign(
        &self,
        pending: &Pending,
        statuses: &[Option<CertStatus>],
        now: SystemTime,
    ) -> Result<Vec<u8>, PkiError> {
        let e = &self.issuers[pending.issuer];
        let this_update = gt(now)?;
        let next_update = gt(now + self.config.validity)?;
        let mut responses = Vec::with_capacity(pending.items.len());
        for (item, status) in pending.items.iter().zip(statuses) {
            let cert_status = match status {
                None => OcspCertStatus::Unknown(Null),
                Some(CertStatus::Good) => OcspCertStatus::Good(Null),
                Some(CertStatus::OnHold { since }) => OcspCertStatus::Revoked(RevokedInfo {
                    revocation_time: gt(*since)?,
                    revocation_reason: Some(crate::Reason::CertificateHold.crl_reason()),
                }),
                Some(CertStatus::Revoked { at, reason }) => OcspCertStatus::Revoked(RevokedInfo {
                    revocation_time: gt(*at)?,
                    revocation_reason: Some(reason.crl_reason()),
                }),
            };
            responses.push(SingleResponse {
                cert_id: CertId::from_der(&item.cert_id_der)?,
                cert_status,
                this_update,
                next_update: Some(next_update),
                single_extensions: None,
            });
        }
        let data = ResponseData {
            version: Version::V1,
            responder_id: ResponderId::ByKey(OctetStringRef::new(&e.responder_key_hash)?),
            produced_at: this_update,
            responses,
            response_extensions: None,
        }
        .to_der()?;
        let signature = self.keys.sign(&e.signer_label, &data)?;
        let algorithm = e.signer_key.curve().signature_algorithm();
        let certs = match &e.signer_cert {
            Some(c) => Some(vec![AnyRef::from_der(c)?]),
            None => None,
        };
        let basic = BasicOcspResponse {
            tbs_response_data: AnyRef::from_der(&data)?,
            signature_algorithm: spki::AlgorithmIdentifierRef {
                oid: algorithm.oid,
                parameters: None,
            },
            signature: BitStringRef::from_bytes(&signature)?,
            certs,
        }
        .to_der()?;
        Ok(OcspResponse {
            response_status: OcspResponseStatus::Successful,
            response_bytes: Some(ResponseBytes {
                response_type: rfc6960::ID_PKIX_OCSP_BASIC,
                response: OctetStringRef::new(&basic)?,
            }),
        }
        .to_der()?)
    }
}

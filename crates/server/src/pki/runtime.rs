//! The PKI as the running service holds it: the authorities' certificates (from the store) over the key store, the
//! OCSP responder with its cache of signed answers, and the published CRLs. [`PkiHandle`] loads it at first use
//! (initialising the hierarchy where the service is allowed to: the demo and development mode), and reloads it when
//! the store holds authorities it does not know (a `shenas pki rotate-ds` run beside the service).
//!
//! Private keys never pass through here: the key store signs.

use chrono::{DateTime, Utc};
use pki::ocsp::{OcspConfig, OcspResponder};
use pki::{
    Authority, CertStatus, CertificateRecord, KeyStore, Pki, PkiConfig, Reason, Role, Serial,
};
use std::collections::HashMap;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::SystemTime;
use store::pki::{CertificateChange, StoredCertificate};
use store::DynStore;

/// A failure of the PKI wiring (store, keys, encoding), for logs; HTTP answers never carry its text.
#[derive(Debug, thiserror::Error)]
pub enum PkiFailure {
    #[error("{0}")]
    Pki(#[from] pki::PkiError),
    #[error("{0}")]
    Store(#[from] store::StoreError),
    #[error("the PKI is not initialised: run `shenas pki init`")]
    NotInitialised,
    #[error("{0}")]
    Corrupt(String),
}

pub fn to_system(t: DateTime<Utc>) -> SystemTime {
    SystemTime::from(t)
}

pub fn to_utc(t: SystemTime) -> DateTime<Utc> {
    DateTime::<Utc>::from(t)
}

/// SHA-256 (hex) of a certificate's SubjectPublicKeyInfo.
pub fn key_sha256(der: &[u8]) -> Result<String, PkiFailure> {
    use der::Decode;
    let cert =
        x509_cert::Certificate::from_der(der).map_err(|e| PkiFailure::Corrupt(e.to_string()))?;
    let spki = der::Encode::to_der(cert.tbs_certificate().subject_public_key_info())
        .map_err(|e| PkiFailure::Corrupt(e.to_string()))?;
    Ok(hex::encode(sha2::Sha256::digest(&spki)))
}

use sha2::Digest;

/// A record of the pki crate as the store keeps it.
pub fn stored(
    r: &CertificateRecord,
    application_id: Option<i64>,
    document_number: Option<&str>,
) -> Result<StoredCertificate, PkiFailure> {
    Ok(StoredCertificate {
        serial: r.serial.to_hex(),
        authority: r.role.issuer().map(|a| a.as_str().to_owned()),
        role: r.role.as_str().to_owned(),
        subject: r.subject.clone(),
        not_before: to_utc(r.not_before),
        not_after: to_utc(r.not_after),
        signing_until: r.signing_until.map(to_utc),
        key_label: r.key_label.clone(),
        der: r.der.clone(),
        key_sha256: key_sha256(&r.der)?,
        application_id,
        document_number: document_number.map(str::to_owned),
        issued_at: Utc::now(),
    })
}

/// A stored certificate as the pki crate's record.
pub fn record(c: &StoredCertificate) -> Result<CertificateRecord, PkiFailure> {
    Ok(CertificateRecord {
        role: Role::parse(&c.role)
            .ok_or_else(|| PkiFailure::Corrupt(format!("role {:?}", c.role)))?,
        serial: Serial::from_hex(&c.serial)?,
        subject: c.subject.clone(),
        not_before: to_system(c.not_before),
        not_after: to_system(c.not_after),
        signing_until: c.signing_until.map(to_system),
        key_label: c.key_label.clone(),
        der: c.der.clone(),
    })
}

pub fn authority(name: &str) -> Option<Authority> {
    [Authority::Root, Authority::CitizenCa, Authority::Csca]
        .into_iter()
        .find(|a| a.as_str() == name)
}

/// The status a history of changes leads to; a change the state machine refuses is skipped (and logged).
pub fn replay(changes: &[CertificateChange]) -> CertStatus {
    let mut status = CertStatus::Good;
    for c in changes {
        let Some(reason) = Reason::parse(&c.reason) else {
            tracing::error!(serial = %c.serial, reason = %c.reason, "unknown certificate status reason");
            continue;
        };
        match status.apply(reason, to_system(c.at)) {
            Ok(s) => status = s,
            Err(e) => {
                tracing::warn!(serial = %c.serial, error = %e, "certificate status change skipped")
            }
        }
    }
    status
}

/// A CRL as published, and when it was made.
pub struct PublishedCrl {
    pub der: bytes::Bytes,
    pub made_at: SystemTime,
}

/// The PKI loaded from the store.
pub struct PkiRuntime {
    pub pki: Pki,
    pub ocsp: OcspResponder,
    crls: RwLock<HashMap<Authority, Arc<PublishedCrl>>>,
    /// The last status change the caches have seen.
    seen_change: AtomicI64,
    crl_lock: tokio::sync::Mutex<()>,
}

/// CRLs are made again at least this often (and on every status change).
pub const CRL_REFRESH: std::time::Duration = std::time::Duration::from_secs(24 * 3600);

impl PkiRuntime {
    fn new(pki: Pki, seen_change: i64) -> Result<Self, PkiFailure> {
        let ocsp = pki.ocsp_responder(OcspConfig::default())?;
        Ok(Self {
            pki,
            ocsp,
            crls: RwLock::new(HashMap::new()),
            seen_change: AtomicI64::new(seen_change),
            crl_lock: tokio::sync::Mutex::new(()),
        })
    }

    /// The CRL of `authority`, made anew when a status change made it stale or it is a day old.
    pub async fn crl(
        &self,
        store: &DynStore,
        authority: Authority,
    ) -> Result<Arc<PublishedCrl>, PkiFailure> {
        let fresh = |crls: &HashMap<Authority, Arc<PublishedCrl>>| {
            crls.get(&authority)
                .filter(|c| c.made_at.elapsed().is_ok_and(|e| e < CRL_REFRESH))
                .cloned()
        };
        if let Some(c) = fresh(&self.crls.read().unwrap_or_else(|p| p.into_inner())) {
            return Ok(c);
        }
        let _one_at_a_time = self.crl_lock.lock().await;
        if let Some(c) = fresh(&self.crls.read().unwrap_or_else(|p| p.into_inner())) {
            return Ok(c);
        }
        let changes = store.authority_changes(authority.as_str()).await?;
        let mut by_serial: HashMap<&str, Vec<CertificateChange>> = HashMap::new();
        for c in &changes {
            by_serial
                .entry(c.serial.as_str())
                .or_default()
                .push(c.clone());
        }
        let mut entries = Vec::with_capacity(by_serial.len());
        for (serial, history) in by_serial {
            entries.push((Serial::from_hex(serial)?, replay(&history)));
        }
        entries.sort_by(|a, b| a.0.cmp(&b.0));
        let number = store.next_crl_number(authority.as_str()).await?;
        let now = SystemTime::now();
        let der = self.pki.crl(
            authority,
            entries.iter().map(|(s, st)| (s, st)),
            number,
            now,
        )?;
        let crl = Arc::new(PublishedCrl {
            der: bytes::Bytes::from(der),
            made_at: now,
        });
        self.crls
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .insert(authority, Arc::clone(&crl));
        tracing::info!(
            authority = authority.as_str(),
            crl_number = number,
            entries = entries.len(),
            "CRL made"
        );
        Ok(crl)
    }

    /// Forgets what status changes recorded since the last call make stale: the OCSP answers about those
    /// certificates and the CRLs of their authorities. Answers how many changes were seen.
    pub async fn sync(&self, store: &DynStore) -> Result<usize, PkiFailure> {
        let mut total = 0;
        loop {
            let after = self.seen_change.load(Ordering::Acquire);
            let changes = store.changes_since(after, 1000).await?;
            let Some(last) = changes.last() else {
                return Ok(total);
            };
            let mut stale = Vec::new();
            for c in &changes {
                let (Some(a), Ok(serial)) = (authority(&c.authority), Serial::from_hex(&c.serial))
                else {
                    continue;
                };
                self.ocsp.invalidate(a, &serial);
                if !stale.contains(&a) {
                    stale.push(a);
                }
            }
            {
                let mut crls = self.crls.write().unwrap_or_else(|p| p.into_inner());
                for a in stale {
                    crls.remove(&a);
                }
            }
            self.seen_change.fetch_max(last.id, Ordering::AcqRel);
            total += changes.len();
            if changes.len() < 1000 {
                return Ok(total);
            }
        }
    }
}

/// Where the PKI comes from, and the PKI once loaded.
pub struct PkiHandle {
    keys: Arc<dyn KeyStore>,
    config: PkiConfig,
    /// Whether first use may create the hierarchy (development and the demo; never production).
    auto_init: bool,
    current: RwLock<Option<Arc<PkiRuntime>>>,
    load_lock: tokio::sync::Mutex<()>,
    /// A key directory that lives as long as the handle (tests and throw-away states).
    _temporary: Option<tempfile::TempDir>,
}

impl std::fmt::Debug for PkiHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PkiHandle")
            .field("backend", &self.keys.backend())
            .field("auto_init", &self.auto_init)
            .finish_non_exhaustive()
    }
}

impl PkiHandle {
    pub fn new(keys: Arc<dyn KeyStore>, config: PkiConfig, auto_init: bool) -> Self {
        Self {
            keys,
            config,
            auto_init,
            current: RwLock::new(None),
            load_lock: tokio::sync::Mutex::new(()),
            _temporary: None,
        }
    }

    /// Sealed-file keys in a temporary directory, initialised at first use: for tests and states built without
    /// configuration.
    pub fn temporary(base_url: &str) -> Result<Self, PkiFailure> {
        let dir = tempfile::tempdir()
            .map_err(|e| PkiFailure::Corrupt(format!("temporary key directory: {e}")))?;
        let keys = pki::SealedFileKeys::open(&dir.path().join("pki"), rand::random())?;
        let mut handle = Self::new(Arc::new(keys), PkiConfig::new(base_url)?, true);
        handle._temporary = Some(dir);
        Ok(handle)
    }

    pub fn keys(&self) -> &Arc<dyn KeyStore> {
        &self.keys
    }

    pub fn config(&self) -> &PkiConfig {
        &self.config
    }

    /// The PKI if it is loaded (the fast path of OCSP).
    pub fn loaded(&self) -> Option<Arc<PkiRuntime>> {
        self.current
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// The PKI, loaded from the store at first use (and initialised where allowed).
    pub async fn get(&self, store: &DynStore) -> Result<Arc<PkiRuntime>, PkiFailure> {
        if let Some(rt) = self.loaded() {
            return Ok(rt);
        }
        self.reload(store, self.auto_init).await
    }

    /// Loads the authorities from the store, initialising the hierarchy when there is none and `may_init`;
    /// renews the OCSP responders that need it. Replaces the loaded PKI.
    pub async fn reload(
        &self,
        store: &DynStore,
        may_init: bool,
    ) -> Result<Arc<PkiRuntime>, PkiFailure> {
        let _one_at_a_time = self.load_lock.lock().await;
        let records = load_records(store).await?;
        let mut pki = Pki::new(self.config.clone(), Arc::clone(&self.keys), records)?;
        if !pki.is_initialised() {
            if !may_init {
                return Err(PkiFailure::NotInitialised);
            }
            let made = pki.init(SystemTime::now())?;
            let rows = made
                .iter()
                .map(|r| stored(r, None, None))
                .collect::<Result<Vec<_>, _>>()?;
            if store.record_authorities(&rows, true).await? {
                tracing::warn!(
                    backend = self.keys.backend(),
                    certificates = made.len(),
                    "PKI initialised automatically (development mode or demo); production runs `shenas pki init`"
                );
            } else {
                // Another process initialised it first: use theirs (our keys stay as orphans).
                pki = Pki::new(
                    self.config.clone(),
                    Arc::clone(&self.keys),
                    load_records(store).await?,
                )?;
            }
        }
        let renewed = pki.renew_responders(SystemTime::now())?;
        if !renewed.is_empty() {
            let rows = renewed
                .iter()
                .map(|r| stored(r, None, None))
                .collect::<Result<Vec<_>, _>>()?;
            store.record_authorities(&rows, false).await?;
            tracing::info!(
                responders = renewed.len(),
                "OCSP responder certificates renewed"
            );
        }
        let seen = match self.loaded() {
            Some(old) => old.seen_change.load(Ordering::Acquire),
            None => store.last_change_id().await?,
        };
        let rt = Arc::new(PkiRuntime::new(pki, seen)?);
        *self.current.write().unwrap_or_else(|p| p.into_inner()) = Some(Arc::clone(&rt));
        Ok(rt)
    }

    /// Reloads when the store holds authority certificates the loaded PKI does not (a DS rotated by the command).
    pub async fn refresh(&self, store: &DynStore) -> Result<(), PkiFailure> {
        let Some(rt) = self.loaded() else {
            return Ok(());
        };
        let known = store.pki_authorities().await?.len();
        if known != rt.pki.records().len() {
            self.reload(store, false).await?;
            tracing::info!("PKI reloaded: new authority certificates in the store");
        }
        Ok(())
    }
}

/// The authority records the store keeps.
pub async fn load_records(store: &DynStore) -> Result<Vec<CertificateRecord>, PkiFailure> {
    store.pki_authorities().await?.iter().map(record).collect()
}

//! `shenas pki init | status | rotate-ds`: the national PKI's ceremonies and its report. `init` creates the
//! national root and the citizen CA, the CSCA, the first document signer and the two OCSP responders, once;
//! `rotate-ds` starts a new document signer (the old one stays valid to verify what it signed); `status` lists
//! every certificate and key with its expiry and what needs an operator. Keys go to the `[pki]` key store (sealed
//! files by default, a PKCS#11 token when configured); only certificates go to the database.
//!
//! Nothing here prints a private key, a PIN or the master key.

use crate::config::Config;
use server::pki::runtime::{load_records, stored};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::SystemTime;

/// The key store `[pki]` names.
pub fn key_store(cfg: &Config) -> anyhow::Result<Arc<dyn pki::KeyStore>> {
    let p = &cfg.pki;
    if let Some(module) = &p.pkcs11_module {
        let token = p.pkcs11_token.clone().ok_or_else(|| {
            anyhow::anyhow!("[pki] pkcs11_module needs pkcs11_token (the token's label)")
        })?;
        let pin = p.pkcs11_pin.clone().ok_or_else(|| {
            anyhow::anyhow!("[pki] pkcs11_module needs pkcs11_pin (or SHENAS_PKI__PKCS11_PIN)")
        })?;
        let keys = pki::Pkcs11Keys::open(&pki::Pkcs11Config {
            module: PathBuf::from(module),
            token_label: token,
            pin,
        })?;
        return Ok(Arc::new(keys));
    }
    let keys_dir = cfg.keys_dir();
    let dir = p
        .keys_dir
        .as_ref()
        .map_or_else(|| keys_dir.join("pki"), PathBuf::from);
    let master = keys_dir.join("pki-master.key");
    if !master.exists() && dir.exists() && std::fs::read_dir(&dir)?.next().is_some() {
        anyhow::bail!(
            "{} holds sealed PKI keys but their master key {} is missing: restore it (a new one would not open them)",
            dir.display(),
            master.display()
        );
    }
    let master_key = blobs::load_or_create_key(&master)
        .map_err(|e| anyhow::anyhow!("PKI master key {}: {e}", master.display()))?;
    Ok(Arc::new(pki::SealedFileKeys::open(&dir, master_key)?))
}

/// The PKI's configuration from `[pki]` and `public_url`.
pub fn pki_config(cfg: &Config) -> anyhow::Result<pki::PkiConfig> {
    let base = cfg.pki.base_url.clone().unwrap_or_else(|| cfg.public_url());
    let mut c = pki::PkiConfig::new(&base)?;
    if let Some(o) = &cfg.pki.organization {
        c.organization = o.clone();
        c.check()?;
    }
    Ok(c)
}

/// The handle `serve` gives the service; `auto_init` where the service may make the hierarchy itself.
pub fn handle(cfg: &Config, auto_init: bool) -> anyhow::Result<server::pki::PkiHandle> {
    Ok(server::pki::PkiHandle::new(
        key_store(cfg)?,
        pki_config(cfg)?,
        auto_init,
    ))
}

fn days(t: SystemTime) -> String {
    chrono::DateTime::<chrono::Utc>::from(t).to_rfc3339()
}

pub async fn init(cfg: &Config, json: bool) -> anyhow::Result<()> {
    let store = crate::db::open(&cfg.database_url).await?;
    let keys = key_store(cfg)?;
    let mut p = pki::Pki::new(
        pki_config(cfg)?,
        Arc::clone(&keys),
        load_records(&store).await?,
    )?;
    let made = p.init(SystemTime::now())?;
    let rows = made
        .iter()
        .map(|r| stored(r, None, None))
        .collect::<Result<Vec<_>, _>>()?;
    if !store.record_authorities(&rows, true).await? {
        anyhow::bail!("the PKI was initialised meanwhile by another process; the keys just made are orphans (listed by `pki status`)");
    }
    let fingerprint = |r: &pki::CertificateRecord| {
        use sha2::Digest;
        hex::encode(sha2::Sha256::digest(&r.der))
    };
    for r in &made {
        eprintln!(
            "{:<16} {}  serial {}  until {}  SHA-256 {}",
            r.role.as_str(),
            r.subject,
            r.serial,
            days(r.not_after),
            fingerprint(r)
        );
    }
    eprintln!(
        "Read the root's and the CSCA's SHA-256 fingerprints into the ceremony minutes; publish {}/api/v1/pki/root.pem \
         and csca.pem (the CSCA goes to ICAO's PKD).",
        p.config().base_url
    );
    if json {
        super::print_json(&serde_json::json!({
            "backend": keys.backend(),
            "certificates": made.iter().map(|r| serde_json::json!({
                "role": r.role.as_str(), "subject": r.subject, "serial": r.serial.to_hex(),
                "not_after": days(r.not_after), "sha256": fingerprint(r),
            })).collect::<Vec<_>>(),
        }));
    }
    Ok(())
}

pub async fn rotate_ds(cfg: &Config, json: bool) -> anyhow::Result<()> {
    let store = crate::db::open(&cfg.database_url).await?;
    let mut p = pki::Pki::new(
        pki_config(cfg)?,
        key_store(cfg)?,
        load_records(&store).await?,
    )?;
    if !p.is_initialised() {
        anyhow::bail!("the PKI is not initialised: run `shenas pki init` first");
    }
    let ds = p.rotate_ds(SystemTime::now())?;
    store
        .record_authorities(&[stored(&ds, None, None)?], false)
        .await?;
    let until = ds.signing_until.map(days).unwrap_or_default();
    if json {
        super::print_json(&serde_json::json!({
            "serial": ds.serial.to_hex(), "subject": ds.subject, "signing_until": until, "not_after": days(ds.not_after),
        }));
    } else {
        println!(
            "new document signer {} (serial {}), signs until {until}; a running service takes it within 10 minutes",
            ds.subject, ds.serial
        );
    }
    Ok(())
}

pub async fn status(cfg: &Config, json: bool) -> anyhow::Result<()> {
    let store = crate::db::open(&cfg.database_url).await?;
    let p = pki::Pki::new(
        pki_config(cfg)?,
        key_store(cfg)?,
        load_records(&store).await?,
    )?;
    let now = SystemTime::now();
    let st = p.status(now)?;
    let warnings = st
        .certificates
        .iter()
        .filter(|c| c.warning.is_some())
        .count();
    if json {
        super::print_json(&serde_json::json!({
            "initialised": p.is_initialised(),
            "backend": st.backend,
            "certificates": st.certificates.iter().map(|c| serde_json::json!({
                "role": c.role.as_str(), "subject": c.subject, "serial": c.serial, "current": c.current,
                "not_after": days(c.not_after), "days_left": c.days_left,
                "usable_until": days(c.usable_until), "usable_days_left": c.usable_days_left,
                "key_label": c.key_label, "key_present": c.key_present, "warning": c.warning,
            })).collect::<Vec<_>>(),
            "orphan_keys": st.orphan_keys,
            "warnings": warnings,
        }));
        return Ok(());
    }
    if !p.is_initialised() {
        println!("the PKI is not initialised (run `shenas pki init`)");
    }
    println!("key store: {}", st.backend);
    for c in &st.certificates {
        println!(
            "{}{:<16} {:<60} until {} ({} days; usable {} more days) key {}{}",
            if c.current { "* " } else { "  " },
            c.role.as_str(),
            c.subject,
            days(c.not_after),
            c.days_left,
            c.usable_days_left,
            c.key_label.as_deref().unwrap_or("-"),
            c.warning
                .as_deref()
                .map(|w| format!("  WARNING: {w}"))
                .unwrap_or_default(),
        );
    }
    for k in &st.orphan_keys {
        println!("  orphan key {k} (no certificate names it: left by an interrupted ceremony)");
    }
    Ok(())
}

//! `shenas vendors add|set|list|key-add|key-revoke`: card manufacturers with their share of the work and daily
//! capacity, and their API keys. A key is printed once, when it is made; only its SHA-256 is kept. Rotation is a
//! second key beside the first, then revoking the first; a revoked key is refused at once.

use crate::config::Config;
use server::agency::key::new_api_key;

pub async fn add(
    cfg: &Config,
    name: &str,
    share: u32,
    daily_capacity: u64,
    json: bool,
) -> anyhow::Result<()> {
    let name = name.trim();
    anyhow::ensure!(
        (2..=200).contains(&name.chars().count()),
        "the manufacturer's name needs 2 to 200 characters"
    );
    anyhow::ensure!(share <= 100, "the share is a percentage, 0 to 100");
    let store = crate::db::open(&cfg.database_url).await?;
    let (key, prefix, hash) = new_api_key();
    let id = store
        .create_vendor(
            name,
            share,
            daily_capacity,
            &prefix,
            &hash,
            chrono::Utc::now(),
        )
        .await
        .map_err(|e| match e {
            store::StoreError::Conflict(_) => anyhow::anyhow!("a manufacturer named {name} exists"),
            e => e.into(),
        })?;
    let total: u32 = store.vendors().await?.iter().map(|v| v.share_pct).sum();
    if total != 100 {
        eprintln!("note: the manufacturers' shares now add up to {total}%; batches are split in proportion");
    }
    if json {
        println!(
            "{}",
            serde_json::json!({"vendor_id": id, "name": name, "share_pct": share,
                "daily_capacity": daily_capacity, "api_key": key, "key_prefix": prefix})
        );
    } else {
        println!("manufacturer {name} (id {id}), share {share}%, {daily_capacity} cards a day");
        println!("API key (shown once; send it as X-Api-Key): {key}");
    }
    Ok(())
}

pub async fn set(
    cfg: &Config,
    name: &str,
    share: u32,
    daily_capacity: u64,
    json: bool,
) -> anyhow::Result<()> {
    anyhow::ensure!(share <= 100, "the share is a percentage, 0 to 100");
    let store = crate::db::open(&cfg.database_url).await?;
    anyhow::ensure!(
        store
            .update_vendor(name.trim(), share, daily_capacity)
            .await?,
        "no manufacturer named {name}"
    );
    list(cfg, json).await
}

pub async fn list(cfg: &Config, json: bool) -> anyhow::Result<()> {
    let store = crate::db::open(&cfg.database_url).await?;
    let vendors = store.vendors().await?;
    for v in &vendors {
        println!(
            "{}\t{}\tshare {}%\t{} cards a day",
            v.id, v.name, v.share_pct, v.daily_capacity
        );
    }
    if json {
        let rows: Vec<serde_json::Value> = vendors
            .iter()
            .map(|v| serde_json::json!({"vendor_id": v.id, "name": v.name, "share_pct": v.share_pct, "daily_capacity": v.daily_capacity}))
            .collect();
        println!("{}", serde_json::json!({ "vendors": rows }));
    }
    Ok(())
}

/// `vendors key-add`: a further key for a manufacturer, printed once.
pub async fn key_add(cfg: &Config, name: &str, json: bool) -> anyhow::Result<()> {
    let name = name.trim();
    let store = crate::db::open(&cfg.database_url).await?;
    let (key, prefix, hash) = new_api_key();
    store
        .add_vendor_key(name, &prefix, &hash, chrono::Utc::now())
        .await?
        .ok_or_else(|| anyhow::anyhow!("no manufacturer named {name}"))?;
    eprintln!("API key (shown once; send it as X-Api-Key): {key}");
    if json {
        super::print_json(&serde_json::json!({"name": name, "api_key": key, "key_prefix": prefix}));
    } else {
        println!("manufacturer {name}: key {prefix} created");
    }
    Ok(())
}

/// `vendors key-revoke`: revokes a manufacturer's key by its prefix.
pub async fn key_revoke(cfg: &Config, prefix: &str, json: bool) -> anyhow::Result<()> {
    let prefix = prefix.trim();
    let store = crate::db::open(&cfg.database_url).await?;
    anyhow::ensure!(
        store.revoke_vendor_key(prefix, chrono::Utc::now()).await?,
        "no active manufacturer key with prefix {prefix}"
    );
    if json {
        super::print_json(&serde_json::json!({ "revoked": prefix }));
    } else {
        println!("manufacturer key {prefix} revoked");
    }
    Ok(())
}

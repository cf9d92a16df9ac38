//! `shenas agencies add|key-add|key-revoke`: banks and agencies that verify people. A key is printed once, when
//! it is made; only its SHA-256 is kept. Rotation is a second key beside the first, then revoking the first.

use crate::config::Config;
use server::agency::key::new_api_key;

pub async fn add(
    cfg: &Config,
    name: &str,
    purposes: &[String],
    rate: u32,
    json: bool,
) -> anyhow::Result<()> {
    let name = name.trim();
    anyhow::ensure!(
        (2..=200).contains(&name.chars().count()),
        "the agency's name needs 2 to 200 characters"
    );
    let purposes: Vec<String> = purposes
        .iter()
        .flat_map(|p| p.split(','))
        .map(|p| p.trim().to_string())
        .filter(|p| !p.is_empty())
        .collect();
    anyhow::ensure!(
        purposes.iter().all(|p| p
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')),
        "purposes are snake_case words (e.g. account_opening)"
    );
    anyhow::ensure!(!purposes.is_empty(), "name at least one purpose");
    anyhow::ensure!(rate > 0, "the rate must be positive");
    let store = crate::db::open(&cfg.database_url).await?;
    let now = chrono::Utc::now();
    let id = store
        .create_agency(name, &purposes, rate, now)
        .await
        .map_err(|e| match e {
            store::StoreError::Conflict(_) => anyhow::anyhow!("an agency named {name} exists"),
            e => e.into(),
        })?;
    let (key, prefix, hash) = new_api_key();
    store.add_api_key(id, &prefix, &hash, now).await?;
    report(json, id, name, &key, &prefix);
    Ok(())
}

pub async fn key_add(cfg: &Config, name: &str, json: bool) -> anyhow::Result<()> {
    let store = crate::db::open(&cfg.database_url).await?;
    let agency = store
        .agency_by_name(name.trim())
        .await?
        .ok_or_else(|| anyhow::anyhow!("no agency named {name}"))?;
    let (key, prefix, hash) = new_api_key();
    store
        .add_api_key(agency.id, &prefix, &hash, chrono::Utc::now())
        .await?;
    report(json, agency.id, &agency.name, &key, &prefix);
    Ok(())
}

pub async fn key_revoke(cfg: &Config, prefix: &str, json: bool) -> anyhow::Result<()> {
    let store = crate::db::open(&cfg.database_url).await?;
    let revoked = store
        .revoke_api_key(prefix.trim(), chrono::Utc::now())
        .await?;
    anyhow::ensure!(revoked, "no active key with prefix {prefix}");
    if json {
        super::print_json(&serde_json::json!({ "revoked": prefix }));
    } else {
        println!(
            "key {prefix} revoked (cached checks expire within {} s)",
            server::agency::key::CACHE_SECONDS
        );
    }
    Ok(())
}

fn report(json: bool, id: i64, name: &str, key: &str, prefix: &str) {
    eprintln!("API key (shown once; keep it secret): {key}");
    if json {
        super::print_json(&serde_json::json!({
            "agency_id": id, "name": name, "api_key": key, "key_prefix": prefix,
        }));
    } else {
        println!("agency {name} (id {id}): key {prefix} created");
    }
}

//! The service's side of mobile units' kits: `shenas kits approve|revoke KIT_ID` (recorded with who and when)
//! and `shenas packets import DIR` (packet files from a kit's USB stick, each taken as an upload is).

use crate::config::Config;
use std::path::Path;
use store::kits::KitState;

/// Who runs a command, for the record.
fn actor() -> String {
    let user = std::env::var("USER").unwrap_or_else(|_| "unknown".into());
    format!("admin:cli:{user}")
}

pub async fn change(cfg: &Config, kit_id: &str, to: KitState, json: bool) -> anyhow::Result<()> {
    let store = crate::db::open(&cfg.database_url).await?;
    let actor = actor();
    let kit = server::kits::change(&store, kit_id, to, &actor).await?;
    if json {
        super::print_json(&serde_json::json!({
            "kit_id": kit.kit_id, "state": kit.state.as_str(), "unit_id": kit.unit_office.as_str(),
            "by": actor,
        }));
    } else {
        println!("kit {} is {} (by {actor})", kit.kit_id, kit.state.as_str());
    }
    Ok(())
}

pub async fn import(cfg: &Config, dir: &Path, json: bool) -> anyhow::Result<()> {
    let store = crate::db::open(&cfg.database_url).await?;
    let state = super::serve::app_state(store, cfg).await?;
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .map_err(|e| anyhow::anyhow!("reading {}: {e}", dir.display()))?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    let (mut accepted, mut duplicates, mut refused) = (0u64, 0u64, Vec::new());
    for path in files {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let bytes = std::fs::read(&path).map_err(|e| anyhow::anyhow!("reading {name}: {e}"))?;
        match server::kits::take::take(&state, &bytes, "import").await {
            Ok(server::kits::take::Taken::New(_)) => accepted += 1,
            Ok(server::kits::take::Taken::Again(_)) => duplicates += 1,
            Err(e) => {
                if !json {
                    eprintln!("{name}: {} ({})", e.detail.code, e.detail.message_en);
                }
                refused.push(serde_json::json!({"file": name, "code": e.detail.code}));
            }
        }
    }
    if json {
        super::print_json(&serde_json::json!({
            "accepted": accepted, "duplicates": duplicates, "refused": refused,
        }));
    } else {
        println!(
            "{accepted} packets accepted, {duplicates} taken before, {} refused",
            refused.len()
        );
    }
    Ok(())
}

//! The kit's directory: its key, its state file, its database and its blobs.

use anyhow::{anyhow, Context};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// `kit.json`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct KitFile {
    pub server: String,
    pub unit_id: String,
    pub kit_id: String,
    /// The service's X25519 public key, hex.
    pub service_public_key: String,
    /// The visits loaded: visit id → the tracking codes of its people.
    #[serde(default)]
    pub visits: BTreeMap<i64, Vec<String>>,
}

/// A kit's directory.
#[derive(Debug, Clone)]
pub struct KitDir {
    pub root: PathBuf,
}

impl KitDir {
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Self { root: root.into() }
    }

    pub fn key_path(&self) -> PathBuf {
        self.root.join("kit.key")
    }

    pub fn file_path(&self) -> PathBuf {
        self.root.join("kit.json")
    }

    /// The kit's database URL.
    pub fn database_url(&self) -> String {
        format!("sqlite://{}", self.root.join("kit.db").display())
    }

    /// The kit's key, drawn when missing.
    pub fn key(&self) -> anyhow::Result<packets::KitKey> {
        let secret = blobs::load_or_create_key(&self.key_path())
            .map_err(|e| anyhow!("kit key {}: {e}", self.key_path().display()))?;
        Ok(packets::KitKey::from_secret(secret))
    }

    pub fn read(&self) -> anyhow::Result<KitFile> {
        let path = self.file_path();
        let text = std::fs::read_to_string(&path)
            .with_context(|| format!("reading {} (run `shenas kit init` first)", path.display()))?;
        serde_json::from_str(&text).with_context(|| format!("parsing {}", path.display()))
    }

    /// Writes `kit.json` whole (through a temporary file, so a crash leaves the old one).
    pub fn write(&self, f: &KitFile) -> anyhow::Result<()> {
        std::fs::create_dir_all(&self.root)?;
        let tmp = self.root.join("kit.json.tmp");
        std::fs::write(&tmp, serde_json::to_vec_pretty(f)?)?;
        std::fs::rename(&tmp, self.file_path())?;
        Ok(())
    }

    /// The kit's own database, migrated.
    pub async fn store(&self) -> anyhow::Result<store::DynStore> {
        std::fs::create_dir_all(&self.root)?;
        let url = self.database_url();
        let s = store_sqlite::SqliteStore::connect(&url)
            .await
            .map_err(|e| anyhow!("opening the kit's database {url}: {e}"))?;
        Ok(Arc::new(s))
    }

    /// What the desk needs on this kit to turn enrollments into packets.
    pub fn mode(&self) -> anyhow::Result<server::kits::KitMode> {
        let f = self.read()?;
        let service_public = server::kits::hex32(&f.service_public_key)
            .ok_or_else(|| anyhow!("kit.json: the service key is not 64 hex digits"))?;
        let visits = f
            .visits
            .iter()
            .flat_map(|(v, codes)| codes.iter().map(move |c| (c.clone(), *v)))
            .collect();
        Ok(server::kits::KitMode {
            kit_id: f.kit_id,
            key: self.key()?,
            service_public,
            visits,
        })
    }

    pub fn blobs_dir(&self) -> PathBuf {
        self.root.join("blobs")
    }
}

/// A packet file's name in an export.
pub(crate) fn packet_file(dir: &Path, packet_id: &str) -> PathBuf {
    dir.join(format!("{packet_id}.shpk"))
}

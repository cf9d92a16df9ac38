//! Picks the store from the database URL's scheme.

use std::sync::Arc;
use store::DynStore;

pub async fn open(url: &str) -> anyhow::Result<DynStore> {
    if url.starts_with("sqlite:") {
        let s = store_sqlite::SqliteStore::connect(url)
            .await
            .map_err(|e| anyhow::anyhow!("opening {url}: {e}"))?;
        Ok(Arc::new(s))
    } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        let s = store_postgres::PostgresStore::connect(url)
            .await
            .map_err(|e| anyhow::anyhow!("opening PostgreSQL: {e}"))?;
        Ok(Arc::new(s))
    } else {
        anyhow::bail!("unsupported database URL {url:?}: use sqlite://FILE or postgres://…")
    }
}

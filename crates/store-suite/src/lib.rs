//! The test harness for stores: a fresh SQLite database per test (a temporary file), and a throw-away
//! PostgreSQL database per test on the server named by `SHENAS_TEST_POSTGRES_URL`
//! (default `postgres://postgres@127.0.0.1:5432/postgres`). Where no PostgreSQL server answers, the PostgreSQL
//! half of a test is skipped with a printed notice, unless `SHENAS_REQUIRE_POSTGRES=1` (CI sets it), which turns
//! the skip into a failure.
//!
//! A `TestStore` removes its database when it is dropped, also when the test panics; [`TestStore::cleanup`] does
//! the same at a chosen point and closes the pools first. Databases of runs that were killed (no drop ran) are
//! swept by the first PostgreSQL test of a later run once they are an hour old.
//!
//! The registry fixtures every test shares are in [`fixtures`]; the test kit above the server (`testkit`)
//! re-exports this crate.

pub mod fixtures;
pub mod lifecycle;

use sqlx::{Connection, Executor};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;
use store::DynStore;
use store_postgres::PostgresStore;
use store_sqlite::SqliteStore;

static COUNTER: AtomicU32 = AtomicU32::new(0);

/// A store for one test, and what to remove afterwards.
pub struct TestStore {
    pub store: DynStore,
    pub url: String,
    pub name: &'static str,
    cleanup: Option<Cleanup>,
    sqlite: Option<Arc<SqliteStore>>,
    postgres: Option<Arc<PostgresStore>>,
}

enum Cleanup {
    File(std::path::PathBuf),
    Database { admin_url: String, name: String },
}

fn unique_suffix() -> String {
    let ts = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    format!(
        "{ts}_{}_{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    )
}

pub fn postgres_admin_url() -> String {
    std::env::var("SHENAS_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into())
}

/// Drops throw-away databases left by runs that died more than an hour ago (their names carry the time).
async fn drop_stale_databases(admin: &mut sqlx::PgConnection) {
    static ONCE: std::sync::Once = std::sync::Once::new();
    let mut first = false;
    ONCE.call_once(|| first = true);
    if !first {
        return;
    }
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let names: Vec<String> = sqlx::query_scalar(
        "SELECT datname FROM pg_database WHERE datname LIKE 'shenas\\_test\\_%'",
    )
    .fetch_all(&mut *admin)
    .await
    .unwrap_or_default();
    for name in names {
        let ts: u64 = name
            .split('_')
            .nth(2)
            .and_then(|t| t.parse().ok())
            .unwrap_or(u64::MAX);
        if ts.saturating_add(3_600) < now {
            let _ = admin
                .execute(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)").as_str())
                .await;
        }
    }
}

impl TestStore {
    pub async fn sqlite() -> Self {
        let path = std::env::temp_dir().join(format!("shenas_test_{}.db", unique_suffix()));
        let url = format!("sqlite://{}", path.display());
        let s = Arc::new(
            SqliteStore::connect(&url)
                .await
                .expect("open a temporary SQLite database"),
        );
        Self {
            store: s.clone(),
            url,
            name: "sqlite",
            cleanup: Some(Cleanup::File(path)),
            sqlite: Some(s),
            postgres: None,
        }
    }

    /// A fresh PostgreSQL database, or `None` (with a notice) where no server can be reached.
    pub async fn postgres() -> Option<Self> {
        let admin_url = postgres_admin_url();
        let mut admin = match sqlx::PgConnection::connect(&admin_url).await {
            Ok(c) => c,
            Err(e) => {
                if std::env::var("SHENAS_REQUIRE_POSTGRES").is_ok_and(|v| v == "1") {
                    panic!("SHENAS_REQUIRE_POSTGRES=1 but PostgreSQL at {admin_url} cannot be reached: {e}");
                }
                eprintln!("NOTICE: PostgreSQL at {admin_url} cannot be reached ({e}); skipping the PostgreSQL run");
                return None;
            }
        };
        drop_stale_databases(&mut admin).await;
        let name = format!("shenas_test_{}", unique_suffix());
        admin
            .execute(format!("CREATE DATABASE {name}").as_str())
            .await
            .expect("create a throw-away database");
        let url = match admin_url.rsplit_once('/') {
            Some((base, _)) => format!("{base}/{name}"),
            None => panic!("SHENAS_TEST_POSTGRES_URL must name a database: {admin_url}"),
        };
        let s = Arc::new(
            PostgresStore::connect(&url)
                .await
                .expect("migrate the throw-away database"),
        );
        Some(Self {
            store: s.clone(),
            url,
            name: "postgres",
            cleanup: Some(Cleanup::Database { admin_url, name }),
            sqlite: None,
            postgres: Some(s),
        })
    }

    /// Another store on the same PostgreSQL database, as a second instance of the service opens it (SQLite is
    /// one instance's: `None`).
    pub async fn another_instance(&self) -> Option<store::DynStore> {
        self.postgres.as_ref()?;
        let s = PostgresStore::connect(&self.url)
            .await
            .expect("connect a second instance");
        Some(Arc::new(s))
    }

    /// Both backends (PostgreSQL only where a server answers).
    pub async fn all() -> Vec<Self> {
        let mut v = vec![Self::sqlite().await];
        v.extend(Self::postgres().await);
        v
    }

    /// Runs backend-specific SQL (for tests that must provoke a failure inside the store).
    pub async fn exec_raw(&self, sqlite_sql: &str, postgres_sql: &str) {
        if let Some(s) = &self.sqlite {
            sqlx::raw_sql(sqlite_sql)
                .execute(s.pool())
                .await
                .expect("raw SQL on SQLite");
        }
        if let Some(p) = &self.postgres {
            sqlx::raw_sql(postgres_sql)
                .execute(p.pool())
                .await
                .expect("raw SQL on PostgreSQL");
        }
    }

    /// The bytes of the first column of every row `sql` selects (the same SQL on both backends), for tests that
    /// must look at what is stored at rest.
    pub async fn select_bytes(&self, sql: &str) -> Vec<Vec<u8>> {
        if let Some(s) = &self.sqlite {
            return sqlx::query_scalar(sql)
                .fetch_all(s.pool())
                .await
                .expect("select on SQLite");
        }
        if let Some(p) = &self.postgres {
            return sqlx::query_scalar(sql)
                .fetch_all(p.pool())
                .await
                .expect("select on PostgreSQL");
        }
        Vec::new()
    }

    /// Closes the pools and removes the database now. Optional: dropping the `TestStore` removes it too.
    pub async fn cleanup(mut self) {
        let cleanup = self.cleanup.take();
        if let Some(s) = self.sqlite.take() {
            s.pool().close().await;
        }
        if let Some(p) = self.postgres.take() {
            p.pool().close().await;
        }
        match cleanup {
            Some(Cleanup::File(path)) => remove_files(&path),
            Some(Cleanup::Database { admin_url, name }) => drop_database(&admin_url, &name).await,
            None => {}
        }
    }
}

impl Drop for TestStore {
    /// Removes the database of a test that did not call [`TestStore::cleanup`] (or panicked first). A PostgreSQL
    /// database is dropped `WITH (FORCE)` from a thread of its own, as `Drop` cannot await.
    fn drop(&mut self) {
        match self.cleanup.take() {
            Some(Cleanup::File(path)) => remove_files(&path),
            Some(Cleanup::Database { admin_url, name }) => {
                let dropped = std::thread::spawn(move || {
                    if let Ok(rt) = tokio::runtime::Builder::new_current_thread()
                        .enable_all()
                        .build()
                    {
                        rt.block_on(drop_database(&admin_url, &name));
                    }
                })
                .join();
                if dropped.is_err() {
                    eprintln!("NOTICE: a throw-away database was left for the next run's sweep");
                }
            }
            None => {}
        }
    }
}

fn remove_files(path: &std::path::Path) {
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
}

async fn drop_database(admin_url: &str, name: &str) {
    if let Ok(mut admin) = sqlx::PgConnection::connect(admin_url).await {
        let _ = admin
            .execute(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)").as_str())
            .await;
    }
}

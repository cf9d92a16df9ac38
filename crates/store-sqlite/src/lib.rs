//! The embedded default store: one SQLite file (`sqlite://shenas.db`), WAL journal, migrations embedded.
//! Writes are batched into multi-row statements inside one transaction per batch, so an interrupted import
//! leaves whole persons or none.

use async_trait::async_trait;
use domain::{Mobile, NationalCode, Office, OfficeId, Person, ProvinceCode};
use sqlx::query::Query;
use sqlx::sqlite::{
    SqliteArguments, SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteQueryResult,
    SqliteSynchronous,
};
use sqlx::{QueryBuilder, Sqlite, SqlitePool};
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;
use store::changes::{ChangeSink, Watch};
use store::codec::{OfficeColumns, PersonColumns};
use store::{check_unique, Backend, PersonWriter, Result, StoreError, UpsertCounts};
use store_sql::{Engine, SqlStore};

mod bulk;
pub mod changes;
mod first_load;
mod rows;

/// Rows per multi-row statement: 18 parameters a row stays under SQLite's 32,766-parameter limit.
const ROWS_PER_STATEMENT: usize = 1_000;

/// The store on SQLite: `SqliteStore::connect(url)` opens it.
pub type SqliteStore = SqlStore<SqliteEngine>;

/// What is SQLite's own in the store (see [`Engine`]).
pub struct SqliteEngine;

/// `SHENAS_SQLITE_SYNCHRONOUS`: `full` (default) or `normal`.
fn synchronous() -> SqliteSynchronous {
    match std::env::var("SHENAS_SQLITE_SYNCHRONOUS").as_deref() {
        Ok("normal") | Ok("NORMAL") => SqliteSynchronous::Normal,
        _ => SqliteSynchronous::Full,
    }
}

fn opts_filename(url: &str) -> Option<std::path::PathBuf> {
    SqliteConnectOptions::from_str(url)
        .ok()
        .map(|o| o.get_filename().to_path_buf())
}

/// The database file and its WAL hold the registry (names, addresses, mobiles): readable by the service's user
/// only (security review F19).
fn private_files(db: Option<&std::path::Path>) {
    #[cfg(unix)]
    if let Some(db) = db {
        use std::os::unix::fs::PermissionsExt;
        let mut paths = vec![db.to_path_buf()];
        for suffix in ["-wal", "-shm"] {
            let mut p = db.as_os_str().to_owned();
            p.push(suffix);
            paths.push(p.into());
        }
        for p in paths {
            if p.exists() {
                if let Err(e) = std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o600))
                {
                    tracing::warn!(path = %p.display(), error = %e, "cannot make the database file private");
                }
            }
        }
    }
    #[cfg(not(unix))]
    let _ = db;
}

/// Page cache per connection, in KiB: `SHENAS_SQLITE_CACHE_KIB`, default 32 MiB.
/// Connections of a database file's pool: `SHENAS_SQLITE_CONNECTIONS`, default 8 (one writes at a time; the
/// others read beside it in WAL mode).
fn connections() -> u32 {
    std::env::var("SHENAS_SQLITE_CONNECTIONS")
        .ok()
        .and_then(|v| v.parse().ok())
        .filter(|n| *n > 0)
        .unwrap_or(8)
}

/// Whether the pool asks each idle connection for a round trip before lending it (sqlx's default):
/// `SHENAS_SQLITE_PING_ON_ACQUIRE=1`. Off by default: a connection to a local file does not go stale, and the
/// ping is a second hop to the connection's thread for every query (`docs/read-path.md`).
fn ping_on_acquire() -> bool {
    std::env::var("SHENAS_SQLITE_PING_ON_ACQUIRE").is_ok_and(|v| v == "1")
}

fn cache_kib() -> u32 {
    std::env::var("SHENAS_SQLITE_CACHE_KIB")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(32_768)
}

/// A national code or mobile number as the integer SQLite keys it by (its digits are checked by the domain).
fn code_int(digits: &str) -> i64 {
    digits.parse().unwrap_or(0)
}

/// Staged rows merged together: `SHENAS_SQLITE_MERGE_ROWS`, default 10,000 (measured: merging larger stages is
/// slower, as the stage's own index and sorts grow).
fn merge_rows() -> usize {
    std::env::var("SHENAS_SQLITE_MERGE_ROWS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10_000)
}

use store_sql::db_err as db;

fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
}

/// The persons columns as the codec wants them: the integer national code padded back to ten digits.
const PERSON_COLUMNS: &str = "printf('%010d', national_code), first_name, last_name, father_name, mother_name, gender, \
    birth_date_jalali, birth_place, religion, bc_series_letter, bc_series_number, bc_serial, mobiles, postal_code, \
    address, death_date_jalali";

/// Stages every batch of the transaction in the in-memory stage database and merges them at commit, in
/// national-code order, so a large load visits each index page once per transaction instead of once per batch.
struct SqlitePersonWriter {
    tx: sqlx::Transaction<'static, Sqlite>,
    /// Codes staged and not yet merged: a code seen again forces a merge first, so the later row wins.
    staged: std::collections::HashSet<NationalCode>,
    counts: UpsertCounts,
}

impl SqlitePersonWriter {
    async fn merge(&mut self) -> Result<()> {
        let staged = self.staged.len() as u64;
        self.counts += bulk::merge(&mut self.tx, staged, &now())
            .await
            .map_err(db)?;
        self.staged.clear();
        Ok(())
    }
}

#[async_trait]
impl PersonWriter for SqlitePersonWriter {
    async fn write(&mut self, batch: &[Person]) -> Result<()> {
        check_unique(batch.iter().map(|p| &p.national_code))?;
        if batch.iter().any(|p| self.staged.contains(&p.national_code)) {
            self.merge().await?;
        }
        let cols: Vec<PersonColumns> = batch.iter().map(PersonColumns::from_person).collect();
        bulk::stage(&mut self.tx, &cols).await.map_err(db)?;
        self.staged.extend(batch.iter().map(|p| p.national_code));
        if self.staged.len() >= merge_rows() {
            self.merge().await?;
        }
        Ok(())
    }

    async fn commit(mut self: Box<Self>) -> Result<UpsertCounts> {
        self.merge().await?;
        self.tx.commit().await.map_err(db)?;
        Ok(self.counts)
    }
}

/// See [`first_load`].
struct SqliteFirstLoad {
    tx: sqlx::Transaction<'static, Sqlite>,
    rows: u64,
    stamp: String,
}

#[async_trait]
impl PersonWriter for SqliteFirstLoad {
    async fn write(&mut self, batch: &[Person]) -> Result<()> {
        let cols: Vec<PersonColumns> = batch.iter().map(PersonColumns::from_person).collect();
        first_load::append(&mut self.tx, &cols, &self.stamp)
            .await
            .map_err(db)?;
        self.rows += batch.len() as u64;
        Ok(())
    }

    async fn commit(mut self: Box<Self>) -> Result<UpsertCounts> {
        let replaced = first_load::finish(&mut self.tx).await.map_err(db)?;
        self.tx.commit().await.map_err(db)?;
        Ok(UpsertCounts {
            inserted: self.rows - replaced,
            updated: replaced,
            unchanged: 0,
        })
    }
}

// Write transactions open with BEGIN IMMEDIATE: SQLite has one writer, and a deferred transaction that reads
// before it writes could fail on the lock upgrade when another writer got there first.
#[async_trait]
impl Engine for SqliteEngine {
    type Db = Sqlite;
    const KIND: Backend = Backend::Sqlite;
    const BEGIN: &'static str = "BEGIN IMMEDIATE";
    const PASS_LOCK: Option<&'static str> = None;
    const PERSON_CODE: &'static str = "CAST(a.national_code AS INTEGER)";
    const BULK_WRITERS: usize = 1;

    type Feed = changes::SqliteFeed;

    /// Opens (creating if missing) the database at `url` (`sqlite://path`, `sqlite::memory:`) and migrates it.
    async fn connect(url: &str, feed: &changes::SqliteFeed) -> Result<SqlitePool> {
        let memory = url.contains(":memory:");
        let opts = SqliteConnectOptions::from_str(url)
            .map_err(StoreError::database)?
            .create_if_missing(true)
            .journal_mode(if memory {
                SqliteJournalMode::Memory
            } else {
                SqliteJournalMode::Wal
            })
            // FULL: an acknowledged write survives a power loss or a kernel crash too, not only a crash of the
            // process (security review F19). `SHENAS_SQLITE_SYNCHRONOUS=normal` trades that for speed.
            .synchronous(synchronous())
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10))
            // 32 MiB of page cache per connection (see `cache_kib`), and a checkpoint every 64 MiB of WAL rather than every 4 MiB:
            // bulk loads rewrite fewer pages, and memory stays bounded.
            .pragma("cache_size", format!("-{}", cache_kib()))
            .pragma("wal_autocheckpoint", "16384")
            .pragma("soft_heap_limit", "67108864");
        // An in-memory database exists per connection: keep exactly one.
        let max = if memory { 1 } else { connections() };
        let hooks = feed.hooks();
        let pool = SqlitePoolOptions::new()
            .max_connections(max)
            .test_before_acquire(ping_on_acquire())
            .min_connections(1)
            .after_connect(move |conn, _| {
                let hooks = hooks.clone();
                Box::pin(async move {
                    use sqlx::Executor;
                    conn.execute(bulk::ATTACH_STAGE).await?;
                    changes::install(conn, &hooks).await
                })
            })
            .connect_with(opts)
            .await
            .map_err(StoreError::database)?;
        sqlx::migrate!("./migrations")
            .run(&pool)
            .await
            .map_err(|e| StoreError::Migration(e.to_string()))?;
        if !memory {
            private_files(opts_filename(url).as_deref());
        }
        Ok(pool)
    }

    async fn watch(
        pool: &SqlitePool,
        feed: &changes::SqliteFeed,
        sink: Arc<dyn ChangeSink>,
    ) -> Result<Watch> {
        feed.watch(pool, sink);
        Ok(Watch { synchronous: true })
    }

    /// Every change is delivered as *changing* before its write returns: nothing to wait for. (Settling them as
    /// *changed* is the settler's, in the background.)
    async fn fence(_pool: &SqlitePool, _feed: &changes::SqliteFeed) -> Result<()> {
        Ok(())
    }

    fn build<'q>(q: &'q mut QueryBuilder<'_, Sqlite>) -> Query<'q, Sqlite, SqliteArguments<'q>> {
        q.build()
    }

    fn rows_affected(done: &SqliteQueryResult) -> u64 {
        done.rows_affected()
    }

    async fn person_writer(pool: &SqlitePool) -> Result<Box<dyn PersonWriter>> {
        // A writer reads before it writes: opened IMMEDIATE, as every write transaction here, so that it waits
        // for the write lock at its start instead of failing when it upgrades.
        let tx = pool.begin_with(Self::BEGIN).await.map_err(db)?;
        Ok(Box::new(SqlitePersonWriter {
            tx,
            staged: Default::default(),
            counts: UpsertCounts::default(),
        }))
    }

    async fn first_load_writer(pool: &SqlitePool) -> Result<Option<Box<dyn PersonWriter>>> {
        let mut tx = pool.begin_with(Self::BEGIN).await.map_err(db)?;
        if !first_load::begin(&mut tx).await.map_err(db)? {
            return Ok(None); // rolled back: the index is back
        }
        Ok(Some(Box::new(SqliteFirstLoad {
            tx,
            rows: 0,
            stamp: now(),
        })))
    }

    async fn person(pool: &SqlitePool, code: &NationalCode) -> Result<Option<Person>> {
        let row = sqlx::query(&format!(
            "SELECT {PERSON_COLUMNS} FROM persons WHERE national_code = ?"
        ))
        .bind(code_int(code.as_str()))
        .fetch_optional(pool)
        .await
        .map_err(db)?;
        row.map(|r| rows::person_columns(&r).and_then(PersonColumns::into_person))
            .transpose()
    }

    async fn national_codes_by_mobile(
        pool: &SqlitePool,
        mobile: &Mobile,
    ) -> Result<Vec<NationalCode>> {
        let codes: Vec<String> = sqlx::query_scalar(
            "SELECT printf('%010d', national_code) FROM person_mobiles WHERE mobile = ? ORDER BY national_code",
        )
        .bind(code_int(mobile.as_str()))
        .fetch_all(pool)
        .await
        .map_err(db)?;
        codes
            .iter()
            .map(|c| {
                NationalCode::parse(c)
                    .map_err(|e| StoreError::corrupt("person_mobiles.national_code", e))
            })
            .collect()
    }

    async fn upsert_offices(pool: &SqlitePool, batch: &[Office]) -> Result<UpsertCounts> {
        check_unique(batch.iter().map(|o| &o.id))?;
        let cols: Vec<OfficeColumns> = batch.iter().map(OfficeColumns::from_office).collect();
        let stamp = now();
        let mut counts = UpsertCounts::default();
        let mut tx = pool.begin().await.map_err(db)?;
        for chunk in cols.chunks(ROWS_PER_STATEMENT) {
            let mut q = QueryBuilder::<Sqlite>::new(
                "INSERT INTO offices (office_id, name, kind, province_code, city, address, daily_capacity, updated_at) ",
            );
            q.push_values(chunk, |mut b, c| {
                b.push_bind(&c.office_id)
                    .push_bind(&c.name)
                    .push_bind(&c.kind)
                    .push_bind(&c.province_code)
                    .push_bind(&c.city)
                    .push_bind(&c.address)
                    .push_bind(c.daily_capacity)
                    .push_bind(&stamp);
            });
            q.push(rows::OFFICE_UPSERT_TAIL);
            let revisions: Vec<i64> = q
                .build_query_scalar()
                .fetch_all(&mut *tx)
                .await
                .map_err(db)?;
            let inserted = revisions.iter().filter(|&&r| r == 1).count() as u64;
            counts.inserted += inserted;
            counts.updated += revisions.len() as u64 - inserted;
            counts.unchanged += (chunk.len() - revisions.len()) as u64;
        }
        tx.commit().await.map_err(db)?;
        Ok(counts)
    }

    async fn office(pool: &SqlitePool, id: &OfficeId) -> Result<Option<Office>> {
        let row = sqlx::query(rows::OFFICE_SELECT_BY_ID)
            .bind(id.as_str())
            .fetch_optional(pool)
            .await
            .map_err(db)?;
        row.map(|r| rows::office_columns(&r).and_then(OfficeColumns::into_office))
            .transpose()
    }

    async fn offices_in_province(pool: &SqlitePool, province: ProvinceCode) -> Result<Vec<Office>> {
        let rows = sqlx::query(rows::OFFICE_SELECT_BY_PROVINCE)
            .bind(province.as_str())
            .fetch_all(pool)
            .await
            .map_err(db)?;
        rows.iter()
            .map(|r| rows::office_columns(r).and_then(OfficeColumns::into_office))
            .collect()
    }
}

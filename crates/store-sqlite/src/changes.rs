//! SQLite's change notices (see `store::changes`), from hooks on every connection of the pool.
//!
//! The update hook notes the application rows and offices a transaction writes. SQLite has no hook after a
//! commit, so they are told twice:
//! - *changing*, from the commit hook, as the commit begins (on the committing connection's thread, before its
//!   `COMMIT` returns to the caller);
//! - *changed*, as soon as that commit is certainly over: SQLite has one writer, so when the next transaction
//!   writes (or commits), every commit that began before has finished; where no write follows, the settler
//!   takes the write lock for a moment ([`SETTLE_EVERY`]) to the same end.
//!
//! A rollback discards what was noted. Writes made by another process on the same file are not seen: the
//! embedded database is one service's, and a served SQLite file is written by that service only.

use sqlx::sqlite::{SqliteConnection, SqliteOperation};
use sqlx::{Executor, SqlitePool};
use std::sync::{Arc, Mutex, PoisonError, RwLock};
use std::time::Duration;
use store::changes::{ApplicationRow, ChangeSink, Changed};
use store::{Result, StoreError};
use tokio::task::JoinHandle;

/// How often the settler looks for commits told as changing only.
pub const SETTLE_EVERY: Duration = Duration::from_millis(50);

/// Where every connection's hooks deliver: nothing until someone watches. Owned by the store; the settler stops
/// with it.
#[derive(Default)]
pub struct SqliteFeed {
    shared: Arc<Shared>,
    settler: Mutex<Option<JoinHandle<()>>>,
}

impl Drop for SqliteFeed {
    fn drop(&mut self) {
        if let Some(t) = self
            .settler
            .get_mut()
            .unwrap_or_else(PoisonError::into_inner)
            .take()
        {
            t.abort();
        }
    }
}

/// What each connection's hooks hold of the feed.
#[derive(Clone)]
pub struct Hooks(Arc<Shared>);

#[derive(Default)]
struct Shared {
    sink: RwLock<Option<Arc<dyn ChangeSink>>>,
    /// Told as changing, not yet as changed.
    committing: Mutex<Noted>,
}

/// Rows and offices a transaction wrote.
#[derive(Default)]
struct Noted {
    rows: Vec<i64>,
    offices: bool,
}

impl Noted {
    fn tell(self, sink: &dyn ChangeSink, f: fn(&dyn ChangeSink, Changed)) {
        for row in self.rows {
            f(sink, Changed::Application(ApplicationRow(row)));
        }
        if self.offices {
            f(sink, Changed::Offices);
        }
    }
}

impl Shared {
    fn sink(&self) -> Option<Arc<dyn ChangeSink>> {
        self.sink
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Every commit that began before is over (the caller holds the write lock): tell them changed.
    fn settle(&self) {
        let done = std::mem::take(
            &mut *self
                .committing
                .lock()
                .unwrap_or_else(PoisonError::into_inner),
        );
        if let Some(sink) = self.sink() {
            done.tell(sink.as_ref(), |s, c| s.changed(c));
        }
    }
}

impl SqliteFeed {
    pub fn hooks(&self) -> Hooks {
        Hooks(self.shared.clone())
    }

    /// Delivers to `sink` from now on, and starts the settler.
    pub fn watch(&self, pool: &SqlitePool, sink: Arc<dyn ChangeSink>) {
        *self
            .shared
            .sink
            .write()
            .unwrap_or_else(PoisonError::into_inner) = Some(sink);
        let task = tokio::spawn(settler(pool.clone(), self.shared.clone()));
        let old = self
            .settler
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .replace(task);
        if let Some(old) = old {
            old.abort();
        }
    }
}

/// Takes the write lock for a moment (`BEGIN IMMEDIATE`, then `ROLLBACK`), so every commit told as changing
/// is over, and tells them changed. Nothing to do when none is.
async fn settle(pool: &SqlitePool, shared: &Shared) -> Result<()> {
    {
        let c = shared
            .committing
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if c.rows.is_empty() && !c.offices {
            return Ok(());
        }
    }
    let mut conn = pool.acquire().await.map_err(StoreError::database)?;
    conn.execute("BEGIN IMMEDIATE")
        .await
        .map_err(StoreError::database)?;
    shared.settle();
    conn.execute("ROLLBACK")
        .await
        .map_err(StoreError::database)?;
    Ok(())
}

/// Runs until the feed is dropped (which aborts it).
async fn settler(pool: SqlitePool, shared: Arc<Shared>) {
    loop {
        tokio::time::sleep(SETTLE_EVERY).await;
        if let Err(e) = settle(&pool, &shared).await {
            tracing::warn!(error = %e, "change notices: could not settle commits");
        }
    }
}

/// What one connection's open transaction has written.
#[derive(Default)]
struct Open {
    noted: Noted,
    /// It wrote the main database, so it holds the write lock.
    writes_main: bool,
}

struct ConnectionHooks {
    shared: Arc<Shared>,
    open: Mutex<Open>,
}

impl ConnectionHooks {
    fn open(&self) -> std::sync::MutexGuard<'_, Open> {
        self.open.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn written(&self, database: &str, table: &str, operation: SqliteOperation, rowid: i64) {
        if database != "main" {
            return; // the attached bulk-load stage
        }
        let first = !std::mem::replace(&mut self.open().writes_main, true);
        if first {
            self.shared.settle();
        }
        let mut open = self.open();
        match table {
            // A new application has nothing read of it to drop.
            "applications" if !matches!(operation, SqliteOperation::Insert) => {
                open.noted.rows.push(rowid)
            }
            "offices" => open.noted.offices = true,
            _ => {}
        }
    }

    fn committing(&self) {
        let open = std::mem::take(&mut *self.open());
        if !open.writes_main {
            return;
        }
        self.shared.settle();
        if open.noted.rows.is_empty() && !open.noted.offices {
            return;
        }
        if let Some(sink) = self.shared.sink() {
            let told = Noted {
                rows: open.noted.rows.clone(),
                offices: open.noted.offices,
            };
            told.tell(sink.as_ref(), |s, c| s.changing(c));
        }
        let mut committing = self
            .shared
            .committing
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        committing.rows.extend(open.noted.rows);
        committing.offices |= open.noted.offices;
    }

    fn rolled_back(&self) {
        *self.open() = Open::default();
    }
}

/// Installs the hooks on a new connection.
pub async fn install(conn: &mut SqliteConnection, feed: &Hooks) -> sqlx::Result<()> {
    let hooks = Arc::new(ConnectionHooks {
        shared: feed.0.clone(),
        open: Mutex::default(),
    });
    let mut handle = conn.lock_handle().await?;
    let h = hooks.clone();
    handle.set_update_hook(move |r| h.written(r.database, r.table, r.operation, r.rowid));
    let h = hooks.clone();
    handle.set_commit_hook(move || {
        h.committing();
        true
    });
    handle.set_rollback_hook(move || hooks.rolled_back());
    Ok(())
}

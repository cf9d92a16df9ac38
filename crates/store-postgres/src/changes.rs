//! PostgreSQL's change notices (see `store::changes`): row triggers `NOTIFY shenas_changes` (migration
//! `0011_change_notices.sql`); PostgreSQL delivers a transaction's notices when it commits, to every listening
//! session, in commit order. Each instance keeps one listening connection.
//!
//! Payloads: `a:<row id>` (an application row), `o` (the offices), `f:<instance>:<n>` (a fence). A fence is a
//! notice an instance sends itself: when it comes back, every change committed before it was sent has been
//! delivered. The listener sends one every [`HEARTBEAT`] and tells the sink when it came back, so a cache knows
//! how far behind it can be; a lost connection tells the sink to forget everything.

use rand::Rng;
use sqlx::postgres::PgListener;
use sqlx::PgPool;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError, Weak};
use std::time::{Duration, Instant};
use store::changes::{ApplicationRow, ChangeSink, Changed, Watch};
use store::{Result, StoreError};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

pub const CHANNEL: &str = "shenas_changes";
/// How often the listener checks that it is caught up.
pub const HEARTBEAT: Duration = Duration::from_millis(250);
/// A fence that has not come back by then has failed (by then a read cache bounded by a lag under a second
/// has stopped answering by itself).
const FENCE_TIMEOUT: Duration = Duration::from_secs(1);

/// The listener of one store, running once someone watches; stopped when the store is dropped.
#[derive(Default)]
pub struct PgFeed {
    inner: Arc<Inner>,
}

struct Inner {
    /// Tells this instance's fences from other instances'.
    instance: u64,
    next: AtomicU64,
    waiting: Mutex<HashMap<u64, oneshot::Sender<()>>>,
    tasks: Mutex<Vec<JoinHandle<()>>>,
}

impl Default for Inner {
    fn default() -> Self {
        Self {
            instance: rand::rng().random(),
            next: AtomicU64::new(0),
            waiting: Mutex::default(),
            tasks: Mutex::default(),
        }
    }
}

impl Drop for Inner {
    fn drop(&mut self) {
        for t in self
            .tasks
            .get_mut()
            .unwrap_or_else(PoisonError::into_inner)
            .drain(..)
        {
            t.abort();
        }
    }
}

impl Inner {
    fn listening(&self) -> bool {
        !self
            .tasks
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .is_empty()
    }

    fn arrived(&self, payload: &str, sink: &dyn ChangeSink) {
        if let Some(id) = payload.strip_prefix("a:").and_then(|id| id.parse().ok()) {
            sink.changed(Changed::Application(ApplicationRow(id)));
        } else if payload == "o" {
            sink.changed(Changed::Offices);
        } else if let Some((instance, n)) =
            payload.strip_prefix("f:").and_then(|f| f.split_once(':'))
        {
            if instance.parse() == Ok(self.instance) {
                let n: u64 = n.parse().unwrap_or(u64::MAX);
                let waiter = self
                    .waiting
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .remove(&n);
                if let Some(w) = waiter {
                    let _ = w.send(());
                }
            }
        } else {
            tracing::warn!(payload, "unknown change notice");
        }
    }
}

pub async fn watch(pool: &PgPool, feed: &PgFeed, sink: Arc<dyn ChangeSink>) -> Result<Watch> {
    let mut listener = PgListener::connect_with(pool)
        .await
        .map_err(StoreError::database)?;
    listener
        .listen(CHANNEL)
        .await
        .map_err(StoreError::database)?;
    let weak = Arc::downgrade(&feed.inner);
    let listen = tokio::spawn(listen(listener, weak.clone(), sink.clone()));
    let beat = tokio::spawn(heartbeat(pool.clone(), weak, sink));
    let mut tasks = feed
        .inner
        .tasks
        .lock()
        .unwrap_or_else(PoisonError::into_inner);
    for t in tasks.drain(..) {
        t.abort();
    }
    tasks.extend([listen, beat]);
    Ok(Watch { synchronous: false })
}

async fn listen(mut listener: PgListener, feed: Weak<Inner>, sink: Arc<dyn ChangeSink>) {
    loop {
        match listener.try_recv().await {
            Ok(Some(n)) => {
                let Some(inner) = feed.upgrade() else { return };
                inner.arrived(n.payload(), sink.as_ref());
            }
            // The connection was lost and is back (listening again): what was sent meanwhile is gone.
            Ok(None) => {
                tracing::warn!("change notices: connection lost and re-established");
                sink.lost();
            }
            Err(e) => {
                tracing::warn!(error = %e, "change notices: listener failed, retrying");
                sink.lost();
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        }
    }
}

async fn heartbeat(pool: PgPool, feed: Weak<Inner>, sink: Arc<dyn ChangeSink>) {
    loop {
        tokio::time::sleep(HEARTBEAT).await;
        let Some(inner) = feed.upgrade() else { return };
        let sent = Instant::now();
        if send_fence(&pool, &inner).await.is_ok() {
            sink.caught_up(sent);
        }
    }
}

pub async fn fence(pool: &PgPool, feed: &PgFeed) -> Result<()> {
    if !feed.inner.listening() {
        return Ok(());
    }
    send_fence(pool, &feed.inner).await
}

async fn send_fence(pool: &PgPool, inner: &Inner) -> Result<()> {
    let n = inner.next.fetch_add(1, Ordering::Relaxed);
    let (tx, rx) = oneshot::channel();
    inner
        .waiting
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .insert(n, tx);
    let sent = sqlx::query("SELECT pg_notify($1, $2)")
        .bind(CHANNEL)
        .bind(format!("f:{}:{n}", inner.instance))
        .execute(pool)
        .await;
    let came_back = match sent {
        Ok(_) => tokio::time::timeout(FENCE_TIMEOUT, rx)
            .await
            .is_ok_and(|r| r.is_ok()),
        Err(_) => false,
    };
    inner
        .waiting
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .remove(&n);
    if came_back {
        Ok(())
    } else {
        Err(StoreError::Database(
            "change notices: a fence did not come back".into(),
        ))
    }
}

//! The read caches (an application's status, the office listings) and the store's change notices that keep
//! them true (`store::changes`).
//!
//! [`watch`] connects them once the state is built (`shenas serve` and the test apps do). [`fence_writes`]
//! makes a write visible to this instance's next read where notices arrive a little after the commit
//! (PostgreSQL): a request that may have written waits, before its answer leaves, until this instance has heard
//! every change committed before it. On SQLite it costs nothing.

use crate::appointments::listing::Listings;
use crate::state::AppState;
use crate::status::cache::StatusCache;
use axum::extract::{Request, State};
use axum::http::Method;
use axum::middleware::Next;
use axum::response::Response;
use std::sync::Arc;
use std::time::Instant;
use store::changes::{ChangeSink, Changed};

/// Applications whose status is kept in memory, at most (about 200 bytes each).
pub const STATUS_ENTRIES: usize = 200_000;

pub struct ReadCaches {
    pub status: StatusCache,
    pub listings: Listings,
}

impl ReadCaches {
    pub fn new(status_entries: usize) -> Self {
        Self {
            status: StatusCache::new(status_entries),
            listings: Listings::default(),
        }
    }

    /// Every read asks the database.
    pub fn off() -> Self {
        Self {
            status: StatusCache::new(0),
            listings: Listings::off(),
        }
    }
}

impl Default for ReadCaches {
    fn default() -> Self {
        Self::new(STATUS_ENTRIES)
    }
}

impl ReadCaches {
    fn drop_changed(&self, what: Changed, committing: bool) {
        match what {
            Changed::Application(row) if committing => self.status.changing(row),
            Changed::Application(row) => self.status.changed(row),
            Changed::Offices => {
                self.status.clear();
                self.listings.clear();
            }
        }
    }
}

impl ChangeSink for ReadCaches {
    fn changing(&self, what: Changed) {
        self.drop_changed(what, true);
    }

    fn changed(&self, what: Changed) {
        self.drop_changed(what, false);
    }

    fn caught_up(&self, sent: Instant) {
        self.status.caught_up(sent);
    }

    fn lost(&self) {
        self.status.lost();
        self.listings.clear();
    }
}

/// Starts the store's change notices to this state's read caches; until then the status cache is off.
pub async fn watch(state: &AppState) -> store::Result<()> {
    let caches: Arc<ReadCaches> = state.services.reads.clone();
    let watch = state.store.watch(caches.clone()).await?;
    caches.status.start(watch);
    Ok(())
}

/// See the module documentation: every request other than GET and HEAD waits for this instance to have heard
/// its own changes.
pub async fn fence_writes(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let may_write = !matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    let response = next.run(req).await;
    if may_write {
        if let Err(e) = state.store.fence().await {
            // The status cache stops answering by itself when notices stall (see `status::cache`).
            tracing::warn!(error = %e, "change notices: fence after a write failed");
        }
    }
    response
}

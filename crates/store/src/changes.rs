//! Change notices: what the service's in-process read caches (an application's status, the offices) need to
//! hear after a write has committed, from this process or from another instance on the same database.
//!
//! The notices come from the database itself, so no write path can forget them: SQLite's hooks on the
//! connection that commits (synchronously, before its commit returns), PostgreSQL's `NOTIFY` from row
//! triggers (delivered to every listening instance in commit order). A cache drops what a notice names; a
//! notice never carries the new values.
//!
//! SQLite tells a change twice: [`ChangeSink::changing`] as the commit begins (its hook cannot run after the
//! commit), and [`ChangeSink::changed`] once the commit is certainly over (the next writer holds the lock, or
//! the store's settler took it for a moment). In between, a read may still see the old row: keep nothing of
//! it.

use crate::Result;
use async_trait::async_trait;
use std::sync::Arc;
use std::time::Instant;

/// The store's own identity of an application row: what change notices name (a SQLite hook knows the row,
/// not its columns). Only for matching a notice with a cached read; never shown to anyone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ApplicationRow(pub i64);

/// What a committed change touched.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Changed {
    /// This application's row changed (state, office, times) or was deleted.
    Application(ApplicationRow),
    /// Some office was added, changed or removed (names in status answers, office listings).
    Offices,
}

/// Where a store delivers its notices. Called on database threads or the listener's task: keep it short and
/// never block.
pub trait ChangeSink: Send + Sync + 'static {
    /// A change is committing: drop it, and keep nothing read of it until [`Self::changed`] says the same.
    fn changing(&self, what: Changed);
    /// A change that has committed (after [`Self::changing`] where the feed sends that).
    fn changed(&self, what: Changed);
    /// Every change committed before `sent` has been delivered (a fence came back). A feed that is not
    /// [`Watch::synchronous`] says this regularly; a cache uses it to bound how stale it can be.
    fn caught_up(&self, sent: Instant);
    /// Notices may have been lost (the listener's connection dropped): forget everything.
    fn lost(&self);
}

/// What [`Changes::watch`] started.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Watch {
    /// Notices of this process's own writes arrive before the write returns (SQLite's hooks). Otherwise they
    /// arrive a little later, and [`Changes::fence`] waits for them.
    pub synchronous: bool,
}

#[async_trait]
pub trait Changes: Send + Sync {
    /// Starts delivering change notices to `sink` (once per store; a second call replaces the sink).
    async fn watch(&self, sink: Arc<dyn ChangeSink>) -> Result<Watch>;

    /// Returns once every change committed before the call has been delivered to the sink (on SQLite as
    /// *changing*, before the write returned: at once); at once where nothing watches.
    async fn fence(&self) -> Result<()>;
}

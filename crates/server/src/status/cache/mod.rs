//! The status cache: an application's status answered from memory when it has not changed.
//!
//! Filled on read; dropped by the store's change notices (`store::changes`), which the database itself sends
//! for every committed change of an application's row, whatever wrote it. So no transition needs to remember
//! the cache: entries are dropped in one place, [`StatusCache::changed`] (with [`StatusCache::changing`] before
//! it where the database tells a commit as it begins).
//!
//! Correctness against races between a read and a write: every read that will fill takes a [`Ticket`] (the
//! generation) before it asks the database; every drop bumps the generation and remembers it for the row. A
//! fill whose ticket is older than the row's last drop (or than the last drop of everything) is refused, since
//! its read may have seen the state before that change. A notice arrives only after its commit, so a read that
//! starts after the drop sees the new state.
//!
//! How stale it may be: where notices are synchronous (SQLite's hooks run before the commit returns) never. On
//! PostgreSQL, notices of another instance's commits arrive a little later: the store's listener sends itself
//! a fence every 250 ms, and the cache answers only while a fence sent within [`MAX_LAG`] has come back, so no
//! answer is staler than that. Until someone watches the store's changes the cache is off.
//!
//! Lookups must not tell a guessed tracking code from a known one: an entry answers only the national code it
//! was filled for; any other pair goes to the database exactly as an unknown tracking code does.

use domain::{NationalCode, TrackingCode};
use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicU64, AtomicU8, Ordering};
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};
use store::changes::{ApplicationRow, Watch};
use store::journey::StatusView;

/// The longest a cached answer may lag a commit on another instance.
pub const MAX_LAG: Duration = Duration::from_millis(900);
/// Drops remembered per row before they are folded into one drop of everything.
const REMEMBERED_DROPS: usize = 65_536;

/// Entries the maps are sized for at start.
const PRESIZED: usize = 262_144;

const OFF: u8 = 0;
const SYNCHRONOUS: u8 = 1;
const FENCED: u8 = 2;

/// The generation a read started at (see the module documentation).
#[derive(Debug, Clone, Copy)]
pub struct Ticket(u64);

pub struct StatusCache {
    capacity: usize,
    mode: AtomicU8,
    generation: AtomicU64,
    /// Since `epoch`, in microseconds: when the newest fence that came back was sent.
    caught_up_us: AtomicU64,
    epoch: Instant,
    inner: Mutex<Inner>,
    pub hits: AtomicU64,
    pub misses: AtomicU64,
}

#[derive(Default)]
struct Inner {
    by_code: HashMap<TrackingCode, StatusView>,
    by_row: HashMap<ApplicationRow, TrackingCode>,
    /// Insertion order, for eviction (may hold codes already dropped).
    order: VecDeque<TrackingCode>,
    /// The generation of each remembered row's last drop.
    dropped: HashMap<ApplicationRow, u64>,
    /// Rows whose change is committing: nothing read of them is kept until it has committed.
    committing: HashMap<ApplicationRow, u32>,
    /// Fills with a ticket older than this are refused (everything was dropped then).
    floor: u64,
}

impl Inner {
    fn with_capacity(n: usize) -> Self {
        Self {
            by_code: HashMap::with_capacity(n),
            by_row: HashMap::with_capacity(n),
            order: VecDeque::with_capacity(n),
            ..Self::default()
        }
    }
}

impl StatusCache {
    /// A cache of at most `capacity` applications (0: never caches), off until [`Self::start`].
    pub fn new(capacity: usize) -> Self {
        Self {
            capacity,
            mode: AtomicU8::new(OFF),
            generation: AtomicU64::new(0),
            caught_up_us: AtomicU64::new(0),
            epoch: Instant::now(),
            // Sized at once: growing a map of a hundred thousand entries under the lock stalls every lookup.
            inner: Mutex::new(Inner::with_capacity(capacity.min(PRESIZED))),
            hits: AtomicU64::new(0),
            misses: AtomicU64::new(0),
        }
    }

    /// The store's notices reach this cache now.
    pub fn start(&self, watch: Watch) {
        self.clear();
        let mode = if watch.synchronous {
            SYNCHRONOUS
        } else {
            FENCED
        };
        self.mode.store(mode, Ordering::SeqCst);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Whether cached answers may be given now.
    fn answering(&self) -> bool {
        match self.mode.load(Ordering::SeqCst) {
            SYNCHRONOUS => true,
            FENCED => {
                let now = self.epoch.elapsed().as_micros() as u64;
                let caught_up = self.caught_up_us.load(Ordering::SeqCst);
                caught_up > 0 && now.saturating_sub(caught_up) <= MAX_LAG.as_micros() as u64
            }
            _ => false,
        }
    }

    /// The cached status of `tracking`, only for the national code it belongs to.
    pub fn get(&self, tracking: &TrackingCode, code: &NationalCode) -> Option<StatusView> {
        if self.capacity == 0 || !self.answering() {
            return None;
        }
        let hit = self
            .lock()
            .by_code
            .get(tracking)
            .filter(|v| v.national_code == *code)
            .cloned();
        let counter = if hit.is_some() {
            &self.hits
        } else {
            &self.misses
        };
        counter.fetch_add(1, Ordering::Relaxed);
        hit
    }

    /// Taken before reading the database for [`Self::fill`].
    pub fn ticket(&self) -> Ticket {
        Ticket(self.generation.load(Ordering::SeqCst))
    }

    /// Keeps what a read that started at `ticket` found, unless the row changed since.
    pub fn fill(&self, tracking: &TrackingCode, view: &StatusView, ticket: Ticket) {
        if self.capacity == 0 || self.mode.load(Ordering::SeqCst) == OFF {
            return;
        }
        let mut inner = self.lock();
        let changed_since = inner.dropped.get(&view.row).is_some_and(|g| *g > ticket.0);
        if ticket.0 < inner.floor || changed_since || inner.committing.contains_key(&view.row) {
            return;
        }
        inner.by_row.insert(view.row, *tracking);
        if inner.by_code.insert(*tracking, view.clone()).is_none() {
            inner.order.push_back(*tracking);
        }
        while inner.by_code.len() > self.capacity {
            let Some(old) = inner.order.pop_front() else {
                break;
            };
            if let Some(v) = inner.by_code.remove(&old) {
                inner.by_row.remove(&v.row);
            }
        }
    }

    /// A change of this application's row is committing.
    pub fn changing(&self, row: ApplicationRow) {
        self.drop_row(row, true);
    }

    /// A committed change of this application's row.
    pub fn changed(&self, row: ApplicationRow) {
        self.drop_row(row, false);
    }

    fn drop_row(&self, row: ApplicationRow, committing: bool) {
        let g = self.generation.fetch_add(1, Ordering::SeqCst) + 1;
        let mut inner = self.lock();
        if let Some(code) = inner.by_row.remove(&row) {
            inner.by_code.remove(&code);
        }
        if committing {
            *inner.committing.entry(row).or_default() += 1;
        } else if let Some(n) = inner.committing.get_mut(&row) {
            *n -= 1;
            if *n == 0 {
                inner.committing.remove(&row);
            }
        }
        if inner.dropped.len() >= REMEMBERED_DROPS {
            inner.dropped.clear();
            inner.floor = g;
        }
        inner.dropped.insert(row, g);
    }

    /// Drops everything (an office changed, or notices were lost); rows still committing stay so.
    pub fn clear(&self) {
        let g = self.generation.fetch_add(1, Ordering::SeqCst) + 1;
        let mut inner = self.lock();
        // Cleared in place: the maps keep their size.
        inner.by_code.clear();
        inner.by_row.clear();
        inner.order.clear();
        inner.dropped.clear();
        inner.floor = g;
    }

    /// A fence sent at `sent` came back: every change committed before then has been applied.
    pub fn caught_up(&self, sent: Instant) {
        let us = sent.saturating_duration_since(self.epoch).as_micros() as u64;
        self.caught_up_us.fetch_max(us.max(1), Ordering::SeqCst);
    }

    /// Notices were lost: nothing cached can be trusted until the next fence comes back.
    pub fn lost(&self) {
        self.caught_up_us.store(0, Ordering::SeqCst);
        self.clear();
    }

    pub fn len(&self) -> usize {
        self.lock().by_code.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests;

//! The office listing from memory: the offices of a province with their free places on a day, most free first,
//! kept per (province, day) and read again from the database once it is [`FRESH`] old: one request reads it
//! while the others are still answered the kept one, so no listing answered is older than [`STALEST`].
//!
//! A listing is built in memory from the province's offices (kept until an office changes) and the places
//! taken that day (one small read), most free first.
//!
//! Free places change with every booking. A booking or cancellation on this instance drops that day's
//! listings as the booking's transaction returns, so this instance's next listing shows it; bookings on other
//! instances (and a rebooking's old day here) show within [`STALEST`]. The booking itself always counts places
//! in the database, so a listing a moment old can only suggest an office that then answers `no_capacity`. A
//! change of any office (the store's change notice) drops everything.

use domain::{JalaliDate, Office, OfficeId, ProvinceCode};
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};
use store::journey::OfficeAvailability;

/// A listing this old is read again.
pub const FRESH: Duration = Duration::from_secs(1);
/// The oldest listing answered (while another request reads it again).
pub const STALEST: Duration = Duration::from_secs(2);
/// The most offices a caller may ask for.
pub const KEPT: u32 = 500;
/// A province's offices ranked on a day: most free places first, then by id (the order the store's own listing
/// gives). Holds positions into the province's offices, which it shares.
#[derive(Default)]
pub struct Ranked {
    offices: Arc<Vec<Office>>,
    /// (free places, position in `offices`), in rank order.
    order: Vec<(u32, usize)>,
}

impl Ranked {
    /// Ranks `offices` with their free places (capacity less `taken`).
    pub fn new(offices: Arc<Vec<Office>>, taken: &[(OfficeId, u32)]) -> Self {
        let taken: HashMap<&OfficeId, u32> = taken.iter().map(|(id, n)| (id, *n)).collect();
        let mut order: Vec<(u32, usize)> = offices
            .iter()
            .enumerate()
            .map(|(i, o)| {
                let t = taken.get(&o.id).copied().unwrap_or(0);
                (o.daily_capacity.saturating_sub(t), i)
            })
            .collect();
        order.sort_by(|a, b| {
            b.0.cmp(&a.0)
                .then_with(|| offices[a.1].id.cmp(&offices[b.1].id))
        });
        Self { offices, order }
    }

    /// The first `n`.
    pub fn top(&self, n: usize) -> Vec<OfficeAvailability> {
        self.order
            .iter()
            .take(n)
            .map(|&(free, i)| OfficeAvailability {
                office: self.offices[i].clone(),
                free,
            })
            .collect()
    }
}

/// Listings kept before all are dropped (each province on each day of the horizon is about 1,100).
const MAX_LISTINGS: usize = 8_192;

type Key = (ProvinceCode, JalaliDate);

struct Listing {
    at: Instant,
    ranked: Arc<Ranked>,
    /// [`FRESH`], give or take a quarter: listings read at once are not all read again at once.
    fresh: Duration,
    /// Since when a request has been reading it again.
    refreshing: Option<Instant>,
}

#[derive(Default)]
struct Inner {
    /// The offices of each province, as the store lists them.
    offices: HashMap<ProvinceCode, Arc<Vec<Office>>>,
    listings: HashMap<Key, Listing>,
    /// The generation at which each day's listings were last dropped.
    dropped: HashMap<JalaliDate, u64>,
    floor: u64,
}

pub struct Listings {
    on: bool,
    generation: AtomicU64,
    inner: Mutex<Inner>,
}

impl Default for Listings {
    fn default() -> Self {
        Self {
            on: true,
            generation: AtomicU64::new(0),
            inner: Mutex::default(),
        }
    }
}

impl Listings {
    /// Keeps nothing: every listing asks the database.
    pub fn off() -> Self {
        Self {
            on: false,
            ..Self::default()
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The listing, if one fresh enough is kept. `None` asks the caller to read it and [`Self::fill`]: once a
    /// kept listing is [`FRESH`] old, the first caller is asked, the others answered the kept one until it
    /// is [`STALEST`] old (or the reader gave up for as long).
    pub fn get(&self, province: ProvinceCode, day: JalaliDate) -> Option<Arc<Ranked>> {
        let mut inner = self.lock();
        let l = inner.listings.get_mut(&(province, day))?;
        let age = l.at.elapsed();
        if age < l.fresh {
            return Some(l.ranked.clone());
        }
        let reading = l.refreshing.is_some_and(|t| t.elapsed() < STALEST);
        if age < STALEST && reading {
            return Some(l.ranked.clone());
        }
        if !reading {
            l.refreshing = Some(Instant::now());
        }
        None
    }

    /// The offices of a province, if kept.
    pub fn offices(&self, province: ProvinceCode) -> Option<Arc<Vec<Office>>> {
        self.lock().offices.get(&province).cloned()
    }

    /// Keeps the offices of a province read from the store, unless an office changed since the read began.
    pub fn keep_offices(
        &self,
        province: ProvinceCode,
        offices: Arc<Vec<Office>>,
        (generation, _): (u64, Instant),
    ) {
        let mut inner = self.lock();
        if self.on && generation >= inner.floor {
            inner.offices.insert(province, offices);
        }
    }

    /// Taken before reading the database for [`Self::fill`].
    pub fn ticket(&self) -> (u64, Instant) {
        (self.generation.load(Ordering::SeqCst), Instant::now())
    }

    /// Keeps a listing read from the database, unless its day was dropped since the read began.
    pub fn fill(
        &self,
        province: ProvinceCode,
        day: JalaliDate,
        ranked: Arc<Ranked>,
        (generation, at): (u64, Instant),
    ) {
        if !self.on {
            return;
        }
        let mut inner = self.lock();
        let dropped_since = inner.dropped.get(&day).is_some_and(|g| *g > generation);
        if generation < inner.floor || dropped_since {
            return;
        }
        if inner.listings.len() >= MAX_LISTINGS {
            inner.listings.retain(|_, l| l.at.elapsed() < STALEST);
        }
        inner.listings.insert(
            (province, day),
            Listing {
                at,
                ranked,
                fresh: FRESH.mul_f64(rand::random_range(0.75..1.25)),
                refreshing: None,
            },
        );
    }

    /// A booking or cancellation on `day` committed here.
    pub fn booked(&self, day: JalaliDate) {
        let g = self.generation.fetch_add(1, Ordering::SeqCst) + 1;
        let mut inner = self.lock();
        inner.listings.retain(|(_, d), _| *d != day);
        if inner.dropped.len() >= MAX_LISTINGS {
            inner.dropped.clear();
            inner.floor = g;
        }
        inner.dropped.insert(day, g);
    }

    /// Drops everything (an office changed).
    pub fn clear(&self) {
        let g = self.generation.fetch_add(1, Ordering::SeqCst) + 1;
        *self.lock() = Inner {
            floor: g,
            ..Inner::default()
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(d: &str) -> JalaliDate {
        JalaliDate::parse(d).unwrap_or_else(|e| panic!("{d}: {e:?}"))
    }

    fn alborz() -> ProvinceCode {
        ProvinceCode::parse("30").unwrap_or_else(|e| panic!("{e:?}"))
    }

    #[test]
    fn a_booking_drops_its_day_and_reads_from_before_it() {
        let l = Listings::default();
        let (d1, d2) = (day("1405-09-20"), day("1405-09-21"));
        l.fill(alborz(), d1, Arc::default(), l.ticket());
        l.fill(alborz(), d2, Arc::default(), l.ticket());
        assert!(l.get(alborz(), d1).is_some());
        let before = l.ticket();
        l.booked(d1);
        assert!(l.get(alborz(), d1).is_none(), "the booked day is dropped");
        assert!(l.get(alborz(), d2).is_some(), "other days stay");
        l.fill(alborz(), d1, Arc::default(), before);
        assert!(
            l.get(alborz(), d1).is_none(),
            "a read from before the booking is not kept"
        );
        l.fill(alborz(), d1, Arc::default(), l.ticket());
        assert!(l.get(alborz(), d1).is_some());
        l.clear();
        assert!(l.get(alborz(), d2).is_none());
    }

    #[test]
    fn kept_for_a_second_at_most_and_never_when_off() {
        let l = Listings::default();
        let d = day("1405-09-20");
        let (g, _) = l.ticket();
        l.fill(
            alborz(),
            d,
            Arc::default(),
            (g, Instant::now() - FRESH.mul_f64(1.3)),
        );
        assert!(
            l.get(alborz(), d).is_none(),
            "the first caller reads it again"
        );
        assert!(
            l.get(alborz(), d).is_some(),
            "the others are answered meanwhile"
        );
        l.fill(alborz(), d, Arc::default(), (g, Instant::now() - STALEST));
        assert!(l.get(alborz(), d).is_none(), "never older than STALEST");
        let off = Listings::off();
        off.fill(alborz(), d, Arc::default(), off.ticket());
        assert!(off.get(alborz(), d).is_none());
    }
}

//! Several instances on one database (issue 12), on SQLite and on PostgreSQL: each background pass with due items
//! runs on two stores at once (two instances on PostgreSQL, `TestStore::another_instance`; the same store twice on
//! SQLite, which has one writer), round after round, and each due item is done exactly once: each card in one
//! batch, each expiry and death applied once, each outbox message leased to one sender, each reminder queued once,
//! each payment driven by one reconciler, each CRL number used once. See `docs/several-instances.md`.

#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

use chrono::{DateTime, Duration, Utc};
use domain::{ApplicationState as S, Event, HistoryEvent};
use std::collections::BTreeMap;
use std::future::Future;
use store::DynStore;
use store_suite::lifecycle::*;
use store_suite::TestStore;

mod outbox;
mod production;
mod records;

/// How many times each race is run.
const ROUNDS: u32 = 20;

/// The second instance: another store on the same database on PostgreSQL, the same store on SQLite.
async fn second(t: &TestStore) -> DynStore {
    t.another_instance()
        .await
        .unwrap_or_else(|| t.store.clone())
}

/// Runs `f` on both instances at the same moment; answers both results.
async fn race<F, Fut, T>(a: &DynStore, b: &DynStore, f: F) -> (T, T)
where
    F: Fn(DynStore) -> Fut,
    Fut: Future<Output = T> + Send + 'static,
    T: Send + 'static,
{
    let (x, y) = tokio::join!(tokio::spawn(f(a.clone())), tokio::spawn(f(b.clone())));
    (x.unwrap(), y.unwrap())
}

/// How many of an application's history rows are the transition `event`.
async fn transitions(t: &TestStore, code: &domain::TrackingCode, event: Event) -> usize {
    t.store
        .history(code)
        .await
        .unwrap()
        .iter()
        .filter(|h| h.event == HistoryEvent::Transition(event))
        .count()
}

/// The values that occur more than once.
fn repeated<K: Ord + Clone>(items: impl IntoIterator<Item = K>) -> Vec<K> {
    let mut seen = BTreeMap::new();
    for k in items {
        *seen.entry(k).or_insert(0u32) += 1;
    }
    seen.into_iter()
        .filter(|(_, n)| *n > 1)
        .map(|(k, _)| k)
        .collect()
}

fn system(actor: &str) -> store::journey::Change {
    ch(&format!("system:{actor}"))
}

fn later() -> DateTime<Utc> {
    Utc::now() + Duration::minutes(1)
}

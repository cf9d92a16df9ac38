//! What the drill puts in the database directly, and what it checks there and at the gateway.

use super::gateway::Received;
use super::{holder, OFFICE};
use domain::{ApplicationState as S, Mobile, Role, TrackingCode};
use std::collections::BTreeMap;
use std::time::{Duration, Instant};
use store::DynStore;

/// The registry's people, the office, its operator and a manufacturer taking every card.
pub async fn seed(store: &DynStore, persons: u32) {
    let people: Vec<_> = (1..=persons).map(|n| holder(n).build()).collect();
    store.upsert_persons(&people).await.unwrap();
    let office = testkit::office(OFFICE)
        .name("دفتر کرج")
        .capacity(500)
        .build();
    store.upsert_offices(&[office]).await.unwrap();
    testkit::app::create_staff(store, "op1", Role::Operator, Some(OFFICE), None).await;
    store
        .create_vendor(
            "drill-cards",
            100,
            100_000,
            "dc",
            "drill-hash",
            chrono::Utc::now(),
        )
        .await
        .unwrap();
}

/// Message `i` queued (to a number of its own, with a text of its own): its outbox id.
pub async fn queue_sms(store: &DynStore, i: u32) -> i64 {
    let to = Mobile::parse(&format!("0912{:07}", i)).unwrap();
    store
        .enqueue_sms(
            None,
            &to,
            "drill",
            &format!("drill message {i}"),
            chrono::Utc::now(),
        )
        .await
        .unwrap()
        .unwrap()
}

/// The queued messages leased to a sender and not yet recorded sent (at the kill: those of the killed instance,
/// or in flight at the other).
pub async fn leased(store: &DynStore, queued: &[i64]) -> Vec<i64> {
    let mut out = Vec::new();
    for id in queued {
        let m = store.sms_by_id(*id).await.unwrap().unwrap();
        if m.state == store::production::SmsState::Pending && m.attempts > 0 {
            out.push(*id);
        }
    }
    out
}

/// Every acknowledged enrollment is in the database: its enrollment stored, its application enrolled or further.
pub async fn enrolled(store: &DynStore, acknowledged: &[String]) {
    for tc in acknowledged {
        let code = TrackingCode::parse(tc).unwrap();
        let app = store.application(&code).await.unwrap().unwrap();
        assert!(
            matches!(app.state, S::Enrolled | S::InProduction),
            "{tc}: acknowledged, but {:?}",
            app.state
        );
        assert!(
            store.enrollment(&code).await.unwrap().is_some(),
            "{tc}: no enrollment"
        );
    }
}

/// No card is in two batches (none of the drill's claims expires, so a card is batched once).
pub async fn one_batch_each(store: &DynStore) {
    let mut seen: BTreeMap<i64, i64> = BTreeMap::new();
    let (mut id, mut missing) = (0, 0);
    while missing < 50 {
        id += 1;
        let Some(b) = store.batch(id).await.unwrap() else {
            missing += 1;
            continue;
        };
        missing = 0;
        let cards = store.batch_cards(b.id).await.unwrap();
        assert_eq!(cards.len() as u64, b.cards, "batch {id}");
        for c in cards {
            if let Some(first) = seen.insert(c.application_id, b.id) {
                panic!(
                    "application {} is in batches {first} and {}",
                    c.application_id, b.id
                );
            }
        }
    }
    eprintln!("{} cards in batches, each in one", seen.len());
}

/// Waits until every queued message is recorded sent.
pub async fn all_sent(store: &DynStore, queued: &[i64], within: Duration) {
    let started = Instant::now();
    loop {
        let mut waiting = Vec::new();
        for id in queued {
            let m = store.sms_by_id(*id).await.unwrap().unwrap();
            if m.state == store::production::SmsState::Pending {
                waiting.push(*id);
            }
        }
        if waiting.is_empty() {
            return;
        }
        assert!(
            started.elapsed() < within,
            "messages never sent: {waiting:?}"
        );
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}

/// Waits until nothing waits for the 1:N search or for a batch.
pub async fn queue_drained(store: &DynStore, within: Duration) {
    let started = Instant::now();
    loop {
        let pending = store.dedup_pending(1000).await.unwrap().len();
        let queued = store.production_queue_len().await.unwrap();
        if pending == 0 && queued == 0 {
            return;
        }
        assert!(
            started.elapsed() < within,
            "{pending} enrollments wait for the search, {queued} cards for a batch"
        );
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}

/// Each queued message reached the gateway, once. A repeat is allowed only for a message the killed instance
/// handed over in its last seconds (sent, not yet recorded sent: the outbox is at least once across a crash).
pub fn sent_once(received: &[Received], queued: &[i64], killed_at: Instant) {
    let mut by_id: BTreeMap<i64, Vec<&Received>> = BTreeMap::new();
    for r in received {
        by_id.entry(r.id).or_default().push(r);
    }
    let mut in_flight = Vec::new();
    for id in queued {
        let got = by_id.get(id).map(Vec::as_slice).unwrap_or_default();
        assert!(!got.is_empty(), "message {id} never reached the gateway");
        if got.len() > 1 {
            let first = got[0];
            let at_the_kill = first.instance == "a"
                && first.at <= killed_at
                && killed_at.duration_since(first.at) < Duration::from_secs(3);
            assert!(
                at_the_kill && got.len() == 2,
                "message {id} sent {} times: {:?}",
                got.len(),
                got.iter().map(|r| (&r.instance, &r.to)).collect::<Vec<_>>()
            );
            // Sent again only once the killed instance's lease had run out (two minutes from the lease, a send
            // at most 90 s into it): never while the lease held.
            let gap = got[1].at.duration_since(first.at);
            assert!(
                gap >= Duration::from_secs(30),
                "message {id} sent again after {gap:?}"
            );
            in_flight.push(*id);
        }
    }
    let mut texts: BTreeMap<(&str, &str), u32> = BTreeMap::new();
    for r in received {
        *texts.entry((r.to.as_str(), r.text.as_str())).or_default() += 1;
    }
    let repeated = texts.values().filter(|n| **n > 1).count();
    assert_eq!(
        repeated,
        in_flight.len(),
        "a number got the same text twice"
    );
    eprintln!(
        "{} messages at the gateway for {} queued; repeated (in flight at the kill): {in_flight:?}",
        received.len(),
        queued.len()
    );
}

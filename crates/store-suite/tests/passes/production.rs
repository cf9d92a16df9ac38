//! Batch forming, expiry of unanswered claims and the chip data, raced by two instances.

use super::*;
use store::production::Batch;

async fn vendor(t: &TestStore) -> i64 {
    t.store
        .create_vendor("gamma", 100, 100_000, "vr", "hash-r", Utc::now())
        .await
        .unwrap()
}

/// Both instances form batches at once, after each pair of new enrollments: every card lands in exactly one
/// batch and moves to production once.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn each_card_goes_into_one_batch() {
    for t in TestStore::all().await {
        setup(&t).await;
        let other = second(&t).await;
        vendor(&t).await;
        let mut codes = Vec::new();
        let mut batches: Vec<Batch> = Vec::new();
        for round in 0..ROUNDS {
            codes.extend(queue(&t, 1 + round * 2, 2, "10001").await);
            let (a, b) = race(&t.store, &other, |s| async move {
                s.form_batches("1405-09-03", 3, &system("batcher")).await
            })
            .await;
            batches.extend(a.unwrap());
            batches.extend(b.unwrap());
        }
        let mut cards = Vec::new();
        for b in &batches {
            let ids: Vec<i64> = t
                .store
                .batch_cards(b.id)
                .await
                .unwrap()
                .iter()
                .map(|c| c.application_id)
                .collect();
            assert_eq!(ids.len() as u64, b.cards, "{}: batch {}", t.name, b.id);
            cards.extend(ids);
        }
        assert_eq!(
            repeated(cards.clone()),
            Vec::<i64>::new(),
            "{}: cards in two batches",
            t.name
        );
        assert_eq!(cards.len(), codes.len(), "{}", t.name);
        for c in &codes {
            assert_eq!(state_of(&t, c).await, S::InProduction, "{}", t.name);
            assert_eq!(
                transitions(&t, c, Event::BatchedForProduction).await,
                1,
                "{}",
                t.name
            );
        }
        assert_eq!(t.store.production_queue_len().await.unwrap(), 0);
    }
}

/// Both instances expire unanswered claims at once, round after round (the requeued cards are batched and
/// claimed again): each card fails production once per claim that expired, and goes back to the queue once.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_unanswered_claim_expires_once() {
    for t in TestStore::all().await {
        setup(&t).await;
        let other = second(&t).await;
        let vendor = vendor(&t).await;
        let codes = queue(&t, 1, 6, "10001").await;
        let mut expired = 0;
        let mut claimed = 0;
        for _ in 0..ROUNDS {
            t.store
                .form_batches("1405-09-03", 1000, &system("batcher"))
                .await
                .unwrap();
            while let Some(b) = t.store.claim_batch(vendor, Utc::now()).await.unwrap() {
                claimed += b.cards;
            }
            let (a, b) = race(&t.store, &other, |s| async move {
                s.expire_batches(later(), &system("production")).await
            })
            .await;
            expired += a.unwrap() + b.unwrap();
        }
        assert_eq!(claimed, u64::from(ROUNDS) * 6, "{}", t.name);
        assert_eq!(
            expired, claimed,
            "{}: cards expired twice or not at all",
            t.name
        );
        for c in &codes {
            assert_eq!(state_of(&t, c).await, S::Enrolled, "{}", t.name);
            assert_eq!(
                transitions(&t, c, Event::ProductionFailed).await,
                ROUNDS as usize,
                "{}",
                t.name
            );
            assert_eq!(
                transitions(&t, c, Event::Requeued).await,
                ROUNDS as usize,
                "{}",
                t.name
            );
        }
        assert_eq!(t.store.production_queue_len().await.unwrap(), 6);
    }
}

/// Two instances record chip data for the same document at once: one record lands and stays.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_document_keeps_the_first_chip_data_recorded() {
    for t in TestStore::all().await {
        setup(&t).await;
        let other = second(&t).await;
        vendor(&t).await;
        queue(&t, 1, ROUNDS, "10001").await;
        t.store
            .form_batches("1405-09-03", 1000, &system("batcher"))
            .await
            .unwrap();
        let docs = t.store.documents_without_chip_data(100).await.unwrap();
        assert_eq!(docs.len(), ROUNDS as usize);
        for d in docs {
            let n = d.document_number.clone();
            let (a, b) = tokio::join!(
                t.store.set_chip_data(&n, "lds/a", "0a"),
                other.set_chip_data(&n, "lds/b", "0b"),
            );
            let (a, b) = (a.unwrap(), b.unwrap());
            assert!(a ^ b, "{}: both or neither recorded ({a}, {b})", t.name);
            let kept = t.store.document(&n).await.unwrap().unwrap();
            let want = if a { ("lds/a", "0a") } else { ("lds/b", "0b") };
            assert_eq!(
                (kept.lds_key.as_deref(), kept.ds_serial.as_deref()),
                (Some(want.0), Some(want.1)),
                "{}",
                t.name
            );
        }
    }
}

/// Both instances' de-duplication passes lease pending enrollments at once, a few at a time, and record each
/// leased one: every enrollment is leased to one pass only, and each is searched (and decided) once. A lease given
/// back is taken again; one that ran out is taken by the other instance.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn each_pending_search_is_leased_to_one_pass() {
    for t in TestStore::all().await {
        setup(&t).await;
        let other = second(&t).await;
        let mut ids = Vec::new();
        for n in 0..(ROUNDS * 3) {
            enrolled(&t, 300 + n, "10001").await;
        }
        for e in t.store.dedup_pending(1000).await.unwrap() {
            ids.push(e.application_id);
        }
        assert_eq!(ids.len(), (ROUNDS * 3) as usize, "{}", t.name);
        let mut leased = Vec::new();
        for _ in 0..ROUNDS {
            let (a, b) = race(&t.store, &other, |s| async move {
                let now = Utc::now();
                let got = s
                    .dedup_claim(1, now, now + Duration::seconds(60))
                    .await
                    .unwrap();
                for e in &got {
                    s.record_dedup(e.application_id, &[], Utc::now())
                        .await
                        .unwrap();
                }
                got.into_iter()
                    .map(|e| e.application_id)
                    .collect::<Vec<_>>()
            })
            .await;
            leased.extend(a);
            leased.extend(b);
        }
        assert_eq!(
            repeated(leased.clone()),
            Vec::<i64>::new(),
            "{}: leased twice",
            t.name
        );
        // Those left: leased now; a lease given back is taken again; one running out is taken by the other.
        let now = Utc::now();
        let rest = t
            .store
            .dedup_claim(1000, now, now + Duration::seconds(60))
            .await
            .unwrap();
        leased.extend(rest.iter().map(|e| e.application_id));
        leased.sort_unstable();
        assert_eq!(
            leased, ids,
            "{}: each pending enrollment leased once",
            t.name
        );
        if let Some(first) = rest.first() {
            let again = other
                .dedup_claim(1000, now, now + Duration::seconds(60))
                .await
                .unwrap();
            assert!(again.is_empty(), "{}: leased to another: {again:?}", t.name);
            t.store.dedup_release(first.application_id).await.unwrap();
            let again = other
                .dedup_claim(1000, now, now + Duration::seconds(60))
                .await
                .unwrap();
            assert_eq!(again, vec![first.clone()], "{}", t.name);
            let after_lease = now + Duration::seconds(61);
            let taken = t
                .store
                .dedup_claim(1000, after_lease, after_lease + Duration::seconds(60))
                .await
                .unwrap();
            assert_eq!(taken.len(), rest.len(), "{}: every lease ran out", t.name);
        }
    }
}

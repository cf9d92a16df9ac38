//! The pickup period, deaths, suspensions past their period, the backlog's figures, the payment reconciler, the
//! runs claimed once per period and the CRL numbers, raced by two instances.

use super::*;
use store::cards::Suspended;
use store::pki::{CertificateChange, StoredCertificate};

/// Holder certificates (on hold) for each waiting card, two per card.
async fn certify(t: &TestStore, cards: &[(domain::TrackingCode, i64)]) -> Vec<String> {
    let mut docs = Vec::new();
    for batch in 1..=20 {
        docs.extend(t.store.batch_documents(batch).await.unwrap());
    }
    let mut serials = Vec::new();
    for (_, id) in cards {
        let doc = docs.iter().find(|d| d.application_id == *id).unwrap();
        let mut certs = Vec::new();
        let mut holds = Vec::new();
        for role in ["holder_authentication", "holder_signing"] {
            let serial = format!("{id:x}{}", role.len());
            certs.push(StoredCertificate {
                serial: serial.clone(),
                authority: Some("citizen-ca".into()),
                role: role.into(),
                subject: format!("CN={serial}"),
                not_before: Utc::now(),
                not_after: Utc::now() + Duration::days(365),
                signing_until: None,
                key_label: None,
                der: vec![0x30, 0x00],
                key_sha256: format!("k-{serial}"),
                application_id: Some(*id),
                document_number: Some(doc.document_number.clone()),
                issued_at: Utc::now(),
            });
            holds.push(CertificateChange {
                id: 0,
                authority: "citizen-ca".into(),
                serial: serial.clone(),
                reason: "certificateHold".into(),
                at: Utc::now(),
            });
            serials.push(serial);
        }
        t.store
            .record_holder_certificates(&certs, &holds)
            .await
            .unwrap();
    }
    serials
}

/// Each certificate's final status changes (revocations) must be one.
async fn revoked_once(t: &TestStore, serials: &[String], reason: &str) {
    let all = t.store.authority_changes("citizen-ca").await.unwrap();
    for s in serials {
        let n = all
            .iter()
            .filter(|c| &c.serial == s && c.reason == reason)
            .count();
        assert_eq!(n, 1, "{}: certificate {s} revoked {n} times", t.name);
    }
}

/// Cards waiting, delivered to their holders.
async fn delivered(t: &TestStore, first: u32, n: u32) -> Vec<(domain::TrackingCode, i64)> {
    let cards = ready(t, first, n).await;
    for (c, _) in &cards {
        assert!(t
            .store
            .deliver(c, &oid("10001"), 20_000, &ch("operator:op1"))
            .await
            .unwrap());
    }
    cards
}

/// Both instances end the pickup period at once (and take the backlog's snapshot at once): each card becomes
/// uncollected once.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_pickup_period_ends_once() {
    for t in TestStore::all().await {
        setup(&t).await;
        let other = second(&t).await;
        let cards = ready(&t, 1, ROUNDS).await;
        for _ in 0..ROUNDS {
            let (a, b) = race(&t.store, &other, |s| async move {
                s.snapshot_backlog("1405-09-10").await
            })
            .await;
            a.unwrap();
            b.unwrap();
        }
        assert!(!t.store.backlog_days("1405-09-10").await.unwrap().is_empty());
        let mut total = 0;
        for _ in 0..ROUNDS {
            let (a, b) = race(&t.store, &other, |s| async move {
                s.expire_pickups(later(), &system("pickup"), 2).await
            })
            .await;
            total += a.unwrap() + b.unwrap();
        }
        assert_eq!(total, u64::from(ROUNDS), "{}", t.name);
        for (c, _) in &cards {
            assert_eq!(state_of(&t, c).await, S::Uncollected);
            assert_eq!(
                transitions(&t, c, Event::PickupPeriodExpired).await,
                1,
                "{}",
                t.name
            );
        }
    }
}

/// Both instances apply the registry's deaths at once: each card and its certificates are revoked once.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_death_is_applied_once() {
    for t in TestStore::all().await {
        setup(&t).await;
        let other = second(&t).await;
        let cards = delivered(&t, 1, 8).await;
        let serials = certify(&t, &cards).await;
        for n in 1..=8 {
            let nc = store_suite::fixtures::code(n);
            t.store
                .upsert_persons(&[person(&nc, "1314567890", "1405-08-01")])
                .await
                .unwrap();
        }
        let mut total = 0;
        for _ in 0..ROUNDS {
            let (a, b) = race(&t.store, &other, |s| async move {
                s.apply_deaths(&system("registry"), 1).await
            })
            .await;
            total += a.unwrap() + b.unwrap();
        }
        assert_eq!(total, 8, "{}", t.name);
        for (c, _) in &cards {
            assert_eq!(state_of(&t, c).await, S::Revoked, "{}", t.name);
            assert_eq!(transitions(&t, c, Event::Revoked).await, 1, "{}", t.name);
        }
        revoked_once(&t, &serials, "cessationOfOperation").await;
    }
}

/// Both instances revoke the cards suspended past their period at once: each card is revoked by one of them,
/// its certificates once.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_suspension_past_its_period_revokes_once() {
    for t in TestStore::all().await {
        setup(&t).await;
        let other = second(&t).await;
        let cards = delivered(&t, 1, 8).await;
        let serials = certify(&t, &cards).await;
        for (_, id) in &cards {
            let lost = because("citizen", "loss reported by the holder");
            assert!(matches!(
                t.store.suspend_card(*id, &lost).await.unwrap(),
                Suspended::Suspended(_)
            ));
        }
        let mut revoked = Vec::new();
        for _ in 0..ROUNDS {
            let (a, b) = race(&t.store, &other, |s| async move {
                s.revoke_suspended(later(), &system("suspension"), 1).await
            })
            .await;
            revoked.extend(a.unwrap());
            revoked.extend(b.unwrap());
        }
        let revoked: Vec<String> = revoked.iter().map(|s| s.as_str().to_string()).collect();
        assert_eq!(
            repeated(revoked.clone()),
            Vec::<String>::new(),
            "{}: revoked twice",
            t.name
        );
        assert_eq!(revoked.len(), 8, "{}", t.name);
        for (c, _) in &cards {
            assert_eq!(transitions(&t, c, Event::Revoked).await, 1, "{}", t.name);
        }
        revoked_once(&t, &serials, "keyCompromise").await;
    }
}

/// Both instances' reconcilers lease unfinished payments at once: each payment goes to one of them.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn each_unfinished_payment_is_leased_to_one_reconciler() {
    for t in TestStore::all().await {
        let other = second(&t).await;
        let mut payments = Vec::new();
        for n in 1..=ROUNDS * 3 {
            let app = filed(&t, n).await;
            payments.push(
                t.store
                    .create_payment(app, 250_000, "sandbox", Utc::now())
                    .await
                    .unwrap(),
            );
        }
        let cutoff = Utc::now();
        let mut leased = Vec::new();
        for _ in 0..ROUNDS {
            let (a, b) = race(&t.store, &other, move |s| async move {
                s.lease_unfinished_payments(cutoff, Utc::now(), 2)
                    .await
                    .unwrap()
            })
            .await;
            leased.extend(a.into_iter().chain(b).map(|p| p.id));
        }
        // What the races left (a loser waits on the winner's rows, then skips them): leased now.
        let rest = t
            .store
            .lease_unfinished_payments(cutoff, Utc::now(), 1000)
            .await
            .unwrap();
        leased.extend(rest.iter().map(|p| p.id));
        assert_eq!(
            repeated(leased.clone()),
            Vec::<i64>::new(),
            "{}: leased twice",
            t.name
        );
        leased.sort_unstable();
        assert_eq!(leased, payments, "{}", t.name);
        // Leased again once as old as the period.
        let again = t
            .store
            .lease_unfinished_payments(Utc::now(), Utc::now(), 1000)
            .await
            .unwrap();
        assert_eq!(again.len(), payments.len(), "{}", t.name);
    }
}

/// A pass that runs once per period: of two instances claiming the same period, one gets it.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_period_s_run_is_claimed_once() {
    for t in TestStore::all().await {
        let other = second(&t).await;
        for round in 0..ROUNDS {
            let last = t.store.pass_last_run("form_batches").await.unwrap();
            assert_eq!(last.is_some(), round > 0, "{}", t.name);
            let before = last.map_or(DateTime::<Utc>::UNIX_EPOCH, |l| {
                l + Duration::microseconds(1)
            });
            let (a, b) = race(&t.store, &other, move |s| async move {
                s.claim_pass("form_batches", before, Utc::now())
                    .await
                    .unwrap()
            })
            .await;
            assert!(a ^ b, "{}: round {round}: {a} {b}", t.name);
            // Claimed already: a late claim on the same period is refused.
            assert!(!t
                .store
                .claim_pass("form_batches", before, Utc::now())
                .await
                .unwrap());
        }
    }
}

/// Both instances issue CRLs at once: no number is used twice.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn no_crl_number_is_used_twice() {
    for t in TestStore::all().await {
        let other = second(&t).await;
        let mut numbers = Vec::new();
        for _ in 0..ROUNDS {
            let (a, b) = race(&t.store, &other, |s| async move {
                s.next_crl_number("citizen-ca").await.unwrap()
            })
            .await;
            numbers.extend([a, b]);
        }
        numbers.sort_unstable();
        assert_eq!(
            numbers,
            (1..=u64::from(ROUNDS) * 2).collect::<Vec<_>>(),
            "{}",
            t.name
        );
    }
}

/// Files application `n` (awaiting payment); answers its id.
async fn filed(t: &TestStore, n: u32) -> i64 {
    use store::journey::{Filed, NewApplication};
    let nc = store_suite::fixtures::code(n);
    t.store
        .upsert_persons(&[person(&nc, "1314567890", "")])
        .await
        .unwrap();
    let new = NewApplication {
        tracking_code: tc(n),
        national_code: nc,
        reason: domain::Reason::FirstIssue,
        channel: domain::Channel::Portal,
        mobile: domain::Mobile::parse("09121234567").unwrap(),
        fee_rials: 250_000,
        filing_office: None,
        province: Some(domain::ProvinceCode::parse("30").unwrap()),
        actor: "citizen".into(),
        at: Utc::now(),
    };
    assert!(matches!(
        t.store.file_application(&new).await.unwrap(),
        Filed::Created(_)
    ));
    t.store.application(&tc(n)).await.unwrap().unwrap().id
}

//! After the journey, on SQLite and on PostgreSQL: enrollment, de-duplication and adjudication, batches shared among
//! manufacturers, per-card results, dispatch, shipments received with missing and unexpected cards, the SMS outbox,
//! pickup, uncollected cards with their reasons, transfers, revocations and deaths; and the counters still agree
//! with a full recount at the end.

#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

use chrono::{Duration, Utc};
use domain::{ApplicationState as S, Decision, DedupStatus, Mobile, UncollectedReason};
use store::production::*;
use store_suite::fixtures::code;
use store_suite::lifecycle::*;
use store_suite::TestStore;

#[tokio::test]
async fn enrollment_dedup_and_adjudication() {
    for t in TestStore::all().await {
        setup(&t).await;
        let s = &t.store;
        let a = enrolled(&t, 1, "10001").await;
        let b = enrolled(&t, 2, "10001").await;
        let c = enrolled(&t, 3, "10002").await;
        // Enrolling twice, at another office, or an unknown code changes nothing.
        assert!(matches!(
            s.enroll(&new_enrollment(1, "10001")).await.unwrap(),
            Enrolled::WrongState(S::Enrolled)
        ));
        let e = s.enrollment(&a).await.unwrap().unwrap();
        assert_eq!(e.dedup, DedupStatus::Pending);
        let desk = s.office_day(&oid("10001"), "1405-09-02").await.unwrap();
        assert_eq!(desk.len(), 2);
        assert_eq!(desk[0].slot, 1);
        assert_eq!(desk[0].tracking_code, a);
        assert_eq!(desk[0].state, S::Enrolled);
        assert_eq!(e.fingers.len(), 10);
        assert_eq!(e.fingers[3].status, "bandaged");
        assert_eq!(e.holder.first_name, "مریم");
        assert_eq!(e.destination, oid("10001"));

        let pending = s.dedup_pending(10).await.unwrap();
        assert_eq!(pending.len(), 3);
        let ids: Vec<i64> = pending.iter().map(|p| p.application_id).collect();
        s.record_dedup(ids[0], &[], Utc::now()).await.unwrap();
        // b matches a; c matches a too.
        s.record_dedup(ids[1], &[(ids[0], 0.9)], Utc::now())
            .await
            .unwrap();
        s.record_dedup(ids[2], &[(ids[0], 0.8)], Utc::now())
            .await
            .unwrap();
        // A second recording of the same search is ignored.
        s.record_dedup(ids[0], &[(ids[1], 0.9)], Utc::now())
            .await
            .unwrap();
        assert_eq!(s.production_queue_len().await.unwrap(), 1);
        assert!(s.dedup_pending(10).await.unwrap().is_empty());

        let open = s.dedup_cases(Some(&oid("10001")), 10).await.unwrap();
        assert_eq!(open.len(), 1, "{}: only this office's cases", t.name);
        assert_eq!(open[0].candidate_tracking_code, a);
        assert_eq!(s.dedup_cases(None, 10).await.unwrap().len(), 2);

        assert_eq!(
            s.decide_dedup(&b, Decision::Duplicate, &ch("supervisor:s1"))
                .await
                .unwrap(),
            Decided::Done
        );
        assert_eq!(state_of(&t, &b).await, S::Rejected);
        let h = s.history(&b).await.unwrap();
        let last = h.last().unwrap();
        assert_eq!(last.actor, "supervisor:s1");
        assert!(last
            .reason
            .as_ref()
            .map(ToString::to_string)
            .as_deref()
            .unwrap()
            .contains(a.as_str()));
        // Deciding again: nothing to decide.
        assert_eq!(
            s.decide_dedup(&b, Decision::Distinct, &ch("supervisor:s1"))
                .await
                .unwrap(),
            Decided::NothingToDecide
        );
        s.decide_dedup(&c, Decision::Distinct, &ch("supervisor:s2"))
            .await
            .unwrap();
        assert_eq!(state_of(&t, &c).await, S::Enrolled);
        assert_eq!(s.production_queue_len().await.unwrap(), 2);
        let cases = s.dedup_cases_of(&b).await.unwrap();
        assert_eq!(cases[0].decision, Some(Decision::Duplicate));
        assert_eq!(cases[0].decided_by.as_deref(), Some("supervisor:s1"));
        // The duplicate leaves the gallery.
        let gallery = s.gallery_page(0, 100).await.unwrap();
        assert_eq!(gallery.len(), 2);
        t.cleanup().await;
    }
}

#[tokio::test]
async fn production_from_batch_to_delivery() {
    for t in TestStore::all().await {
        setup(&t).await;
        let s = &t.store;
        let v1 = s
            .create_vendor("alpha", 75, 1000, "v1", "hash-v1", Utc::now())
            .await
            .unwrap();
        let v2 = s
            .create_vendor("beta", 25, 2, "v2", "hash-v2", Utc::now())
            .await
            .unwrap();
        assert_eq!(s.vendor_by_key("hash-v1").await.unwrap().unwrap().id, v1);
        assert!(s.update_vendor("beta", 25, 2).await.unwrap());
        assert!(!s.update_vendor("nobody", 25, 2).await.unwrap());
        let listed = s.vendors().await.unwrap();
        assert_eq!((listed[1].share_pct, listed[1].daily_capacity), (25, 2));
        assert!(s.vendor_by_key("nope").await.unwrap().is_none());
        // Rotation: a second key beside the first, then the first revoked.
        assert!(s
            .add_vendor_key("alpha", "v1b", "hash-v1b", Utc::now())
            .await
            .unwrap()
            .is_some());
        assert_eq!(
            s.add_vendor_key("nobody", "vx", "hash-vx", Utc::now())
                .await
                .unwrap(),
            None
        );
        assert!(s.revoke_vendor_key("v1", Utc::now()).await.unwrap());
        assert!(!s.revoke_vendor_key("v1", Utc::now()).await.unwrap());
        assert!(!s.revoke_vendor_key("nope", Utc::now()).await.unwrap());
        assert!(s.vendor_by_key("hash-v1").await.unwrap().is_none());
        assert_eq!(s.vendor_by_key("hash-v1b").await.unwrap().unwrap().id, v1);
        let mut codes = queue(&t, 10, 6, "10001").await;
        codes.extend(queue(&t, 20, 2, "10002").await);
        assert_eq!(s.production_queue_len().await.unwrap(), 8);
        let batches = s
            .form_batches("1405-09-03", 4, &ch("system:batcher"))
            .await
            .unwrap();
        // 75/25 of 8 is 6/2: alpha gets batches of 4 and 2, beta one of 2 (its whole capacity).
        let sizes: Vec<(i64, u64)> = batches.iter().map(|b| (b.vendor_id, b.cards)).collect();
        assert_eq!(sizes, vec![(v1, 4), (v1, 2), (v2, 2)], "{}", t.name);
        assert_eq!(s.production_queue_len().await.unwrap(), 0);
        for c in &codes {
            assert_eq!(state_of(&t, c).await, S::InProduction);
        }
        // Beta is full for the day.
        let more = queue(&t, 30, 1, "10001").await;
        let again = s
            .form_batches("1405-09-03", 4, &ch("system:batcher"))
            .await
            .unwrap();
        assert_eq!(again.len(), 1);
        assert_eq!(again[0].vendor_id, v1);

        // Claims: oldest open batch first, each once.
        let b1 = s.claim_batch(v1, Utc::now()).await.unwrap().unwrap();
        assert_eq!(b1.id, batches[0].id);
        assert_eq!(b1.state, BatchState::Claimed);
        let cards = s.batch_cards(b1.id).await.unwrap();
        assert_eq!(cards.len(), 4);
        assert_eq!(cards[0].holder.last_name, "رضایی");
        // Results: refused as a whole when one names a card not in the batch.
        let mut results: Vec<CardResult> = cards
            .iter()
            .enumerate()
            .map(|(i, c)| CardResult {
                tracking_code: c.tracking_code,
                outcome: if i == 3 {
                    CardOutcome::Failed("chip write error".into())
                } else {
                    CardOutcome::Personalized(serial(i as u32))
                },
            })
            .collect();
        let mut bad = results.clone();
        bad.push(CardResult {
            tracking_code: more[0],
            outcome: CardOutcome::Personalized(serial(99)),
        });
        assert_eq!(
            s.batch_results(v1, b1.id, &bad, &ch("vendor:alpha"))
                .await
                .unwrap(),
            ResultsApplied::Refused {
                index: 4,
                code: "card_not_in_batch"
            }
        );
        // Another vendor's batch is not found; an unclaimed batch takes no results.
        assert_eq!(
            s.batch_results(v2, b1.id, &results, &ch("vendor:beta"))
                .await
                .unwrap(),
            ResultsApplied::NoSuchBatch
        );
        assert_eq!(
            s.batch_results(v1, batches[1].id, &results, &ch("vendor:alpha"))
                .await
                .unwrap(),
            ResultsApplied::WrongState(BatchState::Open)
        );
        assert_eq!(state_of(&t, &cards[0].tracking_code).await, S::InProduction);
        let applied = s
            .batch_results(v1, b1.id, &results, &ch("vendor:alpha"))
            .await
            .unwrap();
        assert_eq!(
            applied,
            ResultsApplied::Done {
                personalized: 3,
                failed: 1,
                repeated: 0
            }
        );
        // A repeat changes nothing; a changed answer is refused.
        assert_eq!(
            s.batch_results(v1, b1.id, &results, &ch("vendor:alpha"))
                .await
                .unwrap(),
            ResultsApplied::Done {
                personalized: 0,
                failed: 0,
                repeated: 4
            }
        );
        results[0].outcome = CardOutcome::Personalized(serial(55));
        assert!(matches!(
            s.batch_results(v1, b1.id, &results, &ch("vendor:alpha"))
                .await
                .unwrap(),
            ResultsApplied::Refused {
                index: 0,
                code: "card_already_answered"
            }
        ));
        // The failed card is back in the queue, enrolled, with both steps in its history.
        let failed = cards[3].tracking_code;
        assert_eq!(state_of(&t, &failed).await, S::Enrolled);
        let h = s.history(&failed).await.unwrap();
        let events: Vec<&str> = h.iter().map(|e| e.event.code()).collect();
        assert!(events.ends_with(&["batched_for_production", "production_failed", "requeued"]));
        assert_eq!(
            h[h.len() - 2]
                .reason
                .as_ref()
                .map(ToString::to_string)
                .as_deref(),
            Some("chip write error")
        );
        assert_eq!(s.production_queue_len().await.unwrap(), 1);
        assert_eq!(
            s.batch(b1.id).await.unwrap().unwrap().state,
            BatchState::Answered
        );

        // A serial already used by another card is refused.
        let b2 = s.claim_batch(v1, Utc::now()).await.unwrap().unwrap();
        let c2 = s.batch_cards(b2.id).await.unwrap();
        let dup = vec![CardResult {
            tracking_code: c2[0].tracking_code,
            outcome: CardOutcome::Personalized(serial(1)),
        }];
        assert!(matches!(
            s.batch_results(v1, b2.id, &dup, &ch("vendor:alpha"))
                .await
                .unwrap(),
            ResultsApplied::Refused {
                code: "chip_serial_taken",
                ..
            }
        ));

        // Dispatch: one shipment per destination; repeating ships nothing more.
        let shipped = s
            .dispatch_batch(v1, b1.id, &ch("vendor:alpha"))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(shipped.len(), 1);
        assert_eq!(shipped[0].cards.len(), 3);
        assert_eq!(shipped[0].to_office, oid("10001"));
        assert!(s
            .dispatch_batch(v2, b1.id, &ch("vendor:beta"))
            .await
            .unwrap()
            .is_none());
        let again = s
            .dispatch_batch(v1, b1.id, &ch("vendor:alpha"))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(again, shipped);
        assert_eq!(state_of(&t, &cards[0].tracking_code).await, S::Dispatched);
        assert_eq!(
            s.batch(b1.id).await.unwrap().unwrap().state,
            BatchState::Dispatched
        );

        // Reception at another office is refused; scanning reports a missing and an unexpected card.
        let sid = shipped[0].id;
        assert_eq!(
            s.receive_shipment(sid, &oid("10002"), None, &ch("operator:x"))
                .await
                .unwrap(),
            Received::OtherOffice
        );
        let scanned = vec![
            serial(0).to_string(),
            serial(1).to_string().to_lowercase(),
            "CHIP-99999999".to_string(),
        ];
        let got = s
            .receive_shipment(sid, &oid("10001"), Some(&scanned), &ch("operator:op1"))
            .await
            .unwrap();
        assert_eq!(
            got,
            Received::Done {
                ready: 2,
                missing: vec![serial(2)],
                unexpected: vec!["CHIP-99999999".into()]
            }
        );
        assert_eq!(
            s.receive_shipment(sid, &oid("10001"), None, &ch("operator:op1"))
                .await
                .unwrap(),
            Received::AlreadyReceived
        );
        let seen = s.shipment(sid).await.unwrap().unwrap();
        assert_eq!(seen.state, ShipmentState::Received);
        assert_eq!(seen.unexpected, vec!["CHIP-99999999".to_string()]);
        assert_eq!(s.shipments_to(&oid("10001"), 10).await.unwrap().len(), 1);
        // The missing card is revoked and its application made again.
        assert_eq!(s.card(&serial(2)).await.unwrap().unwrap().status, "revoked");
        assert_eq!(state_of(&t, &cards[2].tracking_code).await, S::Enrolled);
        let ready = cards[0].tracking_code;
        assert_eq!(state_of(&t, &ready).await, S::ReadyForPickup);
        let status = s.status(&ready).await.unwrap().unwrap();
        assert_eq!(status.office.unwrap().0, oid("10001"));

        // The holder's SMS is queued once, in the same transaction.
        let app_id = cards[0].application_id;
        let msgs = s.sms_of(app_id).await.unwrap();
        assert_eq!(msgs.len(), 1);
        assert!(msgs[0].text.contains("آمادهٔ تحویل"));
        assert_eq!(msgs[0].state, SmsState::Pending);

        // Pickup: attempts are recorded; delivery only at the card's office.
        let p = s.pickup_card(&ready).await.unwrap().unwrap();
        assert_eq!(p.office, oid("10001"));
        assert_eq!(p.chip_serial, serial(0));
        s.record_pickup_attempt(
            app_id,
            &oid("10001"),
            &PickupAttempt {
                at: Utc::now(),
                operator: "op1".into(),
                position: 2,
                score: 0.01,
                matched: false,
            },
        )
        .await
        .unwrap();
        assert_eq!(s.pickup_attempts(app_id).await.unwrap().len(), 1);
        assert!(!s
            .deliver(&ready, &oid("10002"), 20_000, &ch("operator:x"))
            .await
            .unwrap());
        assert!(s
            .deliver(&ready, &oid("10001"), 20_000, &ch("operator:op1"))
            .await
            .unwrap());
        assert_eq!(state_of(&t, &ready).await, S::Delivered);
        assert_eq!(s.card(&serial(0)).await.unwrap().unwrap().status, "active");
        assert!(!s
            .deliver(&ready, &oid("10001"), 20_000, &ch("operator:op1"))
            .await
            .unwrap());

        // A lost card: revoked with its application.
        let revoked = s
            .revoke_cards_of(&code(10), &because("citizen", "lost"))
            .await
            .unwrap();
        assert_eq!(revoked, vec![serial(0)]);
        assert_eq!(state_of(&t, &ready).await, S::Revoked);

        // An expired claim: unanswered cards go back in the queue.
        let b3 = s.claim_batch(v2, Utc::now()).await.unwrap().unwrap();
        let n = s
            .expire_batches(
                Utc::now() + Duration::seconds(1),
                &because("system:production", "vendor did not answer"),
            )
            .await
            .unwrap();
        // b2 (claimed, one card refused above so all unanswered) and b3 both expire.
        assert_eq!(n, b2.cards + b3.cards);
        for c in s.batch_cards(b3.id).await.unwrap() {
            assert_eq!(state_of(&t, &c.tracking_code).await, S::Enrolled);
        }

        assert_eq!(
            s.province_counts().await.unwrap(),
            s.recount().await.unwrap(),
            "{}: counters agree with a recount",
            t.name
        );
        t.cleanup().await;
    }
}

/// Moves applications to `ready_for_pickup` at office 10001 and answers them with their ids.
#[tokio::test]
async fn sms_outbox_leases_retries_and_flags() {
    for t in TestStore::all().await {
        setup(&t).await;
        let s = &t.store;
        let apps = ready(&t, 40, 3).await;
        let now = Utc::now();
        let due = s
            .sms_due(now, now + Duration::seconds(60), 10)
            .await
            .unwrap();
        assert_eq!(due.len(), 3);
        assert!(due.iter().all(|m| m.attempts == 1));
        // Leased: a second worker gets nothing.
        assert!(s
            .sms_due(now, now + Duration::seconds(60), 10)
            .await
            .unwrap()
            .is_empty());
        s.sms_sent(due[0].id, now).await.unwrap();
        assert!(s.sms_report(due[0].id, true, "1", now).await.unwrap());
        s.sms_retry(due[1].id, "503", now - Duration::seconds(1))
            .await
            .unwrap();
        s.sms_failed(due[2].id, "invalid number", now)
            .await
            .unwrap();
        let again = s
            .sms_due(now, now + Duration::seconds(60), 10)
            .await
            .unwrap();
        assert_eq!(again.len(), 1);
        assert_eq!(again[0].id, due[1].id);
        assert_eq!(again[0].attempts, 2);
        assert_eq!(again[0].last_error.as_deref(), Some("503"));
        assert_eq!(
            s.sms_by_id(due[0].id).await.unwrap().unwrap().state,
            SmsState::Delivered
        );
        assert!(!s.sms_report(999_999, true, "1", now).await.unwrap());
        let flagged = due[2].application_id.unwrap();
        assert!(s.sms_flagged(flagged).await.unwrap());
        assert!(!s.sms_flagged(apps[0].1).await.unwrap());
        // A repeated kind is not queued twice.
        let m = Mobile::parse("09121234567").unwrap();
        assert!(s
            .enqueue_sms(Some(apps[0].1), &m, "reminder_7:x", "r", now)
            .await
            .unwrap()
            .is_some());
        assert!(s
            .enqueue_sms(Some(apps[0].1), &m, "reminder_7:x", "r", now)
            .await
            .unwrap()
            .is_none());
        assert!(s
            .enqueue_sms(None, &m, "status_reply", "x", now)
            .await
            .unwrap()
            .is_some());
        assert!(s
            .enqueue_sms(None, &m, "status_reply", "x", now)
            .await
            .unwrap()
            .is_some());
        // Reminders are due for cards waiting long enough and not yet reminded.
        let later = now + Duration::days(8);
        let waiting = s.waiting_without(later, "reminder_7:", 10).await.unwrap();
        assert_eq!(waiting.len(), 2, "{}: one was reminded already", t.name);
        assert!(s
            .waiting_without(now - Duration::days(1), "reminder_7:", 10)
            .await
            .unwrap()
            .is_empty());

        // Past the pickup period: uncollected, with the reason.
        let holder = s
            .application(&apps[1].0)
            .await
            .unwrap()
            .unwrap()
            .national_code;
        s.upsert_persons(&[person(&holder, "1999999999", "")])
            .await
            .unwrap();
        let n = s
            .expire_pickups(later, &ch("system:pickup"), 100)
            .await
            .unwrap();
        assert_eq!(n, 3);
        let reasons: Vec<Option<UncollectedReason>> = {
            let mut v = Vec::new();
            for (_, id) in &apps {
                v.push(
                    s.card_of_application(*id)
                        .await
                        .unwrap()
                        .unwrap()
                        .uncollected_reason,
                );
            }
            v
        };
        let flagged_index = apps.iter().position(|a| a.1 == flagged).unwrap();
        for (i, r) in reasons.iter().enumerate() {
            let want = if i == 1 {
                UncollectedReason::Moved
            } else if i == flagged_index {
                UncollectedReason::SmsFailed
            } else {
                UncollectedReason::None
            };
            assert_eq!(*r, Some(want), "{}: card {i}", t.name);
        }
        assert_eq!(state_of(&t, &apps[0].0).await, S::Uncollected);
        let today = Utc::now().date_naive();
        let kept = s.uncollected(today).await.unwrap();
        assert_eq!(
            kept,
            s.recount_uncollected(today).await.unwrap(),
            "{}",
            t.name
        );
        assert_eq!(kept.iter().map(|u| u.n).sum::<u64>(), 3);
        assert!(kept
            .iter()
            .all(|u| u.age == store::stats::AgeBucket::Under30Days));
        // A year on, they are over a year old.
        let later_day = today + Duration::days(400);
        assert!(s
            .uncollected(later_day)
            .await
            .unwrap()
            .iter()
            .all(|u| u.age == store::stats::AgeBucket::OverAYear));
        // Collected late after all.
        assert!(s
            .deliver(&apps[0].0, &oid("10001"), 20_000, &ch("operator:op1"))
            .await
            .unwrap());
        assert_eq!(state_of(&t, &apps[0].0).await, S::Delivered);
        let kept = s.uncollected(today).await.unwrap();
        assert_eq!(kept, s.recount_uncollected(today).await.unwrap());
        assert_eq!(kept.iter().map(|u| u.n).sum::<u64>(), 2);
        let leads = s.lead_times().await.unwrap();
        assert_eq!(leads, s.recount_lead_times().await.unwrap());
        assert_eq!(leads.iter().map(|l| l.n).sum::<u64>(), 1);
        assert_eq!(leads[0].province_code, "30");
        // Office load: the booked day of office 10001.
        let load = s.office_load("1405-09-02", None, 10).await.unwrap();
        assert_eq!(load[0].office_id, "10001");
        assert_eq!((load[0].booked, load[0].capacity), (3, 500));
        assert!(s
            .office_load("1405-09-02", Some("23"), 10)
            .await
            .unwrap()
            .is_empty());
        t.cleanup().await;
    }
}

#[tokio::test]
async fn transfers_and_deaths() {
    for t in TestStore::all().await {
        setup(&t).await;
        let s = &t.store;
        let apps = ready(&t, 60, 2).await;
        let (a, a_id) = apps[0];
        assert_eq!(
            s.transfer(&a, &oid("10001"), &ch("citizen")).await.unwrap(),
            Transferred::SameOffice
        );
        assert_eq!(
            s.transfer(&a, &oid("99999"), &ch("citizen")).await.unwrap(),
            Transferred::NotFound
        );
        let Transferred::Shipped { shipment_id } =
            s.transfer(&a, &oid("10002"), &ch("citizen")).await.unwrap()
        else {
            panic!("{}: not shipped", t.name)
        };
        assert_eq!(state_of(&t, &a).await, S::Dispatched);
        let sh = s.shipment(shipment_id).await.unwrap().unwrap();
        assert_eq!(sh.from_office, Some(oid("10001")));
        assert_eq!(sh.to_office, oid("10002"));
        s.receive_shipment(shipment_id, &oid("10002"), None, &ch("operator:op2"))
            .await
            .unwrap();
        assert_eq!(state_of(&t, &a).await, S::ReadyForPickup);
        assert_eq!(
            s.pickup_card(&a).await.unwrap().unwrap().office,
            oid("10002")
        );
        // Two "ready" messages: one per arrival.
        assert_eq!(s.sms_of(a_id).await.unwrap().len(), 2);

        // Before production, a transfer only changes the destination.
        let early = queue(&t, 70, 1, "10001").await[0];
        assert_eq!(
            s.transfer(&early, &oid("10002"), &ch("operator:op2"))
                .await
                .unwrap(),
            Transferred::Redirected
        );
        assert_eq!(
            s.enrollment(&early).await.unwrap().unwrap().destination,
            oid("10002")
        );
        let h = s.history(&early).await.unwrap();
        assert_eq!(h.last().unwrap().event.code(), "destination_changed");

        // The registry records two deaths: the card is revoked, the pending application cancelled.
        let b = apps[1].0;
        let holder_b = s.application(&b).await.unwrap().unwrap().national_code;
        let holder_e = s.application(&early).await.unwrap().unwrap().national_code;
        s.upsert_persons(&[
            person(&holder_b, "1314567890", "1405-08-01"),
            person(&holder_e, "1314567890", "1405-08-01"),
        ])
        .await
        .unwrap();
        let n = s
            .apply_deaths(&because("system:registry", "deceased"), 100)
            .await
            .unwrap();
        assert_eq!(n, 2);
        assert_eq!(state_of(&t, &b).await, S::Revoked);
        assert_eq!(state_of(&t, &early).await, S::Cancelled);
        assert_eq!(
            s.card_of_application(apps[1].1)
                .await
                .unwrap()
                .unwrap()
                .status,
            "revoked"
        );
        assert_eq!(
            s.apply_deaths(&because("system:registry", "deceased"), 100)
                .await
                .unwrap(),
            0
        );
        assert_eq!(
            s.province_counts().await.unwrap(),
            s.recount().await.unwrap()
        );
        t.cleanup().await;
    }
}

fn stored_cert(
    serial: &str,
    role: &str,
    authority: Option<&str>,
    key: &str,
) -> store::pki::StoredCertificate {
    let now = Utc::now();
    store::pki::StoredCertificate {
        serial: serial.into(),
        authority: authority.map(Into::into),
        role: role.into(),
        subject: format!("CN={role}"),
        not_before: now,
        not_after: now + Duration::days(365),
        signing_until: (role == "document_signer").then(|| now + Duration::days(92)),
        key_label: authority.is_none().then(|| format!("{role}-0a0b0c0d")),
        der: vec![0x30, 0x03, 0x02, 0x01, 0x01],
        key_sha256: key.into(),
        application_id: None,
        document_number: None,
        issued_at: now,
    }
}

fn hold(serial: &str) -> store::pki::CertificateChange {
    store::pki::CertificateChange {
        id: 0,
        authority: "citizen-ca".into(),
        serial: serial.into(),
        reason: "certificateHold".into(),
        at: Utc::now(),
    }
}

#[tokio::test]
async fn pki_records_document_numbers_and_certificate_states_follow_the_card() {
    use store::pki::HolderIssued;
    for t in TestStore::all().await {
        setup(&t).await;
        let s = &t.store;
        // The authorities: recorded once by init; a second init records nothing.
        let authorities = vec![
            stored_cert("01", "root_ca", None, "k-root"),
            stored_cert("02", "citizen_ca", Some("root"), "k-citizen"),
            stored_cert("03", "csca", None, "k-csca"),
            stored_cert("04", "document_signer", Some("csca"), "k-ds"),
        ];
        assert!(s.record_authorities(&authorities, true).await.unwrap());
        assert!(!s.record_authorities(&authorities[..1], true).await.unwrap());
        let kept = s.pki_authorities().await.unwrap();
        assert_eq!(kept.len(), 4, "{}", t.name);
        let ds = kept.iter().find(|c| c.role == "document_signer").unwrap();
        assert!(ds.signing_until.is_some());
        assert_eq!(ds.der, authorities[3].der);
        assert!(kept
            .iter()
            .find(|c| c.role == "root_ca")
            .unwrap()
            .signing_until
            .is_none());
        // A later DS (rotation) is recorded without the init check.
        assert!(s
            .record_authorities(
                &[stored_cert("05", "document_signer", Some("csca"), "k-ds2")],
                false
            )
            .await
            .unwrap());

        // Document numbers: one per card at batching, 9 characters, never the same twice.
        let codes = queue(&t, 300, 3, "10001").await;
        let vendor = s
            .create_vendor("pki-vendor", 100, 100_000, "vp", "hash-vp", Utc::now())
            .await
            .unwrap();
        let made = s
            .form_batches("1405-09-03", 1000, &ch("system"))
            .await
            .unwrap();
        assert_eq!(made.len(), 1);
        let docs = s.batch_documents(made[0].id).await.unwrap();
        assert_eq!(docs.len(), 3);
        let mut numbers: Vec<&str> = docs.iter().map(|d| d.document_number.as_str()).collect();
        assert!(
            numbers.iter().all(|n| n.len() == 9 && n.starts_with('A')),
            "{numbers:?}"
        );
        numbers.dedup();
        assert_eq!(numbers.len(), 3);
        assert_eq!(s.documents_without_chip_data(10).await.unwrap().len(), 3);
        s.set_chip_data(&docs[0].document_number, "lds/x", "04")
            .await
            .unwrap();
        assert_eq!(s.documents_without_chip_data(10).await.unwrap().len(), 2);
        let d0 = s.document(&docs[0].document_number).await.unwrap().unwrap();
        assert_eq!(
            (d0.lds_key.as_deref(), d0.ds_serial.as_deref()),
            (Some("lds/x"), Some("04"))
        );

        // Holder certificates: on hold from issuance; a repeat answers the same; a reused key is refused.
        let holder = |serial: &str, role: &str, key: &str, doc: &store::pki::Document| {
            let mut c = stored_cert(serial, role, Some("citizen-ca"), key);
            c.application_id = Some(doc.application_id);
            c.document_number = Some(doc.document_number.clone());
            c.key_label = None;
            c
        };
        let pair = [
            holder("a1", "holder_authentication", "k-a1", &docs[0]),
            holder("a2", "holder_signing", "k-a2", &docs[0]),
        ];
        assert_eq!(
            s.record_holder_certificates(&pair, &[hold("a1"), hold("a2")])
                .await
                .unwrap(),
            HolderIssued::Issued
        );
        match s
            .record_holder_certificates(&pair, &[hold("a1"), hold("a2")])
            .await
            .unwrap()
        {
            HolderIssued::Existing(c) => assert_eq!(
                c.iter().map(|c| c.serial.as_str()).collect::<Vec<_>>(),
                ["a1", "a2"]
            ),
            other => panic!("{other:?}"),
        }
        let reused = [
            holder("b1", "holder_authentication", "k-a1", &docs[1]),
            holder("b2", "holder_signing", "k-b2", &docs[1]),
        ];
        assert_eq!(
            s.record_holder_certificates(&reused, &[hold("b1"), hold("b2")])
                .await
                .unwrap(),
            HolderIssued::KeyTaken
        );
        assert!(s
            .document_certificates(&docs[1].document_number)
            .await
            .unwrap()
            .is_empty());
        let ids: Vec<i64> = docs.iter().map(|d| d.application_id).collect();
        assert_eq!(
            s.certified_in_batch(made[0].id, &ids).await.unwrap(),
            [docs[0].application_id]
        );
        let changes = s
            .certificate_changes("citizen-ca", "a1")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(changes.len(), 1);
        assert_eq!(changes[0].reason, "certificateHold");
        assert!(s
            .certificate_changes("citizen-ca", "ff")
            .await
            .unwrap()
            .is_none());
        assert!(s.certificate_changes("csca", "a1").await.unwrap().is_none());

        // CRL numbers grow per authority.
        assert_eq!(s.next_crl_number("citizen-ca").await.unwrap(), 1);
        assert_eq!(s.next_crl_number("citizen-ca").await.unwrap(), 2);
        assert_eq!(s.next_crl_number("csca").await.unwrap(), 1);

        // Production, then pickup: the card's certificates come off hold.
        let b = s.claim_batch(vendor, Utc::now()).await.unwrap().unwrap();
        let results: Vec<CardResult> = s
            .batch_cards(b.id)
            .await
            .unwrap()
            .iter()
            .map(|c| CardResult {
                tracking_code: c.tracking_code,
                outcome: CardOutcome::Personalized(serial(3000 + c.application_id as u32)),
            })
            .collect();
        s.batch_results(vendor, b.id, &results, &ch("vendor"))
            .await
            .unwrap();
        for sh in s
            .dispatch_batch(vendor, b.id, &ch("vendor"))
            .await
            .unwrap()
            .unwrap()
        {
            s.receive_shipment(sh.id, &sh.to_office, None, &ch("operator:op1"))
                .await
                .unwrap();
        }
        let card = s
            .card_by_document_number(&docs[0].document_number)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(card.application_id, docs[0].application_id);
        assert!(s
            .card_by_document_number("Z00000000")
            .await
            .unwrap()
            .is_none());
        let first = codes
            .iter()
            .find(|c| card.tracking_code == **c)
            .copied()
            .unwrap();
        let before = s.last_change_id().await.unwrap();
        assert!(s
            .deliver(&first, &oid("10001"), 20_000, &ch("operator:op1"))
            .await
            .unwrap());
        let released = s.changes_since(before, 10).await.unwrap();
        assert_eq!(
            released
                .iter()
                .map(|c| (c.serial.as_str(), c.reason.as_str()))
                .collect::<Vec<_>>(),
            [("a1", "removeFromCRL"), ("a2", "removeFromCRL")],
            "{}",
            t.name
        );
        // A lost card: revoked with keyCompromise, once.
        s.revoke_cards_of(&card.national_code, &because("citizen", "reported lost"))
            .await
            .unwrap();
        let all = s.authority_changes("citizen-ca").await.unwrap();
        let reasons: Vec<&str> = all
            .iter()
            .filter(|c| c.serial == "a1")
            .map(|c| c.reason.as_str())
            .collect();
        assert_eq!(
            reasons,
            ["certificateHold", "removeFromCRL", "keyCompromise"]
        );
        assert!(all.windows(2).all(|w| w[0].id < w[1].id));
        s.revoke_cards_of(&card.national_code, &because("citizen", "again"))
            .await
            .unwrap();
        assert_eq!(
            s.authority_changes("citizen-ca").await.unwrap().len(),
            all.len()
        );
        // Numbers go on from where they stopped.
        queue(&t, 310, 1, "10001").await;
        let next = s
            .form_batches("1405-09-04", 1000, &ch("system"))
            .await
            .unwrap();
        let later = s.batch_documents(next[0].id).await.unwrap();
        assert!(later[0].document_number > docs[2].document_number);
        t.cleanup().await;
    }
}

use super::*;

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

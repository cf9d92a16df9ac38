use super::*;

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

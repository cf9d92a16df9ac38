use super::*;

#[tokio::test]
async fn ready_sms_delivery_reports_and_status_by_sms_through_kannel() {
    if !sms::testing::kannel_available_or_skip("ready_sms_through_kannel") {
        return;
    }
    let db = TestStore::sqlite().await;
    db.store
        .upsert_persons(&[person(1), person(2)])
        .await
        .unwrap();
    db.store
        .upsert_offices(&[office("30-0001").build()])
        .await
        .unwrap();
    let (state, kannel) = served_with_kannel(&db).await;

    let (tc, app_id) = ready(&state, 1).await;
    let sent = server::cards::workers::send_sms(&state, 100, 16)
        .await
        .unwrap();
    assert_eq!(sent.sent, 1);
    let got = kannel.wait_for(1, Duration::from_secs(15)).await.unwrap();
    assert!(got[0].to.ends_with("9350000001"), "{:?}", got[0]);
    assert!(got[0].text.contains("آمادهٔ تحویل"), "{}", got[0].text);
    assert!(got[0]
        .text
        .contains(&domain::text::to_persian_digits(tc.as_str())));
    assert!(got[0].text.contains("دفتر پیشخوان کرج"));
    // The delivery report marks it delivered.
    eventually("the delivery report", || async {
        state.store.sms_of(app_id).await.unwrap()[0].state == SmsState::Delivered
    })
    .await;

    // Status by SMS: the number is person 1's, and so is the code (in Persian digits, with words around it).
    let asked = format!(
        "وضعیت {}",
        domain::text::to_persian_digits(code(1).as_str())
    );
    kannel.inject_mo(&mobile(1), &asked).await.unwrap();
    // Person 2's number asks about person 1's code: nothing is revealed.
    kannel
        .inject_mo(&mobile(2), code(1).as_str())
        .await
        .unwrap();
    let mut replies = Vec::new();
    for _ in 0..100 {
        let r = server::cards::workers::send_sms(&state, 100, 16)
            .await
            .unwrap();
        if r.sent > 0 {
            replies = kannel
                .wait_for(1 + replies.len() + r.sent as usize, Duration::from_secs(15))
                .await
                .unwrap()[1..]
                .to_vec();
        }
        if replies.len() >= 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(replies.len(), 2, "two replies: {replies:?}");
    let to_1 = replies
        .iter()
        .find(|r| r.to.ends_with("9350000001"))
        .unwrap();
    let to_2 = replies
        .iter()
        .find(|r| r.to.ends_with("9350000002"))
        .unwrap();
    assert!(to_1.text.contains("آمادهٔ تحویل در دفتر"), "{}", to_1.text);
    assert!(to_1.text.contains("دفتر پیشخوان کرج"), "{}", to_1.text);
    assert_eq!(to_2.text, server::kannel::NOTHING_FOUND);
}

#[tokio::test]
async fn a_gateway_that_stays_down_fails_the_message_and_flags_the_number() {
    let db = TestStore::sqlite().await;
    db.store.upsert_persons(&[person(3)]).await.unwrap();
    db.store
        .upsert_offices(&[office("30-0001").build()])
        .await
        .unwrap();
    // Nothing listens on this port.
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let state = AppState::new(
        db.store.clone(),
        Settings {
            sms_max_attempts: 2,
            ..Settings::default()
        },
    )
    .with_services(|s| {
        s.sms = Arc::new(sms::KannelSender::new(sms::KannelConfig {
            sendsms_url: format!("http://{closed}/cgi-bin/sendsms"),
            username: "u".into(),
            password: "p".into(),
            from: "6090".into(),
            dlr_url: "http://127.0.0.1:1/sms/dlr".into(),
        }));
    });
    let (_, app_id) = ready(&state, 3).await;
    let first = server::cards::workers::send_sms(&state, 10, 4)
        .await
        .unwrap();
    assert_eq!(first.retried, 1);
    let msg = &state.store.sms_of(app_id).await.unwrap()[0];
    assert_eq!((msg.state, msg.attempts), (SmsState::Pending, 1));
    assert!(msg.last_error.is_some());
    // Not due again before its back-off.
    assert_eq!(
        server::cards::workers::send_sms(&state, 10, 4)
            .await
            .unwrap(),
        Default::default()
    );
    db.exec_raw(
        "UPDATE sms_outbox SET next_attempt_at = '2000-01-01T00:00:00Z'",
        "UPDATE sms_outbox SET next_attempt_at = '2000-01-01T00:00:00Z'",
    )
    .await;
    let second = server::cards::workers::send_sms(&state, 10, 4)
        .await
        .unwrap();
    assert_eq!(second.failed, 1);
    assert_eq!(
        state.store.sms_of(app_id).await.unwrap()[0].state,
        SmsState::Failed
    );
    assert!(state.store.sms_flagged(app_id).await.unwrap());
}

#[tokio::test]
async fn reminders_the_end_of_the_pickup_period_and_unanswered_claims() {
    let db = TestStore::sqlite().await;
    db.store
        .upsert_persons(&[person(5), person(6)])
        .await
        .unwrap();
    db.store
        .upsert_offices(&[office("30-0001").build()])
        .await
        .unwrap();
    let state = AppState::new(db.store.clone(), Settings::default());
    let (tc, app_id) = ready(&state, 5).await;
    let back = |days: i64| {
        let at = (Utc::now() - chrono::Duration::days(days)).to_rfc3339();
        format!("UPDATE cards SET ready_at = '{at}'")
    };
    // Nothing is due on the day the card arrives.
    assert_eq!(server::cards::workers::remind(&state).await.unwrap(), 0);
    db.exec_raw(&back(8), "").await;
    assert_eq!(server::cards::workers::remind(&state).await.unwrap(), 1);
    assert_eq!(
        server::cards::workers::remind(&state).await.unwrap(),
        0,
        "once"
    );
    db.exec_raw(&back(31), "").await;
    assert_eq!(server::cards::workers::remind(&state).await.unwrap(), 1);
    let kinds: Vec<String> = state
        .store
        .sms_of(app_id)
        .await
        .unwrap()
        .into_iter()
        .map(|m| m.kind.split(':').next().unwrap().to_string())
        .collect();
    assert_eq!(kinds, ["ready", "reminder_7", "reminder_30"]);
    let reminder = &state.store.sms_of(app_id).await.unwrap()[1];
    assert!(reminder.text.contains("یادآوری"), "{}", reminder.text);
    assert!(reminder
        .text
        .contains(&domain::text::to_persian_digits(tc.as_str())));
    // Past the pickup period (90 days): uncollected, with the reason.
    assert_eq!(
        server::cards::workers::expire_pickups(&state)
            .await
            .unwrap(),
        0
    );
    db.exec_raw(&back(91), "").await;
    assert_eq!(
        server::cards::workers::expire_pickups(&state)
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        state.store.application(&tc).await.unwrap().unwrap().state,
        ApplicationState::Uncollected
    );
    let card = state
        .store
        .card_of_application(app_id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        card.uncollected_reason,
        Some(domain::UncollectedReason::None)
    );

    // A claim the manufacturer never answers: its cards go back in the queue after the timeout (72 hours).
    let s = &state.store;
    let tc6 = TrackingCode::from_body(6 * 7_777 + 3);
    let new = NewApplication {
        tracking_code: tc6,
        national_code: code(6),
        reason: Reason::FirstIssue,
        channel: Channel::Portal,
        mobile: Mobile::parse(&mobile(6)).unwrap(),
        fee_rials: 250_000,
        filing_office: None,
        province: None,
        actor: "citizen".into(),
        at: Utc::now(),
    };
    s.file_application(&new).await.unwrap();
    s.transition(
        &tc6,
        ApplicationState::AwaitingPayment,
        Event::PaymentSettled,
        &ch("bank"),
    )
    .await
    .unwrap();
    let office = OfficeId::parse("30-0001").unwrap();
    s.book(
        &tc6,
        &office,
        JalaliDate::parse("1405-09-10").unwrap(),
        &ch("citizen"),
    )
    .await
    .unwrap();
    let mut e = state.store.enrollment(&tc).await.unwrap().unwrap();
    e.holder.national_code = code(6).as_str().into();
    let Enrolled::Done { application_id } = s
        .enroll(&NewEnrollment {
            tracking_code: tc6,
            office: office.clone(),
            birth_certificate_seen: true,
            old_card_collected: false,
            holder: e.holder,
            fingers: vec![],
            photo_key: "p".into(),
            card_photo_key: "c".into(),
            signature_key: "s".into(),
            templates_key: "t".into(),
            personalisation_key: "k".into(),
            change: ch("operator:op"),
        })
        .await
        .unwrap()
    else {
        panic!("not enrolled")
    };
    s.record_dedup(application_id, &[], Utc::now())
        .await
        .unwrap();
    assert_eq!(
        server::cards::workers::form_batches(&state)
            .await
            .unwrap()
            .len(),
        1
    );
    let vendor = s.vendor_by_key("h").await.unwrap().unwrap().id;
    let batch = s.claim_batch(vendor, Utc::now()).await.unwrap().unwrap();
    assert_eq!(
        server::cards::workers::expire_claims(&state).await.unwrap(),
        0
    );
    let old = (Utc::now() - chrono::Duration::hours(73)).to_rfc3339();
    db.exec_raw(
        &format!(
            "UPDATE batches SET claimed_at = '{old}' WHERE id = {}",
            batch.id
        ),
        "",
    )
    .await;
    assert_eq!(
        server::cards::workers::expire_claims(&state).await.unwrap(),
        1
    );
    assert_eq!(
        s.application(&tc6).await.unwrap().unwrap().state,
        ApplicationState::Enrolled
    );
    let h = s.history(&tc6).await.unwrap();
    assert_eq!(
        h[h.len() - 2]
            .reason
            .as_ref()
            .map(ToString::to_string)
            .as_deref(),
        Some("the manufacturer did not answer in time")
    );
    assert_eq!(s.production_queue_len().await.unwrap(), 1);
}

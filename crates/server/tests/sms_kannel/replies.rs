use super::*;

/// Status replies through a real Kannel (F6): a phone texting the short number again and again gets at most
/// `sms_replies_per_number_per_hour` replies at the fake SMS centre; another number is still answered.
#[tokio::test]
async fn replies_through_kannel_are_limited_per_number() {
    if !sms::testing::kannel_available_or_skip("replies_through_kannel_are_limited_per_number") {
        return;
    }
    let db = TestStore::sqlite().await;
    db.store
        .upsert_persons(&[person(12), person(13)])
        .await
        .unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let kannel = sms::testing::KannelHarness::start(&format!("http://{addr}"))
        .await
        .unwrap();
    let settings = Settings {
        sms_replies_per_number_per_hour: 2,
        ..Settings::default()
    };
    let state = AppState::new(db.store.clone(), settings).with_services(|s| {
        s.sms = Arc::new(
            sms::KannelSender::new(kannel.sendsms_config()).with_dlr_tokens(s.dlr_tokens.clone()),
        );
    });
    let app = server::router(state.clone());
    tokio::spawn(async move {
        axum::serve(
            listener,
            app.into_make_service_with_connect_info::<std::net::SocketAddr>(),
        )
        .await
        .unwrap();
    });

    for _ in 0..4 {
        kannel
            .inject_mo(&mobile(12), code(12).as_str())
            .await
            .unwrap();
    }
    kannel
        .inject_mo(&mobile(13), code(13).as_str())
        .await
        .unwrap();
    let to = |n: u32| {
        let number = mobile(n);
        kannel
            .received()
            .iter()
            .filter(|r| r.to.ends_with(&number[1..]))
            .count()
    };
    for _ in 0..150 {
        server::cards::workers::send_sms(&state, 100, 16)
            .await
            .unwrap();
        if to(12) >= 2 && to(13) >= 1 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // A while more for anything over the limit to show up.
    for _ in 0..15 {
        server::cards::workers::send_sms(&state, 100, 16)
            .await
            .unwrap();
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!((to(12), to(13)), (2, 1), "{:?}", kannel.received());
}

/// Chapar through a real Kannel: the holder's typed number is dead (its "ready" message failed for good), the
/// same message goes to the other number registered to the national code, the fake SMS centre receives it there,
/// its delivery report comes back, the holder is not flagged as unreachable, and the card is collected.
#[tokio::test]
async fn chapar_reaches_a_holder_whose_typed_number_is_dead() {
    if !sms::testing::kannel_available_or_skip("chapar_through_kannel") {
        return;
    }
    let db = TestStore::sqlite().await;
    let linked = "09390000003";
    let mut p = person(3);
    p.mobiles.push(Mobile::parse(linked).unwrap());
    db.store.upsert_persons(&[p]).await.unwrap();
    db.store
        .upsert_offices(&[office("30-0001").build()])
        .await
        .unwrap();
    let (state, kannel) = served_with_kannel(&db).await;

    let (tc, app_id) = ready(&state, 3).await;
    // The typed number is dead: its message failed for good (the operator's permanent failure).
    let typed = state.store.sms_of(app_id).await.unwrap()[0].clone();
    state
        .store
        .sms_failed(typed.id, "absent subscriber", Utc::now())
        .await
        .unwrap();
    assert!(state.store.sms_flagged(app_id).await.unwrap());

    assert_eq!(
        server::cards::chapar::notify_ready(&state).await.unwrap(),
        1
    );
    let sent = server::cards::workers::send_sms(&state, 100, 16)
        .await
        .unwrap();
    assert_eq!(sent.sent, 1);
    let got = kannel.wait_for(1, Duration::from_secs(15)).await.unwrap();
    assert!(got[0].to.ends_with("9390000003"), "{:?}", got[0]);
    assert!(got[0]
        .text
        .contains(&domain::text::to_persian_digits(tc.as_str())));
    eventually("the linked number's delivery report", || async {
        state
            .store
            .sms_of(app_id)
            .await
            .unwrap()
            .iter()
            .any(|m| m.kind.starts_with("ready_linked:") && m.state == SmsState::Delivered)
    })
    .await;
    assert!(!state.store.sms_flagged(app_id).await.unwrap());
    assert!(state
        .store
        .deliver(
            &tc,
            &OfficeId::parse("30-0001").unwrap(),
            20_000,
            &ch("operator:op")
        )
        .await
        .unwrap());
    assert_eq!(
        state.store.application(&tc).await.unwrap().unwrap().state,
        ApplicationState::Delivered
    );
}

use super::*;

/// The same journey with `[kannel] callback_secret`: Kannel's get-url carries it (as configured in Kannel) and each
/// dlr-url the sender gives Kannel carries it with the message's token; a caller without it is refused.
#[tokio::test]
async fn kannel_with_a_callback_secret_and_callers_without_it_refused() {
    if !sms::testing::kannel_available_or_skip("kannel_with_a_callback_secret") {
        return;
    }
    let db = TestStore::sqlite().await;
    db.store
        .upsert_persons(&[person(7), person(8)])
        .await
        .unwrap();
    kannel_office(&db).await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let kannel = sms::testing::KannelHarness::start_with_secret(&format!("http://{addr}"), SECRET)
        .await
        .unwrap();
    let settings = Settings {
        kannel_access: GatewayAccess {
            secret: Some(SECRET.into()),
            allow: vec![],
        },
        ..Settings::default()
    };
    let state = AppState::new(db.store.clone(), settings).with_services(|s| {
        s.sms = Arc::new(
            sms::KannelSender::new(kannel.sendsms_config())
                .with_dlr_tokens(s.dlr_tokens.clone())
                .with_callback_secret(SECRET),
        );
    });
    let app = server::router(state.clone());
    let served = app.clone();
    tokio::spawn(async move {
        axum::serve(
            listener,
            served.into_make_service_with_connect_info::<std::net::SocketAddr>(),
        )
        .await
        .unwrap();
    });

    // The "ready" SMS, and its delivery report through Kannel's dlr-url (secret and token).
    let (_, app_id) = ready(&state, 7).await;
    assert_eq!(
        server::cards::workers::send_sms(&state, 100, 16)
            .await
            .unwrap()
            .sent,
        1
    );
    kannel.wait_for(1, Duration::from_secs(15)).await.unwrap();
    eventually("the delivery report with the secret", || async {
        state.store.sms_of(app_id).await.unwrap()[0].state == SmsState::Delivered
    })
    .await;

    // A citizen's SMS through Kannel's get-url (with the secret) gets its reply.
    kannel
        .inject_mo(&mobile(7), code(7).as_str())
        .await
        .unwrap();
    let mut got = Vec::new();
    for _ in 0..100 {
        let r = server::cards::workers::send_sms(&state, 100, 16)
            .await
            .unwrap();
        if r.sent > 0 {
            got = kannel.wait_for(2, Duration::from_secs(15)).await.unwrap();
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(got.len(), 2, "{got:?}");
    assert!(got[1].text.contains("آمادهٔ تحویل"), "{}", got[1].text);

    // The same calls without the secret, even from this machine, are refused and change nothing.
    let incoming = format!("/sms/incoming?from={}&to=6090&text={}", mobile(8), code(8));
    assert_eq!(
        get_from(&app, "127.0.0.1", &incoming).await,
        StatusCode::FORBIDDEN
    );
    let wrong = format!(
        "/sms/incoming?secret=not-the-secret&from={}&to=6090&text=x",
        mobile(8)
    );
    assert_eq!(
        get_from(&app, "127.0.0.1", &wrong).await,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        server::cards::workers::send_sms(&state, 100, 16)
            .await
            .unwrap()
            .sent,
        0,
        "no reply was queued"
    );
    let msg_id = state.store.sms_of(app_id).await.unwrap()[0].id;
    let token = state.services.dlr_tokens.token(msg_id);
    let no_secret = format!("/sms/dlr?id={msg_id}&token={token}&status=16&answer=forged");
    assert_eq!(
        get_from(&app, "127.0.0.1", &no_secret).await,
        StatusCode::FORBIDDEN
    );
    let no_token = format!("/sms/dlr?secret={SECRET}&id={msg_id}&status=16&answer=forged");
    assert_eq!(
        get_from(&app, "127.0.0.1", &no_token).await,
        StatusCode::FORBIDDEN
    );
    let m = &state.store.sms_of(app_id).await.unwrap()[0];
    assert_eq!(
        (m.state, m.last_error.as_deref()),
        (SmsState::Delivered, None)
    );
}

/// Through the router: forged delivery reports (sequential ids, no token or another message's), callers that are
/// not Kannel, and incoming SMS that would make the service send SMS without end.
#[tokio::test]
async fn forged_reports_strangers_and_sms_pumping_are_refused() {
    let db = TestStore::sqlite().await;
    db.store.upsert_persons(&[person(9)]).await.unwrap();
    let settings = Settings {
        sms_replies_per_number_per_hour: 2,
        sms_replies_per_minute: 5,
        ..Settings::default()
    };
    let state = AppState::new(db.store.clone(), settings);
    let app = server::router(state.clone());
    let to = Mobile::parse(&mobile(9)).unwrap();
    let id = state
        .store
        .enqueue_sms(None, &to, "status_reply", "متن", Utc::now())
        .await
        .unwrap()
        .unwrap();
    let pending = || async {
        let m = state.store.sms_by_id(id).await.unwrap().unwrap();
        (m.state, m.last_error)
    };
    let dlr =
        |token: &str, id: i64| format!("/sms/dlr?id={id}&token={token}&status=16&answer=forged");
    let right = state.services.dlr_tokens.token(id);
    let other = state.services.dlr_tokens.token(id + 1);
    // No token, another message's token, a token of the wrong length: refused, the message untouched.
    for uri in [
        format!("/sms/dlr?id={id}&status=16&answer=forged"),
        dlr(&other, id),
        dlr(&right[..20], id),
    ] {
        assert_eq!(
            get_from(&app, "127.0.0.1", &uri).await,
            StatusCode::FORBIDDEN,
            "{uri}"
        );
    }
    // The right token from another machine (the default is this machine only): refused.
    assert_eq!(
        get_from(&app, "192.0.2.40", &dlr(&right, id)).await,
        StatusCode::FORBIDDEN
    );
    assert_eq!(pending().await, (SmsState::Pending, None));
    // Kannel's own report is taken.
    assert_eq!(
        get_from(&app, "127.0.0.1", &dlr(&right, id)).await,
        StatusCode::OK
    );
    assert_eq!(pending().await, (SmsState::Failed, Some("forged".into())));
    let sent = |state: AppState| async move {
        server::cards::workers::send_sms(&state, 1000, 4)
            .await
            .unwrap()
            .sent
    };
    assert_eq!(sent(state.clone()).await, 0);

    // Incoming SMS from another machine: refused, nothing queued.
    let mo =
        |from: &str| format!("/sms/incoming?from={from}&to=6090&text=%D8%B3%D9%84%D8%A7%D9%85");
    assert_eq!(
        get_from(&app, "192.0.2.40", &mo(&mobile(9))).await,
        StatusCode::FORBIDDEN
    );
    assert_eq!(sent(state.clone()).await, 0);
    // One number: at most 2 replies an hour (Kannel is still answered 200).
    for _ in 0..4 {
        assert_eq!(
            get_from(&app, "127.0.0.1", &mo(&mobile(9))).await,
            StatusCode::OK
        );
    }
    assert_eq!(sent(state.clone()).await, 2);
    // All numbers: at most 5 a minute, 2 of them taken already.
    for n in 20..26 {
        assert_eq!(
            get_from(&app, "127.0.0.1", &mo(&mobile(n))).await,
            StatusCode::OK
        );
    }
    assert_eq!(sent(state.clone()).await, 3);
}

/// With a secret, Kannel may call from anywhere; a form POST may carry the secret in the URL and its fields in the
/// body.
#[tokio::test]
async fn a_secret_admits_kannel_from_elsewhere_and_a_posted_form() {
    let db = TestStore::sqlite().await;
    let settings = Settings {
        kannel_access: GatewayAccess {
            secret: Some(SECRET.into()),
            allow: vec![],
        },
        ..Settings::default()
    };
    let state = AppState::new(db.store.clone(), settings);
    let app = server::router(state.clone());
    let mut req = Request::post(format!("/sms/incoming?secret={SECRET}"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(Body::from(format!("from={}&to=6090&text=hi", mobile(30))))
        .unwrap();
    req.extensions_mut().insert(ConnectInfo(
        "10.9.8.7:5000".parse::<std::net::SocketAddr>().unwrap(),
    ));
    assert_eq!(testkit::send(&app, req).await.status, StatusCode::OK);
    let mut req = Request::post("/sms/incoming")
        .header("x-gateway-secret", SECRET)
        .body(Body::from(format!("from={}&to=6090&text=hi", mobile(31))))
        .unwrap();
    req.extensions_mut().insert(ConnectInfo(
        "10.9.8.7:5000".parse::<std::net::SocketAddr>().unwrap(),
    ));
    assert_eq!(testkit::send(&app, req).await.status, StatusCode::OK);
    assert_eq!(
        server::cards::workers::send_sms(&state, 100, 4)
            .await
            .unwrap()
            .sent,
        2
    );
}

use super::*;

#[tokio::test]
async fn replayed_and_reordered_callbacks_pay_each_application_once() {
    use rand::seq::SliceRandom;
    for app in TestApp::all().await {
        let n = 12;
        let persons: Vec<Person> = (1..=n).map(|i| registered(i).build()).collect();
        seed(&app, &persons).await;
        let bank = app.state.services.sandbox_bank.clone().unwrap();
        let mut tokens = Vec::new();
        let mut codes = Vec::new();
        for i in 1..=n {
            let tc = app.file(&body_for(i)).await;
            // Two attempts per application, both paid at the bank; some a third, cancelled.
            for k in 0..3 {
                let t = token_of(&app, &tc).await;
                let outcome = if k < 2 {
                    payments::sandbox::Outcome::Success
                } else {
                    payments::sandbox::Outcome::Cancel
                };
                bank.pay(&t, outcome).await.unwrap();
                tokens.push(t);
            }
            codes.push(tc);
        }
        // Every callback twice, in random order, all at once; plus forged ones.
        let mut calls: Vec<String> = tokens.iter().chain(tokens.iter()).cloned().collect();
        calls.push("forged-token".into());
        calls.shuffle(&mut rand::rng());
        let mut tasks = tokio::task::JoinSet::new();
        for t in calls {
            let router = app.router.clone();
            tasks.spawn(async move {
                let req = testkit::Call::new(&router, "POST", "/api/v1/payments/callback")
                    .json(&json!({"token": t, "status": "OK"}))
                    .request();
                let status = testkit::send(&router, req).await.status;
                (t, status)
            });
        }
        while let Some(r) = tasks.join_next().await {
            let (t, s) = r.unwrap();
            if t == "forged-token" {
                assert_eq!(s, StatusCode::NOT_FOUND);
            } else {
                assert_eq!(s, StatusCode::OK, "{}", app.db.name);
            }
        }
        for (i, tc) in codes.iter().enumerate() {
            let tcv = domain::TrackingCode::parse(tc).unwrap();
            let pays = app.db.store.payments_of(&tcv).await.unwrap();
            let states: Vec<&str> = pays.iter().map(|p| p.state.as_str()).collect();
            let settled = states.iter().filter(|s| **s == "settled").count();
            let reversed = states.iter().filter(|s| **s == "reversed").count();
            assert_eq!((settled, reversed), (1, 1), "{}: {states:?}", app.db.name);
            assert!(states.contains(&"failed"));
            let h = app.db.store.history(&tcv).await.unwrap();
            assert_eq!(
                h.iter()
                    .filter(|e| e.event.code() == "payment_settled")
                    .count(),
                1
            );
            assert_eq!(
                status_of(&app, i as u32 + 1, tc).await["state"],
                "awaiting_appointment"
            );
            // The bank agrees: one settled, one reversed.
            let mut bank_states = Vec::new();
            for p in &pays {
                bank_states.push(
                    bank.transaction(p.token.as_deref().unwrap())
                        .await
                        .unwrap()
                        .unwrap()
                        .state,
                );
            }
            bank_states.sort();
            assert_eq!(bank_states, ["cancelled", "reversed", "settled"]);
        }
    }
}

#[tokio::test]
async fn a_lost_callback_is_repaired_by_the_reconciler() {
    let db = TestStore::sqlite().await;
    let app = on(db, quiet()).await;
    seed(&app, &[registered(1).build(), registered(2).build()]).await;
    let tc = app.file(&body_for(1)).await;
    let token = token_of(&app, &tc).await;
    let unpaid_tc = app.file(&body_for(2)).await;
    let unpaid = token_of(&app, &unpaid_tc).await;
    // A callback before the customer paid (forged, or early) changes nothing.
    let (s, b) = app
        .post_json("/api/v1/payments/callback", &json!({"token": unpaid}))
        .await
        .status_json();
    assert_eq!(
        (s, b["payment_state"].as_str()),
        (StatusCode::OK, Some("pending"))
    );
    // The customer pays; the callback never arrives (the browser closed, or we crashed).
    let bank = app.state.services.sandbox_bank.clone().unwrap();
    bank.pay(&token, payments::sandbox::Outcome::Success)
        .await
        .unwrap();
    assert_eq!(status_of(&app, 1, &tc).await["state"], "awaiting_payment");
    let n = server::payment::reconcile(&app.state, chrono::Duration::zero())
        .await
        .unwrap();
    assert_eq!(n, 2);
    assert_eq!(
        status_of(&app, 1, &tc).await["state"],
        "awaiting_appointment"
    );
    assert_eq!(
        status_of(&app, 2, &unpaid_tc).await["state"],
        "awaiting_payment"
    );
    // A crash after the bank verified but before our write: the bank says verified; verifying again repairs it.
    let tc3 = {
        app.db
            .store
            .upsert_persons(&[registered(3).build()])
            .await
            .unwrap();
        app.file(&body_for(3)).await
    };
    let t3 = token_of(&app, &tc3).await;
    bank.pay(&t3, payments::sandbox::Outcome::Success)
        .await
        .unwrap();
    bank.verify(&t3).await.unwrap();
    server::payment::reconcile(&app.state, chrono::Duration::zero())
        .await
        .unwrap();
    assert_eq!(
        status_of(&app, 3, &tc3).await["state"],
        "awaiting_appointment"
    );
    assert_eq!(
        bank.transaction(&t3).await.unwrap().unwrap().state,
        "settled"
    );
}

#[tokio::test]
async fn the_http_gateway_talks_to_the_sandbox_bank_over_tcp() {
    let db = TestStore::sqlite().await;
    let app = on(db, quiet()).await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let router = app.router.clone();
    tokio::spawn(async move { axum::serve(listener, router).await });
    let g = payments::http::HttpGateway::new(
        format!("http://{addr}/sandbox-bank/v1"),
        std::time::Duration::from_secs(5),
    )
    .unwrap();
    let t = g
        .token(&payments::TokenRequest {
            order_id: 1,
            amount_rials: 250_000,
            callback_url: "/cb".into(),
        })
        .await
        .unwrap();
    assert!(t.redirect_url.contains(&t.token));
    assert_eq!(
        g.verify(&t.token).await.unwrap(),
        payments::Verification::Pending
    );
    let bank = app.state.services.sandbox_bank.clone().unwrap();
    bank.pay(&t.token, payments::sandbox::Outcome::Success)
        .await
        .unwrap();
    let v = g.verify(&t.token).await.unwrap();
    assert!(
        matches!(
            v,
            payments::Verification::Paid {
                amount_rials: 250_000,
                ..
            }
        ),
        "{v:?}"
    );
    assert_eq!(g.verify(&t.token).await.unwrap(), v, "verify is repeatable");
    g.settle(&t.token).await.unwrap();
    g.settle(&t.token).await.unwrap();
    assert!(matches!(
        g.reverse(&t.token).await,
        Err(payments::GatewayError::Refused(_))
    ));
    assert!(matches!(
        g.verify("nope").await,
        Err(payments::GatewayError::Refused(_))
    ));
}

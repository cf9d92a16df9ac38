use super::*;

#[tokio::test]
async fn service_code_missing_fields_and_bodies() {
    let app = ussd_app(TestStore::sqlite().await, quiet()).await;
    let wrong = form(
        &app,
        &[
            ("sessionId", "a"),
            ("serviceCode", "*4*6091#"),
            ("phoneNumber", FAMILY),
            ("text", ""),
        ],
    )
    .await;
    well_formed(&wrong);
    assert_eq!(wrong.text(), format!("END {}", screens::WRONG_SERVICE));
    // Spaces and Persian digits in the service code are the same code.
    let spaced = form(
        &app,
        &[
            ("sessionId", "b"),
            ("serviceCode", " *۴*۶۰۹۰# "),
            ("phoneNumber", FAMILY),
            ("text", ""),
        ],
    )
    .await;
    well_formed(&spaced);
    assert!(spaced.text().starts_with("CON کارت هوشمند ملی"));
    // Missing fields: still a 200 screen.
    for fields in [
        vec![],
        vec![("text", "1")],
        vec![("sessionId", "c"), ("text", "1")],
        vec![("serviceCode", SERVICE), ("phoneNumber", FAMILY)],
    ] {
        let a = form(&app, &fields).await;
        well_formed(&a);
        assert!(a.text().starts_with("END "), "{fields:?}: {}", a.text());
    }
    // No text at all is the first request.
    let a = form(
        &app,
        &[
            ("sessionId", "d"),
            ("serviceCode", SERVICE),
            ("phoneNumber", FAMILY),
        ],
    )
    .await;
    well_formed(&a);
    assert!(a.text().starts_with("CON کارت هوشمند ملی"));
    // A form without a content type is read as a form; broken percent-encoding is read as best it can be.
    let a = raw(
        &app,
        None,
        format!("sessionId=e&serviceCode=%2A4%2A6090%23&phoneNumber={FAMILY}&text=2"),
    )
    .await;
    well_formed(&a);
    assert!(a.text().starts_with("CON کد ملی"), "{}", a.text());
    let a = raw(
        &app,
        Some("application/x-www-form-urlencoded"),
        "sessionId=f&serviceCode=%2A4%2A6090%23&text=%FF%FE%ZZ&&&=&text=1".into(),
    )
    .await;
    well_formed(&a);
    // Not a form: the API's error.
    let a = raw(
        &app,
        Some("application/json"),
        json!({"sessionId": "g"}).to_string(),
    )
    .await;
    assert_eq!(a.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let v: Value = serde_json::from_str(&a.text()).unwrap();
    assert_eq!(v["error"]["code"], "invalid_body");
    // Too long a text.
    let long = "1".repeat(1_001);
    assert_eq!(
        ussd(&app, &new_session(), FAMILY, &long).await,
        format!("END {}", screens::TOO_LONG)
    );
    // A long input within the limit is one wrong input.
    let long = "۲".repeat(900);
    assert!(ussd(&app, &new_session(), FAMILY, &long)
        .await
        .starts_with("CON ورودی نادرست است."));
}

#[tokio::test]
async fn a_number_asking_too_often_is_told_to_wait() {
    let settings = Settings {
        captcha: false,
        ..Settings::default()
    };
    let app = ussd_app(TestStore::sqlite().await, settings).await;
    let s = new_session();
    for _ in 0..server::ussd::PER_PHONE_PER_MINUTE {
        assert!(ussd(&app, &s, FAMILY, "").await.starts_with("CON "));
    }
    assert_eq!(
        ussd(&app, &s, FAMILY, "").await,
        format!("END {}", screens::RATE_LIMITED)
    );
    // The same number written otherwise is the same number; another number is not limited.
    assert_eq!(
        ussd(&app, &s, "+989121000001", "").await,
        format!("END {}", screens::RATE_LIMITED)
    );
    assert!(ussd(&app, &new_session(), OWN, "")
        .await
        .starts_with("CON "));
}

#[test]
fn any_input_gets_a_screen() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let app = rt.block_on(async { ussd_app(TestStore::sqlite().await, quiet()).await });
    let mut runner = proptest::test_runner::TestRunner::new(ProptestConfig {
        cases: 400,
        failure_persistence: None,
        ..ProptestConfig::default()
    });
    runner
        .run(&(text(), phone(), any::<bool>()), |(text, phone, same)| {
            rt.block_on(async {
                let session = if same {
                    "shared".to_string()
                } else {
                    new_session()
                };
                let a = form(
                    &app,
                    &[
                        ("sessionId", session.as_str()),
                        ("serviceCode", SERVICE),
                        ("phoneNumber", phone.as_str()),
                        ("text", text.as_str()),
                    ],
                )
                .await;
                well_formed(&a);
            });
            Ok(())
        })
        .unwrap();
}

#[tokio::test]
async fn directional_controls_in_stored_office_text_never_reach_the_phone() {
    // An office imported before directional controls were refused: text/plain cannot isolate them, so the
    // screens leave them (and any control character) out.
    let app = ussd_app(TestStore::sqlite().await, quiet()).await;
    let spoofed = Office {
        name: "دفتر \u{202E}نوگژاو\u{202C}".into(),
        city: "کرج\u{2067}".into(),
        address: "خیابان \u{2066}بهشتی\u{2069}".into(),
        ..office()
    };
    app.db.store.upsert_offices(&[spoofed]).await.unwrap();
    let s = new_session();
    let waits = ussd(&app, &s, FAMILY, "1*2").await;
    let addr = ussd(&app, &s, FAMILY, "1*2*1").await;
    for screen in [&waits, &addr] {
        assert!(
            !screen.chars().any(domain::text::is_bidi_control),
            "{screen:?}"
        );
    }
    assert!(waits.contains("در دفتر نوگژاو"), "{waits}");
    assert_eq!(addr, "END دفتر نوگژاو\nکرج، خیابان بهشتی");
}

#[tokio::test]
async fn only_the_gateway_may_ask() {
    let db = TestStore::sqlite().await;
    let app = ussd_app(db, quiet()).await;
    let router_with = |access: GatewayAccess, limit: Option<u32>| {
        server::router(AppState::new(
            app.db.store.clone(),
            Settings {
                ussd_access: access,
                rate_limits: limit.is_some(),
                ussd_per_client_per_minute: limit.unwrap_or(6_000),
                ..quiet()
            },
        ))
    };
    let forbidden = |(st, body): (StatusCode, String)| {
        assert_eq!(st, StatusCode::FORBIDDEN, "{body}");
        let v: Value = serde_json::from_str(&body).unwrap();
        assert_eq!(v["error"]["code"], "forbidden");
        assert!(!body.contains("CON "), "{body}");
    };
    let served = |(st, body): (StatusCode, String)| {
        assert_eq!(st, StatusCode::OK, "{body}");
        assert!(body.starts_with("CON کارت هوشمند ملی"), "{body}");
    };

    // Nothing configured: this machine only, and not through a proxy.
    let local = router_with(GatewayAccess::default(), None);
    served(from_peer(&local, Some("127.0.0.1"), "/ussd", &[], FAMILY).await);
    served(from_peer(&local, Some("[::1]"), "/ussd", &[], FAMILY).await);
    forbidden(from_peer(&local, Some("192.0.2.10"), "/ussd", &[], FAMILY).await);
    forbidden(
        from_peer(
            &local,
            Some("127.0.0.1"),
            "/ussd",
            &[("x-forwarded-for", "192.0.2.10")],
            FAMILY,
        )
        .await,
    );
    forbidden(from_peer(&local, None, "/ussd", &[], FAMILY).await);

    // A secret: from anywhere with it (header or URL), from nowhere without it.
    let secret = "ussd-gateway-secret-0123456789";
    let with_secret = router_with(
        GatewayAccess {
            secret: Some(secret.into()),
            allow: vec![],
        },
        None,
    );
    let h = [("x-gateway-secret", secret)];
    served(from_peer(&with_secret, Some("192.0.2.10"), "/ussd", &h, FAMILY).await);
    served(
        from_peer(
            &with_secret,
            Some("192.0.2.10"),
            &format!("/ussd?secret={secret}"),
            &[],
            FAMILY,
        )
        .await,
    );
    forbidden(from_peer(&with_secret, Some("127.0.0.1"), "/ussd", &[], FAMILY).await);
    forbidden(
        from_peer(
            &with_secret,
            Some("127.0.0.1"),
            "/ussd",
            &[("x-gateway-secret", "ussd-gateway-secret-012345678")],
            FAMILY,
        )
        .await,
    );

    // An allow-list: only those addresses.
    let listed = router_with(
        GatewayAccess {
            secret: None,
            allow: server::client::parse_networks(&["10.20.0.0/24".into()]).unwrap(),
        },
        None,
    );
    served(from_peer(&listed, Some("10.20.0.7"), "/ussd", &[], FAMILY).await);
    forbidden(from_peer(&listed, Some("10.20.1.7"), "/ussd", &[], FAMILY).await);
    forbidden(from_peer(&listed, Some("127.0.0.1"), "/ussd", &[], FAMILY).await);

    // A limit per client, whatever number it names.
    let limited = router_with(GatewayAccess::default(), Some(3));
    for n in 0..3 {
        let phone = format!("0912000000{n}");
        served(from_peer(&limited, Some("127.0.0.1"), "/ussd", &[], &phone).await);
    }
    let (st, body) = from_peer(&limited, Some("127.0.0.1"), "/ussd", &[], "09120000009").await;
    assert_eq!(st, StatusCode::TOO_MANY_REQUESTS, "{body}");
}

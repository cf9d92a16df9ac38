//! The citizen's journey through the JSON API, on SQLite and on PostgreSQL: pre-registration and its refusals,
//! payment through the sandbox bank (callbacks replayed and reordered, a lost callback repaired), offices by free
//! capacity, booking, status with its rate limits, walk-ins by a logged-in operator, idempotency keys, the
//! captcha, and the HTTP gateway adapter against the sandbox bank served over TCP.

#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

use axum::http::StatusCode;
use domain::{JalaliDate, Person, Role};
use payments::Gateway;
use serde_json::{json, Value};
use server::Settings;
use testkit::{code, mobile, office, quiet, today, PersonBuilder, TestApp, TestStore};

/// Person `n` of the registry, whose mother's name the filings below write with a zero-width non-joiner.
fn registered(n: u32) -> PersonBuilder {
    PersonBuilder::new(n).mother("فاطمه زهرا")
}

/// Person `n`'s filing as a phone keyboard may send it: Persian digits, `+98`, the mother's name joined.
fn body_for(n: u32) -> Value {
    let birth = JalaliDate::parse("1370-05-12").unwrap();
    json!({
        "national_code": domain::text::to_persian_digits(code(n).as_str()),
        "birth_certificate": {"series_letter": "ج", "series_number": "12", "serial": "۳۴۵۶۷۸"},
        "birth_date_jalali": "1370-05-12",
        "birth_date_hijri": birth.to_hijri().to_string(),
        "gender": "male",
        "religion": "islam",
        "mother_name": "فاطمه‌زهرا",
        "mobile": format!("+98{}", &mobile(n)[1..]),
        "reason": "first_issue",
    })
}

async fn on(db: TestStore, settings: Settings) -> TestApp {
    TestApp::builder().settings(settings).on(db).await
}

/// The sandbox bank's token for paying `tc` (the applicant's national code read from the store).
async fn token_of(app: &TestApp, tc: &str) -> String {
    let t = domain::TrackingCode::parse(tc).unwrap();
    let nc = app
        .db
        .store
        .application(&t)
        .await
        .unwrap()
        .unwrap()
        .national_code;
    let a = app.start_payment(tc, nc.as_str()).await;
    assert_eq!(a.status, StatusCode::CREATED, "{}", a.text());
    let b = a.json();
    let url = b["redirect_url"].as_str().unwrap();
    url.split("token=").nth(1).unwrap().to_string()
}

async fn status_of(app: &TestApp, n: u32, tc: &str) -> Value {
    let (s, b) = app
        .get(&format!(
            "/api/v1/status?national_code={}&tracking_code={tc}",
            code(n)
        ))
        .await
        .status_json();
    assert_eq!(s, StatusCode::OK, "{b}");
    b
}

async fn seed(app: &TestApp, persons: &[Person]) {
    app.db.store.upsert_persons(persons).await.unwrap();
    app.db
        .store
        .upsert_offices(&[
            office("30-0001").capacity(5).build(),
            office("30-0002").capacity(40).build(),
        ])
        .await
        .unwrap();
}

#[tokio::test]
async fn the_whole_journey_by_api() {
    for app in TestApp::all().await {
        let name = app.db.name;
        seed(&app, &[registered(1).build()]).await;
        let tc = app.file(&body_for(1)).await;
        assert_eq!(status_of(&app, 1, &tc).await["state"], "awaiting_payment");

        // Not paid: no booking.
        let day = app.open_day();
        let nc = code(1).as_str().to_string();
        let book =
            json!({"national_code": nc, "office_id": "30-0001", "date_jalali": day.to_string()});
        let uri = format!("/api/v1/applications/{tc}/appointment");
        let cancel_uri = format!("{uri}?national_code={nc}");
        let (s, b) = app.post_json(&uri, &book).await.status_json();
        assert_eq!(
            (s, b["error"]["code"].as_str()),
            (StatusCode::CONFLICT, Some("application_not_paid")),
            "{name}"
        );

        // Pay at the sandbox bank; the bank performs the callback.
        let token = token_of(&app, &tc).await;
        let (s, b) = app
            .post_json(
                "/sandbox-bank/v1/pay",
                &json!({"token": token, "outcome": "success"}),
            )
            .await
            .status_json();
        assert_eq!(s, StatusCode::OK, "{name}: {b}");
        assert_eq!(b["callback"]["payment_state"], "settled");
        assert_eq!(b["bank_state"], "settled");
        assert_eq!(
            status_of(&app, 1, &tc).await["state"],
            "awaiting_appointment"
        );
        // A second payment is refused now.
        let (s, b) = app
            .post_json(
                &format!("/api/v1/applications/{tc}/payments"),
                &json!({"national_code": nc}),
            )
            .await
            .status_json();
        assert_eq!(
            (s, b["error"]["code"].as_str()),
            (StatusCode::CONFLICT, Some("application_already_paid"))
        );

        // Offices of Alborz by area code, most free first.
        let (s, list) = app
            .get(&format!(
                "/api/v1/offices?area_code=%DB%B0%DB%B2%DB%B6&date_jalali={day}"
            ))
            .await
            .status_json();
        assert_eq!(s, StatusCode::OK, "{list}");
        assert_eq!(list[0]["office_id"], "30-0002");
        assert_eq!(list[0]["free_capacity"], 40);
        assert_eq!(list[1]["free_capacity"], 5);

        let (s, b) = app.post_json(&uri, &book).await.status_json();
        assert_eq!(s, StatusCode::CREATED, "{name}: {b}");
        assert_eq!(b["slot"], 1);
        assert_eq!(b["time"], "07:30");
        assert_eq!(status_of(&app, 1, &tc).await["state"], "appointment_booked");
        let (_, list) = app
            .get(&format!("/api/v1/offices?area_code=026&date_jalali={day}"))
            .await
            .status_json();
        let o1 = list
            .as_array()
            .unwrap()
            .iter()
            .find(|o| o["office_id"] == "30-0001")
            .unwrap();
        assert_eq!(o1["free_capacity"], 4);

        // Cancel frees the place; rebooking works.
        let (s, _) = app
            .call("DELETE", &cancel_uri)
            .json(&json!({}))
            .await
            .status_json();
        assert_eq!(s, StatusCode::NO_CONTENT);
        let (s, b) = app
            .call("DELETE", &cancel_uri)
            .json(&json!({}))
            .await
            .status_json();
        assert_eq!(
            (s, b["error"]["code"].as_str()),
            (StatusCode::CONFLICT, Some("no_appointment"))
        );
        assert_eq!(
            status_of(&app, 1, &tc).await["state"],
            "awaiting_appointment"
        );
        let (s, _) = app.post_json(&uri, &book).await.status_json();
        assert_eq!(s, StatusCode::CREATED);

        // The status shows nothing personal, and needs both codes.
        let st = status_of(&app, 1, &tc).await;
        let keys: Vec<&String> = st.as_object().unwrap().keys().collect();
        assert_eq!(
            keys,
            [
                "state",
                "state_fa",
                "updated_at",
                "updated_at_fa",
                "updated_at_jalali"
            ]
        );
        assert_eq!(st["state_fa"], "نوبت گرفته شده");
        let (s, b) = app
            .get(&format!(
                "/api/v1/status?national_code={}&tracking_code={tc}",
                code(2)
            ))
            .await
            .status_json();
        assert_eq!(
            (s, b["error"]["code"].as_str()),
            (StatusCode::NOT_FOUND, Some("application_not_found"))
        );

        // The history holds every change, with who.
        let tcv = domain::TrackingCode::parse(&tc).unwrap();
        let h = app.db.store.history(&tcv).await.unwrap();
        let events: Vec<&str> = h.iter().map(|e| e.event.code()).collect();
        assert_eq!(
            events,
            [
                "filed",
                "payment_settled",
                "appointment_booked",
                "appointment_cancelled",
                "appointment_booked"
            ]
        );
        assert!(h[1].actor.starts_with("gateway:"));

        // One active application per person.
        let (s, b) = app
            .post_json("/api/v1/applications", &body_for(1))
            .await
            .status_json();
        assert_eq!(
            (s, b["error"]["code"].as_str()),
            (StatusCode::CONFLICT, Some("active_application_exists"))
        );
    }
}

#[tokio::test]
async fn pre_registration_refuses_what_the_registry_does_not_allow() {
    let db = TestStore::sqlite().await;
    let app = on(db, quiet()).await;
    let young = today().add_days(-14 * 366).unwrap().to_string();
    seed(
        &app,
        &[
            registered(1).build(),
            registered(2).dead_on("1402-01-10").build(),
            registered(3).born(&young).build(),
        ],
    )
    .await;
    let refused =
        |s: StatusCode, b: &Value| (s, b["error"]["code"].as_str().unwrap_or("").to_string());
    let cases: Vec<(Value, &str, Option<&str>)> = vec![
        (
            {
                let mut b = body_for(1);
                b["mother_name"] = json!("مریم");
                b
            },
            "registry_mismatch",
            None,
        ),
        (
            {
                let mut b = body_for(1);
                b["birth_certificate"]["serial"] = json!("345679");
                b
            },
            "registry_mismatch",
            None,
        ),
        (
            {
                let mut b = body_for(1);
                b["birth_date_jalali"] = json!("1370-05-13");
                b["birth_date_hijri"] = json!(JalaliDate::parse("1370-05-13")
                    .unwrap()
                    .to_hijri()
                    .to_string());
                b
            },
            "registry_mismatch",
            None,
        ),
        (
            {
                let mut b = body_for(1);
                b["gender"] = json!("female");
                b
            },
            "registry_mismatch",
            None,
        ),
        (body_for(9), "registry_mismatch", None),
        (body_for(2), "deceased", None),
        (
            {
                let mut b = body_for(3);
                b["birth_date_jalali"] = json!(young);
                b["birth_date_hijri"] =
                    json!(JalaliDate::parse(&young).unwrap().to_hijri().to_string());
                b
            },
            "underage",
            None,
        ),
        (
            {
                let mut b = body_for(1);
                b["birth_date_hijri"] = json!(JalaliDate::parse("1370-05-12")
                    .unwrap()
                    .add_days(5)
                    .unwrap()
                    .to_hijri()
                    .to_string());
                b
            },
            "lunar_date_mismatch",
            Some("birth_date_hijri"),
        ),
        (
            {
                let mut b = body_for(1);
                b["mobile"] = json!("09350000000");
                b
            },
            "mobile_not_owned",
            Some("mobile"),
        ),
        (
            {
                let mut b = body_for(1);
                b["national_code"] = json!("0012345678");
                b
            },
            "invalid_national_code",
            Some("national_code"),
        ),
        (
            {
                let mut b = body_for(1);
                b["mobile"] = json!("0912");
                b
            },
            "invalid_mobile",
            Some("mobile"),
        ),
        (
            {
                let mut b = body_for(1);
                b["birth_date_jalali"] = json!("1370-13-01");
                b
            },
            "invalid_date",
            Some("birth_date_jalali"),
        ),
        (
            {
                let mut b = body_for(1);
                b["reason"] = json!("stolen");
                b
            },
            "invalid_reason",
            Some("reason"),
        ),
    ];
    for (body, want, field) in cases {
        let (s, b) = app
            .post_json("/api/v1/applications", &body)
            .await
            .status_json();
        assert_eq!(
            refused(s, &b),
            (StatusCode::UNPROCESSABLE_ENTITY, want.to_string()),
            "{body}: {b}"
        );
        assert_eq!(b["error"]["field"].as_str(), field, "{want}");
        assert!(!b["error"]["message"].as_str().unwrap().is_empty());
        if want == "registry_mismatch" {
            // Never says which field differed.
            assert!(b["error"].get("field").is_none());
        }
    }
    assert_eq!(app.db.store.count_applications().await.unwrap(), 0);
    app.file(&body_for(1)).await;
}

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
    let n = server::journey::pay::reconcile(&app.state, chrono::Duration::zero())
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
    server::journey::pay::reconcile(&app.state, chrono::Duration::zero())
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
async fn walk_ins_need_an_operator_of_an_office() {
    for app in TestApp::all().await {
        seed(&app, &[registered(1).build()]).await;
        let s = &app.db.store;
        app.create_staff("op1", Role::Operator, Some("30-0001"), None)
            .await;
        app.create_staff("admin", Role::NationalAdmin, None, None)
            .await;
        let (st, b) = app
            .post_json(
                "/api/v1/auth/login",
                &json!({"username": "op1", "password": "wrong"}),
            )
            .await
            .status_json();
        assert_eq!(
            (st, b["error"]["code"].as_str()),
            (StatusCode::UNAUTHORIZED, Some("invalid_credentials"))
        );
        let (st, b) = app
            .post_json(
                "/api/v1/auth/login",
                &json!({"username": "OP1", "password": "a good long password"}),
            )
            .await
            .status_json();
        assert_eq!(st, StatusCode::OK, "{b}");
        let token = b["token"].as_str().unwrap().to_string();
        let walk_in = |auth: Option<String>| {
            app.post_json("/api/v1/office/applications", &body_for(1))
                .auth_opt(auth)
        };
        let (st, _, _) = (walk_in(None)).await.parts();
        assert_eq!(st, StatusCode::UNAUTHORIZED);
        let (st, _, _) = (walk_in(Some("Bearer nonsense".into()))).await.parts();
        assert_eq!(st, StatusCode::UNAUTHORIZED);
        let (_, b) = app
            .post_json(
                "/api/v1/auth/login",
                &json!({"username": "admin", "password": "a good long password"}),
            )
            .await
            .status_json();
        let admin = b["token"].as_str().unwrap().to_string();
        let (st, b, _) = (walk_in(Some(format!("Bearer {admin}")))).await.parts();
        assert_eq!(
            (st, b["error"]["code"].as_str()),
            (StatusCode::FORBIDDEN, Some("forbidden"))
        );
        let (st, b, _) = (walk_in(Some(format!("Bearer {token}")))).await.parts();
        assert_eq!(st, StatusCode::CREATED, "{b}");
        let fees = domain::FeeTable::default().for_year(today().year());
        assert_eq!(
            b["fee_rials"],
            fees.issuance_rials + fees.office_service_rials
        );
        let tc = domain::TrackingCode::parse(b["tracking_code"].as_str().unwrap()).unwrap();
        let a = s.application(&tc).await.unwrap().unwrap();
        assert_eq!(a.filing_office.unwrap().as_str(), "30-0001");
        assert_eq!(s.history(&tc).await.unwrap()[0].actor, "operator:op1");
    }
}

#[tokio::test]
async fn idempotency_keys_answer_the_first_answer_again() {
    let db = TestStore::sqlite().await;
    let app = on(db, quiet()).await;
    seed(&app, &[registered(1).build(), registered(2).build()]).await;
    let req = |body: &Value| {
        app.post_json("/api/v1/applications", body)
            .header("idempotency-key", "k-123")
    };
    let (s1, b1, _) = (req(&body_for(1))).await.parts();
    let (s2, b2, h2) = (req(&body_for(1))).await.parts();
    assert_eq!((s1, s2), (StatusCode::CREATED, StatusCode::CREATED));
    assert_eq!(b1, b2);
    assert_eq!(h2.get("idempotent-replayed").unwrap(), "true");
    assert_eq!(app.db.store.count_applications().await.unwrap(), 1);
    let (s3, b3, _) = (req(&body_for(2))).await.parts();
    assert_eq!(
        (s3, b3["error"]["code"].as_str()),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("idempotency_key_reused")
        )
    );
}

#[tokio::test]
async fn status_lookups_are_rate_limited_per_national_code() {
    let db = TestStore::sqlite().await;
    let settings = Settings {
        captcha: false,
        status_per_code_per_minute: 3,
        ..Settings::default()
    };
    let app = on(db, settings).await;
    seed(&app, &[registered(1).build()]).await;
    let tc = app.file(&body_for(1)).await;
    for _ in 0..3 {
        status_of(&app, 1, &tc).await;
    }
    let (s, b, h) = app
        .get(&format!(
            "/api/v1/status?national_code={}&tracking_code={tc}",
            code(1)
        ))
        .await
        .parts();
    assert_eq!(
        (s, b["error"]["code"].as_str()),
        (StatusCode::TOO_MANY_REQUESTS, Some("rate_limited"))
    );
    let wait: u64 = h
        .get("retry-after")
        .unwrap()
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&wait));
}

#[tokio::test]
async fn the_captcha_guards_pre_registration() {
    let db = TestStore::sqlite().await;
    let settings = Settings {
        rate_limits: false,
        ..Settings::default()
    };
    let app = on(db, settings).await;
    seed(&app, &[registered(1).build()]).await;
    let (s, b) = app
        .post_json("/api/v1/applications", &body_for(1))
        .await
        .status_json();
    assert_eq!(
        (s, b["error"]["code"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("captcha_required"))
    );
    let (s, c) = app.get("/api/v1/captcha").await.status_json();
    assert_eq!(s, StatusCode::OK);
    let id = c["captcha_id"].as_str().unwrap().to_string();
    let res = app.get(c["image_url"].as_str().unwrap()).await;
    assert_eq!(res.headers["content-type"], "image/png");
    let answer = app.state.services.captcha.answer(&id).unwrap();
    let mut body = body_for(1);
    body["captcha_id"] = json!(id);
    body["captcha_answer"] = json!(domain::text::to_persian_digits(&answer));
    let (s, b) = app
        .post_json("/api/v1/applications", &body)
        .await
        .status_json();
    assert_eq!(s, StatusCode::CREATED, "{b}");
    let (s, b) = app
        .post_json("/api/v1/applications", &body)
        .await
        .status_json();
    assert_eq!(
        (s, b["error"]["code"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("captcha_used"))
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

#[tokio::test]
async fn closed_days_and_days_outside_the_horizon_are_refused() {
    let db = TestStore::sqlite().await;
    let app = on(db, quiet()).await;
    seed(&app, &[registered(1).build()]).await;
    let mut friday = today().add_days(1).unwrap();
    while !friday.is_friday() {
        friday = friday.add_days(1).unwrap();
    }
    let (s, b) = app
        .get(&format!(
            "/api/v1/offices?area_code=026&date_jalali={friday}"
        ))
        .await
        .status_json();
    assert_eq!(
        (s, b["error"]["code"].as_str()),
        (StatusCode::CONFLICT, Some("office_closed"))
    );
    assert!(b["error"]["message"].as_str().unwrap().contains("جمعه"));
    let tc = app.file(&body_for(1)).await;
    let token = token_of(&app, &tc).await;
    app.post_json(
        "/sandbox-bank/v1/pay",
        &json!({"token": token, "outcome": "success"}),
    )
    .await
    .status_json();
    let uri = format!("/api/v1/applications/{tc}/appointment");
    let nc = code(1).as_str().to_string();
    let (s, b) = app.post_json(&uri, &json!({"national_code": nc, "office_id": "30-0001", "date_jalali": friday.to_string()})).await.status_json();
    assert_eq!(
        (s, b["error"]["code"].as_str()),
        (StatusCode::CONFLICT, Some("office_closed"))
    );
    for day in [today().add_days(-1).unwrap(), today().add_days(61).unwrap()] {
        let (s, b) = app.post_json(&uri, &json!({"national_code": nc, "office_id": "30-0001", "date_jalali": day.to_string()})).await.status_json();
        assert_eq!(
            (s, b["error"]["code"].as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, Some("invalid_date")),
            "{day}"
        );
    }
    // A holiday of the table.
    let settings = Settings {
        holidays: domain::Holidays::parse_csv(&format!(
            "date_jalali,name_fa,name_en\n{},روز آزمایشی,Test day\n",
            app.open_day()
        ))
        .unwrap(),
        ..quiet()
    };
    let other = on(TestStore::sqlite().await, settings).await;
    let (s, b) = other
        .get(&format!(
            "/api/v1/offices?area_code=026&date_jalali={}",
            app.open_day()
        ))
        .await
        .status_json();
    assert_eq!(
        (s, b["error"]["code"].as_str()),
        (StatusCode::CONFLICT, Some("office_closed"))
    );
    assert!(b["error"]["message_en"]
        .as_str()
        .unwrap()
        .contains("Test day"));
    let (s, _) = app.post_json(&uri, &json!({"national_code": nc, "office_id": "99-9999", "date_jalali": app.open_day().to_string()})).await.status_json();
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
}

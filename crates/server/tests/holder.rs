//! What a tracking code alone no longer opens, through the real router on SQLite and PostgreSQL: starting a
//! payment, booking and cancelling need the applicant's national code, a pair that does not belong together is
//! answered exactly as an unknown tracking code, and these calls (with the citizen's transfer) carry the status
//! lookup's limits. Also: today's places whose time is over are never given, and walk-in filings are limited per
//! operator with every refused registry inquiry audited.

#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

use axum::http::StatusCode;
use chrono::Timelike;
use domain::{NationalCode, TrackingCode};
use serde_json::{json, Value};
use server::Settings;
use testkit::{code, err, filing, office, person, today, PersonBuilder, TestApp, TestStore};

/// Office 30-0001 with `capacity` places a day, on `db`.
async fn app_on(db: TestStore, settings: Settings, capacity: u32) -> TestApp {
    TestApp::builder()
        .settings(settings)
        .offices(&[office("30-0001").capacity(capacity).build()])
        .on(db)
        .await
}

/// Person `n` (in the registry) files through the API: the tracking code.
async fn file(app: &TestApp, n: u32) -> String {
    app.db.store.upsert_persons(&[person(n)]).await.unwrap();
    app.file(&filing(&PersonBuilder::new(n))).await
}

async fn book(
    app: &TestApp,
    nc: &NationalCode,
    tc: &str,
    day: domain::JalaliDate,
) -> (StatusCode, Value) {
    app.book(tc, nc.as_str(), "30-0001", day)
        .await
        .status_json()
}

async fn cancel(app: &TestApp, nc: &NationalCode, tc: &str) -> (StatusCode, Value) {
    app.delete(&format!(
        "/api/v1/applications/{tc}/appointment?national_code={nc}"
    ))
    .await
    .status_json()
}

fn quiet() -> Settings {
    Settings {
        captcha: false,
        rate_limits: false,
        ..Settings::default()
    }
}

#[tokio::test]
async fn payments_and_appointments_need_the_applicants_national_code() {
    for db in TestStore::all().await {
        let name = db.name;
        let app = app_on(db, quiet(), 10).await;
        let tc = file(&app, 1).await;
        app.db.store.upsert_persons(&[person(2)]).await.unwrap();
        let (mine, theirs) = (code(1), code(2));
        let unknown = TrackingCode::from_body(123_456).to_string();
        let day = app.open_day();

        // The tracking code alone is no longer enough.
        let pay = format!("/api/v1/applications/{tc}/payments");
        let (s, b) = app.call("POST", &pay).json(&json!({})).await.status_json();
        assert_eq!(
            (s, err(&b)),
            (StatusCode::UNPROCESSABLE_ENTITY, Some("invalid_body"))
        );
        let (s, b) = app.call("POST", &pay).await.status_json();
        assert_eq!(s, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{b}");
        let appointment = format!("/api/v1/applications/{tc}/appointment");
        let (s, b) = app.call("DELETE", &appointment).await.status_json();
        assert_eq!(
            (s, err(&b)),
            (StatusCode::UNPROCESSABLE_ENTITY, Some("invalid_query"))
        );
        let (s, b) = app
            .call("POST", &appointment)
            .json(&json!({"office_id": "30-0001", "date_jalali": day.to_string()}))
            .await
            .status_json();
        assert_eq!(
            (s, err(&b)),
            (StatusCode::UNPROCESSABLE_ENTITY, Some("invalid_body"))
        );

        // Someone else's national code is answered exactly as an unknown tracking code, and changes nothing.
        let (s, unknown_pay) = app
            .start_payment(&unknown, code(1).as_str())
            .await
            .status_json();
        assert_eq!(
            (s, err(&unknown_pay)),
            (StatusCode::NOT_FOUND, Some("not_found")),
            "{name}"
        );
        let (s, b) = app.start_payment(&tc, code(2).as_str()).await.status_json();
        assert_eq!((s, &b), (StatusCode::NOT_FOUND, &unknown_pay), "{name}");
        let t = TrackingCode::parse(&tc).unwrap();
        assert!(app.db.store.payments_of(&t).await.unwrap().is_empty());

        app.pay(&tc, code(1).as_str()).await;
        let (s, unknown_book) = book(&app, &mine, &unknown, day).await;
        assert_eq!(s, StatusCode::NOT_FOUND);
        let (s, b) = book(&app, &theirs, &tc, day).await;
        assert_eq!((s, &b), (StatusCode::NOT_FOUND, &unknown_book));
        assert_eq!(unknown_book, unknown_pay, "one answer for every action");
        assert_eq!(app.state_of(&tc).await, "awaiting_appointment");

        // The applicant books; nobody else can cancel or move it.
        let (s, b) = book(&app, &mine, &tc, day).await;
        assert_eq!(s, StatusCode::CREATED, "{b}");
        let (s, unknown_cancel) = cancel(&app, &mine, &unknown).await;
        assert_eq!(s, StatusCode::NOT_FOUND);
        assert_eq!(unknown_cancel, unknown_pay);
        let (s, b) = cancel(&app, &theirs, &tc).await;
        assert_eq!((s, &b), (StatusCode::NOT_FOUND, &unknown_cancel));
        assert_eq!(app.state_of(&tc).await, "appointment_booked");
        let (s, _) = cancel(&app, &mine, &tc).await;
        assert_eq!(s, StatusCode::NO_CONTENT);
        assert_eq!(app.state_of(&tc).await, "awaiting_appointment");
    }
}

#[tokio::test]
async fn holder_actions_carry_the_status_limits() {
    // Per national code: three calls a minute, whatever the action; the fourth is told to wait.
    let settings = Settings {
        captcha: false,
        status_per_code_per_minute: 3,
        status_per_client_per_minute: 1_000,
        ..Settings::default()
    };
    let app = app_on(TestStore::sqlite().await, settings, 10).await;
    let unknown = TrackingCode::from_body(4_242).to_string();
    let day = app.open_day().to_string();
    let actions: [(&str, String, Option<Value>); 4] = [
        (
            "POST",
            format!("/api/v1/applications/{unknown}/payments"),
            Some(json!({"national_code": code(11).as_str()})),
        ),
        (
            "POST",
            format!("/api/v1/applications/{unknown}/appointment"),
            Some(
                json!({"national_code": code(12).as_str(), "office_id": "30-0001", "date_jalali": day}),
            ),
        ),
        (
            "DELETE",
            format!(
                "/api/v1/applications/{unknown}/appointment?national_code={}",
                code(13)
            ),
            None,
        ),
        (
            "POST",
            format!("/api/v1/applications/{unknown}/transfer"),
            Some(json!({"national_code": code(14).as_str(), "office_id": "30-0001"})),
        ),
    ];
    for (method, uri, body) in &actions {
        for _ in 0..3 {
            let (s, b) = app
                .call(method, uri)
                .json_opt(body.as_ref())
                .await
                .status_json();
            assert_eq!(
                (s, err(&b)),
                (StatusCode::NOT_FOUND, Some("not_found")),
                "{method} {uri}"
            );
        }
        let (s, b) = app
            .call(method, uri)
            .json_opt(body.as_ref())
            .await
            .status_json();
        assert_eq!(
            (s, err(&b)),
            (StatusCode::TOO_MANY_REQUESTS, Some("rate_limited")),
            "{method} {uri}"
        );
    }
    // The budget is the status lookup's: a status call for one of those codes is over the limit too.
    let (s, _) = app
        .call(
            "GET",
            &format!(
                "/api/v1/status?national_code={}&tracking_code={unknown}",
                code(11)
            ),
        )
        .await
        .status_json();
    assert_eq!(s, StatusCode::TOO_MANY_REQUESTS);

    // Per client: walking codes from one address stops at the client's limit.
    let settings = Settings {
        captcha: false,
        status_per_code_per_minute: 1_000,
        status_per_client_per_minute: 5,
        ..Settings::default()
    };
    let app = app_on(TestStore::sqlite().await, settings, 10).await;
    let mut answers = Vec::new();
    for n in 0..6u32 {
        let tc = TrackingCode::from_body(u64::from(n) + 900).to_string();
        let (s, _) = app
            .call(
                "DELETE",
                &format!(
                    "/api/v1/applications/{tc}/appointment?national_code={}",
                    code(20 + n)
                ),
            )
            .await
            .status_json();
        answers.push(s);
    }
    assert_eq!(&answers[..5], [StatusCode::NOT_FOUND; 5]);
    assert_eq!(answers[5], StatusCode::TOO_MANY_REQUESTS);
}

/// The minute of the day in Tehran.
fn tehran_minute() -> u32 {
    let t = server::state::tehran(chrono::Utc::now());
    t.hour() * 60 + t.minute()
}

#[tokio::test]
async fn todays_places_whose_time_is_over_are_never_given() {
    // Places spread over the whole day (00:00 to 23:59), no holiday table: today is open unless a Friday.
    let settings = Settings {
        office_opens: 0,
        office_closes: 24 * 60 - 1,
        holidays: domain::Holidays::parse_csv("date_jalali,name_fa,name_en\n").unwrap(),
        ..quiet()
    };
    let app = app_on(TestStore::sqlite().await, settings, 1_440).await;
    let tc = file(&app, 1).await;
    app.pay(&tc, code(1).as_str()).await;
    let day = today();
    let before = tehran_minute();
    let (s, b) = book(&app, &code(1), &tc, day).await;
    let after = tehran_minute();
    if day.is_friday() {
        assert_eq!((s, err(&b)), (StatusCode::CONFLICT, Some("office_closed")));
    } else if before <= after {
        // (A booking across midnight proves nothing either way.)
        if s == StatusCode::CREATED {
            let time = b["time"].as_str().unwrap();
            let (h, m) = time.split_once(':').unwrap();
            let at = h.parse::<u32>().unwrap() * 60 + m.parse::<u32>().unwrap();
            assert!(
                at >= before,
                "place at {time}, booked at minute {before}: {b}"
            );
            assert!(b["slot"].as_u64().unwrap() > 1 || before == 0, "{b}");
        } else {
            // Only in the day's last minute is no place left.
            assert_eq!(
                (s, err(&b)),
                (StatusCode::UNPROCESSABLE_ENTITY, Some("slot_passed")),
                "{b}"
            );
            assert!(before >= 1_438, "{before}");
        }
    }

    // Every place at 00:00: today is refused with its own error (except in the first minute of the day).
    let settings = Settings {
        office_opens: 0,
        office_closes: 0,
        holidays: domain::Holidays::parse_csv("date_jalali,name_fa,name_en\n").unwrap(),
        ..quiet()
    };
    let app = app_on(TestStore::sqlite().await, settings, 10).await;
    let tc = file(&app, 1).await;
    app.pay(&tc, code(1).as_str()).await;
    let before = tehran_minute();
    let (s, b) = book(&app, &code(1), &tc, day).await;
    if !day.is_friday() && before > 0 && today() == day {
        assert_eq!(
            (s, err(&b), b["error"]["field"].as_str()),
            (
                StatusCode::UNPROCESSABLE_ENTITY,
                Some("slot_passed"),
                Some("date_jalali")
            ),
            "{b}"
        );
        assert!(b["error"]["message"]
            .as_str()
            .unwrap()
            .contains("روز دیگری"));
        assert_eq!(app.state_of(&tc).await, "awaiting_appointment");
        assert_eq!(
            app.db
                .store
                .booked(&domain::OfficeId::parse("30-0001").unwrap(), day)
                .await
                .unwrap(),
            0,
            "no place taken"
        );
    }
    // Another day is booked as before.
    let (s, b) = book(&app, &code(1), &tc, app.open_day()).await;
    assert_eq!(
        (s, b["slot"].as_u64()),
        (StatusCode::CREATED, Some(1)),
        "{b}"
    );
}

#[tokio::test]
async fn walk_in_filings_are_limited_per_operator_and_refusals_audited() {
    for db in TestStore::all().await {
        let name = db.name;
        let settings = Settings {
            captcha: false,
            filings_per_operator_per_minute: 4,
            ..Settings::default()
        };
        let app = app_on(db, settings, 10).await;
        let s = &app.db.store;
        let teen = today().add_days(-365 * 10).unwrap().to_string();
        s.upsert_persons(&[
            person(1),
            PersonBuilder::new(2).dead_on("1400-01-01").build(),
            PersonBuilder::new(3).born(&teen).build(),
        ])
        .await
        .unwrap();
        let op = app.operator("op1", "30-0001").await;
        let walk_in = |body: Value| {
            let op = op.clone();
            let app = &app;
            async move {
                app.call("POST", "/api/v1/office/applications")
                    .auth(&op)
                    .json(&body)
                    .await
                    .status_json()
            }
        };
        // A wrong birth date, a deceased person, an underage one: refused, each audited.
        let (st, b) = walk_in(filing(&PersonBuilder::new(1).born("1370-05-13"))).await;
        assert_eq!(
            (st, err(&b)),
            (StatusCode::UNPROCESSABLE_ENTITY, Some("registry_mismatch"))
        );
        let (st, b) = walk_in(filing(&PersonBuilder::new(2))).await;
        assert_eq!(
            (st, err(&b)),
            (StatusCode::UNPROCESSABLE_ENTITY, Some("deceased"))
        );
        let (st, b) = walk_in(filing(&PersonBuilder::new(3).born(&teen))).await;
        assert_eq!(
            (st, err(&b)),
            (StatusCode::UNPROCESSABLE_ENTITY, Some("underage")),
            "{b}"
        );
        let audit = s.inquiry_refusals("operator:op1", 10).await.unwrap();
        let seen: Vec<(&str, &str, &str)> = audit
            .iter()
            .map(|r| {
                (
                    r.outcome.as_str(),
                    r.national_code.as_str(),
                    r.office.as_str(),
                )
            })
            .collect();
        let (m1, m2, m3) = (code(1).masked(), code(2).masked(), code(3).masked());
        assert_eq!(
            seen,
            [
                ("underage", m3.as_str(), "30-0001"),
                ("deceased", m2.as_str(), "30-0001"),
                ("registry_mismatch", m1.as_str(), "30-0001"),
            ],
            "{name}"
        );
        // The fourth filing is accepted (and not audited); the fifth in the minute is refused.
        let (st, b) = walk_in(filing(&PersonBuilder::new(1))).await;
        assert_eq!(st, StatusCode::CREATED, "{b}");
        let (st, b) = walk_in(filing(&PersonBuilder::new(1))).await;
        assert_eq!(
            (st, err(&b)),
            (StatusCode::TOO_MANY_REQUESTS, Some("rate_limited"))
        );
        assert_eq!(
            s.inquiry_refusals("operator:op1", 10).await.unwrap().len(),
            3
        );
        // A citizen's own refused filing is not an office's inquiry.
        let (st, _) = app
            .call("POST", "/api/v1/applications")
            .json(&filing(&PersonBuilder::new(2)))
            .await
            .status_json();
        assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(s.inquiry_refusals("citizen", 10).await.unwrap().is_empty());
    }
}

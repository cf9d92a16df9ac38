//! What a tracking code alone no longer opens, through the real router on SQLite and PostgreSQL: starting a
//! payment, booking and cancelling need the applicant's national code, a pair that does not belong together is
//! answered exactly as an unknown tracking code, and these calls (with the citizen's transfer) carry the status
//! lookup's limits. Also: today's places whose time is over are never given, and walk-in filings are limited per
//! operator with every refused registry inquiry audited.

#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

use axum::body::Body;
use axum::http::{Request, StatusCode};
use chrono::Timelike;
use domain::{JalaliDate, NationalCode, Office, Person, Role, TrackingCode};
use http_body_util::BodyExt;
use serde_json::{json, Value};
use server::{AppState, Settings};
use store_suite::TestStore;
use tower::ServiceExt;

struct App {
    router: axum::Router,
    state: AppState,
    db: TestStore,
}

fn today() -> JalaliDate {
    server::state::today()
}

fn code(n: u32) -> NationalCode {
    let nine = format!("{:09}", 500_000_000 + n);
    NationalCode::from_first_nine(nine.as_bytes().try_into().unwrap()).unwrap()
}

fn mobile(n: u32) -> String {
    format!("0912{:07}", n)
}

/// A person of the registry born on `birth`; `death` for a deceased one.
fn person(n: u32, birth: &str, death: &str) -> Person {
    let nc = code(n);
    let m = mobile(n);
    let row: [&str; 16] = [
        nc.as_str(),
        "علی",
        "رضایی",
        "حسن",
        "فاطمه",
        "male",
        birth,
        "کرج",
        "islam",
        "ج",
        "12",
        "345678",
        &m,
        "3134567890",
        "کرج خیابان بهشتی",
        death,
    ];
    Person::from_row(&row, today()).unwrap()
}

fn filing(n: u32, birth: &str) -> Value {
    let b = JalaliDate::parse(birth).unwrap();
    json!({
        "national_code": code(n).as_str(),
        "birth_certificate": {"series_letter": "ج", "series_number": "12", "serial": "345678"},
        "birth_date_jalali": birth,
        "birth_date_hijri": b.to_hijri().to_string(),
        "gender": "male",
        "religion": "islam",
        "mother_name": "فاطمه",
        "mobile": mobile(n),
        "reason": "first_issue",
    })
}

fn office(capacity: u32) -> Office {
    Office::from_row(&[
        "30-0001",
        "دفتر پیشخوان کرج",
        "counter",
        "30",
        "کرج",
        "026",
        "خیابان بهشتی",
        &capacity.to_string(),
    ])
    .unwrap()
}

fn quiet() -> Settings {
    Settings {
        captcha: false,
        rate_limits: false,
        ..Settings::default()
    }
}

fn open_day(state: &AppState) -> JalaliDate {
    let mut d = today().add_days(1).unwrap();
    while state.settings.holidays.closure(d).is_some() {
        d = d.add_days(1).unwrap();
    }
    d
}

fn err(b: &Value) -> Option<&str> {
    b["error"]["code"].as_str()
}

impl App {
    async fn on(db: TestStore, settings: Settings, capacity: u32) -> Self {
        db.store.upsert_offices(&[office(capacity)]).await.unwrap();
        let state = AppState::new(db.store.clone(), settings);
        Self {
            router: server::router(state.clone()),
            state,
            db,
        }
    }

    async fn send(
        &self,
        method: &str,
        uri: &str,
        auth: Option<&str>,
        body: Option<&Value>,
    ) -> (StatusCode, Value) {
        let mut r = Request::builder().method(method).uri(uri);
        if let Some(a) = auth {
            r = r.header("authorization", a);
        }
        let req = match body {
            Some(b) => r
                .header("content-type", "application/json")
                .body(Body::from(b.to_string())),
            None => r.body(Body::empty()),
        };
        let res = self.router.clone().oneshot(req.unwrap()).await.unwrap();
        let status = res.status();
        let bytes = res.into_body().collect().await.unwrap().to_bytes();
        (
            status,
            serde_json::from_slice(&bytes).unwrap_or(Value::Null),
        )
    }

    /// Person `n` files through the API: the tracking code.
    async fn file(&self, n: u32) -> String {
        self.db
            .store
            .upsert_persons(&[person(n, "1370-05-12", "")])
            .await
            .unwrap();
        let (s, b) = self
            .send(
                "POST",
                "/api/v1/applications",
                None,
                Some(&filing(n, "1370-05-12")),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{b}");
        b["tracking_code"].as_str().unwrap().to_string()
    }

    async fn pay(&self, n: u32, tc: &str) -> (StatusCode, Value) {
        self.send(
            "POST",
            &format!("/api/v1/applications/{tc}/payments"),
            None,
            Some(&json!({"national_code": code(n).as_str()})),
        )
        .await
    }

    /// Pays the fee at the sandbox bank.
    async fn paid(&self, n: u32, tc: &str) {
        let (s, b) = self.pay(n, tc).await;
        assert_eq!(s, StatusCode::CREATED, "{b}");
        let token = b["redirect_url"]
            .as_str()
            .unwrap()
            .split("token=")
            .nth(1)
            .unwrap();
        let (s, b) = self
            .send(
                "POST",
                "/sandbox-bank/v1/pay",
                None,
                Some(&json!({"token": token, "outcome": "success"})),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{b}");
    }

    async fn book(&self, nc: &NationalCode, tc: &str, day: JalaliDate) -> (StatusCode, Value) {
        self.send(
            "POST",
            &format!("/api/v1/applications/{tc}/appointment"),
            None,
            Some(&json!({"national_code": nc.as_str(), "office_id": "30-0001", "date_jalali": day.to_string()})),
        )
        .await
    }

    async fn cancel(&self, nc: &NationalCode, tc: &str) -> (StatusCode, Value) {
        self.send(
            "DELETE",
            &format!("/api/v1/applications/{tc}/appointment?national_code={nc}"),
            None,
            None,
        )
        .await
    }

    async fn state_of(&self, tc: &str) -> String {
        let t = TrackingCode::parse(tc).unwrap();
        let a = self.db.store.application(&t).await.unwrap().unwrap();
        a.state.as_str().to_string()
    }

    async fn operator(&self, name: &str) -> String {
        self.db
            .store
            .create_user(&store::journey::NewUser {
                username: name.into(),
                password_hash: server::auth::hash_password("a good long password").unwrap(),
                role: Role::Operator,
                office: Some(domain::OfficeId::parse("30-0001").unwrap()),
                province: None,
                at: chrono::Utc::now(),
            })
            .await
            .unwrap();
        let (s, b) = self
            .send(
                "POST",
                "/api/v1/auth/login",
                None,
                Some(&json!({"username": name, "password": "a good long password"})),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{b}");
        format!("Bearer {}", b["token"].as_str().unwrap())
    }
}

#[tokio::test]
async fn payments_and_appointments_need_the_applicants_national_code() {
    for db in TestStore::all().await {
        let name = db.name;
        let app = App::on(db, quiet(), 10).await;
        let tc = app.file(1).await;
        app.db
            .store
            .upsert_persons(&[person(2, "1370-05-12", "")])
            .await
            .unwrap();
        let (mine, theirs) = (code(1), code(2));
        let unknown = TrackingCode::from_body(123_456).to_string();
        let day = open_day(&app.state);

        // The tracking code alone is no longer enough.
        let pay = format!("/api/v1/applications/{tc}/payments");
        let (s, b) = app.send("POST", &pay, None, Some(&json!({}))).await;
        assert_eq!(
            (s, err(&b)),
            (StatusCode::UNPROCESSABLE_ENTITY, Some("invalid_body"))
        );
        let (s, b) = app.send("POST", &pay, None, None).await;
        assert_eq!(s, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{b}");
        let appointment = format!("/api/v1/applications/{tc}/appointment");
        let (s, b) = app.send("DELETE", &appointment, None, None).await;
        assert_eq!(
            (s, err(&b)),
            (StatusCode::UNPROCESSABLE_ENTITY, Some("invalid_query"))
        );
        let (s, b) = app
            .send(
                "POST",
                &appointment,
                None,
                Some(&json!({"office_id": "30-0001", "date_jalali": day.to_string()})),
            )
            .await;
        assert_eq!(
            (s, err(&b)),
            (StatusCode::UNPROCESSABLE_ENTITY, Some("invalid_body"))
        );

        // Someone else's national code is answered exactly as an unknown tracking code, and changes nothing.
        let (s, unknown_pay) = app.pay(1, &unknown).await;
        assert_eq!(
            (s, err(&unknown_pay)),
            (StatusCode::NOT_FOUND, Some("not_found")),
            "{name}"
        );
        let (s, b) = app.pay(2, &tc).await;
        assert_eq!((s, &b), (StatusCode::NOT_FOUND, &unknown_pay), "{name}");
        let t = TrackingCode::parse(&tc).unwrap();
        assert!(app.db.store.payments_of(&t).await.unwrap().is_empty());

        app.paid(1, &tc).await;
        let (s, unknown_book) = app.book(&mine, &unknown, day).await;
        assert_eq!(s, StatusCode::NOT_FOUND);
        let (s, b) = app.book(&theirs, &tc, day).await;
        assert_eq!((s, &b), (StatusCode::NOT_FOUND, &unknown_book));
        assert_eq!(unknown_book, unknown_pay, "one answer for every action");
        assert_eq!(app.state_of(&tc).await, "awaiting_appointment");

        // The applicant books; nobody else can cancel or move it.
        let (s, b) = app.book(&mine, &tc, day).await;
        assert_eq!(s, StatusCode::CREATED, "{b}");
        let (s, unknown_cancel) = app.cancel(&mine, &unknown).await;
        assert_eq!(s, StatusCode::NOT_FOUND);
        assert_eq!(unknown_cancel, unknown_pay);
        let (s, b) = app.cancel(&theirs, &tc).await;
        assert_eq!((s, &b), (StatusCode::NOT_FOUND, &unknown_cancel));
        assert_eq!(app.state_of(&tc).await, "appointment_booked");
        let (s, _) = app.cancel(&mine, &tc).await;
        assert_eq!(s, StatusCode::NO_CONTENT);
        assert_eq!(app.state_of(&tc).await, "awaiting_appointment");
        app.db.cleanup().await;
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
    let app = App::on(TestStore::sqlite().await, settings, 10).await;
    let unknown = TrackingCode::from_body(4_242).to_string();
    let day = open_day(&app.state).to_string();
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
            let (s, b) = app.send(method, uri, None, body.as_ref()).await;
            assert_eq!(
                (s, err(&b)),
                (StatusCode::NOT_FOUND, Some("not_found")),
                "{method} {uri}"
            );
        }
        let (s, b) = app.send(method, uri, None, body.as_ref()).await;
        assert_eq!(
            (s, err(&b)),
            (StatusCode::TOO_MANY_REQUESTS, Some("rate_limited")),
            "{method} {uri}"
        );
    }
    // The budget is the status lookup's: a status call for one of those codes is over the limit too.
    let (s, _) = app
        .send(
            "GET",
            &format!(
                "/api/v1/status?national_code={}&tracking_code={unknown}",
                code(11)
            ),
            None,
            None,
        )
        .await;
    assert_eq!(s, StatusCode::TOO_MANY_REQUESTS);
    app.db.cleanup().await;

    // Per client: walking codes from one address stops at the client's limit.
    let settings = Settings {
        captcha: false,
        status_per_code_per_minute: 1_000,
        status_per_client_per_minute: 5,
        ..Settings::default()
    };
    let app = App::on(TestStore::sqlite().await, settings, 10).await;
    let mut answers = Vec::new();
    for n in 0..6u32 {
        let tc = TrackingCode::from_body(u64::from(n) + 900).to_string();
        let (s, _) = app
            .send(
                "DELETE",
                &format!(
                    "/api/v1/applications/{tc}/appointment?national_code={}",
                    code(20 + n)
                ),
                None,
                None,
            )
            .await;
        answers.push(s);
    }
    assert_eq!(&answers[..5], [StatusCode::NOT_FOUND; 5]);
    assert_eq!(answers[5], StatusCode::TOO_MANY_REQUESTS);
    app.db.cleanup().await;
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
    let app = App::on(TestStore::sqlite().await, settings, 1_440).await;
    let tc = app.file(1).await;
    app.paid(1, &tc).await;
    let day = today();
    let before = tehran_minute();
    let (s, b) = app.book(&code(1), &tc, day).await;
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
    app.db.cleanup().await;

    // Every place at 00:00: today is refused with its own error (except in the first minute of the day).
    let settings = Settings {
        office_opens: 0,
        office_closes: 0,
        holidays: domain::Holidays::parse_csv("date_jalali,name_fa,name_en\n").unwrap(),
        ..quiet()
    };
    let app = App::on(TestStore::sqlite().await, settings, 10).await;
    let tc = app.file(1).await;
    app.paid(1, &tc).await;
    let before = tehran_minute();
    let (s, b) = app.book(&code(1), &tc, day).await;
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
    let (s, b) = app.book(&code(1), &tc, open_day(&app.state)).await;
    assert_eq!(
        (s, b["slot"].as_u64()),
        (StatusCode::CREATED, Some(1)),
        "{b}"
    );
    app.db.cleanup().await;
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
        let app = App::on(db, settings, 10).await;
        let s = &app.db.store;
        let teen = today().add_days(-365 * 10).unwrap().to_string();
        s.upsert_persons(&[
            person(1, "1370-05-12", ""),
            person(2, "1370-05-12", "1400-01-01"),
            person(3, &teen, ""),
        ])
        .await
        .unwrap();
        let op = app.operator("op1").await;
        let walk_in = |body: Value| {
            let op = op.clone();
            let app = &app;
            async move {
                app.send(
                    "POST",
                    "/api/v1/office/applications",
                    Some(&op),
                    Some(&body),
                )
                .await
            }
        };
        // A wrong birth date, a deceased person, an underage one: refused, each audited.
        let (st, b) = walk_in(filing(1, "1370-05-13")).await;
        assert_eq!(
            (st, err(&b)),
            (StatusCode::UNPROCESSABLE_ENTITY, Some("registry_mismatch"))
        );
        let (st, b) = walk_in(filing(2, "1370-05-12")).await;
        assert_eq!(
            (st, err(&b)),
            (StatusCode::UNPROCESSABLE_ENTITY, Some("deceased"))
        );
        let (st, b) = walk_in(filing(3, &teen)).await;
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
        let (st, b) = walk_in(filing(1, "1370-05-12")).await;
        assert_eq!(st, StatusCode::CREATED, "{b}");
        let (st, b) = walk_in(filing(1, "1370-05-12")).await;
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
            .send(
                "POST",
                "/api/v1/applications",
                None,
                Some(&filing(2, "1370-05-12")),
            )
            .await;
        assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(s.inquiry_refusals("citizen", 10).await.unwrap().is_empty());
        app.db.cleanup().await;
    }
}

//! The citizen's journey through the JSON API, on SQLite and on PostgreSQL: pre-registration and its refusals,
//! payment through the sandbox bank (callbacks replayed and reordered, a lost callback repaired), offices by free
//! capacity, booking, status with its rate limits, walk-ins by a logged-in operator, idempotency keys, the
//! captcha, and the HTTP gateway adapter against the sandbox bank served over TCP.

#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

use axum::body::Body;
use axum::http::{Request, StatusCode};
use domain::{JalaliDate, NationalCode, Office, Person, Role};
use http_body_util::BodyExt;
use payments::Gateway;
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
    let nine = format!("{:09}", 200_000_000 + n);
    NationalCode::from_first_nine(nine.as_bytes().try_into().unwrap()).unwrap()
}

fn mobile(n: u32) -> String {
    format!("0912{:07}", n)
}

/// A person of the registry, born 1370-05-12, with one mobile; `death` for a deceased one.
fn person(n: u32, birth: &str, death: &str) -> Person {
    let nc = code(n);
    let m = mobile(n);
    let row: [&str; 16] = [
        nc.as_str(),
        "علی",
        "رضایی",
        "حسن",
        "فاطمه زهرا",
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

fn office(id: &str, capacity: u32) -> Office {
    Office::from_row(&[
        id,
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

/// The next day offices are open, at least one day ahead.
fn open_day(state: &AppState) -> JalaliDate {
    let mut d = today().add_days(1).unwrap();
    while state.settings.holidays.closure(d).is_some() {
        d = d.add_days(1).unwrap();
    }
    d
}

impl App {
    async fn on(db: TestStore, settings: Settings) -> Self {
        let state = AppState::new(db.store.clone(), settings);
        Self {
            router: server::router(state.clone()),
            state,
            db,
        }
    }

    async fn all() -> Vec<Self> {
        let mut v = Vec::new();
        for db in TestStore::all().await {
            v.push(Self::on(db, quiet()).await);
        }
        v
    }

    async fn call(&self, req: Request<Body>) -> (StatusCode, Value, axum::http::HeaderMap) {
        let res = self.router.clone().oneshot(req).await.unwrap();
        let status = res.status();
        let headers = res.headers().clone();
        let bytes = res.into_body().collect().await.unwrap().to_bytes();
        (
            status,
            serde_json::from_slice(&bytes).unwrap_or(Value::Null),
            headers,
        )
    }

    async fn get(&self, uri: &str) -> (StatusCode, Value) {
        let (s, v, _) = self
            .call(Request::get(uri).body(Body::empty()).unwrap())
            .await;
        (s, v)
    }

    async fn send(&self, method: &str, uri: &str, body: &Value) -> (StatusCode, Value) {
        let (s, v, _) = self
            .call(
                Request::builder()
                    .method(method)
                    .uri(uri)
                    .header("content-type", "application/json")
                    .body(Body::from(body.to_string()))
                    .unwrap(),
            )
            .await;
        (s, v)
    }

    async fn post(&self, uri: &str, body: &Value) -> (StatusCode, Value) {
        self.send("POST", uri, body).await
    }

    /// Files an application for person `n` and answers its tracking code.
    async fn file(&self, n: u32) -> String {
        let (s, b) = self.post("/api/v1/applications", &body_for(n)).await;
        assert_eq!(s, StatusCode::CREATED, "{}: {b}", self.db.name);
        b["tracking_code"].as_str().unwrap().to_string()
    }

    /// The applicant's national code of a filed application, as the holder-bound actions need it.
    async fn nc_of(&self, tc: &str) -> String {
        let tc = domain::TrackingCode::parse(tc).unwrap();
        let app = self.db.store.application(&tc).await.unwrap().unwrap();
        app.national_code.as_str().to_string()
    }

    async fn token_of(&self, tc: &str) -> String {
        let nc = self.nc_of(tc).await;
        let (s, b) = self
            .post(
                &format!("/api/v1/applications/{tc}/payments"),
                &json!({"national_code": nc}),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{b}");
        let url = b["redirect_url"].as_str().unwrap();
        url.split("token=").nth(1).unwrap().to_string()
    }

    async fn status_of(&self, n: u32, tc: &str) -> Value {
        let (s, b) = self
            .get(&format!(
                "/api/v1/status?national_code={}&tracking_code={tc}",
                code(n)
            ))
            .await;
        assert_eq!(s, StatusCode::OK, "{b}");
        b
    }
}

fn quiet() -> Settings {
    Settings {
        captcha: false,
        rate_limits: false,
        ..Settings::default()
    }
}

async fn seed(app: &App, persons: &[Person]) {
    app.db.store.upsert_persons(persons).await.unwrap();
    app.db
        .store
        .upsert_offices(&[office("30-0001", 5), office("30-0002", 40)])
        .await
        .unwrap();
}

#[tokio::test]
async fn the_whole_journey_by_api() {
    for app in App::all().await {
        let name = app.db.name;
        seed(&app, &[person(1, "1370-05-12", "")]).await;
        let tc = app.file(1).await;
        assert_eq!(app.status_of(1, &tc).await["state"], "awaiting_payment");

        // Not paid: no booking.
        let day = open_day(&app.state);
        let nc = code(1).as_str().to_string();
        let book =
            json!({"national_code": nc, "office_id": "30-0001", "date_jalali": day.to_string()});
        let uri = format!("/api/v1/applications/{tc}/appointment");
        let cancel_uri = format!("{uri}?national_code={nc}");
        let (s, b) = app.post(&uri, &book).await;
        assert_eq!(
            (s, b["error"]["code"].as_str()),
            (StatusCode::CONFLICT, Some("application_not_paid")),
            "{name}"
        );

        // Pay at the sandbox bank; the bank performs the callback.
        let token = app.token_of(&tc).await;
        let (s, b) = app
            .post(
                "/sandbox-bank/v1/pay",
                &json!({"token": token, "outcome": "success"}),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{name}: {b}");
        assert_eq!(b["callback"]["payment_state"], "settled");
        assert_eq!(b["bank_state"], "settled");
        assert_eq!(app.status_of(1, &tc).await["state"], "awaiting_appointment");
        // A second payment is refused now.
        let (s, b) = app
            .post(
                &format!("/api/v1/applications/{tc}/payments"),
                &json!({"national_code": nc}),
            )
            .await;
        assert_eq!(
            (s, b["error"]["code"].as_str()),
            (StatusCode::CONFLICT, Some("application_already_paid"))
        );

        // Offices of Alborz by area code, most free first.
        let (s, list) = app
            .get(&format!(
                "/api/v1/offices?area_code=%DB%B0%DB%B2%DB%B6&date_jalali={day}"
            ))
            .await;
        assert_eq!(s, StatusCode::OK, "{list}");
        assert_eq!(list[0]["office_id"], "30-0002");
        assert_eq!(list[0]["free_capacity"], 40);
        assert_eq!(list[1]["free_capacity"], 5);

        let (s, b) = app.post(&uri, &book).await;
        assert_eq!(s, StatusCode::CREATED, "{name}: {b}");
        assert_eq!(b["slot"], 1);
        assert_eq!(b["time"], "07:30");
        assert_eq!(app.status_of(1, &tc).await["state"], "appointment_booked");
        let (_, list) = app
            .get(&format!("/api/v1/offices?area_code=026&date_jalali={day}"))
            .await;
        let o1 = list
            .as_array()
            .unwrap()
            .iter()
            .find(|o| o["office_id"] == "30-0001")
            .unwrap();
        assert_eq!(o1["free_capacity"], 4);

        // Cancel frees the place; rebooking works.
        let (s, _) = app.send("DELETE", &cancel_uri, &json!({})).await;
        assert_eq!(s, StatusCode::NO_CONTENT);
        let (s, b) = app.send("DELETE", &cancel_uri, &json!({})).await;
        assert_eq!(
            (s, b["error"]["code"].as_str()),
            (StatusCode::CONFLICT, Some("no_appointment"))
        );
        assert_eq!(app.status_of(1, &tc).await["state"], "awaiting_appointment");
        let (s, _) = app.post(&uri, &book).await;
        assert_eq!(s, StatusCode::CREATED);

        // The status shows nothing personal, and needs both codes.
        let st = app.status_of(1, &tc).await;
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
            .await;
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
        let (s, b) = app.post("/api/v1/applications", &body_for(1)).await;
        assert_eq!(
            (s, b["error"]["code"].as_str()),
            (StatusCode::CONFLICT, Some("active_application_exists"))
        );
        app.db.cleanup().await;
    }
}

#[tokio::test]
async fn pre_registration_refuses_what_the_registry_does_not_allow() {
    let db = TestStore::sqlite().await;
    let app = App::on(db, quiet()).await;
    let young = today().add_days(-14 * 366).unwrap().to_string();
    seed(
        &app,
        &[
            person(1, "1370-05-12", ""),
            person(2, "1370-05-12", "1402-01-10"),
            person(3, &young, ""),
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
        let (s, b) = app.post("/api/v1/applications", &body).await;
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
    app.file(1).await;
    app.db.cleanup().await;
}

#[tokio::test]
async fn replayed_and_reordered_callbacks_pay_each_application_once() {
    use rand::seq::SliceRandom;
    for app in App::all().await {
        let n = 12;
        let persons: Vec<Person> = (1..=n).map(|i| person(i, "1370-05-12", "")).collect();
        seed(&app, &persons).await;
        let bank = app.state.services.sandbox_bank.clone().unwrap();
        let mut tokens = Vec::new();
        let mut codes = Vec::new();
        for i in 1..=n {
            let tc = app.file(i).await;
            // Two attempts per application, both paid at the bank; some a third, cancelled.
            for k in 0..3 {
                let t = app.token_of(&tc).await;
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
                let req = Request::post("/api/v1/payments/callback")
                    .header("content-type", "application/json")
                    .body(Body::from(json!({"token": t, "status": "OK"}).to_string()))
                    .unwrap();
                let res = router.oneshot(req).await.unwrap();
                (t, res.status())
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
                app.status_of(i as u32 + 1, tc).await["state"],
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
        app.db.cleanup().await;
    }
}

#[tokio::test]
async fn a_lost_callback_is_repaired_by_the_reconciler() {
    let db = TestStore::sqlite().await;
    let app = App::on(db, quiet()).await;
    seed(
        &app,
        &[person(1, "1370-05-12", ""), person(2, "1370-05-12", "")],
    )
    .await;
    let tc = app.file(1).await;
    let token = app.token_of(&tc).await;
    let unpaid_tc = app.file(2).await;
    let unpaid = app.token_of(&unpaid_tc).await;
    // A callback before the customer paid (forged, or early) changes nothing.
    let (s, b) = app
        .post("/api/v1/payments/callback", &json!({"token": unpaid}))
        .await;
    assert_eq!(
        (s, b["payment_state"].as_str()),
        (StatusCode::OK, Some("pending"))
    );
    // The customer pays; the callback never arrives (the browser closed, or we crashed).
    let bank = app.state.services.sandbox_bank.clone().unwrap();
    bank.pay(&token, payments::sandbox::Outcome::Success)
        .await
        .unwrap();
    assert_eq!(app.status_of(1, &tc).await["state"], "awaiting_payment");
    let n = server::journey::pay::reconcile(&app.state, chrono::Duration::zero())
        .await
        .unwrap();
    assert_eq!(n, 2);
    assert_eq!(app.status_of(1, &tc).await["state"], "awaiting_appointment");
    assert_eq!(
        app.status_of(2, &unpaid_tc).await["state"],
        "awaiting_payment"
    );
    // A crash after the bank verified but before our write: the bank says verified; verifying again repairs it.
    let tc3 = {
        app.db
            .store
            .upsert_persons(&[person(3, "1370-05-12", "")])
            .await
            .unwrap();
        app.file(3).await
    };
    let t3 = app.token_of(&tc3).await;
    bank.pay(&t3, payments::sandbox::Outcome::Success)
        .await
        .unwrap();
    bank.verify(&t3).await.unwrap();
    server::journey::pay::reconcile(&app.state, chrono::Duration::zero())
        .await
        .unwrap();
    assert_eq!(
        app.status_of(3, &tc3).await["state"],
        "awaiting_appointment"
    );
    assert_eq!(
        bank.transaction(&t3).await.unwrap().unwrap().state,
        "settled"
    );
    app.db.cleanup().await;
}

#[tokio::test]
async fn walk_ins_need_an_operator_of_an_office() {
    for app in App::all().await {
        seed(&app, &[person(1, "1370-05-12", "")]).await;
        let s = &app.db.store;
        for (name, role, office) in [
            ("op1", Role::Operator, Some("30-0001")),
            ("admin", Role::NationalAdmin, None),
        ] {
            s.create_user(&store::journey::NewUser {
                username: name.into(),
                password_hash: server::auth::hash_password("a good long password").unwrap(),
                role,
                office: office.map(|o| domain::OfficeId::parse(o).unwrap()),
                province: None,
                at: chrono::Utc::now(),
            })
            .await
            .unwrap();
        }
        let (st, b) = app
            .post(
                "/api/v1/auth/login",
                &json!({"username": "op1", "password": "wrong"}),
            )
            .await;
        assert_eq!(
            (st, b["error"]["code"].as_str()),
            (StatusCode::UNAUTHORIZED, Some("invalid_credentials"))
        );
        let (st, b) = app
            .post(
                "/api/v1/auth/login",
                &json!({"username": "OP1", "password": "a good long password"}),
            )
            .await;
        assert_eq!(st, StatusCode::OK, "{b}");
        let token = b["token"].as_str().unwrap().to_string();
        let walk_in = |auth: Option<String>| {
            let mut r = Request::post("/api/v1/office/applications")
                .header("content-type", "application/json");
            if let Some(a) = auth {
                r = r.header("authorization", a);
            }
            r.body(Body::from(body_for(1).to_string())).unwrap()
        };
        let (st, _, _) = app.call(walk_in(None)).await;
        assert_eq!(st, StatusCode::UNAUTHORIZED);
        let (st, _, _) = app.call(walk_in(Some("Bearer nonsense".into()))).await;
        assert_eq!(st, StatusCode::UNAUTHORIZED);
        let (_, b) = app
            .post(
                "/api/v1/auth/login",
                &json!({"username": "admin", "password": "a good long password"}),
            )
            .await;
        let admin = b["token"].as_str().unwrap().to_string();
        let (st, b, _) = app.call(walk_in(Some(format!("Bearer {admin}")))).await;
        assert_eq!(
            (st, b["error"]["code"].as_str()),
            (StatusCode::FORBIDDEN, Some("forbidden"))
        );
        let (st, b, _) = app.call(walk_in(Some(format!("Bearer {token}")))).await;
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
        app.db.cleanup().await;
    }
}

#[tokio::test]
async fn idempotency_keys_answer_the_first_answer_again() {
    let db = TestStore::sqlite().await;
    let app = App::on(db, quiet()).await;
    seed(
        &app,
        &[person(1, "1370-05-12", ""), person(2, "1370-05-12", "")],
    )
    .await;
    let req = |body: &Value| {
        Request::post("/api/v1/applications")
            .header("content-type", "application/json")
            .header("idempotency-key", "k-123")
            .body(Body::from(body.to_string()))
            .unwrap()
    };
    let (s1, b1, _) = app.call(req(&body_for(1))).await;
    let (s2, b2, h2) = app.call(req(&body_for(1))).await;
    assert_eq!((s1, s2), (StatusCode::CREATED, StatusCode::CREATED));
    assert_eq!(b1, b2);
    assert_eq!(h2.get("idempotent-replayed").unwrap(), "true");
    assert_eq!(app.db.store.count_applications().await.unwrap(), 1);
    let (s3, b3, _) = app.call(req(&body_for(2))).await;
    assert_eq!(
        (s3, b3["error"]["code"].as_str()),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("idempotency_key_reused")
        )
    );
    app.db.cleanup().await;
}

#[tokio::test]
async fn status_lookups_are_rate_limited_per_national_code() {
    let db = TestStore::sqlite().await;
    let settings = Settings {
        captcha: false,
        status_per_code_per_minute: 3,
        ..Settings::default()
    };
    let app = App::on(db, settings).await;
    seed(&app, &[person(1, "1370-05-12", "")]).await;
    let tc = app.file(1).await;
    for _ in 0..3 {
        app.status_of(1, &tc).await;
    }
    let (s, b, h) = app
        .call(
            Request::get(format!(
                "/api/v1/status?national_code={}&tracking_code={tc}",
                code(1)
            ))
            .body(Body::empty())
            .unwrap(),
        )
        .await;
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
    app.db.cleanup().await;
}

#[tokio::test]
async fn the_captcha_guards_pre_registration() {
    let db = TestStore::sqlite().await;
    let settings = Settings {
        rate_limits: false,
        ..Settings::default()
    };
    let app = App::on(db, settings).await;
    seed(&app, &[person(1, "1370-05-12", "")]).await;
    let (s, b) = app.post("/api/v1/applications", &body_for(1)).await;
    assert_eq!(
        (s, b["error"]["code"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("captcha_required"))
    );
    let (s, c) = app.get("/api/v1/captcha").await;
    assert_eq!(s, StatusCode::OK);
    let id = c["captcha_id"].as_str().unwrap().to_string();
    let res = app
        .router
        .clone()
        .oneshot(
            Request::get(c["image_url"].as_str().unwrap())
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(res.headers()["content-type"], "image/png");
    let answer = app.state.services.captcha.answer(&id).unwrap();
    let mut body = body_for(1);
    body["captcha_id"] = json!(id);
    body["captcha_answer"] = json!(domain::text::to_persian_digits(&answer));
    let (s, b) = app.post("/api/v1/applications", &body).await;
    assert_eq!(s, StatusCode::CREATED, "{b}");
    let (s, b) = app.post("/api/v1/applications", &body).await;
    assert_eq!(
        (s, b["error"]["code"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("captcha_used"))
    );
    app.db.cleanup().await;
}

#[tokio::test]
async fn the_http_gateway_talks_to_the_sandbox_bank_over_tcp() {
    let db = TestStore::sqlite().await;
    let app = App::on(db, quiet()).await;
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
    app.db.cleanup().await;
}

#[tokio::test]
async fn closed_days_and_days_outside_the_horizon_are_refused() {
    let db = TestStore::sqlite().await;
    let app = App::on(db, quiet()).await;
    seed(&app, &[person(1, "1370-05-12", "")]).await;
    let mut friday = today().add_days(1).unwrap();
    while !friday.is_friday() {
        friday = friday.add_days(1).unwrap();
    }
    let (s, b) = app
        .get(&format!(
            "/api/v1/offices?area_code=026&date_jalali={friday}"
        ))
        .await;
    assert_eq!(
        (s, b["error"]["code"].as_str()),
        (StatusCode::CONFLICT, Some("office_closed"))
    );
    assert!(b["error"]["message"].as_str().unwrap().contains("جمعه"));
    let tc = app.file(1).await;
    let token = app.token_of(&tc).await;
    app.post(
        "/sandbox-bank/v1/pay",
        &json!({"token": token, "outcome": "success"}),
    )
    .await;
    let uri = format!("/api/v1/applications/{tc}/appointment");
    let nc = code(1).as_str().to_string();
    let (s, b) = app
        .post(
            &uri,
            &json!({"national_code": nc, "office_id": "30-0001", "date_jalali": friday.to_string()}),
        )
        .await;
    assert_eq!(
        (s, b["error"]["code"].as_str()),
        (StatusCode::CONFLICT, Some("office_closed"))
    );
    for day in [today().add_days(-1).unwrap(), today().add_days(61).unwrap()] {
        let (s, b) = app
            .post(
                &uri,
                &json!({"national_code": nc, "office_id": "30-0001", "date_jalali": day.to_string()}),
            )
            .await;
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
            open_day(&app.state)
        ))
        .unwrap(),
        ..quiet()
    };
    let other = App::on(TestStore::sqlite().await, settings).await;
    let (s, b) = other
        .get(&format!(
            "/api/v1/offices?area_code=026&date_jalali={}",
            open_day(&app.state)
        ))
        .await;
    assert_eq!(
        (s, b["error"]["code"].as_str()),
        (StatusCode::CONFLICT, Some("office_closed"))
    );
    assert!(b["error"]["message_en"]
        .as_str()
        .unwrap()
        .contains("Test day"));
    let (s, _) = app
        .post(
            &uri,
            &json!({"national_code": nc, "office_id": "99-9999", "date_jalali": open_day(&app.state).to_string()}),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    other.db.cleanup().await;
    app.db.cleanup().await;
}

//! `POST /ussd`, the USSD gateway's service: both menu paths on SQLite and PostgreSQL (the applications of the
//! codes registered to the calling number; one application by national code and tracking code), masked codes,
//! where the card waits and the office's address, hints and three strikes, expiry, the service code, missing
//! fields, rate limits, and any input at all answered with a screen of at most 80 characters. Only the gateway may
//! ask: this machine by default, else the configured secret and/or addresses; and a limit per client.

#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

use axum::body::Body;
use axum::extract::connect_info::{ConnectInfo, MockConnectInfo};
use axum::http::{header, Request, StatusCode};
use chrono::Utc;
use domain::text::to_persian_digits;
use domain::{
    ApplicationState, Channel, JalaliDate, Mobile, NationalCode, Office, Person, Reason,
    TrackingCode,
};
use http_body_util::BodyExt;
use proptest::prelude::*;
use serde_json::{json, Value};
use server::gateway::GatewayAccess;
use server::ussd::screens;
use server::{AppState, Settings};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;
use store::journey::{NewApplication, SeedApplication};
use store_suite::TestStore;
use tower::ServiceExt;

const SERVICE: &str = "*4*6090#";
/// The number persons 1, 2 and 4 share (a family).
const FAMILY: &str = "09121000001";
/// Person 3's own number.
const OWN: &str = "09121000003";

fn today() -> JalaliDate {
    server::state::today()
}

fn code(n: u32) -> NationalCode {
    let nine = format!("{:09}", 400_000_000 + n);
    NationalCode::from_first_nine(nine.as_bytes().try_into().unwrap()).unwrap()
}

fn tc(n: u32) -> TrackingCode {
    TrackingCode::from_body(u64::from(n) * 7_000_003 + 11)
}

fn phone_of(n: u32) -> &'static str {
    if n == 3 {
        OWN
    } else {
        FAMILY
    }
}

fn person(n: u32) -> Person {
    let nc = code(n);
    let row: [&str; 16] = [
        nc.as_str(),
        "علی",
        "رضایی",
        "حسن",
        "فاطمه زهرا",
        "male",
        "1370-05-12",
        "کرج",
        "islam",
        "ج",
        "12",
        "345678",
        phone_of(n),
        "3134567890",
        "کرج خیابان بهشتی",
        "",
    ];
    Person::from_row(&row, today()).unwrap()
}

fn filing_body(n: u32) -> Value {
    let birth = JalaliDate::parse("1370-05-12").unwrap();
    json!({
        "national_code": code(n).as_str(),
        "birth_certificate": {"series_letter": "ج", "series_number": "12", "serial": "345678"},
        "birth_date_jalali": "1370-05-12",
        "birth_date_hijri": birth.to_hijri().to_string(),
        "gender": "male",
        "religion": "islam",
        "mother_name": "فاطمه زهرا",
        "mobile": phone_of(n),
        "reason": "first_issue",
    })
}

fn seeded(n: u32, state: ApplicationState) -> SeedApplication {
    SeedApplication {
        application: NewApplication {
            tracking_code: tc(n),
            national_code: code(n),
            reason: Reason::FirstIssue,
            channel: Channel::Portal,
            mobile: Mobile::parse(phone_of(n)).unwrap(),
            fee_rials: 250_000,
            filing_office: None,
            province: None,
            actor: "test".into(),
            at: Utc::now(),
        },
        state,
    }
}

fn office() -> Office {
    Office::from_row(&[
        "30-0001",
        "دفتر پیشخوان کرج",
        "counter",
        "30",
        "کرج",
        "026",
        "خیابان بهشتی، کوچهٔ ۱۲، پلاک ۳",
        "20",
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

static SESSIONS: AtomicU32 = AtomicU32::new(0);

fn new_session() -> String {
    format!("s{}", SESSIONS.fetch_add(1, Ordering::Relaxed))
}

struct App {
    router: axum::Router,
    db: TestStore,
}

/// One answer: status, content type, body.
struct Answer {
    status: StatusCode,
    content_type: String,
    text: String,
}

impl App {
    /// Persons 1–4 and the office: person 1 filed through the API (awaiting payment); 2's card waits at the office;
    /// 3's is in production; 4 (on the family number) has no application.
    async fn on(db: TestStore, settings: Settings) -> Self {
        // The gateway calls from this machine (the default access).
        let router = server::router(AppState::new(db.store.clone(), settings))
            .layer(MockConnectInfo(SocketAddr::from(([127, 0, 0, 1], 40_000))));
        let app = Self { router, db };
        let s = &app.db.store;
        s.upsert_persons(&[person(1), person(2), person(3), person(4)])
            .await
            .unwrap();
        s.upsert_offices(&[office()]).await.unwrap();
        let res = app
            .router
            .clone()
            .oneshot(
                Request::post("/api/v1/applications")
                    .header(header::CONTENT_TYPE, "application/json")
                    .body(Body::from(filing_body(1).to_string()))
                    .unwrap(),
            )
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::CREATED, "{}", app.db.name);
        s.seed_applications(&[
            seeded(2, ApplicationState::ReadyForPickup),
            seeded(3, ApplicationState::InProduction),
        ])
        .await
        .unwrap();
        let set_office = format!(
            "UPDATE applications SET office_id = '30-0001' WHERE tracking_code = '{}'",
            tc(2)
        );
        app.db.exec_raw(&set_office, &set_office).await;
        app
    }

    async fn raw(&self, content_type: Option<&str>, body: String) -> Answer {
        let mut req = Request::post("/ussd");
        if let Some(ct) = content_type {
            req = req.header(header::CONTENT_TYPE, ct);
        }
        let res = self
            .router
            .clone()
            .oneshot(req.body(Body::from(body)).unwrap())
            .await
            .unwrap();
        let status = res.status();
        let content_type = res
            .headers()
            .get(header::CONTENT_TYPE)
            .map(|v| v.to_str().unwrap().to_string())
            .unwrap_or_default();
        let bytes = res.into_body().collect().await.unwrap().to_bytes();
        Answer {
            status,
            content_type,
            text: String::from_utf8(bytes.to_vec()).unwrap(),
        }
    }

    async fn form(&self, fields: &[(&str, &str)]) -> Answer {
        self.raw(
            Some("application/x-www-form-urlencoded"),
            serde_urlencoded::to_string(fields).unwrap(),
        )
        .await
    }

    /// One request of a session; the answer must be a well-formed screen.
    async fn ussd(&self, session: &str, phone: &str, text: &str) -> String {
        let a = self
            .form(&[
                ("sessionId", session),
                ("serviceCode", SERVICE),
                ("phoneNumber", phone),
                ("text", text),
            ])
            .await;
        well_formed(&a);
        a.text
    }
}

/// 200, text/plain, `CON `/`END `, at most 80 characters, and no whole national code of anyone.
fn well_formed(a: &Answer) {
    assert_eq!(a.status, StatusCode::OK, "{}", a.text);
    assert_eq!(a.content_type, "text/plain; charset=utf-8");
    assert!(
        a.text.starts_with("CON ") || a.text.starts_with("END "),
        "{:?}",
        a.text
    );
    assert!(
        a.text.chars().count() <= 80,
        "{} chars: {}",
        a.text.chars().count(),
        a.text
    );
    for n in 1..=4 {
        let c = code(n);
        assert!(!a.text.contains(c.as_str()), "{}", a.text);
        assert!(
            !a.text.contains(&to_persian_digits(c.as_str())),
            "{}",
            a.text
        );
    }
}

fn masked(n: u32) -> String {
    to_persian_digits(&code(n).masked())
}

fn fa(n: u32) -> String {
    to_persian_digits(code(n).as_str())
}

#[tokio::test]
async fn both_paths_on_every_backend() {
    for db in TestStore::all().await {
        let name = db.name;
        let app = App::on(db, quiet()).await;
        let phone = "+989121000001"; // the family number as the network gives it
        let s = new_session();

        // The first screen.
        let first = app.ussd(&s, phone, "").await;
        assert_eq!(
            first,
            "CON کارت هوشمند ملی\n۱- درخواست‌های شمارهٔ من\n۲- پیگیری با کد ملی و کد رهگیری"
        );

        // 1: the family's applications, masked; person 4 has none.
        let list = app.ussd(&s, phone, "1").await;
        assert!(list.starts_with("CON "), "{name}: {list}");
        assert!(
            list.contains(&format!("۱- {} منتظر پرداخت", masked(1))),
            "{name}: {list}"
        );
        assert!(
            list.contains(&format!("۲- {} آمادهٔ تحویل", masked(2))),
            "{name}: {list}"
        );
        assert!(!list.contains(&masked(4)), "{list}");
        assert!(!list.contains("۳-"), "{list}");

        // Person 1: the stage and its date, the session over.
        let one = app.ussd(&s, phone, "1*1").await;
        assert!(one.starts_with("END "), "{one}");
        assert!(one.contains(&masked(1)), "{one}");
        assert!(one.contains("در انتظار پرداخت"), "{one}");
        assert!(one.contains(&today().format_fa()), "{one}");
        assert!(!one.contains("دفتر پیشخوان"), "{one}");

        // Person 2: the card waits at the office; its address on request.
        let two = app.ussd(&s, phone, "1*2").await;
        assert!(two.starts_with("CON آمادهٔ تحویل از "), "{name}: {two}");
        assert!(two.contains("در دفتر پیشخوان کرج"), "{two}");
        assert!(two.ends_with("\n۱- نشانی دفتر"), "{two}");
        let addr = app.ussd(&s, phone, "1*2*1").await;
        assert_eq!(
            addr, "END دفتر پیشخوان کرج\nکرج، خیابان بهشتی، کوچهٔ ۱۲، پلاک ۳",
            "{name}"
        );

        // 2: by national code and tracking code, typed in Persian digits, from any phone.
        let s = new_session();
        let other = "09359999999";
        assert_eq!(
            app.ussd(&s, other, "2").await,
            "CON کد ملی ۱۰ رقمی را وارد کنید:"
        );
        let text = format!("2*{}", fa(3));
        assert_eq!(
            app.ussd(&s, other, &text).await,
            "CON کد رهگیری ۱۲ رقمی را وارد کنید:"
        );
        let text = format!("2*{}*{}", fa(3), to_persian_digits(tc(3).as_str()));
        let three = app.ussd(&s, other, &text).await;
        assert!(three.starts_with("END "), "{three}");
        assert!(three.contains("در حال صدور کارت"), "{name}: {three}");
        assert!(three.contains(&masked(3)), "{three}");

        // The waiting card by path 2, and its address.
        let s = new_session();
        let text = format!("2*{}*{}", code(2), tc(2));
        let waits = app.ussd(&s, other, &text).await;
        assert!(waits.contains("در دفتر پیشخوان کرج"), "{waits}");
        let addr = app.ussd(&s, other, &format!("{text}*۱")).await;
        assert!(addr.contains("خیابان بهشتی"), "{addr}");

        // A wrong pair and an unknown code are answered alike.
        let s = new_session();
        let wrong_pair = app
            .ussd(&s, other, &format!("2*{}*{}", code(1), tc(3)))
            .await;
        let unknown = app
            .ussd(&s, other, &format!("2*{}*{}", code(99), tc(3)))
            .await;
        assert_eq!(wrong_pair, format!("END {}", screens::NOT_FOUND));
        assert_eq!(unknown, wrong_pair);

        // Person 3's own number lists only person 3.
        let s = new_session();
        let own = app.ussd(&s, OWN, "1").await;
        assert!(
            own.contains(&format!("۱- {} در حال صدور", masked(3))),
            "{own}"
        );
        assert!(!own.contains("۲-"), "{own}");
        app.db.cleanup().await;
    }
}

#[tokio::test]
async fn numbers_without_applications_or_not_mobiles() {
    let app = App::on(TestStore::sqlite().await, quiet()).await;
    let s = new_session();
    assert_eq!(
        app.ussd(&s, "09120000000", "1").await,
        format!("END {}", screens::NONE_FOR_NUMBER)
    );
    // Not a mobile number: option 1 cannot work, option 2 still does.
    for phone in ["", "abc", "021 1234 5678"] {
        let s = new_session();
        assert_eq!(
            app.ussd(&s, phone, "1").await,
            format!("END {}", screens::UNKNOWN_NUMBER)
        );
        let text = format!("2*{}*{}", code(3), tc(3));
        assert!(app.ussd(&s, phone, &text).await.contains("در حال صدور"));
    }
    app.db.cleanup().await;
}

#[tokio::test]
async fn wrong_input_gets_a_hint_and_three_end_the_session() {
    let app = App::on(TestStore::sqlite().await, quiet()).await;
    let p = FAMILY;
    let s = new_session();
    let hinted_menu =
        "CON ورودی نادرست است.\n۱- درخواست‌های شمارهٔ من\n۲- پیگیری با کد ملی و کد رهگیری";
    assert_eq!(app.ussd(&s, p, "9").await, hinted_menu);
    assert_eq!(app.ussd(&s, p, "9*سلام").await, hinted_menu);
    assert_eq!(app.ussd(&s, p, "9*").await, hinted_menu);
    assert_eq!(
        app.ussd(&s, p, "9*x*7").await,
        format!("END {}", screens::TOO_MANY_WRONG)
    );
    // A right input in between starts the count again.
    assert_eq!(
        app.ussd(&s, p, "9*x*2").await,
        "CON کد ملی ۱۰ رقمی را وارد کنید:"
    );
    // National code: too short, bad check digit, letters.
    assert_eq!(
        app.ussd(&s, p, "2*123").await,
        "CON کد ملی درست نیست.\nکد ملی ۱۰ رقمی را وارد کنید:"
    );
    let bad_check = format!(
        "{}{}",
        &code(1).as_str()[..9],
        (code(1).as_str().as_bytes()[9] - b'0' + 1) % 10
    );
    assert!(app
        .ussd(&s, p, &format!("2*{bad_check}"))
        .await
        .starts_with("CON کد ملی درست نیست."));
    assert_eq!(
        app.ussd(&s, p, "2*123*abc*1").await,
        format!("END {}", screens::TOO_MANY_WRONG)
    );
    let text = format!("2*123*{}", code(3));
    assert_eq!(
        app.ussd(&s, p, &text).await,
        "CON کد رهگیری ۱۲ رقمی را وارد کنید:"
    );
    // Tracking code: a wrong check digit.
    let mut bad_tc = tc(3).as_str().to_string();
    let last = (bad_tc.pop().unwrap() as u8 - b'0' + 1) % 10;
    bad_tc.push((b'0' + last) as char);
    assert_eq!(
        app.ussd(&s, p, &format!("{text}*{bad_tc}")).await,
        "CON کد رهگیری درست نیست.\nکد رهگیری ۱۲ رقمی را وارد کنید:"
    );
    assert!(app
        .ussd(&s, p, &format!("{text}*{bad_tc}*{}", tc(3)))
        .await
        .contains("در حال صدور"));
    // The list: a number out of range, then a right one.
    let s = new_session();
    let list = app.ussd(&s, p, "1*5").await;
    assert!(list.starts_with("CON ورودی نادرست است.\n۱- "), "{list}");
    assert!(app
        .ussd(&s, p, "1*5*0")
        .await
        .starts_with("CON ورودی نادرست است."));
    assert!(app.ussd(&s, p, "1*5*1").await.contains("در انتظار پرداخت"));
    // The office screen: anything but 1 is wrong.
    let waits = app.ussd(&s, p, "1*2*3").await;
    assert_eq!(
        waits,
        "CON ورودی نادرست است.\nدر دفتر پیشخوان کرج\n۱- نشانی دفتر"
    );
    assert!(app.ussd(&s, p, "1*2*3*1").await.contains("خیابان بهشتی"));
    assert_eq!(
        app.ussd(&s, p, "1*2*3*3*3").await,
        format!("END {}", screens::TOO_MANY_WRONG)
    );
    app.db.cleanup().await;
}

#[tokio::test]
async fn many_codes_on_one_number_are_paged() {
    let db = TestStore::sqlite().await;
    let app = App::on(db, quiet()).await;
    // Eight more family members on the family number, each with an application.
    let persons: Vec<Person> = (10..18).map(person).collect();
    app.db.store.upsert_persons(&persons).await.unwrap();
    let seeds: Vec<SeedApplication> = (10..18)
        .map(|n| seeded(n, ApplicationState::AwaitingAppointment))
        .collect();
    app.db.store.seed_applications(&seeds).await.unwrap();
    let s = new_session();
    let mut text = "1".to_string();
    let mut shown = Vec::new();
    loop {
        let page = app.ussd(&s, FAMILY, &text).await;
        assert!(page.starts_with("CON "), "{page}");
        shown.extend(
            page.lines()
                .filter(|l| l.contains("******"))
                .map(str::to_string),
        );
        if !page.ends_with("۰- بیشتر") {
            break;
        }
        text.push_str("*0");
    }
    // Every application once, numbered in order, two to a page.
    assert_eq!(shown.len(), 10, "{shown:?}");
    assert_eq!(text.matches('0').count(), 4, "{text}");
    for (i, line) in shown.iter().enumerate() {
        let n = to_persian_digits(&(i + 1).to_string());
        assert!(line.starts_with(&format!("{n}- ")), "{line}");
    }
    // 0 on the last page is wrong; a number from an earlier page still counts.
    let after = app.ussd(&s, FAMILY, &format!("{text}*0")).await;
    assert!(after.starts_with("CON ورودی نادرست است."), "{after}");
    assert!(app
        .ussd(&s, FAMILY, &format!("{text}*1"))
        .await
        .contains("در انتظار پرداخت"));
    app.db.cleanup().await;
}

#[tokio::test]
async fn sessions_expire() {
    let settings = Settings {
        ussd_session_ttl: Duration::from_secs(1),
        ..quiet()
    };
    let app = App::on(TestStore::sqlite().await, settings).await;
    let s = new_session();
    assert!(app.ussd(&s, FAMILY, "").await.starts_with("CON "));
    assert!(app.ussd(&s, FAMILY, "2").await.starts_with("CON "));
    tokio::time::sleep(Duration::from_millis(1_100)).await;
    let expired = "END نشست به پایان رسید؛ دوباره شماره‌گیری کنید.";
    assert_eq!(
        app.ussd(&s, FAMILY, &format!("2*{}", code(3))).await,
        expired
    );
    assert_eq!(app.ussd(&s, FAMILY, "").await, expired);
    // A new session works.
    assert!(app
        .ussd(&new_session(), FAMILY, "2")
        .await
        .starts_with("CON "));
    app.db.cleanup().await;
}

#[tokio::test]
async fn service_code_missing_fields_and_bodies() {
    let app = App::on(TestStore::sqlite().await, quiet()).await;
    let wrong = app
        .form(&[
            ("sessionId", "a"),
            ("serviceCode", "*4*6091#"),
            ("phoneNumber", FAMILY),
            ("text", ""),
        ])
        .await;
    well_formed(&wrong);
    assert_eq!(wrong.text, format!("END {}", screens::WRONG_SERVICE));
    // Spaces and Persian digits in the service code are the same code.
    let spaced = app
        .form(&[
            ("sessionId", "b"),
            ("serviceCode", " *۴*۶۰۹۰# "),
            ("phoneNumber", FAMILY),
            ("text", ""),
        ])
        .await;
    well_formed(&spaced);
    assert!(spaced.text.starts_with("CON کارت هوشمند ملی"));
    // Missing fields: still a 200 screen.
    for fields in [
        vec![],
        vec![("text", "1")],
        vec![("sessionId", "c"), ("text", "1")],
        vec![("serviceCode", SERVICE), ("phoneNumber", FAMILY)],
    ] {
        let a = app.form(&fields).await;
        well_formed(&a);
        assert!(a.text.starts_with("END "), "{fields:?}: {}", a.text);
    }
    // No text at all is the first request.
    let a = app
        .form(&[
            ("sessionId", "d"),
            ("serviceCode", SERVICE),
            ("phoneNumber", FAMILY),
        ])
        .await;
    well_formed(&a);
    assert!(a.text.starts_with("CON کارت هوشمند ملی"));
    // A form without a content type is read as a form; broken percent-encoding is read as best it can be.
    let a = app
        .raw(
            None,
            format!("sessionId=e&serviceCode=%2A4%2A6090%23&phoneNumber={FAMILY}&text=2"),
        )
        .await;
    well_formed(&a);
    assert!(a.text.starts_with("CON کد ملی"), "{}", a.text);
    let a = app
        .raw(
            Some("application/x-www-form-urlencoded"),
            "sessionId=f&serviceCode=%2A4%2A6090%23&text=%FF%FE%ZZ&&&=&text=1".into(),
        )
        .await;
    well_formed(&a);
    // Not a form: the API's error.
    let a = app
        .raw(
            Some("application/json"),
            json!({"sessionId": "g"}).to_string(),
        )
        .await;
    assert_eq!(a.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let v: Value = serde_json::from_str(&a.text).unwrap();
    assert_eq!(v["error"]["code"], "invalid_body");
    // Too long a text.
    let long = "1".repeat(1_001);
    assert_eq!(
        app.ussd(&new_session(), FAMILY, &long).await,
        format!("END {}", screens::TOO_LONG)
    );
    // A long input within the limit is one wrong input.
    let long = "۲".repeat(900);
    assert!(app
        .ussd(&new_session(), FAMILY, &long)
        .await
        .starts_with("CON ورودی نادرست است."));
    app.db.cleanup().await;
}

#[tokio::test]
async fn a_number_asking_too_often_is_told_to_wait() {
    let settings = Settings {
        captcha: false,
        ..Settings::default()
    };
    let app = App::on(TestStore::sqlite().await, settings).await;
    let s = new_session();
    for _ in 0..server::ussd::PER_PHONE_PER_MINUTE {
        assert!(app.ussd(&s, FAMILY, "").await.starts_with("CON "));
    }
    assert_eq!(
        app.ussd(&s, FAMILY, "").await,
        format!("END {}", screens::RATE_LIMITED)
    );
    // The same number written otherwise is the same number; another number is not limited.
    assert_eq!(
        app.ussd(&s, "+989121000001", "").await,
        format!("END {}", screens::RATE_LIMITED)
    );
    assert!(app.ussd(&new_session(), OWN, "").await.starts_with("CON "));
    app.db.cleanup().await;
}

/// Inputs people (and broken gateways) send: menu digits in three alphabets, codes, junk of any length.
fn token() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("1".to_string()),
        Just("2".to_string()),
        Just("0".to_string()),
        Just("۱".to_string()),
        Just("٢".to_string()),
        Just(code(2).as_str().to_string()),
        Just(code(3).as_str().to_string()),
        Just(tc(2).as_str().to_string()),
        Just(tc(3).as_str().to_string()),
        "[0-9۰-۹]{0,14}",
        "\\PC{0,40}",
        any::<String>(),
    ]
}

fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        proptest::collection::vec(token(), 0..8).prop_map(|v| v.join("*")),
        proptest::collection::vec(any::<char>(), 0..3_000).prop_map(|v| v.into_iter().collect()),
        "[*12۱۲0]{0,1200}",
    ]
}

fn phone() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(FAMILY.to_string()),
        Just("+989121000003".to_string()),
        "(\\+98|0|98)?9[0-9]{9}",
        "\\PC{0,60}",
        any::<String>(),
    ]
}

#[test]
fn any_input_gets_a_screen() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let app = rt.block_on(async { App::on(TestStore::sqlite().await, quiet()).await });
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
                let a = app
                    .form(&[
                        ("sessionId", session.as_str()),
                        ("serviceCode", SERVICE),
                        ("phoneNumber", phone.as_str()),
                        ("text", text.as_str()),
                    ])
                    .await;
                well_formed(&a);
            });
            Ok(())
        })
        .unwrap();
    rt.block_on(app.db.cleanup());
}

#[tokio::test]
async fn directional_controls_in_stored_office_text_never_reach_the_phone() {
    // An office imported before directional controls were refused: text/plain cannot isolate them, so the
    // screens leave them (and any control character) out.
    let app = App::on(TestStore::sqlite().await, quiet()).await;
    let spoofed = Office {
        name: "دفتر \u{202E}نوگژاو\u{202C}".into(),
        city: "کرج\u{2067}".into(),
        address: "خیابان \u{2066}بهشتی\u{2069}".into(),
        ..office()
    };
    app.db.store.upsert_offices(&[spoofed]).await.unwrap();
    let s = new_session();
    let waits = app.ussd(&s, FAMILY, "1*2").await;
    let addr = app.ussd(&s, FAMILY, "1*2*1").await;
    for screen in [&waits, &addr] {
        assert!(
            !screen.chars().any(domain::text::is_bidi_control),
            "{screen:?}"
        );
    }
    assert!(waits.contains("در دفتر نوگژاو"), "{waits}");
    assert_eq!(addr, "END دفتر نوگژاو\nکرج، خیابان بهشتی");
    app.db.cleanup().await;
}

/// One first-screen request from `peer` (none: no connect info) with extra headers, to `uri`.
async fn from_peer(
    router: &axum::Router,
    peer: Option<&str>,
    uri: &str,
    headers: &[(&str, &str)],
    phone: &str,
) -> (StatusCode, String) {
    let body = serde_urlencoded::to_string([
        ("sessionId", new_session().as_str()),
        ("serviceCode", SERVICE),
        ("phoneNumber", phone),
        ("text", ""),
    ])
    .unwrap();
    let mut req =
        Request::post(uri).header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    let mut req = req.body(Body::from(body)).unwrap();
    if let Some(p) = peer {
        let addr: SocketAddr = format!("{p}:5000").parse().unwrap();
        req.extensions_mut().insert(ConnectInfo(addr));
    }
    let res = router.clone().oneshot(req).await.unwrap();
    let status = res.status();
    let bytes = res.into_body().collect().await.unwrap().to_bytes();
    (status, String::from_utf8_lossy(&bytes).into_owned())
}

#[tokio::test]
async fn only_the_gateway_may_ask() {
    let db = TestStore::sqlite().await;
    let app = App::on(db, quiet()).await;
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
    app.db.cleanup().await;
}

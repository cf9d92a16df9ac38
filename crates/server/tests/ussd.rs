//! `POST /ussd`, the USSD gateway's service: both menu paths on SQLite and PostgreSQL (the applications of the
//! codes registered to the calling number; one application by national code and tracking code), masked codes,
//! where the card waits and the office's address, hints and three strikes, expiry, the service code, missing
//! fields, rate limits, and any input at all answered with a screen of at most 80 characters. Only the gateway may
//! ask: this machine by default, else the configured secret and/or addresses; and a limit per client.

#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

use axum::body::Body;
use axum::extract::connect_info::ConnectInfo;
use axum::http::{header, Request, StatusCode};
use chrono::Utc;
use domain::text::to_persian_digits;
use domain::{ApplicationState, Channel, Mobile, Office, Person, Reason, TrackingCode};
use proptest::prelude::*;
use serde_json::{json, Value};
use server::gateway::GatewayAccess;
use server::ussd::screens;
use server::{AppState, Settings};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;
use store::journey::{NewApplication, SeedApplication};
use testkit::{code, quiet, today, Answer, PersonBuilder, TestApp, TestStore};

const SERVICE: &str = "*4*6090#";
/// The number persons 1, 2 and 4 share (a family).
const FAMILY: &str = "09121000001";
/// Person 3's own number.
const OWN: &str = "09121000003";

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

fn registered(n: u32) -> PersonBuilder {
    PersonBuilder::new(n)
        .mother("فاطمه زهرا")
        .mobile(phone_of(n))
}

fn person(n: u32) -> Person {
    registered(n).build()
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
    testkit::office("30-0001")
        .address("خیابان بهشتی، کوچهٔ ۱۲، پلاک ۳")
        .capacity(20)
        .build()
}

static SESSIONS: AtomicU32 = AtomicU32::new(0);

fn new_session() -> String {
    format!("s{}", SESSIONS.fetch_add(1, Ordering::Relaxed))
}

/// Persons 1–4 and the office: person 1 filed through the API (awaiting payment); 2's card waits at the office;
/// 3's is in production; 4 (on the family number) has no application. The gateway calls from this machine (the
/// default access).
async fn ussd_app(db: TestStore, settings: Settings) -> TestApp {
    let app = TestApp::builder()
        .settings(settings)
        .peer(SocketAddr::from(([127, 0, 0, 1], 40_000)))
        .persons(&[person(1), person(2), person(3), person(4)])
        .offices(&[office()])
        .on(db)
        .await;
    app.file(&testkit::filing(&registered(1))).await;
    let s = &app.db.store;
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

async fn raw(app: &TestApp, content_type: Option<&str>, body: String) -> Answer {
    let call = app.post("/ussd");
    match content_type {
        Some(ct) => call.body(ct, body),
        None => call.raw_body(body),
    }
    .await
}

async fn form(app: &TestApp, fields: &[(&str, &str)]) -> Answer {
    app.post_form("/ussd", fields).await
}

/// One request of a session; the answer must be a well-formed screen.
async fn ussd(app: &TestApp, session: &str, phone: &str, text: &str) -> String {
    let a = form(
        app,
        &[
            ("sessionId", session),
            ("serviceCode", SERVICE),
            ("phoneNumber", phone),
            ("text", text),
        ],
    )
    .await;
    well_formed(&a);
    a.text()
}

/// 200, text/plain, `CON `/`END `, at most 80 characters, and no whole national code of anyone.
fn well_formed(a: &Answer) {
    assert_eq!(a.status, StatusCode::OK, "{}", a.text());
    assert_eq!(a.content_type(), "text/plain; charset=utf-8");
    assert!(
        a.text().starts_with("CON ") || a.text().starts_with("END "),
        "{:?}",
        a.text()
    );
    assert!(
        a.text().chars().count() <= 80,
        "{} chars: {}",
        a.text().chars().count(),
        a.text()
    );
    for n in 1..=4 {
        let c = code(n);
        assert!(!a.text().contains(c.as_str()), "{}", a.text());
        assert!(
            !a.text().contains(&to_persian_digits(c.as_str())),
            "{}",
            a.text()
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
        let app = ussd_app(db, quiet()).await;
        let phone = "+989121000001"; // the family number as the network gives it
        let s = new_session();

        // The first screen.
        let first = ussd(&app, &s, phone, "").await;
        assert_eq!(
            first,
            "CON کارت هوشمند ملی\n۱- درخواست‌های شمارهٔ من\n۲- پیگیری با کد ملی و کد رهگیری"
        );

        // 1: the family's applications, masked; person 4 has none.
        let list = ussd(&app, &s, phone, "1").await;
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
        let one = ussd(&app, &s, phone, "1*1").await;
        assert!(one.starts_with("END "), "{one}");
        assert!(one.contains(&masked(1)), "{one}");
        assert!(one.contains("در انتظار پرداخت"), "{one}");
        assert!(one.contains(&today().format_fa()), "{one}");
        assert!(!one.contains("دفتر پیشخوان"), "{one}");

        // Person 2: the card waits at the office; its address on request.
        let two = ussd(&app, &s, phone, "1*2").await;
        assert!(two.starts_with("CON آمادهٔ تحویل از "), "{name}: {two}");
        assert!(two.contains("در دفتر پیشخوان کرج"), "{two}");
        assert!(two.ends_with("\n۱- نشانی ۲- دفتر دیگر"), "{two}");
        let addr = ussd(&app, &s, phone, "1*2*1").await;
        assert_eq!(
            addr, "END دفتر پیشخوان کرج\nکرج، خیابان بهشتی، کوچهٔ ۱۲، پلاک ۳",
            "{name}"
        );

        // 2: by national code and tracking code, typed in Persian digits, from any phone.
        let s = new_session();
        let other = "09359999999";
        assert_eq!(
            ussd(&app, &s, other, "2").await,
            "CON کد ملی ۱۰ رقمی را وارد کنید:"
        );
        let text = format!("2*{}", fa(3));
        assert_eq!(
            ussd(&app, &s, other, &text).await,
            "CON کد رهگیری ۱۲ رقمی را وارد کنید:"
        );
        let text = format!("2*{}*{}", fa(3), to_persian_digits(tc(3).as_str()));
        let three = ussd(&app, &s, other, &text).await;
        // Not yet on its way: the office it goes to may still change.
        assert!(three.starts_with("CON "), "{three}");
        assert!(three.ends_with("۲- دفتر دیگر"), "{three}");
        assert!(three.contains("در حال صدور از "), "{name}: {three}");
        assert!(three.contains(&masked(3)), "{three}");

        // The waiting card by path 2, and its address.
        let s = new_session();
        let text = format!("2*{}*{}", code(2), tc(2));
        let waits = ussd(&app, &s, other, &text).await;
        assert!(waits.contains("در دفتر پیشخوان کرج"), "{waits}");
        let addr = ussd(&app, &s, other, &format!("{text}*۱")).await;
        assert!(addr.contains("خیابان بهشتی"), "{addr}");

        // A wrong pair and an unknown code are answered alike.
        let s = new_session();
        let wrong_pair = ussd(&app, &s, other, &format!("2*{}*{}", code(1), tc(3))).await;
        let unknown = ussd(&app, &s, other, &format!("2*{}*{}", code(99), tc(3))).await;
        assert_eq!(wrong_pair, format!("END {}", screens::NOT_FOUND));
        assert_eq!(unknown, wrong_pair);

        // Person 3's own number lists only person 3.
        let s = new_session();
        let own = ussd(&app, &s, OWN, "1").await;
        assert!(
            own.contains(&format!("۱- {} در حال صدور", masked(3))),
            "{own}"
        );
        assert!(!own.contains("۲-"), "{own}");
    }
}

#[tokio::test]
async fn numbers_without_applications_or_not_mobiles() {
    let app = ussd_app(TestStore::sqlite().await, quiet()).await;
    let s = new_session();
    assert_eq!(
        ussd(&app, &s, "09120000000", "1").await,
        format!("END {}", screens::NONE_FOR_NUMBER)
    );
    // Not a mobile number: option 1 cannot work, option 2 still does.
    for phone in ["", "abc", "021 1234 5678"] {
        let s = new_session();
        assert_eq!(
            ussd(&app, &s, phone, "1").await,
            format!("END {}", screens::UNKNOWN_NUMBER)
        );
        let text = format!("2*{}*{}", code(3), tc(3));
        assert!(ussd(&app, &s, phone, &text).await.contains("در حال صدور"));
    }
}

#[tokio::test]
async fn wrong_input_gets_a_hint_and_three_end_the_session() {
    let app = ussd_app(TestStore::sqlite().await, quiet()).await;
    let p = FAMILY;
    let s = new_session();
    let hinted_menu =
        "CON ورودی نادرست است.\n۱- درخواست‌های شمارهٔ من\n۲- پیگیری با کد ملی و کد رهگیری";
    assert_eq!(ussd(&app, &s, p, "9").await, hinted_menu);
    assert_eq!(ussd(&app, &s, p, "9*سلام").await, hinted_menu);
    assert_eq!(ussd(&app, &s, p, "9*").await, hinted_menu);
    assert_eq!(
        ussd(&app, &s, p, "9*x*7").await,
        format!("END {}", screens::TOO_MANY_WRONG)
    );
    // A right input in between starts the count again.
    assert_eq!(
        ussd(&app, &s, p, "9*x*2").await,
        "CON کد ملی ۱۰ رقمی را وارد کنید:"
    );
    // National code: too short, bad check digit, letters.
    assert_eq!(
        ussd(&app, &s, p, "2*123").await,
        "CON کد ملی درست نیست.\nکد ملی ۱۰ رقمی را وارد کنید:"
    );
    let bad_check = format!(
        "{}{}",
        &code(1).as_str()[..9],
        (code(1).as_str().as_bytes()[9] - b'0' + 1) % 10
    );
    assert!(ussd(&app, &s, p, &format!("2*{bad_check}"))
        .await
        .starts_with("CON کد ملی درست نیست."));
    assert_eq!(
        ussd(&app, &s, p, "2*123*abc*1").await,
        format!("END {}", screens::TOO_MANY_WRONG)
    );
    let text = format!("2*123*{}", code(3));
    assert_eq!(
        ussd(&app, &s, p, &text).await,
        "CON کد رهگیری ۱۲ رقمی را وارد کنید:"
    );
    // Tracking code: a wrong check digit.
    let mut bad_tc = tc(3).as_str().to_string();
    let last = (bad_tc.pop().unwrap() as u8 - b'0' + 1) % 10;
    bad_tc.push((b'0' + last) as char);
    assert_eq!(
        ussd(&app, &s, p, &format!("{text}*{bad_tc}")).await,
        "CON کد رهگیری درست نیست.\nکد رهگیری ۱۲ رقمی را وارد کنید:"
    );
    assert!(ussd(&app, &s, p, &format!("{text}*{bad_tc}*{}", tc(3)))
        .await
        .contains("در حال صدور"));
    // The list: a number out of range, then a right one.
    let s = new_session();
    let list = ussd(&app, &s, p, "1*5").await;
    assert!(list.starts_with("CON ورودی نادرست است.\n۱- "), "{list}");
    assert!(ussd(&app, &s, p, "1*5*0")
        .await
        .starts_with("CON ورودی نادرست است."));
    assert!(ussd(&app, &s, p, "1*5*1")
        .await
        .contains("در انتظار پرداخت"));
    // The office screen: anything but 1 or 2 is wrong.
    let waits = ussd(&app, &s, p, "1*2*3").await;
    assert_eq!(
        waits,
        "CON ورودی نادرست است.\nدر دفتر پیشخوان کرج\n۱- نشانی ۲- دفتر دیگر"
    );
    assert!(ussd(&app, &s, p, "1*2*3*1").await.contains("خیابان بهشتی"));
    assert_eq!(
        ussd(&app, &s, p, "1*2*3*3*3").await,
        format!("END {}", screens::TOO_MANY_WRONG)
    );
}

#[tokio::test]
async fn many_codes_on_one_number_are_paged() {
    let db = TestStore::sqlite().await;
    let app = ussd_app(db, quiet()).await;
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
        let page = ussd(&app, &s, FAMILY, &text).await;
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
    let after = ussd(&app, &s, FAMILY, &format!("{text}*0")).await;
    assert!(after.starts_with("CON ورودی نادرست است."), "{after}");
    assert!(ussd(&app, &s, FAMILY, &format!("{text}*1"))
        .await
        .contains("در انتظار پرداخت"));
}

#[tokio::test]
async fn sessions_expire() {
    let settings = Settings {
        ussd_session_ttl: Duration::from_secs(1),
        ..quiet()
    };
    let app = ussd_app(TestStore::sqlite().await, settings).await;
    let s = new_session();
    assert!(ussd(&app, &s, FAMILY, "").await.starts_with("CON "));
    assert!(ussd(&app, &s, FAMILY, "2").await.starts_with("CON "));
    tokio::time::sleep(Duration::from_millis(1_100)).await;
    let expired = "END نشست به پایان رسید؛ دوباره شماره‌گیری کنید.";
    assert_eq!(
        ussd(&app, &s, FAMILY, &format!("2*{}", code(3))).await,
        expired
    );
    assert_eq!(ussd(&app, &s, FAMILY, "").await, expired);
    // A new session works.
    assert!(ussd(&app, &new_session(), FAMILY, "2")
        .await
        .starts_with("CON "));
}

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
    let a = testkit::send(router, req).await;
    (a.status, a.text())
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

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

mod gateway;
mod menus;

#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

//! The counter office pages driven in-process through their HTML forms, as a browser without JavaScript would:
//! login and the desk's day, check-in, enrollment posted as multipart/form-data (refused with the message at the
//! field, then done), the receipt PDF, the record and a transfer with the holder's finger, the supervisors'
//! adjudication with both photos, shipments and pickup forms, and the refusals: no session, another office, not a
//! supervisor.

use axum::http::{header, StatusCode};
use chrono::Utc;
use domain::{
    ApplicationState, Channel, Event, Mobile, NationalCode, OfficeId, ProvinceCode, Reason, Role,
    TrackingCode,
};
use store::journey::{Booked, Change, Filed, NewApplication};
use testkit::enrollment::{form as enrollment_body, ten_prints};
use testkit::{code_of, office, today, Answer, Multipart, PersonBuilder, TestApp, PASSWORD};

const OFFICE: &str = "KRJ-101";
const OTHER_OFFICE: &str = "KRJ-102";

fn fa(s: &str) -> String {
    domain::text::to_persian_digits(s)
}

/// A valid national code from nine digits (the tenth checks them).
fn national_code(nine: &str) -> String {
    code_of(nine.parse().unwrap()).to_string()
}

fn change(actor: &str) -> Change {
    Change {
        actor: actor.into(),
        at: Utc::now(),
        reason: None,
    }
}

/// The pages served at http://127.0.0.1:8080.
async fn desk() -> TestApp {
    serving("http://127.0.0.1:8080").await
}

/// The pages served at `public_url`: two offices of Karaj, an operator and a supervisor of the first, an
/// operator of the second, a national administrator.
async fn serving(public_url: &str) -> TestApp {
    let counter = |id: &str, name: &str| {
        office(id)
            .name(name)
            .address("خیابان بهشتی، پلاک ۱۲")
            .capacity(10)
            .build()
    };
    TestApp::builder()
        .with_settings(|s| s.public_url = public_url.into())
        .offices(&[
            counter(OFFICE, "دفتر پیشخوان گوهردشت"),
            counter(OTHER_OFFICE, "دفتر پیشخوان مهرشهر"),
        ])
        .staff("op1", Role::Operator, Some(OFFICE), None)
        .staff("sup1", Role::Supervisor, Some(OFFICE), None)
        .staff("op2", Role::Operator, Some(OTHER_OFFICE), None)
        .staff("admin", Role::NationalAdmin, None, None)
        .build()
        .await
}

/// A person of the registry (national code from `nine`) with an application booked today at `OFFICE`: its
/// tracking code.
async fn booked(app: &TestApp, nine: &str, body: u64) -> TrackingCode {
    let s = &app.state.store;
    let code = national_code(nine);
    s.upsert_persons(&[PersonBuilder::with_code(&code)
        .of_tehran()
        .mobile("09121234567")
        .build()])
        .await
        .unwrap();
    let tc = TrackingCode::from_body(body);
    let filed = s
        .file_application(&NewApplication {
            tracking_code: tc,
            national_code: NationalCode::parse(&code).unwrap(),
            reason: Reason::FirstIssue,
            channel: Channel::Portal,
            mobile: Mobile::parse("09121234567").unwrap(),
            fee_rials: 250_000,
            filing_office: None,
            province: Some(ProvinceCode::parse("30").unwrap()),
            actor: "citizen".into(),
            at: Utc::now(),
        })
        .await
        .unwrap();
    assert!(matches!(filed, Filed::Created(_)));
    assert!(s
        .transition(
            &tc,
            ApplicationState::AwaitingPayment,
            Event::PaymentSettled,
            &change("gateway:sandbox"),
        )
        .await
        .unwrap());
    let booked = s
        .book(
            &tc,
            &OfficeId::parse(OFFICE).unwrap(),
            today(),
            &change("citizen"),
        )
        .await
        .unwrap();
    assert!(matches!(booked, Booked::Booked(_)), "{booked:?}");
    tc
}

async fn state_of(app: &TestApp, tc: &TrackingCode) -> ApplicationState {
    app.state
        .store
        .application(tc)
        .await
        .unwrap()
        .unwrap()
        .state
}

/// Logs in through the form: the `name=value` pair of the staff cookie.
async fn login(app: &TestApp, username: &str) -> String {
    let a = app
        .post_form(
            "/office/login",
            &[("username", username), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(a.status, StatusCode::SEE_OTHER, "{}", a.text());
    assert_eq!(a.location(), "/office");
    let set = a.set_cookie().unwrap().to_string();
    assert!(set.starts_with("shenas_staff="), "{set}");
    assert!(
        set.contains("HttpOnly") && set.contains("Path=/office"),
        "{set}"
    );
    set.split(';').next().unwrap().to_string()
}

async fn enroll(app: &TestApp, tc: &TrackingCode, cookie: &str, seed: u64) -> Answer {
    app.post(&format!("/office/enroll/{}", tc.as_str()))
        .multipart(&testkit::enrollment::form_of(seed))
        .cookie(cookie)
        .await
}

/// The record page's transfer form: the holder's national code and one finger.
fn transfer_body(national_code: &str, position: u8, data: Vec<u8>) -> Multipart {
    Multipart::new()
        .text("national_code", &fa(national_code))
        .text("position", &position.to_string())
        .text("format", "iso19794_2")
        .file("data", "probe.iso", data)
}

/// Enrolled, cleared, made by a manufacturer and shipped to the office: the shipment's id.
async fn produce_and_ship(app: &TestApp, tcs: &[(&TrackingCode, &str)]) -> i64 {
    use store::production::{CardOutcome, CardResult};
    let s = &app.state.store;
    for (tc, _) in tcs {
        let id = s.application(tc).await.unwrap().unwrap().id;
        s.record_dedup(id, &[], Utc::now()).await.unwrap();
    }
    let (_, prefix, hash) = server::agency::key::new_api_key();
    let vendor = s
        .create_vendor("pars-card", 100, 100_000, &prefix, &hash, Utc::now())
        .await
        .unwrap();
    assert_eq!(
        server::cards::workers::form_batches(&app.state)
            .await
            .unwrap()
            .len(),
        1
    );
    let batch = s.claim_batch(vendor, Utc::now()).await.unwrap().unwrap();
    let results: Vec<CardResult> = tcs
        .iter()
        .map(|(tc, serial)| CardResult {
            tracking_code: **tc,
            outcome: CardOutcome::Personalized(domain::ChipSerial::parse(serial).unwrap()),
        })
        .collect();
    s.batch_results(vendor, batch.id, &results, &change("vendor:pars-card"))
        .await
        .unwrap();
    let shipped = s
        .dispatch_batch(vendor, batch.id, &change("vendor:pars-card"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(shipped.len(), 1);
    shipped[0].id
}

fn probe_body(tc: &TrackingCode, position: u8, data: Vec<u8>) -> Multipart {
    Multipart::new()
        .text("tracking_code", &fa(tc.as_str()))
        .text("position", &position.to_string())
        .text("format", "iso19794_2")
        .file("data", "probe.iso", data)
}

mod counter;
mod desk;
mod filing;
mod guards;

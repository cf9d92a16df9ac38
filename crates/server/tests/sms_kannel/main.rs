//! The SMS outbox against a real Kannel (bearerbox, smsbox and fakesmsc, started by the test): the "card ready"
//! message reaches the fake SMS centre in Persian, its delivery report comes back to `/sms/dlr` and marks it
//! delivered; a citizen's SMS with a national code to the short number gets the status back when the number is
//! linked to that code, and the same "nothing found" otherwise; a gateway that stays down gets the message failed
//! after the last attempt and the number flagged; a holder whose typed number is dead is reached on a number linked to
//! the national code (Chapar) and collects the card. The callbacks answer only Kannel (this machine by default, else the
//! configured secret, which Kannel sends in its `get-url` and the sender puts in every `dlr-url`); a delivery report
//! needs its message's token; status replies are limited per number (also through Kannel) and in all. SQLite only: the outbox's SQL is
//! tested on both databases by the store suite.

#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Request, StatusCode};
use chrono::Utc;
use domain::{
    ApplicationState, Channel, Event, JalaliDate, Mobile, OfficeId, Person, Reason, TrackingCode,
};
use server::gateway::GatewayAccess;
use server::{AppState, Settings};
use std::sync::Arc;
use std::time::Duration;
use store::journey::{Change, Filed, NewApplication};
use store::production::*;
use testkit::{code, office, PersonBuilder, TestStore};

/// Person `n`'s mobile: a number of its own range, so that the fake SMS centre's log is read by number.
fn mobile(n: u32) -> String {
    format!("0935{:07}", n)
}

fn person(n: u32) -> Person {
    PersonBuilder::new(n)
        .first_name("رضا")
        .last_name("کریمی")
        .father("حسین")
        .mother("مریم")
        .born("1365-01-20")
        .of_tehran()
        .address("تهران")
        .mobile(&mobile(n))
        .build()
}

fn ch(actor: &str) -> Change {
    Change {
        actor: actor.into(),
        at: Utc::now(),
        reason: None,
    }
}

/// Moves person `n`'s application to `ready_for_pickup` at office 30-0001 through the store.
async fn ready(state: &AppState, n: u32) -> (TrackingCode, i64) {
    let s = &state.store;
    let tc = TrackingCode::from_body(u64::from(n) * 7_777 + 3);
    let new = NewApplication {
        tracking_code: tc,
        national_code: code(n),
        reason: Reason::FirstIssue,
        channel: Channel::Portal,
        mobile: Mobile::parse(&mobile(n)).unwrap(),
        fee_rials: 250_000,
        filing_office: None,
        province: None,
        actor: "citizen".into(),
        at: Utc::now(),
    };
    assert!(matches!(
        s.file_application(&new).await.unwrap(),
        Filed::Created(_)
    ));
    s.transition(
        &tc,
        ApplicationState::AwaitingPayment,
        Event::PaymentSettled,
        &ch("bank"),
    )
    .await
    .unwrap();
    let office = OfficeId::parse("30-0001").unwrap();
    let day = JalaliDate::parse("1405-09-10").unwrap();
    s.book(&tc, &office, day, &ch("citizen")).await.unwrap();
    let e = NewEnrollment {
        tracking_code: tc,
        office: office.clone(),
        birth_certificate_seen: true,
        old_card_collected: false,
        holder: CardHolder {
            national_code: code(n).as_str().into(),
            first_name: "رضا".into(),
            last_name: "کریمی".into(),
            father_name: "حسین".into(),
            gender: "male".into(),
            birth_date_jalali: "1365-01-20".into(),
            postal_code: Some("1314567890".into()),
        },
        fingers: vec![],
        photo_key: "p".into(),
        card_photo_key: "c".into(),
        signature_key: "s".into(),
        templates_key: "t".into(),
        personalisation_key: "k".into(),
        change: ch("operator:op"),
    };
    let Enrolled::Done { application_id } = s.enroll(&e).await.unwrap() else {
        panic!("not enrolled")
    };
    s.record_dedup(application_id, &[], Utc::now())
        .await
        .unwrap();
    let vendor = match s.vendor_by_key("h").await.unwrap() {
        Some(v) => v.id,
        None => s
            .create_vendor("v", 100, 1000, "p", "h", Utc::now())
            .await
            .unwrap(),
    };
    s.form_batches("1405-09-01", 100, &ch("system"))
        .await
        .unwrap();
    let b = s.claim_batch(vendor, Utc::now()).await.unwrap().unwrap();
    let serial = ChipSerial::parse(&format!("KN-{n:08}")).unwrap();
    s.batch_results(
        vendor,
        b.id,
        &[CardResult {
            tracking_code: tc,
            outcome: CardOutcome::Personalized(serial),
        }],
        &ch("vendor"),
    )
    .await
    .unwrap();
    for sh in s
        .dispatch_batch(vendor, b.id, &ch("vendor"))
        .await
        .unwrap()
        .unwrap()
    {
        s.receive_shipment(sh.id, &office, None, &ch("operator:op"))
            .await
            .unwrap();
    }
    (tc, application_id)
}

use domain::ChipSerial;

/// The service on a real port, sending through a real Kannel whose delivery reports come back to it.
async fn served_with_kannel(db: &TestStore) -> (AppState, sms::testing::KannelHarness) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let kannel = sms::testing::KannelHarness::start(&format!("http://{addr}"))
        .await
        .unwrap();
    let state = AppState::new(db.store.clone(), Settings::default()).with_services(|s| {
        s.sms = Arc::new(
            sms::KannelSender::new(kannel.sendsms_config()).with_dlr_tokens(s.dlr_tokens.clone()),
        );
    });
    let app = server::router(state.clone());
    tokio::spawn(async move {
        axum::serve(
            listener,
            app.into_make_service_with_connect_info::<std::net::SocketAddr>(),
        )
        .await
        .unwrap();
    });
    (state, kannel)
}

async fn eventually<F, Fut>(what: &str, mut f: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    for _ in 0..100 {
        if f().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("timed out waiting for {what}");
}

/// A GET to the router as if from `peer`; the status.
async fn get_from(router: &axum::Router, peer: &str, uri: &str) -> StatusCode {
    let mut req = Request::get(uri).body(Body::empty()).unwrap();
    let addr: std::net::SocketAddr = format!("{peer}:6000").parse().unwrap();
    req.extensions_mut().insert(ConnectInfo(addr));
    testkit::send(router, req).await.status
}

async fn kannel_office(db: &TestStore) {
    db.store
        .upsert_offices(&[office("30-0001").build()])
        .await
        .unwrap();
}

const SECRET: &str = "kannel-callback-secret-0123456789";

mod callers;
mod delivery;
mod replies;

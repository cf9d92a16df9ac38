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

#[tokio::test]
async fn ready_sms_delivery_reports_and_status_by_sms_through_kannel() {
    if !sms::testing::kannel_available_or_skip("ready_sms_through_kannel") {
        return;
    }
    let db = TestStore::sqlite().await;
    db.store
        .upsert_persons(&[person(1), person(2)])
        .await
        .unwrap();
    db.store
        .upsert_offices(&[office("30-0001").build()])
        .await
        .unwrap();
    let (state, kannel) = served_with_kannel(&db).await;

    let (tc, app_id) = ready(&state, 1).await;
    let sent = server::cards::workers::send_sms(&state, 100, 16)
        .await
        .unwrap();
    assert_eq!(sent.sent, 1);
    let got = kannel.wait_for(1, Duration::from_secs(15)).await.unwrap();
    assert!(got[0].to.ends_with("9350000001"), "{:?}", got[0]);
    assert!(got[0].text.contains("آمادهٔ تحویل"), "{}", got[0].text);
    assert!(got[0]
        .text
        .contains(&domain::text::to_persian_digits(tc.as_str())));
    assert!(got[0].text.contains("دفتر پیشخوان کرج"));
    // The delivery report marks it delivered.
    eventually("the delivery report", || async {
        state.store.sms_of(app_id).await.unwrap()[0].state == SmsState::Delivered
    })
    .await;

    // Status by SMS: the number is person 1's, and so is the code (in Persian digits, with words around it).
    let asked = format!(
        "وضعیت {}",
        domain::text::to_persian_digits(code(1).as_str())
    );
    kannel.inject_mo(&mobile(1), &asked).await.unwrap();
    // Person 2's number asks about person 1's code: nothing is revealed.
    kannel
        .inject_mo(&mobile(2), code(1).as_str())
        .await
        .unwrap();
    let mut replies = Vec::new();
    for _ in 0..100 {
        let r = server::cards::workers::send_sms(&state, 100, 16)
            .await
            .unwrap();
        if r.sent > 0 {
            replies = kannel
                .wait_for(1 + replies.len() + r.sent as usize, Duration::from_secs(15))
                .await
                .unwrap()[1..]
                .to_vec();
        }
        if replies.len() >= 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(replies.len(), 2, "two replies: {replies:?}");
    let to_1 = replies
        .iter()
        .find(|r| r.to.ends_with("9350000001"))
        .unwrap();
    let to_2 = replies
        .iter()
        .find(|r| r.to.ends_with("9350000002"))
        .unwrap();
    assert!(to_1.text.contains("آمادهٔ تحویل در دفتر"), "{}", to_1.text);
    assert!(to_1.text.contains("دفتر پیشخوان کرج"), "{}", to_1.text);
    assert_eq!(to_2.text, server::kannel::NOTHING_FOUND);
}

#[tokio::test]
async fn a_gateway_that_stays_down_fails_the_message_and_flags_the_number() {
    let db = TestStore::sqlite().await;
    db.store.upsert_persons(&[person(3)]).await.unwrap();
    db.store
        .upsert_offices(&[office("30-0001").build()])
        .await
        .unwrap();
    // Nothing listens on this port.
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let state = AppState::new(
        db.store.clone(),
        Settings {
            sms_max_attempts: 2,
            ..Settings::default()
        },
    )
    .with_services(|s| {
        s.sms = Arc::new(sms::KannelSender::new(sms::KannelConfig {
            sendsms_url: format!("http://{closed}/cgi-bin/sendsms"),
            username: "u".into(),
            password: "p".into(),
            from: "6090".into(),
            dlr_url: "http://127.0.0.1:1/sms/dlr".into(),
        }));
    });
    let (_, app_id) = ready(&state, 3).await;
    let first = server::cards::workers::send_sms(&state, 10, 4)
        .await
        .unwrap();
    assert_eq!(first.retried, 1);
    let msg = &state.store.sms_of(app_id).await.unwrap()[0];
    assert_eq!((msg.state, msg.attempts), (SmsState::Pending, 1));
    assert!(msg.last_error.is_some());
    // Not due again before its back-off.
    assert_eq!(
        server::cards::workers::send_sms(&state, 10, 4)
            .await
            .unwrap(),
        Default::default()
    );
    db.exec_raw(
        "UPDATE sms_outbox SET next_attempt_at = '2000-01-01T00:00:00Z'",
        "UPDATE sms_outbox SET next_attempt_at = '2000-01-01T00:00:00Z'",
    )
    .await;
    let second = server::cards::workers::send_sms(&state, 10, 4)
        .await
        .unwrap();
    assert_eq!(second.failed, 1);
    assert_eq!(
        state.store.sms_of(app_id).await.unwrap()[0].state,
        SmsState::Failed
    );
    assert!(state.store.sms_flagged(app_id).await.unwrap());
}

#[tokio::test]
async fn reminders_the_end_of_the_pickup_period_and_unanswered_claims() {
    let db = TestStore::sqlite().await;
    db.store
        .upsert_persons(&[person(5), person(6)])
        .await
        .unwrap();
    db.store
        .upsert_offices(&[office("30-0001").build()])
        .await
        .unwrap();
    let state = AppState::new(db.store.clone(), Settings::default());
    let (tc, app_id) = ready(&state, 5).await;
    let back = |days: i64| {
        let at = (Utc::now() - chrono::Duration::days(days)).to_rfc3339();
        format!("UPDATE cards SET ready_at = '{at}'")
    };
    // Nothing is due on the day the card arrives.
    assert_eq!(server::cards::workers::remind(&state).await.unwrap(), 0);
    db.exec_raw(&back(8), "").await;
    assert_eq!(server::cards::workers::remind(&state).await.unwrap(), 1);
    assert_eq!(
        server::cards::workers::remind(&state).await.unwrap(),
        0,
        "once"
    );
    db.exec_raw(&back(31), "").await;
    assert_eq!(server::cards::workers::remind(&state).await.unwrap(), 1);
    let kinds: Vec<String> = state
        .store
        .sms_of(app_id)
        .await
        .unwrap()
        .into_iter()
        .map(|m| m.kind.split(':').next().unwrap().to_string())
        .collect();
    assert_eq!(kinds, ["ready", "reminder_7", "reminder_30"]);
    let reminder = &state.store.sms_of(app_id).await.unwrap()[1];
    assert!(reminder.text.contains("یادآوری"), "{}", reminder.text);
    assert!(reminder
        .text
        .contains(&domain::text::to_persian_digits(tc.as_str())));
    // Past the pickup period (90 days): uncollected, with the reason.
    assert_eq!(
        server::cards::workers::expire_pickups(&state)
            .await
            .unwrap(),
        0
    );
    db.exec_raw(&back(91), "").await;
    assert_eq!(
        server::cards::workers::expire_pickups(&state)
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        state.store.application(&tc).await.unwrap().unwrap().state,
        ApplicationState::Uncollected
    );
    let card = state
        .store
        .card_of_application(app_id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        card.uncollected_reason,
        Some(domain::UncollectedReason::None)
    );

    // A claim the manufacturer never answers: its cards go back in the queue after the timeout (72 hours).
    let s = &state.store;
    let tc6 = TrackingCode::from_body(6 * 7_777 + 3);
    let new = NewApplication {
        tracking_code: tc6,
        national_code: code(6),
        reason: Reason::FirstIssue,
        channel: Channel::Portal,
        mobile: Mobile::parse(&mobile(6)).unwrap(),
        fee_rials: 250_000,
        filing_office: None,
        province: None,
        actor: "citizen".into(),
        at: Utc::now(),
    };
    s.file_application(&new).await.unwrap();
    s.transition(
        &tc6,
        ApplicationState::AwaitingPayment,
        Event::PaymentSettled,
        &ch("bank"),
    )
    .await
    .unwrap();
    let office = OfficeId::parse("30-0001").unwrap();
    s.book(
        &tc6,
        &office,
        JalaliDate::parse("1405-09-10").unwrap(),
        &ch("citizen"),
    )
    .await
    .unwrap();
    let mut e = state.store.enrollment(&tc).await.unwrap().unwrap();
    e.holder.national_code = code(6).as_str().into();
    let Enrolled::Done { application_id } = s
        .enroll(&NewEnrollment {
            tracking_code: tc6,
            office: office.clone(),
            birth_certificate_seen: true,
            old_card_collected: false,
            holder: e.holder,
            fingers: vec![],
            photo_key: "p".into(),
            card_photo_key: "c".into(),
            signature_key: "s".into(),
            templates_key: "t".into(),
            personalisation_key: "k".into(),
            change: ch("operator:op"),
        })
        .await
        .unwrap()
    else {
        panic!("not enrolled")
    };
    s.record_dedup(application_id, &[], Utc::now())
        .await
        .unwrap();
    assert_eq!(
        server::cards::workers::form_batches(&state)
            .await
            .unwrap()
            .len(),
        1
    );
    let vendor = s.vendor_by_key("h").await.unwrap().unwrap().id;
    let batch = s.claim_batch(vendor, Utc::now()).await.unwrap().unwrap();
    assert_eq!(
        server::cards::workers::expire_claims(&state).await.unwrap(),
        0
    );
    let old = (Utc::now() - chrono::Duration::hours(73)).to_rfc3339();
    db.exec_raw(
        &format!(
            "UPDATE batches SET claimed_at = '{old}' WHERE id = {}",
            batch.id
        ),
        "",
    )
    .await;
    assert_eq!(
        server::cards::workers::expire_claims(&state).await.unwrap(),
        1
    );
    assert_eq!(
        s.application(&tc6).await.unwrap().unwrap().state,
        ApplicationState::Enrolled
    );
    let h = s.history(&tc6).await.unwrap();
    assert_eq!(
        h[h.len() - 2]
            .reason
            .as_ref()
            .map(ToString::to_string)
            .as_deref(),
        Some("the manufacturer did not answer in time")
    );
    assert_eq!(s.production_queue_len().await.unwrap(), 1);
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

/// The same journey with `[kannel] callback_secret`: Kannel's get-url carries it (as configured in Kannel) and each
/// dlr-url the sender gives Kannel carries it with the message's token; a caller without it is refused.
#[tokio::test]
async fn kannel_with_a_callback_secret_and_callers_without_it_refused() {
    if !sms::testing::kannel_available_or_skip("kannel_with_a_callback_secret") {
        return;
    }
    let db = TestStore::sqlite().await;
    db.store
        .upsert_persons(&[person(7), person(8)])
        .await
        .unwrap();
    kannel_office(&db).await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let kannel = sms::testing::KannelHarness::start_with_secret(&format!("http://{addr}"), SECRET)
        .await
        .unwrap();
    let settings = Settings {
        kannel_access: GatewayAccess {
            secret: Some(SECRET.into()),
            allow: vec![],
        },
        ..Settings::default()
    };
    let state = AppState::new(db.store.clone(), settings).with_services(|s| {
        s.sms = Arc::new(
            sms::KannelSender::new(kannel.sendsms_config())
                .with_dlr_tokens(s.dlr_tokens.clone())
                .with_callback_secret(SECRET),
        );
    });
    let app = server::router(state.clone());
    let served = app.clone();
    tokio::spawn(async move {
        axum::serve(
            listener,
            served.into_make_service_with_connect_info::<std::net::SocketAddr>(),
        )
        .await
        .unwrap();
    });

    // The "ready" SMS, and its delivery report through Kannel's dlr-url (secret and token).
    let (_, app_id) = ready(&state, 7).await;
    assert_eq!(
        server::cards::workers::send_sms(&state, 100, 16)
            .await
            .unwrap()
            .sent,
        1
    );
    kannel.wait_for(1, Duration::from_secs(15)).await.unwrap();
    eventually("the delivery report with the secret", || async {
        state.store.sms_of(app_id).await.unwrap()[0].state == SmsState::Delivered
    })
    .await;

    // A citizen's SMS through Kannel's get-url (with the secret) gets its reply.
    kannel
        .inject_mo(&mobile(7), code(7).as_str())
        .await
        .unwrap();
    let mut got = Vec::new();
    for _ in 0..100 {
        let r = server::cards::workers::send_sms(&state, 100, 16)
            .await
            .unwrap();
        if r.sent > 0 {
            got = kannel.wait_for(2, Duration::from_secs(15)).await.unwrap();
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(got.len(), 2, "{got:?}");
    assert!(got[1].text.contains("آمادهٔ تحویل"), "{}", got[1].text);

    // The same calls without the secret, even from this machine, are refused and change nothing.
    let incoming = format!("/sms/incoming?from={}&to=6090&text={}", mobile(8), code(8));
    assert_eq!(
        get_from(&app, "127.0.0.1", &incoming).await,
        StatusCode::FORBIDDEN
    );
    let wrong = format!(
        "/sms/incoming?secret=not-the-secret&from={}&to=6090&text=x",
        mobile(8)
    );
    assert_eq!(
        get_from(&app, "127.0.0.1", &wrong).await,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        server::cards::workers::send_sms(&state, 100, 16)
            .await
            .unwrap()
            .sent,
        0,
        "no reply was queued"
    );
    let msg_id = state.store.sms_of(app_id).await.unwrap()[0].id;
    let token = state.services.dlr_tokens.token(msg_id);
    let no_secret = format!("/sms/dlr?id={msg_id}&token={token}&status=16&answer=forged");
    assert_eq!(
        get_from(&app, "127.0.0.1", &no_secret).await,
        StatusCode::FORBIDDEN
    );
    let no_token = format!("/sms/dlr?secret={SECRET}&id={msg_id}&status=16&answer=forged");
    assert_eq!(
        get_from(&app, "127.0.0.1", &no_token).await,
        StatusCode::FORBIDDEN
    );
    let m = &state.store.sms_of(app_id).await.unwrap()[0];
    assert_eq!(
        (m.state, m.last_error.as_deref()),
        (SmsState::Delivered, None)
    );
}

/// Through the router: forged delivery reports (sequential ids, no token or another message's), callers that are
/// not Kannel, and incoming SMS that would make the service send SMS without end.
#[tokio::test]
async fn forged_reports_strangers_and_sms_pumping_are_refused() {
    let db = TestStore::sqlite().await;
    db.store.upsert_persons(&[person(9)]).await.unwrap();
    let settings = Settings {
        sms_replies_per_number_per_hour: 2,
        sms_replies_per_minute: 5,
        ..Settings::default()
    };
    let state = AppState::new(db.store.clone(), settings);
    let app = server::router(state.clone());
    let to = Mobile::parse(&mobile(9)).unwrap();
    let id = state
        .store
        .enqueue_sms(None, &to, "status_reply", "متن", Utc::now())
        .await
        .unwrap()
        .unwrap();
    let pending = || async {
        let m = state.store.sms_by_id(id).await.unwrap().unwrap();
        (m.state, m.last_error)
    };
    let dlr =
        |token: &str, id: i64| format!("/sms/dlr?id={id}&token={token}&status=16&answer=forged");
    let right = state.services.dlr_tokens.token(id);
    let other = state.services.dlr_tokens.token(id + 1);
    // No token, another message's token, a token of the wrong length: refused, the message untouched.
    for uri in [
        format!("/sms/dlr?id={id}&status=16&answer=forged"),
        dlr(&other, id),
        dlr(&right[..20], id),
    ] {
        assert_eq!(
            get_from(&app, "127.0.0.1", &uri).await,
            StatusCode::FORBIDDEN,
            "{uri}"
        );
    }
    // The right token from another machine (the default is this machine only): refused.
    assert_eq!(
        get_from(&app, "192.0.2.40", &dlr(&right, id)).await,
        StatusCode::FORBIDDEN
    );
    assert_eq!(pending().await, (SmsState::Pending, None));
    // Kannel's own report is taken.
    assert_eq!(
        get_from(&app, "127.0.0.1", &dlr(&right, id)).await,
        StatusCode::OK
    );
    assert_eq!(pending().await, (SmsState::Failed, Some("forged".into())));
    let sent = |state: AppState| async move {
        server::cards::workers::send_sms(&state, 1000, 4)
            .await
            .unwrap()
            .sent
    };
    assert_eq!(sent(state.clone()).await, 0);

    // Incoming SMS from another machine: refused, nothing queued.
    let mo =
        |from: &str| format!("/sms/incoming?from={from}&to=6090&text=%D8%B3%D9%84%D8%A7%D9%85");
    assert_eq!(
        get_from(&app, "192.0.2.40", &mo(&mobile(9))).await,
        StatusCode::FORBIDDEN
    );
    assert_eq!(sent(state.clone()).await, 0);
    // One number: at most 2 replies an hour (Kannel is still answered 200).
    for _ in 0..4 {
        assert_eq!(
            get_from(&app, "127.0.0.1", &mo(&mobile(9))).await,
            StatusCode::OK
        );
    }
    assert_eq!(sent(state.clone()).await, 2);
    // All numbers: at most 5 a minute, 2 of them taken already.
    for n in 20..26 {
        assert_eq!(
            get_from(&app, "127.0.0.1", &mo(&mobile(n))).await,
            StatusCode::OK
        );
    }
    assert_eq!(sent(state.clone()).await, 3);
}

/// With a secret, Kannel may call from anywhere; a form POST may carry the secret in the URL and its fields in the
/// body.
#[tokio::test]
async fn a_secret_admits_kannel_from_elsewhere_and_a_posted_form() {
    let db = TestStore::sqlite().await;
    let settings = Settings {
        kannel_access: GatewayAccess {
            secret: Some(SECRET.into()),
            allow: vec![],
        },
        ..Settings::default()
    };
    let state = AppState::new(db.store.clone(), settings);
    let app = server::router(state.clone());
    let mut req = Request::post(format!("/sms/incoming?secret={SECRET}"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(Body::from(format!("from={}&to=6090&text=hi", mobile(30))))
        .unwrap();
    req.extensions_mut().insert(ConnectInfo(
        "10.9.8.7:5000".parse::<std::net::SocketAddr>().unwrap(),
    ));
    assert_eq!(testkit::send(&app, req).await.status, StatusCode::OK);
    let mut req = Request::post("/sms/incoming")
        .header("x-gateway-secret", SECRET)
        .body(Body::from(format!("from={}&to=6090&text=hi", mobile(31))))
        .unwrap();
    req.extensions_mut().insert(ConnectInfo(
        "10.9.8.7:5000".parse::<std::net::SocketAddr>().unwrap(),
    ));
    assert_eq!(testkit::send(&app, req).await.status, StatusCode::OK);
    assert_eq!(
        server::cards::workers::send_sms(&state, 100, 4)
            .await
            .unwrap()
            .sent,
        2
    );
}

/// Status replies through a real Kannel (F6): a phone texting the short number again and again gets at most
/// `sms_replies_per_number_per_hour` replies at the fake SMS centre; another number is still answered.
#[tokio::test]
async fn replies_through_kannel_are_limited_per_number() {
    if !sms::testing::kannel_available_or_skip("replies_through_kannel_are_limited_per_number") {
        return;
    }
    let db = TestStore::sqlite().await;
    db.store
        .upsert_persons(&[person(12), person(13)])
        .await
        .unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let kannel = sms::testing::KannelHarness::start(&format!("http://{addr}"))
        .await
        .unwrap();
    let settings = Settings {
        sms_replies_per_number_per_hour: 2,
        ..Settings::default()
    };
    let state = AppState::new(db.store.clone(), settings).with_services(|s| {
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

    for _ in 0..4 {
        kannel
            .inject_mo(&mobile(12), code(12).as_str())
            .await
            .unwrap();
    }
    kannel
        .inject_mo(&mobile(13), code(13).as_str())
        .await
        .unwrap();
    let to = |n: u32| {
        let number = mobile(n);
        kannel
            .received()
            .iter()
            .filter(|r| r.to.ends_with(&number[1..]))
            .count()
    };
    for _ in 0..150 {
        server::cards::workers::send_sms(&state, 100, 16)
            .await
            .unwrap();
        if to(12) >= 2 && to(13) >= 1 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // A while more for anything over the limit to show up.
    for _ in 0..15 {
        server::cards::workers::send_sms(&state, 100, 16)
            .await
            .unwrap();
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!((to(12), to(13)), (2, 1), "{:?}", kannel.received());
}

/// Chapar through a real Kannel: the holder's typed number is dead (its "ready" message failed for good), the
/// same message goes to the other number registered to the national code, the fake SMS centre receives it there,
/// its delivery report comes back, the holder is not flagged as unreachable, and the card is collected.
#[tokio::test]
async fn chapar_reaches_a_holder_whose_typed_number_is_dead() {
    if !sms::testing::kannel_available_or_skip("chapar_through_kannel") {
        return;
    }
    let db = TestStore::sqlite().await;
    let linked = "09390000003";
    let mut p = person(3);
    p.mobiles.push(Mobile::parse(linked).unwrap());
    db.store.upsert_persons(&[p]).await.unwrap();
    db.store
        .upsert_offices(&[office("30-0001").build()])
        .await
        .unwrap();
    let (state, kannel) = served_with_kannel(&db).await;

    let (tc, app_id) = ready(&state, 3).await;
    // The typed number is dead: its message failed for good (the operator's permanent failure).
    let typed = state.store.sms_of(app_id).await.unwrap()[0].clone();
    state
        .store
        .sms_failed(typed.id, "absent subscriber", Utc::now())
        .await
        .unwrap();
    assert!(state.store.sms_flagged(app_id).await.unwrap());

    assert_eq!(
        server::cards::chapar::notify_ready(&state).await.unwrap(),
        1
    );
    let sent = server::cards::workers::send_sms(&state, 100, 16)
        .await
        .unwrap();
    assert_eq!(sent.sent, 1);
    let got = kannel.wait_for(1, Duration::from_secs(15)).await.unwrap();
    assert!(got[0].to.ends_with("9390000003"), "{:?}", got[0]);
    assert!(got[0]
        .text
        .contains(&domain::text::to_persian_digits(tc.as_str())));
    eventually("the linked number's delivery report", || async {
        state
            .store
            .sms_of(app_id)
            .await
            .unwrap()
            .iter()
            .any(|m| m.kind.starts_with("ready_linked:") && m.state == SmsState::Delivered)
    })
    .await;
    assert!(!state.store.sms_flagged(app_id).await.unwrap());
    assert!(state
        .store
        .deliver(
            &tc,
            &OfficeId::parse("30-0001").unwrap(),
            20_000,
            &ch("operator:op")
        )
        .await
        .unwrap());
    assert_eq!(
        state.store.application(&tc).await.unwrap().unwrap().state,
        ApplicationState::Delivered
    );
}

//! The journey's store, on SQLite and on PostgreSQL: filing, history, payments applied once, bookings that never
//! pass capacity under concurrency, staff sessions, idempotency keys and the sandbox bank's ledger.

#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

use chrono::Utc;
use domain::{
    ApplicationState, Channel, Event, JalaliDate, Mobile, Office, OfficeId, PaymentState, Reason,
    Role, TrackingCode,
};
use store::journey::*;
use store_suite::fixtures::{self, code};
use store_suite::TestStore;

fn new_app(n: u32) -> NewApplication {
    NewApplication {
        tracking_code: TrackingCode::from_body(u64::from(n) * 7919 + 13),
        national_code: code(n),
        reason: Reason::FirstIssue,
        channel: Channel::Portal,
        mobile: Mobile::parse("09121234567").unwrap(),
        fee_rials: 250_000,
        filing_office: None,
        province: None,
        actor: "citizen".into(),
        at: Utc::now(),
    }
}

fn change() -> Change {
    Change {
        actor: "test".into(),
        at: Utc::now(),
        reason: None,
    }
}

fn office(id: &str, capacity: u32) -> Office {
    fixtures::office(id)
        .name("دفتر پیشخوان")
        .capacity(capacity)
        .build()
}

fn day() -> JalaliDate {
    JalaliDate::parse("1405-09-02").unwrap()
}

#[tokio::test]
async fn filing_status_history_and_one_active_per_person() {
    for t in TestStore::all().await {
        let s = &t.store;
        let a = new_app(1);
        let Filed::Created(app) = s.file_application(&a).await.unwrap() else {
            panic!("{}: not created", t.name)
        };
        assert_eq!(app.state, ApplicationState::AwaitingPayment);
        let again = new_app(1);
        let mut again = again;
        again.tracking_code = TrackingCode::from_body(42);
        assert!(matches!(
            s.file_application(&again).await.unwrap(),
            Filed::ActiveExists
        ));
        let mut taken = new_app(2);
        taken.tracking_code = a.tracking_code;
        assert!(matches!(
            s.file_application(&taken).await.unwrap(),
            Filed::TrackingCodeTaken
        ));

        let st = s.status(&a.tracking_code).await.unwrap().unwrap();
        assert_eq!(st.state, ApplicationState::AwaitingPayment);
        assert_eq!(st.national_code, a.national_code);
        assert!(s
            .status(&TrackingCode::from_body(5))
            .await
            .unwrap()
            .is_none());

        // Cancelling frees the person to apply again.
        assert!(s
            .transition(
                &a.tracking_code,
                ApplicationState::AwaitingPayment,
                Event::Cancelled,
                &change()
            )
            .await
            .unwrap());
        assert!(!s
            .transition(
                &a.tracking_code,
                ApplicationState::AwaitingPayment,
                Event::Cancelled,
                &change()
            )
            .await
            .unwrap());
        assert!(matches!(
            s.file_application(&again).await.unwrap(),
            Filed::Created(_)
        ));
        let h = s.history(&a.tracking_code).await.unwrap();
        assert_eq!(h.len(), 2, "{}", t.name);
        assert_eq!(h[0].to, ApplicationState::AwaitingPayment);
        assert_eq!(h[1].from, Some(ApplicationState::AwaitingPayment));
        assert_eq!(h[1].to, ApplicationState::Cancelled);
        assert_eq!(h[1].actor, "test");
        assert_eq!(
            s.active_application(&code(1))
                .await
                .unwrap()
                .unwrap()
                .tracking_code,
            again.tracking_code
        );
        t.cleanup().await;
    }
}

#[tokio::test]
async fn a_payment_is_applied_once_and_a_second_one_must_be_reversed() {
    for t in TestStore::all().await {
        let s = &t.store;
        let a = new_app(3);
        let Filed::Created(app) = s.file_application(&a).await.unwrap() else {
            panic!()
        };
        let p1 = s
            .create_payment(app.id, 250_000, "sandbox", Utc::now())
            .await
            .unwrap();
        let p2 = s
            .create_payment(app.id, 250_000, "sandbox", Utc::now())
            .await
            .unwrap();
        s.set_payment_token(p1, "tok-1").await.unwrap();
        assert_eq!(s.payment_by_token("tok-1").await.unwrap().unwrap().id, p1);
        assert_eq!(
            s.apply_payment(p1, "ref-1", &change()).await.unwrap(),
            PaymentApplied::Applied
        );
        assert_eq!(
            s.apply_payment(p1, "ref-1", &change()).await.unwrap(),
            PaymentApplied::AlreadyDone(PaymentState::Verified)
        );
        assert_eq!(
            s.apply_payment(p2, "ref-2", &change()).await.unwrap(),
            PaymentApplied::MustReverse
        );
        assert!(s.payment_is_applied(p1).await.unwrap());
        assert!(!s.payment_is_applied(p2).await.unwrap());
        assert_eq!(s.unfinished_payments(10).await.unwrap().len(), 2);
        assert!(s
            .set_payment_state(
                p2,
                PaymentState::Verified,
                PaymentState::Reversed,
                "reversed",
                Utc::now()
            )
            .await
            .unwrap());
        assert!(s
            .set_payment_state(
                p1,
                PaymentState::Verified,
                PaymentState::Settled,
                "settled",
                Utc::now()
            )
            .await
            .unwrap());
        assert!(s.unfinished_payments(10).await.unwrap().is_empty());
        let app = s.application(&a.tracking_code).await.unwrap().unwrap();
        assert_eq!(app.state, ApplicationState::AwaitingAppointment);
        let log = s.payment_log(p1).await.unwrap();
        let states: Vec<&str> = log.iter().map(|l| l.1.as_str()).collect();
        assert_eq!(states, ["pending", "verified", "settled"], "{}", t.name);
        assert!(s
            .set_payment_state(
                p1,
                PaymentState::Pending,
                PaymentState::Verified,
                "x",
                Utc::now()
            )
            .await
            .is_ok_and(|moved| !moved));
        t.cleanup().await;
    }
}

async fn paid_applications(s: &store::DynStore, from: u32, n: u32) -> Vec<TrackingCode> {
    let batch: Vec<SeedApplication> = (from..from + n)
        .map(|i| SeedApplication {
            application: new_app(i),
            state: ApplicationState::AwaitingAppointment,
        })
        .collect();
    s.seed_applications(&batch).await.unwrap();
    batch.iter().map(|b| b.application.tracking_code).collect()
}

#[tokio::test]
async fn booking_from_a_slot_skips_earlier_places_and_fills_gaps_after_it() {
    for t in TestStore::all().await {
        let s = t.store.clone();
        s.upsert_offices(&[office("30-0001", 4)]).await.unwrap();
        let codes = paid_applications(&s, 2000, 5).await;
        let office = OfficeId::parse("30-0001").unwrap();
        let slot = |b: Booked| match b {
            Booked::Booked(a) => a.slot,
            other => panic!("{}: {other:?}", t.name),
        };
        // From place 3 on: 3, then 4; places 1 and 2 stay free but are never given.
        let a = s.book_from(&codes[0], &office, day(), 3, &change()).await;
        assert_eq!(slot(a.unwrap()), 3, "{}", t.name);
        let b = s.book_from(&codes[1], &office, day(), 3, &change()).await;
        assert_eq!(slot(b.unwrap()), 4, "{}", t.name);
        assert_eq!(
            s.book_from(&codes[2], &office, day(), 3, &change())
                .await
                .unwrap(),
            Booked::NoCapacity,
            "{}",
            t.name
        );
        // The refused booking took no place and left the application waiting.
        assert_eq!(s.booked(&office, day()).await.unwrap(), 2);
        assert_eq!(
            s.application(&codes[2]).await.unwrap().unwrap().state,
            ApplicationState::AwaitingAppointment
        );
        // From place 1 the earlier gap is given.
        let c = s.book(&codes[2], &office, day(), &change()).await;
        assert_eq!(slot(c.unwrap()), 1, "{}", t.name);
        t.cleanup().await;
    }
}

#[tokio::test]
async fn two_hundred_racing_bookings_for_ten_places_book_exactly_ten() {
    for t in TestStore::all().await {
        let s = t.store.clone();
        s.upsert_offices(&[office("30-0001", 10)]).await.unwrap();
        let codes = paid_applications(&s, 1000, 200).await;
        let office = OfficeId::parse("30-0001").unwrap();
        let mut tasks = tokio::task::JoinSet::new();
        for tc in codes.clone() {
            let s = s.clone();
            let office = office.clone();
            tasks.spawn(async move { s.book(&tc, &office, day(), &change()).await });
        }
        let mut slots = Vec::new();
        let mut full = 0;
        while let Some(r) = tasks.join_next().await {
            match r.unwrap().unwrap() {
                Booked::Booked(a) => slots.push(a.slot),
                Booked::NoCapacity => full += 1,
                other => panic!("{}: {other:?}", t.name),
            }
        }
        slots.sort_unstable();
        assert_eq!(slots, (1..=10).collect::<Vec<u32>>(), "{}", t.name);
        assert_eq!(full, 190);
        assert_eq!(s.booked(&office, day()).await.unwrap(), 10);
        let list = s
            .offices_by_free_capacity(domain::ProvinceCode::parse("30").unwrap(), day(), 10)
            .await
            .unwrap();
        assert_eq!(list[0].free, 0);

        // Cancelling frees a place, and the next booking takes that slot again.
        let booked: Vec<TrackingCode> = {
            let mut v = Vec::new();
            for tc in &codes {
                if s.application(tc)
                    .await
                    .unwrap()
                    .unwrap()
                    .appointment
                    .is_some()
                {
                    v.push(*tc);
                }
            }
            v
        };
        let freed = s
            .cancel_booking(&booked[3], &change())
            .await
            .unwrap()
            .unwrap();
        assert!(s
            .cancel_booking(&booked[3], &change())
            .await
            .unwrap()
            .is_none());
        assert_eq!(s.booked(&office, day()).await.unwrap(), 9);
        let waiting = codes.iter().find(|c| !booked.contains(c)).unwrap();
        let Booked::Booked(again) = s.book(waiting, &office, day(), &change()).await.unwrap()
        else {
            panic!("{}: rebook", t.name)
        };
        assert_eq!(again.slot, freed.slot);
        assert_eq!(
            s.book(waiting, &office, day(), &change()).await.unwrap(),
            Booked::WrongState(ApplicationState::AppointmentBooked)
        );
        let unpaid = new_app(5000);
        s.file_application(&unpaid).await.unwrap();
        assert_eq!(
            s.book(&unpaid.tracking_code, &office, day(), &change())
                .await
                .unwrap(),
            Booked::WrongState(ApplicationState::AwaitingPayment)
        );
        let h = s.history(&booked[3]).await.unwrap();
        assert_eq!(h.last().unwrap().to, ApplicationState::AwaitingAppointment);
        t.cleanup().await;
    }
}

#[tokio::test]
async fn staff_sessions_idempotency_and_bank_ledger() {
    for t in TestStore::all().await {
        let s = &t.store;
        let id = s
            .create_user(&NewUser {
                username: "op1".into(),
                password_hash: "$argon2id$x".into(),
                role: Role::Operator,
                office: Some(OfficeId::parse("30-0001").unwrap()),
                province: None,
                at: Utc::now(),
            })
            .await
            .unwrap();
        let dup = s
            .create_user(&NewUser {
                username: "op1".into(),
                password_hash: "h".into(),
                role: Role::Supervisor,
                office: None,
                province: None,
                at: Utc::now(),
            })
            .await;
        assert!(
            matches!(dup, Err(store::StoreError::Conflict(_))),
            "{}",
            t.name
        );
        let u = s.user_by_name("op1").await.unwrap().unwrap();
        assert_eq!((u.id, u.role), (id, Role::Operator));
        let exp = Utc::now() + chrono::Duration::hours(8);
        s.create_session("hash1", id, exp).await.unwrap();
        let (su, e) = s.session("hash1").await.unwrap().unwrap();
        assert_eq!(su.username, "op1");
        assert!((e - exp).num_seconds().abs() <= 1);
        assert!(s.session("nope").await.unwrap().is_none());
        s.create_session("hash2", id, exp).await.unwrap();
        assert!(s.end_session("hash2").await.unwrap());
        assert!(s.session("hash2").await.unwrap().is_none());
        assert!(!s.end_session("hash2").await.unwrap());

        // Offboarding: a new password or disabling ends every session; enabling brings none back.
        for h in ["hash3", "hash4"] {
            s.create_session(h, id, exp).await.unwrap();
        }
        assert_eq!(s.end_user_sessions("op1").await.unwrap(), 3, "{}", t.name);
        assert_eq!(s.end_user_sessions("nobody").await.unwrap(), 0);
        s.create_session("hash5", id, exp).await.unwrap();
        assert!(s.set_user_password("op1", "$argon2id$y").await.unwrap());
        assert!(s.session("hash5").await.unwrap().is_none());
        assert_eq!(
            s.user_by_name("op1").await.unwrap().unwrap().password_hash,
            "$argon2id$y"
        );
        assert!(!s.set_user_password("nobody", "h").await.unwrap());
        s.create_session("hash6", id, exp).await.unwrap();
        assert!(s.set_user_disabled("op1", true).await.unwrap());
        assert!(s.user_by_name("op1").await.unwrap().unwrap().disabled);
        assert!(s.session("hash6").await.unwrap().is_none());
        assert!(s.set_user_disabled("op1", false).await.unwrap());
        assert!(!s.user_by_name("op1").await.unwrap().unwrap().disabled);
        assert!(!s.set_user_disabled("nobody", true).await.unwrap());

        let at = Utc::now();
        assert_eq!(claim(s, "k1", "h1", at).await, IdempotencyClaim::Fresh);
        assert_eq!(claim(s, "k1", "h1", at).await, IdempotencyClaim::InProgress);
        s.idempotency_finish("sc", "k1", 201, b"{\"a\":1}")
            .await
            .unwrap();
        assert_eq!(
            claim(s, "k1", "h1", at).await,
            IdempotencyClaim::Replay {
                status: 201,
                body: b"{\"a\":1}".to_vec()
            }
        );
        assert_eq!(claim(s, "k1", "h2", at).await, IdempotencyClaim::Mismatch);
        assert_eq!(claim(s, "k2", "h1", at).await, IdempotencyClaim::Fresh);
        s.idempotency_release("sc", "k2").await.unwrap();
        assert_eq!(claim(s, "k2", "h1", at).await, IdempotencyClaim::Fresh);

        // An in-progress claim whose request died is taken over once it is older than the abandonment cutoff;
        // a finished one is replayed until it expires, then taken over as new.
        let later = at + chrono::Duration::minutes(5);
        assert_eq!(claim(s, "k3", "h1", at).await, IdempotencyClaim::Fresh);
        assert_eq!(
            s.idempotency_claim(
                "sc",
                "k3",
                "h1",
                later,
                at,
                at - chrono::Duration::hours(24)
            )
            .await
            .unwrap(),
            IdempotencyClaim::InProgress,
            "not yet abandoned at the cutoff itself"
        );
        assert_eq!(
            s.idempotency_claim(
                "sc",
                "k3",
                "h9",
                later,
                later - chrono::Duration::minutes(1),
                at - chrono::Duration::hours(24)
            )
            .await
            .unwrap(),
            IdempotencyClaim::Fresh,
            "an abandoned claim is taken over, even with another request"
        );
        assert_eq!(
            s.idempotency_claim("sc", "k1", "h2", later, at, later)
                .await
                .unwrap(),
            IdempotencyClaim::Fresh,
            "an expired answer is not replayed"
        );
        s.idempotency_finish("sc", "k1", 200, b"x").await.unwrap();
        assert_eq!(
            s.idempotency_purge(later + chrono::Duration::seconds(1))
                .await
                .unwrap(),
            3,
            "k1, k2 and k3"
        );
        assert_eq!(claim(s, "k1", "h1", later).await, IdempotencyClaim::Fresh);

        s.create_session("old", id, at - chrono::Duration::hours(1))
            .await
            .unwrap();
        s.create_session("live", id, exp).await.unwrap();
        assert_eq!(s.sessions_purge(at).await.unwrap(), 1);
        assert!(s.session("old").await.unwrap().is_none());
        assert!(s.session("live").await.unwrap().is_some());

        let tx = BankTransaction {
            token: "T1".into(),
            order_id: 7,
            amount_rials: 250_000,
            callback_url: "http://x/cb".into(),
            state: "created".into(),
            ref_id: None,
            created_at: Utc::now(),
        };
        s.bank_insert(&tx).await.unwrap();
        assert!(s
            .bank_update("T1", &["created"], "paid", Some("R1"))
            .await
            .unwrap());
        assert!(!s
            .bank_update("T1", &["created"], "cancelled", None)
            .await
            .unwrap());
        let got = s.bank_get("T1").await.unwrap().unwrap();
        assert_eq!(
            (got.state.as_str(), got.ref_id.as_deref()),
            ("paid", Some("R1"))
        );
        t.cleanup().await;
    }
}

async fn claim(
    s: &store::DynStore,
    key: &str,
    hash: &str,
    at: chrono::DateTime<Utc>,
) -> IdempotencyClaim {
    s.idempotency_claim(
        "sc",
        key,
        hash,
        at,
        at - chrono::Duration::minutes(1),
        at - chrono::Duration::hours(24),
    )
    .await
    .unwrap()
}

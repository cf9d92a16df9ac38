//! Applications walked through the lifecycle for the suites that start after the journey (production, pickup,
//! the card's later life): filed, paid, booked and enrolled at an office, cleared for production, made and
//! waiting for pickup. Panics on any failure: these are test fixtures.

#![allow(clippy::unwrap_used, clippy::missing_panics_doc)]

use chrono::Utc;
use domain::{
    ApplicationState as S, Channel, ChipSerial, JalaliDate, Mobile, NationalCode, Office, OfficeId,
    Person, Reason, TrackingCode,
};
use store::journey::*;
use store::production::*;

use crate::fixtures::{self, code, PersonBuilder};
use crate::TestStore;

pub fn today() -> JalaliDate {
    JalaliDate::parse("1405-08-30").unwrap()
}

pub fn person(nc: &NationalCode, postal: &str, death: &str) -> Person {
    PersonBuilder::with_code(nc)
        .first_name("مریم")
        .gender("female")
        .of_tehran()
        .mobile("09121234567")
        .postal_code(postal)
        .dead_on(death)
        .as_of(today())
        .build()
}

pub fn office(id: &str) -> Office {
    fixtures::office(id)
        .name("دفتر پیشخوان")
        .capacity(500)
        .build()
}

pub fn ch(actor: &str) -> Change {
    Change {
        actor: actor.into(),
        at: Utc::now(),
        reason: None,
    }
}

pub fn because(actor: &str, reason: &str) -> Change {
    Change {
        actor: actor.into(),
        at: Utc::now(),
        reason: Some(domain::HistoryReason::parse(reason)),
    }
}

pub fn tc(n: u32) -> TrackingCode {
    TrackingCode::from_body(u64::from(n) * 104_729 + 7)
}

pub fn oid(s: &str) -> OfficeId {
    OfficeId::parse(s).unwrap()
}

pub fn serial(n: u32) -> ChipSerial {
    ChipSerial::parse(&format!("CHIP-{n:08}")).unwrap()
}

/// Files, pays and books application `n` at `at_office`, and enrolls it there.
pub async fn enrolled(t: &TestStore, n: u32, at_office: &str) -> TrackingCode {
    let s = &t.store;
    let nc = code(n);
    s.upsert_persons(&[person(&nc, "1314567890", "")])
        .await
        .unwrap();
    let new = NewApplication {
        tracking_code: tc(n),
        national_code: nc,
        reason: Reason::FirstIssue,
        channel: Channel::Portal,
        mobile: Mobile::parse("09121234567").unwrap(),
        fee_rials: 250_000,
        filing_office: None,
        province: Some(domain::ProvinceCode::parse("30").unwrap()),
        actor: "citizen".into(),
        at: Utc::now(),
    };
    assert!(matches!(
        s.file_application(&new).await.unwrap(),
        Filed::Created(_)
    ));
    assert!(s
        .transition(
            &tc(n),
            S::AwaitingPayment,
            domain::Event::PaymentSettled,
            &ch("bank")
        )
        .await
        .unwrap());
    let booked = s
        .book(
            &tc(n),
            &oid(at_office),
            JalaliDate::parse("1405-09-02").unwrap(),
            &ch("citizen"),
        )
        .await
        .unwrap();
    assert!(matches!(booked, Booked::Booked(_)), "{booked:?}");
    let e = new_enrollment(n, at_office);
    assert!(matches!(s.enroll(&e).await.unwrap(), Enrolled::Done { .. }));
    tc(n)
}

pub fn new_enrollment(n: u32, at_office: &str) -> NewEnrollment {
    NewEnrollment {
        tracking_code: tc(n),
        office: oid(at_office),
        birth_certificate_seen: true,
        old_card_collected: false,
        holder: CardHolder {
            national_code: code(n).as_str().into(),
            first_name: "مریم".into(),
            last_name: "رضایی".into(),
            father_name: "حسن".into(),
            gender: "female".into(),
            birth_date_jalali: "1370-05-12".into(),
            postal_code: Some("1314567890".into()),
        },
        fingers: (1..=10)
            .map(|p| FingerRecord {
                position: p,
                status: if p == 4 { "bandaged" } else { "captured" }.into(),
                format: (p != 4).then(|| "iso19794_2".into()),
                quality: (p != 4).then_some(80),
            })
            .collect(),
        photo_key: format!("photo/{n}"),
        card_photo_key: format!("card-photo/{n}"),
        signature_key: format!("signature/{n}"),
        templates_key: format!("templates/{n}"),
        personalisation_key: format!("card/{n}"),
        change: ch("operator:op1"),
    }
}

pub async fn state_of(t: &TestStore, code: &TrackingCode) -> S {
    t.store.application(code).await.unwrap().unwrap().state
}

pub async fn setup(t: &TestStore) {
    t.store
        .upsert_offices(&[office("10001"), office("10002")])
        .await
        .unwrap();
}

/// Enrolls `n` applications from `first` and clears them all for production.
pub async fn queue(t: &TestStore, first: u32, n: u32, at_office: &str) -> Vec<TrackingCode> {
    let mut out = Vec::new();
    for i in first..first + n {
        out.push(enrolled(t, i, at_office).await);
    }
    for p in t.store.dedup_pending(1000).await.unwrap() {
        t.store
            .record_dedup(p.application_id, &[], Utc::now())
            .await
            .unwrap();
    }
    out
}

pub async fn ready(t: &TestStore, first: u32, n: u32) -> Vec<(TrackingCode, i64)> {
    let s = &t.store;
    let codes = queue(t, first, n, "10001").await;
    let vendor = match s.vendor_by_key("hash-r").await.unwrap() {
        Some(v) => v.id,
        None => s
            .create_vendor("gamma", 100, 100_000, "vr", "hash-r", Utc::now())
            .await
            .unwrap(),
    };
    s.form_batches("1405-09-03", 1000, &ch("system"))
        .await
        .unwrap();
    let b = s.claim_batch(vendor, Utc::now()).await.unwrap().unwrap();
    let cards = s.batch_cards(b.id).await.unwrap();
    let results: Vec<CardResult> = cards
        .iter()
        .map(|c| CardResult {
            tracking_code: c.tracking_code,
            outcome: CardOutcome::Personalized(serial(1000 + c.application_id as u32)),
        })
        .collect();
    s.batch_results(vendor, b.id, &results, &ch("vendor"))
        .await
        .unwrap();
    let shipped = s
        .dispatch_batch(vendor, b.id, &ch("vendor"))
        .await
        .unwrap()
        .unwrap();
    for sh in shipped {
        s.receive_shipment(sh.id, &sh.to_office, None, &ch("operator:op1"))
            .await
            .unwrap();
    }
    let mut out = Vec::new();
    for c in codes {
        assert_eq!(state_of(t, &c).await, S::ReadyForPickup);
        out.push((c, s.application(&c).await.unwrap().unwrap().id));
    }
    out
}

//! `shenas production batch`: batches formed on demand from the production queue, on both databases.

#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

use chrono::Utc;
use domain::{ApplicationState as S, Channel, JalaliDate, Mobile, OfficeId, Reason};
use std::process::Command;
use store::journey::{Booked, Change, Filed, NewApplication};
use store::production::{CardHolder, Enrolled, FingerRecord, NewEnrollment};
use testkit::{code, office, PersonBuilder, TestStore};

fn ch(actor: &str) -> Change {
    Change {
        actor: actor.into(),
        at: Utc::now(),
        reason: None,
    }
}

/// Person `n` filed, paid, booked and enrolled at 30-0001, cleared by the 1:N search: one card in the queue.
async fn queued(t: &TestStore, n: u32) {
    let s = &t.store;
    let nc = code(n);
    let person = PersonBuilder::with_code(nc.as_str())
        .first_name("مریم")
        .gender("female")
        .mobile("09121234567")
        .postal_code("")
        .address("کرج")
        .build();
    s.upsert_persons(&[person]).await.unwrap();
    let tc = domain::TrackingCode::from_body(u64::from(n) * 1_000_003);
    let new = NewApplication {
        tracking_code: tc,
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
    s.transition(
        &tc,
        S::AwaitingPayment,
        domain::Event::PaymentSettled,
        &ch("bank"),
    )
    .await
    .unwrap();
    let office = OfficeId::parse("30-0001").unwrap();
    let booked = s
        .book(
            &tc,
            &office,
            JalaliDate::parse("1405-09-02").unwrap(),
            &ch("citizen"),
        )
        .await
        .unwrap();
    assert!(matches!(booked, Booked::Booked(_)));
    let e = NewEnrollment {
        tracking_code: tc,
        office,
        birth_certificate_seen: true,
        old_card_collected: false,
        holder: CardHolder {
            national_code: nc.as_str().into(),
            first_name: "مریم".into(),
            last_name: "رضایی".into(),
            father_name: "حسن".into(),
            gender: "female".into(),
            birth_date_jalali: "1370-05-12".into(),
            postal_code: None,
        },
        fingers: (1..=10)
            .map(|p| FingerRecord {
                position: p,
                status: "captured".into(),
                format: Some("iso19794_2".into()),
                quality: Some(80),
            })
            .collect(),
        photo_key: format!("photo/{n}"),
        card_photo_key: format!("card-photo/{n}"),
        signature_key: format!("signature/{n}"),
        templates_key: format!("templates/{n}"),
        personalisation_key: format!("card/{n}"),
        change: ch("operator:op1"),
    };
    assert!(matches!(s.enroll(&e).await.unwrap(), Enrolled::Done { .. }));
    for p in s.dedup_pending(100).await.unwrap() {
        s.record_dedup(p.application_id, &[], Utc::now())
            .await
            .unwrap();
    }
}

fn batch(database: &str) -> serde_json::Value {
    let out = Command::new(env!("CARGO_BIN_EXE_shenas"))
        .args(["production", "batch", "--json"])
        .env("SHENAS_DATABASE_URL", database)
        .env("SHENAS_LOG", "warn")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    serde_json::from_str(stdout.lines().last().unwrap()).unwrap()
}

#[tokio::test]
async fn batches_are_formed_on_demand() {
    for t in TestStore::all().await {
        let name = t.name;
        let office = office("30-0001").name("دفتر کرج").build();
        t.store.upsert_offices(&[office]).await.unwrap();
        t.store
            .create_vendor("pars-card", 100, 1_000, "abcd0001", "hash", Utc::now())
            .await
            .unwrap();
        assert_eq!(
            batch(&t.url),
            serde_json::json!({"batches": 0, "cards": 0}),
            "{name}"
        );
        for n in 1..=3 {
            queued(&t, n).await;
        }
        assert_eq!(t.store.production_queue_len().await.unwrap(), 3, "{name}");
        assert_eq!(
            batch(&t.url),
            serde_json::json!({"batches": 1, "cards": 3}),
            "{name}"
        );
        assert_eq!(t.store.production_queue_len().await.unwrap(), 0, "{name}");
        assert_eq!(
            batch(&t.url),
            serde_json::json!({"batches": 0, "cards": 0}),
            "{name}"
        );
    }
}

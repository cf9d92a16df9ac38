//! `POST /api/v1/verify`, on SQLite and PostgreSQL: keys (unknown, revoked), receipts that verify and those that
//! no longer do, attributes answered yes or no after normalisation, the same answer for an unknown code and a
//! wrong tracking code, purposes, the agency's rate, and the audit the person reads back.

#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

use axum::http::{HeaderMap, StatusCode};
use chrono::Utc;
use domain::{ApplicationState, Channel, Mobile, Person, Reason, TrackingCode};
use serde_json::{json, Value};
use server::Settings;
use store::journey::{NewApplication, SeedApplication};
use testkit::{code, quiet, PersonBuilder, TestApp, TestStore};

/// Person `n`, whose names the registry writes with Arabic letters (ك، ي).
fn person(n: u32) -> Person {
    PersonBuilder::new(n)
        .first_name("علی‌رضا")
        .last_name("كريمي")
        .mobile("09121234567")
        .postal_code("")
        .address("کرج")
        .build()
}

fn tc(n: u32) -> TrackingCode {
    TrackingCode::from_body(u64::from(n) * 1_000_003)
}

fn seeded(n: u32, state: ApplicationState) -> SeedApplication {
    SeedApplication {
        application: NewApplication {
            tracking_code: tc(n),
            national_code: code(n),
            reason: Reason::FirstIssue,
            channel: Channel::Portal,
            mobile: Mobile::parse("09121234567").unwrap(),
            fee_rials: 250_000,
            filing_office: None,
            province: None,
            actor: "test".into(),
            at: Utc::now(),
        },
        state,
    }
}

/// Persons 1–4 with applications enrolled, delivered, awaiting an appointment and ready for pickup, and a bank
/// allowed `rate` verifications a minute: the app and the bank's API key.
async fn verify_app(db: TestStore, settings: Settings, rate: u32) -> (TestApp, String) {
    let app = TestApp::builder()
        .settings(settings)
        .persons(&[person(1), person(2), person(3), person(4)])
        .on(db)
        .await;
    app.db
        .store
        .seed_applications(&[
            seeded(1, ApplicationState::Enrolled),
            seeded(2, ApplicationState::Delivered),
            seeded(3, ApplicationState::AwaitingAppointment),
            seeded(4, ApplicationState::ReadyForPickup),
        ])
        .await
        .unwrap();
    let key = app
        .agency("بانک آزمایشی", &["account_opening", "loan"], rate)
        .await;
    (app, key)
}

async fn verify(app: &TestApp, key: Option<&str>, body: Value) -> (StatusCode, Value, HeaderMap) {
    let mut call = app.post_json("/api/v1/verify", &body);
    if let Some(k) = key {
        call = call.header("x-api-key", k);
    }
    call.await.parts()
}

async fn ok(app: &TestApp, key: &str, body: Value) -> Value {
    let (s, b, _) = verify(app, Some(key), body).await;
    assert_eq!(s, StatusCode::OK, "{}: {b}", app.db.name);
    b
}

#[tokio::test]
async fn receipts_verify_yes_or_no_and_every_call_is_audited() {
    for db in TestStore::all().await {
        let (app, key) = verify_app(db, quiet(), 600).await;
        let ask = |n: u32, t: &TrackingCode| json!({"national_code": code(n).as_str(), "tracking_code": t.as_str(), "purpose": "loan"});
        let b = ok(&app, &key, ask(1, &tc(1))).await;
        assert_eq!(b, json!({"match": true, "document": "receipt"}));
        // Waiting at the office: the receipt still stands for the card.
        assert_eq!(ok(&app, &key, ask(4, &tc(4))).await["match"], true);
        // Delivered, or not yet enrolled: no receipt verifies.
        assert_eq!(
            ok(&app, &key, ask(2, &tc(2))).await,
            json!({"match": false, "document": null})
        );
        assert_eq!(ok(&app, &key, ask(3, &tc(3))).await["match"], false);

        // Attributes, answered after Persian normalisation (ZWNJ, Arabic letters), only when the receipt matches.
        let mut q = ask(1, &tc(1));
        q["attributes"] = json!({"first_name": "علیرضا", "last_name": "کریمی", "birth_date_jalali": "۱۳۷۰-۰۵-۱۲"});
        let b = ok(&app, &key, q).await;
        assert_eq!(
            b["attributes"],
            json!({"first_name": true, "last_name": true, "birth_date_jalali": true})
        );
        let mut q = ask(1, &tc(1));
        q["attributes"] = json!({"first_name": "رضا", "birth_date_jalali": "1370-05-13"});
        assert_eq!(
            ok(&app, &key, q).await["attributes"],
            json!({"first_name": false, "birth_date_jalali": false})
        );

        // An unknown national code and a wrong tracking code answer exactly alike.
        let mut unknown = ask(999, &tc(1));
        unknown["attributes"] = json!({"first_name": "علیرضا"});
        let mut wrong = ask(1, &tc(3));
        wrong["attributes"] = json!({"first_name": "علیرضا"});
        let (a, b) = (ok(&app, &key, unknown).await, ok(&app, &key, wrong).await);
        assert_eq!(a, b);
        assert_eq!(
            a,
            json!({"match": false, "document": null, "attributes": {"first_name": false}})
        );

        // An unknown card serial does not match (tests/cards.rs verifies a delivered card); a malformed one is
        // refused; exactly one document is required.
        let card = json!({"national_code": code(1).as_str(), "card_serial": "SC-0000-0000", "purpose": "loan"});
        assert_eq!(ok(&app, &key, card).await["match"], false);
        let bad =
            json!({"national_code": code(1).as_str(), "card_serial": "X1", "purpose": "loan"});
        let (s, b, _) = verify(&app, Some(&key), bad).await;
        assert_eq!(
            (s, b["error"]["code"].as_str()),
            (
                StatusCode::UNPROCESSABLE_ENTITY,
                Some("invalid_chip_serial")
            )
        );
        let both = json!({"national_code": code(1).as_str(), "card_serial": "X", "tracking_code": tc(1).as_str(), "purpose": "loan"});
        let (s, b, _) = verify(&app, Some(&key), both).await;
        assert_eq!(
            (s, b["error"]["code"].as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, Some("document_required"))
        );

        // Purposes.
        let mut q = ask(1, &tc(1));
        q["purpose"] = json!("marketing");
        let (s, b, _) = verify(&app, Some(&key), q).await;
        assert_eq!(
            (s, b["error"]["code"].as_str()),
            (StatusCode::FORBIDDEN, Some("purpose_not_allowed"))
        );
        let mut q = ask(1, &tc(1));
        q.as_object_mut().unwrap().remove("purpose");
        let (s, b, _) = verify(&app, Some(&key), q).await;
        assert_eq!(
            (s, b["error"]["code"].as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, Some("purpose_required"))
        );

        // The person sees who verified them, newest first.
        let seen = app.db.store.verifications_of(&code(1), 100).await.unwrap();
        assert_eq!(seen.len(), 5, "{}", app.db.name);
        assert!(seen.iter().all(|v| v.agency == "بانک آزمایشی"));
        assert_eq!(seen[0].purpose, "loan");
        assert!(!seen[0].matched && seen[4].matched);
        assert!(
            app.db
                .store
                .verifications_of(&code(999), 10)
                .await
                .unwrap()
                .len()
                == 1
        );
    }
}

#[tokio::test]
async fn unknown_and_revoked_keys_are_refused() {
    let (app, key) = verify_app(TestStore::sqlite().await, quiet(), 600).await;
    let body = json!({"national_code": code(1).as_str(), "tracking_code": tc(1).as_str(), "purpose": "loan"});
    let (s, b, _) = verify(&app, None, body.clone()).await;
    assert_eq!(
        (s, b["error"]["code"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("invalid_api_key"))
    );
    let (s, _, _) = verify(&app, Some("shn_00000000_nonsense"), body.clone()).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    let agency = app
        .db
        .store
        .agency_by_name("بانک آزمایشی")
        .await
        .unwrap()
        .unwrap();
    let (second, prefix, hash) = server::agency::key::new_api_key();
    app.db
        .store
        .add_api_key(agency.id, &prefix, &hash, Utc::now())
        .await
        .unwrap();
    assert!(app
        .db
        .store
        .revoke_api_key(&prefix, Utc::now())
        .await
        .unwrap());
    assert!(!app
        .db
        .store
        .revoke_api_key(&prefix, Utc::now())
        .await
        .unwrap());
    let (s, _, _) = verify(&app, Some(&second), body.clone()).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    let (s, _, _) = verify(&app, Some(&key), body).await;
    assert_eq!(s, StatusCode::OK);
}

#[tokio::test]
async fn an_agency_over_its_rate_is_told_when_to_come_back() {
    let settings = Settings {
        captcha: false,
        ..Settings::default()
    };
    let (app, key) = verify_app(TestStore::sqlite().await, settings, 3).await;
    let body = json!({"national_code": code(1).as_str(), "tracking_code": tc(1).as_str(), "purpose": "loan"});
    for _ in 0..3 {
        ok(&app, &key, body.clone()).await;
    }
    let (s, b, h) = verify(&app, Some(&key), body).await;
    assert_eq!(
        (s, b["error"]["code"].as_str()),
        (StatusCode::TOO_MANY_REQUESTS, Some("rate_limited"))
    );
    assert!(h.get("retry-after").is_some());
}

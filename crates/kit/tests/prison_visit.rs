//! Issue 13's whole mobile-unit chain in one test, on SQLite and on PostgreSQL at the service: a prison visit
//! planned by an administrator, its roster sent by CSV, the kit loaded, both people enrolled on the kit with the
//! network unplugged, the packets synced when it is back, de-duplication, a manufacturer's batch dispatched to the
//! unit, the shipment received, and the cards handed over on the return visit with the 1:1 fingerprint check (a
//! stranger's finger refused, the holder's delivering).

#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

mod common;

use axum::http::StatusCode;
use base64::Engine;
use common::{kit_desk, listen, point_at};
use domain::{ApplicationState, Role, TrackingCode};
use kit::KitDir;
use serde_json::{json, Value};
use store::kits::KitState;
use testkit::{office, Call, PersonBuilder, TestApp, TestStore};

const UNIT: &str = "30-9001";
const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

/// A chip's public key, as a manufacturer sends it for the holder's certificates.
fn chip_key() -> String {
    use p256::pkcs8::EncodePublicKey;
    let k = loop {
        if let Ok(k) = p256::ecdsa::SigningKey::from_slice(&rand::random::<[u8; 32]>()) {
            break k;
        }
    };
    B64.encode(k.verifying_key().to_public_key_der().unwrap().as_bytes())
}

async fn state_of(app: &TestApp, tc: &str) -> ApplicationState {
    app.state
        .store
        .application(&TrackingCode::parse(tc).unwrap())
        .await
        .unwrap()
        .unwrap()
        .state
}

#[tokio::test]
async fn a_prison_visit_goes_from_plan_to_offline_enrollment_to_cards_handed_over() {
    for db in TestStore::all().await {
        let backend = db.name;
        let persons: Vec<domain::Person> = (1..=2).map(|n| PersonBuilder::new(n).build()).collect();
        let app = TestApp::builder()
            .persons(&persons)
            .offices(&[office(UNIT).kind("mobile_unit").name("واحد سیار ۱").build()])
            .staff("nat", Role::NationalAdmin, None, None)
            .staff("op", Role::Operator, Some(UNIT), None)
            .on(db)
            .await;
        let url = listen(&app).await;
        let nat = format!("Bearer {}", app.token("nat").await);
        let op = format!("Bearer {}", app.token("op").await);

        // Plan and roster, by the API.
        let (st, b) = app
            .post_json(
                "/api/v1/admin/visits",
                &json!({"unit_id": UNIT, "institution_kind": "prison", "institution_name": "زندان قزل‌حصار",
                        "address": "کرج، جادهٔ قزل‌حصار", "date_jalali": app.open_day().to_string(),
                        "capacity": 10}),
            )
            .auth(&nat)
            .await
            .status_json();
        assert_eq!(st, StatusCode::CREATED, "{backend}: {b}");
        let visit = b["visit_id"].as_i64().unwrap();
        let csv = format!(
            "national_code,mobile\n{},{}\n{},\n",
            testkit::code(1).as_str(),
            testkit::mobile(1),
            testkit::code(2).as_str()
        );
        let (st, b) = app
            .post(&format!("/api/v1/visits/{visit}/roster"))
            .auth(&nat)
            .body("text/csv", csv)
            .await
            .status_json();
        assert_eq!(st, StatusCode::OK, "{backend}: {b}");
        assert_eq!(b["rejected"], json!([]), "{backend}: {b}");
        let tcs: Vec<String> = b["accepted"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["tracking_code"].as_str().unwrap().to_string())
            .collect();
        assert_eq!(tcs.len(), 2);

        // The kit: registered, approved, the visit loaded; then the cable is pulled and both are enrolled.
        let tmp = tempfile::tempdir().unwrap();
        let dir = KitDir::new(tmp.path().join("kit"));
        let reg = kit::init(&dir, &url, UNIT).await.unwrap();
        server::kits::change(
            &app.state.store,
            &reg.kit_id,
            KitState::Approved,
            "admin:nat",
        )
        .await
        .unwrap();
        assert_eq!(kit::load(&dir, visit).await.unwrap().people, 2, "{backend}");
        point_at(&dir, "http://127.0.0.1:9");
        let (desk, kit_op) = kit_desk(&dir, UNIT).await;
        for (i, tc) in tcs.iter().enumerate() {
            let a = Call::new(&desk, "POST", "/api/v1/office/enrollments")
                .auth(&kit_op)
                .json(&testkit::enrollment::json_body(tc, 60 + i as u64, &[]))
                .await;
            assert_eq!(a.status, StatusCode::CREATED, "{backend}: {}", a.text());
        }
        assert!(kit::sync(&dir).await.unwrap().unreachable, "{backend}");
        assert_eq!(
            state_of(&app, &tcs[0]).await,
            ApplicationState::AppointmentBooked
        );

        // The network is back: both packets are taken as enrollments.
        point_at(&dir, &url);
        let r = kit::sync(&dir).await.unwrap();
        assert_eq!((r.taken, r.refused.len()), (2, 0), "{backend}: {r:?}");
        for tc in &tcs {
            assert_eq!(
                state_of(&app, tc).await,
                ApplicationState::Enrolled,
                "{backend}"
            );
        }

        // De-duplication, a manufacturer's batch, dispatch to the unit.
        let cleared = app
            .state
            .services
            .dedup
            .run_pending(&app.state)
            .await
            .unwrap();
        assert_eq!(cleared, 2, "{backend}");
        let (key, prefix, hash) = server::agency::key::new_api_key();
        app.db
            .store
            .create_vendor(
                "pars-card",
                100,
                100_000,
                &prefix,
                &hash,
                chrono::Utc::now(),
            )
            .await
            .unwrap();
        assert_eq!(
            server::cards::workers::form_batches(&app.state)
                .await
                .unwrap()
                .len(),
            1
        );
        let (st, batch) = app
            .post("/api/v1/vendor/batches/claim")
            .header("x-api-key", &key)
            .header("content-type", "application/json")
            .await
            .status_json();
        assert_eq!(st, StatusCode::OK, "{backend}: {batch}");
        let batch_id = batch["batch_id"].as_i64().unwrap();
        let keys: Vec<Value> = tcs
            .iter()
            .map(|tc| json!({"tracking_code": tc, "authentication_key": chip_key(), "signing_key": chip_key()}))
            .collect();
        let (st, b) = app
            .post(&format!("/api/v1/vendor/batches/{batch_id}/certificates"))
            .header("x-api-key", &key)
            .json(&Value::Array(keys))
            .await
            .status_json();
        assert_eq!(st, StatusCode::OK, "{backend}: {b}");
        let results: Vec<Value> = tcs
            .iter()
            .enumerate()
            .map(|(i, t)| json!({"tracking_code": t, "outcome": "personalized", "chip_serial": format!("SC-100{i}-KIT")}))
            .collect();
        let (st, b) = app
            .post(&format!("/api/v1/vendor/batches/{batch_id}/results"))
            .header("x-api-key", &key)
            .json(&Value::Array(results))
            .await
            .status_json();
        assert_eq!(st, StatusCode::OK, "{backend}: {b}");
        let (st, shipped) = app
            .post(&format!("/api/v1/vendor/batches/{batch_id}/dispatch"))
            .header("x-api-key", &key)
            .header("content-type", "application/json")
            .await
            .status_json();
        assert_eq!(st, StatusCode::OK, "{backend}: {shipped}");
        assert_eq!(shipped[0]["to_office_id"], UNIT, "{backend}: {shipped}");

        // The unit receives the shipment; the visit's cards are ready for the return visit.
        let (_, list) = app
            .get("/api/v1/office/shipments")
            .auth(&op)
            .header("content-type", "application/json")
            .await
            .status_json();
        let shipment = list[0]["shipment_id"].as_i64().unwrap();
        let (st, b) = app
            .post(&format!("/api/v1/office/shipments/{shipment}/receive"))
            .auth(&op)
            .header("content-type", "application/json")
            .await
            .status_json();
        assert_eq!(st, StatusCode::OK, "{backend}: {b}");
        let handover = format!("/api/v1/admin/visits/{visit}/handover");
        let (_, h) = app.get(&handover).auth(&nat).await.status_json();
        assert_eq!(h["ready"].as_array().unwrap().len(), 2, "{backend}: {h}");

        // Handover: the finger enrolled offline is the one the card opens to; a stranger's is refused.
        let probe = |tc: &str, seed: u64| {
            json!({"tracking_code": tc, "fingerprint": {"position": 2, "format": "iso19794_2",
                   "data": B64.encode(intake::fixtures::iso_probe(2, intake::fixtures::finger_seed(seed, 2), 1))}})
        };
        for (i, tc) in tcs.iter().enumerate() {
            let (st, b) = app
                .post_json("/api/v1/office/pickups", &probe(tc, 99))
                .auth(&op)
                .await
                .status_json();
            assert_eq!(
                (st, b["error"]["code"].as_str()),
                (StatusCode::FORBIDDEN, Some("fingerprint_mismatch")),
                "{backend}: {b}"
            );
            let (st, b) = app
                .post_json("/api/v1/office/pickups", &probe(tc, 60 + i as u64))
                .auth(&op)
                .await
                .status_json();
            assert_eq!(st, StatusCode::OK, "{backend}: {b}");
            assert_eq!(b["state"], "delivered");
        }
        let (_, h) = app.get(&handover).auth(&nat).await.status_json();
        assert_eq!(h["delivered"].as_u64(), Some(2), "{backend}: {h}");
        let history = app
            .state
            .store
            .history(&TrackingCode::parse(&tcs[0]).unwrap())
            .await
            .unwrap();
        assert!(
            history.iter().any(|e| e.actor.starts_with("kit:")),
            "{backend}: the enrollment is recorded as the kit's: {history:?}"
        );
    }
}

//! A prison visit from plan to cards handed over: the roster, enrollment by the unit's operator, de-duplication,
//! a manufacturer's batch, dispatch to the unit, reception, the visit's cards listed for the return visit, and
//! handover with the same 1:1 fingerprint check as any pickup; then the units' figures.

use super::*;
use base64::Engine;
use testkit::{code, err};

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

/// Holder certificates for these cards, for keys a chip would have made.
async fn certify(app: &TestApp, batch_id: i64, vendor: (&str, &str), cards: &[&str]) {
    use p256::pkcs8::EncodePublicKey;
    let key = || {
        let k = loop {
            if let Ok(k) = p256::ecdsa::SigningKey::from_slice(&rand::random::<[u8; 32]>()) {
                break k;
            }
        };
        B64.encode(k.verifying_key().to_public_key_der().unwrap().as_bytes())
    };
    let body: Vec<Value> = cards
        .iter()
        .map(|tc| json!({"tracking_code": tc, "authentication_key": key(), "signing_key": key()}))
        .collect();
    let (st, b) = app
        .post(&format!("/api/v1/vendor/batches/{batch_id}/certificates"))
        .header(vendor.0, vendor.1)
        .json(&Value::Array(body))
        .await
        .status_json();
    assert_eq!(st, StatusCode::OK, "{b}");
}

#[tokio::test]
async fn a_prison_visits_cards_come_back_to_the_unit_and_are_handed_over_with_a_fingerprint() {
    for app in builder(&[]).all().await {
        let name = app.name();
        let alborz = bearer(&app, "alborz").await;
        let op = bearer(&app, "op").await;
        let visit = plan(&app, "alborz", "prison", 10, None).await;
        let csv = format!("national_code,mobile\n{},\n{},\n", code(11), code(12));
        let (st, b) = send_roster(&app, &alborz, visit, &csv).await;
        assert_eq!(st, StatusCode::OK, "{name}: {b}");
        let tcs: Vec<String> = accepted(&b).into_iter().map(|(_, t)| t).collect();
        assert_eq!(tcs.len(), 2);

        // Enrollment at the unit, unchanged: the unit's operator takes photo, fingers and signature.
        for (i, t) in tcs.iter().enumerate() {
            let seed = 11 + i as u64;
            let (st, b) = app
                .post_json(
                    "/api/v1/office/enrollments",
                    &testkit::enrollment::json_body(t, seed, &[]),
                )
                .auth(&op)
                .await
                .status_json();
            assert_eq!(st, StatusCode::CREATED, "{name}: {b}");
        }
        assert_eq!(
            app.state
                .services
                .dedup
                .run_pending(&app.state)
                .await
                .unwrap(),
            2
        );

        // Production and dispatch: the cards go to the unit's office.
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
        let vendor = ("x-api-key", key.as_str());
        assert_eq!(
            server::cards::workers::form_batches(&app.state)
                .await
                .unwrap()
                .len(),
            1
        );
        let (st, batch) = app
            .post("/api/v1/vendor/batches/claim")
            .header(vendor.0, vendor.1)
            .header("content-type", "application/json")
            .await
            .status_json();
        assert_eq!(st, StatusCode::OK, "{batch}");
        let batch_id = batch["batch_id"].as_i64().unwrap();
        let refs: Vec<&str> = tcs.iter().map(String::as_str).collect();
        certify(&app, batch_id, vendor, &refs).await;
        let results: Vec<Value> = tcs
            .iter()
            .enumerate()
            .map(|(i, t)| json!({"tracking_code": t, "outcome": "personalized", "chip_serial": format!("SC-000{i}-UNIT")}))
            .collect();
        let (st, b) = app
            .post(&format!("/api/v1/vendor/batches/{batch_id}/results"))
            .header(vendor.0, vendor.1)
            .json(&Value::Array(results))
            .await
            .status_json();
        assert_eq!(st, StatusCode::OK, "{b}");
        let (st, shipped) = app
            .post(&format!("/api/v1/vendor/batches/{batch_id}/dispatch"))
            .header(vendor.0, vendor.1)
            .header("content-type", "application/json")
            .await
            .status_json();
        assert_eq!(st, StatusCode::OK, "{shipped}");
        assert_eq!(shipped[0]["to_office_id"], UNIT, "{name}: {shipped}");

        // Before reception nothing is ready; the unit's operator receives the shipment.
        let handover = format!("/api/v1/admin/visits/{visit}/handover");
        let (_, h) = app.get(&handover).auth(&alborz).await.status_json();
        assert_eq!(
            (h["ready"].as_array().unwrap().len(), h["coming"].as_u64()),
            (0, Some(2))
        );
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
        assert_eq!(st, StatusCode::OK, "{b}");
        let (_, h) = app.get(&handover).auth(&alborz).await.status_json();
        let ready: Vec<&str> = h["ready"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["tracking_code"].as_str().unwrap())
            .collect();
        assert_eq!(ready.len(), 2, "{name}: {h}");
        assert_eq!(h["unit_id"], UNIT);

        // Handover on the return visit: a wrong finger is refused, the holder's own delivers.
        let probe = |t: &str, seed: u64| {
            json!({"tracking_code": t, "fingerprint": {"position": 2, "format": "iso19794_2",
                   "data": B64.encode(intake::fixtures::iso_probe(2, intake::fixtures::finger_seed(seed, 2), 1))}})
        };
        let (st, b) = app
            .post_json("/api/v1/office/pickups", &probe(&tcs[0], 99))
            .auth(&op)
            .await
            .status_json();
        assert_eq!(
            (st, err(&b)),
            (StatusCode::FORBIDDEN, Some("fingerprint_mismatch")),
            "{b}"
        );
        let (st, b) = app
            .post_json("/api/v1/office/pickups", &probe(&tcs[0], 11))
            .auth(&op)
            .await
            .status_json();
        assert_eq!(st, StatusCode::OK, "{name}: {b}");
        assert_eq!(b["state"], "delivered");
        let (_, h) = app.get(&handover).auth(&alborz).await.status_json();
        assert_eq!(
            (
                h["ready"].as_array().unwrap().len(),
                h["delivered"].as_u64()
            ),
            (1, Some(1))
        );

        // The units' figures: one prison visit, two booked and enrolled, one delivered.
        let (st, f) = app
            .get("/api/v1/stats/units")
            .auth(&alborz)
            .await
            .status_json();
        assert_eq!(st, StatusCode::OK);
        let prison = f
            .as_array()
            .unwrap()
            .iter()
            .find(|k| k["institution_kind"] == "prison")
            .unwrap();
        assert_eq!(
            (
                prison["visits"].as_u64(),
                prison["booked"].as_u64(),
                prison["enrolled"].as_u64(),
                prison["delivered"].as_u64(),
                prison["uncollected"].as_u64()
            ),
            (Some(1), Some(2), Some(2), Some(1), Some(0)),
            "{name}: {f}"
        );
        let tehran = bearer(&app, "tehran").await;
        let (_, f) = app
            .get("/api/v1/stats/units")
            .auth(&tehran)
            .await
            .status_json();
        assert!(f.as_array().unwrap().iter().all(|k| k["booked"] == 0));
        let (st, _) = app.get("/api/v1/stats/units").auth(&op).await.status_json();
        assert_eq!(st, StatusCode::FORBIDDEN);
    }
}

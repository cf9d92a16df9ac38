//! From the desk to the holder's hand through the JSON API, on SQLite and on PostgreSQL: enrollment and its
//! refusals, the 1:N search with a duplicate rejected and a look-alike let through by a supervisor, the receipt PDF,
//! a manufacturer's signed batch with a failed card made again, dispatch, a shipment received with a missing card
//! and received twice, the SMS outbox, pickup with a wrong and a right finger, transfers (an office's only with the
//! holder's finger, limited; the citizen's own), a lost card, a death;
//! and a real Kannel carrying the "ready" SMS, its delivery report, and a status request by SMS.

#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

use axum::http::StatusCode;
use base64::Engine;
use domain::{NationalCode, Role};
use ed25519_dalek::Verifier;
use serde_json::{json, Value};
use server::Settings;
use testkit::{code, err, office, PersonBuilder, TestApp};

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

/// Person `n` of the registry: زهرا محمدی‌نژاد, daughter of علی‌اکبر and فاطمه.
fn holder(n: u32) -> PersonBuilder {
    PersonBuilder::new(n)
        .first_name("زهرا")
        .last_name("محمدی‌نژاد")
        .father("علی‌اکبر")
        .gender("female")
}

fn filing(n: u32, reason: &str) -> Value {
    let mut body = testkit::filing(&holder(n));
    body["reason"] = json!(reason);
    body
}

/// An office of Alborz with this name.
fn counter(id: &str, name: &str) -> domain::Office {
    office(id)
        .name(name)
        .address("خیابان بهشتی، پلاک ۱۲")
        .build()
}

/// The enrollment body for a person whose fingers are synthetic person `finger_seed` (finger 7 bandaged).
fn enrollment(tc: &str, finger_seed: u64) -> Value {
    testkit::enrollment::json_body(tc, finger_seed, &[7])
}

#[tokio::test]
async fn from_the_desk_to_the_holders_hand() {
    for app in TestApp::all().await {
        let name = app.db.name;
        let s = &app.db.store;
        s.upsert_persons(&[holder(1).build(), holder(2).build(), holder(3).build()])
            .await
            .unwrap();
        s.upsert_offices(&[
            counter("30-0001", "دفتر پیشخوان کرج"),
            counter("30-0002", "دفتر پیشخوان فردیس"),
        ])
        .await
        .unwrap();
        let op1_auth = app.staff_login("op1", Role::Operator, "30-0001").await;
        let sup1 = app.staff_login("sup1", Role::Supervisor, "30-0001").await;
        let op2 = app.staff_login("op2", Role::Operator, "30-0002").await;
        let op1 = Some(("authorization", op1_auth.as_str()));
        let sup1 = Some(("authorization", sup1.as_str()));
        let op2 = Some(("authorization", op2.as_str()));
        let tc1 = app.booked(&holder(1), "30-0001").await;
        let tc2 = app.booked(&holder(2), "30-0001").await;
        let tc3 = app.booked(&holder(3), "30-0001").await;
        let enroll = "/api/v1/office/enrollments";

        // --- Refusals: each a clear error, nothing changed. ---
        let (st, b) = app
            .call("POST", enroll)
            .header_opt(op2)
            .json(&enrollment(&tc1, 1))
            .await
            .status_json();
        assert_eq!(
            (st, err(&b)),
            (StatusCode::FORBIDDEN, Some("forbidden")),
            "{name}"
        );
        let (st, _) = app
            .call("POST", enroll)
            .json(&enrollment(&tc1, 1))
            .await
            .status_json();
        assert_eq!(st, StatusCode::UNAUTHORIZED);
        let mut bad = enrollment(&tc1, 1);
        bad["photo"] = json!(B64.encode(b"not a picture at all"));
        let (st, b) = app
            .call("POST", enroll)
            .header_opt(op1)
            .json(&bad)
            .await
            .status_json();
        assert_eq!(
            (st, err(&b), b["error"]["field"].as_str()),
            (
                StatusCode::UNPROCESSABLE_ENTITY,
                Some("photo_unreadable"),
                Some("photo")
            ),
            "{b}"
        );
        let mut bad = enrollment(&tc1, 1);
        let rec = B64
            .decode(bad["fingerprints"][2]["data"].as_str().unwrap())
            .unwrap();
        bad["fingerprints"][2]["data"] = json!(B64.encode(&rec[..rec.len() / 2]));
        let (st, b) = app
            .call("POST", enroll)
            .header_opt(op1)
            .json(&bad)
            .await
            .status_json();
        assert_eq!(
            (st, err(&b), b["error"]["field"].as_str()),
            (
                StatusCode::UNPROCESSABLE_ENTITY,
                Some("invalid_fingerprint"),
                Some("fingerprints[2].data")
            ),
            "{b}"
        );
        let mut bad = enrollment(&tc1, 1);
        bad["photo"] = json!(B64.encode(vec![0xFFu8; 3 * 1024 * 1024]));
        let (st, b) = app
            .call("POST", enroll)
            .header_opt(op1)
            .json(&bad)
            .await
            .status_json();
        assert_eq!(
            (st, err(&b)),
            (StatusCode::UNPROCESSABLE_ENTITY, Some("photo_too_large")),
            "{b}"
        );
        // Past the service's body limit the request is refused before it is read.
        let mut huge = enrollment(&tc1, 1);
        huge["photo"] = json!(B64.encode(vec![0u8; server::ENROLLMENT_BODY_LIMIT]));
        let (st, _) = app
            .call("POST", enroll)
            .header_opt(op1)
            .json(&huge)
            .await
            .status_json();
        assert_eq!(st, StatusCode::PAYLOAD_TOO_LARGE);
        let mut bad = enrollment(&tc1, 1);
        bad["documents"]["birth_certificate_seen"] = json!(false);
        let (st, b) = app
            .call("POST", enroll)
            .header_opt(op1)
            .json(&bad)
            .await
            .status_json();
        assert_eq!(
            (st, err(&b), b["error"]["field"].as_str()),
            (
                StatusCode::UNPROCESSABLE_ENTITY,
                Some("documents_incomplete"),
                Some("documents.birth_certificate_seen")
            )
        );
        assert_eq!(app.state_of(&tc1).await, "appointment_booked");

        // --- Enrollment: person 1; person 2 with person 1's fingers; person 3 likewise. ---
        let (st, b) = app
            .call("POST", enroll)
            .header_opt(op1)
            .json(&enrollment(&tc1, 1))
            .await
            .status_json();
        assert_eq!(st, StatusCode::CREATED, "{name}: {b}");
        assert_eq!(b["state"], "enrolled");
        assert_eq!(
            b["receipt_url"],
            format!("/api/v1/office/receipts/{tc1}.pdf")
        );
        let (st, b) = app
            .call("POST", enroll)
            .header_opt(op1)
            .json(&enrollment(&tc1, 1))
            .await
            .status_json();
        assert_eq!(
            (st, err(&b)),
            (StatusCode::CONFLICT, Some("invalid_transition"))
        );
        for tc in [&tc2, &tc3] {
            let (st, b) = app
                .call("POST", enroll)
                .header_opt(op1)
                .json(&enrollment(tc, 1))
                .await
                .status_json();
            assert_eq!(st, StatusCode::CREATED, "{b}");
        }
        assert_eq!(
            app.state
                .services
                .dedup
                .run_pending(&app.state)
                .await
                .unwrap(),
            3
        );
        assert_eq!(
            s.production_queue_len().await.unwrap(),
            1,
            "{name}: only the first is clear"
        );

        // --- Adjudication: supervisors only; a duplicate rejected, a look-alike let through. ---
        let (st, _) = app
            .call("GET", "/api/v1/office/adjudications")
            .header_opt(op1)
            .header("content-type", "application/json")
            .await
            .status_json();
        assert_eq!(st, StatusCode::FORBIDDEN);
        let (st, cases) = app
            .call("GET", "/api/v1/office/adjudications")
            .header_opt(sup1)
            .header("content-type", "application/json")
            .await
            .status_json();
        assert_eq!(st, StatusCode::OK);
        assert_eq!(cases.as_array().unwrap().len(), 3, "{name}: {cases}");
        let (st, b) = app
            .call("POST", &format!("/api/v1/office/adjudications/{tc2}"))
            .header_opt(sup1)
            .json(&json!({"decision": "duplicate", "note": "same face, same prints"}))
            .await
            .status_json();
        assert_eq!(st, StatusCode::OK, "{b}");
        assert_eq!(app.state_of(&tc2).await, "rejected");
        let (st, b) = app
            .call("POST", &format!("/api/v1/office/adjudications/{tc2}"))
            .header_opt(sup1)
            .json(&json!({"decision": "distinct"}))
            .await
            .status_json();
        assert_eq!(
            (st, err(&b)),
            (StatusCode::CONFLICT, Some("already_decided"))
        );
        let (st, _) = app
            .call("POST", &format!("/api/v1/office/adjudications/{tc3}"))
            .header_opt(sup1)
            .json(&json!({"decision": "distinct", "note": "twins"}))
            .await
            .status_json();
        assert_eq!(st, StatusCode::OK);
        assert_eq!(s.production_queue_len().await.unwrap(), 2);
        let (_, rec) = app
            .call("GET", &format!("/api/v1/office/applications/{tc2}"))
            .header_opt(op1)
            .header("content-type", "application/json")
            .await
            .status_json();
        let last = rec["history"].as_array().unwrap().last().unwrap().clone();
        assert_eq!(last["actor"], "supervisor:sup1");
        assert!(last["reason"].as_str().unwrap().contains(&tc1), "{last}");

        // --- The receipt: at the enrolling office only. ---
        let receipt = format!("/api/v1/office/receipts/{tc1}.pdf");
        let a = app.get(&receipt).auth(&op1_auth).await;
        let (st, headers, pdf) = (a.status, a.headers, a.bytes);
        assert_eq!(st, StatusCode::OK);
        assert_eq!(headers["content-type"], "application/pdf");
        assert!(pdf.starts_with(b"%PDF"));
        if let Some(text) = pdftotext(&pdf) {
            assert!(
                text.contains(&domain::text::to_persian_digits(&tc1)),
                "{text}"
            );
            assert!(
                text.contains("محمدی‌نژاد") || text.contains("محمدینژاد"),
                "{text}"
            );
        }
        let (st, _) = app
            .call("GET", &receipt)
            .header_opt(op2)
            .header("content-type", "application/json")
            .await
            .status_json();
        assert_eq!(st, StatusCode::FORBIDDEN);
        // The QR link says the receipt is valid.
        let url = server::cards::receipt::verify_url(
            &app.state,
            &domain::TrackingCode::parse(&tc1).unwrap(),
        );
        let path = url.split_once("8080").unwrap().1.to_string();
        let a = app.get(&path).await;
        let (st, page) = (a.status, a.bytes);
        assert_eq!(st, StatusCode::OK);
        assert!(String::from_utf8(page)
            .unwrap()
            .contains("data-valid=\"true\""));
        let forged = path.replace("?t=", "?t=0");
        let st = app.get(&forged).await.status;
        assert_eq!(st, StatusCode::NOT_FOUND);

        // --- Production: a signed batch; a failed card is made again. ---
        let (key, prefix, hash) = server::agency::key::new_api_key();
        s.create_vendor(
            "pars-card",
            100,
            100_000,
            &prefix,
            &hash,
            chrono::Utc::now(),
        )
        .await
        .unwrap();
        let vendor = Some(("x-api-key", key.as_str()));
        let (st, _) = app
            .call("POST", "/api/v1/vendor/batches/claim")
            .header_opt(vendor)
            .header("content-type", "application/json")
            .await
            .status_json();
        assert_eq!(st, StatusCode::NO_CONTENT, "{name}: nothing batched yet");
        let (st, _) = app
            .call("POST", "/api/v1/vendor/batches/claim")
            .header_opt(Some(("x-api-key", "shn_bad")))
            .header("content-type", "application/json")
            .await
            .status_json();
        assert_eq!(st, StatusCode::UNAUTHORIZED);
        assert_eq!(
            server::cards::workers::form_batches(&app.state)
                .await
                .unwrap()
                .len(),
            1
        );
        let (st, batch) = app
            .call("POST", "/api/v1/vendor/batches/claim")
            .header_opt(vendor)
            .header("content-type", "application/json")
            .await
            .status_json();
        assert_eq!(st, StatusCode::OK);
        let cards = batch["cards"].as_array().unwrap();
        assert_eq!(cards.len(), 2);
        let (_, key_doc) = app
            .call("GET", "/api/v1/vendor/signing-key")
            .header("content-type", "application/json")
            .await
            .status_json();
        let public = B64.decode(key_doc["public_key"].as_str().unwrap()).unwrap();
        let public = ed25519_dalek::VerifyingKey::from_bytes(&public.try_into().unwrap()).unwrap();
        for c in cards {
            let payload = c["payload"].as_str().unwrap();
            let sig = B64.decode(c["signature"].as_str().unwrap()).unwrap();
            let sig = ed25519_dalek::Signature::from_slice(&sig).unwrap();
            assert!(public.verify(payload.as_bytes(), &sig).is_ok());
            // A changed byte no longer verifies.
            let altered = payload.replace("محمدی", "محمدى");
            assert!(public.verify(altered.as_bytes(), &sig).is_err());
            let p: Value = serde_json::from_str(payload).unwrap();
            assert_eq!(p["last_name"], "محمدی‌نژاد");
            assert_eq!(
                p["fingerprints"].as_array().unwrap().len(),
                9,
                "one finger bandaged"
            );
            assert!(B64
                .decode(p["photo_jpeg"].as_str().unwrap())
                .unwrap()
                .starts_with(&[0xFF, 0xD8]));
        }
        let batch_id = batch["batch_id"].as_i64().unwrap();
        // The chips' keys certified first (a personalised card needs its holder certificates).
        certify(&app, batch_id, vendor, &[&tc1, &tc3]).await;
        let results = format!("/api/v1/vendor/batches/{batch_id}/results");
        let (st, b) = app.call("POST", &results).header_opt(vendor).json(&json!([{"tracking_code": tc1, "outcome": "personalized", "chip_serial": "SC-0001-AAAA"},
                             {"tracking_code": tc2, "outcome": "personalized", "chip_serial": "SC-0002-AAAA"}])).await.status_json();
        assert_eq!(
            (st, err(&b)),
            (StatusCode::UNPROCESSABLE_ENTITY, Some("card_not_in_batch")),
            "{b}"
        );
        assert_eq!(b["error"]["field"], "[1].tracking_code");
        // A reason that would reorder the record page (a right-to-left override) is refused; nothing applied.
        let (st, b) = app.call("POST", &results).header_opt(vendor).json(&json!([{"tracking_code": tc1, "outcome": "personalized", "chip_serial": "SC-0001-AAAA"},
                             {"tracking_code": tc3, "outcome": "failed", "reason": "laser \u{202E}tluaf"}])).await.status_json();
        assert_eq!(
            (st, err(&b), b["error"]["field"].as_str()),
            (
                StatusCode::UNPROCESSABLE_ENTITY,
                Some("invalid_text"),
                Some("[1].reason")
            ),
            "{b}"
        );
        assert!(b["error"]["message_en"]
            .as_str()
            .unwrap()
            .contains("U+202E"));
        assert_eq!(app.state_of(&tc1).await, "in_production");
        let (st, b) = app.call("POST", &results).header_opt(vendor).json(&json!([{"tracking_code": tc1, "outcome": "personalized", "chip_serial": "SC-0001-AAAA"},
                             {"tracking_code": tc3, "outcome": "failed", "reason": "laser engraving fault"}])).await.status_json();
        assert_eq!(st, StatusCode::OK, "{b}");
        assert_eq!(
            (b["personalized"].as_u64(), b["failed"].as_u64()),
            (Some(1), Some(1))
        );
        assert_eq!(app.state_of(&tc3).await, "enrolled");
        assert_eq!(
            server::cards::workers::form_batches(&app.state)
                .await
                .unwrap()
                .len(),
            1
        );
        let (_, again) = app
            .call("POST", "/api/v1/vendor/batches/claim")
            .header_opt(vendor)
            .header("content-type", "application/json")
            .await
            .status_json();
        let batch2 = again["batch_id"].as_i64().unwrap();
        certify(&app, batch2, vendor, &[&tc3]).await;
        let (st, _) = app.call("POST", &format!("/api/v1/vendor/batches/{batch2}/results")).header_opt(vendor).json(&json!([{"tracking_code": tc3, "outcome": "personalized", "chip_serial": "SC-0003-AAAA"}])).await.status_json();
        assert_eq!(st, StatusCode::OK);
        for b in [batch_id, batch2] {
            let (st, shipped) = app
                .call("POST", &format!("/api/v1/vendor/batches/{b}/dispatch"))
                .header_opt(vendor)
                .header("content-type", "application/json")
                .await
                .status_json();
            assert_eq!(st, StatusCode::OK, "{shipped}");
            assert_eq!(shipped[0]["to_office_id"], "30-0001");
        }
        assert_eq!(app.state_of(&tc1).await, "dispatched");

        // --- Reception: another office's shipment, a missing card, a second reception. ---
        let (_, list) = app
            .call("GET", "/api/v1/office/shipments")
            .header_opt(op1)
            .header("content-type", "application/json")
            .await
            .status_json();
        let list = list.as_array().unwrap();
        assert_eq!(list.len(), 2);
        let first = list.iter().find(|x| x["batch_id"] == batch_id).unwrap()["shipment_id"]
            .as_i64()
            .unwrap();
        let second = list.iter().find(|x| x["batch_id"] == batch2).unwrap()["shipment_id"]
            .as_i64()
            .unwrap();
        let (st, _) = app
            .call("POST", &format!("/api/v1/office/shipments/{first}/receive"))
            .header_opt(op2)
            .header("content-type", "application/json")
            .await
            .status_json();
        assert_eq!(st, StatusCode::FORBIDDEN);
        let (st, b) = app
            .call("POST", &format!("/api/v1/office/shipments/{first}/receive"))
            .header_opt(op1)
            .json(&json!({"scanned": ["sc-0001-aaaa", "SC-9999-ZZZZ"]}))
            .await
            .status_json();
        assert_eq!(st, StatusCode::OK, "{b}");
        assert_eq!(b["ready"], 1);
        assert_eq!(b["unexpected"], json!(["SC-9999-ZZZZ"]));
        let (st, b) = app
            .call("POST", &format!("/api/v1/office/shipments/{first}/receive"))
            .header_opt(op1)
            .header("content-type", "application/json")
            .await
            .status_json();
        assert_eq!(
            (st, err(&b)),
            (StatusCode::CONFLICT, Some("shipment_already_received"))
        );
        // The second box arrives without its card: revoked, made again.
        let (st, b) = app
            .call(
                "POST",
                &format!("/api/v1/office/shipments/{second}/receive"),
            )
            .header_opt(op1)
            .json(&json!({"scanned": []}))
            .await
            .status_json();
        assert_eq!(st, StatusCode::OK);
        assert_eq!(b["missing"], json!(["SC-0003-AAAA"]));
        assert_eq!(app.state_of(&tc3).await, "enrolled");
        assert_eq!(app.state_of(&tc1).await, "ready_for_pickup");
        // Once the card waits, no more receipts.
        let (st, b) = app
            .call("GET", &receipt)
            .header_opt(op1)
            .header("content-type", "application/json")
            .await
            .status_json();
        assert_eq!(
            (st, err(&b)),
            (StatusCode::CONFLICT, Some("card_ready_for_pickup"))
        );
        let (_, status) = app
            .call(
                "GET",
                &format!(
                    "/api/v1/status?national_code={}&tracking_code={tc1}",
                    code(1)
                ),
            )
            .header("content-type", "application/json")
            .await
            .status_json();
        assert_eq!(status["state"], "ready_for_pickup");
        assert_eq!(status["office"]["office_id"], "30-0001", "{status}");

        // --- Another office cannot pull the waiting card without its holder (F3). ---
        let pull = format!("/api/v1/office/applications/{tc1}/transfer");
        let holder_probe = |nc: &NationalCode, seed: u64| {
            json!({"national_code": nc.as_str(), "fingerprint": {"position": 2, "format": "iso19794_2",
                   "data": B64.encode(intake::fixtures::iso_probe(2, intake::fixtures::finger_seed(seed, 2), 2))}})
        };
        let (st, b) = app
            .call("POST", &pull)
            .header_opt(op2)
            .header("content-type", "application/json")
            .await
            .status_json();
        assert_eq!(
            (st, err(&b)),
            (StatusCode::UNPROCESSABLE_ENTITY, Some("invalid_body")),
            "no holder: {b}"
        );
        let (st, unknown) = app
            .call(
                "POST",
                &format!(
                    "/api/v1/office/applications/{}/transfer",
                    domain::TrackingCode::from_body(5)
                ),
            )
            .header_opt(op2)
            .json(&holder_probe(&code(1), 1))
            .await
            .status_json();
        assert_eq!(
            (st, err(&unknown)),
            (StatusCode::NOT_FOUND, Some("not_found"))
        );
        let (st, b) = app
            .call("POST", &pull)
            .header_opt(op2)
            .json(&holder_probe(&code(2), 1))
            .await
            .status_json();
        assert_eq!(
            (st, &b),
            (StatusCode::NOT_FOUND, &unknown),
            "another person's code"
        );
        let (st, b) = app
            .call("POST", &pull)
            .header_opt(op2)
            .json(&holder_probe(&code(1), 99))
            .await
            .status_json();
        assert_eq!(
            (st, err(&b)),
            (StatusCode::FORBIDDEN, Some("fingerprint_mismatch")),
            "{b}"
        );
        assert_eq!(app.state_of(&tc1).await, "ready_for_pickup");
        let record1 = format!("/api/v1/office/applications/{tc1}");
        let (st, _) = app
            .call("GET", &record1)
            .header_opt(op2)
            .header("content-type", "application/json")
            .await
            .status_json();
        assert_eq!(st, StatusCode::FORBIDDEN, "the record stays closed");
        let (_, rec) = app
            .call("GET", &record1)
            .header_opt(op1)
            .header("content-type", "application/json")
            .await
            .status_json();
        assert_eq!(rec["transfer_attempts"][0]["office_id"], "30-0002", "{rec}");
        assert_eq!(rec["transfer_attempts"][0]["matched"], false);

        // --- The SMS goes out through the outbox. ---
        let sent = server::cards::workers::send_sms(&app.state, 100, 8)
            .await
            .unwrap();
        assert_eq!(sent.sent, 1, "{name}");
        let (_, rec) = app
            .call("GET", &format!("/api/v1/office/applications/{tc1}"))
            .header_opt(op1)
            .header("content-type", "application/json")
            .await
            .status_json();
        assert_eq!(rec["messages"][0]["state"], "sent");
        assert_eq!(rec["chip_serial"], "SC-0001-AAAA");

        // --- Pickup: the wrong finger, then the right one. ---
        let probe = |seed: u64, impression: u64| {
            json!({"tracking_code": tc1, "fingerprint": {"position": 2, "format": "iso19794_2",
                   "data": B64.encode(intake::fixtures::iso_probe(2, intake::fixtures::finger_seed(seed, 2), impression))}})
        };
        let (st, b) = app
            .call("POST", "/api/v1/office/pickups")
            .header_opt(op2)
            .json(&probe(1, 1))
            .await
            .status_json();
        assert_eq!(st, StatusCode::FORBIDDEN, "{b}");
        let (st, b) = app
            .call("POST", "/api/v1/office/pickups")
            .header_opt(op1)
            .json(&probe(99, 1))
            .await
            .status_json();
        assert_eq!(
            (st, err(&b)),
            (StatusCode::FORBIDDEN, Some("fingerprint_mismatch")),
            "{b}"
        );
        let bandaged = json!({"tracking_code": tc1, "fingerprint": {"position": 7, "format": "iso19794_2",
            "data": B64.encode(intake::fixtures::iso_probe(7, intake::fixtures::finger_seed(1, 7), 1))}});
        let (st, b) = app
            .call("POST", "/api/v1/office/pickups")
            .header_opt(op1)
            .json(&bandaged)
            .await
            .status_json();
        assert_eq!(
            (st, err(&b)),
            (
                StatusCode::UNPROCESSABLE_ENTITY,
                Some("finger_not_enrolled")
            ),
            "{b}"
        );
        assert_eq!(app.state_of(&tc1).await, "ready_for_pickup");
        let (st, b) = app
            .call("POST", "/api/v1/office/pickups")
            .header_opt(op1)
            .json(&probe(1, 3))
            .await
            .status_json();
        assert_eq!(st, StatusCode::OK, "{name}: {b}");
        assert_eq!(b["state"], "delivered");
        assert_eq!(b["pickup_fee_rials"], 20_000);
        let (_, rec) = app
            .call("GET", &format!("/api/v1/office/applications/{tc1}"))
            .header_opt(op1)
            .header("content-type", "application/json")
            .await
            .status_json();
        assert_eq!(rec["card_status"], "active");
        assert_eq!(rec["pickup_attempts"].as_array().unwrap().len(), 2);
        let events: Vec<&str> = rec["history"]
            .as_array()
            .unwrap()
            .iter()
            .map(|h| h["event"].as_str().unwrap())
            .collect();
        assert_eq!(
            events,
            [
                "filed",
                "payment_settled",
                "appointment_booked",
                "enrolled",
                "batched_for_production",
                "dispatched",
                "received_at_office",
                "picked_up"
            ],
            "{name}"
        );
        // A bank verifies the delivered card by its serial.
        let (key, prefix, hash) = server::agency::key::new_api_key();
        let agency = s
            .create_agency(
                "bank-melli",
                &["account_opening".into()],
                600,
                chrono::Utc::now(),
            )
            .await
            .unwrap();
        s.add_api_key(agency, &prefix, &hash, chrono::Utc::now())
            .await
            .unwrap();
        let verify = |doc: Value| {
            let mut body = json!({"national_code": code(1).as_str(), "purpose": "account_opening"});
            body.as_object_mut()
                .unwrap()
                .extend(doc.as_object().unwrap().clone());
            body
        };
        let bank = Some(("x-api-key", key.as_str()));
        let (_, b) = app
            .call("POST", "/api/v1/verify")
            .header_opt(bank)
            .json(&verify(json!({"card_serial": "SC-0001-AAAA"})))
            .await
            .status_json();
        assert_eq!(
            (b["match"].as_bool(), b["document"].as_str()),
            (Some(true), Some("card")),
            "{b}"
        );
        let (_, b) = app
            .call("POST", "/api/v1/verify")
            .header_opt(bank)
            .json(&verify(json!({"tracking_code": tc1})))
            .await
            .status_json();
        assert_eq!(
            b["match"], false,
            "a delivered card's receipt no longer verifies: {b}"
        );

        // --- The card is lost: a new application (with its fee) revokes it at once. ---
        let (st, b) = app
            .call("POST", "/api/v1/applications")
            .json(&filing(1, "lost"))
            .await
            .status_json();
        assert_eq!(st, StatusCode::CREATED, "{b}");
        assert_eq!(app.state_of(&tc1).await, "revoked");
        let (_, b) = app
            .call("POST", "/api/v1/verify")
            .header_opt(bank)
            .json(&verify(json!({"card_serial": "SC-0001-AAAA"})))
            .await
            .status_json();
        assert_eq!(b["match"], false, "{b}");

        // --- Transfer: the remade card of person 3 goes to the other office; then a death. ---
        let (st, b) = app
            .call("POST", &format!("/api/v1/applications/{tc3}/transfer"))
            .json(&json!({"national_code": code(2).as_str(), "office_id": "30-0002"}))
            .await
            .status_json();
        assert_eq!(st, StatusCode::NOT_FOUND, "another person's code: {b}");
        let (st, b) = app
            .call("POST", &format!("/api/v1/applications/{tc3}/transfer"))
            .json(&json!({"national_code": code(3).as_str(), "office_id": "30-0002"}))
            .await
            .status_json();
        assert_eq!(
            (st, b["outcome"].as_str()),
            (StatusCode::OK, Some("redirected")),
            "{b}"
        );
        s.upsert_persons(&[holder(3).dead_on("1405-08-01").build()])
            .await
            .unwrap();
        assert_eq!(server::cards::workers::deaths(&app.state).await.unwrap(), 1);
        assert_eq!(app.state_of(&tc3).await, "cancelled");

        assert_eq!(
            s.province_counts().await.unwrap(),
            s.recount().await.unwrap(),
            "{name}"
        );

        // --- The figures: lead times, uncollected cards, office load, and the dashboard. ---
        s.create_user(&store::journey::NewUser {
            username: "boss".into(),
            password_hash: server::auth::hash_password("a good long password").unwrap(),
            role: Role::NationalAdmin,
            office: None,
            province: None,
            at: chrono::Utc::now(),
        })
        .await
        .unwrap();
        let (_, b) = app
            .call("POST", "/api/v1/auth/login")
            .json(&json!({"username": "boss", "password": "a good long password"}))
            .await
            .status_json();
        let boss_token = b["token"].as_str().unwrap().to_string();
        let boss_auth = format!("Bearer {boss_token}");
        let boss = Some(("authorization", boss_auth.as_str()));
        let (st, lt) = app
            .call("GET", "/api/v1/stats/lead-times")
            .header_opt(boss)
            .header("content-type", "application/json")
            .await
            .status_json();
        assert_eq!(st, StatusCode::OK);
        assert_eq!(
            (lt["deliveries"].as_u64(), lt["median_days"].as_u64()),
            (Some(1), Some(0)),
            "{lt}"
        );
        assert_eq!(lt["within_aim_pct"], 100.0);
        let (st, _) = app
            .call("GET", "/api/v1/stats/lead-times")
            .header_opt(op1)
            .header("content-type", "application/json")
            .await
            .status_json();
        assert_eq!(st, StatusCode::FORBIDDEN);
        let (_, u) = app
            .call("GET", "/api/v1/stats/uncollected")
            .header_opt(boss)
            .header("content-type", "application/json")
            .await
            .status_json();
        assert_eq!(u["total"], 0);
        assert_eq!(u["by_reason"].as_array().unwrap().len(), 16);
        let day = app.open_day();
        let (st, load) = app
            .call(
                "GET",
                &format!("/api/v1/stats/offices/load?date_jalali={day}"),
            )
            .header_opt(boss)
            .header("content-type", "application/json")
            .await
            .status_json();
        assert_eq!(st, StatusCode::OK, "{load}");
        assert_eq!(load[0]["office_id"], "30-0001");
        assert_eq!(
            (load[0]["booked"].as_u64(), load[0]["load_pct"].as_f64()),
            (Some(3), Some(6.0))
        );
        let a = app
            .get("/api/v1/stats/lead-times?format=csv")
            .auth(&boss_auth)
            .await;
        let (st, headers, csv) = (a.status, a.headers, a.bytes);
        assert_eq!(st, StatusCode::OK);
        assert!(headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv"));
        assert!(String::from_utf8(csv)
            .unwrap()
            .starts_with("from_days,to_days,deliveries\r\n0,7,1\r\n"));
        let a = app
            .get("/admin/stats")
            .cookie(format!("shenas_staff={boss_token}"))
            .await;
        let (st, page) = (a.status, a.bytes);
        assert_eq!(st, StatusCode::OK);
        let page = String::from_utf8(page).unwrap();
        for id in ["lead-times", "uncollected", "office-load", "exports"] {
            assert!(page.contains(&format!("id=\"{id}\"")), "{id}");
        }
        assert!(page.contains("/api/v1/stats/provinces?format=csv"));
    }
}

/// The holder certificates of these cards, for keys a chip would have made.
async fn certify(app: &TestApp, batch_id: i64, vendor: Option<(&str, &str)>, cards: &[&str]) {
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
        .call(
            "POST",
            &format!("/api/v1/vendor/batches/{batch_id}/certificates"),
        )
        .header_opt(vendor)
        .json(&Value::Array(body))
        .await
        .status_json();
    assert_eq!(st, StatusCode::OK, "{b}");
}

fn pdftotext(pdf: &[u8]) -> Option<String> {
    let dir = std::env::temp_dir().join(format!("shenas-receipt-{}", std::process::id()));
    std::fs::create_dir_all(&dir).ok()?;
    let path = dir.join("r.pdf");
    std::fs::write(&path, pdf).ok()?;
    let out = std::process::Command::new("pdftotext")
        .arg(&path)
        .arg("-")
        .output();
    let Ok(out) = out else {
        eprintln!("SKIPPED: pdftotext is not installed (apt-get install poppler-utils)");
        return None;
    };
    Some(
        String::from_utf8_lossy(&out.stdout)
            .chars()
            .filter(|c| !('\u{202A}'..='\u{202E}').contains(c))
            .collect(),
    )
}

#[tokio::test]
async fn an_office_brings_a_card_to_itself_only_with_the_holders_finger() {
    for app in TestApp::all().await {
        let name = app.db.name;
        let s = &app.db.store;
        s.upsert_persons(&[holder(1).build()]).await.unwrap();
        s.upsert_offices(&[
            counter("30-0001", "دفتر پیشخوان کرج"),
            counter("30-0002", "دفتر پیشخوان فردیس"),
        ])
        .await
        .unwrap();
        let op1 = app.staff_login("op1", Role::Operator, "30-0001").await;
        let op2 = app.staff_login("op2", Role::Operator, "30-0002").await;
        let op1 = Some(("authorization", op1.as_str()));
        let op2 = Some(("authorization", op2.as_str()));
        let tc = app.booked(&holder(1), "30-0001").await;
        let (st, b) = app
            .call("POST", "/api/v1/office/enrollments")
            .header_opt(op1)
            .json(&enrollment(&tc, 1))
            .await
            .status_json();
        assert_eq!(st, StatusCode::CREATED, "{name}: {b}");
        let pull = format!("/api/v1/office/applications/{tc}/transfer");
        let probe = |seed: u64, impression: u64| {
            json!({"national_code": code(1).as_str(), "fingerprint": {"position": 2, "format": "iso19794_2",
                   "data": B64.encode(intake::fixtures::iso_probe(2, intake::fixtures::finger_seed(seed, 2), impression))}})
        };
        // The enrolling office already gets the card.
        let (st, b) = app
            .call("POST", &pull)
            .header_opt(op1)
            .json(&probe(1, 2))
            .await
            .status_json();
        assert_eq!((st, err(&b)), (StatusCode::CONFLICT, Some("same_office")));
        // The holder at the other office's desk: the destination changes, recorded with who and when.
        let (st, b) = app
            .call("POST", &pull)
            .header_opt(op2)
            .json(&probe(1, 2))
            .await
            .status_json();
        assert_eq!(
            (st, b["outcome"].as_str(), b["to_office_id"].as_str()),
            (StatusCode::OK, Some("redirected"), Some("30-0002")),
            "{name}: {b}"
        );
        let (st, rec) = app
            .call("GET", &format!("/api/v1/office/applications/{tc}"))
            .header_opt(op2)
            .header("content-type", "application/json")
            .await
            .status_json();
        assert_eq!(st, StatusCode::OK, "now this office's work");
        let last = rec["history"].as_array().unwrap().last().unwrap().clone();
        assert_eq!(
            (last["event"].as_str(), last["actor"].as_str()),
            (Some("destination_changed"), Some("operator:op2")),
            "{rec}"
        );
        assert!(last["at"].as_str().is_some());
        // Back to the first office: after six failed matches the desk must call a supervisor.
        for _ in 0..server::pickup::MAX_FAILED_MATCHES {
            let (st, b) = app
                .call("POST", &pull)
                .header_opt(op1)
                .json(&probe(99, 1))
                .await
                .status_json();
            assert_eq!(
                (st, err(&b)),
                (StatusCode::FORBIDDEN, Some("fingerprint_mismatch"))
            );
        }
        let (st, b) = app
            .call("POST", &pull)
            .header_opt(op1)
            .json(&probe(1, 2))
            .await
            .status_json();
        assert_eq!(
            (st, err(&b)),
            (StatusCode::CONFLICT, Some("too_many_attempts")),
            "{name}: {b}"
        );
        let e = s
            .enrollment(&domain::TrackingCode::parse(&tc).unwrap())
            .await
            .unwrap()
            .unwrap();
        assert_eq!(e.destination.as_str(), "30-0002");
    }
}

#[tokio::test]
async fn office_transfers_are_limited_per_operator() {
    let app = TestApp::builder()
        .settings(Settings {
            captcha: false,
            transfers_per_operator_per_minute: 2,
            ..Settings::default()
        })
        .build()
        .await;
    app.db
        .store
        .upsert_offices(&[counter("30-0002", "دفتر پیشخوان فردیس")])
        .await
        .unwrap();
    let op2 = app.staff_login("op2", Role::Operator, "30-0002").await;
    let body = json!({"national_code": code(1).as_str(),
        "fingerprint": {"position": 2, "format": "iso19794_2", "data": ""}});
    let mut seen = Vec::new();
    for n in 0..3u64 {
        let tc = domain::TrackingCode::from_body(n + 10);
        let (st, b) = app
            .call(
                "POST",
                &format!("/api/v1/office/applications/{tc}/transfer"),
            )
            .header_opt(Some(("authorization", op2.as_str())))
            .json(&body)
            .await
            .status_json();
        seen.push((st, err(&b).map(str::to_string)));
    }
    let nf = (StatusCode::NOT_FOUND, Some("not_found".to_string()));
    let limited = (
        StatusCode::TOO_MANY_REQUESTS,
        Some("rate_limited".to_string()),
    );
    assert_eq!(seen, [nf.clone(), nf, limited]);
}

use super::lifecycle::Desk;
use super::*;

pub(super) async fn production(d: &Desk<'_>) -> (i64, i64) {
    let app = d.app;
    let name = d.name;
    let s = &d.app.db.store;
    let tc1 = d.tc1.as_str();
    let tc2 = d.tc2.as_str();
    let tc3 = d.tc3.as_str();
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
    certify(app, batch_id, vendor, &[tc1, tc3]).await;
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
    assert_eq!(app.state_of(tc1).await, "in_production");
    let (st, b) = app.call("POST", &results).header_opt(vendor).json(&json!([{"tracking_code": tc1, "outcome": "personalized", "chip_serial": "SC-0001-AAAA"},
                         {"tracking_code": tc3, "outcome": "failed", "reason": "laser engraving fault"}])).await.status_json();
    assert_eq!(st, StatusCode::OK, "{b}");
    assert_eq!(
        (b["personalized"].as_u64(), b["failed"].as_u64()),
        (Some(1), Some(1))
    );
    assert_eq!(app.state_of(tc3).await, "enrolled");
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
    certify(app, batch2, vendor, &[tc3]).await;
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
    assert_eq!(app.state_of(tc1).await, "dispatched");
    (batch_id, batch2)
}

pub(super) async fn reception_sms_and_pickup(d: &Desk<'_>, batch_id: i64, batch2: i64) {
    let app = d.app;
    let name = d.name;
    let tc1 = d.tc1.as_str();
    let receipt = format!("/api/v1/office/receipts/{tc1}.pdf");
    let tc3 = d.tc3.as_str();
    let op1 = d.op1();
    let op2 = d.op2();
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
    assert_eq!(app.state_of(tc3).await, "enrolled");
    assert_eq!(app.state_of(tc1).await, "ready_for_pickup");
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
    assert_eq!(app.state_of(tc1).await, "ready_for_pickup");
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
    assert_eq!(app.state_of(tc1).await, "ready_for_pickup");
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
}

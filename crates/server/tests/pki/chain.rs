use super::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_card_from_enrollment_to_pickup_checked_with_openssl() {
    if !have_openssl() {
        return;
    }
    for app in App::all().await {
        let name = app.name.clone();
        eprintln!("the card through the PKI on {name}");
        let s = &app.db.store;
        s.upsert_persons(&[person(1), person(2)]).await.unwrap();
        s.upsert_offices(&[Office::from_row(&[
            "30-0001",
            "دفتر پیشخوان کرج",
            "counter",
            "30",
            "کرج",
            "026",
            "خیابان بهشتی",
            "50",
        ])
        .unwrap()])
            .await
            .unwrap();
        let op = app.operator("op1", "30-0001").await;
        let op = Some(("authorization", op.as_str()));
        let tc1 = app.enrolled(1, op).await;
        let tc2 = app.enrolled(2, op).await;
        app.state
            .services
            .dedup
            .run_pending(&app.state)
            .await
            .unwrap();
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
        assert_eq!(
            server::cards::workers::form_batches(&app.state)
                .await
                .unwrap()
                .len(),
            1
        );
        // The chip data is made in the background after batching (here: now).
        assert_eq!(
            server::pki::chip::make_pending(&app.state).await.unwrap(),
            2,
            "{name}"
        );

        // --- Claim: document numbers and the LDS. ---
        let (st, batch) = app
            .call("POST", "/api/v1/vendor/batches/claim", vendor, None)
            .await;
        assert_eq!(st, StatusCode::OK, "{batch}");
        let batch_id = batch["batch_id"].as_i64().unwrap();
        let card = batch["cards"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["tracking_code"] == tc1.as_str())
            .unwrap()
            .clone();
        let document_number = card["document_number"].as_str().unwrap().to_string();
        assert_eq!(document_number.len(), 9);
        let w = Work(tempfile::tempdir().unwrap());
        let file = |f: &str| B64.decode(card["lds"][f].as_str().unwrap()).unwrap();
        for f in ["com", "dg1", "dg2", "dg3", "dg7", "dg11", "dg12", "sod"] {
            w.write(&format!("{f}.bin"), &file(f));
        }
        let mrz = String::from_utf8_lossy(&file("dg1")).to_string();
        assert!(mrz.contains(&format!("IDIRN{document_number}")), "{mrz}");
        assert!(
            mrz.contains(code(1).as_str()),
            "the national code in the MRZ's optional data"
        );
        // EF.SOD against the published CSCA; the data-group hashes it signs are the files' hashes.
        let (st, csca) = app.get("/api/v1/pki/csca.pem").await;
        assert_eq!(st, StatusCode::OK);
        w.write("csca.pem", &csca);
        w.ok(&[
            "asn1parse",
            "-inform",
            "DER",
            "-in",
            "sod.bin",
            "-strparse",
            "4",
            "-noout",
            "-out",
            "sod.der",
        ])
        .await;
        let out = w
            .ok(&[
                "cms", "-verify", "-inform", "DER", "-in", "sod.der", "-CAfile", "csca.pem",
                "-purpose", "any", "-binary", "-out", "lso.der",
            ])
            .await;
        assert!(out.contains("Verification successful"), "{out}");
        let lso = w
            .ok(&["asn1parse", "-inform", "DER", "-in", "lso.der"])
            .await
            .to_uppercase();
        for f in ["dg1", "dg2", "dg3", "dg7", "dg11", "dg12"] {
            let h = hex::encode(sha2::Sha256::digest(file(f))).to_uppercase();
            assert!(
                lso.contains(&h),
                "{f}'s hash is not in the LDSSecurityObject"
            );
        }
        // Another CSCA does not verify it.
        let (st, root) = app.get("/api/v1/pki/root.pem").await;
        assert_eq!(st, StatusCode::OK);
        w.write("root.pem", &root);
        let (ok, _) = w
            .openssl(&[
                "cms", "-verify", "-inform", "DER", "-in", "sod.der", "-CAfile", "root.pem",
                "-purpose", "any", "-binary", "-out", "x.der",
            ])
            .await;
        assert!(!ok, "the EF.SOD verified against the national root");

        // --- Results before certificates are refused. ---
        let results = format!("/api/v1/vendor/batches/{batch_id}/results");
        let both = json!([{"tracking_code": tc1, "outcome": "personalized", "chip_serial": "SC-0001-PKIA"},
                          {"tracking_code": tc2, "outcome": "personalized", "chip_serial": "SC-0002-PKIA"}]);
        let (st, b) = app.call("POST", &results, vendor, Some(&both)).await;
        assert_eq!(
            (st, b["error"]["code"].as_str()),
            (StatusCode::CONFLICT, Some("certificates_not_issued")),
            "{b}"
        );

        // --- Holder certificates: refusals first, nothing issued. ---
        let certs = format!("/api/v1/vendor/batches/{batch_id}/certificates");
        let (k1a, k1s, k2a, k2s) = (chip_key(), chip_key(), chip_key(), chip_key());
        let mut off_curve = B64.decode(&k1a).unwrap();
        let last = off_curve.len() - 1;
        off_curve[last] ^= 1;
        for (body, code_, field) in [
            (
                json!([{"tracking_code": tc1, "authentication_key": B64.encode(&off_curve), "signing_key": k1s}]),
                "invalid_public_key",
                "[0].authentication_key",
            ),
            (
                json!([{"tracking_code": tc1, "authentication_key": k1a, "signing_key": k1a}]),
                "same_key_twice",
                "[0].signing_key",
            ),
            (
                json!([{"tracking_code": tc1, "authentication_key": k1a, "signing_key": k1s},
                    {"tracking_code": tc2, "authentication_key": k1s, "signing_key": k2s}]),
                "same_key_twice",
                "[1].authentication_key",
            ),
            (
                json!([{"tracking_code": domain::TrackingCode::from_body(5).as_str(), "authentication_key": k1a, "signing_key": k1s}]),
                "card_not_in_batch",
                "[0].tracking_code",
            ),
            (
                json!([{"tracking_code": tc1, "authentication_key": "not base64!", "signing_key": k1s}]),
                "invalid_base64",
                "[0].authentication_key",
            ),
        ] {
            let (st, b) = app.call("POST", &certs, vendor, Some(&body)).await;
            assert_eq!(
                (
                    st,
                    b["error"]["code"].as_str(),
                    b["error"]["field"].as_str()
                ),
                (StatusCode::UNPROCESSABLE_ENTITY, Some(code_), Some(field)),
                "{b}"
            );
        }
        let body = json!([{"tracking_code": tc1, "authentication_key": k1a, "signing_key": k1s},
                          {"tracking_code": tc2, "authentication_key": k2a, "signing_key": k2s}]);
        let (st, issued) = app.call("POST", &certs, vendor, Some(&body)).await;
        assert_eq!(st, StatusCode::OK, "{issued}");
        let (st, again) = app.call("POST", &certs, vendor, Some(&body)).await;
        assert_eq!(
            (st, &again),
            (StatusCode::OK, &issued),
            "a repeat answers the same certificates"
        );
        // Another manufacturer, no key, a replayed Idempotency-Key: the batch is this vendor's alone.
        let (other_key, other_prefix, other_hash) = server::agency::key::new_api_key();
        s.create_vendor(
            "other-card",
            100,
            100_000,
            &other_prefix,
            &other_hash,
            chrono::Utc::now(),
        )
        .await
        .unwrap();
        let own = [("x-api-key", key.as_str()), ("idempotency-key", "certs-1")];
        let (st, keyed) = app.call_with("POST", &certs, &own, Some(&body)).await;
        assert_eq!((st, &keyed), (StatusCode::OK, &issued));
        for (headers, status, code_) in [
            (
                vec![
                    ("x-api-key", other_key.as_str()),
                    ("idempotency-key", "certs-1"),
                ],
                StatusCode::NOT_FOUND,
                "not_found",
            ),
            (
                vec![("idempotency-key", "certs-1")],
                StatusCode::UNAUTHORIZED,
                "invalid_api_key",
            ),
            (
                vec![("x-api-key", "sk_nothing"), ("idempotency-key", "certs-1")],
                StatusCode::UNAUTHORIZED,
                "invalid_api_key",
            ),
        ] {
            let (st, b) = app.call_with("POST", &certs, &headers, Some(&body)).await;
            assert_eq!(
                (st, b["error"]["code"].as_str()),
                (status, Some(code_)),
                "{headers:?}: {b}"
            );
        }
        let (st, replayed) = app.call_with("POST", &certs, &own, Some(&body)).await;
        assert_eq!(
            (st, &replayed),
            (StatusCode::OK, &issued),
            "the key's own repeat"
        );
        let (st, b) = app
            .call("POST", &certs, vendor, Some(&json!([{"tracking_code": tc1, "authentication_key": chip_key(), "signing_key": chip_key()}])))
            .await;
        assert_eq!(
            (st, b["error"]["code"].as_str()),
            (StatusCode::CONFLICT, Some("certificates_already_issued")),
            "{b}"
        );
        let mine = issued
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["tracking_code"] == tc1.as_str())
            .unwrap();
        assert_eq!(mine["document_number"], document_number.as_str());
        w.pem(
            "auth.pem",
            "CERTIFICATE",
            &B64.decode(mine["authentication_certificate"].as_str().unwrap())
                .unwrap(),
        );
        let (st, citizen) = app.get("/api/v1/pki/citizen-ca.pem").await;
        assert_eq!(st, StatusCode::OK);
        w.write("citizen-ca.pem", &citizen);
        let text = w.ok(&["x509", "-in", "auth.pem", "-noout", "-text"]).await;
        assert!(
            text.contains(code(1).as_str()),
            "the national code as the subject's serialNumber: {text}"
        );
        assert!(text.contains(&format!("{}/ocsp", app.base)), "{text}");

        // --- On hold until pickup: OCSP says revoked/certificateHold, the CRL refuses it. ---
        let out = ocsp(&app, &w).await;
        assert!(out.contains("Response verify OK"), "{out}");
        assert!(
            out.contains("auth.pem: revoked") && out.contains("certificateHold"),
            "{name}: {out}"
        );
        let (ok, out) = verify_with_crl(&app, &w).await;
        assert!(!ok && out.contains("revoked"), "{out}");

        // --- Produced, dispatched, received, collected with the right finger. ---
        let (st, b) = app.call("POST", &results, vendor, Some(&both)).await;
        assert_eq!(st, StatusCode::OK, "{b}");
        let (st, shipped) = app
            .call(
                "POST",
                &format!("/api/v1/vendor/batches/{batch_id}/dispatch"),
                vendor,
                None,
            )
            .await;
        assert_eq!(st, StatusCode::OK, "{shipped}");
        let shipment = shipped[0]["shipment_id"].as_i64().unwrap();
        let (st, b) = app
            .call(
                "POST",
                &format!("/api/v1/office/shipments/{shipment}/receive"),
                op,
                None,
            )
            .await;
        assert_eq!(st, StatusCode::OK, "{b}");
        let probe = json!({"tracking_code": tc1, "fingerprint": {"position": 2, "format": "iso19794_2",
            "data": B64.encode(intake::fixtures::iso_probe(2, intake::fixtures::finger_seed(1, 2), 1))}});
        let (st, b) = app
            .call("POST", "/api/v1/office/pickups", op, Some(&probe))
            .await;
        assert_eq!(st, StatusCode::OK, "{b}");
        let chip_serial = b["chip_serial"].as_str().unwrap().to_string();
        let out = ocsp(&app, &w).await;
        assert!(
            out.contains("auth.pem: good"),
            "{name}: after pickup: {out}"
        );
        let (ok, out) = verify_with_crl(&app, &w).await;
        assert!(ok, "after pickup: {out}");

        // --- Verification by document number. ---
        let agency = s
            .create_agency(
                "بانک آزمایشی",
                &["identity_check".to_string()],
                600,
                chrono::Utc::now(),
            )
            .await
            .unwrap();
        let (akey, aprefix, ahash) = server::agency::key::new_api_key();
        s.add_api_key(agency, &aprefix, &ahash, chrono::Utc::now())
            .await
            .unwrap();
        let agency = Some(("x-api-key", akey.as_str()));
        let (st, b) = app
            .call(
                "POST",
                "/api/v1/verify",
                agency,
                Some(
                    &json!({"national_code": code(1).as_str(), "document_number": document_number}),
                ),
            )
            .await;
        assert_eq!(
            (st, b["match"].as_bool(), b["document"].as_str()),
            (StatusCode::OK, Some(true), Some("card")),
            "{b}"
        );
        let (_, b) = app
            .call(
                "POST",
                "/api/v1/verify",
                agency,
                Some(
                    &json!({"national_code": code(2).as_str(), "document_number": document_number}),
                ),
            )
            .await;
        assert_eq!(b["match"], false, "another person's document");
        let (st, b) = app
            .call(
                "POST",
                "/api/v1/verify",
                agency,
                Some(&json!({"national_code": code(1).as_str(), "document_number": "A1"})),
            )
            .await;
        assert_eq!(
            (st, b["error"]["code"].as_str()),
            (
                StatusCode::UNPROCESSABLE_ENTITY,
                Some("invalid_document_number")
            )
        );

        // --- Loss reported: suspended (on hold in OCSP and the CRL, no longer verifies); found again. ---
        let by_number =
            json!({"national_code": code(1).as_str(), "document_number": document_number});
        let report = format!("/api/v1/applications/{tc1}/report-lost");
        let who = json!({"national_code": code(1).as_str()});
        let (st, b) = app.call("POST", &report, None, Some(&who)).await;
        assert_eq!(
            (st, b["card_state"].as_str()),
            (StatusCode::OK, Some("suspended")),
            "{b}"
        );
        assert!(
            b["revoked_from_jalali"]
                .as_str()
                .is_some_and(|d| d.starts_with("14")),
            "{b}"
        );
        let (st, again) = app.call("POST", &report, None, Some(&who)).await;
        assert_eq!(
            (st, &again["suspended_at"]),
            (StatusCode::OK, &b["suspended_at"]),
            "a repeat"
        );
        let stranger = json!({"national_code": code(2).as_str()});
        let (st, b) = app.call("POST", &report, None, Some(&stranger)).await;
        assert_eq!(
            (st, b["error"]["code"].as_str()),
            (StatusCode::NOT_FOUND, Some("not_found"))
        );
        let out = ocsp(&app, &w).await;
        assert!(
            out.contains("auth.pem: revoked") && out.contains("certificateHold"),
            "{name}: suspended: {out}"
        );
        let (ok, out) = verify_with_crl(&app, &w).await;
        assert!(!ok && out.contains("revoked"), "{out}");
        let (_, b) = app
            .call("POST", "/api/v1/verify", agency, Some(&by_number))
            .await;
        assert_eq!(b["match"], false, "a suspended card does not verify");
        let record = format!("/api/v1/office/applications/{tc1}");
        let (_, b) = app.call("GET", &record, op, None).await;
        assert_eq!(b["card_status"], "suspended", "{b}");
        let kinds: Vec<&str> = b["messages"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|m| m["kind"].as_str())
            .collect();
        assert!(kinds.iter().any(|k| k.starts_with("card_suspended")), "{b}");
        let finger = |person: u64| {
            json!({"position": 2, "format": "iso19794_2",
            "data": B64.encode(intake::fixtures::iso_probe(2, intake::fixtures::finger_seed(person, 2), 1))})
        };
        let found = |person: u64| {
            json!({"national_code": code(1).as_str(), "card_serial": chip_serial,
            "fingerprint": finger(person)})
        };
        let reactivate = "/api/v1/office/cards/reactivate";
        // Only staff reactivate: no token, or a manufacturer's key, is 401 and changes nothing.
        for who in [None, vendor] {
            let (st, b) = app.call("POST", reactivate, who, Some(&found(1))).await;
            assert_eq!(st, StatusCode::UNAUTHORIZED, "{b}");
        }
        let (st, b) = app.call("POST", reactivate, op, Some(&found(2))).await;
        assert_eq!(
            (st, b["error"]["code"].as_str()),
            (StatusCode::FORBIDDEN, Some("fingerprint_mismatch")),
            "{b}"
        );
        let (st, b) = app.call("POST", reactivate, op, Some(&found(1))).await;
        assert_eq!(
            (st, b["card_state"].as_str()),
            (StatusCode::OK, Some("active")),
            "{b}"
        );
        let (st, b) = app.call("POST", reactivate, op, Some(&found(1))).await;
        assert_eq!(
            (st, b["error"]["code"].as_str()),
            (StatusCode::CONFLICT, Some("card_not_suspended"))
        );
        let out = ocsp(&app, &w).await;
        assert!(out.contains("auth.pem: good"), "{name}: found again: {out}");
        let (_, b) = app
            .call("POST", "/api/v1/verify", agency, Some(&by_number))
            .await;
        assert_eq!(b["match"], true, "a card found again verifies");
        let (_, b) = app.call("GET", &record, op, None).await;
        assert_eq!(b["card_status"], "active", "{b}");

        // --- Reported lost: revoked (keyCompromise) at once, in OCSP and the CRL. ---
        let (st, b) = app
            .call(
                "POST",
                "/api/v1/applications",
                None,
                Some(&filing(1, "lost")),
            )
            .await;
        assert_eq!(st, StatusCode::CREATED, "{b}");
        let out = ocsp(&app, &w).await;
        assert!(
            out.contains("auth.pem: revoked") && out.contains("keyCompromise"),
            "{name}: after the loss: {out}"
        );
        let (ok, out) = verify_with_crl(&app, &w).await;
        assert!(!ok && out.contains("revoked"), "{out}");
        let (_, b) = app
            .call(
                "POST",
                "/api/v1/verify",
                agency,
                Some(
                    &json!({"national_code": code(1).as_str(), "document_number": document_number}),
                ),
            )
            .await;
        assert_eq!(b["match"], false, "a lost card no longer verifies");

        // --- OCSP's own error statuses for bad input; the published files. ---
        let (st, bad) = app
            .raw(
                Request::post("/ocsp")
                    .header("content-type", "application/ocsp-request")
                    .body(Body::from("junk"))
                    .unwrap(),
            )
            .await;
        assert_eq!(
            (st, bad.as_slice()),
            (StatusCode::OK, &[0x30, 0x03, 0x0a, 0x01, 0x01][..]),
            "malformedRequest"
        );
        for f in ["root.crl", "csca.crl"] {
            let (st, crl) = app.get(&format!("/api/v1/pki/{f}")).await;
            assert_eq!(st, StatusCode::OK);
            w.write(f, &crl);
            w.ok(&["crl", "-inform", "DER", "-in", f, "-noout", "-text"])
                .await;
        }
        let (st, _) = app.get("/api/v1/pki/nothing.pem").await;
        assert_eq!(st, StatusCode::NOT_FOUND);
        let _ = dir_of(&w);
        app.db.cleanup().await;
    }
}

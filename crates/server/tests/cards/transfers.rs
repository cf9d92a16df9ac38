use super::*;

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

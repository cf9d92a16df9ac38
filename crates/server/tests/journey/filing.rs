use super::*;

#[tokio::test]
async fn the_whole_journey_by_api() {
    for app in TestApp::all().await {
        let name = app.db.name;
        seed(&app, &[registered(1).build()]).await;
        let tc = app.file(&body_for(1)).await;
        assert_eq!(status_of(&app, 1, &tc).await["state"], "awaiting_payment");

        // Not paid: no booking.
        let day = app.open_day();
        let nc = code(1).as_str().to_string();
        let book =
            json!({"national_code": nc, "office_id": "30-0001", "date_jalali": day.to_string()});
        let uri = format!("/api/v1/applications/{tc}/appointment");
        let cancel_uri = format!("{uri}?national_code={nc}");
        let (s, b) = app.post_json(&uri, &book).await.status_json();
        assert_eq!(
            (s, b["error"]["code"].as_str()),
            (StatusCode::CONFLICT, Some("application_not_paid")),
            "{name}"
        );

        // Pay at the sandbox bank; the bank performs the callback.
        let token = token_of(&app, &tc).await;
        let (s, b) = app
            .post_json(
                "/sandbox-bank/v1/pay",
                &json!({"token": token, "outcome": "success"}),
            )
            .await
            .status_json();
        assert_eq!(s, StatusCode::OK, "{name}: {b}");
        assert_eq!(b["callback"]["payment_state"], "settled");
        assert_eq!(b["bank_state"], "settled");
        assert_eq!(
            status_of(&app, 1, &tc).await["state"],
            "awaiting_appointment"
        );
        // A second payment is refused now.
        let (s, b) = app
            .post_json(
                &format!("/api/v1/applications/{tc}/payments"),
                &json!({"national_code": nc}),
            )
            .await
            .status_json();
        assert_eq!(
            (s, b["error"]["code"].as_str()),
            (StatusCode::CONFLICT, Some("application_already_paid"))
        );

        // Offices of Alborz by area code, most free first.
        let (s, list) = app
            .get(&format!(
                "/api/v1/offices?area_code=%DB%B0%DB%B2%DB%B6&date_jalali={day}"
            ))
            .await
            .status_json();
        assert_eq!(s, StatusCode::OK, "{list}");
        assert_eq!(list[0]["office_id"], "30-0002");
        assert_eq!(list[0]["free_capacity"], 40);
        assert_eq!(list[1]["free_capacity"], 5);

        let (s, b) = app.post_json(&uri, &book).await.status_json();
        assert_eq!(s, StatusCode::CREATED, "{name}: {b}");
        assert_eq!(b["slot"], 1);
        assert_eq!(b["time"], "07:30");
        assert_eq!(status_of(&app, 1, &tc).await["state"], "appointment_booked");
        let (_, list) = app
            .get(&format!("/api/v1/offices?area_code=026&date_jalali={day}"))
            .await
            .status_json();
        let o1 = list
            .as_array()
            .unwrap()
            .iter()
            .find(|o| o["office_id"] == "30-0001")
            .unwrap();
        assert_eq!(o1["free_capacity"], 4);

        // Cancel frees the place; rebooking works.
        let (s, _) = app
            .call("DELETE", &cancel_uri)
            .json(&json!({}))
            .await
            .status_json();
        assert_eq!(s, StatusCode::NO_CONTENT);
        let (s, b) = app
            .call("DELETE", &cancel_uri)
            .json(&json!({}))
            .await
            .status_json();
        assert_eq!(
            (s, b["error"]["code"].as_str()),
            (StatusCode::CONFLICT, Some("no_appointment"))
        );
        assert_eq!(
            status_of(&app, 1, &tc).await["state"],
            "awaiting_appointment"
        );
        let (s, _) = app.post_json(&uri, &book).await.status_json();
        assert_eq!(s, StatusCode::CREATED);

        // The status shows nothing personal, and needs both codes.
        let st = status_of(&app, 1, &tc).await;
        let keys: Vec<&String> = st.as_object().unwrap().keys().collect();
        assert_eq!(
            keys,
            [
                "state",
                "state_fa",
                "updated_at",
                "updated_at_fa",
                "updated_at_jalali"
            ]
        );
        assert_eq!(st["state_fa"], "نوبت گرفته شده");
        let (s, b) = app
            .get(&format!(
                "/api/v1/status?national_code={}&tracking_code={tc}",
                code(2)
            ))
            .await
            .status_json();
        assert_eq!(
            (s, b["error"]["code"].as_str()),
            (StatusCode::NOT_FOUND, Some("application_not_found"))
        );

        // The history holds every change, with who.
        let tcv = domain::TrackingCode::parse(&tc).unwrap();
        let h = app.db.store.history(&tcv).await.unwrap();
        let events: Vec<&str> = h.iter().map(|e| e.event.code()).collect();
        assert_eq!(
            events,
            [
                "filed",
                "payment_settled",
                "appointment_booked",
                "appointment_cancelled",
                "appointment_booked"
            ]
        );
        assert!(h[1].actor.starts_with("gateway:"));

        // One active application per person.
        let (s, b) = app
            .post_json("/api/v1/applications", &body_for(1))
            .await
            .status_json();
        assert_eq!(
            (s, b["error"]["code"].as_str()),
            (StatusCode::CONFLICT, Some("active_application_exists"))
        );
    }
}

#[tokio::test]
async fn pre_registration_refuses_what_the_registry_does_not_allow() {
    let db = TestStore::sqlite().await;
    let app = on(db, quiet()).await;
    let young = today().add_days(-14 * 366).unwrap().to_string();
    seed(
        &app,
        &[
            registered(1).build(),
            registered(2).dead_on("1402-01-10").build(),
            registered(3).born(&young).build(),
        ],
    )
    .await;
    let refused =
        |s: StatusCode, b: &Value| (s, b["error"]["code"].as_str().unwrap_or("").to_string());
    let cases: Vec<(Value, &str, Option<&str>)> = vec![
        (
            {
                let mut b = body_for(1);
                b["mother_name"] = json!("مریم");
                b
            },
            "registry_mismatch",
            None,
        ),
        (
            {
                let mut b = body_for(1);
                b["birth_certificate"]["serial"] = json!("345679");
                b
            },
            "registry_mismatch",
            None,
        ),
        (
            {
                let mut b = body_for(1);
                b["birth_date_jalali"] = json!("1370-05-13");
                b["birth_date_hijri"] = json!(JalaliDate::parse("1370-05-13")
                    .unwrap()
                    .to_hijri()
                    .to_string());
                b
            },
            "registry_mismatch",
            None,
        ),
        (
            {
                let mut b = body_for(1);
                b["gender"] = json!("female");
                b
            },
            "registry_mismatch",
            None,
        ),
        (body_for(9), "registry_mismatch", None),
        (body_for(2), "deceased", None),
        (
            {
                let mut b = body_for(3);
                b["birth_date_jalali"] = json!(young);
                b["birth_date_hijri"] =
                    json!(JalaliDate::parse(&young).unwrap().to_hijri().to_string());
                b
            },
            "underage",
            None,
        ),
        (
            {
                let mut b = body_for(1);
                b["birth_date_hijri"] = json!(JalaliDate::parse("1370-05-12")
                    .unwrap()
                    .add_days(5)
                    .unwrap()
                    .to_hijri()
                    .to_string());
                b
            },
            "lunar_date_mismatch",
            Some("birth_date_hijri"),
        ),
        (
            {
                let mut b = body_for(1);
                b["mobile"] = json!("09350000000");
                b
            },
            "mobile_not_owned",
            Some("mobile"),
        ),
        (
            {
                let mut b = body_for(1);
                b["national_code"] = json!("0012345678");
                b
            },
            "invalid_national_code",
            Some("national_code"),
        ),
        (
            {
                let mut b = body_for(1);
                b["mobile"] = json!("0912");
                b
            },
            "invalid_mobile",
            Some("mobile"),
        ),
        (
            {
                let mut b = body_for(1);
                b["birth_date_jalali"] = json!("1370-13-01");
                b
            },
            "invalid_date",
            Some("birth_date_jalali"),
        ),
        (
            {
                let mut b = body_for(1);
                b["reason"] = json!("stolen");
                b
            },
            "invalid_reason",
            Some("reason"),
        ),
    ];
    for (body, want, field) in cases {
        let (s, b) = app
            .post_json("/api/v1/applications", &body)
            .await
            .status_json();
        assert_eq!(
            refused(s, &b),
            (StatusCode::UNPROCESSABLE_ENTITY, want.to_string()),
            "{body}: {b}"
        );
        assert_eq!(b["error"]["field"].as_str(), field, "{want}");
        assert!(!b["error"]["message"].as_str().unwrap().is_empty());
        if want == "registry_mismatch" {
            // Never says which field differed.
            assert!(b["error"].get("field").is_none());
        }
    }
    assert_eq!(app.db.store.count_applications().await.unwrap(), 0);
    app.file(&body_for(1)).await;
}

#[tokio::test]
async fn walk_ins_need_an_operator_of_an_office() {
    for app in TestApp::all().await {
        seed(&app, &[registered(1).build()]).await;
        let s = &app.db.store;
        app.create_staff("op1", Role::Operator, Some("30-0001"), None)
            .await;
        app.create_staff("admin", Role::NationalAdmin, None, None)
            .await;
        let (st, b) = app
            .post_json(
                "/api/v1/auth/login",
                &json!({"username": "op1", "password": "wrong"}),
            )
            .await
            .status_json();
        assert_eq!(
            (st, b["error"]["code"].as_str()),
            (StatusCode::UNAUTHORIZED, Some("invalid_credentials"))
        );
        let (st, b) = app
            .post_json(
                "/api/v1/auth/login",
                &json!({"username": "OP1", "password": "a good long password"}),
            )
            .await
            .status_json();
        assert_eq!(st, StatusCode::OK, "{b}");
        let token = b["token"].as_str().unwrap().to_string();
        let walk_in = |auth: Option<String>| {
            app.post_json("/api/v1/office/applications", &body_for(1))
                .auth_opt(auth)
        };
        let (st, _, _) = (walk_in(None)).await.parts();
        assert_eq!(st, StatusCode::UNAUTHORIZED);
        let (st, _, _) = (walk_in(Some("Bearer nonsense".into()))).await.parts();
        assert_eq!(st, StatusCode::UNAUTHORIZED);
        let (_, b) = app
            .post_json(
                "/api/v1/auth/login",
                &json!({"username": "admin", "password": "a good long password"}),
            )
            .await
            .status_json();
        let admin = b["token"].as_str().unwrap().to_string();
        let (st, b, _) = (walk_in(Some(format!("Bearer {admin}")))).await.parts();
        assert_eq!(
            (st, b["error"]["code"].as_str()),
            (StatusCode::FORBIDDEN, Some("forbidden"))
        );
        let (st, b, _) = (walk_in(Some(format!("Bearer {token}")))).await.parts();
        assert_eq!(st, StatusCode::CREATED, "{b}");
        let fees = domain::FeeTable::default().for_year(today().year());
        assert_eq!(
            b["fee_rials"],
            fees.issuance_rials + fees.office_service_rials
        );
        let tc = domain::TrackingCode::parse(b["tracking_code"].as_str().unwrap()).unwrap();
        let a = s.application(&tc).await.unwrap().unwrap();
        assert_eq!(a.filing_office.unwrap().as_str(), "30-0001");
        assert_eq!(s.history(&tc).await.unwrap()[0].actor, "operator:op1");
    }
}

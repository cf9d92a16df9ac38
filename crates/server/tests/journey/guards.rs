use super::*;

#[tokio::test]
async fn idempotency_keys_answer_the_first_answer_again() {
    let db = TestStore::sqlite().await;
    let app = on(db, quiet()).await;
    seed(&app, &[registered(1).build(), registered(2).build()]).await;
    let req = |body: &Value| {
        app.post_json("/api/v1/applications", body)
            .header("idempotency-key", "k-123")
    };
    let (s1, b1, _) = (req(&body_for(1))).await.parts();
    let (s2, b2, h2) = (req(&body_for(1))).await.parts();
    assert_eq!((s1, s2), (StatusCode::CREATED, StatusCode::CREATED));
    assert_eq!(b1, b2);
    assert_eq!(h2.get("idempotent-replayed").unwrap(), "true");
    assert_eq!(app.db.store.count_applications().await.unwrap(), 1);
    let (s3, b3, _) = (req(&body_for(2))).await.parts();
    assert_eq!(
        (s3, b3["error"]["code"].as_str()),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("idempotency_key_reused")
        )
    );
}

#[tokio::test]
async fn status_lookups_are_rate_limited_per_national_code() {
    let db = TestStore::sqlite().await;
    let settings = Settings {
        captcha: false,
        status_per_code_per_minute: 3,
        ..Settings::default()
    };
    let app = on(db, settings).await;
    seed(&app, &[registered(1).build()]).await;
    let tc = app.file(&body_for(1)).await;
    for _ in 0..3 {
        status_of(&app, 1, &tc).await;
    }
    let (s, b, h) = app
        .get(&format!(
            "/api/v1/status?national_code={}&tracking_code={tc}",
            code(1)
        ))
        .await
        .parts();
    assert_eq!(
        (s, b["error"]["code"].as_str()),
        (StatusCode::TOO_MANY_REQUESTS, Some("rate_limited"))
    );
    let wait: u64 = h
        .get("retry-after")
        .unwrap()
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&wait));
}

#[tokio::test]
async fn the_captcha_guards_pre_registration() {
    let db = TestStore::sqlite().await;
    let settings = Settings {
        rate_limits: false,
        ..Settings::default()
    };
    let app = on(db, settings).await;
    seed(&app, &[registered(1).build()]).await;
    let (s, b) = app
        .post_json("/api/v1/applications", &body_for(1))
        .await
        .status_json();
    assert_eq!(
        (s, b["error"]["code"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("captcha_required"))
    );
    let (s, c) = app.get("/api/v1/captcha").await.status_json();
    assert_eq!(s, StatusCode::OK);
    let id = c["captcha_id"].as_str().unwrap().to_string();
    let res = app.get(c["image_url"].as_str().unwrap()).await;
    assert_eq!(res.headers["content-type"], "image/png");
    let answer = app.state.services.captcha.answer(&id).unwrap();
    let mut body = body_for(1);
    body["captcha_id"] = json!(id);
    body["captcha_answer"] = json!(domain::text::to_persian_digits(&answer));
    let (s, b) = app
        .post_json("/api/v1/applications", &body)
        .await
        .status_json();
    assert_eq!(s, StatusCode::CREATED, "{b}");
    let (s, b) = app
        .post_json("/api/v1/applications", &body)
        .await
        .status_json();
    assert_eq!(
        (s, b["error"]["code"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("captcha_used"))
    );
}

#[tokio::test]
async fn closed_days_and_days_outside_the_horizon_are_refused() {
    let db = TestStore::sqlite().await;
    let app = on(db, quiet()).await;
    seed(&app, &[registered(1).build()]).await;
    let mut friday = today().add_days(1).unwrap();
    while !friday.is_friday() {
        friday = friday.add_days(1).unwrap();
    }
    let (s, b) = app
        .get(&format!(
            "/api/v1/offices?area_code=026&date_jalali={friday}"
        ))
        .await
        .status_json();
    assert_eq!(
        (s, b["error"]["code"].as_str()),
        (StatusCode::CONFLICT, Some("office_closed"))
    );
    assert!(b["error"]["message"].as_str().unwrap().contains("جمعه"));
    let tc = app.file(&body_for(1)).await;
    let token = token_of(&app, &tc).await;
    app.post_json(
        "/sandbox-bank/v1/pay",
        &json!({"token": token, "outcome": "success"}),
    )
    .await
    .status_json();
    let uri = format!("/api/v1/applications/{tc}/appointment");
    let nc = code(1).as_str().to_string();
    let (s, b) = app.post_json(&uri, &json!({"national_code": nc, "office_id": "30-0001", "date_jalali": friday.to_string()})).await.status_json();
    assert_eq!(
        (s, b["error"]["code"].as_str()),
        (StatusCode::CONFLICT, Some("office_closed"))
    );
    for day in [today().add_days(-1).unwrap(), today().add_days(61).unwrap()] {
        let (s, b) = app.post_json(&uri, &json!({"national_code": nc, "office_id": "30-0001", "date_jalali": day.to_string()})).await.status_json();
        assert_eq!(
            (s, b["error"]["code"].as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, Some("invalid_date")),
            "{day}"
        );
    }
    // A holiday of the table.
    let settings = Settings {
        holidays: domain::Holidays::parse_csv(&format!(
            "date_jalali,name_fa,name_en\n{},روز آزمایشی,Test day\n",
            app.open_day()
        ))
        .unwrap(),
        ..quiet()
    };
    let other = on(TestStore::sqlite().await, settings).await;
    let (s, b) = other
        .get(&format!(
            "/api/v1/offices?area_code=026&date_jalali={}",
            app.open_day()
        ))
        .await
        .status_json();
    assert_eq!(
        (s, b["error"]["code"].as_str()),
        (StatusCode::CONFLICT, Some("office_closed"))
    );
    assert!(b["error"]["message_en"]
        .as_str()
        .unwrap()
        .contains("Test day"));
    let (s, _) = app.post_json(&uri, &json!({"national_code": nc, "office_id": "99-9999", "date_jalali": app.open_day().to_string()})).await.status_json();
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
}

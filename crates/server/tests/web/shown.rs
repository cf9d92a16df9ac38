use super::*;

#[tokio::test]
async fn the_person_sees_which_agencies_verified_them() {
    let app = portal().await;
    let (tc, cookie) = register(&app).await;
    let page = app
        .get(&format!("/applications/{tc}/verifications"))
        .cookie(&cookie)
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.text().contains("id=\"no-verifications\""),
        "{}",
        page.text()
    );
    let s = &app.db.store;
    let id = s
        .create_agency(
            "بانک ملی ایران",
            &["account_opening".to_string()],
            60,
            chrono::Utc::now(),
        )
        .await
        .unwrap();
    s.record_verifications(&[store::agency::VerificationRecord {
        agency_id: id,
        key_id: 1,
        purpose: "account_opening".into(),
        national_code: domain::NationalCode::parse(NATIONAL_CODE).unwrap(),
        document: "receipt".into(),
        matched: true,
        at: chrono::Utc::now(),
    }])
    .await
    .unwrap();
    let page = app
        .get(&format!("/applications/{tc}/verifications"))
        .cookie(&cookie)
        .await;
    assert!(page.text().contains("بانک ملی ایران"), "{}", page.text());
    assert!(page.text().contains("تأیید شد"));
    let app_page = app
        .get(&format!("/applications/{tc}"))
        .cookie(&cookie)
        .await;
    assert!(app_page.text().contains("id=\"verifications-link\""));
    let anon = app.get(&format!("/applications/{tc}/verifications")).await;
    assert_eq!(anon.status, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn stored_office_text_is_isolated_on_the_appointment_card() {
    // An office imported before directional controls were refused: a right-to-left override in its name and an
    // isolate in its address. The card shows both inside <bdi>, so neither reorders what follows.
    let app = portal().await;
    let spoofed = Office {
        name: "دفتر \u{202E}نوگژاو".into(),
        address: "خیابان \u{2066}بهشتی".into(),
        ..office()
    };
    app.db.store.upsert_offices(&[spoofed]).await.unwrap();
    let (tc, cookie) = register(&app).await;
    let t = domain::TrackingCode::parse(&tc).unwrap();
    let change = |actor: &str| store::journey::Change {
        actor: actor.into(),
        at: chrono::Utc::now(),
        reason: None,
    };
    assert!(app
        .db
        .store
        .transition(
            &t,
            ApplicationState::AwaitingPayment,
            domain::Event::PaymentSettled,
            &change("gateway:sandbox"),
        )
        .await
        .unwrap());
    let mut day = today().add_days(1).unwrap();
    while app.state.settings.holidays.closure(day).is_some() {
        day = day.add_days(1).unwrap();
    }
    let office = domain::OfficeId::parse(OFFICE_ID).unwrap();
    let booked = app
        .db
        .store
        .book(&t, &office, day, &change("citizen"))
        .await
        .unwrap();
    assert!(matches!(booked, store::journey::Booked::Booked(_)));
    let a = app
        .get(&format!("/applications/{tc}"))
        .cookie(&cookie)
        .await;
    assert_eq!(a.status, StatusCode::OK);
    assert!(
        a.text()
            .contains("id=\"office-name\"><bdi>دفتر \u{202E}نوگژاو</bdi>"),
        "{}",
        a.text()
    );
    assert!(
        a.text().contains("<bdi>خیابان \u{2066}بهشتی</bdi>"),
        "{}",
        a.text()
    );
    let print = app
        .get(&format!("/applications/{tc}/print"))
        .cookie(&cookie)
        .await;
    assert!(print.text().contains("<bdi>دفتر \u{202E}نوگژاو</bdi>"));
}

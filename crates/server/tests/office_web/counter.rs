use super::*;

#[tokio::test]
async fn supervisors_adjudicate_with_both_photos() {
    let app = desk().await;
    let first = booked(&app, "001234568", 40_000_000_002).await;
    let second = booked(&app, "002345678", 40_000_000_003).await;
    let op1 = login(&app, "op1").await;
    let sup1 = login(&app, "sup1").await;
    assert_eq!(enroll(&app, &first, &op1, 11).await.status, StatusCode::OK);
    assert_eq!(enroll(&app, &second, &op1, 11).await.status, StatusCode::OK);
    let s = &app.state.store;
    let a1 = s.application(&first).await.unwrap().unwrap().id;
    let a2 = s.application(&second).await.unwrap().unwrap().id;
    app.state
        .store
        .record_dedup(a1, &[], Utc::now())
        .await
        .unwrap();
    app.state
        .store
        .record_dedup(a2, &[(a1, 0.4321)], Utc::now())
        .await
        .unwrap();

    // Operators may not; the menu shows the queue to supervisors only.
    let a = app.get("/office/adjudications").cookie(&op1).await;
    assert_eq!(a.status, StatusCode::FORBIDDEN);
    assert!(a.text().contains("سرپرست"));
    assert!(!app
        .get("/office")
        .cookie(&op1)
        .await
        .text()
        .contains("href=\"/office/adjudications\""));
    let a = app
        .post_form(
            &format!("/office/adjudications/{}", second.as_str()),
            &[("decision", "distinct")],
        )
        .cookie(&op1)
        .await;
    assert_eq!(a.status, StatusCode::FORBIDDEN);

    let a = app.get("/office/adjudications").cookie(&sup1).await;
    assert_eq!(a.status, StatusCode::OK);
    let page = a.text();
    assert!(page.contains(&format!("src=\"/office/photos/{}.jpg\"", first.as_str())));
    assert!(page.contains(&format!("src=\"/office/photos/{}.jpg\"", second.as_str())));
    assert!(page.contains("۰٫۴۳"), "{page}");
    // The note says how the fused score runs (a sum over up to ten fingers) and names the threshold in use
    // (security review F21: the page said "from 0 to 1" beside a score of 9.97, and an old threshold).
    let threshold = server::dedup::pages::score_fa(f64::from(
        biometrics::matcher::Thresholds::calibrated().dedup,
    ));
    assert!(
        page.contains(&format!("از {threshold} به بالا")) && page.contains("۰ تا ۱۰"),
        "{page}"
    );
    assert!(page.contains("value=\"duplicate\"") && page.contains("value=\"distinct\""));

    let a = app
        .get(&format!("/office/photos/{}.jpg", first.as_str()))
        .cookie(&sup1)
        .await;
    assert_eq!(a.status, StatusCode::OK);
    assert_eq!(a.headers.get(header::CONTENT_TYPE).unwrap(), "image/jpeg");
    assert!(a.bytes.starts_with(&[0xff, 0xd8]));

    // No decision chosen: said at the top.
    let a = app
        .post_form(
            &format!("/office/adjudications/{}", second.as_str()),
            &[("note", "x")],
        )
        .cookie(&sup1)
        .await;
    assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(a.text().contains("id=\"err-form\""));

    let a = app
        .post_form(
            &format!("/office/adjudications/{}", second.as_str()),
            &[("decision", "distinct"), ("note", "دو برادر دوقلو")],
        )
        .cookie(&sup1)
        .await;
    assert_eq!(a.status, StatusCode::SEE_OTHER);
    let a = app.get(a.location()).cookie(&sup1).await;
    assert_eq!(a.status, StatusCode::OK);
    assert!(a.text().contains("دو شخص متفاوت"));
    assert!(a.text().contains("id=\"no-cases\""));
    let cases = app.state.store.dedup_cases_of(&second).await.unwrap();
    assert_eq!(cases[0].decision, Some(domain::Decision::Distinct));
    assert_eq!(cases[0].decided_by.as_deref(), Some("supervisor:sup1"));

    // Deciding again: the shared rule's refusal, in Persian.
    let a = app
        .post_form(
            &format!("/office/adjudications/{}", second.as_str()),
            &[("decision", "duplicate")],
        )
        .cookie(&sup1)
        .await;
    assert_eq!(a.status, StatusCode::CONFLICT);
    assert!(a.text().contains("پیش‌تر تصمیم گرفته شده است"));
}

#[tokio::test]
async fn shipments_and_pickup_forms() {
    let app = desk().await;
    let tc = booked(&app, "001234569", 40_000_000_004).await;
    let op1 = login(&app, "op1").await;

    let a = app.get("/office/shipments").cookie(&op1).await;
    assert_eq!(a.status, StatusCode::OK);
    assert!(a.text().contains("id=\"no-shipments\""));
    let a = app
        .post_form("/office/shipments/999/receive", &[("scanned", "")])
        .cookie(&op1)
        .await;
    assert_eq!(a.status, StatusCode::NOT_FOUND);
    assert!(a.text().contains("محموله پیدا نشد"));

    let a = app
        .get(&format!("/office/pickup?tc={}", tc.as_str()))
        .cookie(&op1)
        .await;
    assert_eq!(a.status, StatusCode::OK);
    let form = a.text();
    assert!(form.contains("enctype=\"multipart/form-data\""));
    assert!(form.contains(&format!("value=\"{}\"", fa(tc.as_str()))));
    assert!(form.contains("انگشت اشارهٔ دست راست"));

    // No file: at the file's field, the rest kept.
    let body = Multipart::new()
        .text("tracking_code", tc.as_str())
        .text("position", "3")
        .text("format", "ansi378")
        .file("data", "", Vec::new());
    let a = app
        .post("/office/pickup")
        .multipart(&body)
        .cookie(&op1)
        .await;
    assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY);
    let page = a.text();
    assert!(page.contains("id=\"err-data\""));
    assert!(page.contains("<option value=\"3\" selected>"));
    assert!(page.contains("<option value=\"ansi378\" selected>"));

    // A card that is not waiting: the shared rule's message at the top.
    let probe = intake::fixtures::iso_probe(2, intake::fixtures::finger_seed(5, 2), 1);
    let body = Multipart::new()
        .text("tracking_code", tc.as_str())
        .text("position", "2")
        .text("format", "iso19794_2")
        .file("data", "probe.iso", probe);
    let a = app
        .post("/office/pickup")
        .multipart(&body)
        .cookie(&op1)
        .await;
    assert_eq!(a.status, StatusCode::NOT_FOUND);
    assert!(a.text().contains("کارت آمادهٔ تحویل پیدا نشد"));
    assert!(a.text().contains("id=\"err-form\""));
    assert_eq!(
        state_of(&app, &tc).await,
        ApplicationState::AppointmentBooked
    );

    // A bad tracking code: at its field.
    let body = Multipart::new()
        .text("tracking_code", "12")
        .text("position", "2")
        .text("format", "iso19794_2")
        .file("data", "probe.iso", [1u8, 2, 3].to_vec());
    let a = app
        .post("/office/pickup")
        .multipart(&body)
        .cookie(&op1)
        .await;
    assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(a.text().contains("id=\"err-tracking_code\""));
}

#[tokio::test]
async fn a_shipment_is_received_and_the_card_handed_over() {
    let app = desk().await;
    let tc = booked(&app, "003456789", 40_000_000_005).await;
    let lost = booked(&app, "004567891", 40_000_000_006).await;
    let op1 = login(&app, "op1").await;
    assert_eq!(enroll(&app, &tc, &op1, 21).await.status, StatusCode::OK);
    assert_eq!(enroll(&app, &lost, &op1, 22).await.status, StatusCode::OK);
    let id = produce_and_ship(&app, &[(&tc, "SC-0001-AAAA"), (&lost, "SC-0002-AAAA")]).await;

    let a = app.get("/office/shipments").cookie(&op1).await;
    assert_eq!(a.status, StatusCode::OK);
    let page = a.text();
    assert!(page.contains("در راه"));
    assert!(page.contains(&format!("action=\"/office/shipments/{id}/receive\"")));
    assert!(page.contains("SC-0001-AAAA"));

    // Another office may not receive it; the refusal is shown at its form, the scan kept.
    let op2 = login(&app, "op2").await;
    let a = app
        .post_form(
            &format!("/office/shipments/{id}/receive"),
            &[("scanned", "")],
        )
        .cookie(&op2)
        .await;
    assert_eq!(a.status, StatusCode::FORBIDDEN);
    assert!(a.text().contains("دفتر دیگری"));

    // One card scanned (lower case, as a reader may give it) and one serial that is not in the box.
    let a = app
        .post_form(
            &format!("/office/shipments/{id}/receive"),
            &[("scanned", "sc-0001-aaaa\r\nSC-9999-ZZZZ\r\n")],
        )
        .cookie(&op1)
        .await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.text());
    let result = a.text();
    assert!(result.contains("<dd id=\"ready\">۱</dd>"), "{result}");
    assert!(result.contains("SC-0002-AAAA"), "missing listed");
    assert!(result.contains("SC-9999-ZZZZ"), "unexpected listed");
    assert_eq!(state_of(&app, &tc).await, ApplicationState::ReadyForPickup);
    let a = app
        .post_form(
            &format!("/office/shipments/{id}/receive"),
            &[("scanned", "")],
        )
        .cookie(&op1)
        .await;
    assert_eq!(a.status, StatusCode::CONFLICT);
    assert!(a.text().contains("پیش‌تر تحویل گرفته شده است"));

    // The receipt is no longer printed once the card waits at the office.
    let a = app
        .get(&format!("/office/receipts/{}.pdf", tc.as_str()))
        .cookie(&op1)
        .await;
    assert_eq!(a.status, StatusCode::CONFLICT);
    assert!(a.text().contains("آمادهٔ تحویل"));

    // Someone else's finger: the mismatch invites another finger, the form kept.
    let stranger = intake::fixtures::iso_probe(2, intake::fixtures::finger_seed(99, 2), 1);
    let a = app
        .post("/office/pickup")
        .multipart(&probe_body(&tc, 2, stranger))
        .cookie(&op1)
        .await;
    assert_eq!(a.status, StatusCode::FORBIDDEN);
    let page = a.text();
    assert!(page.contains("با انگشت دیگری دوباره تلاش کنید"), "{page}");
    assert!(page.contains(&format!("value=\"{}\"", fa(tc.as_str()))));
    assert_eq!(state_of(&app, &tc).await, ApplicationState::ReadyForPickup);

    // The holder's own right index finger: delivered, with the pickup fee in rials.
    let own = intake::fixtures::iso_probe(2, intake::fixtures::finger_seed(21, 2), 1);
    let a = app
        .post("/office/pickup")
        .multipart(&probe_body(&tc, 2, own))
        .cookie(&op1)
        .await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.text());
    let page = a.text();
    assert!(page.contains("کارت تحویل داده شد"));
    let fee = app
        .state
        .settings
        .fees
        .for_year(today().year())
        .pickup_rials;
    assert!(page.contains(&server::web::html::rials_fa(fee)), "{page}");
    assert_eq!(state_of(&app, &tc).await, ApplicationState::Delivered);

    // The record shows the card, the message and both attempts.
    let a = app
        .get(&format!("/office/applications/{}", tc.as_str()))
        .cookie(&op1)
        .await;
    let record = a.text();
    assert!(record.contains("SC-0001-AAAA"));
    assert!(record.contains("آماده بودن کارت"));
    assert!(record.contains("مطابقت نداشت") && record.contains("مطابقت داشت"));
    assert!(record.contains("تحویل کارت"));
}

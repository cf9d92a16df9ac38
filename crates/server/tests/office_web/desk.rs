use super::*;

#[tokio::test]
async fn without_a_session_pages_send_to_the_login() {
    let app = desk().await;
    let tc = TrackingCode::from_body(12_345_678_901);
    for uri in [
        "/office".to_string(),
        format!("/office/enroll/{}", tc.as_str()),
        format!("/office/receipts/{}.pdf", tc.as_str()),
        "/office/adjudications".to_string(),
        "/office/shipments".to_string(),
        "/office/pickup".to_string(),
        format!("/office/applications/{}", tc.as_str()),
    ] {
        let a = app.get(&uri).await;
        assert_eq!(a.status, StatusCode::SEE_OTHER, "{uri}");
        assert_eq!(a.location(), "/office/login", "{uri}");
    }
    let a = app
        .post(&format!("/office/enroll/{}", tc.as_str()))
        .multipart(&Multipart::new())
        .cookie("shenas_staff=not-a-session")
        .await;
    assert_eq!(
        (a.status, a.location()),
        (StatusCode::SEE_OTHER, "/office/login")
    );

    // The login form, a wrong password (Persian message, username kept), and staff without an office.
    let a = app.get("/office/login").await;
    assert_eq!(a.status, StatusCode::OK);
    assert!(a.text().contains("<html lang=\"fa\" dir=\"rtl\">"));
    assert!(!a.text().contains("<script"));
    let a = app
        .post_form(
            "/office/login",
            &[("username", "op1"), ("password", "wrong password")],
        )
        .await;
    assert_eq!(a.status, StatusCode::UNAUTHORIZED);
    assert!(a.text().contains("نام کاربری یا گذرواژه درست نیست"));
    assert!(a.text().contains("value=\"op1\""));
    let admin = login(&app, "admin").await;
    let a = app.get("/office").cookie(&admin).await;
    assert_eq!(a.status, StatusCode::FORBIDDEN);
    assert!(a.text().contains("دسترسی ندارید"));

    // Logging out forgets the cookie.
    let a = app.post_form("/office/logout", &[]).cookie(&admin).await;
    assert_eq!(a.status, StatusCode::SEE_OTHER);
    let set = a.headers.get(header::SET_COOKIE).unwrap().to_str().unwrap();
    assert!(
        set.starts_with("shenas_staff=;") && set.contains("Max-Age=0"),
        "{set}"
    );
    // And ends the session: the old cookie no longer opens anything.
    let a = app.get("/office").cookie(&admin).await;
    assert_eq!(a.status, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn desk_enrollment_receipt_record_and_transfer() {
    let app = desk().await;
    let tc = booked(&app, "001234567", 40_000_000_001).await;
    let op1 = login(&app, "op1").await;

    // The desk lists today's booked place with a link to enroll.
    let a = app.get("/office").cookie(&op1).await;
    assert_eq!(a.status, StatusCode::OK);
    let desk = a.text();
    assert!(desk.contains(&fa(tc.as_str())), "{desk}");
    assert!(desk.contains(&format!("href=\"/office/enroll/{}\"", tc.as_str())));
    assert!(desk.contains("نوبت گرفته شده"));
    assert!(desk.contains(&fa("00******79")), "masked national code");
    assert!(desk.contains("دفتر پیشخوان گوهردشت"));
    assert!(!desk.contains("<script"));

    // Check-in takes Persian digits; a wrong code is shown at the field.
    let a = app
        .post_form(
            "/office/checkin",
            &[("tracking_code", &fa(tc.as_str())), ("go", "enroll")],
        )
        .cookie(&op1)
        .await;
    assert_eq!(a.status, StatusCode::SEE_OTHER);
    assert_eq!(a.location(), format!("/office/enroll/{}", tc.as_str()));
    let a = app
        .post_form(
            "/office/checkin",
            &[("tracking_code", "123"), ("go", "record")],
        )
        .cookie(&op1)
        .await;
    assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(a.text().contains("id=\"err-tracking_code\""));
    assert!(a.text().contains("value=\"123\""));

    // The form: checklist, photo, ten fingers with Persian names, signature; multipart.
    let a = app
        .get(&format!("/office/enroll/{}", tc.as_str()))
        .cookie(&op1)
        .await;
    assert_eq!(a.status, StatusCode::OK);
    let form = a.text();
    assert!(form.contains("enctype=\"multipart/form-data\""));
    assert!(form.contains("name=\"f10_file\""));
    assert!(form.contains("شست دست چپ"));
    assert!(form.contains("name=\"birth_certificate_seen\""));

    // A bad photo: the Persian message at the photo, choices kept, nothing changed.
    let mut prints = ten_prints(7);
    prints[9] = None; // finger 10 bandaged
    let body = enrollment_body(b"not a picture at all".to_vec(), &prints, true);
    let a = app
        .post(&format!("/office/enroll/{}", tc.as_str()))
        .multipart(&body)
        .cookie(&op1)
        .await;
    assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY);
    let page = a.text();
    assert!(page.contains("id=\"err-photo\""), "{page}");
    assert!(page.contains("aria-invalid=\"true\""));
    assert!(page.contains(
        "id=\"birth_certificate_seen\" name=\"birth_certificate_seen\" value=\"1\" checked"
    ));
    assert!(
        page.contains("<option value=\"bandaged\" selected>"),
        "status kept"
    );
    assert_eq!(
        state_of(&app, &tc).await,
        ApplicationState::AppointmentBooked
    );

    // Another finger's record in finger 4's row: the error is at that row.
    let mut prints = ten_prints(7);
    prints[3] = prints[4].clone();
    let body = enrollment_body(intake::fixtures::photo_jpeg(600, 800, 7), &prints, true);
    let a = app
        .post(&format!("/office/enroll/{}", tc.as_str()))
        .multipart(&body)
        .cookie(&op1)
        .await;
    assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(a.text().contains("id=\"err-f4\""), "{}", a.text());
    assert!(a.text().contains("<a href=\"#row-f4\" id=\"to-error\">"));
    assert_eq!(
        state_of(&app, &tc).await,
        ApplicationState::AppointmentBooked
    );

    // The checklist unticked: the message beside the checkbox.
    let body = enrollment_body(
        intake::fixtures::photo_jpeg(600, 800, 7),
        &ten_prints(7),
        false,
    );
    let a = app
        .post(&format!("/office/enroll/{}", tc.as_str()))
        .multipart(&body)
        .cookie(&op1)
        .await;
    assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(a.text().contains("id=\"err-birth_certificate_seen\""));
    assert!(a.text().contains("شناسنامهٔ عکس‌دار"));

    // An operator of another office is refused, in Persian, and changes nothing.
    let op2 = login(&app, "op2").await;
    let a = app
        .get(&format!("/office/enroll/{}", tc.as_str()))
        .cookie(&op2)
        .await;
    assert_eq!(a.status, StatusCode::FORBIDDEN);
    assert!(a.text().contains("این درخواست مربوط به دفتر دیگری است"));
    let a = enroll(&app, &tc, &op2, 7).await;
    assert_eq!(a.status, StatusCode::FORBIDDEN);
    assert_eq!(
        state_of(&app, &tc).await,
        ApplicationState::AppointmentBooked
    );

    // Done: the success page links to the receipt and the record.
    let a = enroll(&app, &tc, &op1, 7).await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.text());
    let done = a.text();
    assert!(done.contains("ثبت‌نام انجام شد"));
    let receipt = format!("/office/receipts/{}.pdf", tc.as_str());
    assert!(done.contains(&format!("href=\"{receipt}\"")));
    assert!(done.contains(&format!("href=\"/office/applications/{}\"", tc.as_str())));
    assert_eq!(state_of(&app, &tc).await, ApplicationState::Enrolled);

    let a = app.get(&receipt).cookie(&op1).await;
    assert_eq!(a.status, StatusCode::OK);
    assert_eq!(
        a.headers.get(header::CONTENT_TYPE).unwrap(),
        "application/pdf"
    );
    assert!(a.bytes.starts_with(b"%PDF"));
    let a = app.get(&receipt).cookie(&op2).await;
    assert_eq!(a.status, StatusCode::FORBIDDEN);
    assert!(a.text().contains("دفتر دیگری"));

    // Enrolling twice is refused with a way to the record.
    let a = enroll(&app, &tc, &op1, 7).await;
    assert_eq!(a.status, StatusCode::CONFLICT);
    assert!(a
        .text()
        .contains(&format!("/office/applications/{}", tc.as_str())));

    // The desk now shows the place as enrolled.
    let a = app.get("/office").cookie(&op1).await;
    assert!(a.text().contains(ApplicationState::Enrolled.fa()));

    // The record: state, offices and the history in Persian.
    let a = app
        .get(&format!("/office/applications/{}", tc.as_str()))
        .cookie(&op1)
        .await;
    assert_eq!(a.status, StatusCode::OK);
    let record = a.text();
    assert!(record.contains(ApplicationState::Enrolled.fa()));
    assert!(record.contains("ثبت‌نام و اخذ زیست‌سنجی"));
    assert!(record.contains("پرداخت هزینه"));
    assert!(record.contains("متصدی <bdi class=\"muted\">op1</bdi>"));
    assert!(
        record.contains(&fa(&today().year().to_string())),
        "Jalali year"
    );
    assert!(record.contains("در انتظار جست‌وجوی اثر انگشت"));
    assert!(
        !record.contains("id=\"transfer\""),
        "the card already comes here"
    );

    // The other office sees no record, and may take the card only with the holder at its desk.
    let record_uri = format!("/office/applications/{}", tc.as_str());
    let transfer_uri = format!("{record_uri}/transfer");
    let a = app.get(&record_uri).cookie(&op2).await;
    assert_eq!(a.status, StatusCode::FORBIDDEN);
    let page = a.text();
    assert!(page.contains("id=\"transfer\""));
    assert!(page.contains("enctype=\"multipart/form-data\""));
    assert!(page.contains("name=\"national_code\"") && page.contains("name=\"data\""));
    let destination = |app: &TestApp| {
        let s = app.state.store.clone();
        async move { s.enrollment(&tc).await.unwrap().unwrap().destination }
    };
    // The old bare form (no holder) moves nothing.
    let a = app.post_form(&transfer_uri, &[]).cookie(&op2).await;
    assert_eq!(a.status, StatusCode::BAD_REQUEST, "{}", a.text());
    assert_eq!(destination(&app).await.as_str(), OFFICE);
    // Someone else's national code: as unknown, nothing moved, the record still closed.
    let holder = national_code("001234567");
    let own = || intake::fixtures::iso_probe(2, intake::fixtures::finger_seed(7, 2), 1);
    let other = national_code("002345678");
    let a = app
        .post(&transfer_uri)
        .multipart(&transfer_body(&other, 2, own()))
        .cookie(&op2)
        .await;
    assert_eq!(a.status, StatusCode::NOT_FOUND, "{}", a.text());
    assert!(a
        .text()
        .contains("درخواستی با این کد رهگیری و کد ملی پیدا نشد"));
    assert_eq!(destination(&app).await.as_str(), OFFICE);
    // Someone else's finger: refused, recorded, the form kept.
    let stranger = intake::fixtures::iso_probe(2, intake::fixtures::finger_seed(99, 2), 1);
    let a = app
        .post(&transfer_uri)
        .multipart(&transfer_body(&holder, 2, stranger))
        .cookie(&op2)
        .await;
    assert_eq!(a.status, StatusCode::FORBIDDEN, "{}", a.text());
    let page = a.text();
    assert!(page.contains("با انگشت دیگری دوباره تلاش کنید"), "{page}");
    assert!(
        page.contains(&format!("value=\"{}\"", fa(&holder))),
        "national code kept"
    );
    assert_eq!(destination(&app).await.as_str(), OFFICE);
    assert_eq!(
        app.get(&record_uri).cookie(&op2).await.status,
        StatusCode::FORBIDDEN
    );
    // The holder's own finger: the card is redirected there and the record opens.
    let a = app
        .post(&transfer_uri)
        .multipart(&transfer_body(&holder, 2, own()))
        .cookie(&op2)
        .await;
    assert_eq!(a.status, StatusCode::SEE_OTHER, "{}", a.text());
    assert!(a.location().ends_with("?transferred=redirected"));
    assert_eq!(destination(&app).await.as_str(), OTHER_OFFICE);
    let a = app.get(a.location()).cookie(&op2).await;
    assert_eq!(a.status, StatusCode::OK);
    assert!(a.text().contains("دفتر پیشخوان مهرشهر"));
    assert!(a.text().contains("flash ok"));
    let a = app
        .post(&transfer_uri)
        .multipart(&transfer_body(&holder, 2, own()))
        .cookie(&op2)
        .await;
    assert_eq!(a.status, StatusCode::CONFLICT);
    assert!(a.text().contains("کارت هم‌اکنون به همین دفتر فرستاده می‌شود"));
    // Both matches are kept with the operator and the office.
    let id = app.state.store.application(&tc).await.unwrap().unwrap().id;
    let tried = app.state.store.transfer_attempts(id).await.unwrap();
    let seen: Vec<(bool, &str, &str)> = tried
        .iter()
        .map(|t| (t.matched, t.operator.as_str(), t.office.as_str()))
        .collect();
    assert_eq!(
        seen,
        [(false, "op2", OTHER_OFFICE), (true, "op2", OTHER_OFFICE)]
    );
}

use super::*;

#[tokio::test]
async fn errors_are_shown_in_persian_beside_their_fields() {
    let app = portal().await;

    // Step one: each bad part beside its input, values kept.
    let a = post(
        &app,
        "/register",
        &[
            ("national_code", "1234567890"),
            ("series_letter", "ج"),
            ("series_number", "12"),
            ("serial", "12"),
        ],
        None,
    )
    .await;
    assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        a.text()
            .contains("<p class=\"error\" id=\"err-national_code\">"),
        "{}",
        a.text()
    );
    assert!(a.text().contains("value=\"1234567890\""));
    assert!(
        a.text()
            .contains("id=\"err-serial\">سریال شناسنامه باید دقیقاً شش رقم باشد"),
        "the certificate's error is said at the same time: {}",
        a.text()
    );

    let page = step1(&app).await.text();
    let a = post(
        &app,
        "/register",
        &[
            ("national_code", NATIONAL_CODE),
            ("series_letter", ""),
            ("series_number", "12"),
            ("serial", "12"),
        ],
        None,
    )
    .await;
    assert!(
        a.text().contains("id=\"err-series_letter\""),
        "{}",
        a.text()
    );

    // A registry mismatch is said at the top, without naming the field.
    let a = post_details(&app, &details(&page, &[("mother_name", "مریم".into())])).await;
    assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        a.text()
            .contains("<p class=\"error\">مشخصات واردشده با اطلاعات ثبت احوال مطابقت ندارد</p>"),
        "{}",
        a.text()
    );
    assert!(a.text().contains("id=\"err-form\""));

    // Someone else's mobile, an impossible date, a lunar date too far off: beside their fields.
    let a = post_details(&app, &details(&page, &[("mobile", "09351234567".into())])).await;
    assert!(
        a.text()
            .contains("id=\"err-mobile\">این شماره همراه به نام این کد ملی ثبت نشده است"),
        "{}",
        a.text()
    );
    let a = post_details(
        &app,
        &details(
            &page,
            &[("birth_month", "12".into()), ("birth_day", "31".into())],
        ),
    )
    .await;
    assert!(
        a.text().contains("id=\"err-birth_date_jalali\""),
        "{}",
        a.text()
    );
    let a = post_details(
        &app,
        &details(
            &page,
            &[
                ("birth_day", String::new()),
                ("action", "propose_lunar".into()),
            ],
        ),
    )
    .await;
    assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(a
        .text()
        .contains("id=\"err-birth_date_jalali\">روز، ماه و سال تولد شمسی را انتخاب کنید"));
    assert!(
        !a.text().contains("id=\"note-lunar\""),
        "nothing to propose from"
    );
    let far = JalaliDate::new(1370, 5, 22).unwrap().to_hijri();
    let a = post_details(
        &app,
        &details(
            &page,
            &[
                ("lunar_year", far.year().to_string()),
                ("lunar_month", far.month().to_string()),
                ("lunar_day", far.day().to_string()),
            ],
        ),
    )
    .await;
    assert!(
        a.text().contains("id=\"err-birth_date_hijri\""),
        "{}",
        a.text()
    );
    let a = post_details(
        &app,
        &details(
            &page,
            &[("gender", String::new()), ("reason", String::new())],
        ),
    )
    .await;
    assert!(
        a.text().contains("id=\"err-gender\">جنسیت را انتخاب کنید"),
        "{}",
        a.text()
    );
    assert!(a
        .text()
        .contains("id=\"err-reason\">علت درخواست را انتخاب کنید"));
    assert_eq!(app.db.store.count_applications().await.unwrap(), 0);

    // A second application while one is in progress: at the top, with a way to track the first.
    register(&app).await;
    let page = step1(&app).await.text();
    let a = post_details(&app, &details(&page, &[])).await;
    assert_eq!(a.status, StatusCode::CONFLICT);
    assert!(
        a.text()
            .contains("برای این کد ملی درخواست در جریانی وجود دارد"),
        "{}",
        a.text()
    );
    assert!(a.text().contains("id=\"track-link\""));
}

#[tokio::test]
async fn the_captcha_is_shown_and_required_when_on() {
    let app = portal_with(true).await;
    let a = app.get("/register").await;
    let id = input_value(&a.text(), "captcha_id");
    assert!(
        a.text()
            .contains(&format!("<img src=\"/api/v1/captcha/{id}.png\"")),
        "{}",
        a.text()
    );
    let img = app.get(&format!("/api/v1/captcha/{id}.png")).await;
    assert_eq!(img.status, StatusCode::OK);
    assert_eq!(img.headers[header::CONTENT_TYPE], "image/png");
    let a = post(
        &app,
        "/register",
        &[
            ("national_code", NATIONAL_CODE),
            ("series_letter", "ج"),
            ("series_number", "12"),
            ("serial", "345678"),
            ("captcha_id", &id),
        ],
        None,
    )
    .await;
    assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        a.text()
            .contains("id=\"err-captcha_answer\">کد امنیتی را وارد کنید"),
        "{}",
        a.text()
    );
    assert!(a.text().contains("value=\"345678\""), "values are kept");
    assert_ne!(input_value(&a.text(), "captcha_id"), id, "a fresh captcha");
    let wrong = post(
        &app,
        "/register",
        &[
            ("national_code", NATIONAL_CODE),
            ("series_letter", "ج"),
            ("series_number", "12"),
            ("serial", "345678"),
            ("captcha_id", &input_value(&a.text(), "captcha_id")),
            ("captcha_answer", "not digits"),
        ],
        None,
    )
    .await;
    assert!(
        wrong.text().contains("id=\"err-captcha_answer\""),
        "{}",
        wrong.text()
    );
    assert!(!wrong.text().contains("id=\"details-form\""));

    // A passed captcha buys one registry inquiry: a mismatch goes back to step one and a fresh captcha.
    let page = app.get("/register").await;
    let id = input_value(&page.text(), "captcha_id");
    let answer = app.state.services.captcha.answer(&id).unwrap();
    let step2 = post(
        &app,
        "/register",
        &[
            ("national_code", NATIONAL_CODE),
            ("series_letter", "ج"),
            ("series_number", "12"),
            ("serial", "345678"),
            ("captcha_id", &id),
            ("captcha_answer", &answer),
        ],
        None,
    )
    .await;
    assert!(
        step2.text().contains("id=\"details-form\""),
        "{}",
        step2.text()
    );
    let fields = details(&step2.text(), &[("mother_name", "مریم".into())]);
    let back = post_details(&app, &fields).await;
    assert_eq!(back.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(back.text().contains("مطابقت ندارد"), "{}", back.text());
    assert!(
        !back.text().contains("id=\"details-form\""),
        "back at step one"
    );
    assert_ne!(
        input_value(&back.text(), "captcha_id"),
        id,
        "with a fresh captcha"
    );
}

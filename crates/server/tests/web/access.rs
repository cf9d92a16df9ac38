use super::*;

#[tokio::test]
async fn application_pages_need_the_cookie_of_that_application() {
    let app = portal().await;
    let (tc, cookie) = register(&app).await;
    let url = format!("/applications/{tc}");
    for path in ["", "/appointment", "/print"] {
        let a = app.get(&format!("{url}{path}")).await;
        assert_eq!(a.status, StatusCode::SEE_OTHER, "{path}");
        assert_eq!(a.location(), format!("/track?tc={tc}"));
    }
    let a = post(&app, &format!("{url}/pay"), &[], None).await;
    assert_eq!(a.location(), format!("/track?tc={tc}"));

    // A tampered cookie, or one for another code, opens nothing.
    let tampered = cookie.replace(&tc, &"1".repeat(12));
    let a = app.get(&url).cookie(&tampered).await;
    assert_eq!(a.status, StatusCode::SEE_OTHER);
    let other = domain::TrackingCode::from_body(12_345).to_string();
    let a = app
        .get(&format!("/applications/{other}"))
        .cookie(&cookie)
        .await;
    assert_eq!(a.location(), format!("/track?tc={other}"));

    // The tracking form prefills the code and, with the national code, opens the page.
    let track = app.get(a.location()).await;
    assert_eq!(track.status, StatusCode::OK);
    assert_eq!(
        input_value(&track.text(), "tracking_code"),
        domain::text::to_persian_digits(&other)
    );
    // The prefilled (Persian) digits are read back as they are.
    let wrong = post(
        &app,
        "/track",
        &[
            ("national_code", NATIONAL_CODE),
            (
                "tracking_code",
                &input_value(&track.text(), "tracking_code"),
            ),
        ],
        None,
    )
    .await;
    assert_eq!(wrong.status, StatusCode::NOT_FOUND);
    assert!(wrong.text().contains("درخواستی با این مشخصات پیدا نشد"));
    let bad = post(
        &app,
        "/track",
        &[("national_code", "123"), ("tracking_code", "۱۲۳")],
        None,
    )
    .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.text().contains("id=\"err-national_code\""));
    assert!(bad.text().contains("id=\"err-tracking_code\""));
    let ok = post(
        &app,
        "/track",
        &[
            ("national_code", "۰۴۹۹۳۷۰۸۹۹"),
            ("tracking_code", &domain::text::to_persian_digits(&tc)),
        ],
        None,
    )
    .await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.text());
    assert_eq!(ok.location(), url);
    let page = app.get(&url).cookie_opt(Some(&citizen_cookie(&ok))).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text().contains("علی رضایی"));
}

/// F17: the citizen's cookie does not carry the national code (only a tag over it, checked against the
/// application's holder), is `Secure` over https, and the portal's pages carry the security headers.
#[tokio::test]
async fn the_citizen_cookie_hides_the_national_code_and_is_secure_over_https() {
    let app = serving(false, "https://shenas.example").await;
    let home = app.get("/").await;
    let csp = home
        .headers
        .get("content-security-policy")
        .unwrap()
        .to_str()
        .unwrap();
    assert!(csp.contains("default-src 'none'") && csp.contains("frame-ancestors 'none'"));
    assert_eq!(home.headers.get("x-frame-options").unwrap(), "DENY");
    assert!(home.headers.contains_key("strict-transport-security"));

    let page = step1(&app).await.text();
    let a = post_details(&app, &details(&page, &[])).await;
    assert_eq!(a.status, StatusCode::SEE_OTHER, "{}", a.text());
    let set = a
        .headers
        .get(header::SET_COOKIE)
        .unwrap()
        .to_str()
        .unwrap()
        .to_string();
    assert!(set.ends_with("; Secure"), "{set}");
    assert!(!set.contains(NATIONAL_CODE), "{set}");
    let cookie = citizen_cookie(&a);
    let tc = a
        .location()
        .strip_prefix("/applications/")
        .unwrap()
        .to_string();
    let url = format!("/applications/{tc}");
    assert_eq!(app.get(&url).cookie(&cookie).await.status, StatusCode::OK);

    // A cookie signed for the same tracking code and someone else's national code opens nothing.
    let stranger = server::web::session::Citizen {
        national_code: "0012345679".into(),
        tracking_code: tc.clone(),
    }
    .set_cookie(
        &app.state.services.web_secret,
        std::time::SystemTime::now(),
        true,
    );
    let stranger = stranger.split(';').next().unwrap();
    let a = app.get(&url).cookie(stranger).await;
    assert_eq!(a.status, StatusCode::SEE_OTHER);
    assert_eq!(a.location(), format!("/track?tc={tc}"));
}

/// F17: the portal's forms refuse a post from another site (the citizen's cookie rides along with it under
/// SameSite=Lax only for top-level navigations, but an old browser sends it anyway).
#[tokio::test]
async fn portal_forms_posted_from_another_site_are_refused() {
    let app = portal().await;
    let (tc, cookie) = register(&app).await;
    let req = Request::post(format!("/applications/{tc}/pay"))
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::COOKIE, &cookie)
        .header(header::ORIGIN, "https://evil.example")
        .body(Body::empty())
        .unwrap();
    let a = app.send(req).await;
    assert_eq!(a.status, StatusCode::FORBIDDEN, "{}", a.text());
    assert!(a.text().contains("درخواست از سایت دیگر"), "{}", a.text());
    let tracking = domain::TrackingCode::parse(&tc).unwrap();
    let held = app
        .state
        .store
        .application(&tracking)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(held.state, ApplicationState::AwaitingPayment);
    // The same form from the portal's own page goes on to the bank.
    let req = Request::post(format!("/applications/{tc}/pay"))
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::COOKIE, &cookie)
        .header(header::ORIGIN, "http://127.0.0.1:8080")
        .header("sec-fetch-site", "same-origin")
        .body(Body::empty())
        .unwrap();
    let a = app.send(req).await;
    assert_eq!(a.status, StatusCode::SEE_OTHER, "{}", a.text());
    assert!(
        a.location().starts_with("/sandbox-bank/pay"),
        "{}",
        a.location()
    );
}

/// F18: a form sent as something else, or a path that is not UTF-8, is answered with a Persian page (was
/// axum's English plain text).
#[tokio::test]
async fn unreadable_page_requests_get_a_persian_page() {
    let app = portal().await;
    let req = Request::post("/track").body(Body::from("x")).unwrap();
    let a = app.send(req).await;
    assert_eq!(a.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let kind = a
        .headers
        .get(header::CONTENT_TYPE)
        .unwrap()
        .to_str()
        .unwrap();
    assert!(kind.starts_with("text/html"), "{kind}");
    assert!(a.text().contains("درخواست خوانا نیست"), "{}", a.text());
    let a = app.get("/applications/%FF%FE/print").await;
    assert_eq!(a.status, StatusCode::BAD_REQUEST);
    assert!(a.text().contains("lang=\"fa\""), "{}", a.text());
}

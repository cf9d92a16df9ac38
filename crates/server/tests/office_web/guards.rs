use super::*;

/// The review's reproduction (F17): a supervisor's cookie sent along with a form posted from another site. The
/// service refuses it with a Persian page before the decision is read; the same form from the service's own page
/// is decided.
#[tokio::test]
async fn a_form_posted_from_another_site_is_refused_and_decides_nothing() {
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
    s.record_dedup(a1, &[], Utc::now()).await.unwrap();
    s.record_dedup(a2, &[(a1, 0.4321)], Utc::now())
        .await
        .unwrap();

    let decide = |origin: Option<&'static str>, site: Option<&'static str>| {
        let mut req = app
            .post(&format!("/office/adjudications/{}", second.as_str()))
            .cookie(&sup1);
        if let Some(o) = origin {
            req = req.header(header::ORIGIN.as_str(), o);
        }
        if let Some(s) = site {
            req = req.header("sec-fetch-site", s);
        }
        req.body(
            "application/x-www-form-urlencoded",
            "decision=distinct&note=csrf-test",
        )
    };
    for (origin, site) in [
        (Some("https://evil.example"), Some("cross-site")),
        (Some("https://evil.example"), None),
        (None, Some("cross-site")),
        (Some("null"), None),
    ] {
        let a = (decide(origin, site)).await;
        assert_eq!(a.status, StatusCode::FORBIDDEN, "{origin:?} {site:?}");
        assert!(
            a.headers
                .get(header::CONTENT_TYPE)
                .unwrap()
                .to_str()
                .unwrap()
                .starts_with("text/html"),
            "{origin:?} {site:?}"
        );
        assert!(a.text().contains("درخواست از سایت دیگر"), "{}", a.text());
        assert!(a.text().contains("lang=\"fa\" dir=\"rtl\""));
    }
    let cases = s.dedup_cases_of(&second).await.unwrap();
    assert_eq!(cases[0].decision, None, "a refused post decided something");

    // From the service's own page (the browser names its origin and a same-origin fetch): decided.
    let a = decide(Some("http://127.0.0.1:8080"), Some("same-origin")).await;
    assert_eq!(a.status, StatusCode::SEE_OTHER, "{}", a.text());
    let cases = s.dedup_cases_of(&second).await.unwrap();
    assert_eq!(cases[0].decision, Some(domain::Decision::Distinct));
}

/// F17: the pages carry the security headers, and over https the staff cookies are `Secure` and answers carry
/// `Strict-Transport-Security`; over http neither.
#[tokio::test]
async fn pages_carry_security_headers_and_https_cookies_are_secure() {
    let plain = desk().await;
    let a = plain.get("/office/login").await;
    assert_eq!(a.status, StatusCode::OK);
    let h = |a: &Answer, name: &str| {
        a.headers
            .get(name)
            .map(|v| v.to_str().unwrap().to_string())
            .unwrap_or_default()
    };
    let csp = h(&a, "content-security-policy");
    for part in [
        "default-src 'none'",
        "style-src 'self'",
        "font-src 'self'",
        "img-src 'self'",
        "frame-ancestors 'none'",
    ] {
        assert!(csp.contains(part), "{csp}");
    }
    assert!(!csp.contains("unsafe"), "{csp}");
    assert_eq!(h(&a, "x-frame-options"), "DENY");
    assert_eq!(h(&a, "x-content-type-options"), "nosniff");
    assert_eq!(h(&a, "referrer-policy"), "same-origin");
    assert_eq!(h(&a, "strict-transport-security"), "");
    // No inline style or script on the page the policy would break.
    assert!(!a.text().contains("style=") && !a.text().contains("<script"));
    let cookie = plain
        .post_form(
            "/office/login",
            &[("username", "op1"), ("password", PASSWORD)],
        )
        .await;
    assert!(!h(&cookie, "set-cookie").contains("Secure"));
    // The stylesheet is not a page: no page policy, still nosniff.
    let css = plain.get("/assets/portal.css").await;
    assert_eq!(h(&css, "x-content-type-options"), "nosniff");
    assert_eq!(h(&css, "content-security-policy"), "");

    let tls = serving("https://shenas.example").await;
    let a = tls.get("/office/login").await;
    assert!(h(&a, "strict-transport-security").starts_with("max-age="));
    for (login, path) in [("/office/login", "/office"), ("/admin/login", "/admin")] {
        let user = if path == "/admin" { "admin" } else { "op1" };
        let a = tls
            .post_form(login, &[("username", user), ("password", PASSWORD)])
            .await;
        assert_eq!(a.status, StatusCode::SEE_OTHER, "{login}: {}", a.text());
        let set = h(&a, "set-cookie");
        assert!(
            set.ends_with("; Secure") && set.contains(&format!("Path={path}")),
            "{set}"
        );
    }
    let op1 = login(&tls, "op1").await;
    let out = tls.post_form("/office/logout", &[]).cookie(&op1).await;
    assert!(h(&out, "set-cookie").contains("Secure"));
}

/// F18: the review's `POST /office/shipments/2/receive` without a content type, and a path that is not UTF-8,
/// answer a Persian page in the office's frame (was axum's English plain text).
#[tokio::test]
async fn unreadable_office_requests_get_a_persian_page() {
    let app = desk().await;
    let op1 = login(&app, "op1").await;
    let a = app.post("/office/shipments/2/receive").cookie(&op1).await;
    assert_eq!(a.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert!(a
        .headers
        .get(header::CONTENT_TYPE)
        .unwrap()
        .to_str()
        .unwrap()
        .starts_with("text/html"));
    assert!(a.text().contains("درخواست خوانا نیست"), "{}", a.text());
    assert!(a.text().contains("/office/office.css"), "{}", a.text());
    let a = app.get("/office/applications/%FF").cookie(&op1).await;
    assert_eq!(a.status, StatusCode::BAD_REQUEST);
    assert!(a.text().contains("درخواست خوانا نیست"), "{}", a.text());
}

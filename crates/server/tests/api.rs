//! The router driven in-process, on a fresh database per test.

#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

use axum::http::StatusCode;
use testkit::TestApp;

#[tokio::test]
async fn healthz_reports_the_database() {
    let app = TestApp::new().await;
    let (status, body) = app.get("/healthz").await.status_json();
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["status"], "ok");
    assert_eq!(body["database"], "sqlite");
}

#[tokio::test]
async fn calendar_converts_each_way() {
    let app = TestApp::new().await;
    for uri in [
        "/api/v1/calendar/convert?jalali=1403-08-19",
        "/api/v1/calendar/convert?gregorian=2024-11-09",
        "/api/v1/calendar/convert?hijri=1446-05-07",
        // Persian digits, URL-encoded.
        "/api/v1/calendar/convert?jalali=%DB%B1%DB%B4%DB%B0%DB%B3-%DB%B0%DB%B8-%DB%B1%DB%B9",
    ] {
        let (status, body) = app.get(uri).await.status_json();
        assert_eq!(status, StatusCode::OK, "{uri}: {body}");
        assert_eq!(body["jalali"], "1403-08-19", "{uri}");
        assert_eq!(body["gregorian"], "2024-11-09", "{uri}");
        assert_eq!(body["hijri"], "1446-05-07", "{uri}");
        assert_eq!(body["jalali_fa"], "۱۹ آبان ۱۴۰۳");
        assert_eq!(body["weekday_fa"], "شنبه");
        assert_eq!(body["hijri_accepted_from"], "1446-05-05");
        assert_eq!(body["hijri_accepted_to"], "1446-05-09");
    }
    // Nowruz of a leap and a common year.
    let (_, body) = app
        .get("/api/v1/calendar/convert?jalali=1404-01-01")
        .await
        .status_json();
    assert_eq!(body["gregorian"], "2025-03-21");
    let (_, body) = app
        .get("/api/v1/calendar/convert?gregorian=2020-03-20")
        .await
        .status_json();
    assert_eq!(body["jalali"], "1399-01-01");
}

#[tokio::test]
async fn calendar_errors_have_the_contract_shape() {
    let app = TestApp::new().await;
    let (status, body) = app
        .get("/api/v1/calendar/convert?jalali=1404-12-30")
        .await
        .status_json();
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["error"]["code"], "invalid_date");
    assert_eq!(body["error"]["field"], "jalali");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("اسفند ۱۴۰۴ ۲۹ روز دارد"),
        "{body}"
    );
    assert!(body["error"]["message_en"]
        .as_str()
        .unwrap()
        .contains("Esfand 1404 has 29 days"));

    let (status, body) = app
        .get("/api/v1/calendar/convert?gregorian=2023-02-29")
        .await
        .status_json();
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["error"]["field"], "gregorian");

    for uri in [
        "/api/v1/calendar/convert",
        "/api/v1/calendar/convert?jalali=1403-01-01&hijri=1445-01-01",
    ] {
        let (status, body) = app.get(uri).await.status_json();
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{uri}");
        assert_eq!(body["error"]["code"], "invalid_query", "{uri}");
    }
    let (status, body) = app
        .get("/api/v1/calendar/convert?hijri=1446-02-31")
        .await
        .status_json();
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["error"]["code"], "invalid_date");
}

#[tokio::test]
async fn unknown_paths_and_methods_answer_in_the_error_shape() {
    let app = TestApp::new().await;
    let (status, body) = app.get("/api/v1/nothing-here").await.status_json();
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(body["error"]["code"], "not_found");
    let a = app.post("/healthz").await;
    assert_eq!(a.status, StatusCode::METHOD_NOT_ALLOWED);
}

/// The served document is the generated one, and it matches the committed snapshot (`docs/openapi.json`), so the
/// contract cannot drift silently. Regenerate with `UPDATE_SNAPSHOTS=1 cargo test -p shenas-server`.
#[tokio::test]
async fn openapi_document_is_served_and_matches_the_snapshot() {
    let app = TestApp::new().await;
    let (status, served) = app.get("/api/openapi.json").await.status_json();
    assert_eq!(status, StatusCode::OK);
    for path in ["/healthz", "/api/v1/calendar/convert"] {
        assert!(
            served["paths"][path].is_object(),
            "{path} missing from the OpenAPI document"
        );
    }
    let generated = serde_json::to_value(server::openapi()).unwrap();
    assert_eq!(served, generated);
    let pretty = serde_json::to_string_pretty(&generated).unwrap() + "\n";
    let snapshot = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/openapi.json");
    if std::env::var("UPDATE_SNAPSHOTS").is_ok_and(|v| v == "1") {
        std::fs::write(&snapshot, &pretty).unwrap();
    }
    let committed = std::fs::read_to_string(&snapshot).unwrap_or_default();
    assert!(
        committed == pretty,
        "docs/openapi.json is stale: run UPDATE_SNAPSHOTS=1 cargo test -p shenas-server"
    );
}

fn is_error_shape(body: &serde_json::Value) -> bool {
    ["code", "message", "message_en"]
        .iter()
        .all(|k| body["error"][k].is_string())
}

/// F18: the review's text/plain answers (a query that does not parse, a path id that does not fit an `i64`) are
/// 422s in the error shape; the bearer scheme is read in any case; a method a path does not take is a 405 in the
/// shape even with a malformed `Idempotency-Key` (was the key's 422).
#[tokio::test]
async fn malformed_requests_answer_in_the_error_shape() {
    let app = TestApp::new().await;
    app.create_staff("nadmin", domain::Role::NationalAdmin, None, None)
        .await;
    let token = app.token("nadmin").await;

    let a = app
        .get("/api/v1/stats/offices/load?limit=-1")
        .auth(format!("Bearer {token}").as_str())
        .await;
    let (status, body) = a.status_json();
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(a.headers.get("content-type").unwrap(), "application/json");
    assert_eq!(body["error"]["code"], "invalid_query", "{body}");
    assert!(is_error_shape(&body), "{body}");

    let (status, body) = app
        .post("/api/v1/office/shipments/99999999999999999999/receive")
        .bearer(token.as_str())
        .await
        .status_json();
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["error"]["code"], "invalid_path", "{body}");
    assert!(is_error_shape(&body), "{body}");

    // RFC 7235: the scheme's name is case-insensitive.
    for scheme in ["bearer", "BEARER", "Bearer"] {
        let (status, body) = app
            .get("/api/v1/stats/national")
            .auth(format!("{scheme} {token}").as_str())
            .await
            .status_json();
        assert_eq!(status, StatusCode::OK, "{scheme}: {body}");
    }
    let (status, body) = app
        .get("/api/v1/stats/national")
        .auth(format!("Basic {token}").as_str())
        .await
        .status_json();
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");

    for (method, key) in [("DELETE", ""), ("PUT", "k"), ("DELETE", "k")] {
        let a = app
            .call(method, "/api/v1/applications")
            .header("idempotency-key", key)
            .body("application/json", "{}")
            .await;
        let (status, headers, body) = (a.status, &a.headers, a.json());
        assert_eq!(
            status,
            StatusCode::METHOD_NOT_ALLOWED,
            "{method} {key:?}: {body}"
        );
        assert_eq!(body["error"]["code"], "method_not_allowed");
        assert_eq!(headers.get("allow").unwrap(), "POST");
    }
    // The body limit's own answer (a Content-Length over 16 MiB, refused before reading): 413 in the shape,
    // with the security headers (was `length limit exceeded` in plain text).
    let a = app
        .post("/api/v1/office/enrollments")
        .header("content-length", "20000000")
        .body("application/json", "{}")
        .await;
    let (status, headers, body) = (a.status, &a.headers, a.json());
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(is_error_shape(&body), "{body}");
    assert_eq!(headers.get("x-content-type-options").unwrap(), "nosniff");
    // A JSON route without the JSON content type: 415 in the shape.
    let (status, body) = app
        .post("/api/v1/auth/login")
        .raw_body("x")
        .await
        .status_json();
    assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert!(is_error_shape(&body), "{body}");
    // A POST to the OCSP responder that is not an OCSP request at all (schemathesis: no body, no content type):
    // 415 in the shape, where it answered 200 with an OCSP `malformedRequest`.
    let (status, body) = app.post("/ocsp").await.status_json();
    assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{body}");
    assert_eq!(body["error"]["code"], "invalid_body", "{body}");
}

/// F18: the answers every operation can give because of the shared extractors and layers are in the document.
#[tokio::test]
async fn the_document_lists_401_415_and_422_where_they_can_come() {
    let app = TestApp::new().await;
    let doc = app.get("/api/openapi.json").await.json();
    let responses = |path: &str, method: &str| doc["paths"][path][method]["responses"].clone();
    let r = responses("/api/v1/office/shipments", "get");
    assert!(r.get("401").is_some(), "{r}");
    let r = responses("/api/v1/auth/login", "post");
    assert!(r.get("415").is_some() && r.get("422").is_some(), "{r}");
    let r = responses("/api/v1/vendor/batches/claim", "post");
    assert!(r.get("422").is_some(), "{r}");
    let r = responses(
        "/api/v1/office/applications/{tracking_code}/transfer",
        "post",
    );
    assert!(r.get("403").is_some() && r.get("422").is_some(), "{r}");
}

/// F21: a captcha's picture is drawn once and then served from memory; ids the server did not issue are not
/// kept.
#[tokio::test]
async fn captcha_pictures_are_drawn_once() {
    let app = TestApp::new().await;
    let (status, body) = app.get("/api/v1/captcha").await.status_json();
    assert_eq!(status, StatusCode::OK);
    let url = body["image_url"].as_str().unwrap().to_string();
    let app = &app;
    let picture = |uri: String| async move {
        let a = app.get(&uri).await;
        let kind = a.header("content-type").map(String::from);
        (a.status, kind, a.bytes)
    };
    assert!(app.state.services.captcha_images.is_empty());
    let (status, kind, first) = picture(url.clone()).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(kind.as_deref(), Some("image/png"));
    assert!(first.starts_with(b"\x89PNG"));
    assert_eq!(app.state.services.captcha_images.len(), 1);
    for _ in 0..3 {
        let (_, _, again) = picture(url.clone()).await;
        assert_eq!(again, first);
    }
    assert_eq!(app.state.services.captcha_images.len(), 1);
    let (status, _, _) = picture("/api/v1/captcha/not-one-of-ours.png".into()).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(app.state.services.captcha_images.len(), 1);
}

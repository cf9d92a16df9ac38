//! The router driven in-process, on a fresh database per test.

#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

use axum::body::Body;
use axum::http::{Request, StatusCode};
use http_body_util::BodyExt;
use server::{AppState, Settings};
use store_suite::TestStore;
use tower::ServiceExt;

struct TestApp {
    router: axum::Router,
    state: AppState,
    db: TestStore,
}

impl TestApp {
    async fn new() -> Self {
        let db = TestStore::sqlite().await;
        let state = AppState::new(
            db.store.clone(),
            Settings {
                captcha: false,
                rate_limits: false,
                ..Settings::default()
            },
        );
        Self {
            router: server::router(state.clone()),
            state,
            db,
        }
    }

    /// The answer's status, headers and body (JSON, or `Null` when it is not).
    async fn send(
        &self,
        req: Request<Body>,
    ) -> (StatusCode, axum::http::HeaderMap, serde_json::Value) {
        let res = self.router.clone().oneshot(req).await.unwrap();
        let status = res.status();
        let headers = res.headers().clone();
        let bytes = res.into_body().collect().await.unwrap().to_bytes();
        (
            status,
            headers,
            serde_json::from_slice(&bytes).unwrap_or(serde_json::Value::Null),
        )
    }

    /// A national administrator's session token, through the login API.
    async fn admin_token(&self) -> String {
        self.state
            .store
            .create_user(&store::journey::NewUser {
                username: "nadmin".into(),
                password_hash: server::auth::hash_password("a good long password").unwrap(),
                role: domain::Role::NationalAdmin,
                office: None,
                province: None,
                at: chrono::Utc::now(),
            })
            .await
            .unwrap();
        let (status, _, body) = self
            .send(
                Request::post("/api/v1/auth/login")
                    .header("content-type", "application/json")
                    .body(Body::from(
                        r#"{"username":"nadmin","password":"a good long password"}"#,
                    ))
                    .unwrap(),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        body["token"].as_str().unwrap().to_string()
    }

    async fn get(&self, uri: &str) -> (StatusCode, serde_json::Value) {
        let res = self
            .router
            .clone()
            .oneshot(Request::get(uri).body(Body::empty()).unwrap())
            .await
            .unwrap();
        let status = res.status();
        let bytes = res.into_body().collect().await.unwrap().to_bytes();
        (
            status,
            serde_json::from_slice(&bytes).unwrap_or(serde_json::Value::Null),
        )
    }
}

#[tokio::test]
async fn healthz_reports_the_database() {
    let app = TestApp::new().await;
    let (status, body) = app.get("/healthz").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["status"], "ok");
    assert_eq!(body["database"], "sqlite");
    app.db.cleanup().await;
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
        let (status, body) = app.get(uri).await;
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
    let (_, body) = app.get("/api/v1/calendar/convert?jalali=1404-01-01").await;
    assert_eq!(body["gregorian"], "2025-03-21");
    let (_, body) = app
        .get("/api/v1/calendar/convert?gregorian=2020-03-20")
        .await;
    assert_eq!(body["jalali"], "1399-01-01");
    app.db.cleanup().await;
}

#[tokio::test]
async fn calendar_errors_have_the_contract_shape() {
    let app = TestApp::new().await;
    let (status, body) = app.get("/api/v1/calendar/convert?jalali=1404-12-30").await;
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
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["error"]["field"], "gregorian");

    for uri in [
        "/api/v1/calendar/convert",
        "/api/v1/calendar/convert?jalali=1403-01-01&hijri=1445-01-01",
    ] {
        let (status, body) = app.get(uri).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{uri}");
        assert_eq!(body["error"]["code"], "invalid_query", "{uri}");
    }
    let (status, body) = app.get("/api/v1/calendar/convert?hijri=1446-02-31").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["error"]["code"], "invalid_date");
    app.db.cleanup().await;
}

#[tokio::test]
async fn unknown_paths_and_methods_answer_in_the_error_shape() {
    let app = TestApp::new().await;
    let (status, body) = app.get("/api/v1/nothing-here").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(body["error"]["code"], "not_found");
    let res = app
        .router
        .clone()
        .oneshot(Request::post("/healthz").body(Body::empty()).unwrap())
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::METHOD_NOT_ALLOWED);
    app.db.cleanup().await;
}

/// The served document is the generated one, and it matches the committed snapshot (`docs/openapi.json`), so the
/// contract cannot drift silently. Regenerate with `UPDATE_SNAPSHOTS=1 cargo test -p shenas-server`.
#[tokio::test]
async fn openapi_document_is_served_and_matches_the_snapshot() {
    let app = TestApp::new().await;
    let (status, served) = app.get("/api/openapi.json").await;
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
    app.db.cleanup().await;
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
    let token = app.admin_token().await;
    let get = |uri: &str, auth: String| {
        Request::get(uri)
            .header("authorization", auth)
            .body(Body::empty())
            .unwrap()
    };

    let (status, headers, body) = app
        .send(get(
            "/api/v1/stats/offices/load?limit=-1",
            format!("Bearer {token}"),
        ))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(headers.get("content-type").unwrap(), "application/json");
    assert_eq!(body["error"]["code"], "invalid_query", "{body}");
    assert!(is_error_shape(&body), "{body}");

    let (status, _, body) = app
        .send(
            Request::post("/api/v1/office/shipments/99999999999999999999/receive")
                .header("authorization", format!("Bearer {token}"))
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["error"]["code"], "invalid_path", "{body}");
    assert!(is_error_shape(&body), "{body}");

    // RFC 7235: the scheme's name is case-insensitive.
    for scheme in ["bearer", "BEARER", "Bearer"] {
        let (status, _, body) = app
            .send(get("/api/v1/stats/national", format!("{scheme} {token}")))
            .await;
        assert_eq!(status, StatusCode::OK, "{scheme}: {body}");
    }
    let (status, _, body) = app
        .send(get("/api/v1/stats/national", format!("Basic {token}")))
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");

    for (method, key) in [("DELETE", ""), ("PUT", "k"), ("DELETE", "k")] {
        let (status, headers, body) = app
            .send(
                Request::builder()
                    .method(method)
                    .uri("/api/v1/applications")
                    .header("idempotency-key", key)
                    .header("content-type", "application/json")
                    .body(Body::from("{}"))
                    .unwrap(),
            )
            .await;
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
    let (status, headers, body) = app
        .send(
            Request::post("/api/v1/office/enrollments")
                .header("content-type", "application/json")
                .header("content-length", "20000000")
                .body(Body::from("{}"))
                .unwrap(),
        )
        .await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(is_error_shape(&body), "{body}");
    assert_eq!(headers.get("x-content-type-options").unwrap(), "nosniff");
    // A JSON route without the JSON content type: 415 in the shape.
    let (status, _, body) = app
        .send(
            Request::post("/api/v1/auth/login")
                .body(Body::from("x"))
                .unwrap(),
        )
        .await;
    assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert!(is_error_shape(&body), "{body}");
    app.db.cleanup().await;
}

/// F18: the answers every operation can give because of the shared extractors and layers are in the document.
#[tokio::test]
async fn the_document_lists_401_415_and_422_where_they_can_come() {
    let app = TestApp::new().await;
    let (_, _, doc) = app
        .send(
            Request::get("/api/openapi.json")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
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
    app.db.cleanup().await;
}

/// F21: a captcha's picture is drawn once and then served from memory; ids the server did not issue are not
/// kept.
#[tokio::test]
async fn captcha_pictures_are_drawn_once() {
    let app = TestApp::new().await;
    let (status, body) = app.get("/api/v1/captcha").await;
    assert_eq!(status, StatusCode::OK);
    let url = body["image_url"].as_str().unwrap().to_string();
    let router = &app.router;
    let picture = |uri: String| async move {
        let res = router
            .clone()
            .oneshot(Request::get(uri).body(Body::empty()).unwrap())
            .await
            .unwrap();
        let status = res.status();
        let kind = res
            .headers()
            .get("content-type")
            .map(|v| v.to_str().unwrap().to_string());
        (
            status,
            kind,
            res.into_body().collect().await.unwrap().to_bytes(),
        )
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
    app.db.cleanup().await;
}

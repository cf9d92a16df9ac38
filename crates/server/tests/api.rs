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
            router: server::router(state),
            db,
        }
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

//! Findings of the security review, through the real router: metric labels a caller cannot multiply (F7), a
//! health check that sees a blob store sealed under another key (F12), and names with directional formatting
//! characters refused at the citizen's and the office's filing (F20), and enrollment image checks that wait for
//! one of a few permits (F10).

#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

use axum::http::StatusCode;
use domain::Role;
use serde_json::Value;
use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use testkit::{filing, office, PersonBuilder, TestApp};

/// A metrics recorder that remembers every series (name and labels) it was asked for.
#[derive(Default, Clone)]
struct Series(Arc<Mutex<HashSet<String>>>);

impl Series {
    fn note(&self, key: &metrics::Key) {
        let labels: Vec<String> = key
            .labels()
            .map(|l| format!("{}={}", l.key(), l.value()))
            .collect();
        self.0
            .lock()
            .unwrap()
            .insert(format!("{}{{{}}}", key.name(), labels.join(",")));
    }
}

impl metrics::Recorder for Series {
    fn describe_counter(
        &self,
        _: metrics::KeyName,
        _: Option<metrics::Unit>,
        _: metrics::SharedString,
    ) {
    }
    fn describe_gauge(
        &self,
        _: metrics::KeyName,
        _: Option<metrics::Unit>,
        _: metrics::SharedString,
    ) {
    }
    fn describe_histogram(
        &self,
        _: metrics::KeyName,
        _: Option<metrics::Unit>,
        _: metrics::SharedString,
    ) {
    }
    fn register_counter(&self, key: &metrics::Key, _: &metrics::Metadata<'_>) -> metrics::Counter {
        self.note(key);
        metrics::Counter::noop()
    }
    fn register_gauge(&self, key: &metrics::Key, _: &metrics::Metadata<'_>) -> metrics::Gauge {
        self.note(key);
        metrics::Gauge::noop()
    }
    fn register_histogram(
        &self,
        key: &metrics::Key,
        _: &metrics::Metadata<'_>,
    ) -> metrics::Histogram {
        self.note(key);
        metrics::Histogram::noop()
    }
}

#[tokio::test]
async fn invented_http_methods_do_not_make_new_metric_series() {
    let series = Series::default();
    metrics::set_global_recorder(series.clone()).unwrap();
    let app = TestApp::new().await;
    for i in 0..200 {
        let a = app.call(&format!("M{i:06}"), "/").await;
        assert!(a.status.is_client_error());
    }
    let seen = series.0.lock().unwrap().clone();
    let requests: Vec<&String> = seen
        .iter()
        // Other tests of this binary record their own requests; the invented methods all went to `/`.
        .filter(|s| s.starts_with("shenas_http_requests_total") && s.contains("route=/,"))
        .collect();
    assert!(!requests.is_empty());
    assert!(
        requests.len() <= 2,
        "200 invented methods made {} series: {requests:?}",
        requests.len()
    );
    assert!(
        requests.iter().all(|s| !s.contains("method=M0")),
        "{requests:?}"
    );
}

#[tokio::test]
async fn health_fails_when_the_blob_store_was_sealed_under_another_key() {
    // The canary written under one key, then the store opened with another.
    let first = blobs::Sealed::new(blobs::MemoryBlobStore::default(), [1; 32]);
    blobs::write_canary(&first).await.unwrap();
    let raw = first.inner().raw(blobs::CANARY_KEY).unwrap();
    let moved = blobs::MemoryBlobStore::default();
    moved.set_raw(blobs::CANARY_KEY, raw);
    let other_key = Arc::new(blobs::Sealed::new(moved, [2; 32]));
    let app = TestApp::builder()
        .services(move |s| s.blobs = other_key.clone())
        .build()
        .await;
    let res = app.get("/healthz").await;
    assert_eq!(res.status, StatusCode::SERVICE_UNAVAILABLE);
    let body: serde_json::Value = serde_json::from_slice(&res.bytes).unwrap();
    assert_eq!(body["status"], "blobs_unreadable");

    // The right key (the same database): healthy.
    let first = Arc::new(first);
    let app = TestApp::builder()
        .services(move |s| s.blobs = first.clone())
        .on(app.db)
        .await;
    let res = app.get("/healthz").await;
    assert_eq!(res.status, StatusCode::OK);
}

#[tokio::test]
async fn names_with_directional_controls_are_refused_at_filing() {
    let person = PersonBuilder::new(1).mother("فاطمه");
    let app = TestApp::builder()
        .persons(&[person.build()])
        .offices(&[office("30-0001").build()])
        .staff("op", Role::Operator, Some("30-0001"), None)
        .build()
        .await;
    let op = format!("Bearer {}", app.token("op").await);
    for c in ['\u{202E}', '\u{2066}', '\u{202B}'] {
        let mut body = filing(&person);
        body["mother_name"] = Value::from(format!("فا{c}طمه"));
        // The citizen's pre-registration and the office's walk-in filing answer the same 422, naming the field.
        for (uri, auth) in [
            ("/api/v1/applications", None),
            ("/api/v1/office/applications", Some(op.as_str())),
        ] {
            let a = app.post(uri).auth_opt(auth).json(&body).await;
            assert_eq!(
                a.status,
                StatusCode::UNPROCESSABLE_ENTITY,
                "{uri}: {}",
                a.text()
            );
            let b = a.json();
            assert_eq!(
                (&b["error"]["code"], &b["error"]["field"]),
                (&Value::from("invalid_name"), &Value::from("mother_name")),
                "{uri}: {b}"
            );
        }
    }
    // Nothing was filed; the same name without the control is taken.
    let code = filing(&person)["national_code"]
        .as_str()
        .unwrap()
        .to_string();
    let nc = domain::NationalCode::parse(&code).unwrap();
    assert!(app
        .db
        .store
        .active_application(&nc)
        .await
        .unwrap()
        .is_none());
    app.file(&filing(&person)).await;
}

#[tokio::test]
async fn enrollment_image_checks_wait_for_a_permit() {
    use std::future::IntoFuture;
    use std::time::Duration;
    let person = PersonBuilder::new(2);
    let app = TestApp::builder()
        .services(|s| s.image_checks = tokio::sync::Semaphore::new(0))
        .persons(&[person.build()])
        .offices(&[office("30-0001").build()])
        .staff("op", Role::Operator, Some("30-0001"), None)
        .build()
        .await;
    let op = format!("Bearer {}", app.token("op").await);
    let tc = app.booked(&person, "30-0001").await;
    let body = testkit::enrollment::json_body(&tc, 2, &[]);
    let enrollment = app
        .post_json("/api/v1/office/enrollments", &body)
        .auth(&op)
        .into_future();
    tokio::pin!(enrollment);
    // Every permit is taken: the photo is not decoded, the request waits.
    assert!(
        tokio::time::timeout(Duration::from_millis(500), &mut enrollment)
            .await
            .is_err(),
        "an image check ran without a permit"
    );
    app.state.services.image_checks.add_permits(1);
    let a = tokio::time::timeout(Duration::from_secs(30), enrollment)
        .await
        .unwrap();
    assert_eq!(a.status, StatusCode::CREATED, "{}", a.text());
}

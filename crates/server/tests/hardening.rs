//! Availability findings of the security review, through the real router: metric labels a caller cannot
//! multiply (F7), and a health check that sees a blob store sealed under another key (F12).

#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

use axum::http::StatusCode;
use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use testkit::TestApp;

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
        .filter(|s| s.starts_with("shenas_http_requests_total"))
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

//! Request metrics for Prometheus: a count and a latency histogram per route template (never per raw path, so
//! no identifier ends up in a label). The exporter itself listens on its own port, set up by the binary.

use axum::extract::{MatchedPath, Request};
use axum::middleware::Next;
use axum::response::Response;
use std::time::Instant;

pub async fn track(req: Request, next: Next) -> Response {
    let start = Instant::now();
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map_or("unmatched", |p| p.as_str())
        .to_string();
    let method = req.method().as_str().to_string();
    let res = next.run(req).await;
    let status = res.status().as_u16().to_string();
    let labels = [("method", method), ("route", route), ("status", status)];
    metrics::counter!("shenas_http_requests_total", &labels).increment(1);
    metrics::histogram!("shenas_http_request_duration_seconds", &labels)
        .record(start.elapsed().as_secs_f64());
    res
}

//! Request metrics for Prometheus: a count and a latency histogram per route template (never per raw path, so
//! no identifier ends up in a label), and methods outside HTTP's standard set counted as `other`: a label's values
//! must never be chosen by the caller, or each new value is a new series kept forever (security review F7). The
//! exporter itself listens on its own port, set up by the binary.

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
    let method = method_label(req.method()).to_string();
    let res = next.run(req).await;
    let status = res.status().as_u16().to_string();
    let labels = [("method", method), ("route", route), ("status", status)];
    metrics::counter!("shenas_http_requests_total", &labels).increment(1);
    metrics::histogram!("shenas_http_request_duration_seconds", &labels)
        .record(start.elapsed().as_secs_f64());
    res
}

/// The method as a label: one of HTTP's standard methods, or `other`.
pub fn method_label(m: &axum::http::Method) -> &'static str {
    use axum::http::Method;
    match *m {
        Method::GET => "GET",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::DELETE => "DELETE",
        Method::HEAD => "HEAD",
        Method::OPTIONS => "OPTIONS",
        Method::PATCH => "PATCH",
        Method::CONNECT => "CONNECT",
        Method::TRACE => "TRACE",
        _ => "other",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invented_methods_share_one_label() {
        let a = axum::http::Method::from_bytes(b"M123456").expect("method");
        let b = axum::http::Method::from_bytes(b"M654321").expect("method");
        assert_eq!(method_label(&a), "other");
        assert_eq!(method_label(&b), "other");
        assert_eq!(method_label(&axum::http::Method::POST), "POST");
    }
}

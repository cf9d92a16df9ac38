//! What browsers are told and what they must show: the security headers on every answer, and the same-origin
//! check on the pages' form posts (the citizen portal, the office pages, the administrators' login).
//!
//! Headers, on every answer: `X-Content-Type-Options: nosniff`, `X-Frame-Options: DENY`,
//! `Referrer-Policy: same-origin`, and `Strict-Transport-Security` when `public_url` is https. A page
//! (`text/html`) gets [`PAGE_POLICY`]: its own stylesheets, fonts and images only, no script at all (the pages work
//! without JavaScript), never framed. A JSON answer gets [`API_POLICY`] (nothing may load, never framed).
//!
//! The referrer policy is `same-origin` rather than `no-referrer` on purpose: browsers send `Origin: null` on a
//! form post from a page that forbids referrers, which would leave the check below only `Sec-Fetch-Site` to go
//! on. With `same-origin` nothing (no path, no tracking code) leaves for another site, and our own forms keep
//! their origin.
//!
//! The origin check refuses, with a Persian 403 page, a state-changing request to a page route (anything but the
//! machine endpoints under `/api/`, `/sandbox-bank/v1/`, `/sms/` and `/ussd`, whose callers are not browsers
//! or post from elsewhere by design, such as a bank's callback) that says it comes from elsewhere: an `Origin`
//! that is not the service's own (`public_url`'s, or the `Host` header's over http or https), or
//! `Sec-Fetch-Site` other than `same-origin`/`none`. A request with neither header (an old client, curl) passes:
//! the cookies' `SameSite` is the other layer. `form-action` is left out of the policy: paying sends the
//! citizen's form on to the bank's own site.

use crate::state::AppState;
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderName, HeaderValue, Method, StatusCode, Uri};
use axum::middleware::Next;
use axum::response::Response;

/// The pages' Content-Security-Policy.
pub const PAGE_POLICY: &str =
    "default-src 'none'; style-src 'self'; font-src 'self'; img-src 'self'; \
                               frame-ancestors 'none'; base-uri 'none'";
/// The API's Content-Security-Policy.
pub const API_POLICY: &str = "default-src 'none'; frame-ancestors 'none'";
/// Two years; subdomains are not ours to decide.
const HSTS: &str = "max-age=63072000";

/// Paths whose callers are machines (or a bank posting from its own site): no origin check.
const MACHINE_PREFIXES: [&str; 4] = ["/api/", "/sandbox-bank/v1/", "/sms/", "/ussd"];

pub async fn layer(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let https = state.settings.https();
    if is_page_form(req.method(), req.uri().path())
        && !same_origin(req.headers(), &state.settings.public_url)
    {
        tracing::warn!(
            method = %req.method(),
            area = area(req.uri().path()),
            origin = req.headers().get(header::ORIGIN).and_then(|v| v.to_str().ok()).unwrap_or("-"),
            fetch_site = req.headers().get("sec-fetch-site").and_then(|v| v.to_str().ok()).unwrap_or("-"),
            "cross-site form post refused"
        );
        let mut res = refused(req.uri().path());
        add_headers(res.headers_mut(), https);
        return res;
    }
    let mut res = next.run(req).await;
    add_headers(res.headers_mut(), https);
    res
}

/// A state-changing request to a page route.
fn is_page_form(method: &Method, path: &str) -> bool {
    !matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
        && !MACHINE_PREFIXES.iter().any(|p| path.starts_with(p))
}

/// The first segment of a path, for the log (the rest may hold a tracking code).
fn area(path: &str) -> &str {
    path.trim_start_matches('/').split('/').next().unwrap_or("")
}

/// Whether the request may be from one of our own pages: no header says otherwise.
pub fn same_origin(headers: &HeaderMap, public_url: &str) -> bool {
    let fetch_site = headers
        .get("sec-fetch-site")
        .map(|v| v.to_str().unwrap_or("").to_ascii_lowercase());
    if let Some(site) = &fetch_site {
        if site != "same-origin" && site != "none" {
            return false;
        }
    }
    let Some(origin) = headers.get(header::ORIGIN) else {
        return true;
    };
    let Ok(origin) = origin.to_str() else {
        return false;
    };
    let origin = origin.trim().to_ascii_lowercase();
    if origin == "null" {
        // An opaque origin (a sandboxed frame, a privacy-minded browser): only a same-origin fetch passes.
        return fetch_site.as_deref() == Some("same-origin");
    }
    if origin_of(public_url).is_some_and(|own| own == origin) {
        return true;
    }
    headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .map(|h| h.trim().to_ascii_lowercase())
        .is_some_and(|host| {
            origin == format!("http://{host}") || origin == format!("https://{host}")
        })
}

/// The origin (`scheme://host[:port]`, lower case, the scheme's default port left out) of a URL.
pub fn origin_of(url: &str) -> Option<String> {
    let uri: Uri = url.trim().parse().ok()?;
    let scheme = uri.scheme_str()?.to_ascii_lowercase();
    let host = uri.host()?.to_ascii_lowercase();
    let port = match (scheme.as_str(), uri.port_u16()) {
        ("http", Some(80)) | ("https", Some(443)) | (_, None) => String::new(),
        (_, Some(p)) => format!(":{p}"),
    };
    Some(format!("{scheme}://{host}{port}"))
}

/// The Persian page that refuses a post from another site.
fn refused(path: &str) -> Response {
    let title = "درخواست از سایت دیگر";
    let text = "این فرم از صفحه‌ای بیرون از این سامانه فرستاده شده و پذیرفته نشد. \
                اگر خودتان آن را فرستاده‌اید، صفحه را از نشانی سامانه باز کنید و دوباره بفرستید.";
    if path == "/office" || path.starts_with("/office/") {
        crate::web::office::message(None, StatusCode::FORBIDDEN, title, text)
    } else {
        crate::web::form::message_page(StatusCode::FORBIDDEN, title, text)
    }
}

fn add_headers(h: &mut HeaderMap, https: bool) {
    let set = |h: &mut HeaderMap, name: HeaderName, value: &'static str| {
        h.entry(name).or_insert(HeaderValue::from_static(value));
    };
    set(h, header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    set(h, header::X_FRAME_OPTIONS, "DENY");
    set(h, header::REFERRER_POLICY, "same-origin");
    if https {
        set(h, header::STRICT_TRANSPORT_SECURITY, HSTS);
    }
    let kind = h
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase();
    if kind.starts_with("text/html") {
        set(h, header::CONTENT_SECURITY_POLICY, PAGE_POLICY);
    } else if kind.starts_with("application/json") {
        set(h, header::CONTENT_SECURITY_POLICY, API_POLICY);
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, HeaderValue::from_static(v));
        }
        h
    }

    const OWN: &str = "https://shenas.example:443/";

    #[test]
    fn origins_are_compared_as_browsers_send_them() {
        assert_eq!(origin_of(OWN).unwrap(), "https://shenas.example");
        assert_eq!(
            origin_of("http://127.0.0.1:8080").unwrap(),
            "http://127.0.0.1:8080"
        );
        assert_eq!(
            origin_of("HTTP://Example.org:80/x").unwrap(),
            "http://example.org"
        );
        assert_eq!(origin_of("not a url"), None);
    }

    #[test]
    fn only_posts_from_elsewhere_are_refused() {
        // No header at all: an old client or curl.
        assert!(same_origin(&headers(&[]), OWN));
        assert!(same_origin(
            &headers(&[("origin", "https://shenas.example")]),
            OWN
        ));
        // The Host the browser reached, behind a proxy that kept it.
        assert!(same_origin(
            &headers(&[
                ("origin", "http://10.0.0.5:8080"),
                ("host", "10.0.0.5:8080")
            ]),
            OWN
        ));
        assert!(same_origin(
            &headers(&[("sec-fetch-site", "same-origin")]),
            OWN
        ));
        assert!(same_origin(
            &headers(&[("origin", "null"), ("sec-fetch-site", "same-origin")]),
            OWN
        ));
        for refused in [
            headers(&[("origin", "https://evil.example")]),
            headers(&[("origin", "https://shenas.example.evil.example")]),
            headers(&[("origin", "http://shenas.example")]),
            headers(&[
                ("origin", "https://sub.shenas.example"),
                ("host", "shenas.example"),
            ]),
            headers(&[("origin", "null")]),
            headers(&[("sec-fetch-site", "cross-site")]),
            headers(&[("sec-fetch-site", "same-site")]),
            headers(&[
                ("origin", "https://shenas.example"),
                ("sec-fetch-site", "cross-site"),
            ]),
        ] {
            assert!(!same_origin(&refused, OWN), "{refused:?}");
        }
    }

    #[test]
    fn page_forms_are_told_from_machine_endpoints() {
        assert!(is_page_form(&Method::POST, "/office/adjudications/1"));
        assert!(is_page_form(&Method::POST, "/register/details"));
        assert!(is_page_form(&Method::POST, "/admin/login"));
        assert!(!is_page_form(&Method::GET, "/office"));
        assert!(!is_page_form(&Method::POST, "/api/v1/payments/callback"));
        assert!(!is_page_form(&Method::POST, "/ussd"));
        assert!(!is_page_form(&Method::POST, "/sms/incoming"));
        assert!(!is_page_form(&Method::POST, "/sandbox-bank/v1/pay"));
        assert_eq!(area("/office/adjudications/523579110736"), "office");
    }
}

//! One request to the router, built step by step and sent by `.await`, and its answer.

use crate::Multipart;
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{header, HeaderMap, HeaderName, HeaderValue, Method, Request, StatusCode};
use axum::Router;
use http_body_util::BodyExt;
use serde_json::Value;
use std::future::{Future, IntoFuture};
use std::net::SocketAddr;
use std::pin::Pin;
use tower::ServiceExt;

/// Sends `req` through `router` in-process (tower `oneshot`) and reads the whole answer.
pub async fn send(router: &Router, req: Request<Body>) -> Answer {
    let res = router
        .clone()
        .oneshot(req)
        .await
        .expect("the router answers");
    let status = res.status();
    let headers = res.headers().clone();
    let bytes = res
        .into_body()
        .collect()
        .await
        .expect("the body can be read")
        .to_bytes()
        .to_vec();
    Answer {
        status,
        headers,
        bytes,
    }
}

/// A request being built; `.await` sends it. Made by [`crate::TestApp::call`] and its `get`/`post`/… shortcuts.
#[must_use = "a call does nothing until it is awaited"]
pub struct Call<'a> {
    router: &'a Router,
    method: Method,
    uri: String,
    headers: Vec<(HeaderName, HeaderValue)>,
    body: Body,
    peer: Option<SocketAddr>,
}

impl<'a> Call<'a> {
    pub fn new(router: &'a Router, method: &str, uri: &str) -> Self {
        Self {
            router,
            method: Method::from_bytes(method.as_bytes()).expect("an HTTP method"),
            uri: uri.to_string(),
            headers: Vec::new(),
            body: Body::empty(),
            peer: None,
        }
    }

    /// Adds a header (repeatable).
    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((
            HeaderName::from_bytes(name.as_bytes()).expect("a header name"),
            HeaderValue::from_str(value).expect("a header value"),
        ));
        self
    }

    /// Adds each `(name, value)`.
    pub fn headers(self, pairs: &[(&str, &str)]) -> Self {
        pairs.iter().fold(self, |c, (k, v)| c.header(k, v))
    }

    /// The header where there is one (`None`: nothing).
    pub fn header_opt(self, pair: Option<(&str, &str)>) -> Self {
        match pair {
            Some((k, v)) => self.header(k, v),
            None => self,
        }
    }

    /// The `Authorization` header as given (e.g. `Bearer …`).
    pub fn auth(self, value: impl AsRef<str>) -> Self {
        self.header("authorization", value.as_ref())
    }

    /// The `Authorization` header where there is one.
    pub fn auth_opt(self, value: Option<impl AsRef<str>>) -> Self {
        match value {
            Some(v) => self.auth(v),
            None => self,
        }
    }

    /// `Authorization: Bearer {token}`.
    pub fn bearer(self, token: impl AsRef<str>) -> Self {
        self.header("authorization", &format!("Bearer {}", token.as_ref()))
    }

    /// `Authorization: Bearer {token}` where there is a token.
    pub fn bearer_opt(self, token: Option<impl AsRef<str>>) -> Self {
        match token {
            Some(t) => self.bearer(t),
            None => self,
        }
    }

    /// The `Cookie` header (`name=value`).
    pub fn cookie(self, cookie: impl AsRef<str>) -> Self {
        self.header("cookie", cookie.as_ref())
    }

    /// The `Cookie` header where there is one.
    pub fn cookie_opt(self, cookie: Option<impl AsRef<str>>) -> Self {
        match cookie {
            Some(c) => self.cookie(c),
            None => self,
        }
    }

    /// A body with its content type.
    pub fn body(self, content_type: &str, body: impl Into<Body>) -> Self {
        self.header("content-type", content_type).raw_body(body)
    }

    /// A body without a content type.
    pub fn raw_body(mut self, body: impl Into<Body>) -> Self {
        self.body = body.into();
        self
    }

    /// A JSON body.
    pub fn json(self, value: &Value) -> Self {
        self.body("application/json", value.to_string())
    }

    /// A JSON body where there is one (`None`: no body and no content type).
    pub fn json_opt(self, value: Option<&Value>) -> Self {
        match value {
            Some(v) => self.json(v),
            None => self,
        }
    }

    /// A form body (`application/x-www-form-urlencoded`), as a browser posts it.
    pub fn form(self, pairs: &[(&str, &str)]) -> Self {
        let body = serde_urlencoded::to_string(pairs).expect("form pairs encode");
        self.body("application/x-www-form-urlencoded", body)
    }

    /// A `multipart/form-data` body.
    pub fn multipart(self, form: &Multipart) -> Self {
        self.body(&form.content_type(), form.to_bytes())
    }

    /// As if from TCP peer `ip` (the `ConnectInfo` a served router would see), port 7000.
    pub fn peer(mut self, ip: &str) -> Self {
        let addr: SocketAddr = format!("{ip}:7000").parse().expect("an IP address");
        self.peer = Some(addr);
        self
    }

    /// As if from this TCP peer (address and port).
    pub fn peer_addr(mut self, addr: SocketAddr) -> Self {
        self.peer = Some(addr);
        self
    }

    /// The request, for sending elsewhere.
    pub fn request(self) -> Request<Body> {
        let mut b = Request::builder().method(self.method).uri(self.uri);
        for (k, v) in self.headers {
            b = b.header(k, v);
        }
        let mut req = b.body(self.body).expect("a valid request");
        if let Some(addr) = self.peer {
            req.extensions_mut().insert(ConnectInfo(addr));
        }
        req
    }
}

impl<'a> IntoFuture for Call<'a> {
    type Output = Answer;
    type IntoFuture = Pin<Box<dyn Future<Output = Answer> + Send + 'a>>;

    fn into_future(self) -> Self::IntoFuture {
        let router = self.router;
        let req = self.request();
        Box::pin(async move { send(router, req).await })
    }
}

/// A whole answer: status, headers and the body's bytes.
#[derive(Debug, Clone)]
pub struct Answer {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub bytes: Vec<u8>,
}

impl Answer {
    /// The body as JSON, or `Null` where it is not JSON.
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.bytes).unwrap_or(Value::Null)
    }

    /// The body as text (lossy UTF-8).
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.bytes).into_owned()
    }

    /// Status and JSON body together, for `assert_eq!` on both.
    pub fn status_json(&self) -> (StatusCode, Value) {
        (self.status, self.json())
    }

    /// Status, JSON body (or `Null`) and headers.
    pub fn parts(self) -> (StatusCode, Value, HeaderMap) {
        let json = self.json();
        (self.status, json, self.headers)
    }

    /// A header's value as text (`None` where absent or not text).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The `Location` header, `""` where there is none.
    pub fn location(&self) -> &str {
        self.header(header::LOCATION.as_str()).unwrap_or("")
    }

    /// The `Content-Type` header, `""` where there is none.
    pub fn content_type(&self) -> &str {
        self.header(header::CONTENT_TYPE.as_str()).unwrap_or("")
    }

    /// The first `Set-Cookie` header whole (`None` where there is none).
    pub fn set_cookie(&self) -> Option<&str> {
        self.header(header::SET_COOKIE.as_str())
    }

    /// The `name=value` pair of the first `Set-Cookie`, as a browser would send it back.
    pub fn cookie(&self) -> String {
        let set = self.set_cookie().expect("a Set-Cookie header");
        set.split(';').next().unwrap_or("").to_string()
    }
}

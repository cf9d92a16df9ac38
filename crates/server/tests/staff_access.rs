//! Staff access through the router: every login costs one argon2 verification, also for an unknown or disabled user;
//! a client failing for an account backs off while the account's owner, from another client, still logs in; behind
//! trusted proxies the client is the forwarded one (and a stranger's forwarding header is ignored); a disabled user's
//! token is refused at once; the administrators' logout ends the session and forgets the cookie.

#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{header, HeaderMap, Request, StatusCode};
use domain::{NationalCode, Office, Role, TrackingCode};
use http_body_util::BodyExt;
use serde_json::{json, Value};
use server::office::throttle::{LoginThrottle, FREE_FAILURES};
use server::{AppState, Settings};
use std::net::SocketAddr;
use std::time::Duration;
use store::journey::NewUser;
use store_suite::TestStore;
use tower::ServiceExt;

const PASSWORD: &str = "a good long password";

struct App {
    router: axum::Router,
    state: AppState,
    db: TestStore,
}

struct Answer {
    status: StatusCode,
    headers: HeaderMap,
    text: String,
}

impl Answer {
    fn json(&self) -> Value {
        serde_json::from_str(&self.text).unwrap_or(Value::Null)
    }
}

impl App {
    /// Office 30-0001 with operators `op` and `op2`, and a national administrator `nat`. The login back-off waits
    /// ten minutes after the free failures, so that no test depends on how fast it runs.
    async fn on(db: TestStore, settings: Settings) -> Self {
        let state = AppState::new(db.store.clone(), settings).with_services(|s| {
            s.login = LoginThrottle::new(FREE_FAILURES, Duration::from_secs(600));
        });
        let s = &db.store;
        s.upsert_offices(&[Office::from_row(&[
            "30-0001",
            "دفتر پیشخوان کرج",
            "counter",
            "30",
            "کرج",
            "026",
            "خیابان بهشتی",
            "40",
        ])
        .unwrap()])
            .await
            .unwrap();
        let hash = server::auth::hash_password(PASSWORD).unwrap();
        for (name, role) in [
            ("op", Role::Operator),
            ("op2", Role::Operator),
            ("nat", Role::NationalAdmin),
        ] {
            s.create_user(&NewUser {
                username: name.into(),
                password_hash: hash.clone(),
                role,
                office: (role == Role::Operator)
                    .then(|| domain::OfficeId::parse("30-0001").unwrap()),
                province: None,
                at: chrono::Utc::now(),
            })
            .await
            .unwrap();
        }
        Self {
            router: server::router(state.clone()),
            state,
            db,
        }
    }

    /// A request from TCP peer `peer`.
    async fn send(&self, peer: &str, mut req: Request<Body>) -> Answer {
        let addr: SocketAddr = format!("{peer}:7000").parse().unwrap();
        req.extensions_mut().insert(ConnectInfo(addr));
        let res = self.router.clone().oneshot(req).await.unwrap();
        let status = res.status();
        let headers = res.headers().clone();
        let bytes = res.into_body().collect().await.unwrap().to_bytes();
        Answer {
            status,
            headers,
            text: String::from_utf8_lossy(&bytes).into_owned(),
        }
    }

    async fn login_via(
        &self,
        peer: &str,
        forwarded_for: Option<&str>,
        username: &str,
        password: &str,
    ) -> Answer {
        let mut r = Request::post("/api/v1/auth/login").header("content-type", "application/json");
        if let Some(f) = forwarded_for {
            r = r.header("x-forwarded-for", f);
        }
        let body = json!({"username": username, "password": password}).to_string();
        self.send(peer, r.body(Body::from(body)).unwrap()).await
    }

    async fn login(&self, peer: &str, username: &str, password: &str) -> Answer {
        self.login_via(peer, None, username, password).await
    }

    async fn get(&self, uri: &str, auth: Option<&str>, cookie: Option<&str>) -> Answer {
        let mut r = Request::get(uri);
        if let Some(t) = auth {
            r = r.header(header::AUTHORIZATION, format!("Bearer {t}"));
        }
        if let Some(c) = cookie {
            r = r.header(header::COOKIE, c);
        }
        self.send("127.0.0.1", r.body(Body::empty()).unwrap()).await
    }
}

fn quiet() -> Settings {
    Settings {
        captcha: false,
        rate_limits: false,
        ..Settings::default()
    }
}

#[tokio::test]
async fn every_refused_login_costs_one_argon2_verification() {
    let app = App::on(TestStore::sqlite().await, quiet()).await;
    let checks = || app.state.services.login.verifications();
    app.db.store.set_user_disabled("op2", true).await.unwrap();
    let mut answers = Vec::new();
    for (who, password) in [
        ("nosuchuser", "wrongpass1"), // unknown
        ("op2", PASSWORD),            // disabled, right password
        ("op", "wrongpass1"),         // known, wrong password
        ("not a name!", "x"),         // not even a username
    ] {
        let before = checks();
        let a = app.login("127.0.0.1", who, password).await;
        assert_eq!(a.status, StatusCode::UNAUTHORIZED, "{who}: {}", a.text);
        assert_eq!(checks(), before + 1, "{who}: one argon2 verification");
        answers.push(a.text);
    }
    // The answers cannot be told apart either.
    assert!(answers.windows(2).all(|w| w[0] == w[1]), "{answers:?}");
    let before = checks();
    assert_eq!(
        app.login("127.0.0.1", "op", PASSWORD).await.status,
        StatusCode::OK
    );
    assert_eq!(checks(), before + 1);
    app.db.cleanup().await;
}

#[tokio::test]
async fn a_failing_client_backs_off_and_the_owner_still_logs_in() {
    let settings = Settings {
        captcha: false,
        ..Settings::default()
    };
    let app = App::on(TestStore::sqlite().await, settings).await;
    let attacker = "192.0.2.66";
    let mut statuses = Vec::new();
    for i in 0..12 {
        let a = app.login(attacker, "op", &format!("guess-{i}")).await;
        statuses.push(a.status);
        if a.status == StatusCode::TOO_MANY_REQUESTS {
            let wait: u64 = a.headers["retry-after"].to_str().unwrap().parse().unwrap();
            assert!((1..=600).contains(&wait), "{wait}");
            assert_eq!(a.json()["error"]["code"], "rate_limited");
        }
    }
    let free = FREE_FAILURES as usize;
    assert!(
        statuses[..free]
            .iter()
            .all(|s| *s == StatusCode::UNAUTHORIZED),
        "{statuses:?}"
    );
    assert!(
        statuses[free..]
            .iter()
            .all(|s| *s == StatusCode::TOO_MANY_REQUESTS),
        "{statuses:?}"
    );
    // Held back even with the right password; the checks cost no argon2 work.
    let before = app.state.services.login.verifications();
    assert_eq!(
        app.login(attacker, "op", PASSWORD).await.status,
        StatusCode::TOO_MANY_REQUESTS
    );
    assert_eq!(app.state.services.login.verifications(), before);
    // The owner, from the office's machine, logs in; the attacker may still fail at another account.
    let owner = app.login("198.51.100.7", "op", PASSWORD).await;
    assert_eq!(owner.status, StatusCode::OK, "{}", owner.text);
    assert_eq!(
        app.login(attacker, "op2", "guess").await.status,
        StatusCode::UNAUTHORIZED
    );
    // While the account backs off, a client that fails for it is held back too (it may be the attacker's next one).
    app.login("198.51.100.8", "op", "typo").await;
    assert_eq!(
        app.login("198.51.100.8", "op", PASSWORD).await.status,
        StatusCode::TOO_MANY_REQUESTS
    );
    // An account that is not backing off: a few mistakes, then the right password.
    for _ in 0..2 {
        app.login("198.51.100.9", "op2", "typo").await;
    }
    assert_eq!(
        app.login("198.51.100.9", "op2", PASSWORD).await.status,
        StatusCode::OK
    );
    app.db.cleanup().await;
}

#[tokio::test]
async fn behind_trusted_proxies_the_client_is_the_forwarded_one() {
    let settings = Settings {
        captcha: false,
        trusted_proxies: server::client::parse_networks(&["10.0.0.0/8".into()]).unwrap(),
        status_per_client_per_minute: 2,
        ..Settings::default()
    };
    let app = App::on(TestStore::sqlite().await, settings).await;
    let proxy = "10.0.0.1";
    // Login back-off: the failing client behind the proxy is held back, another behind the same proxy is not.
    for i in 0..FREE_FAILURES {
        let a = app
            .login_via(proxy, Some("203.0.113.5"), "op", &format!("g{i}"))
            .await;
        assert_eq!(a.status, StatusCode::UNAUTHORIZED);
    }
    let held = app
        .login_via(proxy, Some("203.0.113.5"), "op", PASSWORD)
        .await;
    assert_eq!(held.status, StatusCode::TOO_MANY_REQUESTS);
    // The client's own left-most claim does not matter: the right-most hop the proxy wrote does.
    let spoofed = app
        .login_via(proxy, Some("203.0.113.99, 203.0.113.5"), "op", PASSWORD)
        .await;
    assert_eq!(spoofed.status, StatusCode::TOO_MANY_REQUESTS);
    let other = app
        .login_via(proxy, Some("203.0.113.6"), "op", PASSWORD)
        .await;
    assert_eq!(other.status, StatusCode::OK, "{}", other.text);

    // A stranger's forwarding header is ignored: the client is the stranger.
    let stranger = "192.0.2.9";
    for i in 0..FREE_FAILURES {
        app.login_via(stranger, Some(&format!("198.51.100.{i}")), "op2", "g")
            .await;
    }
    let again = app
        .login_via(stranger, Some("198.51.100.200"), "op2", PASSWORD)
        .await;
    assert_eq!(again.status, StatusCode::TOO_MANY_REQUESTS);

    // The per-client limit of the status lookups (2 a minute here) counts each forwarded client apart.
    let nc = NationalCode::from_first_nine(b"400000777").unwrap();
    let tc = TrackingCode::from_body(123_456_789);
    let status = |peer: &'static str, xff: &'static str| {
        let uri = format!("/api/v1/status?national_code={nc}&tracking_code={tc}");
        let app = &app;
        async move {
            let r = Request::get(uri).header("x-forwarded-for", xff);
            app.send(peer, r.body(Body::empty()).unwrap()).await.status
        }
    };
    for _ in 0..2 {
        assert_eq!(status(proxy, "203.0.113.20").await, StatusCode::NOT_FOUND);
    }
    assert_eq!(
        status(proxy, "203.0.113.20").await,
        StatusCode::TOO_MANY_REQUESTS
    );
    assert_eq!(status(proxy, "203.0.113.21").await, StatusCode::NOT_FOUND);
    for xff in ["203.0.113.30", "203.0.113.31"] {
        assert_eq!(status(stranger, xff).await, StatusCode::NOT_FOUND);
    }
    assert_eq!(
        status(stranger, "203.0.113.32").await,
        StatusCode::TOO_MANY_REQUESTS
    );
    app.db.cleanup().await;
}

#[tokio::test]
async fn a_disabled_user_is_refused_at_once() {
    for db in TestStore::all().await {
        let app = App::on(db, quiet()).await;
        let a = app.login("127.0.0.1", "op", PASSWORD).await;
        assert_eq!(a.status, StatusCode::OK, "{}", a.text);
        let token = a.json()["token"].as_str().unwrap().to_string();
        let shipments = "/api/v1/office/shipments";
        assert_eq!(
            app.get(shipments, Some(&token), None).await.status,
            StatusCode::OK
        );
        assert!(app.db.store.set_user_disabled("op", true).await.unwrap());
        // The session is gone from the store, the token refused, and the password no longer opens one.
        let hash = server::auth::token_hash(&token);
        assert!(app.db.store.session(&hash).await.unwrap().is_none());
        let refused = app.get(shipments, Some(&token), None).await;
        assert_eq!(refused.status, StatusCode::UNAUTHORIZED);
        assert_eq!(
            app.login("127.0.0.1", "op", PASSWORD).await.status,
            StatusCode::UNAUTHORIZED
        );
        // Enabled again: the old token stays dead; a new login works.
        assert!(app.db.store.set_user_disabled("op", false).await.unwrap());
        assert_eq!(
            app.get(shipments, Some(&token), None).await.status,
            StatusCode::UNAUTHORIZED
        );
        assert_eq!(
            app.login("127.0.0.1", "op", PASSWORD).await.status,
            StatusCode::OK
        );
        app.db.cleanup().await;
    }
}

#[tokio::test]
async fn the_administrators_logout_ends_the_session() {
    let app = App::on(TestStore::sqlite().await, quiet()).await;
    let body = serde_urlencoded::to_string([("username", "nat"), ("password", PASSWORD)]).unwrap();
    let a = app
        .send(
            "127.0.0.1",
            Request::post("/admin/login")
                .header("content-type", "application/x-www-form-urlencoded")
                .body(Body::from(body))
                .unwrap(),
        )
        .await;
    assert_eq!(a.status, StatusCode::SEE_OTHER, "{}", a.text);
    let set = a.headers[header::SET_COOKIE].to_str().unwrap().to_string();
    let cookie = set.split(';').next().unwrap().to_string();
    let token = cookie.split_once('=').unwrap().1.to_string();

    // The dashboard has a logout button that posts to /admin/logout.
    let page = app.get("/admin/stats", None, Some(&cookie)).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.text
            .contains("<form method=\"post\" action=\"/admin/logout\">"),
        "{}",
        page.text
    );
    assert!(page.text.contains("id=\"logout\""));

    let out = app
        .send(
            "127.0.0.1",
            Request::post("/admin/logout")
                .header(header::COOKIE, &cookie)
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(out.status, StatusCode::SEE_OTHER);
    assert_eq!(out.headers[header::LOCATION], "/admin/login");
    let cleared = out.headers[header::SET_COOKIE].to_str().unwrap();
    assert!(cleared.starts_with("shenas_staff=;"), "{cleared}");
    assert!(cleared.contains("Max-Age=0"), "{cleared}");
    assert!(cleared.contains("Path=/admin"), "{cleared}");
    // The session is over in the store: neither the cookie nor the token as a bearer opens anything.
    let again = app.get("/admin/stats", None, Some(&cookie)).await;
    assert_eq!(again.status, StatusCode::SEE_OTHER);
    assert_eq!(again.headers[header::LOCATION], "/admin/login");
    assert_eq!(
        app.get("/api/v1/stats/national", Some(&token), None)
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
    // Logging out without a session is harmless.
    let none = app
        .send(
            "127.0.0.1",
            Request::post("/admin/logout").body(Body::empty()).unwrap(),
        )
        .await;
    assert_eq!(none.status, StatusCode::SEE_OTHER);
    app.db.cleanup().await;
}

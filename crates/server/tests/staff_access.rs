//! Staff access through the router: every login costs one argon2 verification, also for an unknown or disabled user;
//! a client failing for an account backs off while the account's owner, from another client, still logs in; behind
//! trusted proxies the client is the forwarded one (and a stranger's forwarding header is ignored); a disabled user's
//! token is refused at once, and so are the tokens of revoked sessions and a revoked manufacturer key; the
//! administrators' logout ends the session and forgets the cookie.

#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use domain::{NationalCode, Role, TrackingCode};
use serde_json::json;
use server::office::throttle::{LoginThrottle, FREE_FAILURES};
use server::Settings;
use std::time::Duration;
use testkit::{office, Answer, TestApp, TestStore, PASSWORD};

/// Office 30-0001 with operators `op` and `op2`, and a national administrator `nat`. The login back-off waits
/// ten minutes after the free failures, so that no test depends on how fast it runs.
async fn app_on(db: TestStore, settings: Settings) -> TestApp {
    TestApp::builder()
        .settings(settings)
        .services(|s| s.login = LoginThrottle::new(FREE_FAILURES, Duration::from_secs(600)))
        .offices(&[office("30-0001").capacity(40).build()])
        .staff("op", Role::Operator, Some("30-0001"), None)
        .staff("op2", Role::Operator, Some("30-0001"), None)
        .staff("nat", Role::NationalAdmin, None, None)
        .on(db)
        .await
}

/// A login through the API from TCP peer `peer`, naming `forwarded_for` where given.
async fn login_via(
    app: &TestApp,
    peer: &str,
    forwarded_for: Option<&str>,
    username: &str,
    password: &str,
) -> Answer {
    let mut call = app
        .post_json(
            "/api/v1/auth/login",
            &json!({"username": username, "password": password}),
        )
        .peer(peer);
    if let Some(f) = forwarded_for {
        call = call.header("x-forwarded-for", f);
    }
    call.await
}

async fn login(app: &TestApp, peer: &str, username: &str, password: &str) -> Answer {
    login_via(app, peer, None, username, password).await
}

/// A GET from this machine with a bearer token and a cookie where given.
async fn get(app: &TestApp, uri: &str, token: Option<&str>, cookie: Option<&str>) -> Answer {
    app.get(uri)
        .bearer_opt(token)
        .cookie_opt(cookie)
        .peer("127.0.0.1")
        .await
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
    let app = app_on(TestStore::sqlite().await, quiet()).await;
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
        let a = login(&app, "127.0.0.1", who, password).await;
        assert_eq!(a.status, StatusCode::UNAUTHORIZED, "{who}: {}", a.text());
        assert_eq!(checks(), before + 1, "{who}: one argon2 verification");
        answers.push(a.text());
    }
    // The answers cannot be told apart either.
    assert!(answers.windows(2).all(|w| w[0] == w[1]), "{answers:?}");
    let before = checks();
    assert_eq!(
        login(&app, "127.0.0.1", "op", PASSWORD).await.status,
        StatusCode::OK
    );
    assert_eq!(checks(), before + 1);
}

#[tokio::test]
async fn a_failing_client_backs_off_and_the_owner_still_logs_in() {
    let settings = Settings {
        captcha: false,
        ..Settings::default()
    };
    let app = app_on(TestStore::sqlite().await, settings).await;
    let attacker = "192.0.2.66";
    let mut statuses = Vec::new();
    for i in 0..12 {
        let a = login(&app, attacker, "op", &format!("guess-{i}")).await;
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
        login(&app, attacker, "op", PASSWORD).await.status,
        StatusCode::TOO_MANY_REQUESTS
    );
    assert_eq!(app.state.services.login.verifications(), before);
    // The owner, from the office's machine, logs in; the attacker may still fail at another account.
    let owner = login(&app, "198.51.100.7", "op", PASSWORD).await;
    assert_eq!(owner.status, StatusCode::OK, "{}", owner.text());
    assert_eq!(
        login(&app, attacker, "op2", "guess").await.status,
        StatusCode::UNAUTHORIZED
    );
    // While the account backs off, a client that fails for it is held back too (it may be the attacker's next one).
    login(&app, "198.51.100.8", "op", "typo").await;
    assert_eq!(
        login(&app, "198.51.100.8", "op", PASSWORD).await.status,
        StatusCode::TOO_MANY_REQUESTS
    );
    // An account that is not backing off: a few mistakes, then the right password.
    for _ in 0..2 {
        login(&app, "198.51.100.9", "op2", "typo").await;
    }
    assert_eq!(
        login(&app, "198.51.100.9", "op2", PASSWORD).await.status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn behind_trusted_proxies_the_client_is_the_forwarded_one() {
    let settings = Settings {
        captcha: false,
        trusted_proxies: server::client::parse_networks(&["10.0.0.0/8".into()]).unwrap(),
        status_per_client_per_minute: 2,
        ..Settings::default()
    };
    let app = app_on(TestStore::sqlite().await, settings).await;
    let proxy = "10.0.0.1";
    // Login back-off: the failing client behind the proxy is held back, another behind the same proxy is not.
    for i in 0..FREE_FAILURES {
        let a = login_via(&app, proxy, Some("203.0.113.5"), "op", &format!("g{i}")).await;
        assert_eq!(a.status, StatusCode::UNAUTHORIZED);
    }
    let held = login_via(&app, proxy, Some("203.0.113.5"), "op", PASSWORD).await;
    assert_eq!(held.status, StatusCode::TOO_MANY_REQUESTS);
    // The client's own left-most claim does not matter: the right-most hop the proxy wrote does.
    let spoofed = login_via(
        &app,
        proxy,
        Some("203.0.113.99, 203.0.113.5"),
        "op",
        PASSWORD,
    )
    .await;
    assert_eq!(spoofed.status, StatusCode::TOO_MANY_REQUESTS);
    let other = login_via(&app, proxy, Some("203.0.113.6"), "op", PASSWORD).await;
    assert_eq!(other.status, StatusCode::OK, "{}", other.text());

    // A stranger's forwarding header is ignored: the client is the stranger.
    let stranger = "192.0.2.9";
    for i in 0..FREE_FAILURES {
        login_via(&app, stranger, Some(&format!("198.51.100.{i}")), "op2", "g").await;
    }
    let again = login_via(&app, stranger, Some("198.51.100.200"), "op2", PASSWORD).await;
    assert_eq!(again.status, StatusCode::TOO_MANY_REQUESTS);

    // The per-client limit of the status lookups (2 a minute here) counts each forwarded client apart.
    let nc = NationalCode::from_first_nine(b"400000777").unwrap();
    let tc = TrackingCode::from_body(123_456_789);
    let status = |peer: &'static str, xff: &'static str| {
        let uri = format!("/api/v1/status?national_code={nc}&tracking_code={tc}");
        let app = &app;
        async move {
            let r = Request::get(uri).header("x-forwarded-for", xff);
            app.send_from(peer, r.body(Body::empty()).unwrap())
                .await
                .status
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
}

#[tokio::test]
async fn a_disabled_user_is_refused_at_once() {
    for db in TestStore::all().await {
        let app = app_on(db, quiet()).await;
        let a = login(&app, "127.0.0.1", "op", PASSWORD).await;
        assert_eq!(a.status, StatusCode::OK, "{}", a.text());
        let token = a.json()["token"].as_str().unwrap().to_string();
        let shipments = "/api/v1/office/shipments";
        assert_eq!(
            get(&app, shipments, Some(&token), None).await.status,
            StatusCode::OK
        );
        assert!(app.db.store.set_user_disabled("op", true).await.unwrap());
        // The session is gone from the store, the token refused, and the password no longer opens one.
        let hash = server::auth::token_hash(&token);
        assert!(app.db.store.session(&hash).await.unwrap().is_none());
        let refused = get(&app, shipments, Some(&token), None).await;
        assert_eq!(refused.status, StatusCode::UNAUTHORIZED);
        assert_eq!(
            login(&app, "127.0.0.1", "op", PASSWORD).await.status,
            StatusCode::UNAUTHORIZED
        );
        // Enabled again: the old token stays dead; a new login works.
        assert!(app.db.store.set_user_disabled("op", false).await.unwrap());
        assert_eq!(
            get(&app, shipments, Some(&token), None).await.status,
            StatusCode::UNAUTHORIZED
        );
        assert_eq!(
            login(&app, "127.0.0.1", "op", PASSWORD).await.status,
            StatusCode::OK
        );
    }
}

#[tokio::test]
async fn the_administrators_logout_ends_the_session() {
    let app = app_on(TestStore::sqlite().await, quiet()).await;
    let body = serde_urlencoded::to_string([("username", "nat"), ("password", PASSWORD)]).unwrap();
    let a = app
        .send_from(
            "127.0.0.1",
            Request::post("/admin/login")
                .header("content-type", "application/x-www-form-urlencoded")
                .body(Body::from(body))
                .unwrap(),
        )
        .await;
    assert_eq!(a.status, StatusCode::SEE_OTHER, "{}", a.text());
    let set = a.headers[header::SET_COOKIE].to_str().unwrap().to_string();
    let cookie = set.split(';').next().unwrap().to_string();
    let token = cookie.split_once('=').unwrap().1.to_string();

    // The dashboard has a logout button that posts to /admin/logout.
    let page = get(&app, "/admin/stats", None, Some(&cookie)).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.text()
            .contains("<form method=\"post\" action=\"/admin/logout\">"),
        "{}",
        page.text()
    );
    assert!(page.text().contains("id=\"logout\""));

    let out = app
        .send_from(
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
    let again = get(&app, "/admin/stats", None, Some(&cookie)).await;
    assert_eq!(again.status, StatusCode::SEE_OTHER);
    assert_eq!(again.headers[header::LOCATION], "/admin/login");
    assert_eq!(
        get(&app, "/api/v1/stats/national", Some(&token), None)
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
    // Logging out without a session is harmless.
    let none = app
        .send_from(
            "127.0.0.1",
            Request::post("/admin/logout").body(Body::empty()).unwrap(),
        )
        .await;
    assert_eq!(none.status, StatusCode::SEE_OTHER);
}

/// Offboarding through the router (F14): the store calls behind `shenas users sessions-revoke` and `shenas vendors
/// key-revoke` take effect at once, on both databases.
#[tokio::test]
async fn revoked_sessions_and_vendor_keys_are_refused_at_once() {
    for db in TestStore::all().await {
        let app = app_on(db, quiet()).await;
        // Every session of the user ends; the account stays and logs in again.
        let shipments = "/api/v1/office/shipments";
        let tokens = [app.token("op").await, app.token("op").await];
        let other = app.token("op2").await;
        for t in &tokens {
            assert_eq!(
                get(&app, shipments, Some(t), None).await.status,
                StatusCode::OK
            );
        }
        assert_eq!(app.db.store.end_user_sessions("op").await.unwrap(), 2);
        for t in &tokens {
            assert_eq!(
                get(&app, shipments, Some(t), None).await.status,
                StatusCode::UNAUTHORIZED
            );
        }
        assert_eq!(
            get(&app, shipments, Some(&other), None).await.status,
            StatusCode::OK,
            "another user's session is untouched"
        );
        assert_eq!(
            login(&app, "127.0.0.1", "op", PASSWORD).await.status,
            StatusCode::OK
        );

        // A manufacturer's leaked key: a second key is added, the first revoked and refused at the next call.
        let first = app.vendor("pars-card").await;
        let (second, prefix, hash) = server::agency::key::new_api_key();
        app.db
            .store
            .add_vendor_key("pars-card", &prefix, &hash, chrono::Utc::now())
            .await
            .unwrap()
            .unwrap();
        let claim = |key: String| {
            let app = &app;
            async move {
                app.post("/api/v1/vendor/batches/claim")
                    .header("x-api-key", &key)
                    .await
                    .status
            }
        };
        assert_eq!(claim(first.clone()).await, StatusCode::NO_CONTENT);
        assert_eq!(claim(second.clone()).await, StatusCode::NO_CONTENT);
        let first_prefix = first.split('_').nth(1).unwrap();
        assert!(app
            .db
            .store
            .revoke_vendor_key(first_prefix, chrono::Utc::now())
            .await
            .unwrap());
        let refused = app
            .post("/api/v1/vendor/batches/claim")
            .header("x-api-key", &first)
            .await;
        assert_eq!(refused.status, StatusCode::UNAUTHORIZED);
        assert_eq!(refused.json()["error"]["code"], "invalid_api_key");
        assert_eq!(claim(second).await, StatusCode::NO_CONTENT);
    }
}

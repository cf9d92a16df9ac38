//! `Idempotency-Key` as the security review found it (F1, F2, F8, F11), on SQLite and PostgreSQL, through the real
//! router: an answer is repeated only to the caller who proved the same identity; refusals are never kept or
//! repeated; a manufacturer's batch is rebuilt, never stored, and nothing personal is kept in clear; verifications
//! are never answered from the cache; an anonymous caller cannot make the service buffer a large body; a key whose
//! request died is released.

#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

use axum::body::Body;
use axum::http::{Request, StatusCode};
use serde_json::json;
use server::{AppState, Settings};
use testkit::{code, office, Answer, PersonBuilder, TestApp, TestStore};
use tower::ServiceExt;

/// Person `n` of the registry: زهرا محمدی‌نژاد, daughter of علی‌اکبر and فاطمه.
fn holder(n: u32) -> PersonBuilder {
    PersonBuilder::new(n)
        .first_name("زهرا")
        .last_name("محمدی‌نژاد")
        .father("علی‌اکبر")
        .gender("female")
}

fn replayed(a: &Answer) -> bool {
    a.headers.contains_key("idempotent-replayed")
}

/// Person `n` filed, paid, booked at 30-0001 and enrolled there by `op`: one card in the production queue.
async fn enrolled(app: &TestApp, n: u32, op: &str) -> String {
    let tc = app.booked(&holder(n), "30-0001").await;
    let a = app
        .post_json(
            "/api/v1/office/enrollments",
            &testkit::enrollment::json_body(&tc, u64::from(n), &[]),
        )
        .auth(op)
        .await;
    assert_eq!(a.status, StatusCode::CREATED, "{:?}", a.json());
    tc
}

#[tokio::test]
async fn answers_are_repeated_only_to_the_same_authenticated_caller() {
    for app in TestApp::all().await {
        let name = app.db.name;
        let s = &app.db.store;
        s.upsert_persons(&[holder(1).build()]).await.unwrap();
        let office = office("30-0001").name("دفتر کرج").build();
        s.upsert_offices(&[office]).await.unwrap();
        let op = app.operator("op1", "30-0001").await;
        let tc = enrolled(&app, 1, &op).await;
        assert_eq!(
            app.state
                .services
                .dedup
                .run_pending(&app.state)
                .await
                .unwrap(),
            1
        );
        let vendor_a = app.vendor("pars-card").await;
        let vendor_b = app.vendor("sina-card").await;
        let formed = server::cards::workers::form_batches(&app.state)
            .await
            .unwrap();
        assert_eq!(formed.len(), 1, "{name}");

        let claim = "/api/v1/vendor/batches/claim";
        let key = ("idempotency-key", "claim-2026-12-02");
        let first = app
            .call("POST", claim)
            .headers(&[("x-api-key", &vendor_a), key])
            .body("application/json", Body::empty())
            .await;
        assert_eq!(first.status, StatusCode::OK, "{name}");
        assert_eq!(first.json()["cards"][0]["tracking_code"], json!(tc));
        assert!(!replayed(&first));

        // F1: another manufacturer, a caller with no key, a wrong key: never the first answer.
        let b = app
            .call("POST", claim)
            .headers(&[("x-api-key", &vendor_b), key])
            .body("application/json", Body::empty())
            .await;
        assert!(!replayed(&b), "{name}");
        assert_eq!(
            b.status,
            StatusCode::NO_CONTENT,
            "{name}: its own (empty) queue, not A's batch"
        );
        let anon = app
            .call("POST", claim)
            .headers(&[key])
            .body("application/json", Body::empty())
            .await;
        assert_eq!(
            (anon.status, replayed(&anon)),
            (StatusCode::UNAUTHORIZED, false),
            "{name}"
        );
        assert!(!anon.bytes.windows(tc.len()).any(|w| w == tc.as_bytes()));
        let wrong = app
            .call("POST", claim)
            .headers(&[("x-api-key", "shn_00000000_feed"), key])
            .body("application/json", Body::empty())
            .await;
        assert_eq!(
            (wrong.status, replayed(&wrong)),
            (StatusCode::UNAUTHORIZED, false),
            "{name}"
        );

        // The same manufacturer gets the same batch again, rebuilt; no new batch is claimed.
        let again = app
            .call("POST", claim)
            .headers(&[("x-api-key", &vendor_a), key])
            .body("application/json", Body::empty())
            .await;
        assert_eq!(again.status, StatusCode::OK, "{name}");
        assert!(replayed(&again));
        assert_eq!(again.bytes, first.bytes, "{name}: byte for byte");

        // F2: nothing personal in the idempotency table: no national code, photo or template in clear, and the
        // batch itself is not kept at all (a recipe of a few bytes, sealed).
        let kept = app
            .db
            .select_bytes("SELECT body FROM idempotency_keys WHERE body IS NOT NULL")
            .await;
        assert!(!kept.is_empty(), "{name}");
        let nc = code(1);
        for body in &kept {
            assert!(body.len() < 200, "{name}: {} bytes kept", body.len());
            for needle in [
                nc.as_str().as_bytes(),
                b"photo_jpeg",
                b"Rk1SACAy",
                tc.as_bytes(),
            ] {
                assert!(!body.windows(needle.len()).any(|w| w == needle), "{name}");
            }
        }

        // F1 poisoning: an anonymous refusal under a key is not kept, so the agency's own request runs.
        let (akey, prefix, hash) = server::agency::key::new_api_key();
        let agency = s
            .create_agency(
                "بانک",
                &["account_opening".to_string()],
                600,
                chrono::Utc::now(),
            )
            .await
            .unwrap();
        s.add_api_key(agency, &prefix, &hash, chrono::Utc::now())
            .await
            .unwrap();
        let ask = json!({"national_code": nc.as_str(), "tracking_code": tc}).to_string();
        let k2 = ("idempotency-key", "kyc-2");
        let refused = app
            .call("POST", "/api/v1/verify")
            .headers(&[k2])
            .body("application/json", ask.clone())
            .await;
        assert_eq!(refused.status, StatusCode::UNAUTHORIZED, "{name}");
        let real = app
            .call("POST", "/api/v1/verify")
            .headers(&[("x-api-key", &akey), k2])
            .body("application/json", ask.clone())
            .await;
        assert_eq!(
            (real.status, replayed(&real)),
            (StatusCode::OK, false),
            "{name}: {:?}",
            real.json()
        );
        assert_eq!(real.json()["match"], json!(true));
        // A verification is never answered from the cache: a repeat is checked and audited again.
        let repeat = app
            .call("POST", "/api/v1/verify")
            .headers(&[("x-api-key", &akey), k2])
            .body("application/json", ask.clone())
            .await;
        assert_eq!(
            (repeat.status, replayed(&repeat)),
            (StatusCode::OK, false),
            "{name}"
        );
        assert_eq!(
            s.verifications_of(&nc, 10).await.unwrap().len(),
            2,
            "{name}: both audited"
        );
        let anon = app
            .call("POST", "/api/v1/verify")
            .headers(&[k2])
            .body("application/json", ask.clone())
            .await;
        assert_eq!(
            (anon.status, replayed(&anon)),
            (StatusCode::UNAUTHORIZED, false),
            "{name}"
        );

        // F8: an anonymous caller's large body is refused before it is read whole, and leaves no row.
        let big = vec![b'a'; 1024 * 1024];
        let a = app
            .call("POST", "/api/v1/applications")
            .headers(&[("idempotency-key", "big-1")])
            .body("application/json", big)
            .await;
        assert_eq!(a.status, StatusCode::PAYLOAD_TOO_LARGE, "{name}");
        let big_rows = app
            .db
            .select_bytes("SELECT idem_key FROM idempotency_keys WHERE idem_key = 'big-1'")
            .await;
        assert!(big_rows.is_empty(), "{name}");
    }
}

#[tokio::test]
async fn a_key_whose_request_died_is_released_or_taken_over() {
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::Arc;
    for db in TestStore::all().await {
        let name = db.name;
        let state = AppState::new(db.store.clone(), Settings::default());
        // A route whose first call never finishes (the client goes away), whose later calls answer at once.
        let hang = Arc::new(AtomicBool::new(true));
        let h = hang.clone();
        let router = axum::Router::new()
            .route(
                "/slow",
                axum::routing::post(move || {
                    let h = h.clone();
                    async move {
                        if h.swap(false, Ordering::SeqCst) {
                            std::future::pending::<()>().await;
                        }
                        "done"
                    }
                }),
            )
            .layer(axum::middleware::from_fn_with_state(
                state.clone(),
                server::idempotency::layer,
            ))
            .with_state(state.clone());
        let req = || {
            Request::post("/slow")
                .header("idempotency-key", "disc-1")
                .body(Body::empty())
                .unwrap()
        };
        let dropped = tokio::time::timeout(
            std::time::Duration::from_millis(200),
            router.clone().oneshot(req()),
        )
        .await;
        assert!(
            dropped.is_err(),
            "{name}: the first request hangs and is dropped"
        );
        // The release runs on its own task: give it a moment.
        let mut status = StatusCode::CONFLICT;
        for _ in 0..50 {
            status = router.clone().oneshot(req()).await.unwrap().status();
            if status != StatusCode::CONFLICT {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        assert_eq!(status, StatusCode::OK, "{name}: the retry runs");

        // A request dropped while its key is being claimed (polled once, then dropped: the client closed the
        // connection right after sending) leaves no claim behind either.
        let claiming = || {
            Request::post("/slow")
                .header("idempotency-key", "disc-2")
                .body(Body::empty())
                .unwrap()
        };
        let dropped = tokio::time::timeout(
            std::time::Duration::ZERO,
            router.clone().oneshot(claiming()),
        )
        .await;
        assert!(
            dropped.is_err(),
            "{name}: dropped during the claim, but answered on its first poll: {:?}",
            dropped.map(|r| r.map(|r| r.status()))
        );
        let mut status = StatusCode::CONFLICT;
        for _ in 0..50 {
            status = router.clone().oneshot(claiming()).await.unwrap().status();
            if status != StatusCode::CONFLICT {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        assert_eq!(
            status,
            StatusCode::OK,
            "{name}: the retry runs, not 409 until the claim is old"
        );

        // A claim left by a process that died (no release ran) is taken over once it is old enough.
        let old = chrono::Utc::now() - chrono::Duration::minutes(5);
        let scope = "POST /slow anonymous";
        let c = db
            .store
            .idempotency_claim(
                scope,
                "crash-1",
                "h",
                old,
                old - chrono::Duration::minutes(1),
                old - chrono::Duration::hours(24),
            )
            .await
            .unwrap();
        assert_eq!(c, store::journey::IdempotencyClaim::Fresh);
        let a = router
            .clone()
            .oneshot(
                Request::post("/slow")
                    .header("idempotency-key", "crash-1")
                    .body(Body::empty())
                    .unwrap(),
            )
            .await
            .unwrap();
        assert_eq!(a.status(), StatusCode::OK, "{name}: not 409 forever");
        db.cleanup().await;
    }
}

/// Housekeeping (F2, F21): the worker's pass deletes kept answers past `idempotency_ttl` and expired staff
/// sessions, and nothing younger; a key whose answer was purged is not repeated.
#[tokio::test]
async fn the_housekeeping_pass_purges_old_answers_and_expired_sessions() {
    use server::cards::workers::{purge, Purged};
    for db in TestStore::all().await {
        let name = db.name;
        let app = TestApp::builder()
            .with_settings(|s| s.idempotency_ttl = std::time::Duration::from_secs(1))
            .persons(&[holder(1).build()])
            .offices(&[office("30-0001").build()])
            .staff("op", domain::Role::Operator, Some("30-0001"), None)
            .on(db)
            .await;
        let token = app.token("op").await;
        let user = app.db.store.user_by_name("op").await.unwrap().unwrap();
        let old = chrono::Utc::now() - chrono::Duration::minutes(1);
        app.db
            .store
            .create_session(&server::auth::token_hash("expired"), user.id, old)
            .await
            .unwrap();
        let file = || {
            app.post_json("/api/v1/applications", &testkit::filing(&holder(1)))
                .header("idempotency-key", "purge-1")
        };
        let first = file().await;
        assert_eq!(
            first.status,
            StatusCode::CREATED,
            "{name}: {}",
            first.text()
        );
        assert!(replayed(&file().await), "{name}: kept within its time");

        // Within the time to live only the expired session goes.
        let p = purge(&app.state).await.unwrap();
        assert_eq!(
            p,
            Purged {
                idempotency_keys: 0,
                sessions: 1
            },
            "{name}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
        let p = purge(&app.state).await.unwrap();
        assert_eq!(
            p,
            Purged {
                idempotency_keys: 1,
                sessions: 0
            },
            "{name}"
        );
        let again = file().await;
        assert!(!replayed(&again), "{name}: {}", again.text());
        // The live session still opens the office's pages.
        let a = app.get("/api/v1/office/shipments").bearer(&token).await;
        assert_eq!(a.status, StatusCode::OK, "{name}");
    }
}

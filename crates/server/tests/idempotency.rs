//! `Idempotency-Key` as the security review found it (F1, F2, F8, F11), on SQLite and PostgreSQL, through the real
//! router: an answer is repeated only to the caller who proved the same identity; refusals are never kept or
//! repeated; a manufacturer's batch is rebuilt, never stored, and nothing personal is kept in clear; verifications
//! are never answered from the cache; an anonymous caller cannot make the service buffer a large body; a key whose
//! request died is released.

#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode};
use base64::Engine;
use domain::{JalaliDate, NationalCode, Office, Person, Role};
use http_body_util::BodyExt;
use serde_json::{json, Value};
use server::{AppState, Settings};
use store_suite::TestStore;
use tower::ServiceExt;

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

fn today() -> JalaliDate {
    server::state::today()
}

fn code(n: u32) -> NationalCode {
    let nine = format!("{:09}", 300_000_000 + n);
    NationalCode::from_first_nine(nine.as_bytes().try_into().unwrap()).unwrap()
}

fn person(n: u32) -> Person {
    let nc = code(n);
    let m = format!("0912{n:07}");
    let row: [&str; 16] = [
        nc.as_str(),
        "زهرا",
        "محمدی‌نژاد",
        "علی‌اکبر",
        "فاطمه",
        "female",
        "1370-05-12",
        "کرج",
        "islam",
        "ج",
        "12",
        "345678",
        &m,
        "3134567890",
        "کرج خیابان بهشتی",
        "",
    ];
    Person::from_row(&row, today()).unwrap()
}

fn filing(n: u32) -> Value {
    let birth = JalaliDate::parse("1370-05-12").unwrap();
    json!({
        "national_code": code(n).as_str(),
        "birth_certificate": {"series_letter": "ج", "series_number": "12", "serial": "345678"},
        "birth_date_jalali": "1370-05-12",
        "birth_date_hijri": birth.to_hijri().to_string(),
        "gender": "female",
        "religion": "islam",
        "mother_name": "فاطمه",
        "mobile": format!("0912{n:07}"),
        "reason": "first_issue",
    })
}

fn enrollment(tc: &str, seed: u64) -> Value {
    let prints: Vec<Value> = intake::fixtures::ten_prints(seed)
        .into_iter()
        .map(|(p, rec)| json!({"position": p, "format": "iso19794_2", "data": B64.encode(rec)}))
        .collect();
    json!({
        "tracking_code": tc,
        "documents": {"birth_certificate_seen": true, "old_card_collected": false},
        "photo": B64.encode(intake::fixtures::photo_jpeg(600, 800, seed)),
        "fingerprints": prints,
        "signature": B64.encode(intake::fixtures::signature_png()),
    })
}

struct App {
    router: axum::Router,
    state: AppState,
    db: TestStore,
}

struct Answer {
    status: StatusCode,
    headers: HeaderMap,
    bytes: Vec<u8>,
}

impl Answer {
    fn json(&self) -> Value {
        serde_json::from_slice(&self.bytes).unwrap_or(Value::Null)
    }
    fn replayed(&self) -> bool {
        self.headers.contains_key("idempotent-replayed")
    }
}

impl App {
    async fn all() -> Vec<Self> {
        let mut v = Vec::new();
        for db in TestStore::all().await {
            let settings = Settings {
                captcha: false,
                rate_limits: false,
                ..Settings::default()
            };
            let state = AppState::new(db.store.clone(), settings);
            v.push(Self {
                router: server::router(state.clone()),
                state,
                db,
            });
        }
        v
    }

    async fn send(
        &self,
        method: &str,
        uri: &str,
        headers: &[(&str, &str)],
        body: impl Into<Body>,
    ) -> Answer {
        let mut r = Request::builder()
            .method(method)
            .uri(uri)
            .header("content-type", "application/json");
        for (h, v) in headers {
            r = r.header(*h, *v);
        }
        let res = self
            .router
            .clone()
            .oneshot(r.body(body.into()).unwrap())
            .await
            .unwrap();
        let status = res.status();
        let headers = res.headers().clone();
        let bytes = res.into_body().collect().await.unwrap().to_bytes().to_vec();
        Answer {
            status,
            headers,
            bytes,
        }
    }

    async fn operator(&self, name: &str, office: &str) -> String {
        self.db
            .store
            .create_user(&store::journey::NewUser {
                username: name.into(),
                password_hash: server::auth::hash_password("a good long password").unwrap(),
                role: Role::Operator,
                office: Some(domain::OfficeId::parse(office).unwrap()),
                province: None,
                at: chrono::Utc::now(),
            })
            .await
            .unwrap();
        let login = json!({"username": name, "password": "a good long password"});
        let a = self
            .send("POST", "/api/v1/auth/login", &[], login.to_string())
            .await;
        assert_eq!(a.status, StatusCode::OK);
        format!("Bearer {}", a.json()["token"].as_str().unwrap())
    }

    /// Person `n` filed, paid, booked at 30-0001 and enrolled there by `op`: one card in the production queue.
    async fn enrolled(&self, n: u32, op: &str) -> String {
        let a = self
            .send("POST", "/api/v1/applications", &[], filing(n).to_string())
            .await;
        assert_eq!(a.status, StatusCode::CREATED, "{:?}", a.json());
        let tc = a.json()["tracking_code"].as_str().unwrap().to_string();
        let holder = json!({"national_code": code(n).as_str()}).to_string();
        let a = self
            .send(
                "POST",
                &format!("/api/v1/applications/{tc}/payments"),
                &[],
                holder,
            )
            .await;
        assert_eq!(a.status, StatusCode::CREATED, "{:?}", a.json());
        let token = a.json()["redirect_url"]
            .as_str()
            .unwrap()
            .split("token=")
            .nth(1)
            .unwrap()
            .to_string();
        let pay = json!({"token": token, "outcome": "success"}).to_string();
        let a = self.send("POST", "/sandbox-bank/v1/pay", &[], pay).await;
        assert_eq!(a.status, StatusCode::OK);
        let mut day = today().add_days(1).unwrap();
        while self.state.settings.holidays.closure(day).is_some() {
            day = day.add_days(1).unwrap();
        }
        let book = json!({"national_code": code(n).as_str(), "office_id": "30-0001", "date_jalali": day.to_string()});
        let a = self
            .send(
                "POST",
                &format!("/api/v1/applications/{tc}/appointment"),
                &[],
                book.to_string(),
            )
            .await;
        assert_eq!(a.status, StatusCode::CREATED, "{:?}", a.json());
        let a = self
            .send(
                "POST",
                "/api/v1/office/enrollments",
                &[("authorization", op)],
                enrollment(&tc, u64::from(n)).to_string(),
            )
            .await;
        assert_eq!(a.status, StatusCode::CREATED, "{:?}", a.json());
        tc
    }

    async fn vendor(&self, name: &str) -> String {
        let (key, prefix, hash) = server::agency::key::new_api_key();
        self.db
            .store
            .create_vendor(name, 50, 100_000, &prefix, &hash, chrono::Utc::now())
            .await
            .unwrap();
        key
    }
}

#[tokio::test]
async fn answers_are_repeated_only_to_the_same_authenticated_caller() {
    for app in App::all().await {
        let name = app.db.name;
        let s = &app.db.store;
        s.upsert_persons(&[person(1)]).await.unwrap();
        let office = Office::from_row(&[
            "30-0001",
            "دفتر کرج",
            "counter",
            "30",
            "کرج",
            "026",
            "خیابان بهشتی",
            "50",
        ])
        .unwrap();
        s.upsert_offices(&[office]).await.unwrap();
        let op = app.operator("op1", "30-0001").await;
        let tc = app.enrolled(1, &op).await;
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
            .send(
                "POST",
                claim,
                &[("x-api-key", &vendor_a), key],
                Body::empty(),
            )
            .await;
        assert_eq!(first.status, StatusCode::OK, "{name}");
        assert_eq!(first.json()["cards"][0]["tracking_code"], json!(tc));
        assert!(!first.replayed());

        // F1: another manufacturer, a caller with no key, a wrong key: never the first answer.
        let b = app
            .send(
                "POST",
                claim,
                &[("x-api-key", &vendor_b), key],
                Body::empty(),
            )
            .await;
        assert!(!b.replayed(), "{name}");
        assert_eq!(
            b.status,
            StatusCode::NO_CONTENT,
            "{name}: its own (empty) queue, not A's batch"
        );
        let anon = app.send("POST", claim, &[key], Body::empty()).await;
        assert_eq!(
            (anon.status, anon.replayed()),
            (StatusCode::UNAUTHORIZED, false),
            "{name}"
        );
        assert!(!anon.bytes.windows(tc.len()).any(|w| w == tc.as_bytes()));
        let wrong = app
            .send(
                "POST",
                claim,
                &[("x-api-key", "shn_00000000_feed"), key],
                Body::empty(),
            )
            .await;
        assert_eq!(
            (wrong.status, wrong.replayed()),
            (StatusCode::UNAUTHORIZED, false),
            "{name}"
        );

        // The same manufacturer gets the same batch again, rebuilt; no new batch is claimed.
        let again = app
            .send(
                "POST",
                claim,
                &[("x-api-key", &vendor_a), key],
                Body::empty(),
            )
            .await;
        assert_eq!(again.status, StatusCode::OK, "{name}");
        assert!(again.replayed());
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
        let refused = app.send("POST", "/api/v1/verify", &[k2], ask.clone()).await;
        assert_eq!(refused.status, StatusCode::UNAUTHORIZED, "{name}");
        let real = app
            .send(
                "POST",
                "/api/v1/verify",
                &[("x-api-key", &akey), k2],
                ask.clone(),
            )
            .await;
        assert_eq!(
            (real.status, real.replayed()),
            (StatusCode::OK, false),
            "{name}: {:?}",
            real.json()
        );
        assert_eq!(real.json()["match"], json!(true));
        // A verification is never answered from the cache: a repeat is checked and audited again.
        let repeat = app
            .send(
                "POST",
                "/api/v1/verify",
                &[("x-api-key", &akey), k2],
                ask.clone(),
            )
            .await;
        assert_eq!(
            (repeat.status, repeat.replayed()),
            (StatusCode::OK, false),
            "{name}"
        );
        assert_eq!(
            s.verifications_of(&nc, 10).await.unwrap().len(),
            2,
            "{name}: both audited"
        );
        let anon = app.send("POST", "/api/v1/verify", &[k2], ask.clone()).await;
        assert_eq!(
            (anon.status, anon.replayed()),
            (StatusCode::UNAUTHORIZED, false),
            "{name}"
        );

        // F8: an anonymous caller's large body is refused before it is read whole, and leaves no row.
        let big = vec![b'a'; 1024 * 1024];
        let a = app
            .send(
                "POST",
                "/api/v1/applications",
                &[("idempotency-key", "big-1")],
                big,
            )
            .await;
        assert_eq!(a.status, StatusCode::PAYLOAD_TOO_LARGE, "{name}");
        let big_rows = app
            .db
            .select_bytes("SELECT idem_key FROM idempotency_keys WHERE idem_key = 'big-1'")
            .await;
        assert!(big_rows.is_empty(), "{name}");
        app.db.cleanup().await;
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

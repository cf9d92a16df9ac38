//! Benchmarks of the card work, on a fresh throw-away database (SQLite file or PostgreSQL) with the sealed file
//! blob store, through the service's router (in process: no HTTP transport):
//!
//! 1. enrollments with the receipt PDF: `POST /api/v1/office/enrollments` then `GET …/receipts/{tc}.pdf`, with
//!    `--concurrency` requests in flight; the 1:N search of the same enrollments is timed apart afterwards;
//! 2. a manufacturer claiming one batch of `--claim` cards (`POST /api/v1/vendor/batches/claim`), with its
//!    personalisation data (photo, ten ISO templates) signed card by card;
//! 3. the SMS outbox delivering `--sms` "ready" messages to a real Kannel (started here, as in the tests).
//!
//! ```text
//! cargo run --release -p shenas-server --example cards_bench -- [--backend sqlite|postgres]
//!     [--enrollments 1000] [--claim 10000] [--sms 10000] [--concurrency 8] [--sms-concurrency 64]
//! ```

#![allow(clippy::unwrap_used)] // a benchmark: a failure is a failed run

use axum::body::Body;
use axum::http::{Request, StatusCode};
use base64::Engine;
use chrono::Utc;
use domain::{
    ApplicationState, Channel, Event, JalaliDate, Mobile, OfficeId, Person, Reason, Role,
    TrackingCode,
};
use futures::StreamExt;
use serde_json::{json, Value};
use server::{AppState, Settings};
use std::sync::Arc;
use std::time::{Duration, Instant};
use store::journey::{Change, Filed, NewApplication};
use testkit::{code, PersonBuilder, TestStore};

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

fn arg<T: std::str::FromStr>(name: &str, default: T) -> T {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == &format!("--{name}"))
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// A P-256 public key as a chip would send it (SubjectPublicKeyInfo DER, base64).
fn chip_key() -> String {
    use p256::pkcs8::EncodePublicKey;
    let k = loop {
        if let Ok(k) = p256::ecdsa::SigningKey::from_slice(&rand::random::<[u8; 32]>()) {
            break k;
        }
    };
    B64.encode(k.verifying_key().to_public_key_der().unwrap().as_bytes())
}

/// Person `n` of the registry: زهرا محمدی‌نژاد, daughter of علی‌اکبر and فاطمه. The bench counts from 0 and the
/// fixtures' person 0 has no valid national code (digits 4 to 9 all zero), so bench person `n` is fixture `n + 1`.
fn person(n: u32) -> Person {
    PersonBuilder::new(n + 1)
        .first_name("زهرا")
        .last_name("محمدی‌نژاد")
        .father("علی‌اکبر")
        .gender("female")
        .build()
}

fn ch(actor: &str) -> Change {
    Change {
        actor: actor.into(),
        at: Utc::now(),
        reason: None,
    }
}

fn tc(n: u32) -> TrackingCode {
    TrackingCode::from_body(u64::from(n) * 1_000_003 + 11)
}

/// Files, pays and books applications `from..to` at `office` (through the store).
async fn booked(state: &AppState, office: &OfficeId, from: u32, to: u32) {
    let s = &state.store;
    let persons: Vec<Person> = (from..to).map(person).collect();
    for chunk in persons.chunks(5000) {
        s.upsert_persons(chunk).await.unwrap();
    }
    futures::stream::iter(from..to)
        .for_each_concurrent(16, |n| async move {
            let new = NewApplication {
                tracking_code: tc(n),
                national_code: code(n + 1),
                reason: Reason::FirstIssue,
                channel: Channel::Portal,
                mobile: Mobile::parse(&format!("0912{:07}", n)).unwrap(),
                fee_rials: 250_000,
                filing_office: None,
                province: None,
                actor: "citizen".into(),
                at: Utc::now(),
            };
            assert!(matches!(
                s.file_application(&new).await.unwrap(),
                Filed::Created(_)
            ));
            s.transition(
                &tc(n),
                ApplicationState::AwaitingPayment,
                Event::PaymentSettled,
                &ch("bank"),
            )
            .await
            .unwrap();
            // 100 places a day, a busy office's day (the lowest free slot is searched per office-day).
            let day = JalaliDate::parse("1405-09-10")
                .unwrap()
                .add_days(i64::from(n / 100))
                .unwrap();
            let booked = s.book(&tc(n), office, day, &ch("citizen")).await.unwrap();
            assert!(
                matches!(booked, store::journey::Booked::Booked(_)),
                "{booked:?}"
            );
        })
        .await;
}

fn enrollment_body(n: u32) -> String {
    let prints: Vec<Value> = intake::fixtures::ten_prints(u64::from(n))
        .into_iter()
        .map(|(p, rec)| json!({"position": p, "format": "iso19794_2", "data": B64.encode(rec)}))
        .collect();
    json!({
        "tracking_code": tc(n).as_str(),
        "documents": {"birth_certificate_seen": true, "old_card_collected": false},
        "photo": B64.encode(intake::fixtures::photo_jpeg(600, 800, u64::from(n % 16))),
        "fingerprints": prints,
        "signature": B64.encode(intake::fixtures::signature_png()),
    })
    .to_string()
}

async fn call(router: &axum::Router, req: Request<Body>) -> (StatusCode, Vec<u8>) {
    let a = testkit::send(router, req).await;
    (a.status, a.bytes)
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

#[tokio::main]
async fn main() {
    let backend: String = arg("backend", "sqlite".to_string());
    let enrollments: u32 = arg("enrollments", 1000);
    let claim: u32 = arg("claim", 10_000).max(enrollments);
    let sms_n: u32 = arg("sms", 10_000).min(claim);
    let concurrency: usize = arg("concurrency", 8);
    let sms_concurrency: usize = arg("sms-concurrency", 64);
    let db = match backend.as_str() {
        "postgres" => TestStore::postgres().await.expect("PostgreSQL"),
        _ => TestStore::sqlite().await,
    };
    // A real Kannel whose delivery reports come back to this service over TCP.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let kannel = if sms::testing::kannel_available_or_skip("cards_bench sms") {
        Some(
            sms::testing::KannelHarness::start(&format!("http://{addr}"))
                .await
                .unwrap(),
        )
    } else {
        None
    };
    let sender: Arc<dyn sms::SmsSender> = match &kannel {
        Some(k) => Arc::new(sms::KannelSender::new(k.sendsms_config())),
        None => Arc::new(sms::LogSender),
    };
    let blob_dir = std::env::temp_dir().join(format!("shenas-bench-blobs-{}", std::process::id()));
    let state = AppState::new(
        db.store.clone(),
        Settings {
            captcha: false,
            rate_limits: false,
            production_batch_size: claim,
            ..Settings::default()
        },
    )
    .with_services(|s| {
        s.blobs = Arc::new(blobs::Sealed::new(
            blobs::FsBlobStore::new(&blob_dir).unwrap(),
            rand::random(),
        ));
        s.sms = sender;
    });
    let router = server::router(state.clone());
    let served = router.clone();
    tokio::spawn(async move {
        axum::serve(
            listener,
            served.into_make_service_with_connect_info::<std::net::SocketAddr>(),
        )
        .await
        .unwrap();
    });
    let office = OfficeId::parse("30-0001").unwrap();
    db.store
        .upsert_offices(&[testkit::office("30-0001").capacity(5000).build()])
        .await
        .unwrap();
    testkit::app::create_staff(&db.store, "bench", Role::Operator, Some("30-0001"), None).await;
    let (_, login) = call(
        &router,
        Request::post("/api/v1/auth/login")
            .header("content-type", "application/json")
            .body(Body::from(
                r#"{"username":"bench","password":"a good long password"}"#,
            ))
            .unwrap(),
    )
    .await;
    let token: Value = serde_json::from_slice(&login).unwrap();
    let bearer = format!("Bearer {}", token["token"].as_str().unwrap());
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    eprintln!("backend {backend}, {cores} cores; preparing {enrollments} booked applications …");
    booked(&state, &office, 0, enrollments).await;
    let bodies: Vec<String> = (0..enrollments).map(enrollment_body).collect();

    // 1. Enrollments with their receipt PDF.
    let started = Instant::now();
    let mut latencies: Vec<f64> = futures::stream::iter(0..enrollments)
        .map(|n| {
            let router = router.clone();
            let bearer = bearer.clone();
            let body = bodies[n as usize].clone();
            async move {
                let t0 = Instant::now();
                let (st, b) = call(
                    &router,
                    Request::post("/api/v1/office/enrollments")
                        .header("content-type", "application/json")
                        .header("authorization", &bearer)
                        .body(Body::from(body))
                        .unwrap(),
                )
                .await;
                assert_eq!(st, StatusCode::CREATED, "{}", String::from_utf8_lossy(&b));
                let (st, pdf) = call(
                    &router,
                    Request::get(format!("/api/v1/office/receipts/{}.pdf", tc(n).as_str()))
                        .header("authorization", &bearer)
                        .body(Body::empty())
                        .unwrap(),
                )
                .await;
                assert_eq!(st, StatusCode::OK);
                assert!(pdf.starts_with(b"%PDF"));
                t0.elapsed().as_secs_f64() * 1000.0
            }
        })
        .buffer_unordered(concurrency)
        .collect()
        .await;
    let secs = started.elapsed().as_secs_f64();
    latencies.sort_by(f64::total_cmp);
    let enroll_rate = f64::from(enrollments) / secs;
    println!(
        "enrollments with receipt: {enrollments} in {secs:.2} s = {enroll_rate:.1}/s (concurrency {concurrency}); \
         latency p50 {:.1} ms, p99 {:.1} ms",
        percentile(&latencies, 0.5),
        percentile(&latencies, 0.99)
    );

    // The 1:N search of those enrollments, apart.
    let started = Instant::now();
    let searched = state.services.dedup.run_pending(&state).await.unwrap();
    let dedup_secs = started.elapsed().as_secs_f64();
    println!(
        "1:N search: {searched} enrollments against a growing gallery (up to {} persons) in {dedup_secs:.2} s = {:.1}/s",
        state.services.dedup.persons(),
        searched as f64 / dedup_secs
    );

    // 2. A batch of `claim` cards: the enrollments above, and more through the same API (each with its own photo,
    // templates and signed personalisation blob), cleared without a search.
    if claim > enrollments {
        eprintln!("enrolling {} more applications …", claim - enrollments);
        booked(&state, &office, enrollments, claim).await;
        let started = Instant::now();
        futures::stream::iter(enrollments..claim)
            .for_each_concurrent(concurrency, |n| {
                let router = router.clone();
                let bearer = bearer.clone();
                async move {
                    let (st, b) = call(
                        &router,
                        Request::post("/api/v1/office/enrollments")
                            .header("content-type", "application/json")
                            .header("authorization", &bearer)
                            .body(Body::from(enrollment_body(n)))
                            .unwrap(),
                    )
                    .await;
                    assert_eq!(st, StatusCode::CREATED, "{}", String::from_utf8_lossy(&b));
                }
            })
            .await;
        println!(
            "enrollments without receipt: {} in {:.2} s",
            claim - enrollments,
            started.elapsed().as_secs_f64()
        );
        for p in db.store.dedup_pending(u32::MAX).await.unwrap() {
            db.store
                .record_dedup(p.application_id, &[], Utc::now())
                .await
                .unwrap();
        }
    }
    // Every search above cleared or hit; clear the hits too, so the whole set is queued.
    for case in db.store.dedup_cases(None, 100_000).await.unwrap() {
        db.store
            .decide_dedup(
                &case.tracking_code,
                domain::Decision::Distinct,
                &ch("supervisor:bench"),
            )
            .await
            .unwrap();
    }
    let (key, prefix, hash) = server::agency::key::new_api_key();
    let vendor = db
        .store
        .create_vendor("bench-vendor", 100, 1_000_000, &prefix, &hash, Utc::now())
        .await
        .unwrap();
    let started = Instant::now();
    let batches = server::cards::workers::form_batches(&state).await.unwrap();
    println!(
        "batching: {} cards into {} batch(es) in {:.2} s",
        batches.iter().map(|b| b.cards).sum::<u64>(),
        batches.len(),
        started.elapsed().as_secs_f64()
    );
    // The chip data (ICAO LDS, EF.SOD signed by the document signer) is made in the background after batching,
    // before any claim: timed apart.
    let started = Instant::now();
    let made = server::pki::chip::make_pending(&state).await.unwrap();
    println!(
        "chip data: {made} cards in {:.2} s (background, after batching; {cores} cores)",
        started.elapsed().as_secs_f64()
    );
    let started = Instant::now();
    let (st, body) = call(
        &router,
        Request::post("/api/v1/vendor/batches/claim")
            .header("x-api-key", &key)
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    let claim_secs = started.elapsed().as_secs_f64();
    assert_eq!(st, StatusCode::OK);
    let batch: Value = serde_json::from_slice(&body).unwrap();
    let cards = batch["cards"].as_array().unwrap();
    println!(
        "claim: {} cards ({:.1} MB of signed personalisation data and LDS files) in {claim_secs:.3} s",
        cards.len(),
        body.len() as f64 / 1e6
    );

    // 3. The SMS outbox to a real Kannel.
    let results: Vec<Value> = cards
        .iter()
        .take(sms_n as usize)
        .enumerate()
        .map(|(i, c)| json!({"tracking_code": c["tracking_code"], "outcome": "personalized", "chip_serial": format!("BN-{i:08}")}))
        .collect();
    let batch_id = batch["batch_id"].as_i64().unwrap();
    // The chips' keys certified (a personalised card needs its holder certificates), 500 cards a request.
    let started = Instant::now();
    for chunk in cards
        .iter()
        .take(sms_n as usize)
        .collect::<Vec<_>>()
        .chunks(500)
    {
        let body: Vec<Value> = chunk
            .iter()
            .map(|c| json!({"tracking_code": c["tracking_code"], "authentication_key": chip_key(), "signing_key": chip_key()}))
            .collect();
        let (st, b) = call(
            &router,
            Request::post(format!("/api/v1/vendor/batches/{batch_id}/certificates"))
                .header("x-api-key", &key)
                .header("content-type", "application/json")
                .body(Body::from(Value::Array(body).to_string()))
                .unwrap(),
        )
        .await;
        assert_eq!(st, StatusCode::OK, "{}", String::from_utf8_lossy(&b));
    }
    println!(
        "holder certificates: {sms_n} cards (two each) in {:.2} s",
        started.elapsed().as_secs_f64()
    );
    let started = Instant::now();
    let (st, b) = call(
        &router,
        Request::post(format!("/api/v1/vendor/batches/{batch_id}/results"))
            .header("x-api-key", &key)
            .header("content-type", "application/json")
            .body(Body::from(Value::Array(results).to_string()))
            .unwrap(),
    )
    .await;
    assert_eq!(st, StatusCode::OK, "{}", String::from_utf8_lossy(&b));
    println!(
        "results: {sms_n} cards in {:.2} s",
        started.elapsed().as_secs_f64()
    );
    let started = Instant::now();
    let shipped = db
        .store
        .dispatch_batch(vendor, batch_id, &ch("vendor"))
        .await
        .unwrap()
        .unwrap();
    for s in &shipped {
        db.store
            .receive_shipment(s.id, &office, None, &ch("operator:bench"))
            .await
            .unwrap();
    }
    println!(
        "dispatch and reception: {sms_n} cards in {:.2} s",
        started.elapsed().as_secs_f64()
    );
    let Some(kannel) = kannel else { return };
    let started = Instant::now();
    let mut sent = 0;
    loop {
        let r = server::cards::workers::send_sms(&state, 1000, sms_concurrency)
            .await
            .unwrap();
        sent += r.sent;
        assert_eq!(r.failed + r.retried, 0, "{r:?}");
        if r.sent == 0 {
            break;
        }
    }
    let secs = started.elapsed().as_secs_f64();
    println!(
        "SMS outbox → Kannel: {sent} messages in {secs:.2} s = {:.0} msg/s (concurrency {sms_concurrency})",
        sent as f64 / secs
    );
    let got = kannel
        .wait_for(sent as usize, Duration::from_secs(60))
        .await
        .unwrap();
    println!("fakesmsc received {} messages", got.len());
    let _ = std::fs::remove_dir_all(&blob_dir);
}

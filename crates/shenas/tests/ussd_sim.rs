//! `shenas ussd-sim` against the service served over TCP: a whole session typed on standard input, each screen
//! printed framed, the session over at `END`; and a session cut short at the end of input. A service that asks for a
//! gateway secret answers the simulator given `--secret` (or `SHENAS_USSD_SECRET`), and refuses it without.

#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

use chrono::Utc;
use domain::text::to_persian_digits;
use domain::{ApplicationState, Channel, Mobile, Person, Reason, TrackingCode};
use server::{AppState, Settings};
use std::io::Write;
use std::process::{Command, Stdio};
use store::journey::{NewApplication, SeedApplication};
use testkit::{code, office, PersonBuilder, TestStore};

const PHONE: &str = "09121000001";

fn tc(n: u32) -> TrackingCode {
    TrackingCode::from_body(u64::from(n) * 9_000_011 + 5)
}

fn person(n: u32) -> Person {
    PersonBuilder::new(n)
        .first_name("مریم")
        .last_name("احمدی")
        .father("رضا")
        .mother("زهرا")
        .gender("female")
        .born("1368-02-30")
        .birth_place("تهران")
        .certificate("الف", "10", "123456")
        .mobile(PHONE)
        .postal_code("")
        .address("تهران")
        .build()
}

fn seeded(n: u32, state: ApplicationState) -> SeedApplication {
    SeedApplication {
        application: NewApplication {
            tracking_code: tc(n),
            national_code: code(n),
            reason: Reason::FirstIssue,
            channel: Channel::Portal,
            mobile: Mobile::parse(PHONE).unwrap(),
            fee_rials: 250_000,
            filing_office: None,
            province: None,
            actor: "test".into(),
            at: Utc::now(),
        },
        state,
    }
}

/// Serves a router over the test store on a free port; answers its base URL.
async fn serve(db: &TestStore) -> String {
    seed(db).await;
    serve_with(db, server::gateway::GatewayAccess::default()).await
}

/// Serves the router with this USSD gateway access on a free port; answers its base URL.
async fn serve_with(db: &TestStore, access: server::gateway::GatewayAccess) -> String {
    let state = AppState::new(
        db.store.clone(),
        Settings {
            captcha: false,
            rate_limits: false,
            ussd_access: access,
            ..Settings::default()
        },
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        axum::serve(
            listener,
            server::router(state).into_make_service_with_connect_info::<std::net::SocketAddr>(),
        )
        .await
    });
    format!("http://{addr}")
}

async fn seed(db: &TestStore) {
    db.store
        .upsert_persons(&[person(1), person(2)])
        .await
        .unwrap();
    let office = office("23-0007")
        .name("دفتر پیشخوان ونک")
        .located("23", "تهران", "021")
        .address("میدان ونک، خیابان ملاصدرا، پلاک ۱۰")
        .capacity(30)
        .build();
    db.store.upsert_offices(&[office]).await.unwrap();
    db.store
        .seed_applications(&[
            seeded(1, ApplicationState::InProduction),
            seeded(2, ApplicationState::ReadyForPickup),
        ])
        .await
        .unwrap();
    let sql = format!(
        "UPDATE applications SET office_id = '23-0007' WHERE tracking_code = '{}'",
        tc(2)
    );
    db.exec_raw(&sql, &sql).await;
}

/// Runs the simulator with `input` on standard input; answers its standard output.
async fn sim(url: &str, input: String) -> String {
    sim_with(url, input, &[]).await
}

/// Runs the simulator with these further arguments; it must succeed.
async fn sim_with(url: &str, input: String, args: &[&str]) -> String {
    let url = url.to_string();
    let args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
    tokio::task::spawn_blocking(move || {
        let mut child = Command::new(env!("CARGO_BIN_EXE_shenas"))
            .args(["ussd-sim", "--phone", PHONE, "--url", &url])
            .args(&args)
            .env("SHENAS_LOG", "warn")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(input.as_bytes())
            .unwrap();
        let out = child.wait_with_output().unwrap();
        let stdout = String::from_utf8(out.stdout).unwrap();
        assert!(
            out.status.success(),
            "{stdout}\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        stdout
    })
    .await
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_in_the_terminal() {
    let db = TestStore::sqlite().await;
    let url = serve(&db).await;

    // Path 2: national code and tracking code, typed as a person would (Persian digits for the code).
    let out = sim(
        &url,
        format!("2\n{}\n{}\n", to_persian_digits(code(1).as_str()), tc(1)),
    )
    .await;
    println!("{out}");
    assert!(out.contains("│ کارت هوشمند ملی"), "{out}");
    assert!(out.contains("│ کد ملی ۱۰ رقمی را وارد کنید:"), "{out}");
    assert!(out.contains("│ کد رهگیری ۱۲ رقمی را وارد کنید:"), "{out}");
    // A card in production may still change office: the session waits for that choice, and the input ends.
    assert!(out.contains("│ در حال صدور از "), "{out}");
    assert!(out.contains("│ ۲- دفتر دیگر"), "{out}");
    assert!(out.contains("(قطع شد)"), "{out}");
    assert!(!out.contains("CON ") && !out.contains("END "), "{out}");
    assert_eq!(out.matches('┌').count(), 4, "{out}");

    // Path 1: the number's own applications, the waiting card and its office's address.
    let out = sim(&url, "1\n2\n1\n".into()).await;
    println!("{out}");
    assert!(out.contains("در حال صدور"), "{out}");
    assert!(out.contains("│ در دفتر پیشخوان ونک"), "{out}");
    assert!(
        out.contains("│ تهران، میدان ونک، خیابان ملاصدرا، پلاک ۱۰"),
        "{out}"
    );
    assert!(out.contains("(پایان نشست)"), "{out}");

    // Wrong replies get a hint and another try.
    let out = sim(&url, "7\n1\n9\n1\n".into()).await;
    println!("{out}");
    assert_eq!(out.matches("│ ورودی نادرست است.").count(), 2, "{out}");
    assert!(out.contains("│ در حال صدور از "), "{out}");

    // Input ends before the session does.
    let out = sim(&url, "2\n".into()).await;
    assert!(out.contains("│ کد ملی ۱۰ رقمی را وارد کنید:"), "{out}");
    assert!(out.contains("(قطع شد)"), "{out}");

    // Nothing listening: an error, not a hang.
    let status = Command::new(env!("CARGO_BIN_EXE_shenas"))
        .args(["ussd-sim", "--phone", PHONE, "--url", "http://127.0.0.1:9"])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .unwrap();
    assert!(!status.success());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_service_that_asks_for_the_gateway_secret() {
    let db = TestStore::sqlite().await;
    seed(&db).await;
    let secret = "sim-gateway-secret-0123456789";
    let url = serve_with(
        &db,
        server::gateway::GatewayAccess {
            secret: Some(secret.into()),
            allow: vec![],
        },
    )
    .await;
    let out = sim_with(
        &url,
        format!("2\n{}\n{}\n", code(1), tc(1)),
        &["--secret", secret],
    )
    .await;
    assert!(out.contains("│ در حال صدور از "), "{out}");
    // From the environment, too.
    let from_env = {
        let url = url.clone();
        tokio::task::spawn_blocking(move || {
            Command::new(env!("CARGO_BIN_EXE_shenas"))
                .args(["ussd-sim", "--phone", PHONE, "--url", &url])
                .env("SHENAS_LOG", "warn")
                .env("SHENAS_USSD_SECRET", secret)
                .stdin(Stdio::null())
                .output()
                .unwrap()
        })
        .await
        .unwrap()
    };
    assert!(from_env.status.success());
    assert!(String::from_utf8_lossy(&from_env.stdout).contains("│ کارت هوشمند ملی"));
    // Without it, or with another, the service refuses and the simulator says so.
    for extra in [vec![], vec!["--secret", "not-the-secret-at-all"]] {
        let url = url.clone();
        let out = tokio::task::spawn_blocking(move || {
            Command::new(env!("CARGO_BIN_EXE_shenas"))
                .args(["ussd-sim", "--phone", PHONE, "--url", &url])
                .args(&extra)
                .env("SHENAS_LOG", "warn")
                .env_remove("SHENAS_USSD_SECRET")
                .stdin(Stdio::null())
                .output()
                .unwrap()
        })
        .await
        .unwrap();
        assert!(!out.status.success());
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("403"), "{err}");
    }
}

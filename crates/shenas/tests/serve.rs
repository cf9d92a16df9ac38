//! `shenas serve --demo` as a newcomer starts it: demo data loads into an empty database, the service answers
//! `/healthz`, `/api/openapi.json` and the calendar, metrics are on their own port, and SIGTERM stops it cleanly.

#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A minimal HTTP/1.1 GET (the test needs no client library): status and body.
fn get(port: u16, path: &str) -> Option<(u16, String)> {
    let mut s = TcpStream::connect(("127.0.0.1", port)).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(10))).ok()?;
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
    )
    .ok()?;
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).ok()?;
    let text = String::from_utf8_lossy(&raw).to_string();
    let status = text.split_whitespace().nth(1)?.parse().ok()?;
    let body = text
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_string())
        .unwrap_or_default();
    Some((status, body))
}

#[test]
fn demo_service_answers_and_stops_gracefully() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("demo.db").display());
    let (port, metrics) = (free_port(), free_port());
    let mut child = Command::new(env!("CARGO_BIN_EXE_shenas"))
        .args([
            "serve",
            "--demo",
            "--listen",
            &format!("127.0.0.1:{port}"),
            "--metrics-listen",
            &format!("127.0.0.1:{metrics}"),
        ])
        .env("SHENAS_DATABASE_URL", &db)
        .env("SHENAS_DATA_DIR", dir.path().join("data"))
        .env("SHENAS_DEMO__PERSONS", "3000")
        .env("SHENAS_DEMO__OFFICES", "500")
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let started = Instant::now();
    let health = loop {
        if let Some(r) = get(port, "/healthz") {
            break r;
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "the service did not come up"
        );
        std::thread::sleep(Duration::from_millis(100));
    };
    assert_eq!(health.0, 200, "{}", health.1);
    assert!(health.1.contains("\"status\":\"ok\""));

    let (status, body) = get(port, "/api/openapi.json").unwrap();
    assert_eq!(status, 200);
    assert!(body.contains("/api/v1/calendar/convert"));
    let (status, body) = get(port, "/api/v1/calendar/convert?jalali=1403-08-19").unwrap();
    assert_eq!(status, 200);
    assert!(body.contains("\"gregorian\":\"2024-11-09\""), "{body}");
    let (status, body) = get(metrics, "/metrics").unwrap();
    assert_eq!(status, 200);
    assert!(body.contains("shenas_http_requests_total"), "{body}");

    // SIGTERM: the service finishes and exits successfully.
    let pid = child.id().to_string();
    assert!(Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .unwrap()
        .success());
    let status = child.wait().unwrap();
    assert!(status.success(), "exit status {status}");
    let log: Vec<String> = BufReader::new(child.stderr.take().unwrap())
        .lines()
        .map_while(Result::ok)
        .collect();
    let log = log.join("\n");
    assert!(log.contains("demo registry loaded"), "{log}");
    assert!(log.contains("\"persons\":3000"), "{log}");
    assert!(log.contains("shutting down"), "{log}");

    // The demo landed whole.
    let rt = tokio::runtime::Runtime::new().unwrap();
    let (persons, offices) = rt.block_on(async {
        let store = store_sqlite::SqliteStore::connect(&db).await.unwrap();
        use store::Registry;
        (
            store.count_persons().await.unwrap(),
            store.count_offices().await.unwrap(),
        )
    });
    assert_eq!((persons, offices), (3000, 500));
}

/// A minimal HTTP/1.1 form POST to `/ussd` with extra header lines: the status.
fn post_ussd(port: u16, headers: &str) -> Option<u16> {
    let body = "sessionId=s1&serviceCode=%2A4%2A6090%23&phoneNumber=09121234567&text=";
    let mut s = TcpStream::connect(("127.0.0.1", port)).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(10))).ok()?;
    write!(
        s,
        "POST /ussd HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\
         Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n{headers}\r\n{body}",
        body.len()
    )
    .ok()?;
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).ok()?;
    String::from_utf8_lossy(&raw)
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

/// The gateways' configuration reaches the service: `[ussd] gateway_secret` from the environment is asked of
/// `/ussd`; a secret too short or a network that is not one stops the start with the reason.
#[test]
fn gateway_settings_are_applied_and_checked_at_start() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("gw.db").display());
    let data = dir.path().join("data");
    let run = |envs: &[(&str, &str)]| {
        let mut c = Command::new(env!("CARGO_BIN_EXE_shenas"));
        c.args(["serve", "--metrics-listen", "off", "--listen"])
            .env("SHENAS_DATABASE_URL", &db)
            .env("SHENAS_DATA_DIR", &data)
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        for (k, v) in envs {
            c.env(k, v);
        }
        c
    };
    let kannel = |secret: &'static str| {
        vec![
            (
                "SHENAS_KANNEL__SENDSMS_URL",
                "http://127.0.0.1:9/cgi-bin/sendsms",
            ),
            ("SHENAS_KANNEL__USERNAME", "u"),
            ("SHENAS_KANNEL__PASSWORD", "p"),
            ("SHENAS_KANNEL__DLR_URL", "http://127.0.0.1:8080/sms/dlr"),
            ("SHENAS_KANNEL__CALLBACK_SECRET", secret),
        ]
    };
    for (envs, says) in [
        (
            vec![("SHENAS_USSD__GATEWAY_SECRET", "short")],
            "at least 16 characters",
        ),
        (
            vec![("SHENAS_TRUSTED_PROXIES", "[\"10.0.0.0/40\"]")],
            "trusted_proxies",
        ),
        (vec![("SHENAS_PROXY_HEADER", "x-real-ip")], "proxy_header"),
        (kannel("a%d-secret-in-a-url-0123"), "only letters, digits"),
    ] {
        let out = run(&envs)
            .arg(format!("127.0.0.1:{}", free_port()))
            .output()
            .unwrap();
        assert!(!out.status.success(), "{envs:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(says), "{envs:?}: {err}");
    }

    let secret = "serve-test-gateway-secret-42";
    let port = free_port();
    let mut child = run(&[("SHENAS_USSD__GATEWAY_SECRET", secret)])
        .arg(format!("127.0.0.1:{port}"))
        .spawn()
        .unwrap();
    let started = Instant::now();
    while get(port, "/healthz").is_none() {
        assert!(started.elapsed() < Duration::from_secs(60), "no start");
        std::thread::sleep(Duration::from_millis(100));
    }
    let without = post_ussd(port, "");
    let with = post_ussd(port, &format!("X-Gateway-Secret: {secret}\r\n"));
    let _ = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    let _ = child.wait();
    assert_eq!(without, Some(403));
    assert_eq!(with, Some(200));
    // The delivery-report key was made beside the others, private.
    let key = data.join("keys").join("dlr.key");
    assert!(key.is_file());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&key).unwrap().permissions().mode();
        assert_eq!(mode & 0o077, 0, "{mode:o}");
    }
}

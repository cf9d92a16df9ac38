//! The key ceremony and the service with every PKI key in a PKCS#11 token (SoftHSM2), through the `shenas`
//! binary and its `[pki]` configuration as an operator sets it: `pki init` makes the hierarchy with its keys
//! generated in the token (none in files), `pki status` finds each key there, `pki rotate-ds` adds a document
//! signer, and `serve` signs with the token: its citizen-CA CRL passes `openssl crl -verify` and its OCSP
//! responder's answer passes `openssl ocsp` verification. Skipped with a notice without SoftHSM2 or OpenSSL,
//! unless `SHENAS_REQUIRE_SOFTHSM=1` / `SHENAS_REQUIRE_OPENSSL=1`.

#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

use serde_json::Value;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};
use testkit::TestStore;

fn have_openssl() -> bool {
    if Command::new("openssl").arg("version").output().is_ok() {
        return true;
    }
    assert!(
        std::env::var("SHENAS_REQUIRE_OPENSSL").as_deref() != Ok("1"),
        "SHENAS_REQUIRE_OPENSSL=1 but openssl is missing"
    );
    eprintln!("NOTICE: openssl not installed; skipping this test");
    false
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Runs `shenas` with the environment; answers stdout, and panics with stderr when it fails.
fn shenas(env: &[(String, String)], args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_shenas"))
        .args(args)
        .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "shenas {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn last_json(printed: &str) -> Value {
    serde_json::from_str(printed.lines().last().unwrap()).unwrap()
}

/// `tool args…` in `dir`: success and what it printed.
fn run(dir: &Path, tool: &str, args: &[&str]) -> (bool, String) {
    let out = Command::new(tool)
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

#[tokio::test]
async fn the_ceremony_and_the_service_with_keys_in_softhsm2() {
    if !pki::softhsm::available() || !have_openssl() {
        return;
    }
    let db = TestStore::sqlite().await;
    let dir = tempfile::tempdir().unwrap();
    let conf = pki::softhsm::make_token(&dir.path().join("hsm"));
    let data = dir.path().join("data");
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let env: Vec<(String, String)> = [
        ("SOFTHSM2_CONF", conf.to_str().unwrap()),
        ("SHENAS_PKI__PKCS11_MODULE", pki::softhsm::MODULE),
        ("SHENAS_PKI__PKCS11_TOKEN", pki::softhsm::TOKEN_LABEL),
        ("SHENAS_PKI__PKCS11_PIN", pki::softhsm::USER_PIN),
        ("SHENAS_DATABASE_URL", db.url.as_str()),
        ("SHENAS_DATA_DIR", data.to_str().unwrap()),
        ("SHENAS_PUBLIC_URL", base.as_str()),
        ("SHENAS_LOG", "warn"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();

    // The ceremony: six certificates, every key in the token, none in a file.
    let made = last_json(&shenas(&env, &["pki", "init", "--json"]));
    assert_eq!(made["certificates"].as_array().unwrap().len(), 6, "{made}");
    let status = last_json(&shenas(&env, &["pki", "status", "--json"]));
    assert_eq!(status["backend"], "pkcs11", "{status}");
    let certs = status["certificates"].as_array().unwrap();
    assert!(certs.iter().all(|c| c["key_present"] == true), "{status}");
    assert!(
        !data.join("keys/pki").exists() && !data.join("keys/pki-master.key").exists(),
        "no PKI key file beside the token"
    );
    let rotated = last_json(&shenas(&env, &["pki", "rotate-ds", "--json"]));
    let status = last_json(&shenas(&env, &["pki", "status", "--json"]));
    let signers: Vec<&Value> = status["certificates"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["role"] == "document_signer")
        .collect();
    assert_eq!(signers.len(), 2, "{rotated} {status}");
    assert!(signers.iter().all(|c| c["key_present"] == true));

    // The service loads the hierarchy and signs with the token.
    let mut child = Command::new(env!("CARGO_BIN_EXE_shenas"))
        .args(["serve", "--metrics-listen", "off", "--listen"])
        .arg(format!("127.0.0.1:{port}"))
        .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .stderr(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let mut seen = String::new();
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    for line in lines.by_ref() {
        let line = line.unwrap();
        seen.push_str(&line);
        seen.push('\n');
        if line.starts_with("Shenas is serving") {
            break;
        }
    }
    assert!(seen.contains("Shenas is serving"), "{seen}");
    let work = dir.path();
    for f in ["root.pem", "citizen-ca.pem", "citizen-ca.crl"] {
        let (ok, text) = run(
            work,
            "curl",
            &["-sfo", f, &format!("{base}/api/v1/pki/{f}")],
        );
        assert!(ok, "{f}: {text}");
    }
    std::fs::write(
        work.join("chain.pem"),
        [
            std::fs::read(work.join("root.pem")).unwrap(),
            std::fs::read(work.join("citizen-ca.pem")).unwrap(),
        ]
        .concat(),
    )
    .unwrap();
    let (ok, text) = run(
        work,
        "openssl",
        &[
            "crl",
            "-inform",
            "DER",
            "-in",
            "citizen-ca.crl",
            "-CAfile",
            "chain.pem",
            "-verify",
            "-noout",
        ],
    );
    assert!(ok && text.contains("verify OK"), "{text}");
    let (ok, text) = run(
        work,
        "openssl",
        &[
            "ocsp",
            "-issuer",
            "citizen-ca.pem",
            "-serial",
            "0x0123456789",
            "-url",
            &format!("{base}/ocsp"),
            "-CAfile",
            "root.pem",
            "-verify_other",
            "citizen-ca.pem",
        ],
    );
    assert!(
        ok && text.contains("Response verify OK") && text.contains("0x0123456789: unknown"),
        "{text}"
    );
    let _ = child.kill();
    let _ = child.wait();
    db.cleanup().await;
}

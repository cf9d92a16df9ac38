//! From the desk to the holder's hand through the JSON API, on SQLite and on PostgreSQL: enrollment and its
//! refusals, the 1:N search with a duplicate rejected and a look-alike let through by a supervisor, the receipt PDF,
//! a manufacturer's signed batch with a failed card made again, dispatch, a shipment received with a missing card
//! and received twice, the SMS outbox, pickup with a wrong and a right finger, transfers (an office's only with the
//! holder's finger, limited; the citizen's own), a lost card, a death;
//! and a real Kannel carrying the "ready" SMS, its delivery report, and a status request by SMS.

#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

use axum::http::StatusCode;
use base64::Engine;
use domain::{NationalCode, Role};
use ed25519_dalek::Verifier;
use serde_json::{json, Value};
use server::Settings;
use testkit::{code, err, office, PersonBuilder, TestApp};

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

/// Person `n` of the registry: زهرا محمدی‌نژاد, daughter of علی‌اکبر and فاطمه.
fn holder(n: u32) -> PersonBuilder {
    PersonBuilder::new(n)
        .first_name("زهرا")
        .last_name("محمدی‌نژاد")
        .father("علی‌اکبر")
        .gender("female")
}

fn filing(n: u32, reason: &str) -> Value {
    let mut body = testkit::filing(&holder(n));
    body["reason"] = json!(reason);
    body
}

/// An office of Alborz with this name.
fn counter(id: &str, name: &str) -> domain::Office {
    office(id)
        .name(name)
        .address("خیابان بهشتی، پلاک ۱۲")
        .build()
}

/// The enrollment body for a person whose fingers are synthetic person `finger_seed` (finger 7 bandaged).
fn enrollment(tc: &str, finger_seed: u64) -> Value {
    testkit::enrollment::json_body(tc, finger_seed, &[7])
}

/// The holder certificates of these cards, for keys a chip would have made.
async fn certify(app: &TestApp, batch_id: i64, vendor: Option<(&str, &str)>, cards: &[&str]) {
    use p256::pkcs8::EncodePublicKey;
    let key = || {
        let k = loop {
            if let Ok(k) = p256::ecdsa::SigningKey::from_slice(&rand::random::<[u8; 32]>()) {
                break k;
            }
        };
        B64.encode(k.verifying_key().to_public_key_der().unwrap().as_bytes())
    };
    let body: Vec<Value> = cards
        .iter()
        .map(|tc| json!({"tracking_code": tc, "authentication_key": key(), "signing_key": key()}))
        .collect();
    let (st, b) = app
        .call(
            "POST",
            &format!("/api/v1/vendor/batches/{batch_id}/certificates"),
        )
        .header_opt(vendor)
        .json(&Value::Array(body))
        .await
        .status_json();
    assert_eq!(st, StatusCode::OK, "{b}");
}

fn pdftotext(pdf: &[u8]) -> Option<String> {
    let dir = std::env::temp_dir().join(format!("shenas-receipt-{}", std::process::id()));
    std::fs::create_dir_all(&dir).ok()?;
    let path = dir.join("r.pdf");
    std::fs::write(&path, pdf).ok()?;
    let out = std::process::Command::new("pdftotext")
        .arg(&path)
        .arg("-")
        .output();
    let Ok(out) = out else {
        eprintln!("SKIPPED: pdftotext is not installed (apt-get install poppler-utils)");
        return None;
    };
    Some(
        String::from_utf8_lossy(&out.stdout)
            .chars()
            .filter(|c| !('\u{202A}'..='\u{202E}').contains(c))
            .collect(),
    )
}

mod holder;
mod lifecycle;
mod production;
mod transfers;

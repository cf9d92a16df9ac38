//! What the service refuses a kit before any packet: a registration not signed by its key, a unit that is not a
//! mobile unit, and a visit load without a valid signature (missing, by another key, or too old).

#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

use axum::http::StatusCode;
use serde_json::json;
use store::kits::KitState;
use testkit::{office, TestApp};

const UNIT: &str = "30-9001";

fn registration(key: &packets::KitKey, unit: &str) -> serde_json::Value {
    let public_key = hex::encode(key.public());
    let message = server::kits::registration_message(unit, &public_key);
    json!({"unit_id": unit, "public_key": public_key, "signature": hex::encode(key.sign(&message))})
}

#[tokio::test]
async fn registrations_and_unsigned_requests_are_refused() {
    let app = TestApp::builder()
        .offices(&[
            office(UNIT).kind("mobile_unit").build(),
            office("30-0001").build(),
        ])
        .build()
        .await;
    let key = packets::KitKey::generate();

    // Signed by another key.
    let mut body = registration(&key, UNIT);
    body["public_key"] = json!(hex::encode(packets::KitKey::generate().public()));
    let a = app.post_json("/api/v1/kits", &body).await;
    assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", a.text());
    assert_eq!(a.json()["error"]["field"], "signature");
    // A counter office is not a unit; an unknown office is 404.
    let a = app
        .post_json("/api/v1/kits", &registration(&key, "30-0001"))
        .await;
    assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", a.text());
    assert_eq!(a.json()["error"]["code"], "invalid_kit");
    let a = app
        .post_json("/api/v1/kits", &registration(&key, "30-0999"))
        .await;
    assert_eq!(a.status, StatusCode::NOT_FOUND, "{}", a.text());

    // Registered (201), again (200, the same kit).
    let a = app
        .post_json("/api/v1/kits", &registration(&key, UNIT))
        .await;
    assert_eq!(a.status, StatusCode::CREATED, "{}", a.text());
    let kit_id = a.json()["kit_id"].as_str().unwrap().to_string();
    assert_eq!(a.json()["state"], "pending");
    let a = app
        .post_json("/api/v1/kits", &registration(&key, UNIT))
        .await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.text());
    assert_eq!(a.json()["kit_id"], kit_id.as_str());
    server::kits::change(&app.state.store, &kit_id, KitState::Approved, "admin:test")
        .await
        .unwrap();

    let path = "/api/v1/kits/visits/1";
    let now = chrono::Utc::now().timestamp();
    let signed = |k: &packets::KitKey, time: i64| {
        server::kits::auth::sign_request(&kit_id, k, "GET", path, time)
    };
    // No signature; another key's; an hour old: 401. The kit's own, now: through (no such visit: 404).
    let a = app.get(path).await;
    assert_eq!(a.status, StatusCode::UNAUTHORIZED, "{}", a.text());
    for headers in [
        signed(&packets::KitKey::generate(), now),
        signed(&key, now - 3600),
    ] {
        let pairs: Vec<(&str, &str)> = headers.iter().map(|(n, v)| (*n, v.as_str())).collect();
        let a = app.get(path).headers(&pairs).await;
        assert_eq!(a.status, StatusCode::UNAUTHORIZED, "{}", a.text());
    }
    let good = signed(&key, now);
    let pairs: Vec<(&str, &str)> = good.iter().map(|(n, v)| (*n, v.as_str())).collect();
    let a = app.get(path).headers(&pairs).await;
    assert_eq!(a.status, StatusCode::NOT_FOUND, "{}", a.text());

    // A packet that is not one, or sent as JSON.
    let a = app
        .post("/api/v1/packets")
        .body("application/octet-stream", b"SHPK-nonsense".to_vec())
        .await;
    assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", a.text());
    assert_eq!(a.json()["error"]["code"], "packet_invalid");
    let a = app.post_json("/api/v1/packets", &json!({})).await;
    assert_eq!(a.status, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{}", a.text());
}

//! The receipt stops standing in for a card that waits at its office past `receipt_grace_days`, on SQLite and
//! PostgreSQL: banks' verification answers no and says where the card waits, the receipt's QR page says why, and the
//! holder is told by SMS a week before (once). With the grace period off (0) the receipt verifies as before.

#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

use axum::http::StatusCode;
use serde_json::json;
use store_suite::fixtures::code;
use store_suite::lifecycle::{ready, setup};
use testkit::{TestApp, TestStore};

/// Moves the card of application `id` back in time: it reached its office `days` ago.
async fn ready_days_ago(db: &TestStore, id: i64, days: u32) {
    db.exec_raw(
        &format!(
            "UPDATE cards SET ready_at = strftime('%Y-%m-%d %H:%M:%S+00:00', 'now', '-{days} days') \
             WHERE application_id = {id}"
        ),
        &format!(
            "UPDATE cards SET ready_at = now() - interval '{days} days' WHERE application_id = {id}"
        ),
    )
    .await;
}

#[tokio::test]
async fn a_card_waiting_past_the_grace_period_ends_its_receipt() {
    for db in TestStore::all().await {
        let app = TestApp::builder().on(db).await;
        setup(&app.db).await;
        let waiting = ready(&app.db, 800, 2).await;
        let (tc, id) = waiting[0];
        let key = app.agency("بانک آزمایشی", &["identity_check"], 600).await;
        let verify =
            |tc: &str, n: u32| json!({"national_code": code(n).as_str(), "tracking_code": tc});
        let ask = |body: serde_json::Value| {
            let key = key.clone();
            let app = &app;
            async move {
                app.post_json("/api/v1/verify", &body)
                    .header("x-api-key", &key)
                    .await
                    .json()
            }
        };
        // Fresh at the office: the receipt still verifies, and nobody is warned yet.
        let b = ask(verify(tc.as_str(), 800)).await;
        assert_eq!(b["match"], true, "{}: {b}", app.name());
        assert!(b.get("card_waiting").is_none());
        assert_eq!(
            server::cards::workers::warn_receipt_ending(&app.state)
                .await
                .unwrap(),
            0
        );

        // A week before the end: one SMS, once.
        ready_days_ago(&app.db, id, 24).await;
        assert_eq!(
            server::cards::workers::warn_receipt_ending(&app.state)
                .await
                .unwrap(),
            1,
            "{}",
            app.name()
        );
        assert_eq!(
            server::cards::workers::warn_receipt_ending(&app.state)
                .await
                .unwrap(),
            0
        );
        let now = chrono::Utc::now();
        let due = app
            .db
            .store
            .sms_due(now, now + chrono::Duration::seconds(60), 100)
            .await
            .unwrap();
        assert!(
            due.iter().any(|m| m.application_id == Some(id)
                && m.kind.starts_with("receipt_ending:")
                && m.text.contains("دیگر به جای کارت پذیرفته نمی‌شود")),
            "{due:?}"
        );

        // Past it: no, with where the card waits; another person's pair learns nothing more than before.
        ready_days_ago(&app.db, id, 31).await;
        let b = ask(verify(tc.as_str(), 800)).await;
        assert_eq!(b["match"], false, "{b}");
        assert_eq!(b["card_waiting"]["office_id"], "10001", "{b}");
        assert!(b["card_waiting"]["receipt_ended_jalali"].as_str().is_some());
        let b = ask(verify(tc.as_str(), 801)).await;
        assert_eq!(b["match"], false);
        assert!(b.get("card_waiting").is_none(), "{b}");
        // The other card, fresh, still verifies.
        let b = ask(verify(waiting[1].0.as_str(), 801)).await;
        assert_eq!(b["match"], true, "{b}");

        // The QR page says why.
        let tag = app.state.services.signer.receipt_tag(tc.as_str());
        let a = app.get(&format!("/r/{}?t={tag}", tc.as_str())).await;
        assert_eq!(a.status, StatusCode::NOT_FOUND);
        assert!(
            a.text().contains("آمادهٔ تحویل است") && a.text().contains("data-valid=\"false\""),
            "{}",
            a.text()
        );
        app.db.cleanup().await;
    }
}

#[tokio::test]
async fn with_the_grace_period_off_the_receipt_verifies_until_pickup() {
    let app = TestApp::builder()
        .with_settings(|s| s.receipt_grace_days = 0)
        .on(TestStore::sqlite().await)
        .await;
    setup(&app.db).await;
    let (tc, id) = ready(&app.db, 900, 1).await[0];
    ready_days_ago(&app.db, id, 400).await;
    let key = app.agency("بانک", &["identity_check"], 600).await;
    let b = app
        .post_json(
            "/api/v1/verify",
            &json!({"national_code": code(900).as_str(), "tracking_code": tc.as_str()}),
        )
        .header("x-api-key", &key)
        .await
        .json();
    assert_eq!(b["match"], true, "{b}");
    assert_eq!(
        server::cards::workers::warn_receipt_ending(&app.state)
            .await
            .unwrap(),
        0
    );
}

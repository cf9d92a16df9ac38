//! Chapar, on SQLite and PostgreSQL: a card's "ready" message also goes to every other number registered to the
//! holder's national code (the registry's list, through the mobile-ownership port), once per arrival at an office;
//! the record lists each message with its masked recipient; the holder counts as unreachable (`sms_failed`) only
//! when every "ready" message failed, and a delivery to any of them clears it. A number that failed for good for
//! the application is not written to again.

#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

use chrono::Utc;
use domain::Mobile;
use store_suite::fixtures::code;
use store_suite::lifecycle::{person, ready, setup};
use testkit::{TestApp, TestStore};

const TYPED: &str = "09121234567";
const LINKED: &str = "09351112222";

#[tokio::test]
async fn the_ready_message_reaches_the_linked_numbers_and_only_all_failures_count() {
    for db in TestStore::all().await {
        let app = TestApp::builder().on(db).await;
        setup(&app.db).await;
        let (tc, id) = ready(&app.db, 850, 1).await[0];
        // The registry knows a second number of the holder (and the typed one twice is not written to twice).
        let mut p = person(&code(850), "1314567890", "");
        p.mobiles = vec![
            Mobile::parse(TYPED).unwrap(),
            Mobile::parse(LINKED).unwrap(),
        ];
        app.db.store.upsert_persons(&[p]).await.unwrap();

        let queued = server::cards::chapar::notify_ready(&app.state)
            .await
            .unwrap();
        assert_eq!(queued, 1, "{}", app.name());
        assert_eq!(
            server::cards::chapar::notify_ready(&app.state)
                .await
                .unwrap(),
            0,
            "once per arrival"
        );
        let sms = app.db.store.sms_of(id).await.unwrap();
        let typed = sms
            .iter()
            .find(|m| m.kind.starts_with("ready:"))
            .expect("the typed number's message");
        let linked = sms
            .iter()
            .find(|m| m.kind.starts_with("ready_linked:"))
            .expect("the linked number's message");
        assert_eq!(typed.mobile.as_str(), TYPED);
        assert_eq!(linked.mobile.as_str(), LINKED);
        assert_eq!(linked.text, typed.text, "the same message");
        assert!(
            !linked.kind.contains(LINKED),
            "no number in the kind: {}",
            linked.kind
        );

        // The record lists both, masked.
        let op = app.operator("op-chapar", "10001").await;
        let r = app
            .get(&format!("/api/v1/office/applications/{}", tc.as_str()))
            .header("authorization", &op)
            .await
            .json();
        let to: Vec<&str> = r["messages"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|m| m["to"].as_str())
            .collect();
        assert!(
            to.contains(&"0912****567") && to.contains(&"0935****222"),
            "{r}"
        );
        assert!(!r.to_string().contains(LINKED));

        // The typed number dies: still reachable on the other. Both dead: unreachable. A late delivery: reachable.
        let s = &app.db.store;
        s.sms_failed(typed.id, "absent subscriber", Utc::now())
            .await
            .unwrap();
        assert!(!s.sms_flagged(id).await.unwrap(), "{}", app.name());
        s.sms_report(linked.id, false, "switched off", Utc::now())
            .await
            .unwrap();
        assert!(s.sms_flagged(id).await.unwrap());
        app.db.cleanup().await;
    }
}

#[tokio::test]
async fn a_delivered_linked_message_clears_the_flag_and_failed_numbers_are_skipped() {
    let app = TestApp::builder().on(TestStore::sqlite().await).await;
    setup(&app.db).await;
    let (_, id) = ready(&app.db, 860, 1).await[0];
    let mut p = person(&code(860), "1314567890", "");
    p.mobiles = vec![Mobile::parse(LINKED).unwrap()];
    app.db.store.upsert_persons(&[p]).await.unwrap();
    let s = &app.db.store;
    let typed = s.sms_of(id).await.unwrap()[0].clone();
    s.sms_failed(typed.id, "unknown subscriber", Utc::now())
        .await
        .unwrap();
    assert!(
        s.sms_flagged(id).await.unwrap(),
        "the only ready message failed"
    );
    server::cards::chapar::notify_ready(&app.state)
        .await
        .unwrap();
    let linked = s
        .sms_of(id)
        .await
        .unwrap()
        .into_iter()
        .find(|m| m.kind.starts_with("ready_linked:"))
        .unwrap();
    // Unreachable so far, until a message to one of the numbers is delivered.
    assert!(s.sms_flagged(id).await.unwrap());
    s.sms_report(linked.id, true, "delivered", Utc::now())
        .await
        .unwrap();
    assert!(!s.sms_flagged(id).await.unwrap());
    // The typed number failed for good for this application: never written to again, even if linked.
    let failed_before = server::cards::chapar::numbers(
        &app.state,
        id,
        &code(860),
        &Mobile::parse("09120000000").unwrap(),
    )
    .await
    .unwrap()
    .unwrap();
    assert_eq!(failed_before, [Mobile::parse(LINKED).unwrap()]);
    let mut p = person(&code(860), "1314567890", "");
    p.mobiles = vec![
        Mobile::parse(TYPED).unwrap(),
        Mobile::parse(LINKED).unwrap(),
    ];
    s.upsert_persons(&[p]).await.unwrap();
    let to = server::cards::chapar::numbers(
        &app.state,
        id,
        &code(860),
        &Mobile::parse("09120000000").unwrap(),
    )
    .await
    .unwrap()
    .unwrap();
    assert_eq!(
        to,
        [Mobile::parse(LINKED).unwrap()],
        "the failed typed number is skipped"
    );
}

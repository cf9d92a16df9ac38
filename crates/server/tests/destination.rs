//! The holder picks the office the card goes to, on the portal (JavaScript not needed), on SQLite and PostgreSQL:
//! a card still in production only changes destination; a card waiting at an office is shipped to the new one;
//! the same office, an office in no list, and a delivered card are refused on the page.

#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

use axum::http::StatusCode;
use store_suite::fixtures::code;
use store_suite::lifecycle::{queue, ready, setup};
use testkit::{TestApp, TestStore};

async fn opened(app: &TestApp, tc: &str, n: u32) -> String {
    app.post_form(
        "/track",
        &[("national_code", code(n).as_str()), ("tracking_code", tc)],
    )
    .await
    .cookie()
}

#[tokio::test]
async fn the_holder_sends_the_card_to_another_office() {
    for db in TestStore::all().await {
        let app = TestApp::builder().on(db).await;
        setup(&app.db).await;
        // A card in production (only its destination changes) and a card waiting at 10001 (shipped).
        let (waiting, _) = ready(&app.db, 951, 1).await[0];
        let making = queue(&app.db, 950, 1, "10001").await[0];
        for (tc, n, outcome) in [(making, 950, "destination"), (waiting, 951, "shipped")] {
            // Without the portal's cookie for this application: to the tracking form, nothing moved.
            let none = app
                .post_form(
                    &format!("/applications/{}/office", tc.as_str()),
                    &[("office_id", "10002")],
                )
                .await;
            assert_eq!(none.status, StatusCode::SEE_OTHER);
            assert!(none.headers["location"]
                .to_str()
                .unwrap()
                .starts_with("/track"));
            let cookie = opened(&app, tc.as_str(), n).await;
            let page = app
                .get(&format!("/applications/{}", tc.as_str()))
                .cookie(&cookie)
                .await;
            assert!(
                page.text().contains("id=\"destination-link\""),
                "{}",
                app.name()
            );
            // The offices of the province whose area code is typed.
            let list = app
                .get(&format!(
                    "/applications/{}/office?area_code=۰۲۶",
                    tc.as_str()
                ))
                .cookie(&cookie)
                .await;
            assert_eq!(list.status, StatusCode::OK);
            assert!(
                list.text().contains("value=\"10002\"") && !list.text().contains("<script"),
                "{}",
                list.text()
            );
            let same = app
                .post_form(
                    &format!("/applications/{}/office", tc.as_str()),
                    &[("office_id", "10001")],
                )
                .cookie(&cookie)
                .await;
            assert_eq!(same.status, StatusCode::CONFLICT, "{}", same.text());
            let moved = app
                .post_form(
                    &format!("/applications/{}/office", tc.as_str()),
                    &[("office_id", "10002")],
                )
                .cookie(&cookie)
                .await;
            assert_eq!(moved.status, StatusCode::SEE_OTHER, "{}", moved.text());
            let history = app.db.store.history(&tc).await.unwrap();
            let last = history.last().unwrap();
            match outcome {
                "destination" => assert_eq!(
                    last.event,
                    domain::HistoryEvent::DESTINATION_CHANGED,
                    "{history:?}"
                ),
                _ => assert_eq!(last.to, domain::ApplicationState::Dispatched, "{history:?}"),
            }
            assert_eq!(last.actor, "citizen");
        }
        app.db.cleanup().await;
    }
}

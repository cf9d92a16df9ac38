//! Status answers and office listings from memory (`server::reads`): a transition shows in this instance's
//! next read at once, in another instance's within a second; a pair that does not belong together is answered
//! exactly as an unknown tracking code, never from memory.

use super::*;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

fn hits(app: &TestApp) -> u64 {
    app.state.services.reads.status.hits.load(Ordering::SeqCst)
}

#[tokio::test]
async fn status_comes_from_memory_until_the_application_moves() {
    for app in TestApp::all().await {
        let name = app.db.name;
        seed(&app, &[registered(1).build()]).await;
        let tc = app.file(&body_for(1)).await;
        assert_eq!(status_of(&app, 1, &tc).await["state"], "awaiting_payment");
        // On PostgreSQL the cache answers once its listener's first fence came back.
        let started = Instant::now();
        while hits(&app) == 0 {
            assert!(
                started.elapsed() < Duration::from_secs(2),
                "{name}: never from memory"
            );
            assert_eq!(status_of(&app, 1, &tc).await["state"], "awaiting_payment");
        }

        // Paid through the API: the next read shows it.
        app.pay(&tc, code(1).as_str()).await;
        assert_eq!(
            status_of(&app, 1, &tc).await["state"],
            "awaiting_appointment",
            "{name}"
        );

        // Moved by the store directly, as a background pass does: at once on SQLite, whose notices come before
        // the write returns; within a second on PostgreSQL.
        let t = domain::TrackingCode::parse(&tc).unwrap();
        let change = store::journey::Change {
            actor: "test".into(),
            at: chrono::Utc::now(),
            reason: None,
        };
        assert!(app
            .db
            .store
            .transition(
                &t,
                domain::ApplicationState::AwaitingAppointment,
                domain::Event::Cancelled,
                &change
            )
            .await
            .unwrap());
        let moved = Instant::now();
        loop {
            let state = status_of(&app, 1, &tc).await["state"].clone();
            if state == "cancelled" {
                break;
            }
            assert!(
                name != "sqlite",
                "sqlite: stale after a committed transition: {state}"
            );
            assert!(
                moved.elapsed() < Duration::from_secs(1),
                "{name}: stale for a second"
            );
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }
}

#[tokio::test]
async fn a_wrong_pair_is_answered_as_an_unknown_code_never_from_memory() {
    for app in TestApp::all().await {
        seed(&app, &[registered(1).build()]).await;
        let tc = app.file(&body_for(1)).await;
        for _ in 0..3 {
            status_of(&app, 1, &tc).await;
        }
        let before = hits(&app);
        let wrong = app
            .get(&format!(
                "/api/v1/status?national_code={}&tracking_code={tc}",
                code(2)
            ))
            .await;
        let unknown = app
            .get(&format!(
                "/api/v1/status?national_code={}&tracking_code={}",
                code(2),
                domain::TrackingCode::from_body(77)
            ))
            .await;
        assert_eq!(wrong.status, StatusCode::NOT_FOUND);
        assert_eq!(
            (wrong.status, wrong.text()),
            (unknown.status, unknown.text())
        );
        assert_eq!(
            hits(&app),
            before,
            "the wrong pair was not answered from memory"
        );
    }
}

#[tokio::test]
async fn another_instance_shows_a_transition_within_a_second() {
    let Some(db) = TestStore::postgres().await else {
        return;
    };
    let other_store = db.another_instance().await.unwrap();
    let app = TestApp::builder().settings(quiet()).on(db).await;
    let other = server::AppState::new(other_store, quiet());
    other.watch_changes().await.unwrap();
    let other_router = server::router(other);
    seed(&app, &[registered(1).build()]).await;
    let tc = app.file(&body_for(1)).await;
    let uri = format!(
        "/api/v1/status?national_code={}&tracking_code={tc}",
        code(1)
    );
    let read = |router: axum::Router| {
        let uri = uri.clone();
        async move {
            let req = axum::http::Request::get(&uri)
                .body(axum::body::Body::empty())
                .unwrap();
            testkit::send(&router, req).await.json()["state"].clone()
        }
    };
    // The other instance has it in memory.
    for _ in 0..3 {
        assert_eq!(read(other_router.clone()).await, "awaiting_payment");
    }
    app.pay(&tc, code(1).as_str()).await;
    let paid = Instant::now();
    while read(other_router.clone()).await != "awaiting_appointment" {
        assert!(
            paid.elapsed() < Duration::from_secs(1),
            "the other instance is stale after a second"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

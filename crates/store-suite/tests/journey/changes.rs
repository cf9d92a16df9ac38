//! Change notices (`store::changes`): the database tells every committed change of an application's row and
//! of the offices, whatever wrote it; never a rolled-back one; another instance on the same PostgreSQL hears
//! them too.

use super::*;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use store::changes::{ApplicationRow, ChangeSink, Changed};

#[derive(Default)]
struct Heard {
    changing: Mutex<Vec<Changed>>,
    changed: Mutex<Vec<Changed>>,
    caught_up: AtomicUsize,
}

impl ChangeSink for Heard {
    fn changing(&self, what: Changed) {
        self.changing.lock().unwrap().push(what);
    }
    fn changed(&self, what: Changed) {
        self.changed.lock().unwrap().push(what);
    }
    fn caught_up(&self, _: Instant) {
        self.caught_up.fetch_add(1, Ordering::SeqCst);
    }
    fn lost(&self) {}
}

impl Heard {
    fn changed(&self, what: Changed) -> bool {
        self.changed.lock().unwrap().contains(&what)
    }
    /// Told as changed within a second (SQLite's settler tells it in the background).
    async fn settles(&self, what: Changed) -> bool {
        let start = Instant::now();
        while start.elapsed() < Duration::from_secs(1) {
            if self.changed(what) {
                return true;
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        false
    }
    fn changing(&self, what: Changed) -> bool {
        self.changing.lock().unwrap().contains(&what)
    }
    fn clear(&self) {
        self.changing.lock().unwrap().clear();
        self.changed.lock().unwrap().clear();
    }
}

async fn row(s: &store::DynStore, tc: &TrackingCode) -> ApplicationRow {
    s.status(tc).await.unwrap().unwrap().row
}

#[tokio::test]
async fn every_committed_change_is_told_and_a_rolled_back_one_never() {
    for t in TestStore::all().await {
        let s = &t.store;
        let heard = Arc::new(Heard::default());
        let watch = s.watch(heard.clone()).await.unwrap();
        assert_eq!(watch.synchronous, t.name == "sqlite", "{}", t.name);

        let a = new_app(11);
        s.file_application(&a).await.unwrap();
        let tc = a.tracking_code;
        let r = row(s, &tc).await;
        s.fence().await.unwrap();
        assert!(
            !heard.changed(Changed::Application(r)),
            "{}: filing drops nothing",
            t.name
        );

        assert!(s
            .transition(
                &tc,
                ApplicationState::AwaitingPayment,
                Event::Cancelled,
                &change()
            )
            .await
            .unwrap());
        if watch.synchronous {
            assert!(
                heard.changing(Changed::Application(r)),
                "{}: told as the commit began, before the transition returned",
                t.name
            );
        }
        s.fence().await.unwrap();
        assert!(
            heard.settles(Changed::Application(r)).await,
            "{}: told once committed",
            t.name
        );

        // A move refused by the state machine's guard writes nothing and tells nothing.
        heard.clear();
        assert!(!s
            .transition(
                &tc,
                ApplicationState::AwaitingPayment,
                Event::Cancelled,
                &change()
            )
            .await
            .unwrap());
        s.fence().await.unwrap();
        tokio::time::sleep(Duration::from_millis(200)).await;
        assert!(heard.changed.lock().unwrap().is_empty(), "{}", t.name);

        // Rolled back: never told as changed.
        t.exec_raw(
            &format!("BEGIN IMMEDIATE; UPDATE applications SET updated_at = 'x' WHERE id = {}; ROLLBACK;", r.0),
            &format!("BEGIN; UPDATE applications SET updated_at = now() WHERE id = {}; ROLLBACK;", r.0),
        )
        .await;
        s.fence().await.unwrap();
        tokio::time::sleep(Duration::from_millis(200)).await;
        assert!(
            !heard.changed(Changed::Application(r)),
            "{}: rolled back",
            t.name
        );

        s.upsert_offices(&[office("10-0042", 5)]).await.unwrap();
        s.fence().await.unwrap();
        assert!(heard.settles(Changed::Offices).await, "{}: offices", t.name);
    }
}

#[tokio::test]
async fn another_instance_on_postgresql_hears_a_commit_within_a_second() {
    let Some(t) = TestStore::postgres().await else {
        return;
    };
    let other = t.another_instance().await.unwrap();
    let heard = Arc::new(Heard::default());
    other.watch(heard.clone()).await.unwrap();
    let a = new_app(12);
    t.store.file_application(&a).await.unwrap();
    let r = row(&t.store, &a.tracking_code).await;
    t.store
        .transition(
            &a.tracking_code,
            ApplicationState::AwaitingPayment,
            Event::Cancelled,
            &change(),
        )
        .await
        .unwrap();
    let committed = Instant::now();
    while !heard.changed(Changed::Application(r)) {
        assert!(
            committed.elapsed() < Duration::from_secs(1),
            "not heard within a second"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    // The listener checks it is caught up: fences come back every 250 ms.
    tokio::time::sleep(Duration::from_millis(600)).await;
    assert!(heard.caught_up.load(Ordering::SeqCst) >= 1);
}

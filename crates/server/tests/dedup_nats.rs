//! De-duplication on matcher nodes over NATS JetStream (the NATS server on this machine; skipped with a message
//! where none answers, unless `SHENAS_REQUIRE_NATS=1`), against the in-process gallery: the same decisions; two
//! service instances on one PostgreSQL finding each other's enrollments; a shard with no replica leaving
//! applications waiting until a node replays it.

#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

use abis::{Abis, Namespace, NodeHandle};
use axum::http::StatusCode;
use server::dedup::Dedup;
use server::state::AppState;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::Duration;
use testkit::{office, quiet, PersonBuilder, TestApp, TestStore};

async fn nats() -> Option<String> {
    let url = std::env::var("SHENAS_NATS_URL").unwrap_or_else(|_| "nats://127.0.0.1:4222".into());
    match async_nats_probe(&url).await {
        Ok(()) => Some(url),
        Err(e) if std::env::var("SHENAS_REQUIRE_NATS").as_deref() == Ok("1") => {
            panic!("NATS at {url} is required (SHENAS_REQUIRE_NATS=1): {e}")
        }
        Err(e) => {
            eprintln!("skipped: no NATS at {url} ({e})");
            None
        }
    }
}

async fn async_nats_probe(url: &str) -> anyhow::Result<()> {
    let probe = Abis::connect(url, namespace(), 1, Duration::from_millis(200)).await?;
    probe.delete_gallery().await
}

fn namespace() -> Namespace {
    Namespace::new(&format!("t{:016x}", rand::random::<u64>())).unwrap()
}

async fn nodes(url: &str, ns: &Namespace, shards: u32, replicas: u32) -> Vec<Option<NodeHandle>> {
    let mut v = Vec::new();
    for shard in 0..shards {
        for r in 0..replicas {
            v.push(Some(node(url, ns, shard, shards, r).await));
        }
    }
    v
}

async fn node(url: &str, ns: &Namespace, shard: u32, shards: u32, r: u32) -> NodeHandle {
    abis::testing::caught_up_node(url, ns, shard, shards, &format!("test-{shard}-{r}"))
        .await
        .unwrap()
}

async fn abis(url: &str, ns: &Namespace, shards: u32) -> Abis {
    Abis::connect(url, ns.clone(), shards, Duration::from_secs(5))
        .await
        .unwrap()
}

/// Files, pays, books and enrolls a person with synthetic fingers `finger_seed` at `app`; answers the tracking code.
async fn enrolled(app: &TestApp, op: &str, p: &PersonBuilder, finger_seed: u64) -> String {
    let tc = app.booked(p, OFFICE).await;
    let (st, b) = app
        .call("POST", "/api/v1/office/enrollments")
        .header("authorization", op)
        .json(&testkit::enrollment::json_body(&tc, finger_seed, &[]))
        .await
        .status_json();
    assert_eq!(st, StatusCode::CREATED, "{b}");
    tc
}

/// Each application's de-duplication outcome: the tracking codes it was found to match (empty: clear).
async fn outcomes(app: &TestApp, codes: &[String]) -> BTreeMap<String, BTreeSet<String>> {
    let pending = app.state.store.dedup_pending(1000).await.unwrap();
    assert!(pending.is_empty(), "every search was decided: {pending:?}");
    let mut out = BTreeMap::new();
    for tc in codes {
        let t = domain::TrackingCode::parse(tc).unwrap();
        let cases = app.state.store.dedup_cases_of(&t).await.unwrap();
        out.insert(
            tc.clone(),
            cases
                .iter()
                .map(|c| c.candidate_tracking_code.as_str().to_string())
                .collect(),
        );
    }
    out
}

const OFFICE: &str = "30-0001";

fn people(n: usize) -> Vec<PersonBuilder> {
    (0..n as u32).map(|i| PersonBuilder::new(700 + i)).collect()
}

async fn app_for(persons: &[PersonBuilder]) -> TestApp {
    TestApp::builder()
        .settings(quiet())
        .persons(&persons.iter().map(|p| p.build()).collect::<Vec<_>>())
        .offices(&[office(OFFICE).build()])
        .build()
        .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn matcher_nodes_decide_as_the_in_process_gallery() {
    let Some(url) = nats().await else { return };
    // Seeds: 1 and 2 enrol twice more, 3 once: who matches whom is known.
    let seeds = [1u64, 2, 1, 3, 2, 1];
    let persons = people(seeds.len());
    let mut results = Vec::new();
    for on_nodes in [false, true] {
        let app = app_for(&persons).await;
        let ns = namespace();
        let mut cluster = Vec::new();
        let mut dedup = app.state.services.dedup.clone();
        if on_nodes {
            cluster = nodes(&url, &ns, 3, 1).await;
            dedup = Arc::new(Dedup::nats(abis(&url, &ns, 3).await));
        }
        let op = app.operator("op1", OFFICE).await;
        let mut codes = Vec::new();
        for (p, seed) in persons.iter().zip(seeds) {
            codes.push(enrolled(&app, &op, p, seed).await);
        }
        assert_eq!(dedup.run_pending(&app.state).await.unwrap(), 6);
        let got = outcomes(&app, &codes).await;
        // Renamed by position, so the two runs compare.
        let index: BTreeMap<&String, usize> =
            codes.iter().enumerate().map(|(i, c)| (c, i)).collect();
        let by_position: Vec<BTreeSet<usize>> = codes
            .iter()
            .map(|c| got[c].iter().map(|h| index[h]).collect())
            .collect();
        results.push(by_position);
        drop(cluster);
        if on_nodes {
            abis(&url, &ns, 3).await.delete_gallery().await.unwrap();
        }
    }
    let expected: Vec<BTreeSet<usize>> = vec![
        BTreeSet::new(),
        BTreeSet::new(),
        BTreeSet::from([0]),
        BTreeSet::new(),
        BTreeSet::from([1]),
        BTreeSet::from([0, 2]),
    ];
    assert_eq!(results[0], expected, "in process");
    assert_eq!(results[1], expected, "on matcher nodes");
}

/// A second service instance on the same database and blobs, with its own de-duplication engine.
fn second_instance(app: &TestApp, store: store::DynStore, dedup: Dedup) -> AppState {
    let blobs = app.state.services.blobs.clone();
    AppState::new(store, (*app.state.settings).clone()).with_services(move |s| {
        s.blobs = blobs.clone();
        s.dedup = Arc::new(dedup);
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn twins_enrolled_at_two_instances_at_once_are_found_whichever_shards_hold_them() {
    let Some(url) = nats().await else { return };
    let Some(db) = TestStore::postgres().await else {
        eprintln!("skipped: needs PostgreSQL for two instances on one database");
        return;
    };
    let Some(store_b) = db.another_instance().await else {
        return;
    };
    let pairs = 6;
    let persons = people(pairs * 2);
    let app = TestApp::builder()
        .settings(quiet())
        .persons(&persons.iter().map(|p| p.build()).collect::<Vec<_>>())
        .offices(&[office(OFFICE).build()])
        .on(db)
        .await;
    let ns = namespace();
    let _cluster = nodes(&url, &ns, 3, 2).await;
    let a = app.state.clone();
    let dedup_a = Arc::new(Dedup::nats(abis(&url, &ns, 3).await));
    let b = second_instance(&app, store_b, Dedup::nats(abis(&url, &ns, 3).await));
    let router_b = server::router(b.clone());
    let op = app.operator("op1", OFFICE).await;
    let enrol_at_b = |tc: String, seed: u64| {
        let (router_b, op) = (router_b.clone(), op.clone());
        async move {
            let req = axum::http::Request::post("/api/v1/office/enrollments")
                .header("authorization", &op)
                .header("content-type", "application/json")
                .body(axum::body::Body::from(
                    testkit::enrollment::json_body(&tc, seed, &[]).to_string(),
                ))
                .unwrap();
            let ans = testkit::send(&router_b, req).await;
            assert_eq!(ans.status, StatusCode::CREATED, "{}", ans.text());
            tc
        }
    };
    // Instance B has been running (with the in-process gallery it would have loaded it now, empty).
    assert_eq!(b.services.dedup.run_pending(&b).await.unwrap(), 0);
    let mut twins = Vec::new();
    // Half the pairs one after the other: the first twin enrolled and decided at A, then the second at B.
    for i in 0..pairs / 2 {
        let seed = 40 + i as u64;
        let first = enrolled(&app, &op, &persons[2 * i], seed).await;
        assert_eq!(dedup_a.run_pending(&a).await.unwrap(), 1);
        let tc = app.booked(&persons[2 * i + 1], OFFICE).await;
        let second = enrol_at_b(tc, seed).await;
        assert_eq!(b.services.dedup.run_pending(&b).await.unwrap(), 1);
        twins.push((first, second));
    }
    // The other half at once: both twins pending, both instances' passes running at the same moment.
    for i in pairs / 2..pairs {
        let seed = 40 + i as u64;
        let first = enrolled(&app, &op, &persons[2 * i], seed).await;
        let tc = app.booked(&persons[2 * i + 1], OFFICE).await;
        twins.push((first, enrol_at_b(tc, seed).await));
    }
    let (ra, rb) = tokio::join!(dedup_a.run_pending(&a), b.services.dedup.run_pending(&b));
    let (ra, rb) = (ra.unwrap(), rb.unwrap());
    assert!(ra + rb >= pairs as u64, "{ra} + {rb}");
    let codes: Vec<String> = twins
        .iter()
        .flat_map(|(x, y)| [x.clone(), y.clone()])
        .collect();
    let got = outcomes(&app, &codes).await;
    for (x, y) in &twins {
        assert!(
            got[x].contains(y) || got[y].contains(x),
            "{x} and {y} are one person enrolled twice: {got:?}"
        );
        for other in got[x].iter().chain(&got[y]) {
            assert!(other == x || other == y, "only twins match: {got:?}");
        }
    }
    abis(&url, &ns, 3).await.delete_gallery().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_a_shard_down_applications_wait_and_are_decided_once_a_node_replays_it() {
    let Some(url) = nats().await else { return };
    let persons = people(8);
    let app = app_for(&persons).await;
    let ns = namespace();
    let mut cluster = nodes(&url, &ns, 2, 2).await;
    let dedup = Dedup::nats(
        Abis::connect(&url, ns.clone(), 2, Duration::from_secs(2))
            .await
            .unwrap(),
    );
    let op = app.operator("op1", OFFICE).await;
    let mut codes = Vec::new();
    for (i, p) in persons.iter().take(4).enumerate() {
        codes.push(enrolled(&app, &op, p, 60 + i as u64).await);
    }
    assert_eq!(dedup.run_pending(&app.state).await.unwrap(), 4);
    // Shard 1 loses both replicas: searches are incomplete, no decision is taken, the desk is not held up.
    for i in [2, 3] {
        if let Some(n) = cluster[i].take() {
            n.stop();
        }
    }
    let twin = enrolled(&app, &op, &persons[4], 60).await;
    let fresh = enrolled(&app, &op, &persons[5], 99).await;
    for _ in 0..2 {
        assert_eq!(dedup.run_pending(&app.state).await.unwrap(), 0);
    }
    assert_eq!(app.state_of(&twin).await, "enrolled");
    assert_eq!(app.state_of(&fresh).await, "enrolled");
    let pending = app.state.store.dedup_pending(10).await.unwrap();
    assert_eq!(pending.len(), 2, "both still wait for their search");
    // A node for shard 1 starts, replays the shard, and the waiting applications are decided.
    cluster[2] = Some(node(&url, &ns, 1, 2, 7).await);
    assert_eq!(dedup.run_pending(&app.state).await.unwrap(), 2);
    let got = outcomes(&app, &[twin.clone(), fresh.clone()]).await;
    assert_eq!(got[&twin], BTreeSet::from([codes[0].clone()]), "{got:?}");
    assert!(got[&fresh].is_empty(), "{got:?}");
    abis(&url, &ns, 2).await.delete_gallery().await.unwrap();
}

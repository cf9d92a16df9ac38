//! Matcher nodes in this process against the NATS server on this machine (skipped with a message where none
//! answers, unless `SHENAS_REQUIRE_NATS=1`): shards, replicas, a replica stopped mid-search, a shard with no
//! replica (incomplete searches), a restarted node replaying its shard.

#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

use abis::testing::person;
use abis::{Abis, Namespace, NodeHandle};
use std::time::Duration;

fn url() -> String {
    std::env::var("SHENAS_NATS_URL").unwrap_or_else(|_| "nats://127.0.0.1:4222".into())
}

async fn nats() -> Option<String> {
    let _ = tracing_subscriber::fmt()
        .with_test_writer()
        .with_env_filter("abis=info")
        .try_init();
    let url = url();
    match async_nats::connect(&url).await {
        Ok(_) => Some(url),
        Err(e) if std::env::var("SHENAS_REQUIRE_NATS").as_deref() == Ok("1") => {
            panic!("NATS at {url} is required (SHENAS_REQUIRE_NATS=1): {e}")
        }
        Err(e) => {
            eprintln!("skipped: no NATS at {url} ({e})");
            None
        }
    }
}

fn namespace() -> Namespace {
    Namespace::new(&format!("t{:016x}", rand_u64())).unwrap()
}

fn rand_u64() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u64(std::process::id().into());
    h.finish()
}

struct Cluster {
    url: String,
    ns: Namespace,
    shards: u32,
    nodes: Vec<Option<NodeHandle>>,
}

impl Cluster {
    async fn start(url: &str, ns: &Namespace, shards: u32, replicas: u32) -> Self {
        let mut nodes = Vec::new();
        for shard in 0..shards {
            for r in 0..replicas {
                nodes.push(Some(node(url, ns, shard, shards, r).await));
            }
        }
        Cluster {
            url: url.into(),
            ns: ns.clone(),
            shards,
            nodes,
        }
    }

    /// The `i`-th node (shard-major order).
    fn stop(&mut self, i: usize) {
        if let Some(n) = self.nodes[i].take() {
            n.stop();
        }
    }

    async fn restart(&mut self, i: usize, replicas: u32) {
        let shard = i as u32 / replicas;
        self.nodes[i] = Some(node(&self.url, &self.ns, shard, self.shards, 9).await);
    }
}

async fn node(url: &str, ns: &Namespace, shard: u32, shards: u32, r: u32) -> NodeHandle {
    abis::testing::caught_up_node(url, ns, shard, shards, &format!("test-{shard}-{r}"))
        .await
        .unwrap()
}

const THRESHOLD: f32 = 0.27;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_shards_of_two_replicas_find_each_mate_whichever_shard_holds_it() {
    let Some(url) = nats().await else { return };
    let ns = namespace();
    let abis = Abis::connect(&url, ns.clone(), 3, Duration::from_secs(5))
        .await
        .unwrap();
    let cluster = Cluster::start(&url, &ns, 3, 2).await;
    let mut last = 0;
    for p in 1..=30u64 {
        last = abis.enrol(p, &person(p).0).await.unwrap();
    }
    let shards: std::collections::BTreeSet<u32> = (1..=30).map(|p| abis::shard_of(p, 3)).collect();
    assert_eq!(shards.len(), 3, "the persons are spread over the shards");
    for p in [1u64, 7, 13, 22, 30] {
        let s = abis.search(&person(p).1, None, 5, last).await.unwrap();
        assert!(s.is_complete(), "{s:?}");
        let best = s.candidates[0];
        assert_eq!(best.person_id, p, "{s:?}");
        assert!(best.score >= THRESHOLD, "{s:?}");
        assert!(
            s.candidates[1..].iter().all(|c| c.score < THRESHOLD),
            "no one else is a mate: {s:?}"
        );
    }
    // A stranger matches no one; the person searching is left out of its own answer.
    let s = abis.search(&person(999).1, None, 5, last).await.unwrap();
    assert!(s.is_complete() && s.candidates.iter().all(|c| c.score < THRESHOLD));
    let s = abis.search(&person(7).1, Some(7), 5, last).await.unwrap();
    assert!(s.candidates.iter().all(|c| c.person_id != 7), "{s:?}");

    let status = abis.status(Duration::from_millis(500)).await.unwrap();
    assert_eq!(status.shards.len(), 3);
    assert!(status.shards.iter().all(|s| s.replicas == 2), "{status:?}");
    assert_eq!(status.shards.iter().map(|s| s.persons).sum::<u64>(), 30);
    assert_eq!(status.shards.iter().map(|s| s.fingers).sum::<u64>(), 300);
    assert_eq!(status.stream_last_seq, last);
    drop(cluster);
    abis.delete_gallery().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_enrolment_is_seen_by_the_next_search_and_a_removal_too() {
    let Some(url) = nats().await else { return };
    let ns = namespace();
    let abis = Abis::connect(&url, ns.clone(), 2, Duration::from_secs(5))
        .await
        .unwrap();
    let _cluster = Cluster::start(&url, &ns, 2, 1).await;
    for round in 0..10u64 {
        let p = 100 + round;
        // No pause: the search carries the enrolment's sequence and every shard applies up to it first.
        let seq = abis.enrol(p, &person(p).0).await.unwrap();
        let s = abis.search(&person(p).1, None, 3, seq).await.unwrap();
        assert_eq!(s.candidates.first().map(|c| c.person_id), Some(p), "{s:?}");
        let seq = abis.remove(p).await.unwrap();
        let s = abis.search(&person(p).1, None, 3, seq).await.unwrap();
        assert!(s.candidates.iter().all(|c| c.person_id != p), "{s:?}");
    }
    abis.delete_gallery().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_replica_stopped_mid_search_leaves_the_search_complete() {
    let Some(url) = nats().await else { return };
    let ns = namespace();
    let abis = Abis::connect(&url, ns.clone(), 2, Duration::from_secs(5))
        .await
        .unwrap();
    let mut cluster = Cluster::start(&url, &ns, 2, 2).await;
    let mut last = 0;
    for p in 1..=12u64 {
        last = abis.enrol(p, &person(p).0).await.unwrap();
    }
    // Stop one replica of each shard while a search is in flight.
    let probe = person(5).1;
    let search = abis.search(&probe, None, 3, last);
    let stop = async {
        tokio::time::sleep(Duration::from_millis(1)).await;
        cluster.stop(0);
        cluster.stop(3);
    };
    let (s, ()) = tokio::join!(search, stop);
    let s = s.unwrap();
    assert!(s.is_complete(), "{s:?}");
    assert_eq!(s.candidates[0].person_id, 5);
    // And the next searches go to the replicas left.
    for p in [2u64, 9] {
        let s = abis.search(&person(p).1, None, 3, last).await.unwrap();
        assert!(s.is_complete(), "{s:?}");
        assert_eq!(s.candidates[0].person_id, p);
    }
    abis.delete_gallery().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_shard_with_no_replica_makes_searches_incomplete_until_a_node_replays_it() {
    let Some(url) = nats().await else { return };
    let ns = namespace();
    let abis = Abis::connect(&url, ns.clone(), 3, Duration::from_secs(2))
        .await
        .unwrap();
    let mut cluster = Cluster::start(&url, &ns, 3, 2).await;
    let mut last = 0;
    for p in 1..=30u64 {
        last = abis.enrol(p, &person(p).0).await.unwrap();
    }
    let on_1 = (1..=30u64).find(|p| abis::shard_of(*p, 3) == 1).unwrap();
    cluster.stop(2);
    cluster.stop(3);
    let s = abis.search(&person(on_1).1, None, 3, last).await.unwrap();
    assert_eq!(s.missing, vec![1], "{s:?}");
    assert!(!s.is_complete());
    assert!(s.candidates.iter().all(|c| c.person_id != on_1));
    let status = abis.status(Duration::from_millis(500)).await.unwrap();
    assert_eq!(status.shards[1].replicas, 0, "{status:?}");

    // Enrolments go on while the shard is down; a new node replays them all.
    let late = (31..=60u64).find(|p| abis::shard_of(*p, 3) == 1).unwrap();
    let seq = abis.enrol(late, &person(late).0).await.unwrap();
    cluster.restart(2, 2).await;
    for p in [on_1, late] {
        let s = abis.search(&person(p).1, None, 3, seq).await.unwrap();
        assert!(s.is_complete(), "{s:?}");
        assert_eq!(s.candidates[0].person_id, p);
    }
    abis.delete_gallery().await.unwrap();
}

//! The matcher-node drill with real processes: `shenas abis node` × 3 shards × 2 replicas against the NATS server on
//! this machine (skipped with a message where none answers, unless `SHENAS_REQUIRE_NATS=1`). A replica killed
//! with SIGKILL while a search is in flight: the search completes. Both replicas of a shard killed: searches are
//! incomplete. A node restarted: it replays its shard and searches complete again. `shenas abis status --json`
//! shows it all.

#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

use abis::testing::person;
use abis::{Abis, Namespace};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const SHARDS: u32 = 3;

async fn nats() -> Option<String> {
    let url = std::env::var("SHENAS_NATS_URL").unwrap_or_else(|_| "nats://127.0.0.1:4222".into());
    let probe = Abis::connect(
        &url,
        Namespace::new("probe").unwrap(),
        1,
        Duration::from_secs(1),
    )
    .await;
    match probe {
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

struct Nodes {
    ns: Namespace,
    url: String,
    log: std::path::PathBuf,
    /// `(shard, name, process)`.
    running: Vec<(u32, String, Child)>,
}

impl Nodes {
    fn spawn(&mut self, shard: u32, name: &str) {
        let log = std::fs::File::create(self.log.join(format!("{name}.log"))).unwrap();
        let child = Command::new(env!("CARGO_BIN_EXE_shenas"))
            .args(["abis", "node", "--nats", &self.url, "--name", name])
            .args([
                "--shard",
                &shard.to_string(),
                "--shards",
                &SHARDS.to_string(),
            ])
            .env("SHENAS_ABIS__NAMESPACE", self.ns.as_str())
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .unwrap();
        self.running.push((shard, name.to_string(), child));
    }

    /// SIGKILL, as a crash.
    fn kill(&mut self, name: &str) {
        let i = self.running.iter().position(|(_, n, _)| n == name).unwrap();
        let (_, _, mut child) = self.running.remove(i);
        child.kill().unwrap();
        child.wait().unwrap();
    }
}

impl Drop for Nodes {
    fn drop(&mut self) {
        for (_, _, c) in &mut self.running {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

/// Waits until each shard has the replicas wanted answering searches.
async fn replicas(abis: &Abis, want: [u32; SHARDS as usize]) -> abis::ClusterStatus {
    let started = Instant::now();
    loop {
        let s = abis.status(Duration::from_millis(300)).await.unwrap();
        let got: Vec<u32> = s.shards.iter().map(|x| x.replicas).collect();
        if got == want {
            return s;
        }
        assert!(
            started.elapsed() < Duration::from_secs(90),
            "replicas {got:?}, want {want:?}: {s:?}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_replicas_incomplete_searches_and_a_replaying_restart() {
    let Some(url) = nats().await else { return };
    let ns = Namespace::new(&format!("d{:015x}", rand::random::<u64>() >> 4)).unwrap();
    let abis = Abis::connect(&url, ns.clone(), SHARDS, Duration::from_secs(4))
        .await
        .unwrap();
    // The gallery is in the stream before any node starts: the nodes replay it.
    let mut last = 0;
    for p in 1..=30u64 {
        last = abis.enrol(p, &person(p).0).await.unwrap();
    }
    let dir = tempfile::tempdir().unwrap();
    let mut nodes = Nodes {
        ns: ns.clone(),
        url: url.clone(),
        log: dir.path().to_path_buf(),
        running: Vec::new(),
    };
    for shard in 0..SHARDS {
        for r in 0..2 {
            nodes.spawn(shard, &format!("n{shard}{r}"));
        }
    }
    let s = replicas(&abis, [2, 2, 2]).await;
    assert_eq!(s.shards.iter().map(|x| x.persons).sum::<u64>(), 30, "{s:?}");
    let on = |shard: u32| {
        (1..=30u64)
            .find(|p| abis::shard_of(*p, SHARDS) == shard)
            .unwrap()
    };

    // One replica of each shard killed while a search is in flight: every search still completes.
    for shard in 0..SHARDS {
        let p = on(shard);
        let probe = person(p).1;
        let search = abis.search(&probe, None, 3, last);
        let kill = async {
            tokio::time::sleep(Duration::from_millis(2)).await;
            nodes.kill(&format!("n{shard}0"));
        };
        let (found, ()) = tokio::join!(search, kill);
        let found = found.unwrap();
        assert!(found.is_complete(), "{found:?}");
        assert_eq!(found.candidates[0].person_id, p, "{found:?}");
    }
    replicas(&abis, [1, 1, 1]).await;

    // Both replicas of shard 1 gone: searches are incomplete, and say which shard is missing.
    nodes.kill("n11");
    let found = abis.search(&person(on(0)).1, None, 3, last).await.unwrap();
    assert_eq!(found.missing, vec![1], "{found:?}");

    // Enrolments go on meanwhile; a restarted node replays the shard and takes them all.
    let late = (31..=90u64)
        .find(|p| abis::shard_of(*p, SHARDS) == 1)
        .unwrap();
    let seq = abis.enrol(late, &person(late).0).await.unwrap();
    nodes.spawn(1, "n12");
    replicas(&abis, [1, 1, 1]).await;
    for p in [on(1), late] {
        let found = abis.search(&person(p).1, None, 3, seq).await.unwrap();
        assert!(found.is_complete(), "{found:?}");
        assert_eq!(found.candidates[0].person_id, p, "{found:?}");
    }

    // The operator's view, in the contract's shape.
    let out = Command::new(env!("CARGO_BIN_EXE_shenas"))
        .args(["abis", "status", "--json", "--nats", &url])
        .env("SHENAS_ABIS__NAMESPACE", ns.as_str())
        .env("SHENAS_ABIS__SHARDS", SHARDS.to_string())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    let v: serde_json::Value = serde_json::from_str(text.lines().last().unwrap()).unwrap();
    let shards = v["shards"].as_array().unwrap();
    assert_eq!(shards.len(), SHARDS as usize, "{v}");
    for (i, s) in shards.iter().enumerate() {
        assert_eq!(s["shard"], i as u64, "{v}");
        assert_eq!(s["replicas"], 1, "{v}");
        assert!(s["last_seq"].as_u64().unwrap() > 0, "{v}");
        assert_eq!(
            s["fingers"].as_u64(),
            s["persons"].as_u64().map(|n| n * 10),
            "{v}"
        );
    }
    let persons: u64 = shards.iter().map(|s| s["persons"].as_u64().unwrap()).sum();
    assert_eq!(persons, 31, "{v}");
    drop(nodes);
    abis.delete_gallery().await.unwrap();
}

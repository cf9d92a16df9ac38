//! Sizing of the matcher nodes, side by side with the one-process gallery, in one run:
//!
//! `cargo run --release -p shenas-abis --example sizing -- [--fingers 1000000] [--shards 4] [--probes 40]
//!  [--concurrency 4] [--nats nats://127.0.0.1:4222]`
//!
//! Synthetic persons (ten fingers each) fill one in-process gallery and, through the JetStream gallery stream,
//! `--shards` matcher nodes started in this process. Printed as JSON: the time to build the one-process gallery
//! and its resident memory per finger; the time to publish the stream and for the nodes to replay it; then, for
//! the same ten-finger probes (another impression of enrolled persons), the latency of searches one at a time
//! and the throughput with `--concurrency` searches in flight, in the one-process gallery and on the nodes, with
//! the rank-1 hits of each.

use abis::{Abis, Namespace, NodeConfig, NodeHandle};
use biometrics::gallery::Gallery;
use biometrics::synth::{perturb, synthetic_minutiae, Rng};
use biometrics::Template;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// A person, their other impression as the blob a node receives, and as templates.
type Probe = (u64, Vec<u8>, Vec<(u8, Template)>);

struct Args {
    fingers: usize,
    shards: u32,
    probes: usize,
    concurrency: usize,
    nats: String,
}

fn args() -> Args {
    let mut a = Args {
        fingers: 1_000_000,
        shards: 4,
        probes: 40,
        concurrency: 4,
        nats: "nats://127.0.0.1:4222".into(),
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let v = it.next().unwrap_or_default();
        match flag.as_str() {
            "--fingers" => a.fingers = v.parse().expect("--fingers N"),
            "--shards" => a.shards = v.parse().expect("--shards N"),
            "--probes" => a.probes = v.parse().expect("--probes N"),
            "--concurrency" => a.concurrency = v.parse().expect("--concurrency N"),
            "--nats" => a.nats = v,
            other => panic!("unknown flag {other}"),
        }
    }
    a
}

/// Person `p`'s ten fingers (or another impression of them).
fn fingers(p: u64, again: bool) -> Vec<(u8, Template)> {
    let mut rng = Rng::new(p.wrapping_mul(0x9E37_79B9) ^ 0x5eed);
    let mut noise = Rng::new(p ^ 0xA11CE);
    (1..=10u8)
        .map(|position| {
            let m = synthetic_minutiae(&mut rng);
            let m = if again {
                perturb(&m, &mut noise, 0.12, (8.0, -6.0), 2.5, 0.12)
            } else {
                m
            };
            (position, Template::from_minutiae(m))
        })
        .collect()
}

fn rss_bytes() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .map_or(0, |kb| kb * 1024)
}

#[derive(serde::Serialize)]
struct Latency {
    mean_ms: f64,
    p50_ms: f64,
    p99_ms: f64,
    max_ms: f64,
    rank1: usize,
    probes: usize,
    throughput_per_s: f64,
}

fn latency(mut ms: Vec<f64>, rank1: usize, throughput_per_s: f64) -> Latency {
    ms.sort_by(f64::total_cmp);
    let at = |q: f64| ms[((ms.len() as f64 - 1.0) * q).round() as usize];
    Latency {
        mean_ms: ms.iter().sum::<f64>() / ms.len() as f64,
        p50_ms: at(0.5),
        p99_ms: at(0.99),
        max_ms: at(1.0),
        rank1,
        probes: ms.len(),
        throughput_per_s,
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let a = args();
    let persons = (a.fingers / 10).max(1) as u64;
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());

    // The persons' fingers as the service stores them, made first (not timed with what follows).
    let t = Instant::now();
    let blobs: Vec<Vec<u8>> = (1..=persons)
        .map(|p| biometrics::fingers::encode(&fingers(p, false)))
        .collect();
    eprintln!(
        "{persons} persons made in {:.1} s",
        t.elapsed().as_secs_f64()
    );

    // The one-process gallery, from the same blobs a node receives.
    let before = rss_bytes();
    let t = Instant::now();
    let mut one = Gallery::new();
    for (p, blob) in (1..=persons).zip(&blobs) {
        for (position, f) in biometrics::fingers::decode(blob).map_err(anyhow::Error::msg)? {
            one.insert(p, position, f)?;
        }
    }
    let build_s = t.elapsed().as_secs_f64();
    let one_rss = rss_bytes().saturating_sub(before);
    let one = Arc::new(one);
    eprintln!(
        "one-process gallery: {} fingers in {build_s:.1} s",
        one.len()
    );

    // The stream, then the nodes replaying it.
    let ns = Namespace::new(&format!("sizing{:08x}", rand_u32()))?;
    let abis = Abis::connect(&a.nats, ns.clone(), a.shards, Duration::from_secs(30)).await?;
    let t = Instant::now();
    let mut last = 0;
    let numbered: Vec<(u64, &Vec<u8>)> = (1..=persons).zip(&blobs).collect();
    for chunk in numbered.chunks(512) {
        let acks = chunk.iter().map(|(p, blob)| {
            let abis = abis.clone();
            async move { abis.enrol(*p, blob).await }
        });
        for seq in futures::future::join_all(acks).await {
            last = last.max(seq?);
        }
    }
    let publish_s = t.elapsed().as_secs_f64();
    drop(blobs);
    eprintln!("published {persons} persons in {publish_s:.1} s");
    let t = Instant::now();
    let mut nodes = Vec::new();
    for shard in 0..a.shards {
        nodes.push(NodeHandle::start(NodeConfig::new(&a.nats, ns.clone(), shard, a.shards)).await?);
    }
    for n in &nodes {
        n.caught_up().await;
    }
    let replay_s = t.elapsed().as_secs_f64();
    let node_fingers: u64 = nodes.iter().map(|n| n.status().fingers).sum();
    eprintln!(
        "{} nodes replayed {node_fingers} fingers in {replay_s:.1} s",
        nodes.len()
    );

    // The same probes, one at a time, alternating between the two.
    let probes: Vec<Probe> = (0..a.probes as u64)
        .map(|i| {
            let p = 1 + (i * 7919) % persons;
            let f = fingers(p, true);
            (p, biometrics::fingers::encode(&f), f)
        })
        .collect();
    let (mut one_ms, mut nodes_ms, mut one_hits, mut node_hits) = (Vec::new(), Vec::new(), 0, 0);
    for (p, blob, f) in &probes {
        let t = Instant::now();
        let g = one.clone();
        let f = f.clone();
        let c = tokio::task::spawn_blocking(move || g.search(&f, 10)).await?;
        one_ms.push(t.elapsed().as_secs_f64() * 1e3);
        one_hits += usize::from(c.first().map(|c| c.person_id) == Some(*p));
        let t = Instant::now();
        let s = abis.search(blob, None, 10, last).await?;
        nodes_ms.push(t.elapsed().as_secs_f64() * 1e3);
        anyhow::ensure!(s.is_complete(), "a search missed shards {:?}", s.missing);
        node_hits += usize::from(s.candidates.first().map(|c| c.person_id) == Some(*p));
    }

    // Throughput: `concurrency` searches in flight over the same probes.
    let t = Instant::now();
    let mut queue = probes.iter().cycle().take(probes.len());
    let mut inflight = futures::stream::FuturesUnordered::new();
    use futures::StreamExt;
    loop {
        while inflight.len() < a.concurrency {
            let Some((_, _, f)) = queue.next() else { break };
            let (g, f) = (one.clone(), f.clone());
            inflight.push(tokio::task::spawn_blocking(move || g.search(&f, 10)));
        }
        if inflight.next().await.is_none() {
            break;
        }
    }
    let one_tput = probes.len() as f64 / t.elapsed().as_secs_f64();
    let t = Instant::now();
    let mut queue = probes.iter();
    let mut inflight = futures::stream::FuturesUnordered::new();
    loop {
        while inflight.len() < a.concurrency {
            let Some((_, blob, _)) = queue.next() else {
                break;
            };
            let abis = abis.clone();
            inflight.push(async move { abis.search(blob, None, 10, last).await });
        }
        match inflight.next().await {
            Some(r) => anyhow::ensure!(r?.is_complete(), "incomplete search"),
            None => break,
        }
    }
    let nodes_tput = probes.len() as f64 / t.elapsed().as_secs_f64();

    let report = serde_json::json!({
        "cores": cores,
        "fingers": one.len(),
        "persons": persons,
        "shards": a.shards,
        "one_process": {
            "build_s": build_s,
            "build_us_per_finger": build_s * 1e6 / one.len() as f64,
            "rss_bytes_per_finger": one_rss as f64 / one.len() as f64,
            "search": latency(one_ms, one_hits, one_tput),
        },
        "nodes": {
            "publish_s": publish_s,
            "replay_s": replay_s,
            "replay_s_per_million_fingers": replay_s * 1e6 / node_fingers.max(1) as f64,
            "fingers": node_fingers,
            "search": latency(nodes_ms, node_hits, nodes_tput),
        },
        "concurrency": a.concurrency,
    });
    println!("{}", serde_json::to_string_pretty(&report)?);
    for n in nodes {
        n.stop();
    }
    abis.delete_gallery().await?;
    Ok(())
}

fn rand_u32() -> u32 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u32(std::process::id());
    h.finish() as u32
}

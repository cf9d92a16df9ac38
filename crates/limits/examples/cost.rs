//! What a limit check costs, in memory and in Redis, side by side in one run:
//! `cargo run --release -p shenas-limits --example cost -- [redis://127.0.0.1:6379] [checks]`.
//! One task after another (the latency a request pays), then 64 tasks at once (the throughput of one instance).

#![allow(clippy::unwrap_used)] // an example: a failed unwrap is a failed run

use limits::{Fallback, RateLimiter, RedisCounter, RedisOptions};
use std::sync::Arc;
use std::time::Instant;

#[tokio::main]
async fn main() {
    let mut args = std::env::args().skip(1);
    let url = args
        .next()
        .unwrap_or_else(|| "redis://127.0.0.1:6379".into());
    let checks: u32 = args.next().map_or(20_000, |n| n.parse().unwrap());
    let redis = RedisCounter::new(RedisOptions {
        prefix: format!("shenas-bench:{:016x}", rand::random::<u64>()),
        ..RedisOptions::new(url.as_str(), rand::random())
    })
    .unwrap();
    let engines = [
        ("memory", Arc::new(RateLimiter::memory())),
        (
            "redis",
            Arc::new(RateLimiter::shared(Arc::new(redis), Fallback::default())),
        ),
    ];
    println!(
        "{checks} checks per engine, on {} cores",
        std::thread::available_parallelism().map_or(0, |n| n.get())
    );
    for (name, l) in engines {
        // Warm up (the connection is made at first use).
        l.check("warm-up", u32::MAX).await.unwrap();
        let t = Instant::now();
        for i in 0..checks {
            let _ = l
                .check(
                    &format!("status:ip:198.51.{}.{}", i / 250 % 250, i % 250),
                    60,
                )
                .await;
        }
        let one = t.elapsed();
        let t = Instant::now();
        let mut tasks = tokio::task::JoinSet::new();
        for w in 0..64u32 {
            let l = l.clone();
            let n = checks / 64;
            tasks.spawn(async move {
                for i in 0..n {
                    let _ = l.check(&format!("status:nc:{w}:{i}"), 20).await;
                }
            });
        }
        tasks.join_all().await;
        let many = t.elapsed();
        assert!(
            !l.is_degraded(),
            "{name}: the shared counter failed during the run"
        );
        println!(
            "{name:>6}: one at a time {:>7.1} µs a check ({:>8.0}/s); 64 at once {:>8.0} checks/s",
            one.as_secs_f64() * 1e6 / f64::from(checks),
            f64::from(checks) / one.as_secs_f64(),
            f64::from(checks / 64 * 64) / many.as_secs_f64(),
        );
    }
}

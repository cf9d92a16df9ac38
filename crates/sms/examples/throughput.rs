//! How fast `KannelSender` gets messages into a real Kannel (the harness's bearerbox, smsbox
//! and fakesmsc), with several concurrent senders as the outbox runs them.
//!
//! ```text
//! cargo run --release -p shenas-sms --example throughput -- [messages] [concurrency]...
//! cargo run --release -p shenas-sms --example throughput -- 5000 16 32 64
//! ```
//!
//! For each concurrency it prints the messages/s smsbox accepted (HTTP 202), how many
//! fakesmsc received and how fast, and how many delivery reports reached our receiver.
#![allow(clippy::unwrap_used)]

#[path = "../tests/common/mod.rs"]
mod common;

use sms::testing::KannelHarness;
use sms::{KannelSender, OutgoingSms, SmsSender};
use std::sync::atomic::{AtomicI64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

const TEXT: &str = "شهروند گرامی، کارت هوشمند ملی شما آماده‌ی تحویل است. کد: ۱۲۳۴۵";

#[tokio::main]
async fn main() {
    let args: Vec<usize> = std::env::args()
        .skip(1)
        .map(|a| a.parse().expect("numbers: messages then concurrencies"))
        .collect();
    let messages = args.first().copied().unwrap_or(5000);
    let concurrencies = if args.len() > 1 {
        args[1..].to_vec()
    } else {
        vec![16, 32, 64]
    };
    assert!(TEXT.chars().count() <= 70, "one SMS part per message");

    let receiver = common::Receiver::start().await;
    let kannel = KannelHarness::start(&receiver.base).await.unwrap();
    let sender = KannelSender::new(kannel.sendsms_config());
    println!(
        "Kannel in {} ; {} messages per run, {} cores",
        kannel.dir().display(),
        messages,
        std::thread::available_parallelism().map_or(0, |n| n.get())
    );

    let next_id = Arc::new(AtomicI64::new(1));
    for concurrency in concurrencies {
        let received_before = kannel.received_count();
        let dlrs_before = receiver.dlr_count();
        let remaining = Arc::new(AtomicUsize::new(messages));
        let failures = Arc::new(AtomicUsize::new(0));
        let latencies = Arc::new(std::sync::Mutex::new(Vec::with_capacity(messages)));
        let started = Instant::now();
        let mut workers = Vec::new();
        for _ in 0..concurrency {
            let (sender, remaining, failures, next_id, latencies) = (
                sender.clone(),
                Arc::clone(&remaining),
                Arc::clone(&failures),
                Arc::clone(&next_id),
                Arc::clone(&latencies),
            );
            workers.push(tokio::spawn(async move {
                while remaining
                    .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |n| n.checked_sub(1))
                    .is_ok()
                {
                    let sms = OutgoingSms {
                        id: next_id.fetch_add(1, Ordering::Relaxed),
                        to: "09121234567".into(),
                        text: TEXT.into(),
                    };
                    let t = Instant::now();
                    let outcome = sender.send(&sms).await;
                    latencies.lock().unwrap().push(t.elapsed());
                    if let Err(e) = outcome {
                        if failures.fetch_add(1, Ordering::Relaxed) < 3 {
                            eprintln!("send failed: {e}");
                        }
                    }
                }
            }));
        }
        for w in workers {
            w.await.unwrap();
        }
        let accepted_in = started.elapsed();
        let failed = failures.load(Ordering::Relaxed);
        let accepted = messages - failed;

        let want = received_before + accepted;
        let _ = kannel.wait_for(want, Duration::from_secs(60)).await;
        let received_in = started.elapsed();
        let received = kannel.received_count() - received_before;
        receiver
            .until(Duration::from_secs(30), |s| {
                s.dlrs.lock().unwrap().len() >= dlrs_before + 2 * accepted
            })
            .await;
        let dlrs = receiver.dlr_count() - dlrs_before;
        let dlrs_in = started.elapsed();
        let mut lat = latencies.lock().unwrap().clone();
        lat.sort();
        let pct = |p: usize| lat[(lat.len() * p / 100).min(lat.len() - 1)].as_secs_f64() * 1e3;

        println!(
            "concurrency {concurrency:>3}: accepted {accepted}/{messages} in {:.2} s = {:.0} msg/s \
             (failed {failed}); fakesmsc received {received} in {:.2} s = {:.0} msg/s; \
             {dlrs} DLRs in {:.2} s; send latency p50 {:.1} ms, p99 {:.1} ms",
            accepted_in.as_secs_f64(),
            accepted as f64 / accepted_in.as_secs_f64(),
            received_in.as_secs_f64(),
            received as f64 / received_in.as_secs_f64(),
            dlrs_in.as_secs_f64(),
            pct(50),
            pct(99),
        );
    }
    println!("{}", sender.name());
}

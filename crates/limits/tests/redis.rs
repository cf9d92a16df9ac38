//! The Redis engine against a real Redis (`SHENAS_TEST_REDIS_URL`, default `redis://127.0.0.1:6379`): two limiters
//! (two instances) share their counts, no count is lost when both count at once, Redis holds only hashed keys that
//! expire, a Redis that is away leaves each instance limiting on its own, and the limiter goes back to Redis once
//! it answers. Skipped with a message where no Redis answers, unless `SHENAS_REQUIRE_REDIS=1`.

#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

use limits::{Counter, Fallback, RateLimiter, RedisCounter, RedisOptions, Window};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::net::TcpListener;
use tokio::task::JoinSet;

const SECRET: [u8; 32] = [7; 32];

/// The test Redis's URL, or `None` (after saying so) where none answers and none is required.
async fn redis_url() -> Option<String> {
    let url =
        std::env::var("SHENAS_TEST_REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".into());
    let answers = async {
        let client = redis::Client::open(url.as_str()).ok()?;
        let mut c = client.get_multiplexed_async_connection().await.ok()?;
        redis::cmd("PING").query_async::<String>(&mut c).await.ok()
    };
    match tokio::time::timeout(Duration::from_secs(2), answers).await {
        Ok(Some(_)) => Some(url),
        _ if std::env::var("SHENAS_REQUIRE_REDIS").as_deref() == Ok("1") => {
            panic!("SHENAS_REQUIRE_REDIS=1 but no Redis answers at {url}")
        }
        _ => {
            eprintln!(
                "skipped: no Redis answers at {url} (set SHENAS_REQUIRE_REDIS=1 to fail instead)"
            );
            None
        }
    }
}

fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

/// A prefix of this test's own, so that runs and tests never share counts.
fn prefix() -> String {
    format!("shenas-test:{:016x}", rand::random::<u64>())
}

fn options(url: &str, prefix: &str) -> RedisOptions {
    RedisOptions {
        prefix: prefix.into(),
        ..RedisOptions::new(url, SECRET)
    }
}

fn quick() -> Fallback {
    Fallback {
        retry_after: Duration::from_millis(100),
        warn_every: Duration::from_secs(60),
    }
}

fn limiter(o: RedisOptions) -> RateLimiter {
    RateLimiter::shared(Arc::new(RedisCounter::new(o).unwrap()), quick())
}

async fn raw(url: &str) -> redis::aio::MultiplexedConnection {
    redis::Client::open(url)
        .unwrap()
        .get_multiplexed_async_connection()
        .await
        .unwrap()
}

#[tokio::test]
async fn two_instances_share_one_limit_and_redis_holds_only_hashes() {
    let Some(url) = redis_url().await else { return };
    let p = prefix();
    let (a, b) = (limiter(options(&url, &p)), limiter(options(&url, &p)));
    let key = "status:nc:0499370899";
    let now = unix_now();
    macro_rules! check {
        ($l:expr) => {
            $l.check_at(key, Window::Minute, 5, now)
        };
    }
    // Five uses split between the instances, then the sixth refused at either.
    for (i, l) in [&a, &b, &a, &b, &a].into_iter().enumerate() {
        assert_eq!(check!(l).await, Ok(()), "use {}", i + 1);
    }
    assert_eq!(check!(&b).await, Err(Window::Minute.remaining(now)));
    assert!(check!(&a).await.is_err());
    assert!(!a.is_degraded() && !b.is_degraded());
    // Another prefix (another deployment, another test) counts apart.
    let other = limiter(options(&url, &prefix()));
    assert_eq!(check!(&other).await, Ok(()));

    let mut c = raw(&url).await;
    let keys: Vec<String> = redis::cmd("KEYS")
        .arg(format!("{p}:m:*"))
        .query_async(&mut c)
        .await
        .unwrap();
    assert_eq!(keys.len(), 1, "{keys:?}");
    let k = &keys[0];
    assert!(!k.contains("0499370899") && !k.contains("status"), "{k}");
    let count: u64 = redis::cmd("GET").arg(k).query_async(&mut c).await.unwrap();
    assert_eq!(count, 7);
    let ttl: i64 = redis::cmd("TTL").arg(k).query_async(&mut c).await.unwrap();
    assert!((1..=90).contains(&ttl), "expires after its minute: {ttl}");
}

#[tokio::test]
async fn an_instance_hashing_under_another_secret_is_told() {
    let Some(url) = redis_url().await else { return };
    let p = prefix();
    let now = unix_now();
    let first = RedisCounter::new(options(&url, &p)).unwrap();
    first.hit("k", Window::Minute, now).await.unwrap();
    let alike = RedisCounter::new(options(&url, &p)).unwrap();
    assert_eq!(alike.hit("k", Window::Minute, now).await.unwrap(), 2);
    let other = RedisCounter::new(RedisOptions {
        key_secret: [8; 32],
        ..options(&url, &p)
    })
    .unwrap();
    assert_eq!(
        other.hit("k", Window::Minute, now).await.unwrap(),
        1,
        "counts apart"
    );
    assert!(!first.secret_differs() && !alike.secret_differs());
    assert!(other.secret_differs());
}

#[tokio::test]
async fn concurrent_checks_from_two_instances_lose_no_count() {
    let Some(url) = redis_url().await else { return };
    let p = prefix();
    let a = Arc::new(limiter(options(&url, &p)));
    let b = Arc::new(limiter(options(&url, &p)));
    // One instant for the whole test, so that no window's end falls inside it.
    let now = unix_now();
    let mut set = JoinSet::new();
    for i in 0..200 {
        let l = if i % 2 == 0 { a.clone() } else { b.clone() };
        set.spawn(async move { l.check_at("verify:agency:7", Window::Hour, 120, now).await });
    }
    let answers = set.join_all().await;
    assert_eq!(answers.iter().filter(|a| a.is_ok()).count(), 120);
    assert!(answers
        .iter()
        .filter_map(|a| a.err())
        .all(|wait| wait == Window::Hour.remaining(now)));
}

/// A port where nothing listens.
async fn closed_port() -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
    l.local_addr().unwrap().port()
}

#[tokio::test]
async fn with_redis_away_each_instance_limits_on_its_own_without_waiting() {
    // Needs no Redis: the point is that there is none.
    let url = format!("redis://127.0.0.1:{}", closed_port().await);
    let counter = RedisCounter::new(options(&url, &prefix())).unwrap();
    assert!(counter.hit("k", Window::Minute, 60).await.is_err());
    let l = limiter(options(&url, &prefix()));
    let started = Instant::now();
    for i in 0..3 {
        assert_eq!(
            l.check("file:ip:192.0.2.1", 3).await,
            Ok(()),
            "use {}",
            i + 1
        );
    }
    let wait = l.check("file:ip:192.0.2.1", 3).await.unwrap_err();
    assert!((1..=60).contains(&wait));
    assert_eq!(l.check("file:ip:192.0.2.2", 3).await, Ok(()));
    assert!(l.is_degraded());
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
}

/// A TCP relay to Redis that can be cut and brought back on the same port.
struct Relay {
    port: u16,
    tasks: JoinSet<()>,
}

impl Relay {
    async fn start(port: u16, target: &'static str) -> Self {
        let listener = TcpListener::bind(("127.0.0.1", port)).await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let mut tasks = JoinSet::new();
        tasks.spawn(async move {
            let mut conns = JoinSet::new();
            while let Ok((mut inbound, _)) = listener.accept().await {
                conns.spawn(async move {
                    if let Ok(mut out) = tokio::net::TcpStream::connect(target).await {
                        let _ = tokio::io::copy_bidirectional(&mut inbound, &mut out).await;
                    }
                });
            }
        });
        Self { port, tasks }
    }

    /// Closes the listener and every relayed connection.
    async fn cut(mut self) -> u16 {
        self.tasks.abort_all();
        while self.tasks.join_next().await.is_some() {}
        self.port
    }
}

#[tokio::test]
async fn the_limiter_goes_back_to_redis_once_it_answers() {
    let Some(url) = redis_url().await else { return };
    let Some(target) = url
        .strip_prefix("redis://")
        .filter(|t| !t.contains(['/', '@']))
    else {
        eprintln!("skipped: the relay test needs a plain redis://host:port URL");
        return;
    };
    let target: &'static str = Box::leak(target.to_string().into_boxed_str());
    let p = prefix();
    let relay = Relay::start(0, target).await;
    let through = limiter(options(&format!("redis://127.0.0.1:{}", relay.port), &p));
    let direct = limiter(options(&url, &p));
    let now = unix_now();
    macro_rules! check {
        ($l:expr) => {
            $l.check_at("login:ip:192.0.2.7", Window::Hour, 4, now)
        };
    }
    assert_eq!(check!(&through).await, Ok(()));
    assert_eq!(check!(&direct).await, Ok(()));

    // Redis away for the first instance: it counts on its own (memory: 1, 2, 3, 4, then refused).
    let port = relay.cut().await;
    for _ in 0..4 {
        assert_eq!(check!(&through).await, Ok(()));
    }
    assert!(through.is_degraded());
    assert!(check!(&through).await.is_err());

    // Back: within a few pauses the first instance counts in Redis again (2 there so far, then 3, 4, refused).
    let _relay = Relay::start(port, target).await;
    let deadline = Instant::now() + Duration::from_secs(5);
    while through.is_degraded() {
        assert!(Instant::now() < deadline, "still counting in memory");
        tokio::time::sleep(Duration::from_millis(50)).await;
        let _ = through.check_at("probe", Window::Hour, u32::MAX, now).await;
    }
    assert_eq!(check!(&through).await, Ok(()), "3 in Redis");
    assert_eq!(check!(&direct).await, Ok(()), "4 in Redis");
    assert!(check!(&through).await.is_err());
    assert!(check!(&direct).await.is_err());
}

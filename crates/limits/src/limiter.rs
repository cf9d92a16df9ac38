//! [`RateLimiter`]: what the service asks. Counts in a shared [`Counter`] (Redis) when one is configured, else in
//! memory; while the shared one fails it counts in memory and asks the shared one again after
//! [`Fallback::retry_after`], one request at a time, so an outage costs each request nothing more than a lock.
//! Metrics: `shenas_rate_limit_shared_up` (1 while the shared counter answers, 0 while it fails) and
//! `shenas_rate_limit_local_checks_total` (checks counted in memory although a shared counter is configured).

use crate::{Counter, MemoryCounter, Window};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// How the limiter behaves while its shared counter fails.
#[derive(Debug, Clone, Copy)]
pub struct Fallback {
    /// How long to count in memory after a failure before the shared counter is asked again.
    pub retry_after: Duration,
    /// At most one warning in this long while the shared counter keeps failing.
    pub warn_every: Duration,
}

impl Default for Fallback {
    fn default() -> Self {
        Self {
            retry_after: Duration::from_secs(5),
            warn_every: Duration::from_secs(60),
        }
    }
}

/// Fixed-window limits: [`Self::check`] per minute, [`Self::check_hourly`] per hour.
#[derive(Default)]
pub struct RateLimiter {
    shared: Option<Shared>,
    local: MemoryCounter,
}

struct Shared {
    counter: Arc<dyn Counter>,
    fallback: Fallback,
    health: Mutex<Health>,
}

#[derive(Default)]
struct Health {
    /// While the shared counter is failing: when it may be asked again.
    retry_at: Option<Instant>,
    last_warned: Option<Instant>,
    /// Checks counted in memory since the last warning.
    local_checks: u64,
}

impl RateLimiter {
    /// Counts in this process only.
    pub fn memory() -> Self {
        Self::default()
    }

    /// Counts in `counter`, shared with other instances, and in memory while it fails.
    pub fn shared(counter: Arc<dyn Counter>, fallback: Fallback) -> Self {
        metrics::gauge!("shenas_rate_limit_shared_up").set(1.0);
        Self {
            shared: Some(Shared {
                counter,
                fallback,
                health: Mutex::default(),
            }),
            local: MemoryCounter::default(),
        }
    }

    /// The engine counted in when all is well (`memory` or `redis`).
    pub fn engine(&self) -> &'static str {
        self.shared.as_ref().map_or("memory", |s| s.counter.name())
    }

    /// Whether the last use of the shared counter failed (counts are then in this instance's memory).
    pub fn is_degraded(&self) -> bool {
        self.shared
            .as_ref()
            .is_some_and(|s| s.health().retry_at.is_some())
    }

    /// Counts one use of `key`; `Err(seconds)` until its minute's window ends when it is over `per_minute`.
    pub async fn check(&self, key: &str, per_minute: u32) -> Result<(), u64> {
        self.check_in(key, Window::Minute, per_minute).await
    }

    /// Like [`Self::check`], in windows of an hour.
    pub async fn check_hourly(&self, key: &str, per_hour: u32) -> Result<(), u64> {
        self.check_in(key, Window::Hour, per_hour).await
    }

    /// Counts one use of `key` in `window`; `Err(seconds)` until that window ends when it is over `limit`.
    pub async fn check_in(&self, key: &str, window: Window, limit: u32) -> Result<(), u64> {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0);
        self.check_at(key, window, limit, now).await
    }

    /// Like [`Self::check_in`] at `now` (seconds since the Unix epoch).
    pub async fn check_at(
        &self,
        key: &str,
        window: Window,
        limit: u32,
        now: u64,
    ) -> Result<(), u64> {
        let n = self.count(key, window, now).await;
        if n > u64::from(limit) {
            Err(window.remaining(now))
        } else {
            Ok(())
        }
    }

    async fn count(&self, key: &str, window: Window, now: u64) -> u64 {
        let Some(shared) = &self.shared else {
            return self.local.count(key, window, now);
        };
        if shared.may_ask() {
            match shared.counter.hit(key, window, now).await {
                Ok(n) => {
                    shared.answered();
                    return n;
                }
                Err(e) => shared.failed(&e),
            }
        }
        metrics::counter!("shenas_rate_limit_local_checks_total").increment(1);
        self.local.count(key, window, now)
    }
}

impl Shared {
    fn health(&self) -> std::sync::MutexGuard<'_, Health> {
        match self.health.lock() {
            Ok(h) => h,
            Err(poisoned) => poisoned.into_inner(),
        }
    }

    /// Whether this check may ask the shared counter: always while it answers; once it failed, one check after
    /// each pause (the others count in memory meanwhile).
    fn may_ask(&self) -> bool {
        let mut h = self.health();
        match h.retry_at {
            None => true,
            Some(at) => {
                let now = Instant::now();
                if now >= at {
                    h.retry_at = Some(now + self.fallback.retry_after);
                    true
                } else {
                    h.local_checks += 1;
                    false
                }
            }
        }
    }

    fn answered(&self) {
        let mut h = self.health();
        if h.retry_at.take().is_some() {
            metrics::gauge!("shenas_rate_limit_shared_up").set(1.0);
            tracing::info!(
                engine = self.counter.name(),
                local_checks = h.local_checks,
                "rate limits: the shared counter answers again; limits hold across instances again"
            );
            h.local_checks = 0;
            h.last_warned = None;
        }
    }

    fn failed(&self, e: &crate::Unavailable) {
        let now = Instant::now();
        let mut h = self.health();
        h.retry_at = Some(now + self.fallback.retry_after);
        metrics::gauge!("shenas_rate_limit_shared_up").set(0.0);
        h.local_checks += 1;
        if h.last_warned
            .is_none_or(|t| now.duration_since(t) >= self.fallback.warn_every)
        {
            tracing::warn!(
                engine = self.counter.name(),
                error = %e,
                local_checks = h.local_checks,
                retry_in_ms = self.fallback.retry_after.as_millis() as u64,
                "rate limits: the shared counter is unavailable; this instance limits on its own (in memory) until it answers"
            );
            h.last_warned = Some(now);
            h.local_checks = 0;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Unavailable;
    use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

    #[tokio::test]
    async fn over_the_limit_is_told_when_to_come_back() {
        let l = RateLimiter::memory();
        for _ in 0..3 {
            assert!(l.check("a", 3).await.is_ok());
        }
        let wait = l.check("a", 3).await.unwrap_err();
        assert!((1..=60).contains(&wait));
        assert!(l.check("b", 3).await.is_ok());
        // Hourly windows count apart from the minute's.
        for _ in 0..2 {
            assert!(l.check_hourly("a", 2).await.is_ok());
        }
        let wait = l.check_hourly("a", 2).await.unwrap_err();
        assert!((1..=3600).contains(&wait));
    }

    /// A shared counter that fails while `down`, counting the times it was asked.
    #[derive(Default)]
    struct Flaky {
        down: AtomicBool,
        asked: AtomicU64,
        counts: MemoryCounter,
    }

    #[async_trait::async_trait]
    impl Counter for Flaky {
        async fn hit(&self, key: &str, window: Window, now: u64) -> Result<u64, Unavailable> {
            self.asked.fetch_add(1, Ordering::SeqCst);
            if self.down.load(Ordering::SeqCst) {
                return Err(Unavailable("down".into()));
            }
            Ok(self.counts.count(key, window, now))
        }
        fn name(&self) -> &'static str {
            "flaky"
        }
    }

    #[tokio::test]
    async fn a_failing_shared_counter_is_asked_once_per_pause_and_memory_limits_meanwhile() {
        let flaky = Arc::new(Flaky::default());
        let fallback = Fallback {
            retry_after: Duration::from_millis(200),
            warn_every: Duration::from_secs(60),
        };
        let l = RateLimiter::shared(flaky.clone(), fallback);
        let check = |key: &'static str| l.check_at(key, Window::Minute, 2, 6000);
        assert_eq!(l.engine(), "flaky");
        assert!(check("k").await.is_ok());
        assert_eq!(flaky.asked.load(Ordering::SeqCst), 1);
        flaky.down.store(true, Ordering::SeqCst);
        // The failing call and the next ones count in memory: the limit still holds.
        assert!(check("k").await.is_ok());
        assert!(check("k").await.is_ok());
        assert_eq!(check("k").await, Err(60));
        assert!(l.is_degraded());
        assert_eq!(
            flaky.asked.load(Ordering::SeqCst),
            2,
            "asked once, then left alone"
        );
        // After the pause it is asked again, and once it answers it is used for every check.
        flaky.down.store(false, Ordering::SeqCst);
        tokio::time::sleep(Duration::from_millis(250)).await;
        assert!(check("k").await.is_ok(), "the shared count goes on from 1");
        assert!(!l.is_degraded());
        assert!(check("k").await.is_err());
        assert_eq!(flaky.asked.load(Ordering::SeqCst), 4);
        assert!(check("other").await.is_ok());
        assert_eq!(flaky.asked.load(Ordering::SeqCst), 5);
    }
}

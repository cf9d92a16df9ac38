//! Fixed-window rate limits per key (a client address, a national code, a username), in memory. Windows of a
//! minute ([`RateLimiter::check`]) or of an hour ([`RateLimiter::check_hourly`]); a key over its limit is told when
//! the window ends (`Retry-After`). Each process limits on its own: behind a load balancer, give each instance its
//! share of the limit.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{SystemTime, UNIX_EPOCH};

const SHARDS: usize = 16;
const MINUTE: u64 = 60;
const HOUR: u64 = 3600;

#[derive(Default)]
pub struct RateLimiter {
    shards: [Mutex<Shard>; SHARDS],
    hourly: [Mutex<Shard>; SHARDS],
}

#[derive(Default)]
struct Shard {
    window: u64,
    counts: HashMap<String, u32>,
}

impl RateLimiter {
    /// Counts one use of `key`; `Err(seconds)` when it is over `per_minute` in this window.
    pub fn check(&self, key: &str, per_minute: u32) -> Result<(), u64> {
        count(&self.shards, MINUTE, key, per_minute)
    }

    /// Like [`Self::check`], in windows of an hour.
    pub fn check_hourly(&self, key: &str, per_hour: u32) -> Result<(), u64> {
        count(&self.hourly, HOUR, key, per_hour)
    }
}

fn count(shards: &[Mutex<Shard>; SHARDS], secs: u64, key: &str, limit: u32) -> Result<(), u64> {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let window = now / secs;
    let shard = &shards[shard_of(key)];
    let mut s = match shard.lock() {
        Ok(s) => s,
        Err(poisoned) => poisoned.into_inner(),
    };
    if s.window != window {
        s.window = window;
        s.counts.clear();
    }
    let n = s.counts.entry(key.to_string()).or_insert(0);
    *n = n.saturating_add(1);
    if *n > limit {
        Err((window + 1) * secs - now)
    } else {
        Ok(())
    }
}

fn shard_of(key: &str) -> usize {
    key.bytes().fold(0usize, |h, b| {
        h.wrapping_mul(31).wrapping_add(usize::from(b))
    }) % SHARDS
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn over_the_limit_is_told_when_to_come_back() {
        let l = RateLimiter::default();
        for _ in 0..3 {
            assert!(l.check("a", 3).is_ok());
        }
        let wait = l.check("a", 3).unwrap_err();
        assert!((1..=60).contains(&wait));
        assert!(l.check("b", 3).is_ok());
        // Hourly windows count apart from the minute's.
        for _ in 0..2 {
            assert!(l.check_hourly("a", 2).is_ok());
        }
        let wait = l.check_hourly("a", 2).unwrap_err();
        assert!((1..=3600).contains(&wait));
    }
}

//! The in-memory engine: counts in this process only (each instance behind a load balancer limits on its own).
//! Counts live in shards, each kept for its current window and cleared when the next begins.

use crate::{Counter, Unavailable, Window};
use std::collections::HashMap;
use std::sync::Mutex;

const SHARDS: usize = 16;

#[derive(Default)]
pub struct MemoryCounter {
    minutes: [Mutex<Shard>; SHARDS],
    hours: [Mutex<Shard>; SHARDS],
}

#[derive(Default)]
struct Shard {
    window: u64,
    counts: HashMap<String, u64>,
}

impl MemoryCounter {
    /// Counts one use of `key` in the window holding `now`: the uses so far, this one included.
    pub fn count(&self, key: &str, window: Window, now: u64) -> u64 {
        let shards = match window {
            Window::Minute => &self.minutes,
            Window::Hour => &self.hours,
        };
        let index = window.index(now);
        let mut s = match shards[shard_of(key)].lock() {
            Ok(s) => s,
            Err(poisoned) => poisoned.into_inner(),
        };
        if s.window != index {
            s.window = index;
            s.counts.clear();
        }
        let n = s.counts.entry(key.to_string()).or_insert(0);
        *n = n.saturating_add(1);
        *n
    }
}

#[async_trait::async_trait]
impl Counter for MemoryCounter {
    async fn hit(&self, key: &str, window: Window, now: u64) -> Result<u64, Unavailable> {
        Ok(self.count(key, window, now))
    }

    fn name(&self) -> &'static str {
        "memory"
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
    fn counts_per_key_and_window() {
        let m = MemoryCounter::default();
        assert_eq!(m.count("a", Window::Minute, 120), 1);
        assert_eq!(m.count("a", Window::Minute, 179), 2);
        assert_eq!(m.count("b", Window::Minute, 179), 1);
        // Hours count apart from minutes.
        assert_eq!(m.count("a", Window::Hour, 179), 1);
        // The next minute starts again.
        assert_eq!(m.count("a", Window::Minute, 180), 1);
    }
}

//! When each USSD session began, in memory: the gateway names a session by `sessionId` and replays its whole
//! input on every request, so the service keeps nothing else. Bounded (the oldest are forgotten first) and pruned
//! as it goes; an expired session is remembered a while longer so that it is told it expired.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Sessions remembered at most; beyond it the oldest are forgotten.
const MAX_SESSIONS: usize = 100_000;
/// How long an expired session is still recognised (and told so) before it is forgotten.
const KEEP_EXPIRED: Duration = Duration::from_secs(10 * 60);
/// Characters of a `sessionId` kept as its key.
pub const MAX_ID_CHARS: usize = 64;

#[derive(Default)]
pub struct Sessions {
    inner: Mutex<Inner>,
}

#[derive(Default)]
struct Inner {
    first_seen: HashMap<String, Instant>,
    /// Insertion order, which is also first-seen order.
    order: VecDeque<(Instant, String)>,
}

impl Sessions {
    /// How long ago the session was first seen; a new one is remembered from now and answers zero.
    pub fn age(&self, id: &str, ttl: Duration) -> Duration {
        let now = Instant::now();
        let key: String = id.chars().take(MAX_ID_CHARS).collect();
        let mut s = match self.inner.lock() {
            Ok(s) => s,
            Err(poisoned) => poisoned.into_inner(),
        };
        let keep = ttl.saturating_add(KEEP_EXPIRED);
        while let Some((at, _)) = s.order.front() {
            if now.saturating_duration_since(*at) <= keep && s.order.len() < MAX_SESSIONS {
                break;
            }
            if let Some((at, old)) = s.order.pop_front() {
                if s.first_seen.get(&old) == Some(&at) {
                    s.first_seen.remove(&old);
                }
            }
        }
        if let Some(at) = s.first_seen.get(&key) {
            return now.saturating_duration_since(*at);
        }
        s.first_seen.insert(key.clone(), now);
        s.order.push_back((now, key));
        Duration::ZERO
    }

    pub fn len(&self) -> usize {
        match self.inner.lock() {
            Ok(s) => s.first_seen.len(),
            Err(poisoned) => poisoned.into_inner().first_seen.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_seen_is_kept_and_old_ones_pruned() {
        let s = Sessions::default();
        let ttl = Duration::from_secs(180);
        assert_eq!(s.age("a", ttl), Duration::ZERO);
        std::thread::sleep(Duration::from_millis(5));
        assert!(s.age("a", ttl) >= Duration::from_millis(5));
        assert_eq!(s.age("b", ttl), Duration::ZERO);
        assert_eq!(s.len(), 2);
        // A very long identifier is one key, cut.
        let long = "x".repeat(10_000);
        s.age(&long, ttl);
        assert!(s.age(&long, ttl) > Duration::ZERO);
        assert_eq!(s.len(), 3);
    }

    #[test]
    fn bounded() {
        let s = Sessions::default();
        let ttl = Duration::from_secs(180);
        for i in 0..(MAX_SESSIONS + 10) {
            s.age(&i.to_string(), ttl);
        }
        assert!(s.len() <= MAX_SESSIONS);
        // The oldest went first.
        assert_eq!(s.age("0", ttl), Duration::ZERO);
    }
}

//! Rate limits in fixed windows of a minute or an hour, per key (a client address, a national code, a username). A
//! key over its limit is told when its window ends (`Retry-After`).
//!
//! The counting is behind a port, [`Counter`], with two engines: [`MemoryCounter`] (this process only, the
//! default) and [`RedisCounter`] (shared by every instance that names the same Redis and prefix, so a limit holds
//! across instances behind a load balancer). [`RateLimiter`] is what the service calls: it asks the shared counter
//! when there is one and, while that one fails, counts in this instance's memory instead (a national service keeps
//! serving when Redis is away; each instance then allows the whole limit on its own) and asks Redis again after a
//! short pause.
//!
//! Keys hold national codes and phone numbers: this crate never logs a key, and Redis only ever sees a keyed hash
//! of one (see [`redis_counter`]).

pub mod limiter;
pub mod memory;
pub mod redis_counter;

pub use limiter::{Fallback, RateLimiter};
pub use memory::MemoryCounter;
pub use redis_counter::{RedisCounter, RedisOptions};

/// The length of a fixed window.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Window {
    Minute,
    Hour,
}

impl Window {
    pub fn seconds(self) -> u64 {
        match self {
            Window::Minute => 60,
            Window::Hour => 3600,
        }
    }

    /// The number of the window holding `now` (seconds since the Unix epoch).
    pub fn index(self, now: u64) -> u64 {
        now / self.seconds()
    }

    /// Seconds from `now` until the window holding it ends (1 at least).
    pub fn remaining(self, now: u64) -> u64 {
        (self.index(now) + 1) * self.seconds() - now
    }
}

/// A counter that could not count (Redis away, too slow, or answering nonsense). Never holds a key.
#[derive(Debug, thiserror::Error)]
#[error("the rate-limit counter is unavailable: {0}")]
pub struct Unavailable(pub String);

/// Counts uses of keys in fixed windows.
#[async_trait::async_trait]
pub trait Counter: Send + Sync {
    /// Counts one use of `key` in the `window` holding `now` (seconds since the Unix epoch): the uses counted in
    /// that window so far, this one included.
    async fn hit(&self, key: &str, window: Window, now: u64) -> Result<u64, Unavailable>;

    /// What the logs call this engine (`memory`, `redis`).
    fn name(&self) -> &'static str;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_end_on_their_boundaries() {
        assert_eq!(Window::Minute.index(119), 1);
        assert_eq!(Window::Minute.remaining(119), 1);
        assert_eq!(Window::Minute.remaining(120), 60);
        assert_eq!(Window::Hour.remaining(3600 * 5 + 1), 3599);
    }
}

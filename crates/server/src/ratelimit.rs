//! Rate limits per key (a client address, a national code, a username) in fixed windows of a minute or an hour; a
//! key over its limit is told when its window ends (`Retry-After`). The engines live in the `limits` crate: in
//! memory by default (each instance limits on its own), or Redis (`[limits] redis_url`), where a limit holds
//! across every instance behind the load balancer and each instance counts in its own memory while Redis is away.

pub use limits::{Counter, Fallback, RateLimiter, RedisCounter, RedisOptions, Window};

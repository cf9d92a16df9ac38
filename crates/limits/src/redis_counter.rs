//! The Redis engine: counts shared by every instance that names the same Redis and prefix.
//!
//! One use is one round trip: `MULTI; INCR k; EXPIREAT k end; EXEC`, atomic, so concurrent instances never lose a
//! count. The key is `{prefix}:{m|h}:{window number}:{hash}`, where the hash is an HMAC-SHA-256 of the service's
//! key (truncated to 128 bits) under a secret every instance shares: Redis never holds a national code, a phone
//! number or an address in clear, and a reader of Redis cannot test guesses without the secret. Each key expires
//! shortly after its window ends. Windows are numbered from the instance's clock: instances keep time with NTP.
//!
//! The connection is made at first use (a service starts while Redis is away) and is remade by the connection
//! manager after a failure; every command has a deadline, so a Redis that hangs costs a request at most that. On
//! connecting, the counter leaves a fingerprint of its secret under `{prefix}:secret-id` and logs an error when
//! another instance left a different one there (instances that would silently count apart).

use crate::{Counter, Unavailable, Window};
use hmac::{Hmac, Mac};
use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use sha2::Sha256;
use std::time::Duration;
use tokio::sync::OnceCell;

/// Seconds a window's key outlives the window (instances whose clocks differ slightly still share it).
const KEY_SLACK_SECS: u64 = 30;

/// Where the shared counts live and how keys are hashed.
#[derive(Clone)]
pub struct RedisOptions {
    /// `redis://host:6379/0` (`redis://:password@host…`, `rediss://` for TLS where the client supports it).
    pub url: String,
    /// Put before every key (`shenas:rl`); instances that share limits use the same one.
    pub prefix: String,
    /// Keys are hashed under this; instances that share limits use the same one (`shenas serve` derives it from
    /// the blob key, which instances share).
    pub key_secret: [u8; 32],
    /// The deadline of a connection attempt and of each command.
    pub timeout: Duration,
}

impl RedisOptions {
    pub fn new(url: impl Into<String>, key_secret: [u8; 32]) -> Self {
        Self {
            url: url.into(),
            prefix: "shenas:rl".into(),
            key_secret,
            timeout: Duration::from_millis(300),
        }
    }
}

pub struct RedisCounter {
    client: redis::Client,
    conn: OnceCell<ConnectionManager>,
    prefix: String,
    mac: Hmac<Sha256>,
    timeout: Duration,
    /// Set once connected: whether another instance named the same prefix with another secret.
    mismatch: std::sync::OnceLock<bool>,
}

impl RedisCounter {
    /// Checks the URL only; the connection is made at first use.
    pub fn new(options: RedisOptions) -> Result<Self, Unavailable> {
        let client = redis::Client::open(options.url.as_str())
            .map_err(|e| Unavailable(format!("the Redis URL is not usable: {e}")))?;
        let mac = Hmac::<Sha256>::new_from_slice(&options.key_secret)
            .map_err(|_| Unavailable("the key secret is not usable".into()))?;
        Ok(Self {
            client,
            conn: OnceCell::new(),
            prefix: options.prefix,
            mac,
            timeout: options.timeout,
            mismatch: std::sync::OnceLock::new(),
        })
    }

    /// The Redis key that counts `key` in window number `index` of `window`.
    pub fn redis_key(&self, key: &str, window: Window, index: u64) -> String {
        let mut mac = self.mac.clone();
        mac.update(key.as_bytes());
        let digest = mac.finalize().into_bytes();
        let kind = match window {
            Window::Minute => "m",
            Window::Hour => "h",
        };
        format!(
            "{}:{kind}:{index}:{}",
            self.prefix,
            hex::encode(&digest[..16])
        )
    }

    /// Whether, when this counter connected, Redis held another secret's fingerprint under the same prefix: the
    /// instances hash keys differently and do not share their limits (their `keys_dir` differ).
    pub fn secret_differs(&self) -> bool {
        self.mismatch.get().copied().unwrap_or(false)
    }

    /// Leaves the secret's fingerprint in Redis (for an hour) and compares it with one already there.
    async fn compare_secrets(&self, mut conn: ConnectionManager) {
        let mut mac = self.mac.clone();
        mac.update(b"\0shenas rate-limit secret fingerprint");
        let mine = hex::encode(&mac.finalize().into_bytes()[..8]);
        let key = format!("{}:secret-id", self.prefix);
        let mut pipe = redis::pipe();
        pipe.cmd("SET")
            .arg(&key)
            .arg(&mine)
            .arg("NX")
            .arg("EX")
            .arg(3600)
            .ignore()
            .cmd("GET")
            .arg(&key);
        let held = tokio::time::timeout(
            self.timeout,
            pipe.query_async::<(Option<String>,)>(&mut conn),
        )
        .await;
        if let Ok(Ok((Some(held),))) = held {
            let differs = held != mine;
            if differs {
                tracing::error!(
                    prefix = %self.prefix,
                    "rate limits: another instance counts under this prefix with another key secret (its keys_dir \
                     differs, or the blob key changed within the hour): their limits are not shared with this one"
                );
            }
            let _ = self.mismatch.set(differs);
        }
    }

    async fn connection(&self) -> Result<ConnectionManager, Unavailable> {
        let conn = self
            .conn
            .get_or_try_init(|| async {
                let config = ConnectionManagerConfig::new()
                    .set_connection_timeout(self.timeout)
                    .set_response_timeout(self.timeout)
                    .set_number_of_retries(0);
                let made = tokio::time::timeout(
                    self.timeout * 2,
                    ConnectionManager::new_with_config(self.client.clone(), config),
                )
                .await
                .map_err(|_| Unavailable("no connection in time".into()))?
                .map_err(describe)?;
                self.compare_secrets(made.clone()).await;
                Ok::<_, Unavailable>(made)
            })
            .await?;
        Ok(conn.clone())
    }
}

#[async_trait::async_trait]
impl Counter for RedisCounter {
    async fn hit(&self, key: &str, window: Window, now: u64) -> Result<u64, Unavailable> {
        let mut conn = self.connection().await?;
        let index = window.index(now);
        let k = self.redis_key(key, window, index);
        let expires = (index + 1) * window.seconds() + KEY_SLACK_SECS;
        let expires = i64::try_from(expires).map_err(|_| Unavailable("the clock".into()))?;
        let mut pipe = redis::pipe();
        pipe.atomic().incr(&k, 1u64).expire_at(&k, expires).ignore();
        let (n,): (u64,) = tokio::time::timeout(self.timeout, pipe.query_async(&mut conn))
            .await
            .map_err(|_| Unavailable("no answer in time".into()))?
            .map_err(describe)?;
        Ok(n)
    }

    fn name(&self) -> &'static str {
        "redis"
    }
}

/// A Redis error as the logs may show it: the socket's or the server's words (a key is never in them, and it is
/// only ever a hash; the URL is not in them either).
fn describe(e: redis::RedisError) -> Unavailable {
    Unavailable(e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_hashed_under_the_secret() {
        let a = RedisCounter::new(RedisOptions::new("redis://127.0.0.1:1", [1; 32])).unwrap();
        let b = RedisCounter::new(RedisOptions::new("redis://127.0.0.1:1", [2; 32])).unwrap();
        let code = "status:nc:0499370899";
        let k = a.redis_key(code, Window::Minute, 29_000_000);
        assert!(k.starts_with("shenas:rl:m:29000000:"), "{k}");
        assert_eq!(k.len(), "shenas:rl:m:29000000:".len() + 32);
        assert!(!k.contains("0499370899"));
        assert_eq!(k, a.redis_key(code, Window::Minute, 29_000_000));
        assert_ne!(k, b.redis_key(code, Window::Minute, 29_000_000));
        assert_ne!(
            k,
            a.redis_key("status:nc:0499370898", Window::Minute, 29_000_000)
        );
        assert!(a
            .redis_key(code, Window::Hour, 7)
            .starts_with("shenas:rl:h:7:"));
    }
}

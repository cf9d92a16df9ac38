//! Login throttling per account, in memory. After [`FREE_FAILURES`] failed logins an account's next attempts wait
//! exponentially longer (1 s, 2 s, 4 s … up to [`MAX_DELAY`]) after its last failure, but only for the clients that
//! failed for it: a client that has not failed for the account may always try, so nobody can keep a named account
//! locked out by failing on purpose. A successful login clears that client's mark; the account's count of failures
//! is forgotten a day after the last one. How fast one client may try at all is the per-client limit's business
//! (`login:ip`, in [`crate::office::login`]).
//!
//! It also counts the argon2 verifications logins perform, one per attempt whether or not the account exists
//! (operators can watch it; the tests use it to show the unknown-user path costs what a known user's does).

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Failed logins an account may have before back-off begins.
pub const FREE_FAILURES: u32 = 5;
/// The longest a failing client waits between attempts on one account.
pub const MAX_DELAY: Duration = Duration::from_secs(15 * 60);
/// Failures older than this are forgotten.
const FORGET_AFTER: Duration = Duration::from_secs(24 * 3600);
/// Failing clients remembered per account (the oldest is forgotten first).
const MAX_CLIENTS: usize = 64;
/// Accounts remembered before the forgotten ones are swept out.
const SWEEP_AT: usize = 10_000;
/// The longest account name kept as a key (longer input is no username anyway).
const MAX_KEY: usize = 64;

pub struct LoginThrottle {
    accounts: Mutex<HashMap<String, Account>>,
    verifications: AtomicU64,
    free_failures: u32,
    first_delay: Duration,
}

impl Default for LoginThrottle {
    fn default() -> Self {
        Self::new(FREE_FAILURES, Duration::from_secs(1))
    }
}

struct Account {
    failures: u32,
    last_failure: Instant,
    /// Clients that failed for this account, most recent last.
    clients: VecDeque<String>,
}

/// How long after its last failure an account with `failures` failures waits, with the default parameters.
pub fn delay(failures: u32) -> Duration {
    delay_with(failures, FREE_FAILURES, Duration::from_secs(1))
}

fn delay_with(failures: u32, free: u32, first: Duration) -> Duration {
    if failures < free {
        return Duration::ZERO;
    }
    let exp = (failures - free).min(20);
    first.saturating_mul(1u32 << exp).min(MAX_DELAY)
}

fn key(username: &str) -> String {
    username.chars().take(MAX_KEY).collect()
}

impl LoginThrottle {
    /// Back-off after `free_failures` failures, waiting `first_delay` after the first of them and twice as long after
    /// each further one (at most [`MAX_DELAY`]).
    pub fn new(free_failures: u32, first_delay: Duration) -> Self {
        Self {
            accounts: Mutex::default(),
            verifications: AtomicU64::new(0),
            free_failures,
            first_delay,
        }
    }

    fn accounts(&self) -> std::sync::MutexGuard<'_, HashMap<String, Account>> {
        match self.accounts.lock() {
            Ok(a) => a,
            Err(poisoned) => poisoned.into_inner(),
        }
    }

    /// `Err(seconds to wait)` when `client` failed for `username` and the account is backing off.
    pub fn check(&self, username: &str, client: &str, now: Instant) -> Result<(), u64> {
        let accounts = self.accounts();
        let Some(a) = accounts.get(&key(username)) else {
            return Ok(());
        };
        if !a.clients.iter().any(|c| c == client) {
            return Ok(());
        }
        let until = a.last_failure + delay_with(a.failures, self.free_failures, self.first_delay);
        if now < until {
            let wait = until - now;
            Err(wait.as_secs() + u64::from(wait.subsec_nanos() > 0))
        } else {
            Ok(())
        }
    }

    /// Records a failed login.
    pub fn failed(&self, username: &str, client: &str, now: Instant) {
        let mut accounts = self.accounts();
        if accounts.len() >= SWEEP_AT {
            accounts.retain(|_, a| now.saturating_duration_since(a.last_failure) < FORGET_AFTER);
        }
        let a = accounts.entry(key(username)).or_insert_with(|| Account {
            failures: 0,
            last_failure: now,
            clients: VecDeque::new(),
        });
        if now.saturating_duration_since(a.last_failure) >= FORGET_AFTER {
            a.failures = 0;
        }
        a.failures = a.failures.saturating_add(1);
        a.last_failure = now;
        a.clients.retain(|c| c != client);
        a.clients.push_back(client.to_string());
        if a.clients.len() > MAX_CLIENTS {
            a.clients.pop_front();
        }
    }

    /// Records a successful login: this client is no longer held back (the others still are).
    pub fn succeeded(&self, username: &str, client: &str) {
        let mut accounts = self.accounts();
        let k = key(username);
        if let Some(a) = accounts.get_mut(&k) {
            a.clients.retain(|c| c != client);
            if a.clients.is_empty() {
                accounts.remove(&k);
            }
        }
    }

    /// Counts one argon2 verification.
    pub fn verified(&self) {
        self.verifications.fetch_add(1, Ordering::Relaxed);
    }

    /// The argon2 verifications logins have performed since start.
    pub fn verifications(&self) -> u64 {
        self.verifications.load(Ordering::Relaxed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_delay_doubles_up_to_a_ceiling() {
        assert_eq!(delay(0), Duration::ZERO);
        assert_eq!(delay(FREE_FAILURES - 1), Duration::ZERO);
        assert_eq!(delay(FREE_FAILURES), Duration::from_secs(1));
        assert_eq!(delay(FREE_FAILURES + 3), Duration::from_secs(8));
        assert_eq!(delay(FREE_FAILURES + 40), MAX_DELAY);
        assert_eq!(delay(u32::MAX), MAX_DELAY);
    }

    #[test]
    fn only_the_failing_clients_back_off() {
        let t = LoginThrottle::default();
        let t0 = Instant::now();
        for _ in 0..FREE_FAILURES {
            assert!(t.check("op", "attacker", t0).is_ok());
            t.failed("op", "attacker", t0);
        }
        // Past the free failures the attacker waits, another client does not, nor does another account.
        assert_eq!(t.check("op", "attacker", t0), Err(1));
        assert!(t.check("op", "office-pc", t0).is_ok());
        assert!(t.check("other", "attacker", t0).is_ok());
        // Each further failure doubles the wait, counted from the last failure.
        let t1 = t0 + Duration::from_secs(1);
        assert!(t.check("op", "attacker", t1).is_ok());
        t.failed("op", "attacker", t1);
        assert_eq!(t.check("op", "attacker", t1), Err(2));
        assert!(t
            .check("op", "attacker", t1 + Duration::from_secs(2))
            .is_ok());
        // A new client that fails joins the ones held back.
        t.failed("op", "second", t1);
        assert_eq!(t.check("op", "second", t1), Err(4));
        // The office PC logs in: it stays free; the attacker is still held back.
        t.succeeded("op", "office-pc");
        assert!(t.check("op", "attacker", t1).is_err());
        // A failing client that then logs in correctly is free again.
        t.succeeded("op", "second");
        assert!(t.check("op", "second", t1).is_ok());
        // A day later the count starts again.
        let later = t1 + FORGET_AFTER;
        t.failed("op", "attacker", later);
        assert!(t.check("op", "attacker", later).is_ok());
    }

    #[test]
    fn names_are_bounded() {
        let t = LoginThrottle::default();
        let long = "a".repeat(10_000);
        let now = Instant::now();
        for _ in 0..=FREE_FAILURES {
            t.failed(&long, "c", now);
        }
        assert!(t.check(&"a".repeat(MAX_KEY), "c", now).is_err());
        assert_eq!(t.accounts().keys().next().map(String::len), Some(MAX_KEY));
    }
}

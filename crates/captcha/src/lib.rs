//! Shenas image captcha: a self-hosted, stateless captcha for the Persian citizen portal.
//!
//! A [`Captcha`] issues challenges whose id carries everything needed to check them: a random
//! nonce, the expiry time, and an HMAC-SHA256 tag under the server's secret. The five-digit
//! answer is derived from the secret and the id, so the picture for an id can be drawn again
//! at any time ([`Captcha::render_png`]) and checked later ([`Captcha::verify`]) on any server
//! that holds the same secret. The picture shows the digits as Persian digits (۰۱۲۳۴۵۶۷۸۹) in
//! Vazirmatn Bold, each turned, shifted and scaled, over curved lines and speckles.
//!
//! Each id passes at most once: a checked id, right or wrong, is remembered (its nonce and
//! expiry only) until it expires, so one captcha gives one try. That memory is per process; a
//! portal behind several servers should send a captcha's checks to one of them or accept that
//! an id may be tried once on each.
//!
//! What it never does:
//! - it never stores answers, nor anything at all when issuing a challenge;
//! - it never logs answers, ids or the secret (it has no logging), and its [`Debug`] output
//!   leaves the secret out;
//! - it never sends an answer to a client: [`Captcha::answer`] exists for tests and load tools
//!   only.
//!
//! ```
//! use std::time::{Duration, SystemTime};
//! use captcha::{Captcha, CaptchaError};
//!
//! let captcha = Captcha::new([7u8; 32], Duration::from_secs(300));
//! let now = SystemTime::now();
//! let challenge = captcha.issue(now);
//! let png = captcha.render_png(&challenge.id)?;
//! assert!(png.starts_with(b"\x89PNG"));
//! // The person reads the picture and types the digits, perhaps in Persian.
//! let typed: String = captcha
//!     .answer(&challenge.id)?
//!     .chars()
//!     .map(|d| char::from_u32(0x06F0 + (d as u32 - '0' as u32)).unwrap_or(d))
//!     .collect();
//! assert_eq!(captcha.verify(&challenge.id, &typed, now), Ok(()));
//! assert_eq!(captcha.verify(&challenge.id, &typed, now), Err(CaptchaError::AlreadyUsed));
//! # Ok::<(), CaptchaError>(())
//! ```

#![forbid(unsafe_code)]

mod render;

use std::collections::HashMap;
use std::fmt;
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// How many digits an answer has.
pub const ANSWER_DIGITS: usize = 5;
/// Width of the rendered picture, in pixels.
pub const IMAGE_WIDTH: u32 = 200;
/// Height of the rendered picture, in pixels.
pub const IMAGE_HEIGHT: u32 = 70;
/// How many used ids are remembered at most before expired ones are pruned early.
pub const DEFAULT_MAX_REMEMBERED: usize = 1_000_000;
/// The shortest lifetime a challenge gets; shorter `ttl`s are raised to it.
pub const MIN_TTL: Duration = Duration::from_secs(1);
/// The longest lifetime a challenge gets; longer `ttl`s are lowered to it.
pub const MAX_TTL: Duration = Duration::from_secs(24 * 60 * 60);

const NONCE_LEN: usize = 12;
const EXPIRY_LEN: usize = 8;
const TAG_LEN: usize = 16;
const ID_BYTES: usize = NONCE_LEN + EXPIRY_LEN + TAG_LEN;
/// base64url without padding of [`ID_BYTES`] bytes.
const ID_CHARS: usize = ID_BYTES.div_ceil(3) * 4;
/// Typed answers longer than this (in bytes) are wrong without looking further.
const MAX_ANSWER_BYTES: usize = 256;
/// Expired entries are pruned after this many insertions even when far from the cap.
const PRUNE_EVERY: u64 = 4096;

type HmacSha256 = Hmac<Sha256>;

/// One issued challenge: the id to hand to the client, and when it stops being accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Challenge {
    /// Opaque, URL-safe id (48 characters); it carries no answer.
    pub id: String,
    /// The challenge is refused from this instant on (whole seconds since the Unix epoch).
    pub expires_at: SystemTime,
}

/// Why a captcha was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, thiserror::Error)]
pub enum CaptchaError {
    /// The id is not one this server issued: malformed, tampered with, or under another secret.
    #[error("the captcha id is malformed or was not issued by this server")]
    Malformed,
    /// The challenge's lifetime is over.
    #[error("the captcha has expired")]
    Expired,
    /// The typed answer is not the one in the picture.
    #[error("the captcha answer is wrong")]
    Wrong,
    /// The id was already checked once (rightly or wrongly).
    #[error("the captcha was already used")]
    AlreadyUsed,
}

impl CaptchaError {
    /// Stable machine-readable code for API responses.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Malformed => "captcha_invalid",
            Self::Expired => "captcha_expired",
            Self::Wrong => "captcha_wrong",
            Self::AlreadyUsed => "captcha_used",
        }
    }

    /// Message for a person, in English.
    pub fn message_en(&self) -> &'static str {
        match self {
            Self::Malformed => "The security code is not valid; please get a new one.",
            Self::Expired => "The security code has expired; please get a new one.",
            Self::Wrong => "The security code is not correct; please try again with a new one.",
            Self::AlreadyUsed => "This security code has already been used; please get a new one.",
        }
    }

    /// Message for a person, in Persian.
    pub fn message_fa(&self) -> &'static str {
        match self {
            Self::Malformed => "کد امنیتی معتبر نیست؛ کد تازه‌ای بگیرید",
            Self::Expired => "کد امنیتی منقضی شده است؛ کد تازه‌ای بگیرید",
            Self::Wrong => "کد امنیتی درست نیست؛ با کد تازه‌ای دوباره تلاش کنید",
            Self::AlreadyUsed => "این کد امنیتی پیش‌تر به کار رفته است؛ کد تازه‌ای بگیرید",
        }
    }
}

/// The fields of a genuine id.
#[derive(Clone, Copy)]
struct Parsed {
    nonce: [u8; NONCE_LEN],
    expiry: u64,
}

/// Ids already checked, each kept until its expiry (Unix seconds).
struct Used {
    ids: HashMap<[u8; NONCE_LEN], u64>,
    max: usize,
    inserts_since_prune: u64,
}

impl Used {
    fn prune(&mut self, now_secs: u64) {
        self.ids.retain(|_, expiry| *expiry > now_secs);
        self.inserts_since_prune = 0;
    }
}

/// Issues, draws and checks captchas. Share one per process (it is `Send + Sync`).
pub struct Captcha {
    secret: [u8; 32],
    ttl: Duration,
    used: Mutex<Used>,
}

impl fmt::Debug for Captcha {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Captcha")
            .field("secret", &"<redacted>")
            .field("ttl", &self.ttl)
            .field("remembered", &self.remembered())
            .finish()
    }
}

impl Captcha {
    /// A captcha keyed by `secret` (32 random bytes, kept private and the same on every server
    /// that checks these captchas) whose challenges live for `ttl`, rounded up to whole seconds
    /// and kept between [`MIN_TTL`] and [`MAX_TTL`].
    pub fn new(secret: [u8; 32], ttl: Duration) -> Self {
        let secs = ttl
            .as_secs()
            .saturating_add(u64::from(ttl.subsec_nanos() > 0));
        let ttl = Duration::from_secs(secs).clamp(MIN_TTL, MAX_TTL);
        Self {
            secret,
            ttl,
            used: Mutex::new(Used {
                ids: HashMap::new(),
                max: DEFAULT_MAX_REMEMBERED,
                inserts_since_prune: 0,
            }),
        }
    }

    /// The same captcha, remembering at most `max` used ids (at least 1) instead of
    /// [`DEFAULT_MAX_REMEMBERED`]. When that many unexpired ids are remembered, further
    /// checks are refused as [`CaptchaError::Expired`] until some expire: it fails closed
    /// rather than forget an id that could then pass again.
    pub fn with_max_remembered(self, max: usize) -> Self {
        let mut used = self.used.into_inner().unwrap_or_else(|e| e.into_inner());
        used.max = max.max(1);
        Self {
            secret: self.secret,
            ttl: self.ttl,
            used: Mutex::new(used),
        }
    }

    /// How long an issued challenge stays valid.
    pub fn ttl(&self) -> Duration {
        self.ttl
    }

    /// How many checked ids are remembered right now (including any expired ones not yet
    /// pruned); for metrics.
    pub fn remembered(&self) -> usize {
        self.lock_used().ids.len()
    }

    /// A new challenge, valid from `now` for [`Captcha::ttl`]. Stores nothing.
    pub fn issue(&self, now: SystemTime) -> Challenge {
        let nonce: [u8; NONCE_LEN] = rand::random();
        let expiry = unix_secs(now).saturating_add(self.ttl.as_secs());
        let mut bytes = [0u8; ID_BYTES];
        bytes[..NONCE_LEN].copy_from_slice(&nonce);
        bytes[NONCE_LEN..NONCE_LEN + EXPIRY_LEN].copy_from_slice(&expiry.to_be_bytes());
        let tag = self.mac(&[&nonce, &expiry.to_be_bytes()]);
        bytes[NONCE_LEN + EXPIRY_LEN..].copy_from_slice(&tag[..TAG_LEN]);
        Challenge {
            id: URL_SAFE_NO_PAD.encode(bytes),
            expires_at: UNIX_EPOCH + Duration::from_secs(expiry),
        }
    }

    /// Checks `answer` for challenge `id` at time `now`.
    ///
    /// The answer may be typed with Persian (۰-۹), Arabic-Indic (٠-٩) or ASCII digits, mixed,
    /// with spaces (and bidi or joiner marks) anywhere. A genuine, unexpired id is burnt by
    /// this call whatever the answer: a second call with it gives
    /// [`CaptchaError::AlreadyUsed`] until it expires.
    pub fn verify(&self, id: &str, answer: &str, now: SystemTime) -> Result<(), CaptchaError> {
        let parsed = self.parse(id)?;
        let now_secs = unix_secs(now);
        if !is_before_expiry(now, parsed.expiry) {
            return Err(CaptchaError::Expired);
        }
        self.remember(parsed, now_secs)?;
        let expected = self.answer_of(&parsed);
        match normalize_answer(answer) {
            Some(typed) if constant_time_eq(&typed, &expected) => Ok(()),
            _ => Err(CaptchaError::Wrong),
        }
    }

    /// The picture for challenge `id`: a PNG of [`IMAGE_WIDTH`] × [`IMAGE_HEIGHT`] pixels.
    /// The same id always gives the same bytes. Expired ids are still drawn (checking refuses
    /// them); ids this server did not issue are refused.
    pub fn render_png(&self, id: &str) -> Result<Vec<u8>, CaptchaError> {
        let parsed = self.parse(id)?;
        let digits = self.answer_of(&parsed);
        let seed = self.mac(&[b"render", &parsed.nonce, &parsed.expiry.to_be_bytes()]);
        Ok(render::render_png(&digits, seed))
    }

    /// The answer (five ASCII digits) for challenge `id`.
    ///
    /// For tests and load tools only; never send this to a client.
    pub fn answer(&self, id: &str) -> Result<String, CaptchaError> {
        let parsed = self.parse(id)?;
        Ok(self
            .answer_of(&parsed)
            .iter()
            .map(|&d| char::from(b'0' + d))
            .collect())
    }

    /// Decodes `id` and checks its tag (in constant time).
    fn parse(&self, id: &str) -> Result<Parsed, CaptchaError> {
        if id.len() != ID_CHARS {
            return Err(CaptchaError::Malformed);
        }
        let bytes = URL_SAFE_NO_PAD
            .decode(id)
            .map_err(|_| CaptchaError::Malformed)?;
        if bytes.len() != ID_BYTES {
            return Err(CaptchaError::Malformed);
        }
        let mut nonce = [0u8; NONCE_LEN];
        nonce.copy_from_slice(&bytes[..NONCE_LEN]);
        let mut expiry = [0u8; EXPIRY_LEN];
        expiry.copy_from_slice(&bytes[NONCE_LEN..NONCE_LEN + EXPIRY_LEN]);
        let mut mac = self.hmac();
        mac.update(&bytes[..NONCE_LEN + EXPIRY_LEN]);
        mac.verify_truncated_left(&bytes[NONCE_LEN + EXPIRY_LEN..])
            .map_err(|_| CaptchaError::Malformed)?;
        Ok(Parsed {
            nonce,
            expiry: u64::from_be_bytes(expiry),
        })
    }

    /// The answer's digits (0-9 each), from HMAC(secret, "answer" || nonce || expiry).
    fn answer_of(&self, parsed: &Parsed) -> [u8; ANSWER_DIGITS] {
        let mac = self.mac(&[b"answer", &parsed.nonce, &parsed.expiry.to_be_bytes()]);
        let mut head = [0u8; 8];
        head.copy_from_slice(&mac[..8]);
        // 2^64 mod 10^5 is tiny next to 2^64, so the bias is far below anything measurable.
        let mut n = u64::from_be_bytes(head) % 100_000;
        let mut digits = [0u8; ANSWER_DIGITS];
        for d in digits.iter_mut().rev() {
            *d = (n % 10) as u8;
            n /= 10;
        }
        digits
    }

    /// Burns `parsed`'s id: Err if it was used already, or if it cannot be remembered.
    fn remember(&self, parsed: Parsed, now_secs: u64) -> Result<(), CaptchaError> {
        let mut used = self.lock_used();
        // An entry outlives its id, so a remembered nonce is always one still alive.
        if used.ids.contains_key(&parsed.nonce) {
            return Err(CaptchaError::AlreadyUsed);
        }
        used.inserts_since_prune += 1;
        if used.ids.len() >= used.max || used.inserts_since_prune >= PRUNE_EVERY {
            used.prune(now_secs);
        }
        if used.ids.len() >= used.max {
            // Full of ids still alive: refuse rather than forget one that could then pass again.
            return Err(CaptchaError::Expired);
        }
        used.ids.insert(parsed.nonce, parsed.expiry);
        Ok(())
    }

    fn lock_used(&self) -> MutexGuard<'_, Used> {
        // The map is consistent after any panic in the few lines that hold the lock.
        self.used.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn hmac(&self) -> HmacSha256 {
        // HMAC takes keys of any length, so this never fails.
        <HmacSha256 as Mac>::new_from_slice(&self.secret)
            .unwrap_or_else(|_| unreachable!("HMAC accepts a 32-byte key"))
    }

    fn mac(&self, parts: &[&[u8]]) -> [u8; 32] {
        let mut mac = self.hmac();
        for part in parts {
            mac.update(part);
        }
        mac.finalize().into_bytes().into()
    }
}

/// Whole seconds since the Unix epoch (0 before it).
fn unix_secs(t: SystemTime) -> u64 {
    t.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

/// True while `now` is strictly before `expiry` (Unix seconds).
fn is_before_expiry(now: SystemTime, expiry: u64) -> bool {
    match now.duration_since(UNIX_EPOCH) {
        Ok(since) => since < Duration::from_secs(expiry),
        Err(_) => true,
    }
}

/// The typed answer as digit values, or None if it has anything but digits, spaces and
/// invisible marks, or is not [`ANSWER_DIGITS`] long.
fn normalize_answer(answer: &str) -> Option<[u8; ANSWER_DIGITS]> {
    if answer.len() > MAX_ANSWER_BYTES {
        return None;
    }
    let mut digits = [0u8; ANSWER_DIGITS];
    let mut n = 0;
    for c in answer.chars() {
        if let Some(d) = shenas_text::digit_value(c) {
            *digits.get_mut(n)? = d;
            n += 1;
            continue;
        }
        match c {
            // Zero-width (non-)joiner, bidi marks and the BOM, which Persian keyboards and
            // copy-paste bring along.
            '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' => {}
            '\u{FEFF}' => {}
            c if c.is_whitespace() => {}
            _ => return None,
        }
    }
    (n == ANSWER_DIGITS).then_some(digits)
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests;

//! What the portal signs with the process's web secret (HMAC-SHA256): the token that proves step one of
//! registration passed (identity and captcha), and the citizen's cookie that opens the pages of one application.
//! Each signature covers a purpose label first, so a value signed for one use is never accepted for another.
//! Nothing here is stored on the server: a restart draws a new secret and every token and cookie lapses.

use crate::auth::hex;
use axum::http::header::{HeaderMap, COOKIE};
use hmac::{Hmac, Mac};
use sha2::Sha256;
use std::time::{Duration, SystemTime};

/// The cookie that opens one application's pages.
pub const COOKIE_NAME: &str = "shenas_citizen";
/// How long step one's proof lasts.
pub const STEP1_TTL: Duration = Duration::from_secs(20 * 60);
/// How long the citizen's cookie lasts.
pub const COOKIE_TTL: Duration = Duration::from_secs(2 * 3600);

type HmacSha256 = Hmac<Sha256>;

fn mac(secret: &[u8; 32], parts: &[&str]) -> Option<HmacSha256> {
    let mut m = HmacSha256::new_from_slice(secret).ok()?;
    for (i, p) in parts.iter().enumerate() {
        if i > 0 {
            m.update(b"|");
        }
        m.update(p.as_bytes());
    }
    Some(m)
}

fn sign(secret: &[u8; 32], parts: &[&str]) -> String {
    mac(secret, parts)
        .map(|m| hex(&m.finalize().into_bytes()))
        .unwrap_or_default()
}

fn verify(secret: &[u8; 32], parts: &[&str], tag: &str) -> bool {
    let Some(bytes) = unhex(tag) else {
        return false;
    };
    mac(secret, parts).is_some_and(|m| m.verify_slice(&bytes).is_ok())
}

fn unhex(s: &str) -> Option<Vec<u8>> {
    if s.len() != 64 || !s.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
        .collect()
}

pub fn unix(t: SystemTime) -> u64 {
    t.duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// Step one's identifiers, in their canonical form, as the second step's hidden fields carry them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Step1 {
    pub national_code: String,
    pub series_letter: String,
    pub series_number: String,
    pub serial: String,
}

impl Step1 {
    fn parts<'a>(&'a self, expiry: &'a str) -> [&'a str; 6] {
        [
            "step1",
            &self.national_code,
            &self.series_letter,
            &self.series_number,
            &self.serial,
            expiry,
        ]
    }

    /// `expiry.tag`, valid until `now` + [`STEP1_TTL`].
    pub fn token(&self, secret: &[u8; 32], now: SystemTime) -> String {
        let expiry = (unix(now) + STEP1_TTL.as_secs()).to_string();
        format!("{expiry}.{}", sign(secret, &self.parts(&expiry)))
    }

    /// Whether `token` was signed for these identifiers and has not expired.
    pub fn check(&self, secret: &[u8; 32], token: &str, now: SystemTime) -> Result<(), Refused> {
        let (expiry, tag) = token.split_once('.').ok_or(Refused::Forged)?;
        let at: u64 = expiry.parse().map_err(|_| Refused::Forged)?;
        if !verify(secret, &self.parts(expiry), tag) {
            return Err(Refused::Forged);
        }
        if unix(now) > at {
            return Err(Refused::Expired);
        }
        Ok(())
    }
}

/// Why a token or cookie was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refused {
    Forged,
    Expired,
}

/// The citizen's cookie: whose application it opens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Citizen {
    pub national_code: String,
    pub tracking_code: String,
}

impl Citizen {
    /// The `Set-Cookie` value: `national_code.tracking_code.expiry.tag`, HttpOnly, SameSite=Lax, two hours.
    pub fn set_cookie(&self, secret: &[u8; 32], now: SystemTime) -> String {
        let expiry = (unix(now) + COOKIE_TTL.as_secs()).to_string();
        let tag = sign(
            secret,
            &["citizen", &self.national_code, &self.tracking_code, &expiry],
        );
        format!(
            "{COOKIE_NAME}={}.{}.{expiry}.{tag}; HttpOnly; SameSite=Lax; Path=/; Max-Age={}",
            self.national_code,
            self.tracking_code,
            COOKIE_TTL.as_secs()
        )
    }

    /// The cookie's value, when its signature holds and it has not expired.
    pub fn parse(secret: &[u8; 32], value: &str, now: SystemTime) -> Option<Self> {
        let mut it = value.split('.');
        let (nc, tc, expiry, tag) = (it.next()?, it.next()?, it.next()?, it.next()?);
        if it.next().is_some() || !verify(secret, &["citizen", nc, tc, expiry], tag) {
            return None;
        }
        if unix(now) > expiry.parse::<u64>().ok()? {
            return None;
        }
        Some(Self {
            national_code: nc.into(),
            tracking_code: tc.into(),
        })
    }

    /// The valid citizen cookie among the request's cookies, if any.
    pub fn from_headers(secret: &[u8; 32], headers: &HeaderMap, now: SystemTime) -> Option<Self> {
        headers
            .get_all(COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(';'))
            .filter_map(|c| c.trim().split_once('='))
            .filter(|(name, _)| *name == COOKIE_NAME)
            .find_map(|(_, value)| Self::parse(secret, value, now))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use axum::http::HeaderValue;

    const SECRET: [u8; 32] = [7; 32];

    fn step1() -> Step1 {
        Step1 {
            national_code: "0499370899".into(),
            series_letter: "ج".into(),
            series_number: "12".into(),
            serial: "345678".into(),
        }
    }

    #[test]
    fn step1_tokens_are_bound_to_their_fields_and_expire() {
        let now = SystemTime::now();
        let t = step1().token(&SECRET, now);
        assert_eq!(step1().check(&SECRET, &t, now), Ok(()));
        let mut other = step1();
        other.serial = "345679".into();
        assert_eq!(other.check(&SECRET, &t, now), Err(Refused::Forged));
        assert_eq!(step1().check(&[8; 32], &t, now), Err(Refused::Forged));
        let later = now + STEP1_TTL + Duration::from_secs(2);
        assert_eq!(step1().check(&SECRET, &t, later), Err(Refused::Expired));
        // A pushed-back expiry breaks the signature.
        let (_, tag) = t.split_once('.').unwrap();
        let forged = format!("{}.{tag}", unix(later) + 60);
        assert_eq!(step1().check(&SECRET, &forged, later), Err(Refused::Forged));
        for junk in ["", ".", "abc", "1.zz", "99999999999.00"] {
            assert_eq!(step1().check(&SECRET, junk, now), Err(Refused::Forged));
        }
    }

    #[test]
    fn cookies_round_trip_and_refuse_tampering() {
        let now = SystemTime::now();
        let c = Citizen {
            national_code: "0499370899".into(),
            tracking_code: "493820175643".into(),
        };
        let set = c.set_cookie(&SECRET, now);
        assert!(set.contains("HttpOnly") && set.contains("SameSite=Lax") && set.contains("Path=/"));
        let pair = set.split(';').next().unwrap();
        let mut h = HeaderMap::new();
        h.insert(
            COOKIE,
            HeaderValue::from_str(&format!("other=1; {pair}")).unwrap(),
        );
        assert_eq!(Citizen::from_headers(&SECRET, &h, now), Some(c.clone()));
        assert_eq!(Citizen::from_headers(&[1; 32], &h, now), None);
        let late = now + COOKIE_TTL + Duration::from_secs(2);
        assert_eq!(Citizen::from_headers(&SECRET, &h, late), None);
        let value = pair.split_once('=').unwrap().1;
        let swapped = value.replacen("493820175643", "493820175650", 1);
        assert_eq!(Citizen::parse(&SECRET, &swapped, now), None);
    }
}

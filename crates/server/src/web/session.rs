//! What the portal signs with the process's web secret (HMAC-SHA256): the token that proves step one of
//! registration passed (identity and captcha), and the citizen's cookie that opens the pages of one application.
//! Each signature covers a purpose label first, so a value signed for one use is never accepted for another.
//! Nothing here is stored on the server: a restart draws a new secret and every token and cookie lapses.

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
        .map(|m| hex::encode(m.finalize().into_bytes()))
        .unwrap_or_default()
}

fn verify(secret: &[u8; 32], parts: &[&str], tag: &str) -> bool {
    let Some(bytes) = unhex(tag) else {
        return false;
    };
    mac(secret, parts).is_some_and(|m| m.verify_slice(&bytes).is_ok())
}

/// A MAC in hex: exactly 32 bytes.
fn unhex(s: &str) -> Option<Vec<u8>> {
    (s.len() == 64).then(|| hex::decode(s).ok()).flatten()
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

/// The citizen's cookie: whose application it opens. The cookie carries the tracking code, its expiry and a tag
/// over the national code, the tracking code and the expiry; the national code itself never leaves the server
/// (the page checks the tag against the application's holder, read from the store).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Citizen {
    pub national_code: String,
    pub tracking_code: String,
}

impl Citizen {
    fn tag(&self, secret: &[u8; 32], expiry: &str) -> String {
        sign(
            secret,
            &["citizen", &self.national_code, &self.tracking_code, expiry],
        )
    }

    /// The `Set-Cookie` value: `tracking_code.expiry.tag`, HttpOnly, SameSite=Lax, two hours; `Secure` when the
    /// service is served over https.
    pub fn set_cookie(&self, secret: &[u8; 32], now: SystemTime, secure: bool) -> String {
        let expiry = (unix(now) + COOKIE_TTL.as_secs()).to_string();
        format!(
            "{COOKIE_NAME}={}.{expiry}.{}; HttpOnly; SameSite=Lax; Path=/; Max-Age={}{}",
            self.tracking_code,
            self.tag(secret, &expiry),
            COOKIE_TTL.as_secs(),
            if secure { "; Secure" } else { "" }
        )
    }

    /// Whether `value` was signed for this citizen and has not expired.
    pub fn opened_by(&self, secret: &[u8; 32], value: &str, now: SystemTime) -> bool {
        let mut it = value.split('.');
        let (Some(tc), Some(expiry), Some(tag), None) =
            (it.next(), it.next(), it.next(), it.next())
        else {
            return false;
        };
        tc == self.tracking_code
            && expiry.parse::<u64>().is_ok_and(|at| unix(now) <= at)
            && verify(
                secret,
                &["citizen", &self.national_code, &self.tracking_code, expiry],
                tag,
            )
    }

    /// Whether one of the request's citizen cookies opens this citizen's application.
    pub fn opened_by_headers(
        &self,
        secret: &[u8; 32],
        headers: &HeaderMap,
        now: SystemTime,
    ) -> bool {
        cookie_values(headers).any(|v| self.opened_by(secret, v, now))
    }
}

/// The values of the request's citizen cookies.
pub fn cookie_values(headers: &HeaderMap) -> impl Iterator<Item = &str> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|c| c.trim().split_once('='))
        .filter(|(name, _)| *name == COOKIE_NAME)
        .map(|(_, value)| value)
}

/// Whether the request carries a citizen cookie naming `tracking_code` at all (its tag not checked yet: that
/// needs the application's holder).
pub fn names(headers: &HeaderMap, tracking_code: &str) -> bool {
    cookie_values(headers).any(|v| v.split('.').next() == Some(tracking_code))
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
        let set = c.set_cookie(&SECRET, now, false);
        assert!(set.contains("HttpOnly") && set.contains("SameSite=Lax") && set.contains("Path=/"));
        assert!(!set.contains("Secure"));
        assert!(c.set_cookie(&SECRET, now, true).ends_with("; Secure"));
        // The national code is not in the cookie, in any form a reader could take back.
        assert!(!set.contains("0499370899"), "{set}");
        let pair = set.split(';').next().unwrap();
        let mut h = HeaderMap::new();
        h.insert(
            COOKIE,
            HeaderValue::from_str(&format!("other=1; {pair}")).unwrap(),
        );
        assert!(names(&h, "493820175643"));
        assert!(!names(&h, "493820175650"));
        assert!(c.opened_by_headers(&SECRET, &h, now));
        assert!(!c.opened_by_headers(&[1; 32], &h, now));
        let late = now + COOKIE_TTL + Duration::from_secs(2);
        assert!(!c.opened_by_headers(&SECRET, &h, late));
        // Another holder of the same tracking code (the tag covers the national code).
        let stranger = Citizen {
            national_code: "0012345679".into(),
            ..c.clone()
        };
        assert!(!stranger.opened_by_headers(&SECRET, &h, now));
        let value = pair.split_once('=').unwrap().1;
        let swapped = value.replacen("493820175643", "493820175650", 1);
        let other = Citizen {
            tracking_code: "493820175650".into(),
            ..c.clone()
        };
        assert!(!other.opened_by(&SECRET, &swapped, now));
        for junk in [
            "",
            "493820175643",
            "493820175643.1.2.3",
            "493820175643.x.00",
        ] {
            assert!(!c.opened_by(&SECRET, junk, now), "{junk}");
        }
    }
}

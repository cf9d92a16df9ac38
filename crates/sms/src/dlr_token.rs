//! The per-message token in each `dlr-url`: an HMAC-SHA256 of the outbox row id under a key only the service holds
//! (truncated to 128 bits, hex). Row ids are sequential and easy to guess; the token is not, so a delivery report
//! can only name the message whose `dlr-url` Kannel was given. Checked in constant time. The key must outlive a
//! restart (reports arrive hours later): the service keeps it in `keys/dlr.key`.

use hmac::{Hmac, Mac};
use sha2::Sha256;
use std::fmt;

type HmacSha256 = Hmac<Sha256>;

/// Bytes of the MAC kept in a token (shown as twice as many hex digits).
const TOKEN_BYTES: usize = 16;

/// Makes and checks the `token` of a `dlr-url`.
#[derive(Clone)]
pub struct DlrTokens {
    key: [u8; 32],
}

impl fmt::Debug for DlrTokens {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("DlrTokens(***)")
    }
}

impl DlrTokens {
    pub fn new(key: [u8; 32]) -> Self {
        Self { key }
    }

    fn mac(&self, id: i64) -> Option<HmacSha256> {
        let mut m = HmacSha256::new_from_slice(&self.key).ok()?;
        m.update(b"shenas dlr-url v1\0");
        m.update(id.to_string().as_bytes());
        Some(m)
    }

    /// The token for outbox row `id`: 32 lower-case hex digits.
    pub fn token(&self, id: i64) -> String {
        let Some(m) = self.mac(id) else {
            return String::new();
        };
        hex::encode(&m.finalize().into_bytes()[..TOKEN_BYTES])
    }

    /// Whether `token` is the one made for row `id` (constant time in the token's bytes).
    pub fn verify(&self, id: i64, token: &str) -> bool {
        let Some(bytes) = unhex(token.trim()) else {
            return false;
        };
        if bytes.len() != TOKEN_BYTES {
            return false;
        }
        self.mac(id)
            .is_some_and(|m| m.verify_truncated_left(&bytes).is_ok())
    }
}

fn unhex(s: &str) -> Option<Vec<u8>> {
    hex::decode(s).ok()
}

#[cfg(test)]
mod tests {
    use super::DlrTokens;

    #[test]
    fn a_token_names_one_message_under_one_key() {
        let t = DlrTokens::new([7; 32]);
        let a = t.token(41);
        assert_eq!(a.len(), 32);
        assert!(a.bytes().all(|b| b.is_ascii_hexdigit()));
        assert!(t.verify(41, &a));
        assert!(t.verify(41, &a.to_uppercase()));
        assert!(!t.verify(42, &a), "another message");
        assert!(!DlrTokens::new([8; 32]).verify(41, &a), "another key");
        assert!(!t.verify(41, &a[..30]));
        assert!(!t.verify(41, ""));
        assert!(!t.verify(41, "zz"));
        assert_ne!(t.token(1), t.token(2));
    }
}

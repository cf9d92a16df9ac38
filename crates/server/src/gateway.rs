//! Who may call the gateways' callbacks: Kannel's `/sms/incoming` and `/sms/dlr`, and the USSD gateway's `/ussd`.
//! Each has a [`GatewayAccess`]: a shared secret (sent as the `X-Gateway-Secret` header or as the `secret` query
//! parameter, compared in constant time) and/or a list of source networks. With neither configured only the same
//! machine may call (a loopback client, and no forwarding header: a reverse proxy on the same machine would
//! otherwise make every client look local). A refused call gets 403 `forbidden` and a warning in the log, and is
//! never acted on.

use crate::client::{within, ClientIp};
use crate::error::ApiError;
use axum::http::{HeaderMap, StatusCode};
use ipnet::IpNet;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// The header a gateway may send its secret in.
pub const SECRET_HEADER: &str = "x-gateway-secret";

/// The secret and source networks one gateway's callbacks must match.
#[derive(Debug, Clone, Default)]
pub struct GatewayAccess {
    /// Every call carries this secret (none when `None`).
    pub secret: Option<String>,
    /// Every call comes from one of these networks (any when empty and a secret is set).
    pub allow: Vec<IpNet>,
}

impl GatewayAccess {
    /// Whether a call from `client` presenting `secret` (if any) may go on.
    pub fn admits(&self, client: ClientIp, secret: Option<&str>) -> bool {
        let secret_ok = match &self.secret {
            Some(expected) => secret.is_some_and(|s| same_secret(s, expected)),
            None => true,
        };
        let source_ok = if !self.allow.is_empty() {
            client.ip.is_some_and(|ip| within(&self.allow, ip))
        } else if self.secret.is_some() {
            true
        } else {
            !client.forwarded && client.ip.is_some_and(|ip| ip.to_canonical().is_loopback())
        };
        secret_ok && source_ok
    }

    /// `Ok` when the call may go on; 403 (logged, with the gateway's name) otherwise.
    pub fn check(
        &self,
        gateway: &'static str,
        client: ClientIp,
        headers: &HeaderMap,
        query: Option<&str>,
    ) -> Result<(), ApiError> {
        if self.admits(client, presented_secret(headers, query).as_deref()) {
            return Ok(());
        }
        tracing::warn!(
            gateway,
            client = %client.ip.map(|i| i.to_string()).unwrap_or_else(|| "unknown".into()),
            "a gateway callback from a caller that is not the gateway was refused"
        );
        Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            "این نشانی تنها برای درگاه پیامک و USSD است",
            "this callback is for the configured gateway only",
        ))
    }
}

/// Equal secrets, in time that does not depend on where they differ (both are hashed first, so neither does it
/// depend on their lengths).
fn same_secret(presented: &str, expected: &str) -> bool {
    let a = Sha256::digest(presented.as_bytes());
    let b = Sha256::digest(expected.as_bytes());
    bool::from(a.as_slice().ct_eq(b.as_slice()))
}

/// The secret a call presents: the `X-Gateway-Secret` header, else the URL's `secret` parameter.
pub fn presented_secret(headers: &HeaderMap, query: Option<&str>) -> Option<String> {
    if let Some(v) = headers.get(SECRET_HEADER).and_then(|v| v.to_str().ok()) {
        return Some(v.trim().to_string());
    }
    form_urlencoded_first(query?, "secret")
}

fn form_urlencoded_first(query: &str, name: &str) -> Option<String> {
    query
        .trim_start_matches('?')
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| {
            let v = v.replace('+', " ");
            percent_decode(&v)
        })
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| char::from(b).to_digit(16);
        match (bytes[i], bytes.get(i + 1), bytes.get(i + 2)) {
            (b'%', Some(&h), Some(&l)) if hex(h).is_some() && hex(l).is_some() => {
                let v = hex(h).unwrap_or(0) * 16 + hex(l).unwrap_or(0);
                out.push(u8::try_from(v).unwrap_or(b'?'));
                i += 3;
            }
            (b, _, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::IpAddr;

    fn from(ip: &str, forwarded: bool) -> ClientIp {
        ClientIp {
            ip: Some(ip.parse::<IpAddr>().unwrap()),
            forwarded,
        }
    }

    #[test]
    fn nothing_configured_means_this_machine_only() {
        let a = GatewayAccess::default();
        assert!(a.admits(from("127.0.0.1", false), None));
        assert!(a.admits(from("::1", false), None));
        assert!(a.admits(from("::ffff:127.0.0.1", false), None));
        assert!(!a.admits(from("127.0.0.1", true), None), "through a proxy");
        assert!(!a.admits(from("192.0.2.1", false), None));
        assert!(!a.admits(
            ClientIp {
                ip: None,
                forwarded: false
            },
            None
        ));
    }

    #[test]
    fn a_secret_and_an_allow_list() {
        let secret = GatewayAccess {
            secret: Some("s3cret-value".into()),
            allow: vec![],
        };
        assert!(secret.admits(from("192.0.2.1", true), Some("s3cret-value")));
        assert!(!secret.admits(from("127.0.0.1", false), None));
        assert!(!secret.admits(from("127.0.0.1", false), Some("s3cret-valuE")));
        assert!(!secret.admits(from("127.0.0.1", false), Some("")));
        let allow = GatewayAccess {
            secret: None,
            allow: crate::client::parse_networks(&["10.1.0.0/16".into()]).unwrap(),
        };
        assert!(allow.admits(from("10.1.2.3", true), None));
        assert!(!allow.admits(from("127.0.0.1", false), None));
        let both = GatewayAccess {
            secret: Some("x".repeat(40)),
            ..allow
        };
        assert!(both.admits(from("10.1.2.3", false), Some(&"x".repeat(40))));
        assert!(!both.admits(from("10.1.2.3", false), Some("x")));
        assert!(!both.admits(from("10.2.0.1", false), Some(&"x".repeat(40))));
    }

    #[test]
    fn the_secret_from_the_header_or_the_url() {
        let mut h = HeaderMap::new();
        assert_eq!(
            presented_secret(&h, Some("a=1&secret=p%26q+r&b=2")).as_deref(),
            Some("p&q r")
        );
        assert_eq!(presented_secret(&h, Some("a=1")), None);
        assert_eq!(presented_secret(&h, None), None);
        h.insert(SECRET_HEADER, "from-header".parse().unwrap());
        assert_eq!(
            presented_secret(&h, Some("secret=url")).as_deref(),
            Some("from-header")
        );
        assert_eq!(percent_decode("%zz%4"), "%zz%4");
    }
}

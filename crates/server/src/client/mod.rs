//! The client's address, for rate limits and the gateways' allow-lists. It is the TCP peer (the server is started
//! with connect info), unless the peer is one of the configured trusted reverse proxies
//! ([`Settings::trusted_proxies`](crate::Settings)): then it is read from the forwarding header the proxies write
//! (`X-Forwarded-For` or `Forwarded`, [`ProxyHeader`]), walking the hops from the right and taking the first one that
//! is not itself a trusted proxy. A forwarding header from any other peer is ignored: anyone can write one.
//!
//! Without connect info (a router called in-process, unless it is given `MockConnectInfo`) the address is unknown:
//! rate limits then key on `local`, and the gateways' allow-lists refuse.

pub mod proxy;

pub use proxy::ProxyHeader;

use crate::state::AppState;
use axum::extract::{ConnectInfo, FromRef, FromRequestParts};
use axum::http::request::Parts;
use axum::http::HeaderMap;
use ipnet::IpNet;
use std::convert::Infallible;
use std::net::{IpAddr, SocketAddr};

/// The client's address as a rate-limit key: its IP address, or `local` when unknown.
pub struct ClientAddr(pub String);

/// The client's address, and whether the request carried a forwarding header (it came through a proxy, trusted
/// or not).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientIp {
    pub ip: Option<IpAddr>,
    pub forwarded: bool,
}

/// Parses a list of networks (`10.0.0.0/8`, `::1/128`; a bare address is a network of one).
pub fn parse_networks(list: &[String]) -> Result<Vec<IpNet>, String> {
    list.iter()
        .map(|s| {
            let s = s.trim();
            s.parse::<IpNet>()
                .or_else(|_| s.parse::<IpAddr>().map(IpNet::from))
                .map_err(|_| format!("{s:?} is not an IP address or network (CIDR)"))
        })
        .collect()
}

/// Whether `ip` is inside one of `nets` (an IPv4 address written as IPv6, `::ffff:a.b.c.d`, counts as IPv4).
pub fn within(nets: &[IpNet], ip: IpAddr) -> bool {
    let ip = ip.to_canonical();
    nets.iter().any(|n| n.contains(&ip))
}

/// The headers a forwarding proxy writes; their presence means the request did not come straight from its client.
const FORWARDING_HEADERS: [&str; 3] = ["x-forwarded-for", "forwarded", "x-real-ip"];

/// The client of a request whose TCP peer is `peer`.
pub fn resolve(
    peer: Option<IpAddr>,
    headers: &HeaderMap,
    trusted: &[IpNet],
    header: ProxyHeader,
) -> ClientIp {
    let forwarded = FORWARDING_HEADERS.iter().any(|h| headers.contains_key(*h));
    let Some(peer) = peer.map(|p| p.to_canonical()) else {
        return ClientIp {
            ip: None,
            forwarded,
        };
    };
    if !within(trusted, peer) {
        return ClientIp {
            ip: Some(peer),
            forwarded,
        };
    }
    let hops = match header {
        ProxyHeader::XForwardedFor => x_forwarded_for(headers),
        ProxyHeader::Forwarded => forwarded_for(headers),
    };
    // Right to left: each trusted proxy appended the address it saw; the first hop not in the list is the client.
    // Anything further left was written by the client itself and is not believed.
    let mut client = peer;
    for hop in hops.iter().rev() {
        match hop {
            Some(ip) => {
                client = ip.to_canonical();
                if !within(trusted, client) {
                    break;
                }
            }
            // A hop that is not an address: stop at the last one a trusted proxy vouched for.
            None => break,
        }
    }
    ClientIp {
        ip: Some(client),
        forwarded,
    }
}

/// The hops of every `X-Forwarded-For` header, in order (`None` for one that is not an address).
fn x_forwarded_for(headers: &HeaderMap) -> Vec<Option<IpAddr>> {
    headers
        .get_all("x-forwarded-for")
        .iter()
        .flat_map(|v| v.to_str().unwrap_or("?").split(','))
        .map(|h| parse_hop(h.trim()))
        .collect()
}

/// The `for=` hops of every `Forwarded` header, in order.
fn forwarded_for(headers: &HeaderMap) -> Vec<Option<IpAddr>> {
    headers
        .get_all("forwarded")
        .iter()
        .flat_map(|v| v.to_str().unwrap_or("for=?").split(','))
        .map(|element| {
            element
                .split(';')
                .filter_map(|pair| pair.trim().split_once('='))
                .find(|(k, _)| k.trim().eq_ignore_ascii_case("for"))
                .and_then(|(_, v)| parse_hop(v.trim().trim_matches('"')))
        })
        .collect()
}

/// An address as proxies write it: `192.0.2.1`, `192.0.2.1:4711`, `2001:db8::1`, `[2001:db8::1]:4711`.
fn parse_hop(s: &str) -> Option<IpAddr> {
    if let Ok(ip) = s.parse::<IpAddr>() {
        return Some(ip);
    }
    if let Ok(sa) = s.parse::<SocketAddr>() {
        return Some(sa.ip());
    }
    s.strip_prefix('[')
        .and_then(|r| r.split_once(']'))
        .and_then(|(ip, _)| ip.parse().ok())
}

impl<S> FromRequestParts<S> for ClientIp
where
    AppState: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Infallible> {
        let peer = ConnectInfo::<SocketAddr>::from_request_parts(parts, state)
            .await
            .ok()
            .map(|c| c.0.ip());
        let state = AppState::from_ref(state);
        Ok(resolve(
            peer,
            &parts.headers,
            &state.settings.trusted_proxies,
            state.settings.proxy_header,
        ))
    }
}

impl<S> FromRequestParts<S> for ClientAddr
where
    AppState: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Infallible> {
        let ClientIp { ip, .. } = ClientIp::from_request_parts(parts, state).await?;
        Ok(ClientAddr(
            ip.map(|ip| ip.to_string())
                .unwrap_or_else(|| "local".into()),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(
                axum::http::HeaderName::from_bytes(k.as_bytes()).unwrap(),
                v.parse().unwrap(),
            );
        }
        h
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn forwarding_headers_count_only_from_trusted_proxies() {
        let trusted = parse_networks(&["10.0.0.0/8".into(), "::1".into()]).unwrap();
        let xff = headers(&[("x-forwarded-for", "198.51.100.7, 203.0.113.9, 10.0.0.2")]);
        // From a stranger the header is ignored.
        let c = resolve(
            Some(ip("192.0.2.1")),
            &xff,
            &trusted,
            ProxyHeader::XForwardedFor,
        );
        assert_eq!(c.ip, Some(ip("192.0.2.1")));
        assert!(c.forwarded);
        // From a trusted proxy: the right-most hop that is not a proxy (the left-most one is the client's word).
        let c = resolve(
            Some(ip("10.0.0.1")),
            &xff,
            &trusted,
            ProxyHeader::XForwardedFor,
        );
        assert_eq!(c.ip, Some(ip("203.0.113.9")));
        // Several headers are one list; IPv4 written as IPv6 is IPv4.
        let two = headers(&[
            ("x-forwarded-for", "198.51.100.7"),
            ("x-forwarded-for", "203.0.113.10"),
        ]);
        let c = resolve(
            Some(ip("::ffff:10.1.2.3")),
            &two,
            &trusted,
            ProxyHeader::XForwardedFor,
        );
        assert_eq!(c.ip, Some(ip("203.0.113.10")));
        // Only proxies in the chain: the left-most of them.
        let only = headers(&[("x-forwarded-for", "10.9.9.9, 10.0.0.2")]);
        let c = resolve(
            Some(ip("10.0.0.1")),
            &only,
            &trusted,
            ProxyHeader::XForwardedFor,
        );
        assert_eq!(c.ip, Some(ip("10.9.9.9")));
        // A hop that is not an address stops the walk at the last proxy.
        let junk = headers(&[("x-forwarded-for", "198.51.100.7, junk, 10.0.0.2")]);
        let c = resolve(
            Some(ip("10.0.0.1")),
            &junk,
            &trusted,
            ProxyHeader::XForwardedFor,
        );
        assert_eq!(c.ip, Some(ip("10.0.0.2")));
        // No header from a trusted proxy: the proxy itself.
        let c = resolve(
            Some(ip("10.0.0.1")),
            &HeaderMap::new(),
            &trusted,
            ProxyHeader::XForwardedFor,
        );
        assert_eq!(
            c,
            ClientIp {
                ip: Some(ip("10.0.0.1")),
                forwarded: false
            }
        );
        // No proxies configured: always the peer.
        let c = resolve(Some(ip("10.0.0.1")), &xff, &[], ProxyHeader::XForwardedFor);
        assert_eq!(c.ip, Some(ip("10.0.0.1")));
        // No peer: unknown.
        assert_eq!(
            resolve(None, &xff, &trusted, ProxyHeader::XForwardedFor).ip,
            None
        );
    }

    #[test]
    fn the_forwarded_header() {
        let trusted = parse_networks(&["10.0.0.0/8".into()]).unwrap();
        let h = headers(&[
            (
                "forwarded",
                "for=198.51.100.7;proto=https, for=\"[2001:db8::5]:4711\"",
            ),
            ("x-forwarded-for", "192.0.2.99"),
        ]);
        let c = resolve(Some(ip("10.0.0.1")), &h, &trusted, ProxyHeader::Forwarded);
        assert_eq!(c.ip, Some(ip("2001:db8::5")));
        // The other header is not read.
        let c = resolve(
            Some(ip("10.0.0.1")),
            &h,
            &trusted,
            ProxyHeader::XForwardedFor,
        );
        assert_eq!(c.ip, Some(ip("192.0.2.99")));
        let h = headers(&[("forwarded", "for=unknown, for=10.0.0.7")]);
        let c = resolve(Some(ip("10.0.0.1")), &h, &trusted, ProxyHeader::Forwarded);
        assert_eq!(c.ip, Some(ip("10.0.0.7")));
    }

    #[test]
    fn networks_parse() {
        let n =
            parse_networks(&["127.0.0.1/32".into(), "10.0.0.0/8".into(), "::1".into()]).unwrap();
        assert!(within(&n, ip("10.200.0.1")));
        assert!(within(&n, ip("::ffff:127.0.0.1")));
        assert!(within(&n, ip("::1")));
        assert!(!within(&n, ip("192.0.2.1")));
        assert!(parse_networks(&["10.0.0.0/33".into()]).is_err());
        assert!(parse_networks(&["localhost".into()]).is_err());
        assert_eq!(ProxyHeader::parse("Forwarded"), Ok(ProxyHeader::Forwarded));
        assert!(ProxyHeader::parse("x-real-ip").is_err());
    }
}

//! Sending through Kannel's smsbox `sendsms` HTTP interface.

use crate::inbound::KANNEL_DLR_QUERY;
use crate::msisdn::{mask_msisdn, to_international};
use crate::{DlrTokens, OutgoingSms, SendError, SmsSender};
use async_trait::async_trait;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

/// Where and how to reach Kannel's smsbox.
#[derive(Clone, PartialEq, Eq)]
pub struct KannelConfig {
    /// smsbox's sendsms URL, e.g. `http://127.0.0.1:13013/cgi-bin/sendsms`.
    pub sendsms_url: String,
    /// A `sendsms-user` of smsbox.
    pub username: String,
    pub password: String,
    /// Our short number, e.g. `6090`.
    pub from: String,
    /// Where Kannel reports deliveries, e.g. `http://127.0.0.1:8080/sms/dlr`; the sender appends
    /// `?id={row id}&token={token}&status=%d&answer=%A` (see [`crate::DlrReport::from_query`]), after
    /// `secret={secret}&` when [`KannelSender::with_callback_secret`] gave one.
    pub dlr_url: String,
}

impl fmt::Debug for KannelConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KannelConfig")
            .field("sendsms_url", &self.sendsms_url)
            .field("username", &self.username)
            .field("password", &"***")
            .field("from", &self.from)
            .field("dlr_url", &self.dlr_url)
            .finish()
    }
}

/// The total time one `sendsms` call may take (connecting included).
const REQUEST_TIMEOUT: Duration = Duration::from_secs(5);
const CONNECT_TIMEOUT: Duration = Duration::from_secs(2);

/// Submits SMS to Kannel as UCS-2 (`coding=2`, `charset=UTF-8`: Kannel converts the UTF-8 we
/// send), with `dlr-mask=31` (delivered, failed, buffered, SMSC ack, SMSC nack) and a
/// `dlr-url` carrying the outbox row id, its token ([`KannelSender::with_dlr_tokens`]) and the callback
/// secret ([`KannelSender::with_callback_secret`]).
///
/// Cheap to clone: clones share one connection pool. Answers are mapped as follows:
/// 2xx (`0: Accepted for delivery`, `3: Queued for later delivery`, `Sent.`) is `Ok`;
/// 5xx, connection failures and timeouts are [`SendError::Temporary`]; so are 401/403
/// "Authorization failed" (our credentials are wrong, not the message), 408 and 429;
/// any other 3xx/4xx (an invalid or black-listed number, a malformed request) is
/// [`SendError::Permanent`].
///
/// Run several sends concurrently (16 or more): smsbox answers a single request in well under
/// a millisecond, but while delivery reports flow, about one answer in four waits ~40 ms on
/// Kannel's own bearerbox↔smsbox link (Nagle against delayed ACKs), whatever the client does.
/// Measured on 2 cores against the test harness: 1 at a time ≈ 85 msg/s, 16 ≈ 1,400 msg/s,
/// 32 ≈ 5,000 msg/s, 64 ≈ 6,500 msg/s (`examples/throughput.rs`).
#[derive(Clone)]
pub struct KannelSender {
    inner: Arc<Inner>,
}

#[derive(Clone)]
struct Inner {
    client: reqwest::Client,
    /// The sendsms URL with every parameter that does not change between messages.
    prefix: String,
    /// `dlr_url` followed by `?` or `&` (and by `secret=…&` when there is one), ready for `id=…`.
    dlr_base: String,
    /// Signs each `dlr-url` for its row; without it the URL carries no token (and the service refuses the
    /// reports).
    tokens: Option<DlrTokens>,
}

impl fmt::Debug for KannelSender {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KannelSender")
            .field("dlr_base", &self.inner.dlr_base)
            .finish_non_exhaustive()
    }
}

fn encode(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

impl KannelSender {
    pub fn new(cfg: KannelConfig) -> Self {
        let client = reqwest::Client::builder()
            .timeout(REQUEST_TIMEOUT)
            .connect_timeout(CONNECT_TIMEOUT)
            .tcp_nodelay(true)
            .pool_idle_timeout(Duration::from_secs(30))
            .http1_only()
            .build()
            // Without TLS features the builder has nothing that can fail; keep a client anyway.
            .unwrap_or_default();
        let sep = if cfg.sendsms_url.contains('?') {
            '&'
        } else {
            '?'
        };
        let prefix = format!(
            "{url}{sep}username={user}&password={pass}&from={from}&coding=2&charset=UTF-8&dlr-mask=31",
            url = cfg.sendsms_url,
            user = encode(&cfg.username),
            pass = encode(&cfg.password),
            from = encode(&cfg.from),
        );
        let dlr_sep = if cfg.dlr_url.contains('?') { '&' } else { '?' };
        let dlr_base = format!("{}{dlr_sep}", cfg.dlr_url);
        Self {
            inner: Arc::new(Inner {
                client,
                prefix,
                dlr_base,
                tokens: None,
            }),
        }
    }

    /// Each `dlr-url` carries `token=`, the row's token under these keys, so that a report names only its own
    /// message.
    pub fn with_dlr_tokens(mut self, tokens: DlrTokens) -> Self {
        Arc::make_mut(&mut self.inner).tokens = Some(tokens);
        self
    }

    /// Each `dlr-url` carries `secret=`, the shared secret the service asks of Kannel's callbacks.
    pub fn with_callback_secret(mut self, secret: &str) -> Self {
        if !secret.is_empty() {
            let inner = Arc::make_mut(&mut self.inner);
            inner.dlr_base = format!("{}secret={}&", inner.dlr_base, encode(secret));
        }
        self
    }

    /// The `dlr-url` Kannel is given for row `id` (before percent-encoding), e.g.
    /// `http://127.0.0.1:8080/sms/dlr?id=42&token=…&status=%d&answer=%A` (no `token` without
    /// [`Self::with_dlr_tokens`]).
    pub fn dlr_url_for(&self, id: i64) -> String {
        match &self.inner.tokens {
            Some(t) => format!(
                "{}id={id}&token={}&{KANNEL_DLR_QUERY}",
                self.inner.dlr_base,
                t.token(id)
            ),
            None => format!("{}id={id}&{KANNEL_DLR_QUERY}", self.inner.dlr_base),
        }
    }

    /// The full sendsms URL for one message (holds the password: never log it).
    fn url_for(&self, sms: &OutgoingSms, to: &str) -> String {
        format!(
            "{prefix}&to={to}&text={text}&dlr-url={dlr}",
            prefix = self.inner.prefix,
            to = encode(to),
            text = encode(&sms.text),
            dlr = encode(&self.dlr_url_for(sms.id)),
        )
    }
}

/// Maps smsbox's HTTP answer to the outcome the outbox needs.
fn classify(status: u16, body: &str) -> Result<(), SendError> {
    let body = body.trim();
    match status {
        200..=299 => Ok(()),
        401 | 403 if body.contains("Authorization") => Err(SendError::Temporary(format!(
            "Kannel refused the sendsms credentials (HTTP {status}: {body})"
        ))),
        408 | 429 => Err(SendError::Temporary(format!("HTTP {status}: {body}"))),
        300..=499 => Err(SendError::Permanent(format!("HTTP {status}: {body}"))),
        _ => Err(SendError::Temporary(format!("HTTP {status}: {body}"))),
    }
}

#[async_trait]
impl SmsSender for KannelSender {
    async fn send(&self, sms: &OutgoingSms) -> Result<(), SendError> {
        let Some(to) = to_international(&sms.to) else {
            return Err(SendError::Permanent(format!(
                "not an Iranian mobile number: {}",
                mask_msisdn(&sms.to)
            )));
        };
        let res = self
            .inner
            .client
            .get(self.url_for(sms, &to))
            .send()
            .await
            // `without_url`: the URL holds the password and the citizen's number.
            .map_err(|e| {
                SendError::Temporary(format!("Kannel unreachable: {}", e.without_url()))
            })?;
        let status = res.status().as_u16();
        let body = res.text().await.map_err(|e| {
            SendError::Temporary(format!("reading Kannel's answer: {}", e.without_url()))
        })?;
        let outcome = classify(status, &body);
        match &outcome {
            Ok(()) => {
                tracing::debug!(id = sms.id, to = %mask_msisdn(&sms.to), "SMS accepted by Kannel")
            }
            Err(e) => {
                tracing::warn!(id = sms.id, to = %mask_msisdn(&sms.to), error = %e, "SMS not accepted by Kannel")
            }
        }
        outcome
    }

    fn name(&self) -> &'static str {
        "kannel"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kannel_answers_are_classified() {
        assert_eq!(classify(202, "0: Accepted for delivery"), Ok(()));
        assert_eq!(classify(202, "3: Queued for later delivery"), Ok(()));
        assert_eq!(classify(202, "Sent."), Ok(()));
        assert!(matches!(
            classify(
                400,
                "Number(s) has/have been denied by white- and/or black-lists."
            ),
            Err(SendError::Permanent(_))
        ));
        assert!(matches!(
            classify(400, "Invalid receiver"),
            Err(SendError::Permanent(_))
        ));
        assert!(matches!(
            classify(403, "Authorization failed for sendsms"),
            Err(SendError::Temporary(_))
        ));
        assert!(matches!(
            classify(403, "Sender not allowed"),
            Err(SendError::Permanent(_))
        ));
        assert!(matches!(
            classify(503, "Sending failed."),
            Err(SendError::Temporary(_))
        ));
    }

    #[test]
    fn the_url_carries_ucs2_dlr_and_an_encoded_dlr_url() {
        let sender = KannelSender::new(KannelConfig {
            sendsms_url: "http://127.0.0.1:13013/cgi-bin/sendsms".into(),
            username: "shenas".into(),
            password: "p&ss word".into(),
            from: "6090".into(),
            dlr_url: "http://127.0.0.1:8080/sms/dlr".into(),
        });
        let sms = OutgoingSms {
            id: 42,
            to: "09121234567".into(),
            text: "کارت شما آماده است".into(),
        };
        let url = sender.url_for(&sms, "989121234567");
        assert!(url.starts_with("http://127.0.0.1:13013/cgi-bin/sendsms?username=shenas&password=p%26ss+word&from=6090&coding=2&charset=UTF-8&dlr-mask=31&to=989121234567&text=%DA%A9"));
        assert!(url.ends_with(
            "&dlr-url=http%3A%2F%2F127.0.0.1%3A8080%2Fsms%2Fdlr%3Fid%3D42%26status%3D%25d%26answer%3D%25A"
        ));
        assert_eq!(
            sender.dlr_url_for(7),
            "http://127.0.0.1:8080/sms/dlr?id=7&status=%d&answer=%A"
        );
    }

    #[test]
    fn the_dlr_url_carries_the_secret_and_the_rows_token() {
        let tokens = DlrTokens::new([3; 32]);
        let sender = KannelSender::new(KannelConfig {
            sendsms_url: "http://127.0.0.1:13013/cgi-bin/sendsms".into(),
            username: "shenas".into(),
            password: "p".into(),
            from: "6090".into(),
            dlr_url: "http://127.0.0.1:8080/sms/dlr?x=1".into(),
        })
        .with_dlr_tokens(tokens.clone())
        .with_callback_secret("s&cret 1");
        assert_eq!(
            sender.dlr_url_for(7),
            format!(
                "http://127.0.0.1:8080/sms/dlr?x=1&secret=s%26cret+1&id=7&token={}&status=%d&answer=%A",
                tokens.token(7)
            )
        );
        let r = crate::DlrReport::from_query(
            &sender
                .dlr_url_for(7)
                .split_once('?')
                .map(|(_, q)| q.replace("%d", "1").replace("%A", ""))
                .unwrap_or_default(),
        )
        .map_err(|e| e.to_string());
        let r = r.as_ref().map(|r| (r.id, tokens.verify(r.id, &r.token)));
        assert_eq!(r, Ok((7, true)));
    }
}

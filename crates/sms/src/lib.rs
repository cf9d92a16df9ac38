//! SMS to citizens ("your card is ready for pickup", reminders) and from them.
//!
//! * [`SmsSender`] is the port the outbox calls for every row; [`SendError`] tells it whether
//!   to retry ([`SendError::Temporary`]) or give up ([`SendError::Permanent`]).
//! * [`LogSender`] is the default when no SMS gateway is configured: it only logs, with the
//!   number masked.
//! * [`KannelSender`] submits through Kannel's smsbox `sendsms` HTTP interface as UCS-2 and
//!   asks for delivery reports on a `dlr-url` that carries the outbox row id and its [`DlrTokens`] token
//!   (and the callback secret, when the service asks for one).
//! * [`DlrReport`] and [`IncomingSms`] parse what Kannel calls us with: delivery reports on the
//!   `dlr-url`, and citizens' SMS (MO) through an `sms-service` `get-url`
//!   (see [`KANNEL_MO_QUERY`] for the escapes to configure).
//! * With the `testing` feature, [`testing::KannelHarness`] starts a real Kannel with a fake
//!   SMS centre (`fakesmsc`) for integration tests.

mod dlr_token;
mod inbound;
mod kannel;
mod msisdn;
#[cfg(feature = "testing")]
pub mod testing;

use async_trait::async_trait;

pub use dlr_token::DlrTokens;
pub use inbound::{
    DlrReport, DlrStatus, IncomingSms, ParseError, KANNEL_DLR_QUERY, KANNEL_MO_QUERY,
};
pub use kannel::{KannelConfig, KannelSender};
pub use msisdn::{ascii_digits, mask_msisdn, normalize_msisdn, to_international};

/// One SMS to a citizen, as the outbox hands it over.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutgoingSms {
    /// The outbox row id; it travels in the `dlr-url`, so delivery reports find their row.
    pub id: i64,
    /// The receiver in local form, `09121234567` (other Iranian forms are accepted too).
    pub to: String,
    /// The text, usually Persian.
    pub text: String,
}

/// Why a send did not go through.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SendError {
    /// Worth retrying later: the gateway is down or overloaded, the network failed, a
    /// timeout, or the gateway refused our credentials (a configuration fault that an
    /// operator fixes; the message itself is fine).
    #[error("temporary SMS failure: {0}")]
    Temporary(String),
    /// Will never succeed as it is: an invalid or barred number, a malformed request.
    #[error("permanent SMS failure: {0}")]
    Permanent(String),
}

impl SendError {
    /// Whether the outbox should try this message again later.
    pub fn is_temporary(&self) -> bool {
        matches!(self, SendError::Temporary(_))
    }
}

/// The port the outbox sends through. Implementations are cheap to share between the
/// outbox's concurrent workers.
#[async_trait]
pub trait SmsSender: Send + Sync {
    /// Hands one message to the gateway. `Ok` means the gateway accepted it; whether it
    /// reached the phone arrives later as a delivery report.
    async fn send(&self, sms: &OutgoingSms) -> Result<(), SendError>;
    /// A short name for logs and metrics.
    fn name(&self) -> &'static str;
}

/// The sender used when no gateway is configured: logs each message (number masked, only
/// the length of the text) and reports success.
#[derive(Debug, Clone, Copy, Default)]
pub struct LogSender;

#[async_trait]
impl SmsSender for LogSender {
    async fn send(&self, sms: &OutgoingSms) -> Result<(), SendError> {
        tracing::info!(
            id = sms.id,
            to = %mask_msisdn(&sms.to),
            chars = sms.text.chars().count(),
            "SMS not sent: no SMS gateway configured (log sender)"
        );
        Ok(())
    }

    fn name(&self) -> &'static str {
        "log"
    }
}

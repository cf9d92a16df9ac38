//! What Kannel calls us with: delivery reports (DLR) on the `dlr-url` and citizens' SMS (MO)
//! through an `sms-service`'s `get-url`.
//!
//! Both arrive as URL query strings. They are parsed from the raw query rather than through a
//! generic form decoder because, without smsbox's `mo-recode`, Kannel hands over a UCS-2 text
//! as percent-encoded UTF-16BE bytes, which are not valid UTF-8.

use crate::msisdn::normalize_msisdn;
use std::collections::HashMap;

/// The query [`crate::KannelSender`] appends to [`crate::KannelConfig::dlr_url`] (after
/// `id={row id}&token={token}&`). Kannel replaces `%d` with the DLR type (1, 2, 4, 8, 16) and `%A` with the
/// SMSC's answer text.
pub const KANNEL_DLR_QUERY: &str = "status=%d&answer=%A";

/// The query to configure on the `sms-service` that forwards citizens' SMS, appended to
/// `{base}/sms/incoming?`:
///
/// * `%p` the sender (the citizen's number, in whatever form the operator sends it),
/// * `%P` the receiver (our short number),
/// * `%b` the whole message text, percent-encoded byte for byte (unlike `%a`, which splits
///   the text into words and joins them with `+`, so repeated spaces and newlines are lost),
/// * `%c` the coding (0 = 7-bit, 1 = 8-bit, 2 = UCS-2) and `%C` the charset of `%b`.
///
/// Configure smsbox with `mo-recode = true`: Kannel then turns UCS-2 (how phones send Persian)
/// into UTF-8 before building the URL, and `%C` says `UTF-8`. Without it, `%b` is UTF-16BE and
/// `%C` says `UTF-16BE`; [`IncomingSms::from_query`] decodes both.
pub const KANNEL_MO_QUERY: &str = "from=%p&to=%P&text=%b&coding=%c&charset=%C";

/// Why a Kannel callback could not be understood.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseError {
    #[error("missing field `{0}`")]
    Missing(&'static str),
    #[error("field `{field}` is invalid: {value:?}")]
    Invalid { field: &'static str, value: String },
    #[error("the sender {0:?} is not an Iranian mobile number")]
    NotAMobileNumber(String),
    #[error("the text is not valid {0}")]
    BadText(&'static str),
}

/// Kannel's delivery report types (the `%d` escape of a `dlr-url`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DlrStatus {
    /// 1: delivered to the phone.
    Delivered,
    /// 2: delivery to the phone failed.
    Failed,
    /// 4: the SMSC holds the message for later (the phone is off, out of coverage).
    Buffered,
    /// 8: the SMSC accepted the message (Kannel's "ACK").
    SmscSubmit,
    /// 16: the SMSC rejected the message (Kannel's "NACK").
    SmscReject,
}

impl DlrStatus {
    /// Maps Kannel's DLR type; `None` for anything else.
    pub fn from_kannel(code: u32) -> Option<Self> {
        match code {
            1 => Some(Self::Delivered),
            2 => Some(Self::Failed),
            4 => Some(Self::Buffered),
            8 => Some(Self::SmscSubmit),
            16 => Some(Self::SmscReject),
            _ => None,
        }
    }

    /// Kannel's code for this status.
    pub fn kannel_code(&self) -> u32 {
        match self {
            Self::Delivered => 1,
            Self::Failed => 2,
            Self::Buffered => 4,
            Self::SmscSubmit => 8,
            Self::SmscReject => 16,
        }
    }

    /// No further report will follow for this message.
    pub fn is_final(&self) -> bool {
        matches!(self, Self::Delivered | Self::Failed | Self::SmscReject)
    }

    /// The message did not and will not reach the phone.
    pub fn is_failure(&self) -> bool {
        matches!(self, Self::Failed | Self::SmscReject)
    }
}

/// One delivery report, as Kannel calls `{dlr_url}?id={row id}&token={token}&status=%d&answer=%A`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DlrReport {
    /// The outbox row id that [`crate::KannelSender`] put into the `dlr-url`.
    pub id: i64,
    /// The row's token ([`crate::DlrTokens`]); empty when the URL has none.
    pub token: String,
    pub status: DlrStatus,
    /// The SMSC's answer (`%A`), e.g. `ACK/` or an SMPP delivery receipt; may be empty.
    pub answer: String,
}

impl DlrReport {
    /// Parses the raw query string of a DLR callback (without the leading `?`).
    pub fn from_query(query: &str) -> Result<Self, ParseError> {
        let fields = decode_query(query);
        let id_raw = text_field(&fields, "id")?;
        let id = id_raw
            .trim()
            .parse::<i64>()
            .map_err(|_| ParseError::Invalid {
                field: "id",
                value: id_raw.clone(),
            })?;
        let status_raw = text_field(&fields, "status")?;
        let status = status_raw
            .trim()
            .parse::<u32>()
            .ok()
            .and_then(DlrStatus::from_kannel)
            .ok_or_else(|| ParseError::Invalid {
                field: "status",
                value: status_raw.clone(),
            })?;
        let answer = fields
            .get("answer")
            .map(|b| String::from_utf8_lossy(b).into_owned())
            .unwrap_or_default();
        let token = fields
            .get("token")
            .map(|b| String::from_utf8_lossy(b).into_owned())
            .unwrap_or_default();
        Ok(Self {
            id,
            token,
            status,
            answer,
        })
    }
}

/// An SMS a citizen sent to our short number (MO).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IncomingSms {
    /// The citizen's number, normalised to `09xxxxxxxxx`.
    pub from: String,
    /// Our number the SMS was sent to, as Kannel reports it.
    pub to: String,
    /// The text exactly as sent (Persian digits stay Persian; see [`crate::ascii_digits`]).
    pub text: String,
}

impl IncomingSms {
    /// Builds an incoming SMS from already-decoded fields, normalising the sender.
    pub fn from_fields(from: &str, to: &str, text: &str) -> Result<Self, ParseError> {
        let normalized =
            normalize_msisdn(from).ok_or_else(|| ParseError::NotAMobileNumber(from.to_string()))?;
        Ok(Self {
            from: normalized,
            to: to.trim().to_string(),
            text: text.to_string(),
        })
    }

    /// Parses the raw query string (or `application/x-www-form-urlencoded` body) of Kannel's
    /// `get-url` call configured with [`KANNEL_MO_QUERY`]: fields `from`, `to`, `text` and
    /// optionally `coding` and `charset`. The text is decoded by `charset` (UTF-8, UTF-16BE /
    /// UCS-2, ISO-8859-1); without one, coding `2` means UTF-16BE and anything else UTF-8.
    pub fn from_query(query: &str) -> Result<Self, ParseError> {
        let fields = decode_query(query);
        let from = text_field(&fields, "from")?;
        let to = text_field(&fields, "to").unwrap_or_default();
        let raw_text = fields.get("text").ok_or(ParseError::Missing("text"))?;
        let charset = fields
            .get("charset")
            .map(|b| String::from_utf8_lossy(b).trim().to_ascii_uppercase())
            .filter(|c| !c.is_empty());
        let coding = fields
            .get("coding")
            .map(|b| String::from_utf8_lossy(b).trim().to_string());
        let text = match charset.as_deref() {
            Some("UTF-16BE" | "UTF-16" | "UCS-2" | "UCS-2BE" | "UCS2") => utf16be(raw_text)?,
            Some("ISO-8859-1" | "LATIN1" | "ISO8859-1") => {
                raw_text.iter().map(|&b| char::from(b)).collect()
            }
            Some(_) => utf8(raw_text)?,
            None if coding.as_deref() == Some("2") => utf16be(raw_text)?,
            None => utf8(raw_text)?,
        };
        Self::from_fields(&from, &to, &text)
    }
}

fn utf8(bytes: &[u8]) -> Result<String, ParseError> {
    String::from_utf8(bytes.to_vec()).map_err(|_| ParseError::BadText("UTF-8"))
}

fn utf16be(bytes: &[u8]) -> Result<String, ParseError> {
    if bytes.len() % 2 != 0 {
        return Err(ParseError::BadText("UTF-16BE"));
    }
    let units = bytes
        .chunks_exact(2)
        .map(|pair| u16::from_be_bytes([pair[0], pair[1]]));
    char::decode_utf16(units)
        .collect::<Result<String, _>>()
        .map_err(|_| ParseError::BadText("UTF-16BE"))
}

fn text_field(fields: &HashMap<String, Vec<u8>>, name: &'static str) -> Result<String, ParseError> {
    let bytes = fields.get(name).ok_or(ParseError::Missing(name))?;
    String::from_utf8(bytes.clone()).map_err(|_| ParseError::Invalid {
        field: name,
        value: String::from_utf8_lossy(bytes).into_owned(),
    })
}

/// Splits a query string into fields, decoding `+` and `%XX` into raw bytes. A malformed
/// `%` sequence is kept literally; a repeated field keeps its first value.
pub(crate) fn decode_query(query: &str) -> HashMap<String, Vec<u8>> {
    let query = query.strip_prefix('?').unwrap_or(query);
    let mut fields = HashMap::new();
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        let key = String::from_utf8_lossy(&form_decode(key)).into_owned();
        fields.entry(key).or_insert_with(|| form_decode(value));
    }
    fields
}

/// Decodes one `application/x-www-form-urlencoded` component into bytes.
pub(crate) fn form_decode(s: &str) -> Vec<u8> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => match (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                (Some(h), Some(l)) => {
                    out.push(h << 4 | l);
                    i += 2;
                }
                _ => out.push(b'%'),
            },
            b => out.push(b),
        }
        i += 1;
    }
    out
}

fn hex(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

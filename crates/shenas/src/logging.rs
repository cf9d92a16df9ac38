//! Structured logs (JSON lines, or human-readable with `log_format = "pretty"`), with every national code and
//! mobile number masked on the way out, whatever logged it: a run of exactly ten digits becomes `00******48`, a
//! mobile number `0912****567`, a tracking code (twelve digits, as in request paths) `19********88`. Masking at
//! the writer is the last line of defence; code logs masked values too.

use std::io::{self, Write};
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::EnvFilter;

pub fn init(format: &str) {
    let filter = EnvFilter::try_from_env("SHENAS_LOG")
        .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,tower_http=info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(MaskingMakeWriter);
    let result = if format == "pretty" {
        builder.with_ansi(false).try_init()
    } else {
        builder
            .json()
            .flatten_event(true)
            .with_current_span(false)
            .try_init()
    };
    // A second init (tests) keeps the first subscriber.
    drop(result);
}

#[derive(Clone, Copy)]
pub struct MaskingMakeWriter;

impl<'a> MakeWriter<'a> for MaskingMakeWriter {
    type Writer = MaskingWriter;
    fn make_writer(&'a self) -> Self::Writer {
        MaskingWriter {
            buf: Vec::with_capacity(256),
        }
    }
}

/// Collects one log line, masks it, and writes it to stderr in one piece when dropped.
pub struct MaskingWriter {
    buf: Vec<u8>,
}

impl Write for MaskingWriter {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        self.buf.extend_from_slice(data);
        Ok(data.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl Drop for MaskingWriter {
    fn drop(&mut self) {
        mask(&mut self.buf);
        let _ = io::stderr().lock().write_all(&self.buf);
    }
}

/// Masks identifiers in place: runs of ASCII digits of length 10 (national codes, keeping 2 + 2), 11 starting
/// `09` (mobiles, keeping 4 + 3), 12 starting `989` (international mobiles, keeping 5 + 3) and any other 12
/// (tracking codes, keeping 2 + 2); and the value of a `secret=` URL parameter (the gateways' callback secret),
/// wholly.
pub fn mask(buf: &mut [u8]) {
    mask_secrets(buf);
    let mut i = 0;
    while i < buf.len() {
        if !buf[i].is_ascii_digit() {
            i += 1;
            continue;
        }
        let start = i;
        while i < buf.len() && buf[i].is_ascii_digit() {
            i += 1;
        }
        let run = &mut buf[start..i];
        let (keep_head, keep_tail) = match run.len() {
            10 => (2, 2),
            11 if run.starts_with(b"09") => (4, 3),
            12 if run.starts_with(b"989") => (5, 3),
            12 => (2, 2),
            _ => continue,
        };
        let len = run.len();
        for b in &mut run[keep_head..len - keep_tail] {
            *b = b'*';
        }
    }
}

/// Replaces the value of every `secret=` parameter with asterisks (up to `&`, a quote, a backslash or a space).
fn mask_secrets(buf: &mut [u8]) {
    const NAME: &[u8] = b"secret=";
    let mut i = 0;
    while i + NAME.len() <= buf.len() {
        if buf[i..i + NAME.len()].eq_ignore_ascii_case(NAME) {
            i += NAME.len();
            while i < buf.len() && !matches!(buf[i], b'&' | b'"' | b'\\' | b' ' | b'\n') {
                buf[i] = b'*';
                i += 1;
            }
        } else {
            i += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::mask;

    fn masked(s: &str) -> String {
        let mut b = s.as_bytes().to_vec();
        mask(&mut b);
        String::from_utf8(b).unwrap()
    }

    #[test]
    fn identifiers_are_masked() {
        assert_eq!(
            masked("GET /api/v1/status?national_code=0084575948&t=1"),
            "GET /api/v1/status?national_code=00******48&t=1"
        );
        assert_eq!(masked("sms to 09121234567"), "sms to 0912****567");
        assert_eq!(masked("to +989121234567"), "to +98912****567");
        assert_eq!(
            masked("2026-11-21T05:50:00Z took 1234 us"),
            "2026-11-21T05:50:00Z took 1234 us"
        );
        assert_eq!(
            masked("DELETE /api/v1/applications/193921697788/appointment"),
            "DELETE /api/v1/applications/19********88/appointment"
        );
        assert_eq!(
            masked("{\"code\":\"0084575948\"}"),
            "{\"code\":\"00******48\"}"
        );
        assert_eq!(
            masked("{\"uri\":\"/sms/incoming?secret=s3cr3t-9876&from=0912\"}"),
            "{\"uri\":\"/sms/incoming?secret=***********&from=0912\"}"
        );
        assert_eq!(masked("dlr?Secret=abc"), "dlr?Secret=***");
    }
}

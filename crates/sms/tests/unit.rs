#![allow(clippy::unwrap_used)]
//! Parsing, masking, DLR codes, and how `KannelSender` classifies answers (against a stand-in
//! smsbox served by axum). No Kannel needed.

use axum::extract::RawQuery;
use axum::http::StatusCode;
use axum::routing::get;
use axum::Router;
use sms::{
    ascii_digits, mask_msisdn, normalize_msisdn, to_international, DlrReport, DlrStatus,
    IncomingSms, KannelConfig, KannelSender, LogSender, OutgoingSms, ParseError, SendError,
    SmsSender,
};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

#[test]
fn dlr_codes_map_to_statuses() {
    assert_eq!(DlrStatus::from_kannel(1), Some(DlrStatus::Delivered));
    assert_eq!(DlrStatus::from_kannel(2), Some(DlrStatus::Failed));
    assert_eq!(DlrStatus::from_kannel(4), Some(DlrStatus::Buffered));
    assert_eq!(DlrStatus::from_kannel(8), Some(DlrStatus::SmscSubmit));
    assert_eq!(DlrStatus::from_kannel(16), Some(DlrStatus::SmscReject));
    for code in [0, 3, 5, 31, 32, 1000] {
        assert_eq!(DlrStatus::from_kannel(code), None, "code {code}");
    }
    for code in [1, 2, 4, 8, 16] {
        assert_eq!(DlrStatus::from_kannel(code).unwrap().kannel_code(), code);
    }

    let finals: Vec<_> = [1, 2, 4, 8, 16]
        .into_iter()
        .filter_map(DlrStatus::from_kannel)
        .filter(DlrStatus::is_final)
        .collect();
    assert_eq!(
        finals,
        [
            DlrStatus::Delivered,
            DlrStatus::Failed,
            DlrStatus::SmscReject
        ]
    );
    assert!(DlrStatus::Failed.is_failure());
    assert!(DlrStatus::SmscReject.is_failure());
    assert!(!DlrStatus::Delivered.is_failure());
    assert!(!DlrStatus::Buffered.is_failure());
    assert!(!DlrStatus::Buffered.is_final());
    assert!(!DlrStatus::SmscSubmit.is_final());
}

#[test]
fn dlr_reports_parse() {
    let r = DlrReport::from_query("id=42&status=8&answer=ACK%2F").unwrap();
    assert_eq!(
        r,
        DlrReport {
            id: 42,
            token: String::new(),
            status: DlrStatus::SmscSubmit,
            answer: "ACK/".into()
        }
    );
    let r = DlrReport::from_query("?id=7&status=1&answer=").unwrap();
    assert_eq!(
        (r.id, r.status, r.answer.as_str()),
        (7, DlrStatus::Delivered, "")
    );
    assert_eq!(
        DlrReport::from_query("status=1"),
        Err(ParseError::Missing("id"))
    );
    assert!(matches!(
        DlrReport::from_query("id=1&status=3"),
        Err(ParseError::Invalid {
            field: "status",
            ..
        })
    ));
    assert!(matches!(
        DlrReport::from_query("id=x&status=1"),
        Err(ParseError::Invalid { field: "id", .. })
    ));
}

#[test]
fn numbers_are_masked() {
    // One masking across the service (shenas_text::mask_phone): operator prefix and last three digits.
    assert_eq!(mask_msisdn("09121234567"), "0912****567");
    assert_eq!(mask_msisdn("+989121234567"), "0912****567");
    assert_eq!(mask_msisdn("989121234567"), "0912****567");
    assert_eq!(mask_msisdn("۰۹۱۲۱۲۳۴۵۶۷"), "0912****567");
    assert_eq!(mask_msisdn("6090"), "***");
    assert_eq!(mask_msisdn("123456"), "***56");
    assert_eq!(mask_msisdn(""), "***");
    assert!(!mask_msisdn("09121234567").contains("123"));
}

#[test]
fn numbers_are_normalised() {
    for n in [
        "09121234567",
        "9121234567",
        "989121234567",
        "+989121234567",
        "00989121234567",
        "۰۹۱۲۱۲۳۴۵۶۷",
        "٠٩١٢١٢٣٤٥٦٧",
        "+98 912 123 4567",
        "0912-123-4567",
    ] {
        assert_eq!(normalize_msisdn(n).as_deref(), Some("09121234567"), "{n}");
    }
    for n in [
        "6090",
        "0212345678",
        "+4915112345678",
        "0912123456",
        "abc",
        "",
        "09121234567x",
    ] {
        assert_eq!(normalize_msisdn(n), None, "{n}");
    }
    assert_eq!(
        to_international("09121234567").as_deref(),
        Some("989121234567")
    );
    assert_eq!(ascii_digits("کد ۰۰۱۲۳۴۵۶۷۸ و ٩"), "کد 0012345678 و 9");
}

fn enc(s: &str) -> String {
    form_urlencoded_like(s.as_bytes())
}

/// Percent-encodes every byte that is not alphanumeric, as Kannel does.
fn form_urlencoded_like(bytes: &[u8]) -> String {
    bytes
        .iter()
        .map(|&b| {
            if b.is_ascii_alphanumeric() {
                char::from(b).to_string()
            } else if b == b' ' {
                "+".to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

#[test]
fn incoming_sms_parses_persian_text_and_digits() {
    // What Kannel sends with `mo-recode = true`: UTF-8, charset=UTF-8, coding=0.
    let text = "کد پیگیری:  ۰۰۱۲۳۴۵۶۷۸\nممنون";
    let q = format!(
        "from=%2B989121234567&to=6090&text={}&coding=0&charset=UTF-8",
        enc(text)
    );
    let sms = IncomingSms::from_query(&q).unwrap();
    assert_eq!(sms.from, "09121234567");
    assert_eq!(sms.to, "6090");
    assert_eq!(sms.text, text, "whitespace and Persian digits are kept");
    assert_eq!(ascii_digits(&sms.text), "کد پیگیری:  0012345678\nممنون");

    // Without `mo-recode`: the UCS-2 bytes themselves, charset=UTF-16BE, coding=2.
    let utf16: Vec<u8> = "۰۰۱۲۳۴۵۶۷۸"
        .encode_utf16()
        .flat_map(u16::to_be_bytes)
        .collect();
    let q = format!(
        "from=09121234567&to=6090&text={}&coding=2&charset=UTF-16BE",
        form_urlencoded_like(&utf16)
    );
    assert_eq!(IncomingSms::from_query(&q).unwrap().text, "۰۰۱۲۳۴۵۶۷۸");
    // The same with only the coding.
    let q = format!(
        "from=09121234567&to=6090&text={}&coding=2",
        form_urlencoded_like(&utf16)
    );
    assert_eq!(IncomingSms::from_query(&q).unwrap().text, "۰۰۱۲۳۴۵۶۷۸");

    // Only the three basic fields.
    let sms = IncomingSms::from_query("from=989121234567&to=6090&text=salam+1").unwrap();
    assert_eq!(
        sms,
        IncomingSms {
            from: "09121234567".into(),
            to: "6090".into(),
            text: "salam 1".into()
        }
    );
    // Persian digits in the sender.
    let q = format!("from={}&to=6090&text=x", enc("۰۹۱۲۱۲۳۴۵۶۷"));
    assert_eq!(IncomingSms::from_query(&q).unwrap().from, "09121234567");
}

#[test]
fn incoming_sms_errors() {
    assert_eq!(
        IncomingSms::from_query("to=6090&text=x"),
        Err(ParseError::Missing("from"))
    );
    assert_eq!(
        IncomingSms::from_query("from=09121234567&to=6090"),
        Err(ParseError::Missing("text"))
    );
    assert!(matches!(
        IncomingSms::from_query("from=MCI&to=6090&text=x"),
        Err(ParseError::NotAMobileNumber(_))
    ));
    assert_eq!(
        IncomingSms::from_query("from=09121234567&to=6090&text=%FF%FE&charset=UTF-8"),
        Err(ParseError::BadText("UTF-8"))
    );
    assert_eq!(
        IncomingSms::from_query("from=09121234567&to=6090&text=%06&charset=UTF-16BE"),
        Err(ParseError::BadText("UTF-16BE"))
    );
}

#[tokio::test]
async fn log_sender_always_succeeds() {
    let sms = OutgoingSms {
        id: 1,
        to: "09121234567".into(),
        text: "کارت شما آماده است".into(),
    };
    assert_eq!(LogSender.send(&sms).await, Ok(()));
    assert_eq!(LogSender.name(), "log");
}

/// A stand-in smsbox answering every sendsms with `status` and `body`; returns its base URL
/// and the raw queries it got.
async fn stand_in(status: u16, body: &'static str) -> (String, Arc<Mutex<Vec<String>>>) {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let seen2 = Arc::clone(&seen);
    let app = Router::new().route(
        "/cgi-bin/sendsms",
        get(move |RawQuery(q): RawQuery| {
            let seen = Arc::clone(&seen2);
            async move {
                seen.lock().unwrap().push(q.unwrap_or_default());
                (StatusCode::from_u16(status).unwrap(), body)
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    (format!("http://{addr}"), seen)
}

fn config(base: &str) -> KannelConfig {
    KannelConfig {
        sendsms_url: format!("{base}/cgi-bin/sendsms"),
        username: "shenas".into(),
        password: "s3cret&x".into(),
        from: "6090".into(),
        dlr_url: "http://127.0.0.1:8080/sms/dlr".into(),
    }
}

fn sms(id: i64) -> OutgoingSms {
    OutgoingSms {
        id,
        to: "09121234567".into(),
        text: "کارت هوشمند شما آماده‌ی تحویل است.".into(),
    }
}

fn field(query: &str, name: &str) -> Option<String> {
    query.split('&').find_map(|kv| {
        let (k, v) = kv.split_once('=')?;
        (k == name).then(|| {
            let bytes: Vec<u8> = {
                let b = v.as_bytes();
                let mut out = Vec::new();
                let mut i = 0;
                while i < b.len() {
                    if b[i] == b'+' {
                        out.push(b' ');
                    } else if b[i] == b'%' {
                        out.push(u8::from_str_radix(&v[i + 1..i + 3], 16).unwrap());
                        i += 2;
                    } else {
                        out.push(b[i]);
                    }
                    i += 1;
                }
                out
            };
            String::from_utf8(bytes).unwrap()
        })
    })
}

#[tokio::test]
async fn accepted_answers_are_ok_and_the_request_is_what_kannel_needs() {
    let (base, seen) = stand_in(202, "0: Accepted for delivery").await;
    let sender = KannelSender::new(config(&base));
    assert_eq!(sender.send(&sms(5)).await, Ok(()));
    assert_eq!(sender.name(), "kannel");

    let q = seen.lock().unwrap()[0].clone();
    assert_eq!(field(&q, "username").as_deref(), Some("shenas"));
    assert_eq!(field(&q, "password").as_deref(), Some("s3cret&x"));
    assert_eq!(field(&q, "from").as_deref(), Some("6090"));
    assert_eq!(field(&q, "to").as_deref(), Some("989121234567"));
    assert_eq!(field(&q, "coding").as_deref(), Some("2"));
    assert_eq!(field(&q, "charset").as_deref(), Some("UTF-8"));
    assert_eq!(field(&q, "dlr-mask").as_deref(), Some("31"));
    assert_eq!(field(&q, "text"), Some(sms(5).text));
    assert_eq!(
        field(&q, "dlr-url").as_deref(),
        Some("http://127.0.0.1:8080/sms/dlr?id=5&status=%d&answer=%A")
    );

    let (base, _) = stand_in(202, "3: Queued for later delivery").await;
    assert_eq!(KannelSender::new(config(&base)).send(&sms(6)).await, Ok(()));
}

#[tokio::test]
async fn refusals_are_classified() {
    let cases: [(u16, &'static str, bool); 6] = [
        // (status, body, temporary?)
        (403, "Authorization failed for sendsms", true),
        (403, "Sender not allowed", false),
        (
            400,
            "Number(s) has/have been denied by white- and/or black-lists.",
            false,
        ),
        (400, "Invalid receiver number", false),
        (503, "Sending failed.", true),
        (500, "", true),
    ];
    for (status, body, temporary) in cases {
        let (base, _) = stand_in(status, body).await;
        let err = KannelSender::new(config(&base))
            .send(&sms(1))
            .await
            .unwrap_err();
        assert_eq!(err.is_temporary(), temporary, "{status} {body}: {err}");
        assert!(err.to_string().contains(&status.to_string()), "{err}");
        assert!(!err.to_string().contains("s3cret"), "no password in {err}");
    }
}

#[tokio::test]
async fn a_bad_number_is_permanent_without_calling_kannel() {
    let (base, seen) = stand_in(202, "0: Accepted for delivery").await;
    let mut bad = sms(1);
    bad.to = "02112345678".into();
    let err = KannelSender::new(config(&base))
        .send(&bad)
        .await
        .unwrap_err();
    assert!(matches!(err, SendError::Permanent(_)), "{err}");
    assert!(
        !err.to_string().contains("12345678"),
        "number masked: {err}"
    );
    assert!(seen.lock().unwrap().is_empty());
}

#[tokio::test]
async fn an_unreachable_kannel_is_temporary() {
    // A port that was free a moment ago: connection refused.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let err = KannelSender::new(config(&format!("http://127.0.0.1:{port}")))
        .send(&sms(1))
        .await
        .unwrap_err();
    assert!(matches!(err, SendError::Temporary(_)), "{err}");
    assert!(!err.to_string().contains("s3cret"), "no password in {err}");
}

#[tokio::test]
async fn a_hanging_kannel_times_out_as_temporary() {
    // Accepts connections and never answers.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((s, _)) = listener.accept().await {
            held.push(s);
        }
    });
    let started = Instant::now();
    let err = KannelSender::new(config(&format!("http://{addr}")))
        .send(&sms(1))
        .await
        .unwrap_err();
    let took = started.elapsed();
    assert!(matches!(err, SendError::Temporary(_)), "{err}");
    assert!(
        took >= Duration::from_secs(4) && took < Duration::from_secs(8),
        "{took:?}"
    );
}

#[tokio::test]
async fn the_sender_is_shared_across_tasks() {
    let (base, seen) = stand_in(202, "0: Accepted for delivery").await;
    let sender = KannelSender::new(config(&base));
    let shared: Arc<dyn SmsSender> = Arc::new(sender.clone());
    let mut tasks = Vec::new();
    for i in 0..50 {
        let s = Arc::clone(&shared);
        tasks.push(tokio::spawn(async move { s.send(&sms(i)).await }));
    }
    for t in tasks {
        assert_eq!(t.await.unwrap(), Ok(()));
    }
    assert_eq!(seen.lock().unwrap().len(), 50);
}

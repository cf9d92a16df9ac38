//! The inquiries a nationality case sends out: the police's identity check, the county security council's
//! nationality inquiry and the foreign-nationals bureau's. None of these bodies has a public API, so they sit
//! behind [`Inquiries`] with two implementations: [`SandboxInquiries`] (the default: deterministic answers from
//! its own table, which tests fill to make a body answer against an applicant) and [`HttpInquiries`] (the bodies'
//! services, or a gateway in front of them, over HTTP).
//!
//! An answer says `clear` or `adverse`, with the body's reference and a line of detail; it never carries more of
//! the applicant than was asked about. This crate keeps nothing: the case records each answer.

use async_trait::async_trait;
use domain::nationality::{InquiryKind, InquiryOutcome};
use domain::text::normalize_name;
use serde::{Deserialize, Serialize};
use std::collections::HashSet;
use std::sync::RwLock;
use std::time::Duration;

#[derive(Debug, thiserror::Error)]
pub enum InquiryError {
    #[error("the inquiry service is unavailable: {0}")]
    Unavailable(String),
}

/// Who is asked about: what the registry office took at opening.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Subject {
    pub case_number: String,
    pub first_name: String,
    pub last_name: String,
    pub father_name: Option<String>,
    pub birth_year_jalali: i32,
    pub birth_place: String,
}

/// A body's answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    pub outcome: InquiryOutcome,
    /// The answering body's reference for its answer.
    pub reference: String,
    pub detail: String,
}

#[async_trait]
pub trait Inquiries: Send + Sync {
    async fn ask(&self, kind: InquiryKind, subject: &Subject) -> Result<Answer, InquiryError>;
}

/// FNV-1a: a stable reference from the question, the same on every run and machine.
fn fnv(parts: &[&str]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for p in parts {
        for b in p.bytes().chain([0u8]) {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    }
    h
}

/// Deterministic answers: `clear` for everyone, except the (kind, last name, first name) entries of its table,
/// which answer `adverse`. The reference is derived from the question, so the same question always gets the same
/// answer.
#[derive(Default)]
pub struct SandboxInquiries {
    adverse: RwLock<HashSet<(InquiryKind, String)>>,
}

impl SandboxInquiries {
    /// Makes `kind` answer `adverse` for the applicant of that first and last name (compared as the registry
    /// compares names: Arabic letter forms, ZWNJ and spaces folded).
    pub fn answer_adverse(&self, kind: InquiryKind, first_name: &str, last_name: &str) {
        if let Ok(mut t) = self.adverse.write() {
            t.insert((kind, Self::key(first_name, last_name)));
        }
    }

    fn key(first: &str, last: &str) -> String {
        format!("{}|{}", normalize_name(first), normalize_name(last))
    }
}

#[async_trait]
impl Inquiries for SandboxInquiries {
    async fn ask(&self, kind: InquiryKind, s: &Subject) -> Result<Answer, InquiryError> {
        let adverse = self
            .adverse
            .read()
            .map_err(|_| InquiryError::Unavailable("sandbox table lock".into()))?
            .contains(&(kind, Self::key(&s.first_name, &s.last_name)));
        let reference = format!(
            "SBX-{}-{:010}",
            kind.as_str().to_ascii_uppercase(),
            fnv(&[kind.as_str(), &s.case_number]) % 10_000_000_000
        );
        let (outcome, detail) = if adverse {
            (
                InquiryOutcome::Adverse,
                match kind {
                    InquiryKind::PoliceIdentity => "سابقهٔ هویتی دیگری برای متقاضی یافت شد",
                    InquiryKind::SecurityCouncil => "شورای تأمین تابعیت ایرانی را تأیید نکرد",
                    InquiryKind::ForeignNationals => "متقاضی در سامانهٔ اتباع خارجی ثبت شده است",
                },
            )
        } else {
            (InquiryOutcome::Clear, "مانعی یافت نشد")
        };
        Ok(Answer {
            outcome,
            reference,
            detail: detail.into(),
        })
    }
}

#[derive(Deserialize)]
struct Wire {
    outcome: String,
    reference: String,
    #[serde(default)]
    detail: String,
}

/// `POST {url}/{kind}` (`police_identity`, `security_council`, `foreign_nationals`) with the [`Subject`] as JSON,
/// answered `{"outcome": "clear" | "adverse", "reference": "…", "detail": "…"}`.
pub struct HttpInquiries {
    url: String,
    client: reqwest::Client,
}

impl HttpInquiries {
    pub fn new(url: impl Into<String>, timeout: Duration) -> Result<Self, InquiryError> {
        Ok(Self {
            url: url.into().trim_end_matches('/').to_string(),
            client: reqwest::Client::builder()
                .timeout(timeout)
                .build()
                .map_err(|e| InquiryError::Unavailable(e.to_string()))?,
        })
    }
}

#[async_trait]
impl Inquiries for HttpInquiries {
    async fn ask(&self, kind: InquiryKind, subject: &Subject) -> Result<Answer, InquiryError> {
        let res = self
            .client
            .post(format!("{}/{}", self.url, kind.as_str()))
            .json(subject)
            .send()
            .await
            .map_err(|e| InquiryError::Unavailable(e.to_string()))?;
        if !res.status().is_success() {
            return Err(InquiryError::Unavailable(format!("HTTP {}", res.status())));
        }
        let w: Wire = res
            .json()
            .await
            .map_err(|e| InquiryError::Unavailable(e.to_string()))?;
        // An outcome the contract does not name is the service's fault, never read as either answer.
        let outcome = InquiryOutcome::parse(&w.outcome).map_err(|_| {
            InquiryError::Unavailable(format!("the service answered outcome {:?}", w.outcome))
        })?;
        if w.reference.trim().is_empty() {
            return Err(InquiryError::Unavailable(
                "the service answered without a reference".into(),
            ));
        }
        Ok(Answer {
            outcome,
            reference: w.reference,
            detail: w.detail,
        })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use axum::{extract::Path, routing::post, Json, Router};

    fn subject(first: &str, last: &str) -> Subject {
        Subject {
            case_number: "23-00000001-A".into(),
            first_name: first.into(),
            last_name: last.into(),
            father_name: None,
            birth_year_jalali: 1380,
            birth_place: "زاهدان".into(),
        }
    }

    #[tokio::test]
    async fn the_sandbox_answers_from_its_table_and_always_the_same() {
        let s = SandboxInquiries::default();
        s.answer_adverse(InquiryKind::ForeignNationals, "علي", "رضايي");
        let who = subject("علی", "رضایی");
        let a = s.ask(InquiryKind::ForeignNationals, &who).await.unwrap();
        assert_eq!(a.outcome, InquiryOutcome::Adverse);
        let b = s.ask(InquiryKind::PoliceIdentity, &who).await.unwrap();
        assert_eq!(b.outcome, InquiryOutcome::Clear);
        assert_eq!(
            s.ask(InquiryKind::PoliceIdentity, &who).await.unwrap(),
            b,
            "deterministic"
        );
        let other = s
            .ask(InquiryKind::ForeignNationals, &subject("مریم", "رضایی"))
            .await
            .unwrap();
        assert_eq!(other.outcome, InquiryOutcome::Clear);
        assert_ne!(a.reference, b.reference);
    }

    async fn serve() -> String {
        let app = Router::new().route(
            "/inq/{kind}",
            post(
                |Path(kind): Path<String>, Json(v): Json<serde_json::Value>| async move {
                    let outcome = match (kind.as_str(), v["last_name"].as_str()) {
                        ("security_council", Some("رد")) => "adverse",
                        (_, Some("خراب")) => "maybe",
                        _ => "clear",
                    };
                    Json(serde_json::json!({
                        "outcome": outcome, "reference": format!("R-{kind}"), "detail": "ok"
                    }))
                },
            ),
        );
        let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = l.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(l, app).await });
        format!("http://{addr}/inq/")
    }

    #[tokio::test]
    async fn the_http_adapter_asks_each_body_and_refuses_what_it_does_not_understand() {
        let h = HttpInquiries::new(serve().await, Duration::from_secs(5)).unwrap();
        let a = h
            .ask(InquiryKind::SecurityCouncil, &subject("علی", "رد"))
            .await
            .unwrap();
        assert_eq!(a.outcome, InquiryOutcome::Adverse);
        assert_eq!(a.reference, "R-security_council");
        let b = h
            .ask(InquiryKind::PoliceIdentity, &subject("علی", "رد"))
            .await
            .unwrap();
        assert_eq!(b.outcome, InquiryOutcome::Clear);
        assert!(h
            .ask(InquiryKind::PoliceIdentity, &subject("علی", "خراب"))
            .await
            .is_err());
        let down = HttpInquiries::new("http://127.0.0.1:9/x", Duration::from_secs(2)).unwrap();
        assert!(down
            .ask(InquiryKind::PoliceIdentity, &subject("a", "b"))
            .await
            .is_err());
    }
}

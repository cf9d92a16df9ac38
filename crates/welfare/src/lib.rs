//! Whether a person's disability is on record at the State Welfare Organisation (Behzisti), which keeps the
//! registry of disabled people: a home visit by a mobile enrollment unit is for people who cannot come to an
//! office, and the organisation's record is what confirms it. Its service has no public API, so it sits behind
//! [`DisabilityRegistry`] with two implementations: [`SandboxWelfare`] (the default: answers from a list it is
//! given, for development, tests and demonstrations) and [`HttpWelfare`] (the organisation's service over HTTP).
//!
//! The port answers whether the disability is confirmed, with the organisation's reference and, where it knows
//! it, the city the person lives in; it never answers what the disability is, which the programme has no need of.

use async_trait::async_trait;
use domain::NationalCode;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::time::Duration;

#[derive(Debug, thiserror::Error)]
pub enum WelfareError {
    #[error("the welfare registry is unavailable: {0}")]
    Unavailable(String),
    #[error("the welfare list is malformed: {0}")]
    Malformed(String),
}

/// A confirmed disability: the organisation's reference for it, and the city where the person lives if known.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Confirmation {
    pub reference: String,
    #[serde(default)]
    pub city: Option<String>,
}

#[async_trait]
pub trait DisabilityRegistry: Send + Sync {
    /// The confirmation of the person's disability; `None` when the organisation has none on record.
    async fn confirm(&self, code: &NationalCode) -> Result<Option<Confirmation>, WelfareError>;
}

/// Answers from a list: the national codes it is given are confirmed, everyone else is not.
#[derive(Debug, Default, Clone)]
pub struct SandboxWelfare {
    records: HashMap<NationalCode, Confirmation>,
}

impl SandboxWelfare {
    /// Nobody is confirmed until codes are added.
    pub fn new() -> Self {
        Self::default()
    }

    /// Confirms `code` (reference `SANDBOX-{code}`), in `city` when given.
    pub fn with(mut self, code: NationalCode, city: Option<&str>) -> Self {
        self.records.insert(
            code,
            Confirmation {
                reference: format!("SANDBOX-{}", code.as_str()),
                city: city.map(str::to_string),
            },
        );
        self
    }

    /// Reads a list: one person a line, `national_code[,city]`; empty lines and lines starting with `#` are
    /// skipped; a header line `national_code,…` is allowed. A bad national code is an error naming its line.
    pub fn from_list(text: &str) -> Result<Self, WelfareError> {
        let mut out = Self::new();
        for (i, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') || line.starts_with("national_code") {
                continue;
            }
            let (code, city) = match line.split_once(',') {
                Some((c, city)) => (c.trim(), Some(city.trim()).filter(|s| !s.is_empty())),
                None => (line, None),
            };
            let code = NationalCode::parse(code).map_err(|e| {
                WelfareError::Malformed(format!("line {}: {}", i + 1, e.message_en))
            })?;
            out = out.with(code, city);
        }
        Ok(out)
    }

    pub fn len(&self) -> usize {
        self.records.len()
    }

    pub fn is_empty(&self) -> bool {
        self.records.is_empty()
    }
}

#[async_trait]
impl DisabilityRegistry for SandboxWelfare {
    async fn confirm(&self, code: &NationalCode) -> Result<Option<Confirmation>, WelfareError> {
        Ok(self.records.get(code).cloned())
    }
}

#[derive(Serialize)]
struct Ask<'a> {
    national_code: &'a str,
}

#[derive(Deserialize)]
struct Answer {
    confirmed: bool,
    #[serde(default)]
    reference: Option<String>,
    #[serde(default)]
    city: Option<String>,
}

/// `POST {url}` with `{"national_code"}`, answered `{"confirmed": bool, "reference"?: "…", "city"?: "…"}`. A
/// confirmation without a reference is an error of the service: a home visit must cite the organisation's record.
pub struct HttpWelfare {
    url: String,
    client: reqwest::Client,
}

impl HttpWelfare {
    pub fn new(url: impl Into<String>, timeout: Duration) -> Result<Self, WelfareError> {
        Ok(Self {
            url: url.into(),
            client: reqwest::Client::builder()
                .timeout(timeout)
                .build()
                .map_err(|e| WelfareError::Unavailable(e.to_string()))?,
        })
    }
}

#[async_trait]
impl DisabilityRegistry for HttpWelfare {
    async fn confirm(&self, code: &NationalCode) -> Result<Option<Confirmation>, WelfareError> {
        let res = self
            .client
            .post(&self.url)
            .json(&Ask {
                national_code: code.as_str(),
            })
            .send()
            .await
            .map_err(|e| WelfareError::Unavailable(e.to_string()))?;
        if !res.status().is_success() {
            return Err(WelfareError::Unavailable(format!("HTTP {}", res.status())));
        }
        let a: Answer = res
            .json()
            .await
            .map_err(|e| WelfareError::Unavailable(e.to_string()))?;
        if !a.confirmed {
            return Ok(None);
        }
        let reference = a
            .reference
            .filter(|r| !r.trim().is_empty())
            .ok_or_else(|| {
                WelfareError::Unavailable("a confirmation came without a reference".into())
            })?;
        Ok(Some(Confirmation {
            reference,
            city: a.city.filter(|c| !c.trim().is_empty()),
        }))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use axum::{routing::post, Json, Router};

    fn code(s: &str) -> NationalCode {
        NationalCode::parse(s).unwrap()
    }

    #[tokio::test]
    async fn the_sandbox_confirms_only_the_people_on_its_list() {
        let w = SandboxWelfare::from_list(
            "national_code,city\n# a comment\n0012345679,کرج\n\n۰۴۹۹۳۷۰۸۹۹\n",
        )
        .unwrap();
        assert_eq!(w.len(), 2);
        let a = w.confirm(&code("0012345679")).await.unwrap().unwrap();
        assert_eq!(a.city.as_deref(), Some("کرج"));
        assert_eq!(a.reference, "SANDBOX-0012345679");
        let b = w.confirm(&code("0499370899")).await.unwrap().unwrap();
        assert_eq!(b.city, None);
        assert_eq!(w.confirm(&code("0084575948")).await.unwrap(), None);
        assert!(SandboxWelfare::new()
            .confirm(&code("0012345679"))
            .await
            .unwrap()
            .is_none());
        let bad = SandboxWelfare::from_list("0012345679\n1234567890\n").unwrap_err();
        assert!(bad.to_string().contains("line 2"), "{bad}");
    }

    /// A stand-in for the organisation: 0012345679 is confirmed in کرج; 0499370899 is "confirmed" without a
    /// reference (a broken answer); everyone else is not.
    async fn serve() -> String {
        let app = Router::new().route(
            "/behzisti",
            post(|Json(v): Json<serde_json::Value>| async move {
                Json(match v["national_code"].as_str() {
                    Some("0012345679") => {
                        serde_json::json!({"confirmed": true, "reference": "BZ-77", "city": "کرج"})
                    }
                    Some("0499370899") => serde_json::json!({"confirmed": true}),
                    _ => serde_json::json!({"confirmed": false}),
                })
            }),
        );
        let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = l.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(l, app).await });
        format!("http://{addr}/behzisti")
    }

    #[tokio::test]
    async fn the_http_adapter_asks_and_answers() {
        let w = HttpWelfare::new(serve().await, Duration::from_secs(5)).unwrap();
        assert_eq!(
            w.confirm(&code("0012345679")).await.unwrap(),
            Some(Confirmation {
                reference: "BZ-77".into(),
                city: Some("کرج".into())
            })
        );
        assert_eq!(w.confirm(&code("0084575948")).await.unwrap(), None);
        assert!(w.confirm(&code("0499370899")).await.is_err());
        let down = HttpWelfare::new("http://127.0.0.1:9/x", Duration::from_secs(2)).unwrap();
        assert!(down.confirm(&code("0012345679")).await.is_err());
    }
}

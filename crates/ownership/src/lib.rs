//! Whether a mobile number belongs to a person: an SMS to someone else's number is the first reason cards are
//! never collected, so an application names only the applicant's own number. The regulator's service
//! ("Shahkar") answers `{national_code, mobile} → matched?`; it has no public API, so it sits behind
//! [`MobileOwnership`] with two implementations: [`RegistryOwnership`] (the default: the numbers the civil
//! registry lists for the person) and [`HttpOwnership`] (an outside service over HTTP).
//!
//! This crate answers yes or no; it never tells a caller whose number it is.

use async_trait::async_trait;
use domain::{Mobile, NationalCode};
use serde::{Deserialize, Serialize};
use std::time::Duration;
use store::DynStore;

#[derive(Debug, thiserror::Error)]
pub enum OwnershipError {
    #[error("the mobile-ownership service is unavailable: {0}")]
    Unavailable(String),
}

#[async_trait]
pub trait MobileOwnership: Send + Sync {
    async fn owns(&self, code: &NationalCode, mobile: &Mobile) -> Result<bool, OwnershipError>;
}

/// Answers from the registry's `mobiles` column.
pub struct RegistryOwnership {
    store: DynStore,
}

impl RegistryOwnership {
    pub fn new(store: DynStore) -> Self {
        Self { store }
    }
}

#[async_trait]
impl MobileOwnership for RegistryOwnership {
    async fn owns(&self, code: &NationalCode, mobile: &Mobile) -> Result<bool, OwnershipError> {
        let person = self
            .store
            .person(code)
            .await
            .map_err(|e| OwnershipError::Unavailable(e.to_string()))?;
        Ok(person.is_some_and(|p| p.mobiles.contains(mobile)))
    }
}

#[derive(Serialize)]
struct Ask<'a> {
    national_code: &'a str,
    mobile: &'a str,
}

#[derive(Deserialize)]
struct Answer {
    matched: bool,
}

/// `POST {url}` with `{"national_code", "mobile"}`, answered `{"matched": bool}`.
pub struct HttpOwnership {
    url: String,
    client: reqwest::Client,
}

impl HttpOwnership {
    pub fn new(url: impl Into<String>, timeout: Duration) -> Result<Self, OwnershipError> {
        Ok(Self {
            url: url.into(),
            client: reqwest::Client::builder()
                .timeout(timeout)
                .build()
                .map_err(|e| OwnershipError::Unavailable(e.to_string()))?,
        })
    }
}

#[async_trait]
impl MobileOwnership for HttpOwnership {
    async fn owns(&self, code: &NationalCode, mobile: &Mobile) -> Result<bool, OwnershipError> {
        let res = self
            .client
            .post(&self.url)
            .json(&Ask {
                national_code: code.as_str(),
                mobile: mobile.as_str(),
            })
            .send()
            .await
            .map_err(|e| OwnershipError::Unavailable(e.to_string()))?;
        if !res.status().is_success() {
            return Err(OwnershipError::Unavailable(format!(
                "HTTP {}",
                res.status()
            )));
        }
        let a: Answer = res
            .json()
            .await
            .map_err(|e| OwnershipError::Unavailable(e.to_string()))?;
        Ok(a.matched)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use axum::{routing::post, Json, Router};

    /// A stand-in for the regulator: only 0012345679 owns 09121234567.
    async fn serve() -> String {
        let app = Router::new().route(
            "/shahkar",
            post(|Json(v): Json<serde_json::Value>| async move {
                let matched = v["national_code"] == "0012345679" && v["mobile"] == "09121234567";
                Json(serde_json::json!({ "matched": matched }))
            }),
        );
        let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = l.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(l, app).await });
        format!("http://{addr}/shahkar")
    }

    #[tokio::test]
    async fn http_adapter_asks_and_answers() {
        let url = serve().await;
        let o = HttpOwnership::new(url, Duration::from_secs(5)).unwrap();
        let code = NationalCode::parse("0012345679").unwrap();
        let other = NationalCode::parse("0499370899").unwrap();
        let m = Mobile::parse("+989121234567").unwrap();
        assert!(o.owns(&code, &m).await.unwrap());
        assert!(!o.owns(&other, &m).await.unwrap());
        let down = HttpOwnership::new("http://127.0.0.1:9/x", Duration::from_secs(2)).unwrap();
        assert!(down.owns(&code, &m).await.is_err());
    }
}

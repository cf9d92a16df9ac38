//! Whether a mobile number belongs to a person: an SMS to someone else's number is the first reason cards are
//! never collected, so an application names only the applicant's own number. The regulator's service
//! ("Shahkar") answers `{national_code, mobile} → matched?`; it has no public API, so it sits behind
//! [`MobileOwnership`] with two implementations: [`RegistryOwnership`] (the default: the numbers the civil
//! registry lists for the person) and [`HttpOwnership`] (an outside service over HTTP).
//!
//! [`MobileOwnership::owns`] answers yes or no; it never tells a caller whose number it is. The one question
//! that lists codes, [`MobileOwnership::linked_codes`], is asked only about the caller's own number (the USSD
//! service, where the mobile network vouches for the calling number).

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

    /// The national codes the number is registered to (a family may share one number), in no set order.
    async fn linked_codes(&self, mobile: &Mobile) -> Result<Vec<NationalCode>, OwnershipError>;

    /// The mobile numbers registered to the national code at the operators (Chapar's reverse lookup), in no set
    /// order.
    async fn linked_numbers(&self, code: &NationalCode) -> Result<Vec<Mobile>, OwnershipError>;
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

    async fn linked_codes(&self, mobile: &Mobile) -> Result<Vec<NationalCode>, OwnershipError> {
        self.store
            .national_codes_by_mobile(mobile)
            .await
            .map_err(|e| OwnershipError::Unavailable(e.to_string()))
    }

    async fn linked_numbers(&self, code: &NationalCode) -> Result<Vec<Mobile>, OwnershipError> {
        let person = self
            .store
            .person(code)
            .await
            .map_err(|e| OwnershipError::Unavailable(e.to_string()))?;
        Ok(person.map(|p| p.mobiles).unwrap_or_default())
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

#[derive(Serialize)]
struct AskLinked<'a> {
    mobile: &'a str,
}

#[derive(Deserialize)]
struct LinkedAnswer {
    national_codes: Vec<String>,
}

#[derive(Serialize)]
struct AskNumbers<'a> {
    national_code: &'a str,
}

#[derive(Deserialize)]
struct NumbersAnswer {
    mobiles: Vec<String>,
}

/// `POST {url}` with `{"national_code", "mobile"}`, answered `{"matched": bool}`; and for the codes linked to a
/// number, `POST {linked_url}` with `{"mobile"}`, answered `{"national_codes": ["…", …]}`; and for the numbers
/// linked to a national code (Chapar), `POST {url}/numbers` with `{"national_code"}`, answered
/// `{"mobiles": ["09…", …]}`. The linked-codes endpoint is `{url}/linked` unless [`HttpOwnership::with_linked_url`]
/// names another.
pub struct HttpOwnership {
    url: String,
    linked_url: String,
    numbers_url: String,
    client: reqwest::Client,
}

impl HttpOwnership {
    pub fn new(url: impl Into<String>, timeout: Duration) -> Result<Self, OwnershipError> {
        let url = url.into();
        Ok(Self {
            linked_url: format!("{}/linked", url.trim_end_matches('/')),
            numbers_url: format!("{}/numbers", url.trim_end_matches('/')),
            url,
            client: reqwest::Client::builder()
                .timeout(timeout)
                .build()
                .map_err(|e| OwnershipError::Unavailable(e.to_string()))?,
        })
    }

    /// Asks for linked codes at `url` instead of `{url}/linked`.
    pub fn with_linked_url(mut self, url: impl Into<String>) -> Self {
        self.linked_url = url.into();
        self
    }

    async fn post<B: Serialize + Sync, A: serde::de::DeserializeOwned>(
        &self,
        url: &str,
        body: &B,
    ) -> Result<A, OwnershipError> {
        let res = self
            .client
            .post(url)
            .json(body)
            .send()
            .await
            .map_err(|e| OwnershipError::Unavailable(e.to_string()))?;
        if !res.status().is_success() {
            return Err(OwnershipError::Unavailable(format!(
                "HTTP {}",
                res.status()
            )));
        }
        res.json()
            .await
            .map_err(|e| OwnershipError::Unavailable(e.to_string()))
    }
}

#[async_trait]
impl MobileOwnership for HttpOwnership {
    async fn owns(&self, code: &NationalCode, mobile: &Mobile) -> Result<bool, OwnershipError> {
        let a: Answer = self
            .post(
                &self.url,
                &Ask {
                    national_code: code.as_str(),
                    mobile: mobile.as_str(),
                },
            )
            .await?;
        Ok(a.matched)
    }

    /// A code the service answers that is not a valid national code is an error of the service, not skipped.
    async fn linked_codes(&self, mobile: &Mobile) -> Result<Vec<NationalCode>, OwnershipError> {
        let a: LinkedAnswer = self
            .post(
                &self.linked_url,
                &AskLinked {
                    mobile: mobile.as_str(),
                },
            )
            .await?;
        a.national_codes
            .iter()
            .map(|c| {
                NationalCode::parse(c).map_err(|_| {
                    OwnershipError::Unavailable(
                        "the service answered an invalid national code".into(),
                    )
                })
            })
            .collect()
    }

    /// A number the service answers that is not a valid mobile number is an error of the service, not skipped.
    async fn linked_numbers(&self, code: &NationalCode) -> Result<Vec<Mobile>, OwnershipError> {
        let a: NumbersAnswer = self
            .post(
                &self.numbers_url,
                &AskNumbers {
                    national_code: code.as_str(),
                },
            )
            .await?;
        a.mobiles
            .iter()
            .map(|m| {
                Mobile::parse(m).map_err(|_| {
                    OwnershipError::Unavailable(
                        "the service answered an invalid mobile number".into(),
                    )
                })
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use axum::{routing::post, Json, Router};

    /// A stand-in for the regulator: only 0012345679 owns 09121234567, and 09121234567 is registered to
    /// 0012345679 and 0499370899; 09120000000 makes it answer a malformed code.
    async fn serve() -> String {
        let app = Router::new()
            .route(
                "/shahkar",
                post(|Json(v): Json<serde_json::Value>| async move {
                    let matched =
                        v["national_code"] == "0012345679" && v["mobile"] == "09121234567";
                    Json(serde_json::json!({ "matched": matched }))
                }),
            )
            .route(
                "/shahkar/linked",
                post(|Json(v): Json<serde_json::Value>| async move {
                    let codes: Vec<&str> = match v["mobile"].as_str() {
                        Some("09121234567") => vec!["0012345679", "0499370899"],
                        Some("09120000000") => vec!["12345"],
                        _ => vec![],
                    };
                    Json(serde_json::json!({ "national_codes": codes }))
                }),
            )
            .route(
                "/shahkar/numbers",
                post(|Json(v): Json<serde_json::Value>| async move {
                    let numbers: Vec<&str> = match v["national_code"].as_str() {
                        Some("0012345679") => vec!["09121234567", "09351234567"],
                        Some("0499370899") => vec!["0912"],
                        _ => vec![],
                    };
                    Json(serde_json::json!({ "mobiles": numbers }))
                }),
            )
            .route(
                "/elsewhere",
                post(|| async { Json(serde_json::json!({ "national_codes": ["0084575948"] })) }),
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

    #[tokio::test]
    async fn http_adapter_lists_linked_codes() {
        let url = serve().await;
        let o = HttpOwnership::new(url.clone(), Duration::from_secs(5)).unwrap();
        let m = Mobile::parse("۰۹۱۲۱۲۳۴۵۶۷").unwrap();
        let codes = o.linked_codes(&m).await.unwrap();
        assert_eq!(
            codes,
            vec![
                NationalCode::parse("0012345679").unwrap(),
                NationalCode::parse("0499370899").unwrap()
            ]
        );
        let nobody = Mobile::parse("09351234567").unwrap();
        assert!(o.linked_codes(&nobody).await.unwrap().is_empty());
        // A malformed code from the service is the service's fault: an error, not a silent skip.
        let bad = Mobile::parse("09120000000").unwrap();
        assert!(o.linked_codes(&bad).await.is_err());
        // Another endpoint when named.
        let elsewhere = url.replace("/shahkar", "/elsewhere");
        let o2 = HttpOwnership::new(url, Duration::from_secs(5))
            .unwrap()
            .with_linked_url(elsewhere);
        assert_eq!(
            o2.linked_codes(&nobody).await.unwrap(),
            vec![NationalCode::parse("0084575948").unwrap()]
        );
        let down = HttpOwnership::new("http://127.0.0.1:9/x", Duration::from_secs(2)).unwrap();
        assert!(down.linked_codes(&m).await.is_err());
    }

    #[tokio::test]
    async fn registry_lists_the_codes_a_number_is_registered_to() {
        let db = store_suite::TestStore::sqlite().await;
        let today = domain::JalaliDate::parse("1404-01-15").unwrap();
        let person = |code: &str, mobiles: &str| {
            store_suite::fixtures::PersonBuilder::with_code(code)
                .mobile(mobiles)
                .address("کرج")
                .as_of(today)
                .build()
        };
        db.store
            .upsert_persons(&[
                person("0012345679", "09121234567;09351234567"),
                person("0499370899", "09121234567"),
                person("0084575948", "09131234567"),
            ])
            .await
            .unwrap();
        let o = RegistryOwnership::new(db.store.clone());
        let m = Mobile::parse("09121234567").unwrap();
        let mut codes = o.linked_codes(&m).await.unwrap();
        codes.sort();
        assert_eq!(
            codes,
            vec![
                NationalCode::parse("0012345679").unwrap(),
                NationalCode::parse("0499370899").unwrap()
            ]
        );
        let none = Mobile::parse("09190000000").unwrap();
        assert!(o.linked_codes(&none).await.unwrap().is_empty());
        // `owns` is unchanged.
        assert!(o
            .owns(&NationalCode::parse("0499370899").unwrap(), &m)
            .await
            .unwrap());
        assert!(!o
            .owns(&NationalCode::parse("0084575948").unwrap(), &m)
            .await
            .unwrap());
        db.cleanup().await;
    }

    #[tokio::test]
    async fn http_adapter_lists_the_numbers_linked_to_a_code() {
        let o = HttpOwnership::new(serve().await, Duration::from_secs(5)).unwrap();
        let numbers = o
            .linked_numbers(&NationalCode::parse("0012345679").unwrap())
            .await
            .unwrap();
        let numbers: Vec<&str> = numbers.iter().map(|m| m.as_str()).collect();
        assert_eq!(numbers, ["09121234567", "09351234567"]);
        assert!(o
            .linked_numbers(&NationalCode::parse("0084575948").unwrap())
            .await
            .unwrap()
            .is_empty());
        assert!(o
            .linked_numbers(&NationalCode::parse("0499370899").unwrap())
            .await
            .is_err());
    }
}

//! A bank reached over HTTP. The JSON shape is the sandbox bank's (`POST {base}/token`, `/verify`, `/settle`,
//! `/reverse`, each with `{"token"}` or the token request), so the adapter is tested against the sandbox bank
//! served by Shenas itself; a bank with another shape gets its own adapter beside this one.

use crate::{Gateway, GatewayError, TokenRequest, TokenResponse, Verification};
use async_trait::async_trait;
use serde::de::DeserializeOwned;
use serde::Serialize;
use std::time::Duration;

pub struct HttpGateway {
    base: String,
    client: reqwest::Client,
}

impl HttpGateway {
    /// `base` is the bank's API root, e.g. `https://bank.example/v1`.
    pub fn new(base: impl Into<String>, timeout: Duration) -> Result<Self, GatewayError> {
        let client = reqwest::Client::builder()
            .timeout(timeout)
            .build()
            .map_err(|e| GatewayError::Unavailable(e.to_string()))?;
        Ok(Self {
            base: base.into().trim_end_matches('/').to_string(),
            client,
        })
    }

    async fn call<B: Serialize + ?Sized, R: DeserializeOwned>(
        &self,
        path: &str,
        body: &B,
    ) -> Result<R, GatewayError> {
        let res = self
            .client
            .post(format!("{}/{path}", self.base))
            .json(body)
            .send()
            .await
            .map_err(|e| GatewayError::Unavailable(e.to_string()))?;
        let status = res.status();
        if status.is_server_error() {
            return Err(GatewayError::Unavailable(format!("{path}: HTTP {status}")));
        }
        if !status.is_success() {
            let text = res.text().await.unwrap_or_default();
            return Err(GatewayError::Refused(format!(
                "{path}: HTTP {status}: {text}"
            )));
        }
        res.json()
            .await
            .map_err(|e| GatewayError::Unavailable(format!("{path}: {e}")))
    }
}

#[derive(Serialize)]
struct TokenOnly<'a> {
    token: &'a str,
}

#[derive(serde::Deserialize)]
struct Done {}

#[async_trait]
impl Gateway for HttpGateway {
    fn name(&self) -> &'static str {
        "http"
    }

    async fn token(&self, req: &TokenRequest) -> Result<TokenResponse, GatewayError> {
        self.call("token", req).await
    }

    async fn verify(&self, token: &str) -> Result<Verification, GatewayError> {
        self.call("verify", &TokenOnly { token }).await
    }

    async fn settle(&self, token: &str) -> Result<(), GatewayError> {
        self.call::<_, Done>("settle", &TokenOnly { token })
            .await
            .map(|_| ())
    }

    async fn reverse(&self, token: &str) -> Result<(), GatewayError> {
        self.call::<_, Done>("reverse", &TokenOnly { token })
            .await
            .map(|_| ())
    }
}

//! The payment gateway port. The programme takes fees through the usual Iranian (Shaparak) gateway flow: ask the
//! bank for a token, send the customer to the bank's page with it, receive the customer back on a callback, then
//! **verify** with the bank (server to server; the callback itself proves nothing), **settle**, or **reverse** when
//! the application cannot take the money. Verify must be safe to repeat.
//!
//! Implementations: [`sandbox::SandboxGateway`] (the built-in sandbox bank, the default) and
//! [`http::HttpGateway`] (a bank reached over HTTP with the sandbox bank's JSON shape). This crate never decides
//! what a payment means for an application: that is the server's journey logic.

use async_trait::async_trait;
use serde::{Deserialize, Serialize};

pub mod http;
pub mod sandbox;

/// What the merchant asks the bank for.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TokenRequest {
    /// The merchant's own number for this attempt (our payment id).
    pub order_id: i64,
    pub amount_rials: u64,
    /// Where the bank sends the customer back.
    pub callback_url: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TokenResponse {
    pub token: String,
    /// The bank's page for the customer; carries the token as its `token` query parameter.
    pub redirect_url: String,
}

/// What the bank says about a token when asked to verify it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum Verification {
    /// The customer paid; the money is held until settled or reversed.
    Paid { ref_id: String, amount_rials: u64 },
    /// The customer cancelled, the card was refused, the token expired, or the money was already reversed.
    NotPaid { reason: String },
    /// The customer has not finished at the bank yet.
    Pending,
}

#[derive(Debug, thiserror::Error)]
pub enum GatewayError {
    /// The bank could not be reached or answered nonsense: try again later.
    #[error("the bank is unavailable: {0}")]
    Unavailable(String),
    /// The bank refused the request (unknown token, wrong state).
    #[error("the bank refused: {0}")]
    Refused(String),
}

#[async_trait]
pub trait Gateway: Send + Sync {
    /// A short name stored with each payment (`sandbox`, `http`).
    fn name(&self) -> &'static str;

    async fn token(&self, req: &TokenRequest) -> Result<TokenResponse, GatewayError>;

    /// Repeatable: a paid token answers `Paid` every time until it is reversed.
    async fn verify(&self, token: &str) -> Result<Verification, GatewayError>;

    /// Repeatable: settling a settled token is a success.
    async fn settle(&self, token: &str) -> Result<(), GatewayError>;

    /// Repeatable: reversing a reversed token is a success.
    async fn reverse(&self, token: &str) -> Result<(), GatewayError>;
}

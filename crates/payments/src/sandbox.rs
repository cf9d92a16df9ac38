//! The built-in sandbox bank: a bank with its own ledger (in the programme's database, table
//! `bank_transactions`) and its own rules, so the whole payment flow runs without a real bank. The server shows
//! its customer page (`/sandbox-bank/pay?token=…`) and its JSON API (`/sandbox-bank/v1/…`); the
//! [`SandboxGateway`] is the merchant's side, calling the bank in-process.
//!
//! Ledger states: `created` → `paid` | `cancelled` | `failed` (insufficient funds); `paid` → `verified` →
//! `settled`; `paid` | `verified` → `reversed`. A token left `created` past [`TOKEN_LIFETIME_MINUTES`] verifies
//! as not paid.

use crate::{Gateway, GatewayError, TokenRequest, TokenResponse, Verification};
use async_trait::async_trait;
use chrono::Utc;
use rand::Rng;
use serde::{Deserialize, Serialize};
use store::journey::BankTransaction;
use store::DynStore;

pub const TOKEN_LIFETIME_MINUTES: i64 = 20;

/// What the customer does at the bank's page.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Success,
    Cancel,
    InsufficientFunds,
}

impl Outcome {
    fn ledger_state(self) -> &'static str {
        match self {
            Outcome::Success => "paid",
            Outcome::Cancel => "cancelled",
            Outcome::InsufficientFunds => "failed",
        }
    }
}

#[derive(Clone)]
pub struct SandboxBank {
    store: DynStore,
}

impl SandboxBank {
    pub fn new(store: DynStore) -> Self {
        Self { store }
    }

    fn store_err(e: store::StoreError) -> GatewayError {
        GatewayError::Unavailable(e.to_string())
    }

    pub async fn issue(&self, req: &TokenRequest) -> Result<TokenResponse, GatewayError> {
        if req.amount_rials == 0 {
            return Err(GatewayError::Refused("amount must be positive".into()));
        }
        let token: String = {
            let mut rng = rand::rng();
            (0..24)
                .map(|_| char::from(b"0123456789abcdef"[rng.random_range(0..16)]))
                .collect()
        };
        self.store
            .bank_insert(&BankTransaction {
                token: token.clone(),
                order_id: req.order_id,
                amount_rials: req.amount_rials,
                callback_url: req.callback_url.clone(),
                state: "created".into(),
                ref_id: None,
                created_at: Utc::now(),
            })
            .await
            .map_err(Self::store_err)?;
        Ok(TokenResponse {
            redirect_url: format!("/sandbox-bank/pay?token={token}"),
            token,
        })
    }

    pub async fn transaction(&self, token: &str) -> Result<Option<BankTransaction>, GatewayError> {
        self.store.bank_get(token).await.map_err(Self::store_err)
    }

    /// The customer acts on the bank's page. Only a fresh (`created`, unexpired) token can be acted on.
    pub async fn pay(
        &self,
        token: &str,
        outcome: Outcome,
    ) -> Result<BankTransaction, GatewayError> {
        let tx = self
            .transaction(token)
            .await?
            .ok_or_else(|| GatewayError::Refused("unknown token".into()))?;
        if expired(&tx) {
            return Err(GatewayError::Refused("the token has expired".into()));
        }
        let ref_id = (outcome == Outcome::Success).then(|| {
            let n: u64 = rand::rng().random_range(100_000_000_000..999_999_999_999);
            n.to_string()
        });
        let moved = self
            .store
            .bank_update(
                token,
                &["created"],
                outcome.ledger_state(),
                ref_id.as_deref(),
            )
            .await
            .map_err(Self::store_err)?;
        if !moved {
            return Err(GatewayError::Refused(format!(
                "this token was already used ({})",
                tx.state
            )));
        }
        self.transaction(token)
            .await?
            .ok_or_else(|| GatewayError::Refused("unknown token".into()))
    }

    pub async fn verify(&self, token: &str) -> Result<Verification, GatewayError> {
        let tx = self
            .transaction(token)
            .await?
            .ok_or_else(|| GatewayError::Refused("unknown token".into()))?;
        let paid = |tx: &BankTransaction| Verification::Paid {
            ref_id: tx.ref_id.clone().unwrap_or_default(),
            amount_rials: tx.amount_rials,
        };
        Ok(match tx.state.as_str() {
            "paid" => {
                self.store
                    .bank_update(token, &["paid"], "verified", None)
                    .await
                    .map_err(Self::store_err)?;
                paid(&tx)
            }
            "verified" | "settled" => paid(&tx),
            "created" if expired(&tx) => Verification::NotPaid {
                reason: "expired".into(),
            },
            "created" => Verification::Pending,
            other => Verification::NotPaid {
                reason: other.to_string(),
            },
        })
    }

    pub async fn settle(&self, token: &str) -> Result<(), GatewayError> {
        self.finish(token, &["verified"], "settled").await
    }

    pub async fn reverse(&self, token: &str) -> Result<(), GatewayError> {
        self.finish(token, &["paid", "verified"], "reversed").await
    }

    async fn finish(&self, token: &str, from: &[&str], to: &str) -> Result<(), GatewayError> {
        if self
            .store
            .bank_update(token, from, to, None)
            .await
            .map_err(Self::store_err)?
        {
            return Ok(());
        }
        match self.transaction(token).await? {
            Some(tx) if tx.state == to => Ok(()),
            Some(tx) => Err(GatewayError::Refused(format!(
                "cannot move a {} transaction to {to}",
                tx.state
            ))),
            None => Err(GatewayError::Refused("unknown token".into())),
        }
    }
}

fn expired(tx: &BankTransaction) -> bool {
    tx.state == "created"
        && Utc::now() - tx.created_at > chrono::Duration::minutes(TOKEN_LIFETIME_MINUTES)
}

/// The merchant's side of the sandbox bank, in-process.
pub struct SandboxGateway {
    bank: SandboxBank,
}

impl SandboxGateway {
    pub fn new(bank: SandboxBank) -> Self {
        Self { bank }
    }
}

#[async_trait]
impl Gateway for SandboxGateway {
    fn name(&self) -> &'static str {
        "sandbox"
    }

    async fn token(&self, req: &TokenRequest) -> Result<TokenResponse, GatewayError> {
        self.bank.issue(req).await
    }

    async fn verify(&self, token: &str) -> Result<Verification, GatewayError> {
        self.bank.verify(token).await
    }

    async fn settle(&self, token: &str) -> Result<(), GatewayError> {
        self.bank.settle(token).await
    }

    async fn reverse(&self, token: &str) -> Result<(), GatewayError> {
        self.bank.reverse(token).await
    }
}

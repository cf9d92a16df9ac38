//! The sandbox bank's ledger: the test gateway keeps its transactions here, beside the application's data.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use crate::Result;

/// One transaction in the sandbox bank's ledger.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BankTransaction {
    pub token: String,
    pub order_id: i64,
    pub amount_rials: u64,
    pub callback_url: String,
    /// `created`, `paid`, `cancelled`, `failed`, `verified`, `settled`, `reversed`.
    pub state: String,
    pub ref_id: Option<String>,
    pub created_at: DateTime<Utc>,
}

#[async_trait]
pub trait SandboxBank: Send + Sync {
    async fn bank_insert(&self, tx: &BankTransaction) -> Result<()>;

    async fn bank_get(&self, token: &str) -> Result<Option<BankTransaction>>;

    /// Moves a bank transaction from one of `from` to `to`; `Ok(false)` when it was in none of them.
    async fn bank_update(
        &self,
        token: &str,
        from: &[&str],
        to: &str,
        ref_id: Option<&str>,
    ) -> Result<bool>;
}

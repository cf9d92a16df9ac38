//! The store's error: what the HTTP layer needs to choose a status (a conflict is a 409, anything else a 500).

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A uniqueness or state rule of the data refused the write (maps to 409).
    #[error("conflict: {0}")]
    Conflict(String),
    /// The caller passed something the store cannot take (a programming error, not user input).
    #[error("invalid request to the store: {0}")]
    Invalid(String),
    /// Data in the database that does not satisfy the domain's rules (a corrupted row).
    #[error("corrupt data in column {column}: {reason}")]
    Corrupt {
        column: &'static str,
        reason: String,
    },
    /// The database failed or could not be reached.
    #[error("database error: {0}")]
    Database(#[source] Box<dyn std::error::Error + Send + Sync>),
    #[error("migration failed: {0}")]
    Migration(String),
}

impl StoreError {
    pub fn database(e: impl std::error::Error + Send + Sync + 'static) -> Self {
        Self::Database(Box::new(e))
    }

    pub fn corrupt(column: &'static str, reason: impl std::fmt::Display) -> Self {
        Self::Corrupt {
            column,
            reason: reason.to_string(),
        }
    }
}

//! The journey's SQL, written once. SQLite and PostgreSQL agree on everything it needs (`$1` placeholders,
//! `RETURNING`, `ON CONFLICT … DO UPDATE … WHERE`, partial unique indexes), so [`impl_journey!`] expands the same
//! code into each backend crate, against that crate's `sqlx` pool type. Each backend keeps its own migrations
//! with the same table and column names; only column types differ (TEXT vs TIMESTAMPTZ for instants).
//!
//! This crate holds no state and opens no connection; it must never hold SQL that one of the two dialects reads
//! differently.

mod agency;
mod audit;
mod journey;
mod production;
mod stats;

#[doc(hidden)]
pub use serde_json;

use store::StoreError;

/// A database error as the store reports it: a refused uniqueness, reference or check rule is a conflict (409),
/// anything else a database failure. Both backends and every macro here use this one mapping.
pub fn db_err(e: sqlx::Error) -> StoreError {
    if let sqlx::Error::Database(d) = &e {
        if d.is_unique_violation() || d.is_foreign_key_violation() || d.is_check_violation() {
            return StoreError::Conflict(d.message().to_string());
        }
    }
    StoreError::database(e)
}

/// One column of a row, decoded; a failure is a database error.
pub fn column<'r, 'c, T, R>(row: &'r R, col: &'c str) -> store::Result<T>
where
    R: sqlx::Row,
    &'c str: sqlx::ColumnIndex<R>,
    T: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
{
    row.try_get::<T, _>(col).map_err(StoreError::database)
}

/// A count or amount as the databases keep it (signed 64 bits; saturating, never wrapping).
pub fn u(v: u64) -> i64 {
    i64::try_from(v).unwrap_or(i64::MAX)
}

/// A kept count or amount read back (a negative value, which the check rules forbid, reads as 0).
pub fn back(v: i64) -> u64 {
    u64::try_from(v).unwrap_or(0)
}

/// The error for a column whose stored value no longer parses.
pub fn corrupt<E: std::fmt::Display>(col: &'static str) -> impl Fn(E) -> StoreError {
    move |e| StoreError::corrupt(col, e)
}

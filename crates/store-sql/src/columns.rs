//! Values to and from columns, the same way on both databases: [`get`] reads a column by name from any row that
//! is [`Columns`], and [`Scalar`] names the types the shared SQL binds and reads back. A database error becomes a
//! [`StoreError`] here, in one place.

use chrono::{DateTime, Utc};
use sqlx::{ColumnIndex, Database, Decode, Encode, Row, Type};
use store::{Result, StoreError};

/// A database error as the store reports it: a refused uniqueness, reference or check rule is a conflict (409),
/// anything else a database failure. Both backends and all the SQL here use this one mapping.
pub fn db_err(e: sqlx::Error) -> StoreError {
    if let sqlx::Error::Database(d) = &e {
        if d.is_unique_violation() || d.is_foreign_key_violation() || d.is_check_violation() {
            return StoreError::Conflict(d.message().to_string());
        }
    }
    StoreError::database(e)
}

/// Whether a write failed on a uniqueness rule.
pub fn is_unique(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(d) if d.is_unique_violation())
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

/// One column of a row, decoded by name.
pub trait Get<T> {
    fn get(&self, col: &str) -> Result<T>;
}

impl<R, T> Get<T> for R
where
    R: Row,
    for<'a> &'a str: ColumnIndex<R>,
    T: for<'r> Decode<'r, R::Database> + Type<R::Database>,
{
    fn get(&self, col: &str) -> Result<T> {
        self.try_get::<T, _>(col).map_err(StoreError::database)
    }
}

/// A row whose columns can be read as every type the shared SQL reads. Both databases' rows are; the row
/// decoders take `&impl Columns`, so they need no bounds of their own.
pub trait Columns:
    Get<i64>
    + Get<Option<i64>>
    + Get<String>
    + Get<Option<String>>
    + Get<bool>
    + Get<Option<bool>>
    + Get<f64>
    + Get<DateTime<Utc>>
    + Get<Option<DateTime<Utc>>>
    + Get<Option<Vec<u8>>>
{
}

impl<R> Columns for R where
    R: Get<i64>
        + Get<Option<i64>>
        + Get<String>
        + Get<Option<String>>
        + Get<bool>
        + Get<Option<bool>>
        + Get<f64>
        + Get<DateTime<Utc>>
        + Get<Option<DateTime<Utc>>>
        + Get<Option<Vec<u8>>>
{
}

/// One column of a row, decoded; a failure is a database error.
pub fn get<T, R: Get<T>>(row: &R, col: &str) -> Result<T> {
    row.get(col)
}

/// A type the shared SQL binds as a parameter and reads back (as a scalar) on database `DB`.
pub trait Scalar<DB: Database>: for<'q> Encode<'q, DB> + for<'r> Decode<'r, DB> + Type<DB> {}

impl<DB: Database, T> Scalar<DB> for T where
    T: for<'q> Encode<'q, DB> + for<'r> Decode<'r, DB> + Type<DB>
{
}

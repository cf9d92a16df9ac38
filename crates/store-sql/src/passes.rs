//! The SQL of `store::passes`: a pass's run claimed once per period with one conditional upsert, and the
//! whole-pass lock taken at the start of a pass's transaction.

use chrono::{DateTime, Utc};
use sqlx::{ColumnIndex, Encode, Executor, Type};
use store::{Passes, Result};

use crate::{db_err as err, Conn, Db, DbRow, Engine, Scalar, SqlStore};

impl<E: Engine> SqlStore<E>
where
    for<'c> &'c mut Conn<E>: Executor<'c, Database = Db<E>>,
    for<'q> &'q str: Encode<'q, Db<E>> + Type<Db<E>>,
    for<'q> Option<&'q str>: Encode<'q, Db<E>>,
    for<'q> &'q [u8]: Encode<'q, Db<E>> + Type<Db<E>>,
    usize: ColumnIndex<DbRow<E>>,
    i64: Scalar<Db<E>>,
    Option<i64>: Scalar<Db<E>>,
    String: Scalar<Db<E>>,
    bool: Scalar<Db<E>>,
    f64: Scalar<Db<E>>,
    DateTime<Utc>: Scalar<Db<E>>,
{
    /// Makes the rest of the caller's transaction the only run of pass `key` across instances: waits for an
    /// instance that holds it to commit, so every statement after this one sees what that run did (READ
    /// COMMITTED takes a fresh snapshot per statement). Nothing to do on SQLite (one writer at a time).
    pub(crate) async fn lock_pass(conn: &mut Conn<E>, key: i64) -> Result<()> {
        if let Some(sql) = E::PASS_LOCK {
            sqlx::query(sql)
                .bind(key)
                .execute(&mut *conn)
                .await
                .map_err(err)?;
        }
        Ok(())
    }
}

#[async_trait::async_trait]
impl<E: Engine> Passes for SqlStore<E>
where
    for<'c> &'c mut Conn<E>: Executor<'c, Database = Db<E>>,
    for<'q> &'q str: Encode<'q, Db<E>> + Type<Db<E>>,
    for<'q> Option<&'q str>: Encode<'q, Db<E>>,
    for<'q> &'q [u8]: Encode<'q, Db<E>> + Type<Db<E>>,
    usize: ColumnIndex<DbRow<E>>,
    i64: Scalar<Db<E>>,
    Option<i64>: Scalar<Db<E>>,
    String: Scalar<Db<E>>,
    bool: Scalar<Db<E>>,
    f64: Scalar<Db<E>>,
    DateTime<Utc>: Scalar<Db<E>>,
{
    async fn claim_pass(
        &self,
        name: &str,
        ran_before: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<bool> {
        // PostgreSQL locks the conflicting row and checks the WHERE on its latest version: of two instances
        // racing, the second sees the first's `last_at` and changes nothing.
        let done = sqlx::query(
            "INSERT INTO pass_runs (name, last_at) VALUES ($1, $3) ON CONFLICT (name) \
             DO UPDATE SET last_at = $3 WHERE pass_runs.last_at < $2",
        )
        .bind(name)
        .bind(ran_before)
        .bind(now)
        .execute(&self.pool)
        .await
        .map_err(err)?;
        Ok(E::rows_affected(&done) == 1)
    }

    async fn pass_last_run(&self, name: &str) -> Result<Option<DateTime<Utc>>> {
        sqlx::query_scalar("SELECT last_at FROM pass_runs WHERE name = $1")
            .bind(name)
            .fetch_optional(&self.pool)
            .await
            .map_err(err)
    }
}

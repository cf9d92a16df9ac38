//! The SQL of `store::idempotency`: claiming, finishing, releasing and purging idempotency keys.

use chrono::{DateTime, Utc};
use sqlx::{ColumnIndex, Encode, Executor, Type};
use store::idempotency::IdempotencyClaim;
use store::{Idempotency, Result};

use crate::{db_err as err, get, Conn, Db, DbRow, Engine, Scalar, SqlStore};

#[async_trait::async_trait]
impl<E: Engine> Idempotency for SqlStore<E>
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
    async fn idempotency_claim(
        &self,
        scope: &str,
        key: &str,
        request_hash: &str,
        at: DateTime<Utc>,
        abandoned_before: DateTime<Utc>,
        expired_before: DateTime<Utc>,
    ) -> Result<IdempotencyClaim> {
        let inserted = E::rows_affected(
            &sqlx::query(
                "INSERT INTO idempotency_keys (scope, idem_key, request_hash, created_at) \
             VALUES ($1, $2, $3, $4) ON CONFLICT (scope, idem_key) DO NOTHING",
            )
            .bind(scope)
            .bind(key)
            .bind(request_hash)
            .bind(at)
            .execute(&self.pool)
            .await
            .map_err(err)?,
        );
        if inserted == 1 {
            return Ok(IdempotencyClaim::Fresh);
        }
        // An abandoned or expired claim is taken over, in one statement so two takers cannot both win.
        let taken = E::rows_affected(&sqlx::query(
            "UPDATE idempotency_keys SET request_hash = $3, status = NULL, body = NULL, created_at = $4 \
             WHERE scope = $1 AND idem_key = $2 \
             AND ((status IS NULL AND created_at < $5) OR created_at < $6)",
        )
        .bind(scope)
        .bind(key)
        .bind(request_hash)
        .bind(at)
        .bind(abandoned_before)
        .bind(expired_before)
        .execute(&self.pool)
        .await
        .map_err(err)?);
        if taken == 1 {
            return Ok(IdempotencyClaim::Fresh);
        }
        let row = sqlx::query(
            "SELECT request_hash, status, body FROM idempotency_keys \
             WHERE scope = $1 AND idem_key = $2",
        )
        .bind(scope)
        .bind(key)
        .fetch_optional(&self.pool)
        .await
        .map_err(err)?;
        // Released between our insert and this read: treat as a race and let the client retry.
        let Some(row) = row else {
            return Ok(IdempotencyClaim::InProgress);
        };
        let hash: String = get(&row, "request_hash")?;
        if hash != request_hash {
            return Ok(IdempotencyClaim::Mismatch);
        }
        let status: Option<i64> = get(&row, "status")?;
        let body: Option<Vec<u8>> = get(&row, "body")?;
        Ok(match status {
            Some(s) => IdempotencyClaim::Replay {
                status: u16::try_from(s).unwrap_or(500),
                body: body.unwrap_or_default(),
            },
            None => IdempotencyClaim::InProgress,
        })
    }

    async fn idempotency_finish(
        &self,
        scope: &str,
        key: &str,
        status: u16,
        body: &[u8],
    ) -> Result<()> {
        sqlx::query(
            "UPDATE idempotency_keys SET status = $1, body = $2 WHERE scope = $3 AND idem_key = $4",
        )
        .bind(i64::from(status))
        .bind(body)
        .bind(scope)
        .bind(key)
        .execute(&self.pool)
        .await
        .map_err(err)?;
        Ok(())
    }

    async fn idempotency_release(&self, scope: &str, key: &str) -> Result<()> {
        sqlx::query(
            "DELETE FROM idempotency_keys WHERE scope = $1 AND idem_key = $2 AND status IS NULL",
        )
        .bind(scope)
        .bind(key)
        .execute(&self.pool)
        .await
        .map_err(err)?;
        Ok(())
    }

    async fn idempotency_purge(&self, before: DateTime<Utc>) -> Result<u64> {
        let done = E::rows_affected(
            &sqlx::query("DELETE FROM idempotency_keys WHERE created_at < $1")
                .bind(before)
                .execute(&self.pool)
                .await
                .map_err(err)?,
        );
        Ok(done)
    }
}

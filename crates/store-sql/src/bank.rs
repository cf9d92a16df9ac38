//! The SQL of `store::bank`: the sandbox bank's ledger.

use chrono::{DateTime, Utc};
use sqlx::{ColumnIndex, Encode, Executor, Type};
use store::bank::BankTransaction;
use store::{Result, SandboxBank};

use crate::{back, db_err as err, get, u, Columns, Conn, Db, DbRow, Engine, Scalar, SqlStore};

fn bank(row: &impl Columns) -> Result<BankTransaction> {
    Ok(BankTransaction {
        token: get(row, "token")?,
        order_id: get(row, "order_id")?,
        amount_rials: back(get(row, "amount_rials")?),
        callback_url: get(row, "callback_url")?,
        state: get(row, "state")?,
        ref_id: get(row, "ref_id")?,
        created_at: get(row, "created_at")?,
    })
}

#[async_trait::async_trait]
impl<E: Engine> SandboxBank for SqlStore<E>
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
    async fn bank_insert(&self, t: &BankTransaction) -> Result<()> {
        sqlx::query(
            "INSERT INTO bank_transactions (token, order_id, amount_rials, callback_url, state, \
             ref_id, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $7)",
        )
        .bind(&t.token)
        .bind(t.order_id)
        .bind(u(t.amount_rials))
        .bind(&t.callback_url)
        .bind(&t.state)
        .bind(t.ref_id.as_deref())
        .bind(t.created_at)
        .execute(&self.pool)
        .await
        .map_err(err)?;
        Ok(())
    }

    async fn bank_get(&self, token: &str) -> Result<Option<BankTransaction>> {
        let row = sqlx::query(
            "SELECT token, order_id, amount_rials, callback_url, state, ref_id, created_at \
             FROM bank_transactions WHERE token = $1",
        )
        .bind(token)
        .fetch_optional(&self.pool)
        .await
        .map_err(err)?;
        row.as_ref().map(bank).transpose()
    }

    async fn bank_update(
        &self,
        token: &str,
        from: &[&str],
        to: &str,
        ref_id: Option<&str>,
    ) -> Result<bool> {
        let mut q = sqlx::QueryBuilder::<Db<E>>::new("UPDATE bank_transactions SET state = ");
        q.push_bind(to)
            .push(", ref_id = COALESCE(")
            .push_bind(ref_id)
            .push(", ref_id), updated_at = ")
            .push_bind(Utc::now())
            .push(" WHERE token = ")
            .push_bind(token)
            .push(" AND state IN (");
        let mut sep = q.separated(", ");
        for f in from {
            sep.push_bind(*f);
        }
        q.push(")");
        let n = E::rows_affected(&E::build(&mut q).execute(&self.pool).await.map_err(err)?);
        Ok(n == 1)
    }
}

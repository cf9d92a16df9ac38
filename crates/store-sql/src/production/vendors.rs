//! The manufacturers of `store::production` ([`Vendors`]): their shares, capacities and API keys.

use chrono::{DateTime, Utc};
use sqlx::{ColumnIndex, Encode, Executor, Type};
use store::production::Vendor;
use store::{Result, Vendors};

use crate::{back, db_err as err, get, u, Columns, Conn, Db, DbRow, Engine, Scalar, SqlStore};

fn vendor(row: &impl Columns) -> Result<Vendor> {
    Ok(Vendor {
        id: get(row, "id")?,
        name: get(row, "name")?,
        share_pct: u32::try_from(get::<i64, _>(row, "share_pct")?).unwrap_or(0),
        daily_capacity: back(get(row, "daily_capacity")?),
        created_at: get(row, "created_at")?,
    })
}

#[async_trait::async_trait]
impl<E: Engine> Vendors for SqlStore<E>
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
    async fn create_vendor(
        &self,
        name: &str,
        share_pct: u32,
        daily_capacity: u64,
        key_prefix: &str,
        key_hash: &str,
        at: DateTime<Utc>,
    ) -> Result<i64> {
        let mut tx = self.pool.begin_with(E::BEGIN).await.map_err(err)?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO vendors (name, share_pct, daily_capacity, created_at) \
             VALUES ($1, $2, $3, $4) RETURNING id",
        )
        .bind(name)
        .bind(i64::from(share_pct))
        .bind(u(daily_capacity))
        .bind(at)
        .fetch_one(&mut *tx)
        .await
        .map_err(err)?;
        sqlx::query(
            "INSERT INTO vendor_keys (vendor_id, prefix, key_hash, created_at) VALUES ($1, $2, $3, $4)",
        )
        .bind(id)
        .bind(key_prefix)
        .bind(key_hash)
        .bind(at)
        .execute(&mut *tx)
        .await
        .map_err(err)?;
        tx.commit().await.map_err(err)?;
        Ok(id)
    }

    async fn vendors(&self) -> Result<Vec<Vendor>> {
        sqlx::query(
            "SELECT id, name, share_pct, daily_capacity, created_at FROM vendors ORDER BY id",
        )
        .fetch_all(&self.pool)
        .await
        .map_err(err)?
        .iter()
        .map(vendor)
        .collect()
    }

    async fn update_vendor(&self, name: &str, share_pct: u32, daily_capacity: u64) -> Result<bool> {
        let done = E::rows_affected(
            &sqlx::query("UPDATE vendors SET share_pct = $1, daily_capacity = $2 WHERE name = $3")
                .bind(i64::from(share_pct))
                .bind(u(daily_capacity))
                .bind(name)
                .execute(&self.pool)
                .await
                .map_err(err)?,
        );
        Ok(done > 0)
    }

    async fn vendor_by_key(&self, key_hash: &str) -> Result<Option<Vendor>> {
        sqlx::query(
            "SELECT v.id, v.name, v.share_pct, v.daily_capacity, v.created_at FROM vendors v \
             JOIN vendor_keys k ON k.vendor_id = v.id WHERE k.key_hash = $1 AND k.revoked_at IS NULL",
        )
        .bind(key_hash)
        .fetch_optional(&self.pool)
        .await
        .map_err(err)?
        .as_ref()
        .map(vendor)
        .transpose()
    }

    async fn add_vendor_key(
        &self,
        vendor_name: &str,
        key_prefix: &str,
        key_hash: &str,
        at: DateTime<Utc>,
    ) -> Result<Option<i64>> {
        sqlx::query_scalar(
            "INSERT INTO vendor_keys (vendor_id, prefix, key_hash, created_at) \
             SELECT id, $1, $2, $3 FROM vendors WHERE name = $4 RETURNING id",
        )
        .bind(key_prefix)
        .bind(key_hash)
        .bind(at)
        .bind(vendor_name)
        .fetch_optional(&self.pool)
        .await
        .map_err(err)
    }

    async fn revoke_vendor_key(&self, prefix: &str, at: DateTime<Utc>) -> Result<bool> {
        let n = E::rows_affected(
            &sqlx::query(
                "UPDATE vendor_keys SET revoked_at = $1 WHERE prefix = $2 AND revoked_at IS NULL",
            )
            .bind(at)
            .bind(prefix)
            .execute(&self.pool)
            .await
            .map_err(err)?,
        );
        Ok(n == 1)
    }
}

//! The SQL of `store::verification`: agencies, their API keys and the audit of verifications.

use chrono::{DateTime, Utc};
use domain::NationalCode;
use sqlx::{ColumnIndex, Encode, Executor, Type};
use store::verification::*;
use store::{Agencies, Result};

use crate::{db_err as err, get, Columns, Conn, Db, DbRow, Engine, Scalar, SqlStore};

fn agency(row: &impl Columns) -> Result<Agency> {
    let purposes: String = get(row, "purposes")?;
    let rate: i64 = get(row, "rate_per_minute")?;
    Ok(Agency {
        id: get(row, "agency_id")?,
        name: get(row, "name")?,
        purposes: purposes
            .split(',')
            .filter(|p| !p.is_empty())
            .map(str::to_string)
            .collect(),
        rate_per_minute: u32::try_from(rate).unwrap_or(u32::MAX),
        created_at: get(row, "agency_created_at")?,
    })
}

const AGENCY_COLUMNS: &str = "g.id AS agency_id, g.name, g.purposes, \
    CAST(g.rate_per_minute AS BIGINT) AS rate_per_minute, g.created_at AS agency_created_at";

#[async_trait::async_trait]
impl<E: Engine> Agencies for SqlStore<E>
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
    async fn create_agency(
        &self,
        name: &str,
        purposes: &[String],
        rate_per_minute: u32,
        at: DateTime<Utc>,
    ) -> Result<i64> {
        sqlx::query_scalar(
            "INSERT INTO agencies (name, purposes, rate_per_minute, created_at) \
             VALUES ($1, $2, $3, $4) RETURNING id",
        )
        .bind(name)
        .bind(purposes.join(","))
        .bind(i64::from(rate_per_minute))
        .bind(at)
        .fetch_one(&self.pool)
        .await
        .map_err(err)
    }

    async fn agency_by_name(&self, name: &str) -> Result<Option<Agency>> {
        let sql = format!("SELECT {AGENCY_COLUMNS} FROM agencies g WHERE g.name = $1");
        let row = sqlx::query(&sql)
            .bind(name)
            .fetch_optional(&self.pool)
            .await
            .map_err(err)?;
        row.as_ref().map(agency).transpose()
    }

    async fn add_api_key(
        &self,
        agency_id: i64,
        prefix: &str,
        key_hash: &str,
        at: DateTime<Utc>,
    ) -> Result<i64> {
        sqlx::query_scalar(
            "INSERT INTO api_keys (agency_id, prefix, key_hash, created_at) \
             VALUES ($1, $2, $3, $4) RETURNING id",
        )
        .bind(agency_id)
        .bind(prefix)
        .bind(key_hash)
        .bind(at)
        .fetch_one(&self.pool)
        .await
        .map_err(err)
    }

    async fn revoke_api_key(&self, prefix: &str, at: DateTime<Utc>) -> Result<bool> {
        let n = E::rows_affected(
            &sqlx::query(
                "UPDATE api_keys SET revoked_at = $1 WHERE prefix = $2 AND revoked_at IS NULL",
            )
            .bind(at)
            .bind(prefix)
            .execute(&self.pool)
            .await
            .map_err(err)?,
        );
        Ok(n == 1)
    }

    async fn api_key(&self, key_hash: &str) -> Result<Option<ApiKey>> {
        let sql = format!(
            "SELECT k.id AS key_id, k.prefix, k.revoked_at, {AGENCY_COLUMNS} \
             FROM api_keys k JOIN agencies g ON g.id = k.agency_id WHERE k.key_hash = $1"
        );
        let row = sqlx::query(&sql)
            .bind(key_hash)
            .fetch_optional(&self.pool)
            .await
            .map_err(err)?;
        let Some(row) = row else { return Ok(None) };
        let revoked: Option<DateTime<Utc>> = get(&row, "revoked_at")?;
        Ok(Some(ApiKey {
            id: get(&row, "key_id")?,
            prefix: get(&row, "prefix")?,
            agency: agency(&row)?,
            revoked: revoked.is_some(),
        }))
    }

    async fn record_verifications(&self, records: &[VerificationRecord]) -> Result<()> {
        if records.is_empty() {
            return Ok(());
        }
        let mut tx = self.pool.begin_with(E::BEGIN).await.map_err(err)?;
        for chunk in records.chunks(1000) {
            let mut q = sqlx::QueryBuilder::<Db<E>>::new(
                "INSERT INTO verifications (agency_id, key_id, purpose, national_code, document, \
                 matched, at) ",
            );
            q.push_values(chunk, |mut b, r| {
                b.push_bind(r.agency_id)
                    .push_bind(r.key_id)
                    .push_bind(r.purpose.as_str())
                    .push_bind(r.national_code.as_str())
                    .push_bind(r.document.as_str())
                    .push_bind(r.matched)
                    .push_bind(r.at);
            });
            E::build(&mut q).execute(&mut *tx).await.map_err(err)?;
        }
        tx.commit().await.map_err(err)?;
        Ok(())
    }

    async fn verifications_of(
        &self,
        code: &NationalCode,
        limit: u32,
    ) -> Result<Vec<VerificationSeen>> {
        let rows = sqlx::query(
            "SELECT g.name, v.purpose, v.matched, v.at FROM verifications v \
             JOIN agencies g ON g.id = v.agency_id WHERE v.national_code = $1 \
             ORDER BY v.id DESC LIMIT $2",
        )
        .bind(code.as_str())
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await
        .map_err(err)?;
        rows.iter()
            .map(|r| {
                Ok(VerificationSeen {
                    agency: get(r, "name")?,
                    purpose: get(r, "purpose")?,
                    matched: get(r, "matched")?,
                    at: get(r, "at")?,
                })
            })
            .collect()
    }
}

//! The SQL of `store::audit`: refused registry inquiries and transfer attempts, only ever added.

use chrono::{DateTime, Utc};
use domain::OfficeId;
use sqlx::{ColumnIndex, Encode, Executor, Type};
use store::audit::*;
use store::{Audit, Result};

use crate::{corrupt, db_err as err, get, Columns, Conn, Db, DbRow, Engine, Scalar, SqlStore};

fn office(row: &impl Columns) -> Result<OfficeId> {
    OfficeId::parse(&get::<String, _>(row, "office_id")?).map_err(corrupt("office_id"))
}

#[async_trait::async_trait]
impl<E: Engine> Audit for SqlStore<E>
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
    async fn record_inquiry_refusal(&self, r: &InquiryRefusal) -> Result<()> {
        sqlx::query(
            "INSERT INTO inquiry_refusals (operator, office_id, at, national_code, outcome) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(&r.operator)
        .bind(r.office.as_str())
        .bind(r.at)
        .bind(&r.national_code)
        .bind(&r.outcome)
        .execute(&self.pool)
        .await
        .map_err(err)?;
        Ok(())
    }

    async fn inquiry_refusals(&self, operator: &str, limit: u32) -> Result<Vec<InquiryRefusal>> {
        let rows = sqlx::query(
            "SELECT operator, office_id, at, national_code, outcome FROM inquiry_refusals \
             WHERE operator = $1 ORDER BY id DESC LIMIT $2",
        )
        .bind(operator)
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await
        .map_err(err)?;
        rows.iter()
            .map(|r| {
                Ok(InquiryRefusal {
                    operator: get(r, "operator")?,
                    office: office(r)?,
                    at: get(r, "at")?,
                    national_code: get(r, "national_code")?,
                    outcome: get(r, "outcome")?,
                })
            })
            .collect()
    }

    async fn record_transfer_attempt(&self, a: &TransferAttempt) -> Result<()> {
        sqlx::query(
            "INSERT INTO transfer_attempts (application_id, office_id, operator, at, position, \
             score, matched) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(a.application_id)
        .bind(a.office.as_str())
        .bind(&a.operator)
        .bind(a.at)
        .bind(i64::from(a.position))
        .bind(a.score)
        .bind(a.matched)
        .execute(&self.pool)
        .await
        .map_err(err)?;
        Ok(())
    }

    async fn transfer_attempts(&self, application_id: i64) -> Result<Vec<TransferAttempt>> {
        let rows = sqlx::query(
            "SELECT application_id, office_id, operator, at, position, score, matched \
             FROM transfer_attempts WHERE application_id = $1 ORDER BY id",
        )
        .bind(application_id)
        .fetch_all(&self.pool)
        .await
        .map_err(err)?;
        rows.iter()
            .map(|r| {
                Ok(TransferAttempt {
                    application_id: get(r, "application_id")?,
                    office: office(r)?,
                    operator: get(r, "operator")?,
                    at: get(r, "at")?,
                    position: u8::try_from(get::<i64, _>(r, "position")?)
                        .map_err(corrupt("position"))?,
                    score: get(r, "score")?,
                    matched: get(r, "matched")?,
                })
            })
            .collect()
    }
}

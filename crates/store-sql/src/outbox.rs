//! The SQL of `store::outbox`: the SMS outbox, leased to senders, and the cards still waiting for a
//! reminder.

use chrono::{DateTime, Utc};
use domain::Mobile;
use sqlx::{ColumnIndex, Encode, Executor, Type};
use store::outbox::*;
use store::{Outbox, Result, StoreError};

use crate::{
    corrupt, db_err as err, get, rows::tracking, Columns, Conn, Db, DbRow, Engine, Scalar, SqlStore,
};

fn sms(row: &impl Columns) -> Result<OutboxSms> {
    let st: String = get(row, "state")?;
    Ok(OutboxSms {
        id: get(row, "id")?,
        application_id: get(row, "application_id")?,
        mobile: Mobile::parse(&get::<String, _>(row, "mobile")?).map_err(corrupt("mobile"))?,
        kind: get(row, "kind")?,
        text: get(row, "text")?,
        state: SmsState::parse(&st).ok_or_else(|| StoreError::corrupt("sms_outbox.state", &st))?,
        attempts: u32::try_from(get::<i64, _>(row, "attempts")?).unwrap_or(u32::MAX),
        last_error: get(row, "last_error")?,
        created_at: get(row, "created_at")?,
    })
}

const SMS_COLUMNS: &str =
    "id, application_id, mobile, kind, text, state, attempts, last_error, created_at";

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
    /// The holder is unreachable when every "ready" message of the application failed (the typed number and each
    /// linked one); before the card is ready, when any message failed.
    async fn reflag(conn: &mut Conn<E>, application_id: i64) -> Result<()> {
        sqlx::query(
            "UPDATE applications SET sms_failed = NOT EXISTS (SELECT 1 FROM sms_outbox s \
             WHERE s.application_id = $1 AND s.kind LIKE 'ready%' AND s.state <> 'failed') \
             WHERE id = $1",
        )
        .bind(application_id)
        .execute(&mut *conn)
        .await
        .map_err(err)?;
        Ok(())
    }

    pub(crate) async fn queue_sms(
        conn: &mut Conn<E>,
        application_id: Option<i64>,
        mobile: &str,
        kind: &str,
        text: &str,
        at: DateTime<Utc>,
    ) -> Result<Option<i64>> {
        sqlx::query_scalar::<_, i64>(
            "INSERT INTO sms_outbox (application_id, mobile, kind, text, state, attempts, \
             next_attempt_at, created_at) VALUES ($1, $2, $3, $4, 'pending', 0, $5, $5) \
             ON CONFLICT DO NOTHING RETURNING id",
        )
        .bind(application_id)
        .bind(mobile)
        .bind(kind)
        .bind(text)
        .bind(at)
        .fetch_optional(&mut *conn)
        .await
        .map_err(err)
    }
}

#[async_trait::async_trait]
impl<E: Engine> Outbox for SqlStore<E>
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
    async fn enqueue_sms(
        &self,
        application_id: Option<i64>,
        mobile: &Mobile,
        kind: &str,
        text: &str,
        at: DateTime<Utc>,
    ) -> Result<Option<i64>> {
        let mut conn = self.pool.acquire().await.map_err(err)?;
        Self::queue_sms(&mut conn, application_id, mobile.as_str(), kind, text, at).await
    }

    async fn sms_due(
        &self,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
        limit: u32,
    ) -> Result<Vec<OutboxSms>> {
        let mut tx = self.pool.begin_with(E::BEGIN).await.map_err(err)?;
        let sql = format!(
            "UPDATE sms_outbox SET next_attempt_at = $2, attempts = attempts + 1 \
             WHERE id IN (SELECT id FROM sms_outbox WHERE state = 'pending' AND next_attempt_at <= $1 \
             ORDER BY next_attempt_at, id LIMIT $3) AND state = 'pending' AND next_attempt_at <= $1 \
             RETURNING {SMS_COLUMNS}"
        );
        let rows = sqlx::query(&sql)
            .bind(now)
            .bind(lease_until)
            .bind(i64::from(limit))
            .fetch_all(&mut *tx)
            .await
            .map_err(err)?;
        tx.commit().await.map_err(err)?;
        let mut out: Vec<OutboxSms> = rows.iter().map(sms).collect::<Result<_>>()?;
        out.sort_by_key(|m| m.id);
        Ok(out)
    }

    async fn sms_sent(&self, id: i64, at: DateTime<Utc>) -> Result<()> {
        sqlx::query(
            "UPDATE sms_outbox SET state = 'sent', sent_at = $1, last_error = NULL \
             WHERE id = $2 AND state = 'pending'",
        )
        .bind(at)
        .bind(id)
        .execute(&self.pool)
        .await
        .map_err(err)?;
        Ok(())
    }

    async fn sms_retry(&self, id: i64, error: &str, next_at: DateTime<Utc>) -> Result<()> {
        sqlx::query(
            "UPDATE sms_outbox SET next_attempt_at = $1, last_error = $2 WHERE id = $3 AND state = 'pending'",
        )
        .bind(next_at)
        .bind(error)
        .bind(id)
        .execute(&self.pool)
        .await
        .map_err(err)?;
        Ok(())
    }

    async fn sms_failed(&self, id: i64, error: &str, at: DateTime<Utc>) -> Result<()> {
        let mut tx = self.pool.begin_with(E::BEGIN).await.map_err(err)?;
        let app: Option<Option<i64>> = sqlx::query_scalar(
            "UPDATE sms_outbox SET state = 'failed', last_error = $1, reported_at = $2 \
             WHERE id = $3 AND state IN ('pending', 'sent') RETURNING application_id",
        )
        .bind(error)
        .bind(at)
        .bind(id)
        .fetch_optional(&mut *tx)
        .await
        .map_err(err)?;
        if let Some(Some(app)) = app {
            Self::reflag(&mut tx, app).await?;
        }
        tx.commit().await.map_err(err)
    }

    async fn sms_report(
        &self,
        id: i64,
        delivered: bool,
        detail: &str,
        at: DateTime<Utc>,
    ) -> Result<bool> {
        let exists: Option<i64> = sqlx::query_scalar("SELECT id FROM sms_outbox WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await
            .map_err(err)?;
        if exists.is_none() {
            return Ok(false);
        }
        if delivered {
            let mut tx = self.pool.begin_with(E::BEGIN).await.map_err(err)?;
            let app: Option<Option<i64>> = sqlx::query_scalar(
                "UPDATE sms_outbox SET state = 'delivered', reported_at = $1 \
                 WHERE id = $2 AND state IN ('pending', 'sent') RETURNING application_id",
            )
            .bind(at)
            .bind(id)
            .fetch_optional(&mut *tx)
            .await
            .map_err(err)?;
            if let Some(Some(app)) = app {
                Self::reflag(&mut tx, app).await?;
                Self::count_reached(&mut tx, app, at).await?;
            }
            tx.commit().await.map_err(err)?;
        } else {
            self.sms_failed(id, detail, at).await?;
        }
        Ok(true)
    }

    async fn sms_of(&self, application_id: i64) -> Result<Vec<OutboxSms>> {
        sqlx::query(&format!(
            "SELECT {SMS_COLUMNS} FROM sms_outbox WHERE application_id = $1 ORDER BY id"
        ))
        .bind(application_id)
        .fetch_all(&self.pool)
        .await
        .map_err(err)?
        .iter()
        .map(sms)
        .collect()
    }

    async fn sms_by_id(&self, id: i64) -> Result<Option<OutboxSms>> {
        sqlx::query(&format!(
            "SELECT {SMS_COLUMNS} FROM sms_outbox WHERE id = $1"
        ))
        .bind(id)
        .fetch_optional(&self.pool)
        .await
        .map_err(err)?
        .as_ref()
        .map(sms)
        .transpose()
    }

    async fn sms_flagged(&self, application_id: i64) -> Result<bool> {
        let f: Option<bool> =
            sqlx::query_scalar("SELECT sms_failed FROM applications WHERE id = $1")
                .bind(application_id)
                .fetch_optional(&self.pool)
                .await
                .map_err(err)?;
        Ok(f.unwrap_or(false))
    }

    async fn ready_without_linked(&self, limit: u32) -> Result<Vec<Waiting>> {
        let rows = sqlx::query(
            "SELECT c.application_id, a.tracking_code, c.ready_at FROM cards c \
             JOIN applications a ON a.id = c.application_id \
             WHERE c.status = 'produced' AND c.ready_at IS NOT NULL AND a.state = 'ready_for_pickup' \
             AND (c.linked_notified_at IS NULL OR c.linked_notified_at < c.ready_at) \
             ORDER BY c.ready_at LIMIT $1",
        )
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await
        .map_err(err)?;
        rows.iter()
            .map(|r| {
                Ok(Waiting {
                    application_id: get(r, "application_id")?,
                    tracking_code: tracking(r, "tracking_code")?,
                    ready_at: get(r, "ready_at")?,
                })
            })
            .collect()
    }

    async fn linked_notified(&self, application_id: i64, at: DateTime<Utc>) -> Result<()> {
        sqlx::query(
            "UPDATE cards SET linked_notified_at = $1 WHERE application_id = $2 AND status = 'produced'",
        )
        .bind(at)
        .bind(application_id)
        .execute(&self.pool)
        .await
        .map_err(err)?;
        Ok(())
    }

    async fn waiting_without(
        &self,
        ready_before: DateTime<Utc>,
        kind: &str,
        limit: u32,
    ) -> Result<Vec<Waiting>> {
        let rows = sqlx::query(
            "SELECT c.application_id, a.tracking_code, c.ready_at FROM cards c \
             JOIN applications a ON a.id = c.application_id \
             WHERE c.status = 'produced' AND c.ready_at IS NOT NULL AND c.ready_at < $1 \
             AND a.state = 'ready_for_pickup' AND NOT EXISTS (SELECT 1 FROM sms_outbox s \
             WHERE s.application_id = c.application_id AND s.kind LIKE $2 AND s.created_at >= c.ready_at) \
             ORDER BY c.ready_at LIMIT $3",
        )
        .bind(ready_before)
        .bind(format!("{kind}%"))
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await
        .map_err(err)?;
        rows.iter()
            .map(|r| {
                Ok(Waiting {
                    application_id: get(r, "application_id")?,
                    tracking_code: tracking(r, "tracking_code")?,
                    ready_at: get(r, "ready_at")?,
                })
            })
            .collect()
    }
}

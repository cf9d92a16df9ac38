//! The SQL of `store::payments`: payment attempts, their log, and a verified payment applied to its
//! application.

use chrono::{DateTime, Utc};
use domain::{ApplicationState, Event, HistoryEvent, PaymentState, TrackingCode};
use sqlx::{ColumnIndex, Encode, Executor, Type};
use store::applications::Change;
use store::payments::*;
use store::{Payments, Result, StoreError};

use crate::{
    back, corrupt, db_err as err, get, u, Columns, Conn, Db, DbRow, Engine, Scalar, SqlStore,
};

fn payment_state(s: &str) -> Result<PaymentState> {
    PaymentState::parse(s).ok_or_else(|| StoreError::corrupt("payment.state", s))
}

const PAYMENT_COLUMNS: &str = "y.id, y.application_id, a.tracking_code, y.amount_rials, \
    y.gateway, y.token, y.state, y.bank_ref, y.created_at, y.updated_at";

const PAYMENT_FROM: &str = "payments y JOIN applications a ON a.id = y.application_id";

fn payment(row: &impl Columns) -> Result<Payment> {
    let st: String = get(row, "state")?;
    Ok(Payment {
        id: get(row, "id")?,
        application_id: get(row, "application_id")?,
        tracking_code: TrackingCode::parse(&get::<String, _>(row, "tracking_code")?)
            .map_err(corrupt("tracking_code"))?,
        amount_rials: back(get(row, "amount_rials")?),
        gateway: get(row, "gateway")?,
        token: get(row, "token")?,
        state: payment_state(&st)?,
        bank_ref: get(row, "bank_ref")?,
        created_at: get(row, "created_at")?,
        updated_at: get(row, "updated_at")?,
    })
}

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
    pub(crate) async fn log_payment(
        conn: &mut Conn<E>,
        payment_id: i64,
        state: &str,
        detail: &str,
        at: DateTime<Utc>,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO payment_log (payment_id, at, state, detail) VALUES ($1, $2, $3, $4)",
        )
        .bind(payment_id)
        .bind(at)
        .bind(state)
        .bind(detail)
        .execute(&mut *conn)
        .await
        .map_err(err)?;
        Ok(())
    }
}

#[async_trait::async_trait]
impl<E: Engine> Payments for SqlStore<E>
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
    async fn create_payment(
        &self,
        application_id: i64,
        amount_rials: u64,
        gateway: &str,
        at: DateTime<Utc>,
    ) -> Result<i64> {
        let mut tx = self.pool.begin_with(E::BEGIN).await.map_err(err)?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO payments (application_id, amount_rials, gateway, state, created_at, \
             updated_at) VALUES ($1, $2, $3, $4, $5, $5) RETURNING id",
        )
        .bind(application_id)
        .bind(u(amount_rials))
        .bind(gateway)
        .bind(PaymentState::Pending.as_str())
        .bind(at)
        .fetch_one(&mut *tx)
        .await
        .map_err(err)?;
        Self::log_payment(&mut tx, id, "pending", "created", at).await?;
        tx.commit().await.map_err(err)?;
        Ok(id)
    }

    async fn set_payment_token(&self, payment_id: i64, token: &str) -> Result<()> {
        sqlx::query("UPDATE payments SET token = $1 WHERE id = $2")
            .bind(token)
            .bind(payment_id)
            .execute(&self.pool)
            .await
            .map_err(err)?;
        Ok(())
    }

    async fn payment_by_token(&self, token: &str) -> Result<Option<Payment>> {
        let sql = format!("SELECT {PAYMENT_COLUMNS} FROM {PAYMENT_FROM} WHERE y.token = $1");
        let row = sqlx::query(&sql)
            .bind(token)
            .fetch_optional(&self.pool)
            .await
            .map_err(err)?;
        row.as_ref().map(payment).transpose()
    }

    async fn payment(&self, payment_id: i64) -> Result<Option<Payment>> {
        let sql = format!("SELECT {PAYMENT_COLUMNS} FROM {PAYMENT_FROM} WHERE y.id = $1");
        let row = sqlx::query(&sql)
            .bind(payment_id)
            .fetch_optional(&self.pool)
            .await
            .map_err(err)?;
        row.as_ref().map(payment).transpose()
    }

    async fn payments_of(&self, tracking: &TrackingCode) -> Result<Vec<Payment>> {
        let sql = format!(
            "SELECT {PAYMENT_COLUMNS} FROM {PAYMENT_FROM} WHERE a.tracking_code = $1 \
             ORDER BY y.id"
        );
        let rows = sqlx::query(&sql)
            .bind(tracking.as_str())
            .fetch_all(&self.pool)
            .await
            .map_err(err)?;
        rows.iter().map(payment).collect()
    }

    async fn apply_payment(
        &self,
        payment_id: i64,
        bank_ref: &str,
        change: &Change,
    ) -> Result<PaymentApplied> {
        let mut tx = self.pool.begin_with(E::BEGIN).await.map_err(err)?;
        let app: Option<i64> = sqlx::query_scalar(
            "UPDATE payments SET state = 'verified', bank_ref = $1, updated_at = $2 \
             WHERE id = $3 AND state = 'pending' RETURNING application_id",
        )
        .bind(bank_ref)
        .bind(change.at)
        .bind(payment_id)
        .fetch_optional(&mut *tx)
        .await
        .map_err(err)?;
        let Some(app) = app else {
            let st: Option<String> = sqlx::query_scalar("SELECT state FROM payments WHERE id = $1")
                .bind(payment_id)
                .fetch_optional(&mut *tx)
                .await
                .map_err(err)?;
            let st = st.ok_or_else(|| StoreError::Invalid("no such payment".into()))?;
            return Ok(PaymentApplied::AlreadyDone(payment_state(&st)?));
        };
        Self::log_payment(&mut tx, payment_id, "verified", bank_ref, change.at).await?;
        let from = ApplicationState::AwaitingPayment;
        let to = from
            .transition(Event::PaymentSettled)
            .map_err(|e| StoreError::Invalid(e.message_en))?;
        let moved: Option<Option<String>> = sqlx::query_scalar(
            "UPDATE applications SET state = $1, paid_payment_id = $2, updated_at = $3 \
             WHERE id = $4 AND state = $5 AND paid_payment_id IS NULL RETURNING province_code",
        )
        .bind(to.as_str())
        .bind(payment_id)
        .bind(change.at)
        .bind(app)
        .bind(from.as_str())
        .fetch_optional(&mut *tx)
        .await
        .map_err(err)?;
        let outcome = if let Some(province) = moved {
            Self::record_event(
                &mut tx,
                app,
                Some(from),
                to,
                HistoryEvent::Transition(Event::PaymentSettled),
                change,
            )
            .await?;
            Self::count(&mut tx, province.as_deref(), Some(from), to).await?;
            // A person booked onto a mobile unit's visit gets their appointment there with the payment.
            Self::book_paid_onto_visit(&mut tx, app, change).await?;
            PaymentApplied::Applied
        } else {
            Self::log_payment(
                &mut tx,
                payment_id,
                "verified",
                "the application cannot take this payment: to be reversed",
                change.at,
            )
            .await?;
            PaymentApplied::MustReverse
        };
        tx.commit().await.map_err(err)?;
        Ok(outcome)
    }

    async fn set_payment_state(
        &self,
        payment_id: i64,
        from: PaymentState,
        to: PaymentState,
        detail: &str,
        at: DateTime<Utc>,
    ) -> Result<bool> {
        if !from.may_become(to) {
            return Err(StoreError::Invalid(format!(
                "a payment cannot go from {} to {}",
                from.as_str(),
                to.as_str()
            )));
        }
        let mut tx = self.pool.begin_with(E::BEGIN).await.map_err(err)?;
        let n = E::rows_affected(
            &sqlx::query(
                "UPDATE payments SET state = $1, updated_at = $2 WHERE id = $3 AND state = $4",
            )
            .bind(to.as_str())
            .bind(at)
            .bind(payment_id)
            .bind(from.as_str())
            .execute(&mut *tx)
            .await
            .map_err(err)?,
        );
        if n == 1 {
            Self::log_payment(&mut tx, payment_id, to.as_str(), detail, at).await?;
        }
        tx.commit().await.map_err(err)?;
        Ok(n == 1)
    }

    async fn payment_is_applied(&self, payment_id: i64) -> Result<bool> {
        let n: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM applications WHERE paid_payment_id = $1")
                .bind(payment_id)
                .fetch_one(&self.pool)
                .await
                .map_err(err)?;
        Ok(n > 0)
    }

    async fn unfinished_payments(&self, limit: u32) -> Result<Vec<Payment>> {
        let sql = format!(
            "SELECT {PAYMENT_COLUMNS} FROM {PAYMENT_FROM} \
             WHERE y.state IN ('pending', 'verified') ORDER BY y.id LIMIT $1"
        );
        let rows = sqlx::query(&sql)
            .bind(i64::from(limit))
            .fetch_all(&self.pool)
            .await
            .map_err(err)?;
        rows.iter().map(payment).collect()
    }

    async fn lease_unfinished_payments(
        &self,
        updated_before: DateTime<Utc>,
        now: DateTime<Utc>,
        limit: u32,
    ) -> Result<Vec<Payment>> {
        // A second instance's UPDATE waits on the rows the first took, then finds them touched and skips them.
        let ids: Vec<i64> = sqlx::query_scalar(
            "UPDATE payments SET updated_at = $2 WHERE id IN (SELECT id FROM payments \
             WHERE state IN ('pending', 'verified') AND updated_at <= $1 ORDER BY id LIMIT $3) \
             AND state IN ('pending', 'verified') AND updated_at <= $1 RETURNING id",
        )
        .bind(updated_before)
        .bind(now)
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await
        .map_err(err)?;
        let mut out = Vec::with_capacity(ids.len());
        for id in ids {
            out.extend(self.payment(id).await?);
        }
        out.sort_by_key(|p| p.id);
        Ok(out)
    }

    async fn payment_log(&self, payment_id: i64) -> Result<Vec<(DateTime<Utc>, String, String)>> {
        let rows = sqlx::query(
            "SELECT at, state, detail FROM payment_log WHERE payment_id = $1 ORDER BY id",
        )
        .bind(payment_id)
        .fetch_all(&self.pool)
        .await
        .map_err(err)?;
        rows.iter()
            .map(|r| Ok((get(r, "at")?, get(r, "state")?, get(r, "detail")?)))
            .collect()
    }
}

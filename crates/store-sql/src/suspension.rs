//! The SQL of a card's suspension (`store::cards`): a reported loss suspends the card in its holder's hands and
//! puts its certificates on hold; finding it again lifts both; a suspension left past its period revokes.

use chrono::{DateTime, Utc};
use domain::{ApplicationState as S, ChipSerial, HistoryEvent, HistoryReason};
use sqlx::{ColumnIndex, Encode, Executor, Type};
use store::applications::Change;
use store::Result;

use crate::{corrupt, db_err as err, get, rows::state, Conn, Db, DbRow, Engine, Scalar, SqlStore};

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
    /// The application's state, for a history row that does not move it.
    pub(crate) async fn state_of(conn: &mut Conn<E>, application_id: i64) -> Result<S> {
        let st: String = sqlx::query_scalar("SELECT state FROM applications WHERE id = $1")
            .bind(application_id)
            .fetch_one(&mut *conn)
            .await
            .map_err(err)?;
        state(&st)
    }

    async fn suspend_in_tx(
        conn: &mut Conn<E>,
        application_id: i64,
        change: &Change,
    ) -> Result<Option<(String, bool)>> {
        let row = sqlx::query(
            "SELECT chip_serial, suspended_at FROM cards WHERE application_id = $1 \
             AND status = 'active' ORDER BY produced_at DESC LIMIT 1",
        )
        .bind(application_id)
        .fetch_optional(&mut *conn)
        .await
        .map_err(err)?;
        let Some(row) = row else { return Ok(None) };
        let serial: String = get(&row, "chip_serial")?;
        let since: Option<DateTime<Utc>> = get(&row, "suspended_at")?;
        if since.is_some() {
            return Ok(Some((serial, false)));
        }
        sqlx::query("UPDATE cards SET suspended_at = $1 WHERE chip_serial = $2")
            .bind(change.at)
            .bind(&serial)
            .execute(&mut *conn)
            .await
            .map_err(err)?;
        Self::hold_certificates_of_card(&mut *conn, &serial, change.at).await?;
        let at_state = Self::state_of(&mut *conn, application_id).await?;
        let why = change.because(HistoryReason::LossReported);
        Self::note(
            &mut *conn,
            application_id,
            at_state,
            HistoryEvent::CARD_SUSPENDED,
            &why,
        )
        .await?;
        Ok(Some((serial, true)))
    }

    /// Suspends the application's card in its holder's hands: its serial, and whether it was newly suspended.
    pub(crate) async fn suspend(
        &self,
        application_id: i64,
        change: &Change,
    ) -> Result<Option<(ChipSerial, bool)>> {
        let mut tx = self.pool.begin_with(E::BEGIN).await.map_err(err)?;
        let done = Self::suspend_in_tx(&mut tx, application_id, change).await?;
        tx.commit().await.map_err(err)?;
        done.map(|(serial, newly)| {
            ChipSerial::parse(&serial)
                .map(|s| (s, newly))
                .map_err(corrupt("chip_serial"))
        })
        .transpose()
    }

    pub(crate) async fn reactivate(&self, serial: &ChipSerial, change: &Change) -> Result<bool> {
        let mut tx = self.pool.begin_with(E::BEGIN).await.map_err(err)?;
        let id: Option<i64> = sqlx::query_scalar(
            "UPDATE cards SET suspended_at = NULL WHERE chip_serial = $1 AND status = 'active' \
             AND suspended_at IS NOT NULL RETURNING application_id",
        )
        .bind(serial.as_str())
        .fetch_optional(&mut *tx)
        .await
        .map_err(err)?;
        let Some(id) = id else { return Ok(false) };
        Self::release_certificates_of_card(&mut tx, serial.as_str(), change.at).await?;
        let at_state = Self::state_of(&mut tx, id).await?;
        Self::note(
            &mut tx,
            id,
            at_state,
            HistoryEvent::CARD_REACTIVATED,
            change,
        )
        .await?;
        tx.commit().await.map_err(err)?;
        Ok(true)
    }

    pub(crate) async fn revoke_suspended_before(
        &self,
        before: DateTime<Utc>,
        change: &Change,
        limit: u32,
    ) -> Result<Vec<ChipSerial>> {
        let rows = sqlx::query(
            "SELECT chip_serial, application_id FROM cards WHERE suspended_at IS NOT NULL \
             AND suspended_at < $1 AND status = 'active' ORDER BY suspended_at LIMIT $2",
        )
        .bind(before)
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await
        .map_err(err)?;
        let why = change.because(HistoryReason::SuspensionOver);
        let mut out = Vec::new();
        for r in &rows {
            let ser: String = get(r, "chip_serial")?;
            let mut tx = self.pool.begin_with(E::BEGIN).await.map_err(err)?;
            // Still suspended (not found again meanwhile, not revoked by another instance): revoke it as a lost
            // card. The conditional write takes the card's row: an instance racing for it waits, then finds it
            // revoked and leaves it.
            let still: Option<String> = sqlx::query_scalar(
                "UPDATE cards SET status = 'revoked' WHERE chip_serial = $1 AND status = 'active' \
                 AND suspended_at IS NOT NULL AND suspended_at < $2 RETURNING chip_serial",
            )
            .bind(&ser)
            .bind(before)
            .fetch_optional(&mut *tx)
            .await
            .map_err(err)?;
            if still.is_none() {
                continue;
            }
            let reason = why.reason.as_ref().map(ToString::to_string);
            let reason = reason.as_deref().unwrap_or("suspended past its period");
            Self::revoke_one(&mut tx, &ser, get(r, "application_id")?, reason, &why).await?;
            tx.commit().await.map_err(err)?;
            out.push(ChipSerial::parse(&ser).map_err(corrupt("chip_serial"))?);
        }
        Ok(out)
    }
}

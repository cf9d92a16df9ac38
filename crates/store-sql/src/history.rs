//! Moves of an application's state, for every feature: each move writes the new state, its history row and the
//! per-province counters in the caller's transaction, one application at a time or set-wise for a batch. The
//! domain's state machine decides every target (`from.transition(event)`), so the database never moves a row
//! outside the rules.

use chrono::{DateTime, Utc};
use domain::{ApplicationState, Event, HistoryEvent};
use sqlx::{ColumnIndex, Encode, Executor, Type};
use store::applications::Change;
use store::{Result, StoreError};

use crate::{back, db_err as err, get, Conn, Db, DbRow, Engine, Scalar, SqlStore};

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
    pub(crate) async fn record_event(
        conn: &mut Conn<E>,
        application_id: i64,
        from: Option<ApplicationState>,
        to: ApplicationState,
        event: HistoryEvent,
        change: &Change,
    ) -> Result<()> {
        let reason = change.reason.as_ref().map(ToString::to_string);
        sqlx::query(
            "INSERT INTO application_events (application_id, at, actor, from_state, to_state, \
             event, reason) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(application_id)
        .bind(change.at)
        .bind(&change.actor)
        .bind(from.map(|s| s.as_str()))
        .bind(to.as_str())
        .bind(event.code())
        .bind(reason.as_deref())
        .execute(&mut *conn)
        .await
        .map_err(err)?;
        Ok(())
    }

    /// Moves one application between the per-province counters (`from` None: a new application), in the
    /// caller's transaction. Rows are touched in state order, so two opposite moves never deadlock.
    pub(crate) async fn count(
        conn: &mut Conn<E>,
        province: Option<&str>,
        from: Option<ApplicationState>,
        to: ApplicationState,
    ) -> Result<()> {
        Self::count_n(conn, province, from, to, 1).await
    }

    /// As [`Self::count`], for `n` applications of one province moving together.
    pub(crate) async fn count_n(
        conn: &mut Conn<E>,
        province: Option<&str>,
        from: Option<ApplicationState>,
        to: ApplicationState,
        n: i64,
    ) -> Result<()> {
        if from == Some(to) || n == 0 {
            return Ok(());
        }
        let mut deltas = vec![(to.as_str(), n)];
        if let Some(f) = from {
            deltas.push((f.as_str(), -n));
        }
        deltas.sort_unstable();
        // Any shard will do; spreading writers over them is all that matters.
        let shard = i64::from(
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.subsec_nanos() >> 10)
                .unwrap_or(0)
                % 16,
        );
        for (st, delta) in deltas {
            sqlx::query(
                "INSERT INTO application_counts (province_code, state, shard, n) VALUES ($1, $2, $4, $3) \
                 ON CONFLICT (province_code, state, shard) DO UPDATE SET n = application_counts.n + $3",
            )
            .bind(province.unwrap_or(""))
            .bind(st)
            .bind(delta)
            .bind(shard)
            .execute(&mut *conn)
            .await
            .map_err(err)?;
        }
        Ok(())
    }

    /// Moves every application selected by `subquery` (which may use `$1`, bound to `key`) that is in
    /// `from` to `to`: history rows, counters and the state, set-wise, in the caller's transaction.
    /// Answers how many moved.
    pub(crate) async fn move_set(
        conn: &mut Conn<E>,
        subquery: &str,
        key: i64,
        from: ApplicationState,
        event: Event,
        change: &Change,
    ) -> Result<u64> {
        let to = from
            .transition(event)
            .map_err(|e| StoreError::Invalid(e.message_en))?;
        let groups = sqlx::query(&format!(
            "SELECT province_code, COUNT(*) AS n FROM applications \
             WHERE id IN ({subquery}) AND state = $2 GROUP BY province_code"
        ))
        .bind(key)
        .bind(from.as_str())
        .fetch_all(&mut *conn)
        .await
        .map_err(err)?;
        let reason = change.reason.as_ref().map(ToString::to_string);
        let mut moved = 0;
        for g in &groups {
            let province: Option<String> = get(g, "province_code")?;
            let n: i64 = get(g, "n")?;
            Self::count_n(&mut *conn, province.as_deref(), Some(from), to, n).await?;
            moved += back(n);
        }
        if moved == 0 {
            return Ok(0);
        }
        sqlx::query(&format!(
            "INSERT INTO application_events (application_id, at, actor, from_state, to_state, \
             event, reason) SELECT id, $3, $4, $2, $5, $6, $7 FROM applications \
             WHERE id IN ({subquery}) AND state = $2 ORDER BY id"
        ))
        .bind(key)
        .bind(from.as_str())
        .bind(change.at)
        .bind(&change.actor)
        .bind(to.as_str())
        .bind(event.as_str())
        .bind(reason.as_deref())
        .execute(&mut *conn)
        .await
        .map_err(err)?;
        sqlx::query(&format!(
            "UPDATE applications SET state = $3, active = $4, updated_at = $5 \
             WHERE id IN ({subquery}) AND state = $2"
        ))
        .bind(key)
        .bind(from.as_str())
        .bind(to.as_str())
        .bind(to.is_active())
        .bind(change.at)
        .execute(&mut *conn)
        .await
        .map_err(err)?;
        Ok(moved)
    }

    /// One application's move, if it is in `from`; answers whether it moved.
    pub(crate) async fn move_one(
        conn: &mut Conn<E>,
        application_id: i64,
        from: ApplicationState,
        event: Event,
        change: &Change,
    ) -> Result<bool> {
        let to = from
            .transition(event)
            .map_err(|e| StoreError::Invalid(e.message_en))?;
        let row = sqlx::query(
            "UPDATE applications SET state = $1, active = $2, updated_at = $3 \
             WHERE id = $4 AND state = $5 RETURNING province_code",
        )
        .bind(to.as_str())
        .bind(to.is_active())
        .bind(change.at)
        .bind(application_id)
        .bind(from.as_str())
        .fetch_optional(&mut *conn)
        .await
        .map_err(err)?;
        let Some(row) = row else { return Ok(false) };
        let province: Option<String> = get(&row, "province_code")?;
        Self::record_event(
            &mut *conn,
            application_id,
            Some(from),
            to,
            HistoryEvent::Transition(event),
            change,
        )
        .await?;
        Self::count(&mut *conn, province.as_deref(), Some(from), to).await?;
        if from == ApplicationState::Uncollected {
            Self::uncollected_delta(&mut *conn, application_id, province.as_deref(), -1).await?;
        }
        Ok(true)
    }

    /// Moves the uncollected counter of an application's card (its reason and since-day) by `delta`.
    pub(crate) async fn uncollected_delta(
        conn: &mut Conn<E>,
        application_id: i64,
        province: Option<&str>,
        delta: i64,
    ) -> Result<()> {
        let row = sqlx::query(
            "SELECT uncollected_reason, uncollected_since FROM cards WHERE application_id = $1 \
             AND uncollected_reason IS NOT NULL AND uncollected_since IS NOT NULL \
             ORDER BY produced_at DESC LIMIT 1",
        )
        .bind(application_id)
        .fetch_optional(&mut *conn)
        .await
        .map_err(err)?;
        let Some(row) = row else { return Ok(()) };
        sqlx::query(
            "INSERT INTO uncollected_counts (province_code, reason, since_day, n) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (province_code, reason, since_day) DO UPDATE SET n = uncollected_counts.n + $4",
        )
        .bind(province.unwrap_or(""))
        .bind(get::<String, _>(&row, "uncollected_reason")?)
        .bind(get::<String, _>(&row, "uncollected_since")?)
        .bind(delta)
        .execute(&mut *conn)
        .await
        .map_err(err)?;
        Ok(())
    }

    /// A history row that records something other than a change of state (a new destination).
    pub(crate) async fn note(
        conn: &mut Conn<E>,
        application_id: i64,
        at_state: ApplicationState,
        what: HistoryEvent,
        change: &Change,
    ) -> Result<()> {
        Self::record_event(
            &mut *conn,
            application_id,
            Some(at_state),
            at_state,
            what,
            change,
        )
        .await
    }
}

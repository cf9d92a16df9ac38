//! The backlog's counters, moved where the events happen: a card's arrival (`shipments.rs`), a delivered message
//! (`outbox.rs`), a pickup (`pickup.rs`). The figures read them in `backlog.rs`.

use chrono::{DateTime, Utc};
use sqlx::{ColumnIndex, Encode, Executor, Type};
use store::Result;

use crate::{db_err as err, get, Conn, Db, DbRow, Engine, Scalar, SqlStore};
use store::backlog::tehran_day;

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
    /// A card reached an office: counted as arrived on its day, its holder not yet reached.
    pub(crate) async fn count_arrival(
        conn: &mut Conn<E>,
        application_id: i64,
        office_id: &str,
        at: DateTime<Utc>,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO reach_counts (province_code, office_id, day, arrived, reached) \
             SELECT COALESCE(province_code, ''), $1, $2, 1, 0 FROM applications WHERE id = $3 \
             ON CONFLICT (province_code, office_id, day) DO UPDATE SET arrived = reach_counts.arrived + 1",
        )
        .bind(office_id)
        .bind(tehran_day(at))
        .bind(application_id)
        .execute(&mut *conn)
        .await
        .map_err(err)?;
        Ok(())
    }

    /// A message to the holder of a waiting card was delivered: the first since the card's arrival counts the
    /// holder as reached, on the arrival's day.
    pub(crate) async fn count_reached(
        conn: &mut Conn<E>,
        application_id: i64,
        at: DateTime<Utc>,
    ) -> Result<()> {
        let row = sqlx::query(
            "UPDATE cards SET reached_at = $1 WHERE application_id = $2 AND status = 'produced' \
             AND ready_at IS NOT NULL AND reached_at IS NULL RETURNING office_id, ready_at",
        )
        .bind(at)
        .bind(application_id)
        .fetch_optional(&mut *conn)
        .await
        .map_err(err)?;
        let Some(row) = row else { return Ok(()) };
        let office_id: String = get(&row, "office_id")?;
        let ready_at: DateTime<Utc> = get(&row, "ready_at")?;
        sqlx::query(
            "INSERT INTO reach_counts (province_code, office_id, day, arrived, reached) \
             SELECT COALESCE(province_code, ''), $1, $2, 0, 1 FROM applications WHERE id = $3 \
             ON CONFLICT (province_code, office_id, day) DO UPDATE SET reached = reach_counts.reached + 1",
        )
        .bind(office_id.as_str())
        .bind(tehran_day(ready_at))
        .bind(application_id)
        .execute(&mut *conn)
        .await
        .map_err(err)?;
        Ok(())
    }

    /// A card was collected after `days` whole days at its office.
    pub(crate) async fn count_wait(
        conn: &mut Conn<E>,
        province: &str,
        office_id: &str,
        days: i64,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO wait_counts (province_code, office_id, days, n) VALUES ($1, $2, $3, 1) \
             ON CONFLICT (province_code, office_id, days) DO UPDATE SET n = wait_counts.n + 1",
        )
        .bind(province)
        .bind(office_id)
        .bind(days.max(0))
        .execute(&mut *conn)
        .await
        .map_err(err)?;
        Ok(())
    }
}

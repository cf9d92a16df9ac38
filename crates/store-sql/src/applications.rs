//! The SQL of `store::applications`: filing, looking up and moving applications.

use chrono::{DateTime, Utc};
use domain::{
    ApplicationState, Channel, Event, HistoryEvent, HistoryReason, JalaliDate, Mobile,
    NationalCode, OfficeId, Reason, TrackingCode,
};
use sqlx::{ColumnIndex, Encode, Executor, Type};
use store::applications::*;
use store::appointments::Appointment;
use store::changes::ApplicationRow;
use store::{Applications, Result, StoreError};

use crate::{
    back, columns::is_unique, corrupt, db_err as err, get, rows::state, u, Columns, Conn, Db,
    DbRow, Engine, Scalar, SqlStore,
};

const APPLICATION_COLUMNS: &str = "a.id, a.tracking_code, a.national_code, a.reason, \
    a.channel, a.mobile, a.fee_rials, a.state, a.filing_office, a.created_at, a.updated_at, \
    p.office_id AS appt_office, p.day AS appt_day, p.slot AS appt_slot";

const APPLICATION_FROM: &str = "applications a LEFT JOIN appointments p ON p.application_id = a.id";

fn application(row: &impl Columns) -> Result<Application> {
    let appt_office: Option<String> = get(row, "appt_office")?;
    let appointment = match appt_office {
        Some(o) => {
            let day: String = get(row, "appt_day")?;
            let slot: i64 = get(row, "appt_slot")?;
            Some(Appointment {
                office_id: OfficeId::parse(&o).map_err(corrupt("appt_office"))?,
                date: JalaliDate::parse(&day).map_err(corrupt("appt_day"))?,
                slot: u32::try_from(slot).map_err(|e| StoreError::corrupt("appt_slot", e))?,
            })
        }
        None => None,
    };
    let filing: Option<String> = get(row, "filing_office")?;
    let channel: String = get(row, "channel")?;
    let state_s: String = get(row, "state")?;
    Ok(Application {
        id: get(row, "id")?,
        tracking_code: TrackingCode::parse(&get::<String, _>(row, "tracking_code")?)
            .map_err(corrupt("tracking_code"))?,
        national_code: NationalCode::parse(&get::<String, _>(row, "national_code")?)
            .map_err(corrupt("national_code"))?,
        reason: Reason::parse(&get::<String, _>(row, "reason")?).map_err(corrupt("reason"))?,
        channel: Channel::parse(&channel)
            .ok_or_else(|| StoreError::corrupt("channel", &channel))?,
        mobile: Mobile::parse(&get::<String, _>(row, "mobile")?).map_err(corrupt("mobile"))?,
        fee_rials: back(get(row, "fee_rials")?),
        state: state(&state_s)?,
        filing_office: filing
            .as_deref()
            .map(OfficeId::parse)
            .transpose()
            .map_err(corrupt("filing_office"))?,
        appointment,
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
    /// Inserts a new application in `awaiting_payment`, in the caller's transaction; the raw error, so that the
    /// caller can tell a taken tracking code (or a second active application) from a failure.
    pub(crate) async fn insert_application(
        conn: &mut Conn<E>,
        new: &NewApplication,
    ) -> std::result::Result<i64, sqlx::Error> {
        sqlx::query_scalar::<_, i64>(
            "INSERT INTO applications (tracking_code, national_code, reason, channel, mobile, \
             fee_rials, state, active, filing_office, province_code, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11) RETURNING id",
        )
        .bind(new.tracking_code.as_str())
        .bind(new.national_code.as_str())
        .bind(new.reason.as_str())
        .bind(new.channel.as_str())
        .bind(new.mobile.as_str())
        .bind(u(new.fee_rials))
        .bind(ApplicationState::AwaitingPayment.as_str())
        .bind(true)
        .bind(new.filing_office.as_ref().map(|o| o.as_str()))
        .bind(new.province.map(|p| p.as_str()))
        .bind(new.at)
        .fetch_one(&mut *conn)
        .await
    }

    /// The first history row and the counters of an application just inserted, in the caller's transaction.
    pub(crate) async fn record_filed(
        conn: &mut Conn<E>,
        id: i64,
        new: &NewApplication,
    ) -> Result<()> {
        let change = Change {
            actor: new.actor.clone(),
            at: new.at,
            reason: Some(HistoryReason::Application(new.reason)),
        };
        let state = ApplicationState::AwaitingPayment;
        Self::record_event(&mut *conn, id, None, state, HistoryEvent::Filed, &change).await?;
        Self::count(&mut *conn, new.province.map(|p| p.as_str()), None, state).await
    }
}

#[async_trait::async_trait]
impl<E: Engine> Applications for SqlStore<E>
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
    async fn file_application(&self, new: &NewApplication) -> Result<Filed> {
        let mut tx = self.pool.begin_with(E::BEGIN).await.map_err(err)?;
        let active: Option<i64> =
            sqlx::query_scalar("SELECT id FROM applications WHERE national_code = $1 AND active")
                .bind(new.national_code.as_str())
                .fetch_optional(&mut *tx)
                .await
                .map_err(err)?;
        if active.is_some() {
            return Ok(Filed::ActiveExists);
        }
        let state = ApplicationState::AwaitingPayment;
        let inserted = Self::insert_application(&mut tx, new).await;
        let id = match inserted {
            Ok(id) => id,
            Err(e) if is_unique(&e) => {
                // PostgreSQL aborts the transaction on the violation: ask outside it.
                tx.rollback().await.map_err(err)?;
                let taken: Option<i64> =
                    sqlx::query_scalar("SELECT id FROM applications WHERE tracking_code = $1")
                        .bind(new.tracking_code.as_str())
                        .fetch_optional(&self.pool)
                        .await
                        .map_err(err)?;
                return Ok(if taken.is_some() {
                    Filed::TrackingCodeTaken
                } else {
                    Filed::ActiveExists
                });
            }
            Err(e) => return Err(err(e)),
        };
        Self::record_filed(&mut tx, id, new).await?;
        tx.commit().await.map_err(err)?;
        Ok(Filed::Created(Box::new(Application {
            id,
            tracking_code: new.tracking_code,
            national_code: new.national_code,
            reason: new.reason,
            channel: new.channel,
            mobile: new.mobile,
            fee_rials: new.fee_rials,
            state,
            filing_office: new.filing_office.clone(),
            appointment: None,
            created_at: new.at,
            updated_at: new.at,
        })))
    }

    async fn application(&self, tracking: &TrackingCode) -> Result<Option<Application>> {
        let sql = format!(
            "SELECT {APPLICATION_COLUMNS} FROM {APPLICATION_FROM} WHERE a.tracking_code = $1"
        );
        let row = sqlx::query(&sql)
            .bind(tracking.as_str())
            .fetch_optional(&self.pool)
            .await
            .map_err(err)?;
        row.as_ref().map(application).transpose()
    }

    async fn active_application(&self, code: &NationalCode) -> Result<Option<Application>> {
        let sql = format!(
            "SELECT {APPLICATION_COLUMNS} FROM {APPLICATION_FROM} \
             WHERE a.national_code = $1 AND a.active"
        );
        let row = sqlx::query(&sql)
            .bind(code.as_str())
            .fetch_optional(&self.pool)
            .await
            .map_err(err)?;
        row.as_ref().map(application).transpose()
    }

    async fn owner_and_state(
        &self,
        tracking: &TrackingCode,
    ) -> Result<Option<(NationalCode, ApplicationState)>> {
        let row =
            sqlx::query("SELECT national_code, state FROM applications WHERE tracking_code = $1")
                .bind(tracking.as_str())
                .fetch_optional(&self.pool)
                .await
                .map_err(err)?;
        let Some(row) = row else { return Ok(None) };
        let st: String = get(&row, "state")?;
        Ok(Some((
            NationalCode::parse(&get::<String, _>(&row, "national_code")?)
                .map_err(corrupt("national_code"))?,
            state(&st)?,
        )))
    }

    async fn status(&self, tracking: &TrackingCode) -> Result<Option<StatusView>> {
        let row = sqlx::query(
            "SELECT a.id, a.national_code, a.state, a.updated_at, a.office_id, o.name AS office_name \
             FROM applications a LEFT JOIN offices o ON o.office_id = a.office_id \
             WHERE a.tracking_code = $1",
        )
        .bind(tracking.as_str())
        .fetch_optional(&self.pool)
        .await
        .map_err(err)?;
        let Some(row) = row else { return Ok(None) };
        let office_id: Option<String> = get(&row, "office_id")?;
        let office_name: Option<String> = get(&row, "office_name")?;
        let st: String = get(&row, "state")?;
        Ok(Some(StatusView {
            row: ApplicationRow(get(&row, "id")?),
            national_code: NationalCode::parse(&get::<String, _>(&row, "national_code")?)
                .map_err(corrupt("national_code"))?,
            state: state(&st)?,
            updated_at: get(&row, "updated_at")?,
            office: match (office_id, office_name) {
                (Some(id), Some(name)) => {
                    Some((OfficeId::parse(&id).map_err(corrupt("office_id"))?, name))
                }
                _ => None,
            },
        }))
    }

    async fn transition(
        &self,
        tracking: &TrackingCode,
        from: ApplicationState,
        event: Event,
        change: &Change,
    ) -> Result<bool> {
        let to = from
            .transition(event)
            .map_err(|e| StoreError::Invalid(e.message_en))?;
        let mut tx = self.pool.begin_with(E::BEGIN).await.map_err(err)?;
        let row = sqlx::query(
            "UPDATE applications SET state = $1, active = $2, updated_at = $3 \
             WHERE tracking_code = $4 AND state = $5 RETURNING id, province_code",
        )
        .bind(to.as_str())
        .bind(to.is_active())
        .bind(change.at)
        .bind(tracking.as_str())
        .bind(from.as_str())
        .fetch_optional(&mut *tx)
        .await
        .map_err(err)?;
        let Some(row) = row else { return Ok(false) };
        let id: i64 = get(&row, "id")?;
        let province: Option<String> = get(&row, "province_code")?;
        Self::record_event(
            &mut tx,
            id,
            Some(from),
            to,
            HistoryEvent::Transition(event),
            change,
        )
        .await?;
        Self::count(&mut tx, province.as_deref(), Some(from), to).await?;
        tx.commit().await.map_err(err)?;
        Ok(true)
    }

    async fn history(&self, tracking: &TrackingCode) -> Result<Vec<HistoryEntry>> {
        let rows = sqlx::query(
            "SELECT e.at, e.actor, e.from_state, e.to_state, e.event, e.reason \
             FROM application_events e JOIN applications a ON a.id = e.application_id \
             WHERE a.tracking_code = $1 ORDER BY e.id",
        )
        .bind(tracking.as_str())
        .fetch_all(&self.pool)
        .await
        .map_err(err)?;
        rows.iter()
            .map(|r| {
                let from: Option<String> = get(r, "from_state")?;
                let to: String = get(r, "to_state")?;
                let event: String = get(r, "event")?;
                let reason: Option<String> = get(r, "reason")?;
                Ok(HistoryEntry {
                    at: get(r, "at")?,
                    actor: get(r, "actor")?,
                    from: from.as_deref().map(state).transpose()?,
                    to: state(&to)?,
                    event: HistoryEvent::parse(&event)
                        .ok_or_else(|| StoreError::corrupt("event", &event))?,
                    reason: reason.as_deref().map(HistoryReason::parse),
                })
            })
            .collect()
    }

    async fn seed_applications(&self, batch: &[SeedApplication]) -> Result<()> {
        let mut tx = self.pool.begin_with(E::BEGIN).await.map_err(err)?;
        for chunk in batch.chunks(500) {
            let mut q = sqlx::QueryBuilder::<Db<E>>::new(
                "INSERT INTO applications (tracking_code, national_code, reason, channel, \
                 mobile, fee_rials, state, active, filing_office, province_code, created_at, \
                 updated_at) ",
            );
            q.push_values(chunk, |mut b, s| {
                let a = &s.application;
                b.push_bind(a.tracking_code.as_str())
                    .push_bind(a.national_code.as_str())
                    .push_bind(a.reason.as_str())
                    .push_bind(a.channel.as_str())
                    .push_bind(a.mobile.as_str())
                    .push_bind(u(a.fee_rials))
                    .push_bind(s.state.as_str())
                    .push_bind(s.state.is_active())
                    .push_bind(a.filing_office.as_ref().map(|o| o.as_str()))
                    .push_bind(a.province.map(|p| p.as_str()))
                    .push_bind(a.at)
                    .push_bind(a.at);
            });
            E::build(&mut q).execute(&mut *tx).await.map_err(err)?;
            let mut h = sqlx::QueryBuilder::<Db<E>>::new(format!(
                "INSERT INTO application_events (application_id, at, actor, from_state, \
                 to_state, event, reason) SELECT id, created_at, 'seed', NULL, state, '{}', \
                 NULL FROM applications WHERE tracking_code IN (",
                HistoryEvent::Seeded.code()
            ));
            let mut sep = h.separated(", ");
            for s in chunk {
                sep.push_bind(s.application.tracking_code.as_str());
            }
            h.push(")");
            E::build(&mut h).execute(&mut *tx).await.map_err(err)?;
            let mut c = sqlx::QueryBuilder::<Db<E>>::new(
                "INSERT INTO application_counts (province_code, state, n) \
                 SELECT COALESCE(province_code, ''), state, COUNT(*) FROM applications \
                 WHERE tracking_code IN (",
            );
            let mut sep = c.separated(", ");
            for s in chunk {
                sep.push_bind(s.application.tracking_code.as_str());
            }
            c.push(
                ") GROUP BY COALESCE(province_code, ''), state ORDER BY 1, 2 \
                 ON CONFLICT (province_code, state, shard) DO UPDATE SET n = application_counts.n + excluded.n",
            );
            E::build(&mut c).execute(&mut *tx).await.map_err(err)?;
        }
        tx.commit().await.map_err(err)?;
        Ok(())
    }

    async fn count_applications(&self) -> Result<u64> {
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM applications")
            .fetch_one(&self.pool)
            .await
            .map_err(err)?;
        Ok(back(n))
    }
}

//! The SQL of `store::appointments`: free places, bookings (never past an office's daily capacity) and the
//! desk's list of a day.

use chrono::{DateTime, Utc};
use domain::{
    ApplicationState, Event, HistoryEvent, HistoryReason, JalaliDate, NationalCode, Office,
    OfficeId, ProvinceCode, TrackingCode,
};
use sqlx::{ColumnIndex, Encode, Executor, Type};
use store::applications::Change;
use store::appointments::*;
use store::codec::OfficeColumns;
use store::{Appointments, Result, StoreError};

use crate::{
    corrupt, db_err as err, get,
    rows::{state, tracking},
    Conn, Db, DbRow, Engine, Scalar, SqlStore,
};

#[async_trait::async_trait]
impl<E: Engine> Appointments for SqlStore<E>
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
    async fn places_taken(
        &self,
        province: ProvinceCode,
        date: JalaliDate,
    ) -> Result<Vec<(OfficeId, u32)>> {
        let rows = sqlx::query(
            "SELECT d.office_id, CAST(d.booked AS BIGINT) AS booked FROM office_days d \
             JOIN offices o ON o.office_id = d.office_id \
             WHERE o.province_code = $1 AND d.day = $2 AND d.booked > 0",
        )
        .bind(province.as_str())
        .bind(date.to_string())
        .fetch_all(&self.pool)
        .await
        .map_err(err)?;
        rows.iter()
            .map(|r| {
                let id: String = get(r, "office_id")?;
                let booked: i64 = get(r, "booked")?;
                Ok((
                    OfficeId::parse(&id).map_err(corrupt("office_id"))?,
                    u32::try_from(booked.max(0)).unwrap_or(u32::MAX),
                ))
            })
            .collect()
    }

    async fn offices_by_free_capacity(
        &self,
        province: ProvinceCode,
        date: JalaliDate,
        limit: u32,
    ) -> Result<Vec<OfficeAvailability>> {
        let rows = sqlx::query(
            "SELECT o.office_id, o.name, o.kind, o.province_code, o.city, o.address, \
             CAST(o.daily_capacity AS BIGINT) AS daily_capacity, \
             CAST(o.daily_capacity - COALESCE(d.booked, 0) AS BIGINT) AS free \
             FROM offices o LEFT JOIN office_days d ON d.office_id = o.office_id AND d.day = $2 \
             WHERE o.province_code = $1 ORDER BY free DESC, o.office_id LIMIT $3",
        )
        .bind(province.as_str())
        .bind(date.to_string())
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await
        .map_err(err)?;
        rows.iter()
            .map(|r| {
                let office: Office = OfficeColumns {
                    office_id: get(r, "office_id")?,
                    name: get(r, "name")?,
                    kind: get(r, "kind")?,
                    province_code: get(r, "province_code")?,
                    city: get(r, "city")?,
                    address: get(r, "address")?,
                    daily_capacity: get(r, "daily_capacity")?,
                }
                .into_office()?;
                let free: i64 = get(r, "free")?;
                Ok(OfficeAvailability {
                    office,
                    free: u32::try_from(free.max(0)).unwrap_or(0),
                })
            })
            .collect()
    }

    async fn book_from(
        &self,
        tracking: &TrackingCode,
        office: &OfficeId,
        date: JalaliDate,
        first_slot: u32,
        change: &Change,
    ) -> Result<Booked> {
        let first = i64::from(first_slot.max(1));
        let day = date.to_string();
        let mut tx = self.pool.begin_with(E::BEGIN).await.map_err(err)?;
        let row = sqlx::query("SELECT id, state FROM applications WHERE tracking_code = $1")
            .bind(tracking.as_str())
            .fetch_optional(&mut *tx)
            .await
            .map_err(err)?;
        let Some(row) = row else {
            return Ok(Booked::NotFound);
        };
        let app: i64 = get(&row, "id")?;
        let st: String = get(&row, "state")?;
        let from = state(&st)?;
        if from != ApplicationState::AwaitingAppointment {
            return Ok(Booked::WrongState(from));
        }
        let cap: Option<i64> = sqlx::query_scalar(
            "SELECT CAST(daily_capacity AS BIGINT) FROM offices WHERE office_id = $1",
        )
        .bind(office.as_str())
        .fetch_optional(&mut *tx)
        .await
        .map_err(err)?;
        let Some(cap) = cap else {
            return Ok(Booked::UnknownOffice);
        };
        // The office-day row is the lock that orders bookings of one office on one day.
        let taken: Option<i64> = sqlx::query_scalar(
            "INSERT INTO office_days (office_id, day, booked) VALUES ($1, $2, 1) \
             ON CONFLICT (office_id, day) DO UPDATE SET booked = office_days.booked + 1 \
             WHERE office_days.booked < $3 RETURNING CAST(booked AS BIGINT)",
        )
        .bind(office.as_str())
        .bind(&day)
        .bind(cap)
        .fetch_optional(&mut *tx)
        .await
        .map_err(err)?;
        if taken.is_none_or(|t| t > cap) {
            return Ok(Booked::NoCapacity);
        }
        // The lowest free place from `first` on: `first` itself, or the first gap after the run of
        // taken places that starts there.
        let slot: i64 = sqlx::query_scalar(
            "SELECT CAST(CASE WHEN NOT EXISTS (SELECT 1 FROM appointments \
                 WHERE office_id = $1 AND day = $2 AND slot = $3) THEN $3 \
             ELSE (SELECT MIN(x.slot) + 1 FROM appointments x WHERE x.office_id = $1 \
                 AND x.day = $2 AND x.slot >= $3 AND NOT EXISTS (SELECT 1 FROM appointments y \
                 WHERE y.office_id = $1 AND y.day = $2 AND y.slot = x.slot + 1)) END AS BIGINT)",
        )
        .bind(office.as_str())
        .bind(&day)
        .bind(first)
        .fetch_one(&mut *tx)
        .await
        .map_err(err)?;
        if slot > cap {
            // Only places before `first` are free (today's, whose time is over): dropping the
            // transaction gives the counted place back.
            return Ok(Booked::NoCapacity);
        }
        sqlx::query(
            "INSERT INTO appointments (application_id, office_id, day, slot, booked_at) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(app)
        .bind(office.as_str())
        .bind(&day)
        .bind(slot)
        .bind(change.at)
        .execute(&mut *tx)
        .await
        .map_err(err)?;
        let to = from
            .transition(Event::AppointmentBooked)
            .map_err(|e| StoreError::Invalid(e.message_en))?;
        let moved: Option<Option<String>> = sqlx::query_scalar(
            "UPDATE applications SET state = $1, office_id = $2, updated_at = $3 \
             WHERE id = $4 AND state = $5 RETURNING province_code",
        )
        .bind(to.as_str())
        .bind(office.as_str())
        .bind(change.at)
        .bind(app)
        .bind(from.as_str())
        .fetch_optional(&mut *tx)
        .await
        .map_err(err)?;
        let Some(province) = moved else {
            return Ok(Booked::WrongState(from));
        };
        Self::count(&mut tx, province.as_deref(), Some(from), to).await?;
        let mut change = change.clone();
        change.reason = Some(HistoryReason::Booking {
            office: office.clone(),
            day: date,
            slot: u32::try_from(slot).unwrap_or(0),
        });
        Self::record_event(
            &mut tx,
            app,
            Some(from),
            to,
            HistoryEvent::Transition(Event::AppointmentBooked),
            &change,
        )
        .await?;
        tx.commit().await.map_err(err)?;
        Ok(Booked::Booked(Appointment {
            office_id: office.clone(),
            date,
            slot: u32::try_from(slot).unwrap_or(0),
        }))
    }

    async fn cancel_booking(
        &self,
        tracking: &TrackingCode,
        change: &Change,
    ) -> Result<Option<Appointment>> {
        let mut tx = self.pool.begin_with(E::BEGIN).await.map_err(err)?;
        let row = sqlx::query(
            "SELECT a.id, p.office_id, p.day, p.slot FROM applications a \
             JOIN appointments p ON p.application_id = a.id \
             WHERE a.tracking_code = $1 AND a.state = 'appointment_booked'",
        )
        .bind(tracking.as_str())
        .fetch_optional(&mut *tx)
        .await
        .map_err(err)?;
        let Some(row) = row else { return Ok(None) };
        let app: i64 = get(&row, "id")?;
        let office: String = get(&row, "office_id")?;
        let day: String = get(&row, "day")?;
        let slot: i64 = get(&row, "slot")?;
        let from = ApplicationState::AppointmentBooked;
        let to = from
            .transition(Event::AppointmentCancelled)
            .map_err(|e| StoreError::Invalid(e.message_en))?;
        let moved: Option<Option<String>> = sqlx::query_scalar(
            "UPDATE applications SET state = $1, office_id = NULL, updated_at = $2 \
             WHERE id = $3 AND state = $4 RETURNING province_code",
        )
        .bind(to.as_str())
        .bind(change.at)
        .bind(app)
        .bind(from.as_str())
        .fetch_optional(&mut *tx)
        .await
        .map_err(err)?;
        let Some(province) = moved else {
            return Ok(None);
        };
        sqlx::query("DELETE FROM appointments WHERE application_id = $1")
            .bind(app)
            .execute(&mut *tx)
            .await
            .map_err(err)?;
        sqlx::query(
            "UPDATE office_days SET booked = booked - 1 WHERE office_id = $1 AND day = $2 \
             AND booked > 0",
        )
        .bind(&office)
        .bind(&day)
        .execute(&mut *tx)
        .await
        .map_err(err)?;
        // The counters last, as in `book`: both lock the office day before them.
        Self::count(&mut tx, province.as_deref(), Some(from), to).await?;
        let mut change = change.clone();
        let appointment = Appointment {
            office_id: OfficeId::parse(&office).map_err(corrupt("office_id"))?,
            date: JalaliDate::parse(&day).map_err(corrupt("day"))?,
            slot: u32::try_from(slot).unwrap_or(0),
        };
        change.reason = Some(HistoryReason::Booking {
            office: appointment.office_id.clone(),
            day: appointment.date,
            slot: appointment.slot,
        });
        Self::record_event(
            &mut tx,
            app,
            Some(from),
            to,
            HistoryEvent::Transition(Event::AppointmentCancelled),
            &change,
        )
        .await?;
        tx.commit().await.map_err(err)?;
        Ok(Some(appointment))
    }

    async fn booked(&self, office: &OfficeId, date: JalaliDate) -> Result<u32> {
        let n: Option<i64> = sqlx::query_scalar(
            "SELECT CAST(booked AS BIGINT) FROM office_days WHERE office_id = $1 AND day = $2",
        )
        .bind(office.as_str())
        .bind(date.to_string())
        .fetch_optional(&self.pool)
        .await
        .map_err(err)?;
        Ok(u32::try_from(n.unwrap_or(0)).unwrap_or(0))
    }

    async fn office_day(&self, at_office: &OfficeId, day: &str) -> Result<Vec<DayEntry>> {
        let rows = sqlx::query(
            "SELECT p.slot, a.tracking_code, a.national_code, a.state FROM appointments p \
             JOIN applications a ON a.id = p.application_id \
             WHERE p.office_id = $1 AND p.day = $2 ORDER BY p.slot",
        )
        .bind(at_office.as_str())
        .bind(day)
        .fetch_all(&self.pool)
        .await
        .map_err(err)?;
        rows.iter()
            .map(|r| {
                Ok(DayEntry {
                    slot: u32::try_from(get::<i64, _>(r, "slot")?).unwrap_or(0),
                    tracking_code: tracking(r, "tracking_code")?,
                    national_code: NationalCode::parse(&get::<String, _>(r, "national_code")?)
                        .map_err(corrupt("national_code"))?,
                    state: state(&get::<String, _>(r, "state")?)?,
                })
            })
            .collect()
    }
}

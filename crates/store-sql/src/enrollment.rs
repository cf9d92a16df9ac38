//! The SQL of `store::enrollment`: an enrollment written with the application's move to `enrolled`, and read
//! back.

use chrono::{DateTime, Utc};
use domain::{ApplicationState as S, DedupStatus, Event, TrackingCode};
use sqlx::{ColumnIndex, Encode, Executor, Type};
use store::enrollment::*;
use store::{Enrollments, Result, StoreError};

use crate::{
    db_err as err, get,
    rows::{bad_json, fingers_json, holder_json, office, state, tracking},
    Columns, Conn, Db, DbRow, Engine, Scalar, SqlStore,
};

const ENROLLMENT_COLUMNS: &str = "e.application_id, a.tracking_code, a.state, e.office_id, \
    e.destination_office, e.operator, e.enrolled_at, e.birth_certificate_seen, \
    e.old_card_collected, e.holder, e.fingers, e.photo_key, e.card_photo_key, e.signature_key, \
    e.templates_key, e.personalisation_key, e.dedup";

fn enrollment(row: &impl Columns) -> Result<Enrollment> {
    let st: String = get(row, "state")?;
    let dedup: String = get(row, "dedup")?;
    Ok(Enrollment {
        application_id: get(row, "application_id")?,
        tracking_code: tracking(row, "tracking_code")?,
        state: state(&st)?,
        office: office(row, "office_id")?,
        destination: office(row, "destination_office")?,
        operator: get(row, "operator")?,
        enrolled_at: get(row, "enrolled_at")?,
        birth_certificate_seen: get(row, "birth_certificate_seen")?,
        old_card_collected: get(row, "old_card_collected")?,
        holder: holder_json(row, "holder")?,
        fingers: fingers_json(row, "fingers")?,
        photo_key: get(row, "photo_key")?,
        card_photo_key: get(row, "card_photo_key")?,
        signature_key: get(row, "signature_key")?,
        templates_key: get(row, "templates_key")?,
        personalisation_key: get(row, "personalisation_key")?,
        dedup: DedupStatus::parse(&dedup).ok_or_else(|| StoreError::corrupt("dedup", &dedup))?,
    })
}

#[async_trait::async_trait]
impl<E: Engine> Enrollments for SqlStore<E>
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
    async fn enroll(&self, e: &NewEnrollment) -> Result<Enrolled> {
        let mut tx = self.pool.begin_with(E::BEGIN).await.map_err(err)?;
        let done = Self::enroll_in(&mut tx, e).await?;
        if matches!(done, Enrolled::Done { .. }) {
            tx.commit().await.map_err(err)?;
        }
        Ok(done)
    }

    async fn enrollment(&self, t: &TrackingCode) -> Result<Option<Enrollment>> {
        let sql = format!(
            "SELECT {ENROLLMENT_COLUMNS} FROM enrollments e \
             JOIN applications a ON a.id = e.application_id WHERE a.tracking_code = $1"
        );
        sqlx::query(&sql)
            .bind(t.as_str())
            .fetch_optional(&self.pool)
            .await
            .map_err(err)?
            .as_ref()
            .map(enrollment)
            .transpose()
    }
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
    /// The enrollment's writes inside the caller's transaction (which commits only on `Done`).
    pub(crate) async fn enroll_in(tx: &mut Conn<E>, e: &NewEnrollment) -> Result<Enrolled> {
        let row = sqlx::query(
            "SELECT a.id, a.state, p.office_id FROM applications a \
             LEFT JOIN appointments p ON p.application_id = a.id WHERE a.tracking_code = $1",
        )
        .bind(e.tracking_code.as_str())
        .fetch_optional(&mut *tx)
        .await
        .map_err(err)?;
        let Some(row) = row else {
            return Ok(Enrolled::NotFound);
        };
        let id: i64 = get(&row, "id")?;
        let st = state(&get::<String, _>(&row, "state")?)?;
        let booked_at: Option<String> = get(&row, "office_id")?;
        if st != S::AppointmentBooked {
            return Ok(Enrolled::WrongState(st));
        }
        if booked_at.as_deref() != Some(e.office.as_str()) {
            return Ok(Enrolled::OtherOffice);
        }
        if !Self::move_one(
            &mut *tx,
            id,
            S::AppointmentBooked,
            Event::Enrolled,
            &e.change,
        )
        .await?
        {
            let now: String = sqlx::query_scalar("SELECT state FROM applications WHERE id = $1")
                .bind(id)
                .fetch_one(&mut *tx)
                .await
                .map_err(err)?;
            return Ok(Enrolled::WrongState(state(&now)?));
        }
        sqlx::query(
            "INSERT INTO enrollments (application_id, office_id, destination_office, operator, \
             enrolled_at, birth_certificate_seen, old_card_collected, holder, fingers, photo_key, \
             card_photo_key, signature_key, templates_key, personalisation_key, dedup) \
             VALUES ($1, $2, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, 'pending')",
        )
        .bind(id)
        .bind(e.office.as_str())
        .bind(&e.change.actor)
        .bind(e.change.at)
        .bind(e.birth_certificate_seen)
        .bind(e.old_card_collected)
        .bind(serde_json::to_string(&e.holder).map_err(bad_json)?)
        .bind(serde_json::to_string(&e.fingers).map_err(bad_json)?)
        .bind(&e.photo_key)
        .bind(&e.card_photo_key)
        .bind(&e.signature_key)
        .bind(&e.templates_key)
        .bind(&e.personalisation_key)
        .execute(&mut *tx)
        .await
        .map_err(err)?;
        Ok(Enrolled::Done { application_id: id })
    }
}

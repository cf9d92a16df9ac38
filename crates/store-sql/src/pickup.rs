//! The SQL of `store::pickup`: the card at the desk, fingerprint attempts, the hand-over, and the end of the
//! pickup period.

use chrono::{DateTime, Utc};
use domain::{
    ApplicationState as S, Event, HistoryReason, NationalCode, OfficeId, TrackingCode,
    UncollectedReason,
};
use sqlx::{ColumnIndex, Encode, Executor, Type};
use store::applications::Change;
use store::enrollment::CardHolder;
use store::pickup::*;
use store::{Pickup, Result};

use crate::{
    corrupt, db_err as err, get,
    rows::{fingers_json, holder_json, serial, state, tracking},
    u, Conn, Db, DbRow, Engine, Scalar, SqlStore,
};

#[async_trait::async_trait]
impl<E: Engine> Pickup for SqlStore<E>
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
    async fn pickup_card(&self, t: &TrackingCode) -> Result<Option<PickupCard>> {
        let row = sqlx::query(
            "SELECT a.id, a.tracking_code, a.national_code, a.state, c.office_id, c.chip_serial, \
             e.templates_key, e.fingers FROM applications a \
             JOIN cards c ON c.application_id = a.id AND c.status <> 'revoked' \
             JOIN enrollments e ON e.application_id = a.id WHERE a.tracking_code = $1",
        )
        .bind(t.as_str())
        .fetch_optional(&self.pool)
        .await
        .map_err(err)?;
        let Some(r) = row else { return Ok(None) };
        let office_id: Option<String> = get(&r, "office_id")?;
        let Some(office_id) = office_id else {
            return Ok(None);
        };
        Ok(Some(PickupCard {
            application_id: get(&r, "id")?,
            tracking_code: tracking(&r, "tracking_code")?,
            national_code: NationalCode::parse(&get::<String, _>(&r, "national_code")?)
                .map_err(corrupt("national_code"))?,
            state: state(&get::<String, _>(&r, "state")?)?,
            office: OfficeId::parse(&office_id).map_err(corrupt("office_id"))?,
            chip_serial: serial(&r, "chip_serial")?,
            templates_key: get(&r, "templates_key")?,
            fingers: fingers_json(&r, "fingers")?,
        }))
    }

    async fn record_pickup_attempt(
        &self,
        application_id: i64,
        at_office: &OfficeId,
        a: &PickupAttempt,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO pickup_attempts (application_id, office_id, operator, at, position, score, \
             matched) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(application_id)
        .bind(at_office.as_str())
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

    async fn pickup_attempts(&self, application_id: i64) -> Result<Vec<PickupAttempt>> {
        let rows = sqlx::query(
            "SELECT at, operator, position, score, matched FROM pickup_attempts \
             WHERE application_id = $1 ORDER BY id",
        )
        .bind(application_id)
        .fetch_all(&self.pool)
        .await
        .map_err(err)?;
        rows.iter()
            .map(|r| {
                Ok(PickupAttempt {
                    at: get(r, "at")?,
                    operator: get(r, "operator")?,
                    position: u8::try_from(get::<i64, _>(r, "position")?).unwrap_or(0),
                    score: get(r, "score")?,
                    matched: get(r, "matched")?,
                })
            })
            .collect()
    }

    async fn deliver(
        &self,
        t: &TrackingCode,
        at_office: &OfficeId,
        pickup_fee_rials: u64,
        change: &Change,
    ) -> Result<bool> {
        let mut tx = self.pool.begin_with(E::BEGIN).await.map_err(err)?;
        let row = sqlx::query(
            "SELECT a.id, a.state, a.national_code, a.province_code, a.created_at, c.chip_serial, \
             c.ready_at FROM applications a JOIN cards c ON c.application_id = a.id AND c.status = 'produced' \
             WHERE a.tracking_code = $1 AND c.office_id = $2",
        )
        .bind(t.as_str())
        .bind(at_office.as_str())
        .fetch_optional(&mut *tx)
        .await
        .map_err(err)?;
        let Some(row) = row else { return Ok(false) };
        let id: i64 = get(&row, "id")?;
        let st = state(&get::<String, _>(&row, "state")?)?;
        let code: String = get(&row, "national_code")?;
        let ser: String = get(&row, "chip_serial")?;
        let event = match st {
            S::ReadyForPickup => Event::PickedUp,
            S::Uncollected => Event::CollectedLate,
            _ => return Ok(false),
        };
        if !Self::move_one(&mut tx, id, st, event, change).await? {
            return Ok(false);
        }
        let created: DateTime<Utc> = get(&row, "created_at")?;
        let province: Option<String> = get(&row, "province_code")?;
        sqlx::query(
            "INSERT INTO lead_time_counts (province_code, days, n) VALUES ($1, $2, 1) \
             ON CONFLICT (province_code, days) DO UPDATE SET n = lead_time_counts.n + 1",
        )
        .bind(province.as_deref().unwrap_or(""))
        .bind((change.at - created).num_days().max(0))
        .execute(&mut *tx)
        .await
        .map_err(err)?;
        if let Some(ready) = get::<Option<DateTime<Utc>>, _>(&row, "ready_at")? {
            let days = (change.at - ready).num_days();
            let p = province.as_deref().unwrap_or("");
            Self::count_wait(&mut tx, p, at_office.as_str(), days).await?;
        }
        // The card the new one replaces stops being valid.
        let old = sqlx::query(
            "SELECT chip_serial, application_id FROM cards WHERE national_code = $1 \
             AND status = 'active' AND application_id <> $2",
        )
        .bind(&code)
        .bind(id)
        .fetch_all(&mut *tx)
        .await
        .map_err(err)?;
        for o in &old {
            let replaced = change.because(HistoryReason::note(format!("replaced by card {ser}")));
            Self::revoke_one(
                &mut tx,
                &get::<String, _>(o, "chip_serial")?,
                get(o, "application_id")?,
                "replaced",
                &replaced,
            )
            .await?;
        }
        // The holder is at the desk and matched: the card's certificates come off hold.
        Self::release_certificates_of_card(&mut tx, &ser, change.at).await?;
        sqlx::query(
            "UPDATE cards SET status = 'active', activated_at = $1, pickup_fee_rials = $2 \
             WHERE chip_serial = $3",
        )
        .bind(change.at)
        .bind(u(pickup_fee_rials))
        .bind(&ser)
        .execute(&mut *tx)
        .await
        .map_err(err)?;
        tx.commit().await.map_err(err)?;
        Ok(true)
    }

    async fn expire_pickups(
        &self,
        ready_before: DateTime<Utc>,
        change: &Change,
        limit: u32,
    ) -> Result<u64> {
        let rows = sqlx::query(&format!(
            "SELECT a.id, a.province_code, c.chip_serial, a.sms_failed, e.holder, p.death_date_jalali, \
             p.postal_code FROM cards c JOIN applications a ON a.id = c.application_id \
             JOIN enrollments e ON e.application_id = a.id \
             LEFT JOIN persons p ON p.national_code = {} \
             WHERE c.status = 'produced' AND c.ready_at < $1 AND a.state = 'ready_for_pickup' \
             ORDER BY c.ready_at LIMIT $2",
            E::PERSON_CODE
        ))
        .bind(ready_before)
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await
        .map_err(err)?;
        let mut n = 0;
        for r in &rows {
            let id: i64 = get(r, "id")?;
            let holder: CardHolder = holder_json(r, "holder")?;
            let death: Option<String> = get(r, "death_date_jalali")?;
            let postal: Option<String> = get(r, "postal_code")?;
            let reason = UncollectedReason::infer(
                death.is_some(),
                postal.is_some() && postal != holder.postal_code,
                get(r, "sms_failed")?,
            );
            let mut tx = self.pool.begin_with(E::BEGIN).await.map_err(err)?;
            let why = change.because(HistoryReason::Uncollected(reason));
            if Self::move_one(
                &mut tx,
                id,
                S::ReadyForPickup,
                Event::PickupPeriodExpired,
                &why,
            )
            .await?
            {
                sqlx::query(
                    "UPDATE cards SET uncollected_reason = $1, uncollected_since = $2 WHERE chip_serial = $3",
                )
                .bind(reason.as_str())
                .bind(change.at.format("%Y-%m-%d").to_string())
                .bind(get::<String, _>(r, "chip_serial")?)
                .execute(&mut *tx)
                .await
                .map_err(err)?;
                let province: Option<String> = get(r, "province_code")?;
                Self::uncollected_delta(&mut tx, id, province.as_deref(), 1).await?;
                n += 1;
            }
            tx.commit().await.map_err(err)?;
        }
        Ok(n)
    }
}

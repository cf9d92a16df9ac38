//! The SQL of `store::kits`: kits and their approvals, packets taken with their enrollment in one transaction,
//! and a kit's own packets waiting to be sent.

use chrono::{DateTime, Utc};
use domain::{ApplicationState, HistoryEvent};
use sqlx::{ColumnIndex, Encode, Executor, Type};
use store::applications::Change;
use store::enrollment::{Enrolled, NewEnrollment};
use store::kits::*;
use store::{Kits, Result, StoreError};

use crate::{db_err as err, get, rows::office, Columns, Conn, Db, DbRow, Engine, Scalar, SqlStore};

const KIT_COLUMNS: &str = "kit_id, unit_office, public_key, state, registered_at, approved_by, \
    approved_at, revoked_by, revoked_at";
const TAKEN_COLUMNS: &str = "digest, packet_id, kit_id, tracking_code, answer, taken_at";
const KIT_PACKET_COLUMNS: &str =
    "packet_id, visit_id, tracking_code, sealed, made_at, state, code, answer, answered_at";

fn kit(row: &impl Columns) -> Result<Kit> {
    let st: String = get(row, "state")?;
    Ok(Kit {
        kit_id: get(row, "kit_id")?,
        unit_office: office(row, "unit_office")?,
        public_key: get(row, "public_key")?,
        state: KitState::parse(&st).ok_or_else(|| StoreError::corrupt("state", &st))?,
        registered_at: get(row, "registered_at")?,
        approved_by: get(row, "approved_by")?,
        approved_at: get(row, "approved_at")?,
        revoked_by: get(row, "revoked_by")?,
        revoked_at: get(row, "revoked_at")?,
    })
}

fn taken(row: &impl Columns) -> Result<TakenPacket> {
    Ok(TakenPacket {
        digest: get(row, "digest")?,
        packet_id: get(row, "packet_id")?,
        kit_id: get(row, "kit_id")?,
        tracking_code: get(row, "tracking_code")?,
        answer: get(row, "answer")?,
        taken_at: get(row, "taken_at")?,
    })
}

fn kit_packet(row: &impl Columns) -> Result<KitPacket> {
    Ok(KitPacket {
        packet_id: get(row, "packet_id")?,
        visit_id: get(row, "visit_id")?,
        tracking_code: get(row, "tracking_code")?,
        sealed: get::<Option<Vec<u8>>, _>(row, "sealed")?.unwrap_or_default(),
        made_at: get(row, "made_at")?,
        state: get(row, "state")?,
        code: get(row, "code")?,
        answer: get(row, "answer")?,
        answered_at: get(row, "answered_at")?,
    })
}

#[async_trait::async_trait]
impl<E: Engine> Kits for SqlStore<E>
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
    async fn register_kit(&self, k: &NewKit) -> Result<Kit> {
        let mut tx = self.pool.begin_with(E::BEGIN).await.map_err(err)?;
        sqlx::query(
            "INSERT INTO kits (kit_id, unit_office, public_key, state, registered_at) \
             VALUES ($1, $2, $3, 'pending', $4) ON CONFLICT (kit_id) DO NOTHING",
        )
        .bind(&k.kit_id)
        .bind(k.unit_office.as_str())
        .bind(&k.public_key)
        .bind(k.at)
        .execute(&mut *tx)
        .await
        .map_err(err)?;
        let row = sqlx::query(&format!("SELECT {KIT_COLUMNS} FROM kits WHERE kit_id = $1"))
            .bind(&k.kit_id)
            .fetch_one(&mut *tx)
            .await
            .map_err(err)?;
        let found = kit(&row)?;
        if found.public_key != k.public_key || found.unit_office != k.unit_office {
            return Err(StoreError::Conflict(
                "a kit with this id is registered with another key or unit".into(),
            ));
        }
        tx.commit().await.map_err(err)?;
        Ok(found)
    }

    async fn kit(&self, kit_id: &str) -> Result<Option<Kit>> {
        sqlx::query(&format!("SELECT {KIT_COLUMNS} FROM kits WHERE kit_id = $1"))
            .bind(kit_id)
            .fetch_optional(&self.pool)
            .await
            .map_err(err)?
            .as_ref()
            .map(kit)
            .transpose()
    }

    async fn change_kit(
        &self,
        kit_id: &str,
        to: KitState,
        actor: &str,
        at: DateTime<Utc>,
    ) -> Result<KitChanged> {
        let sql = match to {
            KitState::Approved => {
                "UPDATE kits SET state = 'approved', approved_by = $2, approved_at = $3 \
                 WHERE kit_id = $1 AND state = 'pending'"
            }
            KitState::Revoked => {
                "UPDATE kits SET state = 'revoked', revoked_by = $2, revoked_at = $3 \
                 WHERE kit_id = $1 AND state IN ('pending', 'approved')"
            }
            KitState::Pending => {
                return Err(StoreError::Invalid(
                    "a kit never goes back to pending".into(),
                ))
            }
        };
        let mut tx = self.pool.begin_with(E::BEGIN).await.map_err(err)?;
        let moved = sqlx::query(sql)
            .bind(kit_id)
            .bind(actor)
            .bind(at)
            .execute(&mut *tx)
            .await
            .map_err(err)?;
        let row = sqlx::query(&format!("SELECT {KIT_COLUMNS} FROM kits WHERE kit_id = $1"))
            .bind(kit_id)
            .fetch_optional(&mut *tx)
            .await
            .map_err(err)?;
        let Some(row) = row else {
            return Ok(KitChanged::NotFound);
        };
        let now = kit(&row)?;
        if E::rows_affected(&moved) == 0 {
            return Ok(KitChanged::Refused(now.state));
        }
        tx.commit().await.map_err(err)?;
        Ok(KitChanged::Done(now))
    }

    async fn packet_taken(&self, digest: &str) -> Result<Option<TakenPacket>> {
        sqlx::query(&format!(
            "SELECT {TAKEN_COLUMNS} FROM packets_taken WHERE digest = $1"
        ))
        .bind(digest)
        .fetch_optional(&self.pool)
        .await
        .map_err(err)?
        .as_ref()
        .map(taken)
        .transpose()
    }

    async fn take_packet(&self, e: &NewEnrollment, p: &NewPacket) -> Result<PacketTaken> {
        let mut tx = self.pool.begin_with(E::BEGIN).await.map_err(err)?;
        let before = sqlx::query(&format!(
            "SELECT {TAKEN_COLUMNS} FROM packets_taken WHERE digest = $1 OR packet_id = $2"
        ))
        .bind(&p.digest)
        .bind(&p.packet_id)
        .fetch_optional(&mut *tx)
        .await
        .map_err(err)?;
        if let Some(row) = before {
            return Ok(PacketTaken::Duplicate(taken(&row)?));
        }
        let application_id = match Self::enroll_in(&mut tx, e).await? {
            Enrolled::Done { application_id } => application_id,
            other => return Ok(PacketTaken::Refused(other)),
        };
        sqlx::query(
            "INSERT INTO packets_taken (digest, packet_id, kit_id, visit_id, application_id, \
             tracking_code, channel, answer, taken_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(&p.digest)
        .bind(&p.packet_id)
        .bind(&p.kit_id)
        .bind(p.visit_id)
        .bind(application_id)
        .bind(e.tracking_code.as_str())
        .bind(&p.channel)
        .bind(&p.answer)
        .bind(e.change.at)
        .execute(&mut *tx)
        .await
        .map_err(err)?;
        tx.commit().await.map_err(err)?;
        Ok(PacketTaken::Taken { application_id })
    }

    async fn enroll_keeping_packet(&self, e: &NewEnrollment, p: &KitPacket) -> Result<Enrolled> {
        let mut tx = self.pool.begin_with(E::BEGIN).await.map_err(err)?;
        let done = Self::enroll_in(&mut tx, e).await?;
        if !matches!(done, Enrolled::Done { .. }) {
            return Ok(done);
        }
        sqlx::query(
            "INSERT INTO kit_packets (packet_id, visit_id, tracking_code, sealed, made_at, state) \
             VALUES ($1, $2, $3, $4, $5, 'waiting')",
        )
        .bind(&p.packet_id)
        .bind(p.visit_id)
        .bind(&p.tracking_code)
        .bind(p.sealed.as_slice())
        .bind(p.made_at)
        .execute(&mut *tx)
        .await
        .map_err(err)?;
        tx.commit().await.map_err(err)?;
        Ok(done)
    }

    async fn load_kit_applications(&self, apps: &[KitApplication], change: &Change) -> Result<u32> {
        let mut tx = self.pool.begin_with(E::BEGIN).await.map_err(err)?;
        let mut new = 0;
        let to = ApplicationState::AppointmentBooked;
        for k in apps {
            let a = &k.application;
            let p = &k.appointment;
            let id: Option<i64> = sqlx::query_scalar(
                "INSERT INTO applications (tracking_code, national_code, reason, channel, mobile, \
                 fee_rials, state, active, filing_office, province_code, office_id, created_at, \
                 updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12) \
                 ON CONFLICT (tracking_code) DO NOTHING RETURNING id",
            )
            .bind(a.tracking_code.as_str())
            .bind(a.national_code.as_str())
            .bind(a.reason.as_str())
            .bind(a.channel.as_str())
            .bind(a.mobile.as_str())
            .bind(crate::u(a.fee_rials))
            .bind(to.as_str())
            .bind(to.is_active())
            .bind(a.filing_office.as_ref().map(|o| o.as_str()))
            .bind(a.province.map(|p| p.as_str()))
            .bind(p.office_id.as_str())
            .bind(a.at)
            .fetch_optional(&mut *tx)
            .await
            .map_err(err)?;
            let Some(id) = id else { continue };
            let day = p.date.to_string();
            sqlx::query(
                "INSERT INTO office_days (office_id, day, booked) VALUES ($1, $2, 1) \
                 ON CONFLICT (office_id, day) DO UPDATE SET booked = office_days.booked + 1",
            )
            .bind(p.office_id.as_str())
            .bind(day.as_str())
            .execute(&mut *tx)
            .await
            .map_err(err)?;
            sqlx::query(
                "INSERT INTO appointments (application_id, office_id, day, slot, booked_at) \
                 VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(id)
            .bind(p.office_id.as_str())
            .bind(day.as_str())
            .bind(i64::from(p.slot))
            .bind(change.at)
            .execute(&mut *tx)
            .await
            .map_err(err)?;
            Self::record_event(&mut tx, id, None, to, HistoryEvent::Seeded, change).await?;
            Self::count(&mut tx, a.province.map(|p| p.as_str()), None, to).await?;
            new += 1;
        }
        tx.commit().await.map_err(err)?;
        Ok(new)
    }

    async fn kit_packets(&self) -> Result<Vec<KitPacket>> {
        let rows = sqlx::query(&format!(
            "SELECT {KIT_PACKET_COLUMNS} FROM kit_packets ORDER BY made_at, packet_id"
        ))
        .fetch_all(&self.pool)
        .await
        .map_err(err)?;
        rows.iter().map(kit_packet).collect()
    }

    async fn answer_kit_packet(
        &self,
        packet_id: &str,
        state: &str,
        code: Option<&str>,
        answer: &str,
        at: DateTime<Utc>,
    ) -> Result<()> {
        let mut tx = self.pool.begin_with(E::BEGIN).await.map_err(err)?;
        sqlx::query(
            "UPDATE kit_packets SET state = $2, code = $3, answer = $4, answered_at = $5 \
             WHERE packet_id = $1",
        )
        .bind(packet_id)
        .bind(state)
        .bind(code)
        .bind(answer)
        .bind(at)
        .execute(&mut *tx)
        .await
        .map_err(err)?;
        tx.commit().await.map_err(err)?;
        Ok(())
    }
}

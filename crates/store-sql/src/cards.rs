//! The SQL of `store::cards`: cards looked up, transferred to another office, revoked, and the registry's
//! deaths applied.

use chrono::{DateTime, Utc};
use domain::{
    ApplicationState as S, ChipSerial, Event, HistoryEvent, HistoryReason, NationalCode, OfficeId,
    TrackingCode, UncollectedReason,
};
use sqlx::{ColumnIndex, Encode, Executor, Type};
use store::applications::Change;
use store::cards::*;
use store::{Cards, Result};

use crate::{
    corrupt, db_err as err, get,
    rows::{serial, state, tracking},
    Columns, Conn, Db, DbRow, Engine, Scalar, SqlStore,
};

fn card(row: &impl Columns) -> Result<Card> {
    let reason: Option<String> = get(row, "uncollected_reason")?;
    let office_id: Option<String> = get(row, "office_id")?;
    Ok(Card {
        chip_serial: serial(row, "chip_serial")?,
        application_id: get(row, "application_id")?,
        tracking_code: tracking(row, "tracking_code")?,
        national_code: NationalCode::parse(&get::<String, _>(row, "national_code")?)
            .map_err(corrupt("national_code"))?,
        status: get(row, "status")?,
        office: office_id
            .as_deref()
            .map(OfficeId::parse)
            .transpose()
            .map_err(corrupt("office_id"))?,
        uncollected_reason: reason.as_deref().and_then(UncollectedReason::parse),
        ready_at: get(row, "ready_at")?,
        suspended_at: get(row, "suspended_at")?,
    })
}

const CARD_SQL: &str = "SELECT c.chip_serial, c.application_id, a.tracking_code, c.national_code, \
    c.status, c.office_id, c.uncollected_reason, c.ready_at, c.suspended_at FROM cards c \
    JOIN applications a ON a.id = c.application_id";

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
    /// Revokes one card and moves its application to `revoked` where the state machine allows.
    pub(crate) async fn revoke_one(
        conn: &mut Conn<E>,
        serial: &str,
        application_id: i64,
        reason: &str,
        change: &Change,
    ) -> Result<()> {
        sqlx::query(
            "UPDATE cards SET status = 'revoked', revoked_at = $1, revoke_reason = $2 \
             WHERE chip_serial = $3",
        )
        .bind(change.at)
        .bind(reason)
        .bind(serial)
        .execute(&mut *conn)
        .await
        .map_err(err)?;
        // The card's certificates follow it (RFC 5280 reasons): a replacement supersedes them, a death ends them,
        // anything else (a lost or stolen card) is a key that may be in other hands.
        let certificate_reason = match reason {
            "replaced" => "superseded",
            "deceased" => "cessationOfOperation",
            _ => "keyCompromise",
        };
        Self::revoke_certificates_of(&mut *conn, application_id, certificate_reason, change.at)
            .await?;
        let st: Option<String> = sqlx::query_scalar("SELECT state FROM applications WHERE id = $1")
            .bind(application_id)
            .fetch_optional(&mut *conn)
            .await
            .map_err(err)?;
        if let Some(st) = st {
            let from = state(&st)?;
            if from.transition(Event::Revoked).is_ok() {
                Self::move_one(&mut *conn, application_id, from, Event::Revoked, change).await?;
            }
        }
        Ok(())
    }
}

#[async_trait::async_trait]
impl<E: Engine> Cards for SqlStore<E>
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
    async fn card(&self, s: &ChipSerial) -> Result<Option<Card>> {
        sqlx::query(&format!("{CARD_SQL} WHERE c.chip_serial = $1"))
            .bind(s.as_str())
            .fetch_optional(&self.pool)
            .await
            .map_err(err)?
            .as_ref()
            .map(card)
            .transpose()
    }

    async fn card_by_document_number(&self, document_number: &str) -> Result<Option<Card>> {
        sqlx::query(&format!(
            "{CARD_SQL} JOIN batch_cards b ON b.chip_serial = c.chip_serial \
             JOIN documents d ON d.batch_id = b.batch_id AND d.application_id = b.application_id \
             WHERE d.document_number = $1"
        ))
        .bind(document_number)
        .fetch_optional(&self.pool)
        .await
        .map_err(err)?
        .as_ref()
        .map(card)
        .transpose()
    }

    async fn card_of_application(&self, application_id: i64) -> Result<Option<Card>> {
        sqlx::query(&format!(
            "{CARD_SQL} WHERE c.application_id = $1 ORDER BY c.status = 'revoked', c.produced_at DESC"
        ))
        .bind(application_id)
        .fetch_optional(&self.pool)
        .await
        .map_err(err)?
        .as_ref()
        .map(card)
        .transpose()
    }

    async fn transfer(
        &self,
        t: &TrackingCode,
        to: &OfficeId,
        change: &Change,
    ) -> Result<Transferred> {
        let mut tx = self.pool.begin_with(E::BEGIN).await.map_err(err)?;
        let row = sqlx::query(
            "SELECT a.id, a.state, e.destination_office FROM applications a \
             JOIN enrollments e ON e.application_id = a.id WHERE a.tracking_code = $1",
        )
        .bind(t.as_str())
        .fetch_optional(&mut *tx)
        .await
        .map_err(err)?;
        let Some(row) = row else {
            return Ok(Transferred::NotFound);
        };
        let id: i64 = get(&row, "id")?;
        let st = state(&get::<String, _>(&row, "state")?)?;
        let from: String = get(&row, "destination_office")?;
        if from == to.as_str() {
            return Ok(Transferred::SameOffice);
        }
        let exists: Option<String> =
            sqlx::query_scalar("SELECT office_id FROM offices WHERE office_id = $1")
                .bind(to.as_str())
                .fetch_optional(&mut *tx)
                .await
                .map_err(err)?;
        if exists.is_none() {
            return Ok(Transferred::NotFound);
        }
        let outcome = match st {
            S::Enrolled | S::InProduction | S::ProductionFailed => {
                let why = change.because(HistoryReason::note(format!(
                    "destination {from} -> {}",
                    to.as_str()
                )));
                Self::note(&mut tx, id, st, HistoryEvent::DESTINATION_CHANGED, &why).await?;
                Transferred::Redirected
            }
            S::ReadyForPickup | S::Uncollected => {
                let ser: String = sqlx::query_scalar(
                    "SELECT chip_serial FROM cards WHERE application_id = $1 AND status = 'produced'",
                )
                .bind(id)
                .fetch_one(&mut *tx)
                .await
                .map_err(err)?;
                let why = change.because(HistoryReason::note(format!(
                    "card sent from {from} to {}",
                    to.as_str()
                )));
                Self::move_one(&mut tx, id, st, Event::Transferred, &why).await?;
                let sid: i64 = sqlx::query_scalar(
                    "INSERT INTO shipments (from_office, to_office, state, created_at) \
                     VALUES ($1, $2, 'in_transit', $3) RETURNING id",
                )
                .bind(&from)
                .bind(to.as_str())
                .bind(change.at)
                .fetch_one(&mut *tx)
                .await
                .map_err(err)?;
                sqlx::query(
                    "INSERT INTO shipment_cards (shipment_id, application_id, chip_serial) VALUES ($1, $2, $3)",
                )
                .bind(sid)
                .bind(id)
                .bind(&ser)
                .execute(&mut *tx)
                .await
                .map_err(err)?;
                sqlx::query(
                    "UPDATE cards SET office_id = NULL, ready_at = NULL, uncollected_reason = NULL, \
                     uncollected_since = NULL WHERE chip_serial = $1",
                )
                .bind(&ser)
                .execute(&mut *tx)
                .await
                .map_err(err)?;
                sqlx::query("UPDATE applications SET office_id = NULL WHERE id = $1")
                    .bind(id)
                    .execute(&mut *tx)
                    .await
                    .map_err(err)?;
                Transferred::Shipped { shipment_id: sid }
            }
            other => return Ok(Transferred::WrongState(other)),
        };
        sqlx::query("UPDATE enrollments SET destination_office = $1 WHERE application_id = $2")
            .bind(to.as_str())
            .bind(id)
            .execute(&mut *tx)
            .await
            .map_err(err)?;
        let shipment_id = match &outcome {
            Transferred::Shipped { shipment_id } => Some(*shipment_id),
            _ => None,
        };
        sqlx::query(
            "INSERT INTO transfers (application_id, from_office, to_office, shipment_id, actor, at) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(id)
        .bind(&from)
        .bind(to.as_str())
        .bind(shipment_id)
        .bind(&change.actor)
        .bind(change.at)
        .execute(&mut *tx)
        .await
        .map_err(err)?;
        tx.commit().await.map_err(err)?;
        Ok(outcome)
    }

    async fn revoke_cards_of(
        &self,
        code: &NationalCode,
        change: &Change,
    ) -> Result<Vec<ChipSerial>> {
        let mut tx = self.pool.begin_with(E::BEGIN).await.map_err(err)?;
        let rows = sqlx::query(
            "SELECT chip_serial, application_id FROM cards WHERE national_code = $1 \
             AND status IN ('produced', 'active') ORDER BY chip_serial",
        )
        .bind(code.as_str())
        .fetch_all(&mut *tx)
        .await
        .map_err(err)?;
        let mut out = Vec::new();
        for r in &rows {
            let ser: String = get(r, "chip_serial")?;
            let reason = change
                .reason
                .as_ref()
                .map_or_else(|| "revoked".into(), ToString::to_string);
            Self::revoke_one(&mut tx, &ser, get(r, "application_id")?, &reason, change).await?;
            out.push(ChipSerial::parse(&ser).map_err(corrupt("chip_serial"))?);
        }
        tx.commit().await.map_err(err)?;
        Ok(out)
    }

    async fn suspend_card(&self, application_id: i64, change: &Change) -> Result<Suspended> {
        let Some((serial, newly)) = self.suspend(application_id, change).await? else {
            return Ok(Suspended::NoCard);
        };
        let card = self
            .card(&serial)
            .await?
            .ok_or_else(|| corrupt("chip_serial")("the suspended card vanished"))?;
        Ok(if newly {
            Suspended::Suspended(card)
        } else {
            Suspended::Already(card)
        })
    }

    async fn reactivate_card(&self, serial: &ChipSerial, change: &Change) -> Result<bool> {
        self.reactivate(serial, change).await
    }

    async fn revoke_suspended(
        &self,
        before: DateTime<Utc>,
        change: &Change,
        limit: u32,
    ) -> Result<Vec<ChipSerial>> {
        self.revoke_suspended_before(before, change, limit).await
    }

    async fn apply_deaths(&self, change: &Change, limit: u32) -> Result<u64> {
        let rows = sqlx::query(&format!(
            "SELECT a.id, a.state, a.national_code FROM applications a \
             JOIN persons p ON p.national_code = {} WHERE p.death_date_jalali IS NOT NULL \
             AND (a.active OR a.state = 'delivered') ORDER BY a.id LIMIT $1",
            E::PERSON_CODE
        ))
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await
        .map_err(err)?;
        let mut n = 0;
        for r in &rows {
            let id: i64 = get(r, "id")?;
            let st = state(&get::<String, _>(r, "state")?)?;
            let mut tx = self.pool.begin_with(E::BEGIN).await.map_err(err)?;
            // The application's row, if still where it was read: another instance applying the same death waits
            // here, then finds it moved and leaves it (its cards and certificates are revoked once).
            let claimed: Option<i64> = sqlx::query_scalar(
                "UPDATE applications SET updated_at = updated_at WHERE id = $1 AND state = $2 RETURNING id",
            )
            .bind(id)
            .bind(st.as_str())
            .fetch_optional(&mut *tx)
            .await
            .map_err(err)?;
            if claimed.is_none() {
                continue;
            }
            let moved = if st.transition(Event::Cancelled).is_ok() {
                if st == S::AppointmentBooked {
                    // The booked place is given back.
                    let appt = sqlx::query(
                        "DELETE FROM appointments WHERE application_id = $1 RETURNING office_id, day",
                    )
                    .bind(id)
                    .fetch_optional(&mut *tx)
                    .await
                    .map_err(err)?;
                    if let Some(p) = appt {
                        sqlx::query(
                            "UPDATE office_days SET booked = booked - 1 WHERE office_id = $1 \
                             AND day = $2 AND booked > 0",
                        )
                        .bind(get::<String, _>(&p, "office_id")?)
                        .bind(get::<String, _>(&p, "day")?)
                        .execute(&mut *tx)
                        .await
                        .map_err(err)?;
                    }
                }
                Self::move_one(&mut tx, id, st, Event::Cancelled, change).await?
            } else {
                let cards: Vec<String> = sqlx::query_scalar(
                    "SELECT chip_serial FROM cards WHERE application_id = $1 \
                     AND status IN ('produced', 'active')",
                )
                .bind(id)
                .fetch_all(&mut *tx)
                .await
                .map_err(err)?;
                for ser in &cards {
                    sqlx::query(
                        "UPDATE cards SET status = 'revoked', revoked_at = $1, \
                         revoke_reason = 'deceased' WHERE chip_serial = $2",
                    )
                    .bind(change.at)
                    .bind(ser)
                    .execute(&mut *tx)
                    .await
                    .map_err(err)?;
                }
                Self::revoke_certificates_of(&mut tx, id, "cessationOfOperation", change.at)
                    .await?;
                if st.transition(Event::Revoked).is_ok() {
                    Self::move_one(&mut tx, id, st, Event::Revoked, change).await?
                } else {
                    false
                }
            };
            tx.commit().await.map_err(err)?;
            if moved {
                n += 1;
            }
        }
        Ok(n)
    }
}

//! The SQL of `store::shipments`: shipments read back with their cards, and received at an office card by
//! card.

use chrono::{DateTime, Utc};
use domain::{ApplicationState as S, ChipSerial, Event, HistoryReason, OfficeId};
use sqlx::{ColumnIndex, Encode, Executor, Type};
use std::collections::HashSet;
use store::applications::Change;
use store::shipments::*;
use store::{Result, Shipments, StoreError};

use crate::{
    corrupt, db_err as err, get,
    rows::{office, serial, tracking},
    Conn, Db, DbRow, Engine, Scalar, SqlStore,
};

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
    pub(crate) async fn shipment_of(conn: &mut Conn<E>, id: i64) -> Result<Option<Shipment>> {
        let Some(row) = sqlx::query(
            "SELECT id, batch_id, from_office, to_office, state, created_at, received_at, \
             received_by FROM shipments WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(&mut *conn)
        .await
        .map_err(err)?
        else {
            return Ok(None);
        };
        let cards = sqlx::query(
            "SELECT a.tracking_code, s.chip_serial, s.arrived FROM shipment_cards s \
             JOIN applications a ON a.id = s.application_id WHERE s.shipment_id = $1 \
             ORDER BY s.application_id",
        )
        .bind(id)
        .fetch_all(&mut *conn)
        .await
        .map_err(err)?
        .iter()
        .map(|r| {
            Ok(ShipmentCard {
                tracking_code: tracking(r, "tracking_code")?,
                chip_serial: serial(r, "chip_serial")?,
                arrived: get(r, "arrived")?,
            })
        })
        .collect::<Result<Vec<_>>>()?;
        let unexpected: Vec<String> = sqlx::query_scalar(
            "SELECT chip_serial FROM shipment_unexpected WHERE shipment_id = $1 ORDER BY chip_serial",
        )
        .bind(id)
        .fetch_all(&mut *conn)
        .await
        .map_err(err)?;
        let st: String = get(&row, "state")?;
        let from: Option<String> = get(&row, "from_office")?;
        Ok(Some(Shipment {
            id,
            batch_id: get(&row, "batch_id")?,
            from_office: from
                .as_deref()
                .map(OfficeId::parse)
                .transpose()
                .map_err(corrupt("from_office"))?,
            to_office: office(&row, "to_office")?,
            state: ShipmentState::parse(&st)
                .ok_or_else(|| StoreError::corrupt("shipments.state", &st))?,
            created_at: get(&row, "created_at")?,
            received_at: get(&row, "received_at")?,
            received_by: get(&row, "received_by")?,
            cards,
            unexpected,
        }))
    }
}

#[async_trait::async_trait]
impl<E: Engine> Shipments for SqlStore<E>
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
    async fn shipments_to(&self, to: &OfficeId, limit: u32) -> Result<Vec<Shipment>> {
        let mut conn = self.pool.acquire().await.map_err(err)?;
        let ids: Vec<i64> = sqlx::query_scalar(
            "SELECT id FROM shipments WHERE to_office = $1 ORDER BY id DESC LIMIT $2",
        )
        .bind(to.as_str())
        .bind(i64::from(limit))
        .fetch_all(&mut *conn)
        .await
        .map_err(err)?;
        let mut out = Vec::with_capacity(ids.len());
        for id in ids {
            if let Some(s) = Self::shipment_of(&mut conn, id).await? {
                out.push(s);
            }
        }
        Ok(out)
    }

    async fn shipment(&self, id: i64) -> Result<Option<Shipment>> {
        let mut conn = self.pool.acquire().await.map_err(err)?;
        Self::shipment_of(&mut conn, id).await
    }

    async fn receive_shipment(
        &self,
        id: i64,
        at_office: &OfficeId,
        scanned: Option<&[String]>,
        change: &Change,
    ) -> Result<Received> {
        let mut tx = self.pool.begin_with(E::BEGIN).await.map_err(err)?;
        let row = sqlx::query("SELECT to_office, state FROM shipments WHERE id = $1")
            .bind(id)
            .fetch_optional(&mut *tx)
            .await
            .map_err(err)?;
        let Some(row) = row else {
            return Ok(Received::NotFound);
        };
        if get::<String, _>(&row, "to_office")? != at_office.as_str() {
            return Ok(Received::OtherOffice);
        }
        let done = E::rows_affected(
            &sqlx::query(
                "UPDATE shipments SET state = 'received', received_at = $1, received_by = $2 \
             WHERE id = $3 AND state = 'in_transit'",
            )
            .bind(change.at)
            .bind(&change.actor)
            .bind(id)
            .execute(&mut *tx)
            .await
            .map_err(err)?,
        );
        if done == 0 {
            return Ok(Received::AlreadyReceived);
        }
        let office_name: String =
            sqlx::query_scalar("SELECT name FROM offices WHERE office_id = $1")
                .bind(at_office.as_str())
                .fetch_optional(&mut *tx)
                .await
                .map_err(err)?
                .unwrap_or_else(|| at_office.as_str().to_string());
        let cards = sqlx::query(
            "SELECT s.application_id, s.chip_serial, a.tracking_code, a.mobile FROM shipment_cards s \
             JOIN applications a ON a.id = s.application_id WHERE s.shipment_id = $1 \
             ORDER BY s.application_id",
        )
        .bind(id)
        .fetch_all(&mut *tx)
        .await
        .map_err(err)?;
        let scanned: Option<HashSet<String>> =
            scanned.map(|s| s.iter().map(|x| x.trim().to_ascii_uppercase()).collect());
        let mut in_shipment = HashSet::new();
        let (mut ready, mut missing) = (0u64, Vec::new());
        for c in &cards {
            let app: i64 = get(c, "application_id")?;
            let ser: String = get(c, "chip_serial")?;
            in_shipment.insert(ser.clone());
            let arrived = scanned.as_ref().is_none_or(|s| s.contains(&ser));
            sqlx::query(
                "UPDATE shipment_cards SET arrived = $1 WHERE shipment_id = $2 AND application_id = $3",
            )
            .bind(arrived)
            .bind(id)
            .bind(app)
            .execute(&mut *tx)
            .await
            .map_err(err)?;
            if arrived {
                if !Self::move_one(&mut tx, app, S::Dispatched, Event::ReceivedAtOffice, change)
                    .await?
                {
                    continue;
                }
                sqlx::query("UPDATE applications SET office_id = $1 WHERE id = $2")
                    .bind(at_office.as_str())
                    .bind(app)
                    .execute(&mut *tx)
                    .await
                    .map_err(err)?;
                sqlx::query(
                    "UPDATE cards SET office_id = $1, ready_at = $2, reached_at = NULL \
                     WHERE chip_serial = $3",
                )
                .bind(at_office.as_str())
                .bind(change.at)
                .bind(&ser)
                .execute(&mut *tx)
                .await
                .map_err(err)?;
                Self::count_arrival(&mut tx, app, at_office.as_str(), change.at).await?;
                let t = tracking(c, "tracking_code")?;
                let mobile: String = get(c, "mobile")?;
                let text = domain::production::sms_ready(&t, &office_name);
                Self::queue_sms(
                    &mut tx,
                    Some(app),
                    &mobile,
                    &format!("ready:{id}"),
                    &text,
                    change.at,
                )
                .await?;
                ready += 1;
            } else {
                let lost = change.because(HistoryReason::note(format!(
                    "card {ser} missing from shipment {id}"
                )));
                sqlx::query(
                    "UPDATE cards SET status = 'revoked', revoked_at = $1, \
                     revoke_reason = 'lost_in_transit' WHERE chip_serial = $2",
                )
                .bind(change.at)
                .bind(&ser)
                .execute(&mut *tx)
                .await
                .map_err(err)?;
                Self::fail_and_requeue(&mut tx, app, S::Dispatched, Event::LostInTransit, &lost)
                    .await?;
                missing.push(ChipSerial::parse(&ser).map_err(corrupt("chip_serial"))?);
            }
        }
        let mut unexpected: Vec<String> = scanned
            .map(|s| s.into_iter().filter(|x| !in_shipment.contains(x)).collect())
            .unwrap_or_default();
        unexpected.sort();
        for ser in &unexpected {
            sqlx::query(
                "INSERT INTO shipment_unexpected (shipment_id, chip_serial) VALUES ($1, $2) \
                 ON CONFLICT DO NOTHING",
            )
            .bind(id)
            .bind(ser)
            .execute(&mut *tx)
            .await
            .map_err(err)?;
        }
        tx.commit().await.map_err(err)?;
        Ok(Received::Done {
            ready,
            missing,
            unexpected,
        })
    }
}

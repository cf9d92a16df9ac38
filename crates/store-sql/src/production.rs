//! The SQL of `store::production`: the production queue, and batches from forming to dispatch. The manufacturers
//! are in `vendors.rs`, a manufacturer's per-card answers in `results.rs`.

use chrono::{DateTime, Utc};
use domain::{ApplicationState as S, Event, HistoryReason, VendorRoom};
use sqlx::{ColumnIndex, Encode, Executor, Type};
use store::applications::Change;
use store::production::*;
use store::{Production, Result, StoreError};

mod results;
mod vendors;

use crate::{
    back, db_err as err, get,
    rows::{holder_json, office, tracking},
    u, Columns, Conn, Db, DbRow, Engine, Scalar, SqlStore,
};

/// Who puts a failed card back in the queue, and why.
fn requeued(at: DateTime<Utc>) -> Change {
    Change {
        actor: "system:production".into(),
        at,
        reason: Some(HistoryReason::BackInQueue),
    }
}

fn batch(row: &impl Columns) -> Result<Batch> {
    let st: String = get(row, "state")?;
    Ok(Batch {
        id: get(row, "id")?,
        vendor_id: get(row, "vendor_id")?,
        state: BatchState::parse(&st).ok_or_else(|| StoreError::corrupt("batches.state", &st))?,
        cards: back(get(row, "cards")?),
        created_at: get(row, "created_at")?,
        claimed_at: get(row, "claimed_at")?,
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
    pub(crate) async fn enqueue(
        conn: &mut Conn<E>,
        application_id: i64,
        at: DateTime<Utc>,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO production_queue (application_id, queued_at) VALUES ($1, $2) \
             ON CONFLICT DO NOTHING",
        )
        .bind(application_id)
        .bind(at)
        .execute(&mut *conn)
        .await
        .map_err(err)?;
        Ok(())
    }

    /// A failed card: `production_failed`, then straight back to `enrolled` and the queue.
    pub(crate) async fn fail_and_requeue(
        conn: &mut Conn<E>,
        application_id: i64,
        from: S,
        event: Event,
        change: &Change,
    ) -> Result<bool> {
        if !Self::move_one(&mut *conn, application_id, from, event, change).await? {
            return Ok(false);
        }
        let requeue = requeued(change.at);
        Self::move_one(
            &mut *conn,
            application_id,
            S::ProductionFailed,
            Event::Requeued,
            &requeue,
        )
        .await?;
        Self::enqueue(&mut *conn, application_id, change.at).await?;
        Ok(true)
    }
}

#[async_trait::async_trait]
impl<E: Engine> Production for SqlStore<E>
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
    async fn production_queue_len(&self) -> Result<u64> {
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM production_queue")
            .fetch_one(&self.pool)
            .await
            .map_err(err)?;
        Ok(back(n))
    }

    async fn form_batches(
        &self,
        day: &str,
        batch_size: u32,
        change: &Change,
    ) -> Result<Vec<Batch>> {
        let mut tx = self.pool.begin_with(E::BEGIN).await.map_err(err)?;
        // One instance forms batches at a time: two at once would put the same queued card in two batches and
        // both fill a manufacturer's day. The second waits, then finds the queue the first left.
        Self::lock_pass(&mut tx, store::passes::lock::FORM_BATCHES).await?;
        // Applications that left `enrolled` while queued (cancelled, revoked) leave the queue.
        sqlx::query(
            "DELETE FROM production_queue WHERE application_id IN (SELECT q.application_id \
             FROM production_queue q JOIN applications a ON a.id = q.application_id \
             WHERE a.state <> 'enrolled')",
        )
        .execute(&mut *tx)
        .await
        .map_err(err)?;
        let queued: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM production_queue")
            .fetch_one(&mut *tx)
            .await
            .map_err(err)?;
        let rows = sqlx::query(
            "SELECT v.id, v.share_pct, v.daily_capacity, COALESCE(d.assigned, 0) AS assigned \
             FROM vendors v LEFT JOIN vendor_days d ON d.vendor_id = v.id AND d.day = $1 ORDER BY v.id",
        )
        .bind(day)
        .fetch_all(&mut *tx)
        .await
        .map_err(err)?;
        let mut ids = Vec::new();
        let mut rooms = Vec::new();
        for r in &rows {
            ids.push(get::<i64, _>(r, "id")?);
            let cap = back(get(r, "daily_capacity")?);
            let assigned = back(get(r, "assigned")?);
            rooms.push(VendorRoom {
                share_pct: u32::try_from(get::<i64, _>(r, "share_pct")?).unwrap_or(0),
                remaining_today: cap.saturating_sub(assigned),
            });
        }
        let shares = domain::production::allocate(back(queued), &rooms);
        let mut made = Vec::new();
        for (vendor_id, mut n) in ids.into_iter().zip(shares) {
            while n > 0 {
                let size = n.min(u64::from(batch_size.max(1)));
                let batch_id: i64 = sqlx::query_scalar(
                    "INSERT INTO batches (vendor_id, state, cards, created_at) \
                     VALUES ($1, 'open', 0, $2) RETURNING id",
                )
                .bind(vendor_id)
                .bind(change.at)
                .fetch_one(&mut *tx)
                .await
                .map_err(err)?;
                sqlx::query(
                    "INSERT INTO batch_cards (batch_id, application_id) SELECT $1, application_id \
                     FROM production_queue ORDER BY queued_at, application_id LIMIT $2",
                )
                .bind(batch_id)
                .bind(u(size))
                .execute(&mut *tx)
                .await
                .map_err(err)?;
                sqlx::query(
                    "DELETE FROM production_queue WHERE application_id IN \
                     (SELECT application_id FROM batch_cards WHERE batch_id = $1)",
                )
                .bind(batch_id)
                .execute(&mut *tx)
                .await
                .map_err(err)?;
                Self::assign_document_numbers(&mut tx, batch_id, change.at).await?;
                let moved = Self::move_set(
                    &mut tx,
                    "SELECT application_id FROM batch_cards WHERE batch_id = $1",
                    batch_id,
                    S::Enrolled,
                    Event::BatchedForProduction,
                    change,
                )
                .await?;
                let row = sqlx::query(
                    "UPDATE batches SET cards = $1 WHERE id = $2 RETURNING id, vendor_id, state, \
                     cards, created_at, claimed_at",
                )
                .bind(u(moved))
                .bind(batch_id)
                .fetch_one(&mut *tx)
                .await
                .map_err(err)?;
                sqlx::query(
                    "INSERT INTO vendor_days (vendor_id, day, assigned) VALUES ($1, $2, $3) \
                     ON CONFLICT (vendor_id, day) DO UPDATE SET assigned = vendor_days.assigned + $3",
                )
                .bind(vendor_id)
                .bind(day)
                .bind(u(moved))
                .execute(&mut *tx)
                .await
                .map_err(err)?;
                made.push(batch(&row)?);
                n -= size;
            }
        }
        tx.commit().await.map_err(err)?;
        Ok(made)
    }

    async fn claim_batch(&self, vendor_id: i64, at: DateTime<Utc>) -> Result<Option<Batch>> {
        for _ in 0..5 {
            let next: Option<i64> = sqlx::query_scalar(
                "SELECT id FROM batches WHERE vendor_id = $1 AND state = 'open' ORDER BY id LIMIT 1",
            )
            .bind(vendor_id)
            .fetch_optional(&self.pool)
            .await
            .map_err(err)?;
            let Some(id) = next else { return Ok(None) };
            let row = sqlx::query(
                "UPDATE batches SET state = 'claimed', claimed_at = $1 WHERE id = $2 AND state = 'open' \
                 RETURNING id, vendor_id, state, cards, created_at, claimed_at",
            )
            .bind(at)
            .bind(id)
            .fetch_optional(&self.pool)
            .await
            .map_err(err)?;
            if let Some(row) = row {
                return batch(&row).map(Some);
            }
        }
        Ok(None)
    }

    async fn batch(&self, batch_id: i64) -> Result<Option<Batch>> {
        sqlx::query(
            "SELECT id, vendor_id, state, cards, created_at, claimed_at FROM batches WHERE id = $1",
        )
        .bind(batch_id)
        .fetch_optional(&self.pool)
        .await
        .map_err(err)?
        .as_ref()
        .map(batch)
        .transpose()
    }

    async fn batch_cards(&self, batch_id: i64) -> Result<Vec<BatchCard>> {
        let rows = sqlx::query(
            "SELECT b.application_id, a.tracking_code, e.destination_office, e.holder, \
             e.card_photo_key, e.templates_key, e.personalisation_key FROM batch_cards b \
             JOIN applications a ON a.id = b.application_id \
             JOIN enrollments e ON e.application_id = b.application_id \
             WHERE b.batch_id = $1 ORDER BY b.application_id",
        )
        .bind(batch_id)
        .fetch_all(&self.pool)
        .await
        .map_err(err)?;
        rows.iter()
            .map(|r| {
                Ok(BatchCard {
                    application_id: get(r, "application_id")?,
                    tracking_code: tracking(r, "tracking_code")?,
                    destination: office(r, "destination_office")?,
                    holder: holder_json(r, "holder")?,
                    card_photo_key: get(r, "card_photo_key")?,
                    templates_key: get(r, "templates_key")?,
                    personalisation_key: get(r, "personalisation_key")?,
                })
            })
            .collect()
    }

    async fn batch_results(
        &self,
        vendor_id: i64,
        batch_id: i64,
        results: &[CardResult],
        change: &Change,
    ) -> Result<ResultsApplied> {
        self.apply_results(vendor_id, batch_id, results, change)
            .await
    }

    async fn dispatch_batch(
        &self,
        vendor_id: i64,
        batch_id: i64,
        change: &Change,
    ) -> Result<Option<Vec<Shipment>>> {
        let mut tx = self.pool.begin_with(E::BEGIN).await.map_err(err)?;
        let owner: Option<i64> = sqlx::query_scalar("SELECT vendor_id FROM batches WHERE id = $1")
            .bind(batch_id)
            .fetch_optional(&mut *tx)
            .await
            .map_err(err)?;
        if owner != Some(vendor_id) {
            return Ok(None);
        }
        let destinations: Vec<String> = sqlx::query_scalar(
            "SELECT DISTINCT e.destination_office FROM batch_cards b \
             JOIN enrollments e ON e.application_id = b.application_id \
             JOIN applications a ON a.id = b.application_id \
             WHERE b.batch_id = $1 AND b.outcome = 'personalized' AND b.shipment_id IS NULL \
             AND a.state = 'in_production' ORDER BY e.destination_office",
        )
        .bind(batch_id)
        .fetch_all(&mut *tx)
        .await
        .map_err(err)?;
        for to in destinations {
            let sid: i64 = sqlx::query_scalar(
                "INSERT INTO shipments (batch_id, to_office, state, created_at) \
                 VALUES ($1, $2, 'in_transit', $3) RETURNING id",
            )
            .bind(batch_id)
            .bind(&to)
            .bind(change.at)
            .fetch_one(&mut *tx)
            .await
            .map_err(err)?;
            sqlx::query(
                "INSERT INTO shipment_cards (shipment_id, application_id, chip_serial) \
                 SELECT $1, b.application_id, b.chip_serial FROM batch_cards b \
                 JOIN enrollments e ON e.application_id = b.application_id \
                 JOIN applications a ON a.id = b.application_id \
                 WHERE b.batch_id = $2 AND b.outcome = 'personalized' AND b.shipment_id IS NULL \
                 AND a.state = 'in_production' AND e.destination_office = $3",
            )
            .bind(sid)
            .bind(batch_id)
            .bind(&to)
            .execute(&mut *tx)
            .await
            .map_err(err)?;
            sqlx::query(
                "UPDATE batch_cards SET shipment_id = $1 WHERE batch_id = $2 AND application_id IN \
                 (SELECT application_id FROM shipment_cards WHERE shipment_id = $1)",
            )
            .bind(sid)
            .bind(batch_id)
            .execute(&mut *tx)
            .await
            .map_err(err)?;
            Self::move_set(
                &mut tx,
                "SELECT application_id FROM shipment_cards WHERE shipment_id = $1",
                sid,
                S::InProduction,
                Event::Dispatched,
                change,
            )
            .await?;
        }
        sqlx::query(
            "UPDATE batches SET state = 'dispatched' WHERE id = $1 AND state IN ('claimed', 'answered') \
             AND NOT EXISTS (SELECT 1 FROM batch_cards WHERE batch_id = $1 AND (outcome IS NULL \
             OR (outcome = 'personalized' AND shipment_id IS NULL)))",
        )
        .bind(batch_id)
        .execute(&mut *tx)
        .await
        .map_err(err)?;
        let ids: Vec<i64> =
            sqlx::query_scalar("SELECT id FROM shipments WHERE batch_id = $1 ORDER BY id")
                .bind(batch_id)
                .fetch_all(&mut *tx)
                .await
                .map_err(err)?;
        let mut out = Vec::with_capacity(ids.len());
        for id in ids {
            if let Some(s) = Self::shipment_of(&mut tx, id).await? {
                out.push(s);
            }
        }
        tx.commit().await.map_err(err)?;
        Ok(Some(out))
    }

    async fn expire_batches(&self, claimed_before: DateTime<Utc>, change: &Change) -> Result<u64> {
        let stale: Vec<i64> = sqlx::query_scalar(
            "SELECT b.id FROM batches b WHERE b.state = 'claimed' AND b.claimed_at < $1 AND EXISTS \
             (SELECT 1 FROM batch_cards c WHERE c.batch_id = b.id AND c.outcome IS NULL) ORDER BY b.id",
        )
        .bind(claimed_before)
        .fetch_all(&self.pool)
        .await
        .map_err(err)?;
        let mut total = 0;
        for batch_id in stale {
            let mut tx = self.pool.begin_with(E::BEGIN).await.map_err(err)?;
            let reason = change
                .reason
                .as_ref()
                .map(ToString::to_string)
                .unwrap_or_default();
            sqlx::query(
                "UPDATE batch_cards SET outcome = 'expired', reason = $1, answered_at = $2 \
                 WHERE batch_id = $3 AND outcome IS NULL",
            )
            .bind(&reason)
            .bind(change.at)
            .bind(batch_id)
            .execute(&mut *tx)
            .await
            .map_err(err)?;
            let subquery =
                "SELECT application_id FROM batch_cards WHERE batch_id = $1 AND outcome = 'expired'";
            let n = Self::move_set(
                &mut tx,
                subquery,
                batch_id,
                S::InProduction,
                Event::ProductionFailed,
                change,
            )
            .await?;
            let requeue = requeued(change.at);
            Self::move_set(
                &mut tx,
                subquery,
                batch_id,
                S::ProductionFailed,
                Event::Requeued,
                &requeue,
            )
            .await?;
            sqlx::query(
                "INSERT INTO production_queue (application_id, queued_at) SELECT b.application_id, $2 \
                 FROM batch_cards b JOIN applications a ON a.id = b.application_id \
                 WHERE b.batch_id = $1 AND b.outcome = 'expired' AND a.state = 'enrolled' \
                 ON CONFLICT DO NOTHING",
            )
            .bind(batch_id)
            .bind(change.at)
            .execute(&mut *tx)
            .await
            .map_err(err)?;
            sqlx::query(
                "UPDATE batches SET state = 'answered' WHERE id = $1 AND state = 'claimed'",
            )
            .bind(batch_id)
            .execute(&mut *tx)
            .await
            .map_err(err)?;
            tx.commit().await.map_err(err)?;
            total += n;
        }
        Ok(total)
    }
}

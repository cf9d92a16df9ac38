//! A manufacturer's per-card answers for a batch (`Production::batch_results`): all checked together first, then
//! each personalised card recorded with its chip serial, and each failed one put back in the production queue.

use chrono::{DateTime, Utc};
use domain::{ApplicationState as S, Event, HistoryReason};
use sqlx::{ColumnIndex, Encode, Executor, Type};
use std::collections::{HashMap, HashSet};
use store::applications::Change;
use store::production::*;
use store::Result;

use super::batch;
use crate::{db_err as err, get, Conn, Db, DbRow, Engine, Scalar, SqlStore};

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
    pub(super) async fn apply_results(
        &self,
        vendor_id: i64,
        batch_id: i64,
        results: &[CardResult],
        change: &Change,
    ) -> Result<ResultsApplied> {
        let mut tx = self.pool.begin_with(E::BEGIN).await.map_err(err)?;
        let row = sqlx::query(
            "SELECT id, vendor_id, state, cards, created_at, claimed_at FROM batches WHERE id = $1",
        )
        .bind(batch_id)
        .fetch_optional(&mut *tx)
        .await
        .map_err(err)?;
        let Some(row) = row else {
            return Ok(ResultsApplied::NoSuchBatch);
        };
        let b = batch(&row)?;
        if b.vendor_id != vendor_id {
            return Ok(ResultsApplied::NoSuchBatch);
        }
        if !matches!(b.state, BatchState::Claimed | BatchState::Answered) {
            return Ok(ResultsApplied::WrongState(b.state));
        }
        let rows = sqlx::query(
            "SELECT b.application_id, a.tracking_code, a.national_code, b.outcome, b.chip_serial \
             FROM batch_cards b JOIN applications a ON a.id = b.application_id WHERE b.batch_id = $1",
        )
        .bind(batch_id)
        .fetch_all(&mut *tx)
        .await
        .map_err(err)?;
        struct Known {
            id: i64,
            code: String,
            outcome: Option<String>,
            serial: Option<String>,
        }
        let mut known: HashMap<String, Known> = HashMap::with_capacity(rows.len());
        for r in &rows {
            known.insert(
                get(r, "tracking_code")?,
                Known {
                    id: get(r, "application_id")?,
                    code: get(r, "national_code")?,
                    outcome: get(r, "outcome")?,
                    serial: get(r, "chip_serial")?,
                },
            );
        }
        // Check everything before changing anything.
        let mut seen: HashSet<&str> = HashSet::new();
        let mut serials: HashSet<&str> = HashSet::new();
        let mut fresh = Vec::new();
        let mut repeated = 0u64;
        for (index, r) in results.iter().enumerate() {
            let refuse = |code: &'static str| -> Result<ResultsApplied> {
                Ok(ResultsApplied::Refused { index, code })
            };
            let Some(k) = known.get(r.tracking_code.as_str()) else {
                return refuse("card_not_in_batch");
            };
            if !seen.insert(r.tracking_code.as_str()) {
                return refuse("card_answered_twice");
            }
            let (outcome, ser) = match &r.outcome {
                CardOutcome::Personalized(s) => ("personalized", Some(s.as_str())),
                CardOutcome::Failed(_) => ("failed", None),
            };
            if let Some(s) = ser {
                if !serials.insert(s) {
                    return refuse("chip_serial_taken");
                }
            }
            match &k.outcome {
                Some(o) if o == outcome && k.serial.as_deref() == ser => repeated += 1,
                Some(_) => return refuse("card_already_answered"),
                None => fresh.push((k, r)),
            }
        }
        let new_serials: Vec<&str> = fresh
            .iter()
            .filter_map(|(_, r)| match &r.outcome {
                CardOutcome::Personalized(s) => Some(s.as_str()),
                CardOutcome::Failed(_) => None,
            })
            .collect();
        for chunk in new_serials.chunks(500) {
            let marks: Vec<String> = (1..=chunk.len()).map(|i| format!("${i}")).collect();
            let sql = format!(
                "SELECT chip_serial FROM cards WHERE chip_serial IN ({})",
                marks.join(", ")
            );
            let mut q = sqlx::query_scalar::<_, String>(&sql);
            for s in chunk {
                q = q.bind(*s);
            }
            let taken = q.fetch_all(&mut *tx).await.map_err(err)?;
            if let Some(t) = taken.first() {
                let index = results
                    .iter()
                    .position(
                        |r| matches!(&r.outcome, CardOutcome::Personalized(s) if s.as_str() == t),
                    )
                    .unwrap_or(0);
                return Ok(ResultsApplied::Refused {
                    index,
                    code: "chip_serial_taken",
                });
            }
        }
        let (mut personalized, mut failed) = (0u64, 0u64);
        for (k, r) in fresh {
            match &r.outcome {
                CardOutcome::Personalized(s) => {
                    sqlx::query(
                        "UPDATE batch_cards SET outcome = 'personalized', chip_serial = $1, \
                         answered_at = $2 WHERE batch_id = $3 AND application_id = $4",
                    )
                    .bind(s.as_str())
                    .bind(change.at)
                    .bind(batch_id)
                    .bind(k.id)
                    .execute(&mut *tx)
                    .await
                    .map_err(err)?;
                    sqlx::query(
                        "INSERT INTO cards (chip_serial, application_id, national_code, vendor_id, \
                         batch_id, status, produced_at) VALUES ($1, $2, $3, $4, $5, 'produced', $6)",
                    )
                    .bind(s.as_str())
                    .bind(k.id)
                    .bind(&k.code)
                    .bind(vendor_id)
                    .bind(batch_id)
                    .bind(change.at)
                    .execute(&mut *tx)
                    .await
                    .map_err(err)?;
                    personalized += 1;
                }
                CardOutcome::Failed(reason) => {
                    sqlx::query(
                        "UPDATE batch_cards SET outcome = 'failed', reason = $1, answered_at = $2 \
                         WHERE batch_id = $3 AND application_id = $4",
                    )
                    .bind(reason)
                    .bind(change.at)
                    .bind(batch_id)
                    .bind(k.id)
                    .execute(&mut *tx)
                    .await
                    .map_err(err)?;
                    let why = change.because(HistoryReason::note(reason.clone()));
                    Self::fail_and_requeue(
                        &mut tx,
                        k.id,
                        S::InProduction,
                        Event::ProductionFailed,
                        &why,
                    )
                    .await?;
                    failed += 1;
                }
            }
        }
        sqlx::query(
            "UPDATE batches SET state = 'answered' WHERE id = $1 AND state = 'claimed' AND NOT EXISTS \
             (SELECT 1 FROM batch_cards WHERE batch_id = $1 AND outcome IS NULL)",
        )
        .bind(batch_id)
        .execute(&mut *tx)
        .await
        .map_err(err)?;
        tx.commit().await.map_err(err)?;
        Ok(ResultsApplied::Done {
            personalized,
            failed,
            repeated,
        })
    }
}

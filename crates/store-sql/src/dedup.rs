//! The SQL of `store::dedup`: the enrollments the 1:N search has to look at, the gallery, hits and a
//! supervisor's decision on them.

use chrono::{DateTime, Utc};
use domain::{
    ApplicationState as S, Decision, DedupStatus, Event, HistoryEvent, HistoryReason, OfficeId,
    TrackingCode,
};
use sqlx::{ColumnIndex, Encode, Executor, Type};
use store::applications::Change;
use store::dedup::*;
use store::{Dedup, Result};

use crate::{
    db_err as err, get,
    rows::{office, state, tracking},
    Columns, Conn, Db, DbRow, Engine, Scalar, SqlStore,
};

const CASE_SQL: &str = "SELECT h.application_id, a.tracking_code, e.office_id, \
    h.candidate_application_id, c.tracking_code AS candidate_tracking_code, h.score, h.found_at, \
    h.decision, h.decided_by, h.decided_at FROM dedup_hits h \
    JOIN applications a ON a.id = h.application_id \
    JOIN applications c ON c.id = h.candidate_application_id \
    JOIN enrollments e ON e.application_id = h.application_id";

fn case(row: &impl Columns) -> Result<DedupCase> {
    let decision: Option<String> = get(row, "decision")?;
    Ok(DedupCase {
        application_id: get(row, "application_id")?,
        tracking_code: tracking(row, "tracking_code")?,
        office: office(row, "office_id")?,
        candidate_application_id: get(row, "candidate_application_id")?,
        candidate_tracking_code: tracking(row, "candidate_tracking_code")?,
        score: get(row, "score")?,
        found_at: get(row, "found_at")?,
        decision: decision.as_deref().and_then(Decision::parse),
        decided_by: get(row, "decided_by")?,
        decided_at: get(row, "decided_at")?,
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
    /// Enrollments after `after` (by application id) whose de-duplication status passes `filter`.
    pub(crate) async fn gallery_entries(
        pool: &sqlx::Pool<Db<E>>,
        filter: &str,
        after: i64,
        limit: u32,
    ) -> Result<Vec<GalleryEntry>> {
        let rows = sqlx::query(&format!(
            "SELECT application_id, templates_key FROM enrollments \
             WHERE application_id > $1 AND {filter} ORDER BY application_id LIMIT $2"
        ))
        .bind(after)
        .bind(i64::from(limit))
        .fetch_all(pool)
        .await
        .map_err(err)?;
        rows.iter()
            .map(|r| {
                Ok(GalleryEntry {
                    application_id: get(r, "application_id")?,
                    templates_key: get(r, "templates_key")?,
                })
            })
            .collect()
    }
}

#[async_trait::async_trait]
impl<E: Engine> Dedup for SqlStore<E>
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
    async fn dedup_pending(&self, limit: u32) -> Result<Vec<GalleryEntry>> {
        Self::gallery_entries(&self.pool, "dedup = 'pending'", 0, limit).await
    }

    async fn dedup_claim(
        &self,
        limit: u32,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
    ) -> Result<Vec<GalleryEntry>> {
        // The conditions are checked again on each row taken: of two instances racing, the second waits for the
        // first's rows and skips them (READ COMMITTED re-reads them).
        let mut tx = self.pool.begin_with(E::BEGIN).await.map_err(err)?;
        let rows = sqlx::query(
            "UPDATE enrollments SET dedup_lease_until = $2 \
             WHERE application_id IN (SELECT application_id FROM enrollments WHERE dedup = 'pending' \
             AND (dedup_lease_until IS NULL OR dedup_lease_until <= $1) ORDER BY application_id LIMIT $3) \
             AND dedup = 'pending' AND (dedup_lease_until IS NULL OR dedup_lease_until <= $1) \
             RETURNING application_id, templates_key",
        )
        .bind(now)
        .bind(lease_until)
        .bind(i64::from(limit))
        .fetch_all(&mut *tx)
        .await
        .map_err(err)?;
        tx.commit().await.map_err(err)?;
        let mut out = rows
            .iter()
            .map(|r| {
                Ok(GalleryEntry {
                    application_id: get(r, "application_id")?,
                    templates_key: get(r, "templates_key")?,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        out.sort_by_key(|e| e.application_id);
        Ok(out)
    }

    async fn dedup_release(&self, application_id: i64) -> Result<()> {
        sqlx::query("UPDATE enrollments SET dedup_lease_until = NULL WHERE application_id = $1")
            .bind(application_id)
            .execute(&self.pool)
            .await
            .map_err(err)?;
        Ok(())
    }

    async fn gallery_page(&self, after: i64, limit: u32) -> Result<Vec<GalleryEntry>> {
        Self::gallery_entries(
            &self.pool,
            "dedup NOT IN ('pending', 'duplicate')",
            after,
            limit,
        )
        .await
    }

    async fn record_dedup(
        &self,
        application_id: i64,
        hits: &[(i64, f64)],
        at: DateTime<Utc>,
    ) -> Result<()> {
        let mut tx = self.pool.begin_with(E::BEGIN).await.map_err(err)?;
        let outcome = if hits.is_empty() {
            DedupStatus::Clear
        } else {
            DedupStatus::Hit
        };
        let done = E::rows_affected(
            &sqlx::query(
                "UPDATE enrollments SET dedup = $1, dedup_at = $2 \
             WHERE application_id = $3 AND dedup = 'pending'",
            )
            .bind(outcome.as_str())
            .bind(at)
            .bind(application_id)
            .execute(&mut *tx)
            .await
            .map_err(err)?,
        );
        if done == 0 {
            return Ok(());
        }
        if hits.is_empty() {
            let st: String = sqlx::query_scalar("SELECT state FROM applications WHERE id = $1")
                .bind(application_id)
                .fetch_one(&mut *tx)
                .await
                .map_err(err)?;
            if state(&st)? == S::Enrolled {
                Self::enqueue(&mut tx, application_id, at).await?;
            }
        }
        for (candidate, score) in hits {
            sqlx::query(
                "INSERT INTO dedup_hits (application_id, candidate_application_id, score, found_at) \
                 VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
            )
            .bind(application_id)
            .bind(*candidate)
            .bind(*score)
            .bind(at)
            .execute(&mut *tx)
            .await
            .map_err(err)?;
        }
        tx.commit().await.map_err(err)
    }

    async fn dedup_cases(
        &self,
        office_id: Option<&OfficeId>,
        limit: u32,
    ) -> Result<Vec<DedupCase>> {
        let rows = match office_id {
            Some(o) => {
                sqlx::query(&format!(
                    "{CASE_SQL} WHERE h.decision IS NULL AND e.office_id = $1 \
                 ORDER BY h.found_at, h.id LIMIT $2"
                ))
                .bind(o.as_str())
                .bind(i64::from(limit))
                .fetch_all(&self.pool)
                .await
            }
            None => {
                sqlx::query(&format!(
                    "{CASE_SQL} WHERE h.decision IS NULL ORDER BY h.found_at, h.id LIMIT $1"
                ))
                .bind(i64::from(limit))
                .fetch_all(&self.pool)
                .await
            }
        }
        .map_err(err)?;
        rows.iter().map(case).collect()
    }

    async fn dedup_cases_of(&self, t: &TrackingCode) -> Result<Vec<DedupCase>> {
        let rows = sqlx::query(&format!(
            "{CASE_SQL} WHERE a.tracking_code = $1 ORDER BY h.id"
        ))
        .bind(t.as_str())
        .fetch_all(&self.pool)
        .await
        .map_err(err)?;
        rows.iter().map(case).collect()
    }

    async fn decide_dedup(
        &self,
        t: &TrackingCode,
        decision: Decision,
        change: &Change,
    ) -> Result<Decided> {
        let mut tx = self.pool.begin_with(E::BEGIN).await.map_err(err)?;
        let row = sqlx::query(
            "SELECT a.id, a.state, (SELECT c.tracking_code FROM dedup_hits h \
             JOIN applications c ON c.id = h.candidate_application_id \
             WHERE h.application_id = a.id AND h.decision IS NULL ORDER BY h.score DESC LIMIT 1) \
             AS other FROM applications a WHERE a.tracking_code = $1",
        )
        .bind(t.as_str())
        .fetch_optional(&mut *tx)
        .await
        .map_err(err)?;
        let Some(row) = row else {
            return Ok(Decided::NothingToDecide);
        };
        let id: i64 = get(&row, "id")?;
        let st = state(&get::<String, _>(&row, "state")?)?;
        let Some(other) = get::<Option<String>, _>(&row, "other")? else {
            return Ok(Decided::NothingToDecide);
        };
        sqlx::query(
            "UPDATE dedup_hits SET decision = $1, decided_by = $2, decided_at = $3 \
             WHERE application_id = $4 AND decision IS NULL",
        )
        .bind(decision.as_str())
        .bind(&change.actor)
        .bind(change.at)
        .bind(id)
        .execute(&mut *tx)
        .await
        .map_err(err)?;
        let status = match decision {
            Decision::Duplicate => DedupStatus::Duplicate,
            Decision::Distinct => DedupStatus::Distinct,
        };
        sqlx::query("UPDATE enrollments SET dedup = $1 WHERE application_id = $2")
            .bind(status.as_str())
            .bind(id)
            .execute(&mut *tx)
            .await
            .map_err(err)?;
        match decision {
            Decision::Duplicate if st == S::Enrolled => {
                let reject = change.because(HistoryReason::note(format!(
                    "duplicate enrollment of {other}{}",
                    change
                        .reason
                        .as_ref()
                        .map(|r| format!(": {r}"))
                        .unwrap_or_default()
                )));
                Self::move_one(&mut tx, id, S::Enrolled, Event::Rejected, &reject).await?;
            }
            Decision::Distinct if st == S::Enrolled => {
                Self::note(&mut tx, id, st, HistoryEvent::DEDUP_DISTINCT, change).await?;
                Self::enqueue(&mut tx, id, change.at).await?;
            }
            _ => {}
        }
        tx.commit().await.map_err(err)?;
        Ok(Decided::Done)
    }
}

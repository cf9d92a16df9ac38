//! The SQL of `store::backlog`: waiting cards listed and counted, campaigns recorded with their messages, revoked
//! cards destroyed at their office, and the backlog's counters. The counters themselves are moved where the
//! events happen: arrival (`shipments.rs`), a delivered message (`outbox.rs`), a pickup (`pickup.rs`).

use chrono::{DateTime, Utc};
use domain::{HistoryEvent, Mobile, NationalCode, OfficeId, UncollectedReason};
use sqlx::{ColumnIndex, Encode, Executor, Type};
use std::collections::BTreeSet;
use store::applications::Change;
use store::backlog::*;
use store::stats::AgeBucket;
use store::{Backlog, Result, StoreError};

mod counters;

use crate::{
    back, corrupt, db_err as err, get,
    rows::{office, serial, state, tracking},
    u, Columns, Conn, Db, DbRow, Engine, Scalar, SqlStore,
};

/// The states of an application whose card waits at an office.
const WAITING: &str = "c.status = 'produced' AND c.ready_at IS NOT NULL \
    AND a.state IN ('ready_for_pickup', 'uncollected')";

/// A stored reason; `NULL` or empty (a card within its pickup period) is none.
fn reason(s: Option<String>) -> Result<Option<UncollectedReason>> {
    s.filter(|s| !s.is_empty())
        .map(|s| crate::stats::reason(&s))
        .transpose()
}

fn waiting_card(row: &impl Columns) -> Result<WaitingCard> {
    let reached: Option<DateTime<Utc>> = get(row, "reached_at")?;
    Ok(WaitingCard {
        application_id: get(row, "id")?,
        chip_serial: serial(row, "chip_serial")?,
        tracking_code: tracking(row, "tracking_code")?,
        national_code: NationalCode::parse(&get::<String, _>(row, "national_code")?)
            .map_err(corrupt("national_code"))?,
        first_name: get(row, "first_name")?,
        last_name: get(row, "last_name")?,
        mobile: Mobile::parse(&get::<String, _>(row, "mobile")?).map_err(corrupt("mobile"))?,
        office: office(row, "office_id")?,
        province_code: get(row, "province_code")?,
        ready_at: get(row, "ready_at")?,
        uncollected: state(&get::<String, _>(row, "state")?)?
            == domain::ApplicationState::Uncollected,
        reason: reason(get(row, "uncollected_reason")?)?,
        reached: reached.is_some(),
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
    async fn campaign_outcome(&self, c: &mut Campaign) -> Result<()> {
        let rows = sqlx::query(
            "SELECT o.state, COUNT(*) AS n FROM campaign_messages m JOIN sms_outbox o ON o.id = m.outbox_id \
             WHERE m.campaign_id = $1 GROUP BY o.state",
        )
        .bind(c.id)
        .fetch_all(&self.pool)
        .await
        .map_err(err)?;
        for r in &rows {
            let n = back(get(r, "n")?);
            match get::<String, _>(r, "state")?.as_str() {
                "delivered" => c.delivered += n,
                "failed" => c.failed += n,
                _ => {}
            }
        }
        let collected: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM cards c WHERE c.status = 'active' AND c.activated_at >= $2 \
             AND c.activated_at <= $3 AND c.application_id IN \
             (SELECT application_id FROM campaign_messages WHERE campaign_id = $1)",
        )
        .bind(c.id)
        .bind(c.created_at)
        .bind(c.created_at + chrono::Duration::days(14))
        .fetch_one(&self.pool)
        .await
        .map_err(err)?;
        c.collected_within_14_days = back(collected);
        Ok(())
    }
}

#[async_trait::async_trait]
impl<E: Engine> Backlog for SqlStore<E>
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
    async fn waiting_cards(&self, q: &BacklogQuery) -> Result<Vec<WaitingCard>> {
        let sql = format!(
            "SELECT a.id, c.chip_serial, a.tracking_code, a.national_code, a.mobile, c.office_id, \
             COALESCE(a.province_code, '') AS province_code, c.ready_at, a.state, c.uncollected_reason, \
             c.reached_at, COALESCE(p.first_name, '') AS first_name, COALESCE(p.last_name, '') AS last_name \
             FROM cards c JOIN applications a ON a.id = c.application_id \
             LEFT JOIN persons p ON p.national_code = {} \
             WHERE {WAITING} AND c.ready_at < $1 \
             AND (CAST($2 AS TEXT) IS NULL OR a.province_code = $2) \
             AND (CAST($3 AS TEXT) IS NULL OR c.office_id = $3) \
             AND ($4 = 0 OR a.state = 'uncollected') \
             AND (CAST($5 AS TEXT) IS NULL OR c.uncollected_reason = $5) \
             ORDER BY c.ready_at, a.id LIMIT $6",
            E::PERSON_CODE
        );
        let only = q.uncollected_only || q.reason.is_some();
        sqlx::query(&sql)
            .bind(q.ready_before)
            .bind(q.province.as_deref())
            .bind(q.office.as_ref().map(|o| o.as_str()))
            .bind(i64::from(only))
            .bind(q.reason.map(|r| r.as_str()))
            .bind(i64::from(q.limit))
            .fetch_all(&self.pool)
            .await
            .map_err(err)?
            .iter()
            .map(waiting_card)
            .collect()
    }

    async fn backlog_by_office(
        &self,
        province: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<Vec<OfficeBacklog>> {
        let cut = |d: i64| now - chrono::Duration::days(d);
        let rows = sqlx::query(&format!(
            "SELECT COALESCE(a.province_code, '') AS province_code, c.office_id, \
             COALESCE(o.name, c.office_id) AS office_name, \
             CASE WHEN c.ready_at > $1 THEN 'under_30_days' WHEN c.ready_at > $2 THEN '30_to_90_days' \
             WHEN c.ready_at > $3 THEN '90_to_365_days' ELSE 'over_a_year' END AS age, \
             CASE WHEN a.state = 'uncollected' THEN COALESCE(c.uncollected_reason, 'none') ELSE '' END \
             AS reason, COUNT(*) AS n \
             FROM cards c JOIN applications a ON a.id = c.application_id \
             LEFT JOIN offices o ON o.office_id = c.office_id \
             WHERE {WAITING} AND (CAST($4 AS TEXT) IS NULL OR a.province_code = $4) \
             GROUP BY 1, 2, 3, 4, 5 ORDER BY 1, 2"
        ))
        .bind(cut(30))
        .bind(cut(90))
        .bind(cut(365))
        .bind(province)
        .fetch_all(&self.pool)
        .await
        .map_err(err)?;
        rows.iter()
            .map(|r| {
                let age: String = get(r, "age")?;
                Ok(OfficeBacklog {
                    province_code: get(r, "province_code")?,
                    office: office(r, "office_id")?,
                    office_name: get(r, "office_name")?,
                    age: AgeBucket::parse(&age).ok_or_else(|| StoreError::corrupt("age", &age))?,
                    reason: reason(get(r, "reason")?)?,
                    n: back(get(r, "n")?),
                })
            })
            .collect()
    }

    async fn start_campaign(
        &self,
        c: &NewCampaign,
        messages: &[CampaignMessage],
    ) -> Result<CampaignStarted> {
        let mut tx = self.pool.begin_with(E::BEGIN).await.map_err(err)?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO campaigns (province_code, kind, office_id, reason, min_days, created_by, \
             created_at, cards, messages, skipped) VALUES ($1, $2, $3, $4, $5, $6, $7, 0, 0, 0) RETURNING id",
        )
        .bind(c.province.as_deref())
        .bind(c.kind.as_str())
        .bind(c.office.as_ref().map(|o| o.as_str()))
        .bind(c.reason.map(|r| r.as_str()))
        .bind(i64::from(c.min_days))
        .bind(c.created_by.as_str())
        .bind(c.at)
        .fetch_one(&mut *tx)
        .await
        .map_err(err)?;
        let day = tehran_day(c.at);
        let (mut sent, mut skipped) = (0u64, 0u64);
        let mut cards = BTreeSet::new();
        for m in messages {
            let fresh: Option<i64> = sqlx::query_scalar(
                "INSERT INTO campaign_messages (campaign_id, application_id, mobile, day) \
                 VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING RETURNING campaign_id",
            )
            .bind(id)
            .bind(m.application_id)
            .bind(m.mobile.as_str())
            .bind(day.as_str())
            .fetch_optional(&mut *tx)
            .await
            .map_err(err)?;
            if fresh.is_none() {
                skipped += 1;
                continue;
            }
            let due = c.at + c.spacing * i32::try_from(sent).unwrap_or(i32::MAX);
            let queued = Self::queue_sms(
                &mut tx,
                Some(m.application_id),
                m.mobile.as_str(),
                &m.kind,
                &m.text,
                c.at,
            )
            .await?;
            let Some(outbox) = queued else {
                skipped += 1;
                continue;
            };
            sqlx::query("UPDATE sms_outbox SET next_attempt_at = $1 WHERE id = $2")
                .bind(due)
                .bind(outbox)
                .execute(&mut *tx)
                .await
                .map_err(err)?;
            sqlx::query(
                "UPDATE campaign_messages SET outbox_id = $1 WHERE campaign_id = $2 AND mobile = $3 \
                 AND day = $4",
            )
            .bind(outbox)
            .bind(id)
            .bind(m.mobile.as_str())
            .bind(day.as_str())
            .execute(&mut *tx)
            .await
            .map_err(err)?;
            sent += 1;
            cards.insert(m.application_id);
        }
        sqlx::query("UPDATE campaigns SET cards = $1, messages = $2, skipped = $3 WHERE id = $4")
            .bind(u(cards.len() as u64))
            .bind(u(sent))
            .bind(u(skipped))
            .bind(id)
            .execute(&mut *tx)
            .await
            .map_err(err)?;
        tx.commit().await.map_err(err)?;
        Ok(CampaignStarted {
            id,
            cards: cards.len() as u64,
            messages: sent,
            skipped,
        })
    }

    async fn campaigns(&self, province: Option<&str>, limit: u32) -> Result<Vec<Campaign>> {
        let rows = sqlx::query(
            "SELECT id, province_code, kind, office_id, reason, min_days, created_by, created_at, cards, \
             messages, skipped FROM campaigns WHERE (CAST($1 AS TEXT) IS NULL OR province_code = $1) \
             ORDER BY id DESC LIMIT $2",
        )
        .bind(province)
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await
        .map_err(err)?;
        let mut out = Vec::with_capacity(rows.len());
        for r in &rows {
            let kind: String = get(r, "kind")?;
            let office_id: Option<String> = get(r, "office_id")?;
            let mut c = Campaign {
                id: get(r, "id")?,
                province: get(r, "province_code")?,
                kind: CampaignKind::parse(&kind)
                    .ok_or_else(|| StoreError::corrupt("campaigns.kind", &kind))?,
                office: office_id
                    .as_deref()
                    .map(OfficeId::parse)
                    .transpose()
                    .map_err(corrupt("office_id"))?,
                reason: reason(get(r, "reason")?)?,
                min_days: u32::try_from(get::<i64, _>(r, "min_days")?).unwrap_or(0),
                created_by: get(r, "created_by")?,
                created_at: get(r, "created_at")?,
                cards: back(get(r, "cards")?),
                messages: back(get(r, "messages")?),
                skipped: back(get(r, "skipped")?),
                delivered: 0,
                failed: 0,
                collected_within_14_days: 0,
            };
            self.campaign_outcome(&mut c).await?;
            out.push(c);
        }
        Ok(out)
    }

    async fn cards_to_destroy(
        &self,
        office_id: Option<&OfficeId>,
        province: Option<&str>,
    ) -> Result<Vec<ToDestroy>> {
        sqlx::query(
            "SELECT c.chip_serial, a.tracking_code, c.national_code, c.office_id, \
             COALESCE(a.province_code, '') AS province_code, c.revoked_at, c.revoke_reason \
             FROM cards c JOIN applications a ON a.id = c.application_id \
             WHERE c.status = 'revoked' AND c.activated_at IS NULL AND c.ready_at IS NOT NULL \
             AND c.destroyed_at IS NULL AND c.office_id IS NOT NULL \
             AND (CAST($1 AS TEXT) IS NULL OR c.office_id = $1) \
             AND (CAST($2 AS TEXT) IS NULL OR a.province_code = $2) \
             ORDER BY c.office_id, c.revoked_at LIMIT 10000",
        )
        .bind(office_id.map(|o| o.as_str()))
        .bind(province)
        .fetch_all(&self.pool)
        .await
        .map_err(err)?
        .iter()
        .map(|r| {
            Ok(ToDestroy {
                chip_serial: serial(r, "chip_serial")?,
                tracking_code: tracking(r, "tracking_code")?,
                national_code: NationalCode::parse(&get::<String, _>(r, "national_code")?)
                    .map_err(corrupt("national_code"))?,
                office: office(r, "office_id")?,
                province_code: get(r, "province_code")?,
                revoked_at: get(r, "revoked_at")?,
                revoke_reason: get(r, "revoke_reason")?,
            })
        })
        .collect()
    }

    async fn card_destroyed(
        &self,
        chip: &domain::ChipSerial,
        at_office: &OfficeId,
        change: &Change,
    ) -> Result<bool> {
        let mut tx = self.pool.begin_with(E::BEGIN).await.map_err(err)?;
        let app: Option<i64> = sqlx::query_scalar(
            "UPDATE cards SET destroyed_at = $1, destroyed_by = $2 WHERE chip_serial = $3 \
             AND office_id = $4 AND status = 'revoked' AND activated_at IS NULL AND ready_at IS NOT NULL \
             AND destroyed_at IS NULL RETURNING application_id",
        )
        .bind(change.at)
        .bind(change.actor.as_str())
        .bind(chip.as_str())
        .bind(at_office.as_str())
        .fetch_optional(&mut *tx)
        .await
        .map_err(err)?;
        let Some(app) = app else { return Ok(false) };
        let at_state = Self::state_of(&mut tx, app).await?;
        Self::note(&mut tx, app, at_state, HistoryEvent::CARD_DESTROYED, change).await?;
        tx.commit().await.map_err(err)?;
        Ok(true)
    }

    async fn reach_counts(
        &self,
        province: Option<&str>,
        since_day: &str,
    ) -> Result<Vec<ReachCount>> {
        sqlx::query(
            "SELECT province_code, office_id, day, arrived, reached FROM reach_counts \
             WHERE day >= $1 AND (CAST($2 AS TEXT) IS NULL OR province_code = $2) ORDER BY day",
        )
        .bind(since_day)
        .bind(province)
        .fetch_all(&self.pool)
        .await
        .map_err(err)?
        .iter()
        .map(|r| {
            Ok(ReachCount {
                province_code: get(r, "province_code")?,
                office: get(r, "office_id")?,
                day: get(r, "day")?,
                arrived: back(get(r, "arrived")?),
                reached: back(get(r, "reached")?),
            })
        })
        .collect()
    }

    async fn wait_counts(&self, province: Option<&str>) -> Result<Vec<WaitCount>> {
        sqlx::query(
            "SELECT province_code, office_id, days, n FROM wait_counts WHERE n > 0 \
             AND (CAST($1 AS TEXT) IS NULL OR province_code = $1)",
        )
        .bind(province)
        .fetch_all(&self.pool)
        .await
        .map_err(err)?
        .iter()
        .map(|r| {
            Ok(WaitCount {
                province_code: get(r, "province_code")?,
                office: get(r, "office_id")?,
                days: u32::try_from(get::<i64, _>(r, "days")?).unwrap_or(0),
                n: back(get(r, "n")?),
            })
        })
        .collect()
    }

    async fn snapshot_backlog(&self, day: &str) -> Result<()> {
        let waiting = sqlx::query(&format!(
            "SELECT COALESCE(a.province_code, '') AS province_code, a.state, COUNT(*) AS n \
             FROM cards c JOIN applications a ON a.id = c.application_id WHERE {WAITING} GROUP BY 1, 2"
        ))
        .fetch_all(&self.pool)
        .await
        .map_err(err)?;
        let making = sqlx::query(
            "SELECT province_code, CAST(SUM(n) AS BIGINT) AS n FROM application_counts \
             WHERE state IN ('enrolled', 'in_production', 'dispatched') GROUP BY province_code",
        )
        .fetch_all(&self.pool)
        .await
        .map_err(err)?;
        let mut by: std::collections::BTreeMap<String, (u64, u64, u64)> = Default::default();
        for r in &waiting {
            let e = by.entry(get(r, "province_code")?).or_default();
            let n = back(get(r, "n")?);
            e.0 += n;
            if get::<String, _>(r, "state")? == "uncollected" {
                e.1 += n;
            }
        }
        for r in &making {
            let n: Option<i64> = get(r, "n")?;
            by.entry(get(r, "province_code")?).or_default().2 += back(n.unwrap_or(0));
        }
        let mut tx = self.pool.begin_with(E::BEGIN).await.map_err(err)?;
        sqlx::query("DELETE FROM backlog_days WHERE day = $1")
            .bind(day)
            .execute(&mut *tx)
            .await
            .map_err(err)?;
        for (p, (w, un, making)) in by {
            sqlx::query(
                "INSERT INTO backlog_days (day, province_code, waiting, uncollected, in_production) \
                 VALUES ($1, $2, $3, $4, $5) ON CONFLICT (day, province_code) DO UPDATE SET \
                 waiting = $3, uncollected = $4, in_production = $5",
            )
            .bind(day)
            .bind(p.as_str())
            .bind(u(w))
            .bind(u(un))
            .bind(u(making))
            .execute(&mut *tx)
            .await
            .map_err(err)?;
        }
        tx.commit().await.map_err(err)?;
        Ok(())
    }

    async fn backlog_days(&self, since_day: &str) -> Result<Vec<BacklogDay>> {
        sqlx::query(
            "SELECT day, province_code, waiting, uncollected, in_production FROM backlog_days \
             WHERE day >= $1 ORDER BY day, province_code",
        )
        .bind(since_day)
        .fetch_all(&self.pool)
        .await
        .map_err(err)?
        .iter()
        .map(|r| {
            Ok(BacklogDay {
                day: get(r, "day")?,
                province_code: get(r, "province_code")?,
                waiting: back(get(r, "waiting")?),
                uncollected: back(get(r, "uncollected")?),
                in_production: back(get(r, "in_production")?),
            })
        })
        .collect()
    }
}

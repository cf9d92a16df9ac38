//! The SQL of `store::stats`. The application counters themselves are written by `history.rs`, in the
//! transactions that change states.

use chrono::{DateTime, Utc};
use domain::{ApplicationState, JalaliDate, UncollectedReason};
use sqlx::{ColumnIndex, Encode, Executor, Type};
use std::collections::BTreeMap;
use store::stats::*;
use store::{Result, Stats, StoreError};

use crate::{back, db_err as err, get, Conn, Db, DbRow, Engine, Scalar, SqlStore};

fn bucket(since: &str, cutoffs: &[String; 3]) -> AgeBucket {
    if since >= cutoffs[0].as_str() {
        AgeBucket::Under30Days
    } else if since >= cutoffs[1].as_str() {
        AgeBucket::Days30To90
    } else if since >= cutoffs[2].as_str() {
        AgeBucket::Days90To365
    } else {
        AgeBucket::OverAYear
    }
}

pub(crate) fn reason(s: &str) -> Result<UncollectedReason> {
    UncollectedReason::parse(s).ok_or_else(|| StoreError::corrupt("uncollected reason", s))
}

fn merge(rows: Vec<UncollectedCount>) -> Vec<UncollectedCount> {
    let mut m: BTreeMap<(String, UncollectedReason, AgeBucket), u64> = BTreeMap::new();
    for r in rows {
        *m.entry((r.province_code, r.reason, r.age)).or_default() += r.n;
    }
    m.into_iter()
        .filter(|(_, n)| *n > 0)
        .map(|((province_code, reason, age), n)| UncollectedCount {
            province_code,
            reason,
            age,
            n,
        })
        .collect()
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
    /// Merges `(province_code, state, n)` rows and the eligible counts into one entry per province.
    pub(crate) async fn assemble(
        pool: &sqlx::Pool<Db<E>>,
        by_state: Vec<DbRow<E>>,
    ) -> Result<Vec<ProvinceCounts>> {
        let mut out: BTreeMap<String, ProvinceCounts> = BTreeMap::new();
        let entry = |out: &mut BTreeMap<String, ProvinceCounts>, p: String| {
            out.entry(p.clone()).or_insert_with(|| ProvinceCounts {
                province_code: p,
                ..ProvinceCounts::default()
            });
        };
        for row in &by_state {
            let p: String = get(row, "province_code")?;
            let st: String = get(row, "state")?;
            let n: i64 = get(row, "n")?;
            let st = ApplicationState::parse(&st)
                .ok_or_else(|| StoreError::corrupt("application_counts.state", &st))?;
            if n == 0 {
                continue;
            }
            entry(&mut out, p.clone());
            if let Some(c) = out.get_mut(&p) {
                *c.by_state.entry(st).or_default() += back(n);
            }
        }
        let rows = sqlx::query("SELECT province_code, eligible FROM eligible_counts")
            .fetch_all(pool)
            .await
            .map_err(err)?;
        for row in &rows {
            let p: String = get(row, "province_code")?;
            let n: i64 = get(row, "eligible")?;
            entry(&mut out, p.clone());
            if let Some(c) = out.get_mut(&p) {
                c.eligible = back(n);
            }
        }
        Ok(out.into_values().collect())
    }
}

#[async_trait::async_trait]
impl<E: Engine> Stats for SqlStore<E>
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
    async fn lead_times(&self) -> Result<Vec<LeadTimeCount>> {
        let rows = sqlx::query(
            "SELECT province_code, days, n FROM lead_time_counts WHERE n > 0 ORDER BY province_code, days",
        )
        .fetch_all(&self.pool)
        .await
        .map_err(err)?;
        rows.iter()
            .map(|r| {
                Ok(LeadTimeCount {
                    province_code: get(r, "province_code")?,
                    days: u32::try_from(get::<i64, _>(r, "days")?).unwrap_or(0),
                    n: back(get(r, "n")?),
                })
            })
            .collect()
    }

    async fn recount_lead_times(&self) -> Result<Vec<LeadTimeCount>> {
        let rows = sqlx::query(
            "SELECT COALESCE(a.province_code, '') AS province_code, a.created_at, e.at \
             FROM application_events e JOIN applications a ON a.id = e.application_id \
             WHERE e.event IN ('picked_up', 'collected_late')",
        )
        .fetch_all(&self.pool)
        .await
        .map_err(err)?;
        let mut m: BTreeMap<(String, u32), u64> = BTreeMap::new();
        for r in &rows {
            let from: chrono::DateTime<chrono::Utc> = get(r, "created_at")?;
            let to: chrono::DateTime<chrono::Utc> = get(r, "at")?;
            let days = u32::try_from((to - from).num_days()).unwrap_or(0);
            *m.entry((get(r, "province_code")?, days)).or_default() += 1;
        }
        Ok(m.into_iter()
            .map(|((province_code, days), n)| LeadTimeCount {
                province_code,
                days,
                n,
            })
            .collect())
    }

    async fn uncollected(&self, today: chrono::NaiveDate) -> Result<Vec<UncollectedCount>> {
        let c = AgeBucket::cutoffs(today);
        let rows = sqlx::query(
            "SELECT province_code, reason, CASE WHEN since_day >= $1 THEN 'under_30_days' \
             WHEN since_day >= $2 THEN '30_to_90_days' WHEN since_day >= $3 THEN '90_to_365_days' \
             ELSE 'over_a_year' END AS age, CAST(SUM(n) AS BIGINT) AS n FROM uncollected_counts \
             GROUP BY province_code, reason, age",
        )
        .bind(&c[0])
        .bind(&c[1])
        .bind(&c[2])
        .fetch_all(&self.pool)
        .await
        .map_err(err)?;
        let mut out = Vec::new();
        for r in &rows {
            let age: String = get(r, "age")?;
            out.push(UncollectedCount {
                province_code: get(r, "province_code")?,
                reason: reason(&get::<String, _>(r, "reason")?)?,
                age: AgeBucket::parse(&age).ok_or_else(|| StoreError::corrupt("age", &age))?,
                n: back(get(r, "n")?),
            });
        }
        Ok(merge(out))
    }

    async fn recount_uncollected(&self, today: chrono::NaiveDate) -> Result<Vec<UncollectedCount>> {
        let c = AgeBucket::cutoffs(today);
        let rows = sqlx::query(
            "SELECT COALESCE(a.province_code, '') AS province_code, c.uncollected_reason, \
             c.uncollected_since FROM cards c JOIN applications a ON a.id = c.application_id \
             WHERE a.state = 'uncollected' AND c.status = 'produced'",
        )
        .fetch_all(&self.pool)
        .await
        .map_err(err)?;
        let mut out = Vec::new();
        for r in &rows {
            let since: Option<String> = get(r, "uncollected_since")?;
            let why: Option<String> = get(r, "uncollected_reason")?;
            out.push(UncollectedCount {
                province_code: get(r, "province_code")?,
                reason: reason(why.as_deref().unwrap_or("none"))?,
                age: bucket(since.as_deref().unwrap_or(""), &c),
                n: 1,
            });
        }
        Ok(merge(out))
    }

    async fn office_load(
        &self,
        day: &str,
        province: Option<&str>,
        limit: u32,
    ) -> Result<Vec<OfficeLoad>> {
        let sql = format!(
            "SELECT o.office_id, o.name, o.province_code, CAST(d.booked AS BIGINT) AS booked, \
             CAST(o.daily_capacity AS BIGINT) AS capacity FROM office_days d \
             JOIN offices o ON o.office_id = d.office_id WHERE d.day = $1 {} \
             ORDER BY d.booked * 1000 / o.daily_capacity DESC, d.booked DESC, o.office_id LIMIT $2",
            if province.is_some() {
                "AND o.province_code = $3"
            } else {
                ""
            }
        );
        let mut q = sqlx::query(&sql).bind(day).bind(i64::from(limit));
        if let Some(p) = province {
            q = q.bind(p);
        }
        let rows = q.fetch_all(&self.pool).await.map_err(err)?;
        rows.iter()
            .map(|r| {
                Ok(OfficeLoad {
                    office_id: get(r, "office_id")?,
                    name: get(r, "name")?,
                    province_code: get(r, "province_code")?,
                    booked: back(get(r, "booked")?),
                    capacity: back(get(r, "capacity")?),
                })
            })
            .collect()
    }

    async fn refresh_eligible(&self, today: JalaliDate) -> Result<()> {
        let cutoff = eligible_cutoff(today);
        let mut tx = self.pool.begin_with(E::BEGIN).await.map_err(err)?;
        sqlx::query("DELETE FROM eligible_counts")
            .execute(&mut *tx)
            .await
            .map_err(err)?;
        sqlx::query(
            "INSERT INTO eligible_counts (province_code, eligible, computed_for) \
             SELECT COALESCE(province_code, ''), COUNT(*), $1 FROM persons \
             WHERE death_date_jalali IS NULL AND birth_date_jalali <= $2 \
             GROUP BY COALESCE(province_code, '')",
        )
        .bind(today.to_string())
        .bind(&cutoff)
        .execute(&mut *tx)
        .await
        .map_err(err)?;
        tx.commit().await.map_err(err)?;
        Ok(())
    }

    async fn province_counts(&self) -> Result<Vec<ProvinceCounts>> {
        let rows = sqlx::query(
            "SELECT province_code, state, CAST(SUM(n) AS BIGINT) AS n FROM application_counts \
             GROUP BY province_code, state HAVING SUM(n) <> 0",
        )
        .fetch_all(&self.pool)
        .await
        .map_err(err)?;
        Self::assemble(&self.pool, rows).await
    }

    async fn recount(&self) -> Result<Vec<ProvinceCounts>> {
        let rows = sqlx::query(
            "SELECT COALESCE(province_code, '') AS province_code, state, COUNT(*) AS n \
             FROM applications GROUP BY COALESCE(province_code, ''), state",
        )
        .fetch_all(&self.pool)
        .await
        .map_err(err)?;
        Self::assemble(&self.pool, rows).await
    }
}

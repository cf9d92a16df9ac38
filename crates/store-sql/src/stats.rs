/// Implements `store::Stats` for a backend store with a `pool: sqlx::Pool<$db>` field (see `impl_journey!`).
/// The application counters themselves are written by `impl_journey!`, in the transactions that change states.
#[macro_export]
macro_rules! impl_stats {
    ($store:ty, $db:ty, $begin:expr) => {
        mod stats_sql {
            use domain::{ApplicationState, JalaliDate};
            use sqlx::Row;
            use std::collections::BTreeMap;
            use store::stats::*;
            use store::{Result, StoreError};

            type Db = $db;
            type DbRow = <Db as sqlx::Database>::Row;

            use $crate::column as get;
            use $crate::db_err as err;

            fn back(v: i64) -> u64 {
                u64::try_from(v).unwrap_or(0)
            }

            /// Merges `(province_code, state, n)` rows and the eligible counts into one entry per province.
            async fn assemble(
                pool: &sqlx::Pool<Db>,
                by_state: Vec<DbRow>,
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

            #[async_trait::async_trait]
            impl Stats for $store {
                async fn refresh_eligible(&self, today: JalaliDate) -> Result<()> {
                    let cutoff = eligible_cutoff(today);
                    let mut tx = self.pool.begin_with($begin).await.map_err(err)?;
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
                    assemble(&self.pool, rows).await
                }

                async fn recount(&self) -> Result<Vec<ProvinceCounts>> {
                    let rows = sqlx::query(
                        "SELECT COALESCE(province_code, '') AS province_code, state, COUNT(*) AS n \
                         FROM applications GROUP BY COALESCE(province_code, ''), state",
                    )
                    .fetch_all(&self.pool)
                    .await
                    .map_err(err)?;
                    assemble(&self.pool, rows).await
                }
            }
        }
    };
}

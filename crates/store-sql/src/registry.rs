//! The SQL of `store::registry` that both databases share: counts and the record of imports. The registry and the
//! offices themselves are keyed and loaded each backend's own way (SQLite keeps codes as integers, PostgreSQL loads
//! with COPY), so those methods go to the [`Engine`].

use chrono::{DateTime, Utc};
use domain::{Mobile, NationalCode, Office, OfficeId, Person, ProvinceCode};
use sqlx::{ColumnIndex, Encode, Executor, Type};
use store::{ImportKind, ImportRecord, PersonWriter, Registry, Result, UpsertCounts};

use crate::{back, db_err as err, get, u, Conn, Db, DbRow, Engine, Scalar, SqlStore};

#[async_trait::async_trait]
impl<E: Engine> Registry for SqlStore<E>
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
    async fn person_writer(&self) -> Result<Box<dyn PersonWriter>> {
        E::person_writer(&self.pool).await
    }

    async fn first_load_writer(&self) -> Result<Option<Box<dyn PersonWriter>>> {
        E::first_load_writer(&self.pool).await
    }

    async fn person(&self, code: &NationalCode) -> Result<Option<Person>> {
        E::person(&self.pool, code).await
    }

    async fn count_persons(&self) -> Result<u64> {
        let n: i64 = sqlx::query_scalar("SELECT count(*) FROM persons")
            .fetch_one(&self.pool)
            .await
            .map_err(err)?;
        Ok(back(n))
    }

    async fn national_codes_by_mobile(&self, mobile: &Mobile) -> Result<Vec<NationalCode>> {
        E::national_codes_by_mobile(&self.pool, mobile).await
    }

    async fn upsert_offices(&self, batch: &[Office]) -> Result<UpsertCounts> {
        E::upsert_offices(&self.pool, batch).await
    }

    async fn office(&self, id: &OfficeId) -> Result<Option<Office>> {
        E::office(&self.pool, id).await
    }

    async fn offices_in_province(&self, province: ProvinceCode) -> Result<Vec<Office>> {
        E::offices_in_province(&self.pool, province).await
    }

    async fn count_offices(&self) -> Result<u64> {
        let n: i64 = sqlx::query_scalar("SELECT count(*) FROM offices")
            .fetch_one(&self.pool)
            .await
            .map_err(err)?;
        Ok(back(n))
    }

    async fn record_import(&self, r: &ImportRecord) -> Result<()> {
        sqlx::query(
            "INSERT INTO imports (kind, source, actor, started_at, finished_at, inserted, updated, unchanged, rejected) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(r.kind.as_str())
        .bind(&r.source)
        .bind(&r.actor)
        .bind(r.started_at)
        .bind(r.finished_at)
        .bind(u(r.counts.inserted))
        .bind(u(r.counts.updated))
        .bind(u(r.counts.unchanged))
        .bind(u(r.rejected))
        .execute(&self.pool)
        .await
        .map_err(err)?;
        Ok(())
    }

    async fn imports(&self, limit: u32) -> Result<Vec<ImportRecord>> {
        let rows = sqlx::query(
            "SELECT kind, source, actor, started_at, finished_at, inserted, updated, unchanged, rejected \
             FROM imports ORDER BY id DESC LIMIT $1",
        )
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await
        .map_err(err)?;
        rows.iter()
            .map(|r| {
                let kind: String = get(r, "kind")?;
                Ok(ImportRecord {
                    kind: if kind == "offices" {
                        ImportKind::Offices
                    } else {
                        ImportKind::Registry
                    },
                    source: get(r, "source")?,
                    actor: get(r, "actor")?,
                    started_at: get(r, "started_at")?,
                    finished_at: get(r, "finished_at")?,
                    counts: UpsertCounts {
                        inserted: back(get(r, "inserted")?),
                        updated: back(get(r, "updated")?),
                        unchanged: back(get(r, "unchanged")?),
                    },
                    rejected: back(get(r, "rejected")?),
                })
            })
            .collect()
    }
}

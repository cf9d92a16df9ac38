//! The production store: PostgreSQL (`postgres://…`), migrations embedded, persons loaded with COPY.

use async_trait::async_trait;
use domain::{Mobile, NationalCode, Office, OfficeId, Person, ProvinceCode};
use sqlx::postgres::{PgPoolOptions, PgRow};
use sqlx::{PgPool, Postgres, QueryBuilder, Row};
use std::time::Duration;
use store::codec::{OfficeColumns, PersonColumns};
use store::{
    check_unique, Backend, ImportKind, ImportRecord, PersonWriter, Result, Store, StoreError,
    UpsertCounts,
};

mod copy;
mod first_load;

pub struct PostgresStore {
    pool: PgPool,
}

impl PostgresStore {
    /// Connects to `url` and applies the migrations.
    pub async fn connect(url: &str) -> Result<Self> {
        let pool = PgPoolOptions::new()
            .max_connections(16)
            .acquire_timeout(Duration::from_secs(10))
            .connect(url)
            .await
            .map_err(StoreError::database)?;
        sqlx::migrate!("./migrations")
            .run(&pool)
            .await
            .map_err(|e| StoreError::Migration(e.to_string()))?;
        Ok(Self { pool })
    }

    pub fn pool(&self) -> &PgPool {
        &self.pool
    }
}

use store_sql::db_err as db;

const PERSON_SELECT: &str = "SELECT national_code, first_name, last_name, father_name, mother_name, gender, \
    birth_date_jalali, birth_place, religion, bc_series_letter, bc_series_number, bc_serial, mobiles, postal_code, \
    address, death_date_jalali FROM persons WHERE national_code = $1";

const OFFICE_SELECT: &str =
    "SELECT office_id, name, kind, province_code, city, address, daily_capacity FROM offices";

fn person_columns(r: &PgRow) -> std::result::Result<PersonColumns, sqlx::Error> {
    Ok(PersonColumns {
        national_code: r.try_get(0)?,
        first_name: r.try_get(1)?,
        last_name: r.try_get(2)?,
        father_name: r.try_get(3)?,
        mother_name: r.try_get(4)?,
        gender: r.try_get(5)?,
        birth_date_jalali: r.try_get(6)?,
        birth_place: r.try_get(7)?,
        religion: r.try_get(8)?,
        bc_series_letter: r.try_get(9)?,
        bc_series_number: r.try_get(10)?,
        bc_serial: r.try_get(11)?,
        mobiles: r.try_get(12)?,
        postal_code: r.try_get(13)?,
        address: r.try_get(14)?,
        death_date_jalali: r.try_get(15)?,
        province_code: None,
    })
}

fn office_columns(r: &PgRow) -> std::result::Result<OfficeColumns, sqlx::Error> {
    Ok(OfficeColumns {
        office_id: r.try_get(0)?,
        name: r.try_get(1)?,
        kind: r.try_get(2)?,
        province_code: r.try_get(3)?,
        city: r.try_get(4)?,
        address: r.try_get(5)?,
        daily_capacity: i64::from(r.try_get::<i32, _>(6)?),
    })
}

struct PgPersonWriter {
    tx: sqlx::Transaction<'static, Postgres>,
    counts: UpsertCounts,
}

#[async_trait]
impl PersonWriter for PgPersonWriter {
    async fn write(&mut self, batch: &[Person]) -> Result<()> {
        check_unique(batch.iter().map(|p| &p.national_code))?;
        let cols: Vec<PersonColumns> = batch.iter().map(PersonColumns::from_person).collect();
        self.counts += copy::upsert_persons(&mut self.tx, &cols)
            .await
            .map_err(db)?;
        Ok(())
    }

    async fn commit(self: Box<Self>) -> Result<UpsertCounts> {
        self.tx.commit().await.map_err(db)?;
        Ok(self.counts)
    }
}

/// See [`first_load`].
struct PgFirstLoad {
    tx: sqlx::Transaction<'static, Postgres>,
    rows: u64,
}

#[async_trait]
impl PersonWriter for PgFirstLoad {
    async fn write(&mut self, batch: &[Person]) -> Result<()> {
        let cols: Vec<PersonColumns> = batch.iter().map(PersonColumns::from_person).collect();
        first_load::append(&mut self.tx, &cols).await.map_err(db)?;
        self.rows += batch.len() as u64;
        Ok(())
    }

    async fn commit(mut self: Box<Self>) -> Result<UpsertCounts> {
        let replaced = first_load::finish(&mut self.tx).await.map_err(db)?;
        self.tx.commit().await.map_err(db)?;
        Ok(UpsertCounts {
            inserted: self.rows - replaced,
            updated: replaced,
            unchanged: 0,
        })
    }
}

#[async_trait]
impl Store for PostgresStore {
    fn backend(&self) -> Backend {
        Backend::Postgres
    }

    fn bulk_writers(&self) -> usize {
        2
    }

    async fn ping(&self) -> Result<()> {
        sqlx::query("SELECT 1")
            .execute(&self.pool)
            .await
            .map_err(db)?;
        Ok(())
    }

    async fn first_load_writer(&self) -> Result<Option<Box<dyn PersonWriter>>> {
        // Cheap look first, so an ordinary load never takes the table lock.
        let any: Option<i32> = sqlx::query_scalar("SELECT 1 FROM persons LIMIT 1")
            .fetch_optional(&self.pool)
            .await
            .map_err(db)?;
        if any.is_some() {
            return Ok(None);
        }
        let mut tx = self.pool.begin().await.map_err(db)?;
        if !first_load::begin(&mut tx).await.map_err(db)? {
            return Ok(None); // rolled back: the key is back
        }
        Ok(Some(Box::new(PgFirstLoad { tx, rows: 0 })))
    }

    async fn person_writer(&self) -> Result<Box<dyn PersonWriter>> {
        let tx = self.pool.begin().await.map_err(db)?;
        Ok(Box::new(PgPersonWriter {
            tx,
            counts: UpsertCounts::default(),
        }))
    }

    async fn person(&self, code: &NationalCode) -> Result<Option<Person>> {
        let row = sqlx::query(PERSON_SELECT)
            .bind(code.as_str())
            .fetch_optional(&self.pool)
            .await
            .map_err(db)?;
        row.map(|r| {
            person_columns(&r)
                .map_err(db)
                .and_then(PersonColumns::into_person)
        })
        .transpose()
    }

    async fn count_persons(&self) -> Result<u64> {
        let n: i64 = sqlx::query_scalar("SELECT count(*) FROM persons")
            .fetch_one(&self.pool)
            .await
            .map_err(db)?;
        Ok(n as u64)
    }

    async fn national_codes_by_mobile(&self, mobile: &Mobile) -> Result<Vec<NationalCode>> {
        let codes: Vec<String> = sqlx::query_scalar(
            "SELECT national_code FROM person_mobiles WHERE mobile = $1 ORDER BY national_code",
        )
        .bind(mobile.as_str())
        .fetch_all(&self.pool)
        .await
        .map_err(db)?;
        codes
            .iter()
            .map(|c| {
                NationalCode::parse(c)
                    .map_err(|e| StoreError::corrupt("person_mobiles.national_code", e))
            })
            .collect()
    }

    async fn upsert_offices(&self, batch: &[Office]) -> Result<UpsertCounts> {
        check_unique(batch.iter().map(|o| &o.id))?;
        let cols: Vec<OfficeColumns> = batch.iter().map(OfficeColumns::from_office).collect();
        let mut counts = UpsertCounts::default();
        let mut tx = self.pool.begin().await.map_err(db)?;
        for chunk in cols.chunks(4_000) {
            let mut q = QueryBuilder::<Postgres>::new(
                "INSERT INTO offices (office_id, name, kind, province_code, city, address, daily_capacity) ",
            );
            q.push_values(chunk, |mut b, c| {
                b.push_bind(&c.office_id)
                    .push_bind(&c.name)
                    .push_bind(&c.kind)
                    .push_bind(&c.province_code)
                    .push_bind(&c.city)
                    .push_bind(&c.address)
                    .push_bind(c.daily_capacity as i32);
            });
            q.push(
                " ON CONFLICT (office_id) DO UPDATE SET name = excluded.name, kind = excluded.kind, \
                 province_code = excluded.province_code, city = excluded.city, address = excluded.address, \
                 daily_capacity = excluded.daily_capacity, revision = offices.revision + 1, updated_at = now() \
                 WHERE (offices.name, offices.kind, offices.province_code, offices.city, offices.address, \
                 offices.daily_capacity) IS DISTINCT FROM (excluded.name, excluded.kind, excluded.province_code, \
                 excluded.city, excluded.address, excluded.daily_capacity) RETURNING revision",
            );
            let revisions: Vec<i32> = q
                .build_query_scalar()
                .fetch_all(&mut *tx)
                .await
                .map_err(db)?;
            let inserted = revisions.iter().filter(|&&r| r == 1).count() as u64;
            counts.inserted += inserted;
            counts.updated += revisions.len() as u64 - inserted;
            counts.unchanged += (chunk.len() - revisions.len()) as u64;
        }
        tx.commit().await.map_err(db)?;
        Ok(counts)
    }

    async fn office(&self, id: &OfficeId) -> Result<Option<Office>> {
        let row = sqlx::query(&format!("{OFFICE_SELECT} WHERE office_id = $1"))
            .bind(id.as_str())
            .fetch_optional(&self.pool)
            .await
            .map_err(db)?;
        row.map(|r| {
            office_columns(&r)
                .map_err(db)
                .and_then(OfficeColumns::into_office)
        })
        .transpose()
    }

    async fn offices_in_province(&self, province: ProvinceCode) -> Result<Vec<Office>> {
        let rows = sqlx::query(&format!(
            "{OFFICE_SELECT} WHERE province_code = $1 ORDER BY office_id"
        ))
        .bind(province.as_str())
        .fetch_all(&self.pool)
        .await
        .map_err(db)?;
        rows.iter()
            .map(|r| {
                office_columns(r)
                    .map_err(db)
                    .and_then(OfficeColumns::into_office)
            })
            .collect()
    }

    async fn count_offices(&self) -> Result<u64> {
        let n: i64 = sqlx::query_scalar("SELECT count(*) FROM offices")
            .fetch_one(&self.pool)
            .await
            .map_err(db)?;
        Ok(n as u64)
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
        .bind(r.counts.inserted as i64)
        .bind(r.counts.updated as i64)
        .bind(r.counts.unchanged as i64)
        .bind(r.rejected as i64)
        .execute(&self.pool)
        .await
        .map_err(db)?;
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
        .map_err(db)?;
        rows.iter()
            .map(|r| -> std::result::Result<ImportRecord, sqlx::Error> {
                let kind: String = r.try_get(0)?;
                Ok(ImportRecord {
                    kind: if kind == "offices" {
                        ImportKind::Offices
                    } else {
                        ImportKind::Registry
                    },
                    source: r.try_get(1)?,
                    actor: r.try_get(2)?,
                    started_at: r.try_get(3)?,
                    finished_at: r.try_get(4)?,
                    counts: UpsertCounts {
                        inserted: r.try_get::<i64, _>(5)? as u64,
                        updated: r.try_get::<i64, _>(6)? as u64,
                        unchanged: r.try_get::<i64, _>(7)? as u64,
                    },
                    rejected: r.try_get::<i64, _>(8)? as u64,
                })
            })
            .collect::<std::result::Result<_, _>>()
            .map_err(db)
    }
}

store_sql::impl_journey!(crate::PostgresStore, sqlx::Postgres, "BEGIN");
store_sql::impl_agencies!(crate::PostgresStore, sqlx::Postgres, "BEGIN");
store_sql::impl_audit!(crate::PostgresStore, sqlx::Postgres);
store_sql::impl_stats!(crate::PostgresStore, sqlx::Postgres, "BEGIN");
store_sql::impl_production!(
    crate::PostgresStore,
    sqlx::Postgres,
    "BEGIN",
    "a.national_code"
);

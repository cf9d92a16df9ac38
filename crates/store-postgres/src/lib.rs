//! The production store: PostgreSQL (`postgres://…`), migrations embedded, persons loaded with COPY.

use async_trait::async_trait;
use domain::{Mobile, NationalCode, Office, OfficeId, Person, ProvinceCode};
use sqlx::postgres::{PgArguments, PgPoolOptions, PgQueryResult, PgRow};
use sqlx::query::Query;
use sqlx::{PgPool, Postgres, QueryBuilder, Row};
use std::sync::Arc;
use std::time::Duration;
use store::changes::{ChangeSink, Watch};
use store::codec::{OfficeColumns, PersonColumns};
use store::{check_unique, Backend, PersonWriter, Result, StoreError, UpsertCounts};
use store_sql::{Engine, SqlStore};

pub mod changes;
mod copy;
mod first_load;

/// The store on PostgreSQL: `PostgresStore::connect(url)` opens it.
pub type PostgresStore = SqlStore<PostgresEngine>;

/// What is PostgreSQL's own in the store (see [`Engine`]).
pub struct PostgresEngine;

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
impl Engine for PostgresEngine {
    type Db = Postgres;
    const KIND: Backend = Backend::Postgres;
    const BEGIN: &'static str = "BEGIN";
    const PASS_LOCK: Option<&'static str> = Some("SELECT pg_advisory_xact_lock($1)");
    const PERSON_CODE: &'static str = "a.national_code";
    const BULK_WRITERS: usize = 2;

    type Feed = changes::PgFeed;

    /// Connects to `url` and applies the migrations.
    async fn connect(url: &str, _feed: &changes::PgFeed) -> Result<PgPool> {
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
        Ok(pool)
    }

    async fn watch(
        pool: &PgPool,
        feed: &changes::PgFeed,
        sink: Arc<dyn ChangeSink>,
    ) -> Result<Watch> {
        changes::watch(pool, feed, sink).await
    }

    async fn fence(pool: &PgPool, feed: &changes::PgFeed) -> Result<()> {
        changes::fence(pool, feed).await
    }

    fn build<'q>(q: &'q mut QueryBuilder<'_, Postgres>) -> Query<'q, Postgres, PgArguments> {
        q.build()
    }

    fn rows_affected(done: &PgQueryResult) -> u64 {
        done.rows_affected()
    }

    async fn person_writer(pool: &PgPool) -> Result<Box<dyn PersonWriter>> {
        let tx = pool.begin().await.map_err(db)?;
        Ok(Box::new(PgPersonWriter {
            tx,
            counts: UpsertCounts::default(),
        }))
    }

    async fn first_load_writer(pool: &PgPool) -> Result<Option<Box<dyn PersonWriter>>> {
        // Cheap look first, so an ordinary load never takes the table lock.
        let any: Option<i32> = sqlx::query_scalar("SELECT 1 FROM persons LIMIT 1")
            .fetch_optional(pool)
            .await
            .map_err(db)?;
        if any.is_some() {
            return Ok(None);
        }
        let mut tx = pool.begin().await.map_err(db)?;
        if !first_load::begin(&mut tx).await.map_err(db)? {
            return Ok(None); // rolled back: the key is back
        }
        Ok(Some(Box::new(PgFirstLoad { tx, rows: 0 })))
    }

    async fn person(pool: &PgPool, code: &NationalCode) -> Result<Option<Person>> {
        let row = sqlx::query(PERSON_SELECT)
            .bind(code.as_str())
            .fetch_optional(pool)
            .await
            .map_err(db)?;
        row.map(|r| {
            person_columns(&r)
                .map_err(db)
                .and_then(PersonColumns::into_person)
        })
        .transpose()
    }

    async fn national_codes_by_mobile(pool: &PgPool, mobile: &Mobile) -> Result<Vec<NationalCode>> {
        let codes: Vec<String> = sqlx::query_scalar(
            "SELECT national_code FROM person_mobiles WHERE mobile = $1 ORDER BY national_code",
        )
        .bind(mobile.as_str())
        .fetch_all(pool)
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

    async fn upsert_offices(pool: &PgPool, batch: &[Office]) -> Result<UpsertCounts> {
        check_unique(batch.iter().map(|o| &o.id))?;
        let cols: Vec<OfficeColumns> = batch.iter().map(OfficeColumns::from_office).collect();
        let mut counts = UpsertCounts::default();
        let mut tx = pool.begin().await.map_err(db)?;
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

    async fn office(pool: &PgPool, id: &OfficeId) -> Result<Option<Office>> {
        let row = sqlx::query(&format!("{OFFICE_SELECT} WHERE office_id = $1"))
            .bind(id.as_str())
            .fetch_optional(pool)
            .await
            .map_err(db)?;
        row.map(|r| {
            office_columns(&r)
                .map_err(db)
                .and_then(OfficeColumns::into_office)
        })
        .transpose()
    }

    async fn offices_in_province(pool: &PgPool, province: ProvinceCode) -> Result<Vec<Office>> {
        let rows = sqlx::query(&format!(
            "{OFFICE_SELECT} WHERE province_code = $1 ORDER BY office_id"
        ))
        .bind(province.as_str())
        .fetch_all(pool)
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
}

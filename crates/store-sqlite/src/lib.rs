//! The embedded default store: one SQLite file (`sqlite://shenas.db`), WAL journal, migrations embedded.
//! Writes are batched into multi-row statements inside one transaction per batch, so an interrupted import
//! leaves whole persons or none.

use async_trait::async_trait;
use domain::{Mobile, NationalCode, Office, OfficeId, Person, ProvinceCode};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{QueryBuilder, Row, Sqlite, SqlitePool};
use std::str::FromStr;
use std::time::Duration;
use store::codec::{attributed_province, OfficeColumns, PersonColumns};
use store::{
    check_unique, Backend, ImportKind, ImportRecord, Result, Store, StoreError, UpsertCounts,
};

mod rows;

/// Rows per multi-row statement: 18 parameters a row stays under SQLite's 32,766-parameter limit.
const ROWS_PER_STATEMENT: usize = 1_000;

pub struct SqliteStore {
    pool: SqlitePool,
}

impl SqliteStore {
    /// Opens (creating if missing) the database at `url` (`sqlite://path`, `sqlite::memory:`) and migrates it.
    pub async fn connect(url: &str) -> Result<Self> {
        let memory = url.contains(":memory:");
        let opts = SqliteConnectOptions::from_str(url)
            .map_err(StoreError::database)?
            .create_if_missing(true)
            .journal_mode(if memory {
                SqliteJournalMode::Memory
            } else {
                SqliteJournalMode::Wal
            })
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10))
            .pragma("cache_size", "-32768")
            .pragma("temp_store", "memory");
        // An in-memory database exists per connection: keep exactly one.
        let max = if memory { 1 } else { 8 };
        let pool = SqlitePoolOptions::new()
            .max_connections(max)
            .min_connections(1)
            .connect_with(opts)
            .await
            .map_err(StoreError::database)?;
        sqlx::migrate!("./migrations")
            .run(&pool)
            .await
            .map_err(|e| StoreError::Migration(e.to_string()))?;
        Ok(Self { pool })
    }

    pub fn pool(&self) -> &SqlitePool {
        &self.pool
    }
}

fn db(e: sqlx::Error) -> StoreError {
    if let sqlx::Error::Database(d) = &e {
        if d.is_unique_violation() || d.is_foreign_key_violation() || d.is_check_violation() {
            return StoreError::Conflict(d.message().to_string());
        }
    }
    StoreError::database(e)
}

fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
}

const PERSON_COLUMNS: &str = "national_code, first_name, last_name, father_name, mother_name, gender, \
    birth_date_jalali, birth_place, religion, bc_series_letter, bc_series_number, bc_serial, mobiles, postal_code, \
    address, death_date_jalali";

#[async_trait]
impl Store for SqliteStore {
    fn backend(&self) -> Backend {
        Backend::Sqlite
    }

    async fn ping(&self) -> Result<()> {
        sqlx::query("SELECT 1")
            .execute(&self.pool)
            .await
            .map_err(db)?;
        Ok(())
    }

    async fn upsert_persons(&self, batch: &[Person]) -> Result<UpsertCounts> {
        check_unique(batch.iter().map(|p| &p.national_code))?;
        let cols: Vec<PersonColumns> = batch.iter().map(PersonColumns::from_person).collect();
        let stamp = now();
        let mut counts = UpsertCounts::default();
        let mut tx = self.pool.begin().await.map_err(db)?;
        for chunk in cols.chunks(ROWS_PER_STATEMENT) {
            let mut q = QueryBuilder::<Sqlite>::new(format!(
                "INSERT INTO persons ({PERSON_COLUMNS}, province_code, updated_at) "
            ));
            q.push_values(chunk, |mut b, c| {
                b.push_bind(&c.national_code)
                    .push_bind(&c.first_name)
                    .push_bind(&c.last_name)
                    .push_bind(&c.father_name)
                    .push_bind(&c.mother_name)
                    .push_bind(&c.gender)
                    .push_bind(&c.birth_date_jalali)
                    .push_bind(&c.birth_place)
                    .push_bind(&c.religion)
                    .push_bind(&c.bc_series_letter)
                    .push_bind(&c.bc_series_number)
                    .push_bind(&c.bc_serial)
                    .push_bind(&c.mobiles)
                    .push_bind(&c.postal_code)
                    .push_bind(&c.address)
                    .push_bind(&c.death_date_jalali)
                    .push_bind(
                        NationalCode::parse(&c.national_code)
                            .ok()
                            .as_ref()
                            .and_then(attributed_province),
                    )
                    .push_bind(&stamp);
            });
            q.push(rows::PERSON_UPSERT_TAIL);
            let changed = q.build().fetch_all(&mut *tx).await.map_err(db)?;
            let mut updated_codes: Vec<String> = Vec::new();
            let mut changed_codes = std::collections::HashSet::with_capacity(changed.len());
            for row in &changed {
                let code: String = row.try_get(0).map_err(db)?;
                let revision: i64 = row.try_get(1).map_err(db)?;
                if revision == 1 {
                    counts.inserted += 1;
                } else {
                    counts.updated += 1;
                    updated_codes.push(code.clone());
                }
                changed_codes.insert(code);
            }
            counts.unchanged += (chunk.len() - changed.len()) as u64;
            for codes in updated_codes.chunks(ROWS_PER_STATEMENT) {
                let mut d = QueryBuilder::<Sqlite>::new(
                    "DELETE FROM person_mobiles WHERE national_code IN (",
                );
                let mut sep = d.separated(", ");
                for c in codes {
                    sep.push_bind(c);
                }
                d.push(")");
                d.build().execute(&mut *tx).await.map_err(db)?;
            }
            let pairs: Vec<(&str, &str)> = chunk
                .iter()
                .filter(|c| changed_codes.contains(&c.national_code))
                .flat_map(|c| {
                    c.mobiles
                        .split(';')
                        .filter(|m| !m.is_empty())
                        .map(move |m| (c.national_code.as_str(), m))
                })
                .collect();
            for part in pairs.chunks(ROWS_PER_STATEMENT * 8) {
                let mut m = QueryBuilder::<Sqlite>::new(
                    "INSERT INTO person_mobiles (national_code, mobile) ",
                );
                m.push_values(part, |mut b, (code, mobile)| {
                    b.push_bind(*code).push_bind(*mobile);
                });
                m.build().execute(&mut *tx).await.map_err(db)?;
            }
        }
        tx.commit().await.map_err(db)?;
        Ok(counts)
    }

    async fn person(&self, code: &NationalCode) -> Result<Option<Person>> {
        let row = sqlx::query(&format!(
            "SELECT {PERSON_COLUMNS} FROM persons WHERE national_code = ?"
        ))
        .bind(code.as_str())
        .fetch_optional(&self.pool)
        .await
        .map_err(db)?;
        row.map(|r| rows::person_columns(&r).and_then(PersonColumns::into_person))
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
            "SELECT national_code FROM person_mobiles WHERE mobile = ? ORDER BY national_code",
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
        let stamp = now();
        let mut counts = UpsertCounts::default();
        let mut tx = self.pool.begin().await.map_err(db)?;
        for chunk in cols.chunks(ROWS_PER_STATEMENT) {
            let mut q = QueryBuilder::<Sqlite>::new(
                "INSERT INTO offices (office_id, name, kind, province_code, city, address, daily_capacity, updated_at) ",
            );
            q.push_values(chunk, |mut b, c| {
                b.push_bind(&c.office_id)
                    .push_bind(&c.name)
                    .push_bind(&c.kind)
                    .push_bind(&c.province_code)
                    .push_bind(&c.city)
                    .push_bind(&c.address)
                    .push_bind(c.daily_capacity)
                    .push_bind(&stamp);
            });
            q.push(rows::OFFICE_UPSERT_TAIL);
            let revisions: Vec<i64> = q
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
        let row = sqlx::query(rows::OFFICE_SELECT_BY_ID)
            .bind(id.as_str())
            .fetch_optional(&self.pool)
            .await
            .map_err(db)?;
        row.map(|r| rows::office_columns(&r).and_then(OfficeColumns::into_office))
            .transpose()
    }

    async fn offices_in_province(&self, province: ProvinceCode) -> Result<Vec<Office>> {
        let rows = sqlx::query(rows::OFFICE_SELECT_BY_PROVINCE)
            .bind(province.as_str())
            .fetch_all(&self.pool)
            .await
            .map_err(db)?;
        rows.iter()
            .map(|r| rows::office_columns(r).and_then(OfficeColumns::into_office))
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
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(r.kind.as_str())
        .bind(&r.source)
        .bind(&r.actor)
        .bind(r.started_at.to_rfc3339())
        .bind(r.finished_at.to_rfc3339())
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
             FROM imports ORDER BY id DESC LIMIT ?",
        )
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await
        .map_err(db)?;
        rows.iter()
            .map(|r| {
                let ts = |i: usize| -> Result<chrono::DateTime<chrono::Utc>> {
                    let s: String = r.try_get(i).map_err(db)?;
                    chrono::DateTime::parse_from_rfc3339(&s)
                        .map(|t| t.with_timezone(&chrono::Utc))
                        .map_err(|e| StoreError::corrupt("imports.time", e))
                };
                let kind: String = r.try_get(0).map_err(db)?;
                Ok(ImportRecord {
                    kind: if kind == "offices" {
                        ImportKind::Offices
                    } else {
                        ImportKind::Registry
                    },
                    source: r.try_get(1).map_err(db)?,
                    actor: r.try_get(2).map_err(db)?,
                    started_at: ts(3)?,
                    finished_at: ts(4)?,
                    counts: UpsertCounts {
                        inserted: r.try_get::<i64, _>(5).map_err(db)? as u64,
                        updated: r.try_get::<i64, _>(6).map_err(db)? as u64,
                        unchanged: r.try_get::<i64, _>(7).map_err(db)? as u64,
                    },
                    rejected: r.try_get::<i64, _>(8).map_err(db)? as u64,
                })
            })
            .collect()
    }
}

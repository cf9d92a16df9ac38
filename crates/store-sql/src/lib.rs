//! The store's SQL, written once. SQLite and PostgreSQL agree on nearly everything it needs (`$1` placeholders,
//! `RETURNING`, `ON CONFLICT … DO UPDATE … WHERE`, partial unique indexes), so [`SqlStore`] implements every
//! feature trait of `shenas-store` once, generically over an [`Engine`]: the few things that differ (the sqlx
//! database type, how a write transaction opens, the registry's key type, the bulk paths of the registry and the
//! offices) are what each backend crate supplies. Each backend keeps its own migrations with the same table and
//! column names; only column types differ (TEXT vs TIMESTAMPTZ for instants).
//!
//! One file per feature, with the same name as the trait's module in `shenas-store`: `applications.rs` holds
//! the SQL behind `store::applications`, and so on. `history.rs` holds the moves of an application's state (with
//! their history rows and counters) that several features share, `rows.rs` the decoders of shared columns.
//!
//! Every generic impl here carries the same `where` clause: the sqlx facts about the engine's database that the
//! SQL relies on (its connections execute queries; the value types bind and decode). Rust does not carry such
//! facts from a trait to its users, so each impl restates them; both databases satisfy them.
//!
//! This crate holds no state and opens no connection itself; it must never hold SQL that one of the two dialects
//! reads differently.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use domain::{Mobile, NationalCode, Office, OfficeId, Person, ProvinceCode};
use sqlx::{ColumnIndex, Database, Encode, Executor, IntoArguments, Pool, QueryBuilder, Type};
use std::sync::Arc;
use store::changes::{ChangeSink, Watch};
use store::{Changes, PersonWriter, Result, Store, UpsertCounts};

mod applications;
mod appointments;
mod audit;
mod backlog;
mod bank;
mod cards;
mod columns;
mod dedup;
mod enrollment;
mod history;
mod idempotency;
mod kits;
mod nationality;
mod outbox;
mod passes;
mod payments;
mod pickup;
mod pki;
mod production;
mod registry;
mod rows;
mod shipments;
mod staff;
mod stats;
mod suspension;
mod verification;
mod visits;

pub use columns::{back, corrupt, db_err, get, u, Columns, Get, Scalar};

/// The sqlx database of an engine, with what the shared SQL needs of it that Rust can carry as a bound: rows
/// readable by column name ([`Columns`]), and arguments a query can take.
pub trait SqlDatabase:
    Database<Row: Columns> + for<'q> Database<Arguments<'q>: IntoArguments<'q, Self>>
{
}

impl<DB> SqlDatabase for DB where
    DB: Database<Row: Columns> + for<'q> Database<Arguments<'q>: IntoArguments<'q, DB>>
{
}

/// What a backend crate supplies: its database, how it opens, and what differs between SQLite and PostgreSQL.
#[async_trait]
pub trait Engine: Sized + Send + Sync + 'static {
    type Db: SqlDatabase;

    const KIND: store::Backend;

    /// The statement that opens a write transaction: `BEGIN IMMEDIATE` on SQLite, so two writers never deadlock
    /// on a lock upgrade; `BEGIN` on PostgreSQL, where row locks order writers.
    const BEGIN: &'static str;

    /// The statement that makes a background pass single across instances for the rest of its transaction,
    /// waiting for the instance that holds it (`$1`: the pass's key): a transaction-scoped advisory lock on
    /// PostgreSQL; none on SQLite, whose `BEGIN IMMEDIATE` already lets one writer in at a time.
    const PASS_LOCK: Option<&'static str>;

    /// The expression that turns `a.national_code` (text) into the registry's key type, for a join with
    /// `persons p`.
    const PERSON_CODE: &'static str;

    /// See [`Store::bulk_writers`].
    const BULK_WRITERS: usize;

    /// What the engine keeps for its change notices (see `store::changes`): SQLite's hooks report into it from
    /// every connection, PostgreSQL's listener runs from it.
    type Feed: Default + Send + Sync + 'static;

    /// Opens (creating where the engine does) the database at `url` and migrates it; connections report their
    /// changes to `feed`.
    async fn connect(url: &str, feed: &Self::Feed) -> Result<Pool<Self::Db>>;

    /// See [`store::Changes::watch`].
    async fn watch(
        pool: &Pool<Self::Db>,
        feed: &Self::Feed,
        sink: Arc<dyn ChangeSink>,
    ) -> Result<Watch>;

    /// See [`store::Changes::fence`].
    async fn fence(pool: &Pool<Self::Db>, feed: &Self::Feed) -> Result<()>;

    /// A statement built with [`QueryBuilder`], ready to run. Generic code cannot call `build` itself: the built
    /// query must borrow its builder only as long as it runs, which needs the arguments' concrete type.
    fn build<'q>(
        q: &'q mut QueryBuilder<'_, Self::Db>,
    ) -> sqlx::query::Query<'q, Self::Db, Args<'q, Self>>;

    /// How many rows a statement changed (each database's result type says it its own way).
    fn rows_affected(done: &<Self::Db as Database>::QueryResult) -> u64;

    // The registry and the offices: each backend keys and loads them its own way (see `store::Registry`).

    async fn person_writer(pool: &Pool<Self::Db>) -> Result<Box<dyn PersonWriter>>;

    async fn first_load_writer(pool: &Pool<Self::Db>) -> Result<Option<Box<dyn PersonWriter>>>;

    async fn person(pool: &Pool<Self::Db>, code: &NationalCode) -> Result<Option<Person>>;

    async fn national_codes_by_mobile(
        pool: &Pool<Self::Db>,
        mobile: &Mobile,
    ) -> Result<Vec<NationalCode>>;

    async fn upsert_offices(pool: &Pool<Self::Db>, batch: &[Office]) -> Result<UpsertCounts>;

    async fn office(pool: &Pool<Self::Db>, id: &OfficeId) -> Result<Option<Office>>;

    async fn offices_in_province(
        pool: &Pool<Self::Db>,
        province: ProvinceCode,
    ) -> Result<Vec<Office>>;
}

/// The sqlx database of engine `E`.
pub type Db<E> = <E as Engine>::Db;
/// A connection to it (a transaction derefs to one).
pub type Conn<E> = <Db<E> as Database>::Connection;
/// Its rows.
pub type DbRow<E> = <Db<E> as Database>::Row;
/// Its query arguments.
pub type Args<'q, E> = <Db<E> as Database>::Arguments<'q>;

/// A store on engine `E`: every feature of `shenas-store`, written once for both databases.
pub struct SqlStore<E: Engine> {
    pool: Pool<E::Db>,
    feed: E::Feed,
}

impl<E: Engine> SqlStore<E> {
    /// Opens (creating where the engine does) the database at `url` and migrates it.
    pub async fn connect(url: &str) -> Result<Self> {
        let feed = E::Feed::default();
        Ok(Self {
            pool: E::connect(url, &feed).await?,
            feed,
        })
    }

    pub fn pool(&self) -> &Pool<E::Db> {
        &self.pool
    }
}

#[async_trait]
impl<E: Engine> Store for SqlStore<E>
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
    fn backend(&self) -> store::Backend {
        E::KIND
    }

    fn bulk_writers(&self) -> usize {
        E::BULK_WRITERS
    }

    async fn ping(&self) -> Result<()> {
        sqlx::query("SELECT 1")
            .execute(&self.pool)
            .await
            .map_err(db_err)?;
        Ok(())
    }
}

#[async_trait]
impl<E: Engine> Changes for SqlStore<E> {
    async fn watch(&self, sink: Arc<dyn ChangeSink>) -> Result<Watch> {
        E::watch(&self.pool, &self.feed, sink).await
    }

    async fn fence(&self) -> Result<()> {
        E::fence(&self.pool, &self.feed).await
    }
}

//! The bulk path for persons: the batch goes into an unjournaled in-memory staging table (no index, no conflicts),
//! then a few set-based statements do the work inside SQLite: replace the mobile pairs of those whose numbers
//! changed (computed before the upsert, while the old numbers are still there), and upsert the persons, leaving
//! identical rows alone. Counts come from the staging table and the upsert's change count.

use sqlx::query_builder::Separated;
use sqlx::{QueryBuilder, Sqlite, SqliteConnection};
use store::codec::PersonColumns;
use store::UpsertCounts;

/// 17 parameters a row stays under SQLite's 32,766-parameter limit.
const ROWS_PER_STATEMENT: usize = 1_500;

/// Every connection attaches an in-memory `stage` database with no journal (see `connect`): what is staged is
/// cleared for each batch, so it needs no rollback, and a long transaction does not grow a journal of it.
pub const ATTACH_STAGE: &str =
    "ATTACH DATABASE ':memory:' AS stage; PRAGMA stage.journal_mode = OFF;";

const STAGING: &str = "CREATE TABLE IF NOT EXISTS stage.person_staging ( \
    national_code INTEGER, first_name TEXT, last_name TEXT, father_name TEXT, mother_name TEXT, gender TEXT, \
    birth_date_jalali TEXT, birth_place TEXT, religion TEXT, bc_series_letter TEXT, bc_series_number TEXT, \
    bc_serial TEXT, mobiles TEXT, postal_code TEXT, address TEXT, death_date_jalali TEXT, province_code TEXT)";

/// The stage is read in national-code order: the merge then walks the registry's index front to back.
const STAGING_INDEX: &str =
    "CREATE INDEX IF NOT EXISTS stage.person_staging_by_code ON person_staging (national_code)";

const STAGE_INSERT: &str = "INSERT INTO stage.person_staging (national_code, first_name, last_name, father_name, \
    mother_name, gender, birth_date_jalali, birth_place, religion, bc_series_letter, bc_series_number, bc_serial, \
    mobiles, postal_code, address, death_date_jalali, province_code) ";

const EXISTING: &str =
    "SELECT count(*) FROM stage.person_staging s JOIN persons p ON p.national_code = s.national_code";

/// `a;b` as the JSON array `["a","b"]` (numbers are validated digits: nothing to escape).
macro_rules! json_list {
    ($col:literal) => {
        concat!(
            "json_each('[\"' || replace(",
            $col,
            ", ';', '\",\"') || '\"]')"
        )
    };
}

const DELETE_STALE_PAIRS: &str = concat!(
    "DELETE FROM person_mobiles WHERE (mobile, national_code) IN ( \
     SELECT CAST(j.value AS INTEGER), p.national_code FROM stage.person_staging s \
     JOIN persons p ON p.national_code = s.national_code JOIN ",
    json_list!("p.mobiles"),
    " j WHERE p.mobiles <> s.mobiles AND p.mobiles <> '')"
);

const INSERT_NEW_PAIRS: &str = concat!(
    "INSERT OR IGNORE INTO person_mobiles (mobile, national_code) \
     SELECT CAST(j.value AS INTEGER), s.national_code FROM stage.person_staging s \
     LEFT JOIN persons p ON p.national_code = s.national_code JOIN ",
    json_list!("s.mobiles"),
    " j WHERE s.mobiles <> '' AND (p.national_code IS NULL OR p.mobiles <> s.mobiles) ORDER BY 1, 2"
);

const UPSERT: &str = "INSERT INTO persons (national_code, first_name, last_name, father_name, mother_name, gender, \
    birth_date_jalali, birth_place, religion, bc_series_letter, bc_series_number, bc_serial, mobiles, postal_code, \
    address, death_date_jalali, province_code, updated_at) \
    SELECT national_code, first_name, last_name, father_name, mother_name, gender, birth_date_jalali, birth_place, \
    religion, bc_series_letter, bc_series_number, bc_serial, mobiles, postal_code, address, death_date_jalali, \
    province_code, ? FROM stage.person_staging ORDER BY national_code";

/// Binds a person's 17 columns in table order (the integer national code first, the attributed province last):
/// the values of a staged row and of a first-load row alike.
pub(crate) fn bind_person<'q>(
    b: &mut Separated<'_, 'q, Sqlite, &'static str>,
    c: &'q PersonColumns,
) {
    b.push_bind(c.national_code.parse::<i64>().unwrap_or(0))
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
        .push_bind(c.province_code);
}

/// Adds rows to the stage (inside the caller's transaction).
pub async fn stage(conn: &mut SqliteConnection, rows: &[PersonColumns]) -> Result<(), sqlx::Error> {
    sqlx::query(STAGING).execute(&mut *conn).await?;
    sqlx::query(STAGING_INDEX).execute(&mut *conn).await?;
    for chunk in rows.chunks(ROWS_PER_STATEMENT) {
        let mut q = QueryBuilder::<Sqlite>::new(STAGE_INSERT);
        q.push_values(chunk, |mut b, c| {
            bind_person(&mut b, c);
        });
        q.build().execute(&mut *conn).await?;
    }
    Ok(())
}

/// Merges everything staged into the registry, in national-code order (each index page is visited once), and
/// empties the stage. `staged` is the number of rows staged (each code once).
pub async fn merge(
    conn: &mut SqliteConnection,
    staged: u64,
    stamp: &str,
) -> Result<UpsertCounts, sqlx::Error> {
    if staged == 0 {
        return Ok(UpsertCounts::default());
    }
    let existing: i64 = sqlx::query_scalar(EXISTING).fetch_one(&mut *conn).await?;
    sqlx::query(DELETE_STALE_PAIRS).execute(&mut *conn).await?;
    sqlx::query(INSERT_NEW_PAIRS).execute(&mut *conn).await?;
    let changed = sqlx::query(&format!("{UPSERT}{}", crate::rows::PERSON_UPSERT_TAIL))
        .bind(stamp)
        .execute(&mut *conn)
        .await?
        .rows_affected();
    sqlx::query("DELETE FROM stage.person_staging")
        .execute(&mut *conn)
        .await?;
    let inserted = staged - existing as u64;
    let updated = changed.saturating_sub(inserted);
    Ok(UpsertCounts {
        inserted,
        updated,
        unchanged: existing as u64 - updated,
    })
}

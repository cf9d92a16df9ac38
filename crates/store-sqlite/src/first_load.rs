//! The first load into an empty registry, in one transaction: rows are appended with no index to maintain, then
//! the national-code index is built once by sorting (repeated codes keep their last row, as a re-run would), and
//! the mobile-number index is filled in key order. Nothing is visible, and nothing lands, before the commit; an
//! interrupted first load leaves the registry empty, ready to be run again.

use sqlx::{QueryBuilder, Sqlite, SqliteConnection};
use store::codec::PersonColumns;

const ROWS_PER_STATEMENT: usize = 1_500;

const INSERT: &str = "INSERT INTO persons (national_code, first_name, last_name, father_name, mother_name, gender, \
    birth_date_jalali, birth_place, religion, bc_series_letter, bc_series_number, bc_serial, mobiles, postal_code, \
    address, death_date_jalali, province_code, updated_at) ";

const UNIQUE_INDEX: &str = "CREATE UNIQUE INDEX persons_national_code ON persons (national_code)";

/// Only where the file repeated a code: keep each code's last row.
const DEDUPLICATE: &[&str] = &[
    "CREATE INDEX persons_national_code_load ON persons (national_code, id)",
    "DELETE FROM persons WHERE EXISTS (SELECT 1 FROM persons q \
     WHERE q.national_code = persons.national_code AND q.id > persons.id)",
    "DROP INDEX persons_national_code_load",
];

const MOBILES: &str = "INSERT INTO person_mobiles (mobile, national_code) \
    SELECT CAST(j.value AS INTEGER), p.national_code FROM persons p \
    JOIN json_each('[\"' || replace(p.mobiles, ';', '\",\"') || '\"]') j WHERE p.mobiles <> '' ORDER BY 1, 2";

/// Takes the registry for a first load if it is empty: drops its national-code index inside the transaction
/// (rolled back with it) and checks, under the write lock, that no person exists. `false`: not empty.
pub async fn begin(conn: &mut SqliteConnection) -> Result<bool, sqlx::Error> {
    sqlx::query("DROP INDEX persons_national_code")
        .execute(&mut *conn)
        .await?;
    let any: Option<i64> = sqlx::query_scalar("SELECT 1 FROM persons LIMIT 1")
        .fetch_optional(&mut *conn)
        .await?;
    let mobiles: Option<i64> = sqlx::query_scalar("SELECT 1 FROM person_mobiles LIMIT 1")
        .fetch_optional(&mut *conn)
        .await?;
    Ok(any.is_none() && mobiles.is_none())
}

pub async fn append(
    conn: &mut SqliteConnection,
    rows: &[PersonColumns],
    stamp: &str,
) -> Result<(), sqlx::Error> {
    for chunk in rows.chunks(ROWS_PER_STATEMENT) {
        let mut q = QueryBuilder::<Sqlite>::new(INSERT);
        q.push_values(chunk, |mut b, c| {
            crate::bulk::bind_person(&mut b, c);
            b.push_bind(stamp);
        });
        q.build().execute(&mut *conn).await?;
    }
    Ok(())
}

/// Builds the indexes; returns how many rows were replaced by a later row of the same code.
pub async fn finish(conn: &mut SqliteConnection) -> Result<u64, sqlx::Error> {
    let mut replaced = 0;
    if let Err(e) = sqlx::query(UNIQUE_INDEX).execute(&mut *conn).await {
        let repeated = matches!(&e, sqlx::Error::Database(d) if d.is_unique_violation());
        if !repeated {
            return Err(e);
        }
        for (i, sql) in DEDUPLICATE.iter().enumerate() {
            let done = sqlx::query(sql).execute(&mut *conn).await?;
            if i == 1 {
                replaced = done.rows_affected();
            }
        }
        sqlx::query(UNIQUE_INDEX).execute(&mut *conn).await?;
    }
    sqlx::query(MOBILES).execute(&mut *conn).await?;
    Ok(replaced)
}

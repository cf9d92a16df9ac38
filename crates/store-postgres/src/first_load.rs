//! The first load into an empty registry, in one transaction: the primary key is dropped (inside the
//! transaction, so a rollback restores it), rows are copied straight into `persons`, then the key is built once
//! by sorting (repeated codes keep their last row), and the mobile-number index is filled in key order.
//! The table is locked for the load; nothing lands before the commit.

use sqlx::PgConnection;
use store::codec::PersonColumns;

const TAKE: &str = "ALTER TABLE persons DROP CONSTRAINT persons_pkey";
const COPY: &str = "COPY persons (national_code, first_name, last_name, father_name, mother_name, gender, \
    birth_date_jalali, birth_place, religion, bc_series_letter, bc_series_number, bc_serial, mobiles, postal_code, \
    address, death_date_jalali, province_code) FROM STDIN";
const PRIMARY_KEY: &str =
    "ALTER TABLE persons ADD CONSTRAINT persons_pkey PRIMARY KEY (national_code)";
/// Only where the file repeated a code: rows were appended in file order within this transaction.
const DEDUPLICATE: &str = "DELETE FROM persons a USING persons b \
    WHERE a.national_code = b.national_code AND a.ctid < b.ctid";
const MOBILES: &str = "INSERT INTO person_mobiles (mobile, national_code) \
    SELECT m, p.national_code FROM persons p CROSS JOIN LATERAL unnest(string_to_array(p.mobiles, ';')) AS m \
    WHERE p.mobiles <> '' ORDER BY 1, 2";

/// Takes the registry for a first load if it is empty. `false`: not empty (the caller rolls back).
pub async fn begin(conn: &mut PgConnection) -> Result<bool, sqlx::Error> {
    sqlx::query(TAKE).execute(&mut *conn).await?;
    let any: Option<i32> = sqlx::query_scalar("SELECT 1 FROM persons LIMIT 1")
        .fetch_optional(&mut *conn)
        .await?;
    let mobiles: Option<i32> = sqlx::query_scalar("SELECT 1 FROM person_mobiles LIMIT 1")
        .fetch_optional(&mut *conn)
        .await?;
    Ok(any.is_none() && mobiles.is_none())
}

pub async fn append(conn: &mut PgConnection, rows: &[PersonColumns]) -> Result<(), sqlx::Error> {
    let mut copy = conn.copy_in_raw(COPY).await?;
    for part in rows.chunks(5_000) {
        copy.send(crate::copy::encode(part)).await?;
    }
    copy.finish().await?;
    Ok(())
}

/// Builds the key and the number index; returns how many rows a later row of the same code replaced.
pub async fn finish(conn: &mut PgConnection) -> Result<u64, sqlx::Error> {
    sqlx::query("SAVEPOINT build_key")
        .execute(&mut *conn)
        .await?;
    let mut replaced = 0;
    if let Err(e) = sqlx::query(PRIMARY_KEY).execute(&mut *conn).await {
        if !matches!(&e, sqlx::Error::Database(d) if d.is_unique_violation()) {
            return Err(e);
        }
        sqlx::query("ROLLBACK TO SAVEPOINT build_key")
            .execute(&mut *conn)
            .await?;
        replaced = sqlx::query(DEDUPLICATE)
            .execute(&mut *conn)
            .await?
            .rows_affected();
        sqlx::query(PRIMARY_KEY).execute(&mut *conn).await?;
    }
    sqlx::query(MOBILES).execute(&mut *conn).await?;
    Ok(replaced)
}

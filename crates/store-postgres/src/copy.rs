//! The bulk path for persons: COPY the batch into a session-local staging table, then set-based statements.
//! An identical row is left alone; a changed row gets a new revision and its mobile numbers are replaced.

use sqlx::PgConnection;
use std::collections::HashMap;
use store::codec::PersonColumns;
use store::UpsertCounts;

const STAGING: &str = "CREATE TEMP TABLE IF NOT EXISTS person_staging ( \
    national_code text COLLATE \"C\", first_name text, last_name text, father_name text, mother_name text, \
    gender text, birth_date_jalali text, birth_place text, religion text, bc_series_letter text, \
    bc_series_number text, bc_serial text, mobiles text, postal_code text, address text, death_date_jalali text, \
    province_code text) ON COMMIT DELETE ROWS";
const COPY: &str = "COPY person_staging FROM STDIN";

/// Those of the batch who already exist, with their numbers (an index lookup per code).
const EXISTING: &str = "SELECT national_code, mobiles FROM persons WHERE national_code = ANY($1)";

/// Deletes the given (mobile, national_code) pairs; the function scan keeps the plan on the primary key.
const DELETE_PAIRS: &str =
    "DELETE FROM person_mobiles pm USING unnest($1::text[], $2::text[]) AS x(mobile, code) \
    WHERE pm.mobile = x.mobile AND pm.national_code = x.code";

const INSERT_PAIRS: &str = "INSERT INTO person_mobiles (mobile, national_code) \
    SELECT * FROM unnest($1::text[], $2::text[]) ORDER BY 1, 2 ON CONFLICT DO NOTHING";

/// Inserts the new, updates the changed (new revision), leaves the identical alone; its row count is
/// inserted + updated.
const UPSERT: &str = "INSERT INTO persons (national_code, first_name, last_name, father_name, mother_name, gender, \
        birth_date_jalali, birth_place, religion, bc_series_letter, bc_series_number, bc_serial, mobiles, \
        postal_code, address, death_date_jalali, province_code) \
    SELECT national_code, first_name, last_name, father_name, mother_name, gender, birth_date_jalali, birth_place, \
        religion, bc_series_letter, bc_series_number, bc_serial, mobiles, postal_code, address, death_date_jalali, \
        province_code FROM person_staging ORDER BY national_code \
    ON CONFLICT (national_code) DO UPDATE SET \
        first_name = excluded.first_name, last_name = excluded.last_name, father_name = excluded.father_name, \
        mother_name = excluded.mother_name, gender = excluded.gender, birth_date_jalali = excluded.birth_date_jalali, \
        birth_place = excluded.birth_place, religion = excluded.religion, \
        bc_series_letter = excluded.bc_series_letter, bc_series_number = excluded.bc_series_number, \
        bc_serial = excluded.bc_serial, mobiles = excluded.mobiles, postal_code = excluded.postal_code, \
        address = excluded.address, death_date_jalali = excluded.death_date_jalali, \
        province_code = excluded.province_code, revision = persons.revision + 1, updated_at = now() \
    WHERE (persons.first_name, persons.last_name, persons.father_name, persons.mother_name, persons.gender, \
        persons.birth_date_jalali, persons.birth_place, persons.religion, persons.bc_series_letter, \
        persons.bc_series_number, persons.bc_serial, persons.mobiles, persons.postal_code, persons.address, \
        persons.death_date_jalali) IS DISTINCT FROM (excluded.first_name, excluded.last_name, \
        excluded.father_name, excluded.mother_name, excluded.gender, excluded.birth_date_jalali, \
        excluded.birth_place, excluded.religion, excluded.bc_series_letter, excluded.bc_series_number, \
        excluded.bc_serial, excluded.mobiles, excluded.postal_code, excluded.address, excluded.death_date_jalali)";

/// Appends one field in COPY text format (`\N` for NULL; backslash, tab, newline and CR escaped).
fn field(out: &mut Vec<u8>, value: Option<&str>, last: bool) {
    match value {
        None => out.extend_from_slice(b"\\N"),
        Some(v) => {
            for b in v.bytes() {
                match b {
                    b'\\' => out.extend_from_slice(b"\\\\"),
                    b'\t' => out.extend_from_slice(b"\\t"),
                    b'\n' => out.extend_from_slice(b"\\n"),
                    b'\r' => out.extend_from_slice(b"\\r"),
                    _ => out.push(b),
                }
            }
        }
    }
    out.push(if last { b'\n' } else { b'\t' });
}

pub(crate) fn encode(rows: &[PersonColumns]) -> Vec<u8> {
    let mut out = Vec::with_capacity(rows.len() * 256);
    for c in rows {
        for v in [
            &c.national_code,
            &c.first_name,
            &c.last_name,
            &c.father_name,
            &c.mother_name,
            &c.gender,
            &c.birth_date_jalali,
            &c.birth_place,
            &c.religion,
            &c.bc_series_letter,
            &c.bc_series_number,
            &c.bc_serial,
            &c.mobiles,
        ] {
            field(&mut out, Some(v), false);
        }
        field(&mut out, c.postal_code.as_deref(), false);
        field(&mut out, Some(&c.address), false);
        field(&mut out, c.death_date_jalali.as_deref(), false);
        field(&mut out, c.province_code, true);
    }
    out
}

/// Runs the bulk upsert on a connection that is inside a transaction. Mobile pairs are replaced only for those
/// whose numbers changed, computed from their old numbers before the upsert.
pub async fn upsert_persons(
    conn: &mut PgConnection,
    rows: &[PersonColumns],
) -> Result<UpsertCounts, sqlx::Error> {
    sqlx::query(STAGING).execute(&mut *conn).await?;
    // One transaction may take several batches: start each from an empty table.
    sqlx::query("TRUNCATE person_staging")
        .execute(&mut *conn)
        .await?;
    let mut copy = conn.copy_in_raw(COPY).await?;
    for part in rows.chunks(5_000) {
        copy.send(encode(part)).await?;
    }
    copy.finish().await?;

    let codes: Vec<&str> = rows.iter().map(|c| c.national_code.as_str()).collect();
    let existing: HashMap<String, String> = sqlx::query_as(EXISTING)
        .bind(&codes)
        .fetch_all(&mut *conn)
        .await?
        .into_iter()
        .collect();
    let (mut stale_mobiles, mut stale_codes) = (Vec::new(), Vec::new());
    let (mut new_mobiles, mut new_codes) = (Vec::new(), Vec::new());
    for c in rows {
        let old = existing.get(&c.national_code);
        if old == Some(&c.mobiles) {
            continue;
        }
        for m in old
            .map(String::as_str)
            .unwrap_or("")
            .split(';')
            .filter(|m| !m.is_empty())
        {
            stale_mobiles.push(m);
            stale_codes.push(c.national_code.as_str());
        }
        for m in c.mobiles.split(';').filter(|m| !m.is_empty()) {
            new_mobiles.push(m);
            new_codes.push(c.national_code.as_str());
        }
    }
    if !stale_mobiles.is_empty() {
        sqlx::query(DELETE_PAIRS)
            .bind(&stale_mobiles)
            .bind(&stale_codes)
            .execute(&mut *conn)
            .await?;
    }
    if !new_mobiles.is_empty() {
        sqlx::query(INSERT_PAIRS)
            .bind(&new_mobiles)
            .bind(&new_codes)
            .execute(&mut *conn)
            .await?;
    }
    let changed = sqlx::query(UPSERT)
        .execute(&mut *conn)
        .await?
        .rows_affected();
    let inserted = (rows.len() - existing.len()) as u64;
    let updated = changed.saturating_sub(inserted);
    Ok(UpsertCounts {
        inserted,
        updated,
        unchanged: existing.len() as u64 - updated,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn copy_text_escapes() {
        let mut out = Vec::new();
        field(&mut out, Some("a\tb\\c\nd"), false);
        field(&mut out, None, true);
        assert_eq!(out, b"a\\tb\\\\c\\nd\t\\N\n");
    }
}

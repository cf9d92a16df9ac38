//! SQL fragments and row decoding for the SQLite store.

use sqlx::sqlite::SqliteRow;
use sqlx::Row;
use store::codec::{OfficeColumns, PersonColumns};
use store::{Result, StoreError};

/// The tail of the persons upsert: an identical row is left alone (no write, not counted as a change); a changed
/// row gets a new revision.
pub const PERSON_UPSERT_TAIL: &str = " ON CONFLICT (national_code) DO UPDATE SET \
    first_name = excluded.first_name, last_name = excluded.last_name, father_name = excluded.father_name, \
    mother_name = excluded.mother_name, gender = excluded.gender, birth_date_jalali = excluded.birth_date_jalali, \
    birth_place = excluded.birth_place, religion = excluded.religion, bc_series_letter = excluded.bc_series_letter, \
    bc_series_number = excluded.bc_series_number, bc_serial = excluded.bc_serial, mobiles = excluded.mobiles, \
    postal_code = excluded.postal_code, address = excluded.address, death_date_jalali = excluded.death_date_jalali, \
    province_code = excluded.province_code, revision = persons.revision + 1, updated_at = excluded.updated_at \
    WHERE (persons.first_name, persons.last_name, persons.father_name, persons.mother_name, persons.gender, \
    persons.birth_date_jalali, persons.birth_place, persons.religion, persons.bc_series_letter, \
    persons.bc_series_number, persons.bc_serial, persons.mobiles, persons.postal_code, persons.address, \
    persons.death_date_jalali) IS NOT (excluded.first_name, excluded.last_name, excluded.father_name, \
    excluded.mother_name, excluded.gender, excluded.birth_date_jalali, excluded.birth_place, excluded.religion, \
    excluded.bc_series_letter, excluded.bc_series_number, excluded.bc_serial, excluded.mobiles, \
    excluded.postal_code, excluded.address, excluded.death_date_jalali)";

pub const OFFICE_UPSERT_TAIL: &str = " ON CONFLICT (office_id) DO UPDATE SET \
    name = excluded.name, kind = excluded.kind, province_code = excluded.province_code, city = excluded.city, \
    address = excluded.address, daily_capacity = excluded.daily_capacity, revision = offices.revision + 1, \
    updated_at = excluded.updated_at \
    WHERE (offices.name, offices.kind, offices.province_code, offices.city, offices.address, offices.daily_capacity) \
    IS NOT (excluded.name, excluded.kind, excluded.province_code, excluded.city, excluded.address, \
    excluded.daily_capacity) \
    RETURNING revision";

pub const OFFICE_SELECT_BY_ID: &str =
    "SELECT office_id, name, kind, province_code, city, address, daily_capacity FROM offices WHERE office_id = ?";
pub const OFFICE_SELECT_BY_PROVINCE: &str =
    "SELECT office_id, name, kind, province_code, city, address, daily_capacity FROM offices \
     WHERE province_code = ? ORDER BY office_id";

fn get<'r, T: sqlx::Decode<'r, sqlx::Sqlite> + sqlx::Type<sqlx::Sqlite>>(
    r: &'r SqliteRow,
    i: usize,
) -> Result<T> {
    r.try_get(i).map_err(StoreError::database)
}

pub fn person_columns(r: &SqliteRow) -> Result<PersonColumns> {
    Ok(PersonColumns {
        national_code: get(r, 0)?,
        first_name: get(r, 1)?,
        last_name: get(r, 2)?,
        father_name: get(r, 3)?,
        mother_name: get(r, 4)?,
        gender: get(r, 5)?,
        birth_date_jalali: get(r, 6)?,
        birth_place: get(r, 7)?,
        religion: get(r, 8)?,
        bc_series_letter: get(r, 9)?,
        bc_series_number: get(r, 10)?,
        bc_serial: get(r, 11)?,
        mobiles: get(r, 12)?,
        postal_code: get(r, 13)?,
        address: get(r, 14)?,
        death_date_jalali: get(r, 15)?,
        province_code: None,
    })
}

pub fn office_columns(r: &SqliteRow) -> Result<OfficeColumns> {
    Ok(OfficeColumns {
        office_id: get(r, 0)?,
        name: get(r, 1)?,
        kind: get(r, 2)?,
        province_code: get(r, 3)?,
        city: get(r, 4)?,
        address: get(r, 5)?,
        daily_capacity: get(r, 6)?,
    })
}

//! Domain values to and from the plain columns both databases keep. Values read back are parsed again with the
//! domain's parsers, so a corrupted row surfaces as [`StoreError::Corrupt`] instead of an invalid value.

use crate::{Result, StoreError};
use domain::person::{parse_mobiles, Gender, Religion};
use domain::{
    BirthCertificate, JalaliDate, NationalCode, Office, OfficeId, OfficeKind, Person, PostalCode,
    ProvinceCode,
};

/// A person as text columns, in the order of the `persons` table.
#[derive(Debug, Clone, Default)]
pub struct PersonColumns {
    pub national_code: String,
    pub first_name: String,
    pub last_name: String,
    pub father_name: String,
    pub mother_name: String,
    pub gender: String,
    pub birth_date_jalali: String,
    pub birth_place: String,
    pub religion: String,
    pub bc_series_letter: String,
    pub bc_series_number: String,
    pub bc_serial: String,
    pub mobiles: String,
    pub postal_code: Option<String>,
    pub address: String,
    pub death_date_jalali: Option<String>,
    /// The province the person is attributed to (written, never read back: it is derived from the code).
    pub province_code: Option<&'static str>,
}

/// The province a person is attributed to for statistics: from the national-code prefix (a hint, never a rule).
fn attributed_province(code: &NationalCode) -> Option<&'static str> {
    domain::prefixes::province_of(code.prefix()).map(|p| p.as_str())
}

impl PersonColumns {
    pub fn from_person(p: &Person) -> Self {
        Self {
            national_code: p.national_code.as_str().to_string(),
            first_name: p.first_name.clone(),
            last_name: p.last_name.clone(),
            father_name: p.father_name.clone(),
            mother_name: p.mother_name.clone(),
            gender: p.gender.as_str().to_string(),
            birth_date_jalali: p.birth_date.to_string(),
            birth_place: p.birth_place.clone(),
            religion: p.religion.as_str().to_string(),
            bc_series_letter: p.birth_certificate.series_letter().as_str().to_string(),
            bc_series_number: p.birth_certificate.series_number(),
            bc_serial: p.birth_certificate.serial().to_string(),
            mobiles: p.mobiles_joined(),
            postal_code: p.postal_code.map(|c| c.as_str().to_string()),
            address: p.address.clone(),
            death_date_jalali: p.death_date.map(|d| d.to_string()),
            province_code: attributed_province(&p.national_code),
        }
    }

    pub fn into_person(self) -> Result<Person> {
        let bc = BirthCertificate::parse(
            &self.bc_series_letter,
            &self.bc_series_number,
            &self.bc_serial,
        )
        .map_err(|e| StoreError::corrupt("bc", e))?;
        Ok(Person {
            national_code: NationalCode::parse(&self.national_code)
                .map_err(|e| StoreError::corrupt("national_code", e))?,
            first_name: self.first_name,
            last_name: self.last_name,
            father_name: self.father_name,
            mother_name: self.mother_name,
            gender: Gender::parse(&self.gender).map_err(|e| StoreError::corrupt("gender", e))?,
            birth_date: JalaliDate::parse(&self.birth_date_jalali)
                .map_err(|e| StoreError::corrupt("birth_date_jalali", e))?,
            birth_place: self.birth_place,
            religion: Religion::parse(&self.religion)
                .map_err(|e| StoreError::corrupt("religion", e))?,
            birth_certificate: bc,
            mobiles: parse_mobiles(&self.mobiles).map_err(|e| StoreError::corrupt("mobiles", e))?,
            postal_code: self
                .postal_code
                .as_deref()
                .map(PostalCode::parse)
                .transpose()
                .map_err(|e| StoreError::corrupt("postal_code", e))?,
            address: self.address,
            death_date: self
                .death_date_jalali
                .as_deref()
                .map(JalaliDate::parse)
                .transpose()
                .map_err(|e| StoreError::corrupt("death_date_jalali", e))?,
        })
    }
}

/// An office as columns, in the order of the `offices` table.
#[derive(Debug, Clone)]
pub struct OfficeColumns {
    pub office_id: String,
    pub name: String,
    pub kind: String,
    pub province_code: String,
    pub city: String,
    pub address: String,
    pub daily_capacity: i64,
}

impl OfficeColumns {
    pub fn from_office(o: &Office) -> Self {
        Self {
            office_id: o.id.as_str().to_string(),
            name: o.name.clone(),
            kind: o.kind.as_str().to_string(),
            province_code: o.province.as_str().to_string(),
            city: o.city.clone(),
            address: o.address.clone(),
            daily_capacity: i64::from(o.daily_capacity),
        }
    }

    pub fn into_office(self) -> Result<Office> {
        Ok(Office {
            id: OfficeId::parse(&self.office_id)
                .map_err(|e| StoreError::corrupt("office_id", e))?,
            name: self.name,
            kind: OfficeKind::parse(&self.kind).map_err(|e| StoreError::corrupt("kind", e))?,
            province: ProvinceCode::parse(&self.province_code)
                .map_err(|e| StoreError::corrupt("province_code", e))?,
            city: self.city,
            address: self.address,
            daily_capacity: u32::try_from(self.daily_capacity)
                .map_err(|e| StoreError::corrupt("daily_capacity", e))?,
        })
    }
}

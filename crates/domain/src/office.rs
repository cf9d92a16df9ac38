//! Counter offices (and post, registry and mobile units) where people enroll and collect cards.

use crate::error::{AtField, FieldError, ValidationError};
use crate::person::parse_text;
use crate::province::ProvinceCode;
use crate::text::fold_digits;
use std::fmt;

pub const OFFICE_COLUMNS: [&str; 8] = [
    "office_id",
    "name",
    "kind",
    "province_code",
    "city",
    "area_code",
    "address",
    "daily_capacity",
];

/// The most people one office can serve in a day.
pub const MAX_DAILY_CAPACITY: u32 = 5_000;

/// An office identifier: 1–32 ASCII letters, digits or dashes.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(transparent)]
pub struct OfficeId(String);

impl OfficeId {
    pub fn parse(input: &str) -> Result<Self, ValidationError> {
        let s = crate::text::to_ascii_digits(input.trim());
        if s.is_empty()
            || s.len() > 32
            || !s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
        {
            return Err(ValidationError::new(
                "invalid_office_id",
                format!(
                    "{input:?} is not an office identifier (1 to 32 letters, digits or dashes)"
                ),
                format!("«{input}» شناسهٔ دفتر نیست"),
            ));
        }
        Ok(Self(s))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for OfficeId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}
impl fmt::Debug for OfficeId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "OfficeId({})", self.0)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OfficeKind {
    Counter,
    Post,
    Registry,
    MobileUnit,
}

impl OfficeKind {
    pub const ALL: [OfficeKind; 4] = [Self::Counter, Self::Post, Self::Registry, Self::MobileUnit];

    pub fn parse(input: &str) -> Result<Self, ValidationError> {
        match input.trim() {
            "counter" => Ok(Self::Counter),
            "post" => Ok(Self::Post),
            "registry" => Ok(Self::Registry),
            "mobile_unit" => Ok(Self::MobileUnit),
            _ => Err(ValidationError::new(
                "invalid_office_kind",
                format!(
                    "office kind must be counter, post, registry or mobile_unit, not {input:?}"
                ),
                format!("نوع دفتر باید counter، post، registry یا mobile_unit باشد، نه «{input}»"),
            )),
        }
    }
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Counter => "counter",
            Self::Post => "post",
            Self::Registry => "registry",
            Self::MobileUnit => "mobile_unit",
        }
    }
    pub fn fa(&self) -> &'static str {
        match self {
            Self::Counter => "دفتر پیشخوان دولت",
            Self::Post => "دفتر پست",
            Self::Registry => "ادارهٔ ثبت احوال",
            Self::MobileUnit => "واحد سیار",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Office {
    pub id: OfficeId,
    pub name: String,
    pub kind: OfficeKind,
    pub province: ProvinceCode,
    pub city: String,
    pub address: String,
    pub daily_capacity: u32,
}

impl Office {
    /// Validates one offices-CSV row (columns of [`OFFICE_COLUMNS`]). The area code must be the province's.
    pub fn from_row(row: &[&str; 8]) -> Result<Self, FieldError> {
        let [id, name, kind, province, city, area, address, capacity] = *row;
        let id = OfficeId::parse(id).at("office_id")?;
        let name = parse_text(name, 120, true).at("name")?;
        let kind = OfficeKind::parse(kind).at("kind")?;
        let province = ProvinceCode::parse(province).at("province_code")?;
        let city = parse_text(city, 60, true).at("city")?;
        let mut buf = [0u8; 4];
        let n = fold_digits(area, &mut buf).unwrap_or(0);
        if &buf[..n] != province.province().area_code.as_bytes() {
            return Err(FieldError::new(
                "area_code",
                ValidationError::new(
                    "invalid_area_code",
                    format!(
                        "area code {area:?} is not that of province {} ({})",
                        province.as_str(),
                        province.province().area_code
                    ),
                    format!(
                        "پیش‌شمارهٔ «{area}» از آن استان {} نیست",
                        province.province().name_fa
                    ),
                ),
            ));
        }
        let address = parse_text(address, 250, true).at("address")?;
        let daily_capacity = parse_capacity(capacity).at("daily_capacity")?;
        Ok(Self {
            id,
            name,
            kind,
            province,
            city,
            address,
            daily_capacity,
        })
    }

    pub fn area_code(&self) -> &'static str {
        self.province.province().area_code
    }
}

fn parse_capacity(input: &str) -> Result<u32, ValidationError> {
    let ascii = crate::text::to_ascii_digits(input.trim());
    match ascii.parse::<u32>() {
        Ok(n) if (1..=MAX_DAILY_CAPACITY).contains(&n) => Ok(n),
        _ => Err(ValidationError::new(
            "invalid_capacity",
            format!("daily capacity must be a whole number from 1 to {MAX_DAILY_CAPACITY}, not {input:?}"),
            format!("ظرفیت روزانه باید عددی از ۱ تا ۵۰۰۰ باشد، نه «{input}»"),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows() {
        let good = [
            "23-0001",
            "دفتر پیشخوان ۱",
            "counter",
            "23",
            "تهران",
            "021",
            "خیابان انقلاب",
            "120",
        ];
        let o = Office::from_row(&good).unwrap();
        assert_eq!(o.daily_capacity, 120);
        assert_eq!(o.area_code(), "021");
        let mut bad = good;
        bad[5] = "026";
        assert_eq!(Office::from_row(&bad).unwrap_err().field, "area_code");
        let mut bad = good;
        bad[7] = "0";
        assert_eq!(Office::from_row(&bad).unwrap_err().field, "daily_capacity");
        let mut bad = good;
        bad[2] = "kiosk";
        assert_eq!(Office::from_row(&bad).unwrap_err().field, "kind");
        let mut bad = good;
        bad[0] = "a b";
        assert_eq!(Office::from_row(&bad).unwrap_err().field, "office_id");
    }

    #[test]
    fn directional_controls_are_refused_in_office_text() {
        // Security review F20: an office's name, city or address cannot carry an override or an isolate.
        let good = [
            "23-0001",
            "دفتر پیشخوان ۱",
            "counter",
            "23",
            "تهران",
            "021",
            "خیابان انقلاب",
            "120",
        ];
        for (i, field) in [(1, "name"), (4, "city"), (6, "address")] {
            for c in ['\u{202E}', '\u{2066}'] {
                let mut bad = good;
                let text = format!("{}{c}", good[i]);
                bad[i] = &text;
                let e = Office::from_row(&bad).unwrap_err();
                assert_eq!((e.field.as_str(), e.error.code), (field, "invalid_text"));
            }
        }
    }
}

#[cfg(test)]
mod props {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn office_ids_round_trip(id in "[A-Za-z0-9-]{1,32}") {
            let parsed = OfficeId::parse(&id).unwrap();
            prop_assert_eq!(parsed.as_str(), id.as_str());
        }

        #[test]
        fn any_row_never_panics(f in proptest::collection::vec("\\PC{0,12}", 8)) {
            let row: [&str; 8] = std::array::from_fn(|i| f[i].as_str());
            if let Ok(o) = Office::from_row(&row) {
                prop_assert!(o.daily_capacity >= 1 && o.daily_capacity <= MAX_DAILY_CAPACITY);
            }
        }

        #[test]
        fn kinds_round_trip(i in 0usize..4) {
            let k = OfficeKind::ALL[i];
            prop_assert_eq!(OfficeKind::parse(k.as_str()).unwrap(), k);
        }
    }
}

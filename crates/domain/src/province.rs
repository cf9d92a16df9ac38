//! The 31 provinces, keyed by the two-digit Statistical Centre code (= ISO 3166-2:IR since 2020), with their
//! landline area code and 2016 census population. The table is the product's own `data/provinces.csv`,
//! compiled in, so the running service needs no file.

use crate::error::ValidationError;
use crate::text::fold_digits;
use std::sync::LazyLock;

const TABLE: &str = include_str!("../../../data/provinces.csv");

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Province {
    pub code: &'static str,
    pub iso_3166_2: &'static str,
    pub name_fa: &'static str,
    pub name_en: &'static str,
    pub capital_fa: &'static str,
    pub capital_en: &'static str,
    pub area_code: &'static str,
    pub population_2016: u64,
}

static PROVINCES: LazyLock<Vec<Province>> = LazyLock::new(|| {
    TABLE
        .lines()
        .skip(1)
        .filter(|l| !l.trim().is_empty())
        .map(|line| {
            let f: Vec<&'static str> = line.split(',').collect();
            // The table is part of the source tree and checked by a test: a malformed line is a build defect.
            assert_eq!(f.len(), 8, "data/provinces.csv: bad line {line:?}");
            Province {
                code: f[0],
                iso_3166_2: f[1],
                name_fa: f[2],
                name_en: f[3],
                capital_fa: f[4],
                capital_en: f[5],
                area_code: f[6],
                population_2016: f[7]
                    .parse()
                    .unwrap_or_else(|_| panic!("data/provinces.csv: population in {line:?}")),
            }
        })
        .collect()
});

/// A province code that names one of the 31 provinces.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ProvinceCode(u8);

impl ProvinceCode {
    /// Parses `23`, `۲۳` or `IR-23`.
    pub fn parse(input: &str) -> Result<Self, ValidationError> {
        let trimmed = input.trim();
        let digits = trimmed.strip_prefix("IR-").unwrap_or(trimmed);
        let mut buf = [0u8; 2];
        let ok = matches!(fold_digits(digits, &mut buf), Ok(2));
        let n = if ok {
            (buf[0] - b'0') * 10 + (buf[1] - b'0')
        } else {
            u8::MAX
        };
        if (n as usize) < PROVINCES.len() {
            Ok(Self(n))
        } else {
            Err(ValidationError::new(
                "invalid_province",
                format!("{input:?} is not a province code (two digits, 00 to 30)"),
                format!("«{input}» کد استان نیست (دو رقم، از ۰۰ تا ۳۰)"),
            ))
        }
    }

    pub fn from_index(i: u8) -> Option<Self> {
        ((i as usize) < PROVINCES.len()).then_some(Self(i))
    }

    pub fn index(&self) -> u8 {
        self.0
    }

    pub fn province(&self) -> &'static Province {
        &PROVINCES[self.0 as usize]
    }

    pub fn as_str(&self) -> &'static str {
        self.province().code
    }
}

impl Province {
    pub fn all() -> &'static [Province] {
        &PROVINCES
    }

    /// The province whose landline area code this is: `021`, `21` or `۰۲۱`.
    pub fn by_area_code(input: &str) -> Result<&'static Province, ValidationError> {
        let mut buf = [0u8; 4];
        let n = fold_digits(input, &mut buf).unwrap_or(0);
        let digits = std::str::from_utf8(&buf[..n]).unwrap_or("");
        let digits = digits.strip_prefix('0').unwrap_or(digits);
        PROVINCES
            .iter()
            .find(|p| n > 0 && &p.area_code[1..] == digits)
            .ok_or_else(|| {
                ValidationError::new(
                    "invalid_area_code",
                    format!("{input:?} is not the area code of a province (e.g. 021, 026, 051)"),
                    format!("«{input}» پیش‌شمارهٔ هیچ استانی نیست (مثلاً ۰۲۱، ۰۲۶، ۰۵۱)"),
                )
            })
    }

    pub fn code(&self) -> ProvinceCode {
        ProvinceCode::parse(self.code).unwrap_or(ProvinceCode(0))
    }
}

impl serde::Serialize for ProvinceCode {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_is_complete() {
        let all = Province::all();
        assert_eq!(all.len(), 31);
        assert_eq!(
            all.iter().map(|p| p.population_2016).sum::<u64>(),
            79_926_270
        );
        for (i, p) in all.iter().enumerate() {
            assert_eq!(p.code, format!("{i:02}"));
            assert_eq!(p.iso_3166_2, format!("IR-{i:02}"));
            assert_eq!(p.area_code.len(), 3);
        }
        let mut areas: Vec<_> = all.iter().map(|p| p.area_code).collect();
        areas.sort();
        areas.dedup();
        assert_eq!(areas.len(), 31, "area codes are unique");
    }

    #[test]
    fn lookups() {
        assert_eq!(Province::by_area_code("021").unwrap().name_en, "Tehran");
        assert_eq!(Province::by_area_code("۰۲۶").unwrap().name_en, "Alborz");
        assert_eq!(
            Province::by_area_code("51").unwrap().name_en,
            "Razavi Khorasan"
        );
        assert!(Province::by_area_code("099").is_err());
        assert!(Province::by_area_code("").is_err());
        assert_eq!(
            ProvinceCode::parse("IR-23").unwrap().province().name_en,
            "Tehran"
        );
        assert_eq!(
            ProvinceCode::parse("۰۹").unwrap().province().name_en,
            "Razavi Khorasan"
        );
        assert!(ProvinceCode::parse("31").is_err());
        assert!(ProvinceCode::parse("3").is_err());
    }
}

/// The product's own table of national-code prefixes (issuing registry offices) by province, used as a hint only:
/// to attribute registry records to a province for statistics, and by the synthetic generator. Public prefix
/// tables disagree, so no code is ever rejected for its prefix. Prefixes `001`–`999` are allotted to provinces in
/// contiguous runs proportional to their 2016 population (every province gets at least eight), Tehran first
/// (its real prefixes start `00`), then the others in table order.
pub mod prefixes {
    use super::{Province, ProvinceCode};
    use std::sync::LazyLock;

    /// `TABLE[p]` is the province index of prefix `p` (prefix 0 is unused and maps to Tehran).
    static TABLE: LazyLock<[u8; 1000]> = LazyLock::new(|| {
        let all = Province::all();
        let total: u64 = all.iter().map(|p| p.population_2016).sum();
        let mut order: Vec<usize> = (0..all.len()).collect();
        // Tehran (code 23) first so that it owns the `00x` prefixes.
        order.sort_by_key(|&i| (all[i].code != "23", i));
        let min = 8u64;
        let spare = 999 - min * all.len() as u64;
        let mut counts: Vec<u64> = order
            .iter()
            .map(|&i| min + spare * all[i].population_2016 / total)
            .collect();
        let assigned: u64 = counts.iter().sum();
        counts[0] += 999 - assigned; // rounding remainder to the largest province
        let mut table = [0u8; 1000];
        let mut next = 1usize;
        for (k, &i) in order.iter().enumerate() {
            for _ in 0..counts[k] {
                table[next] = i as u8;
                next += 1;
            }
        }
        table[0] = order[0] as u8;
        table
    });

    /// The province a national-code prefix (`"001"`…`"999"`) is attributed to.
    pub fn province_of(prefix: &str) -> Option<ProvinceCode> {
        let n: usize = prefix.parse().ok().filter(|_| prefix.len() == 3)?;
        ProvinceCode::from_index(TABLE[n])
    }

    /// The prefixes attributed to a province, in ascending order.
    pub fn of_province(code: ProvinceCode) -> Vec<u16> {
        (1u16..1000)
            .filter(|&p| TABLE[p as usize] == code.index())
            .collect()
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn every_prefix_has_one_province_and_tehran_owns_00x() {
            let tehran = ProvinceCode::parse("23").unwrap();
            assert_eq!(province_of("001"), Some(tehran));
            assert_eq!(province_of("009"), Some(tehran));
            let mut total = 0;
            for p in Province::all() {
                let list = of_province(p.code());
                assert!(list.len() >= 8, "{}", p.name_en);
                total += list.len();
            }
            assert_eq!(total, 999);
            assert!(
                of_province(tehran).len()
                    > of_province(ProvinceCode::parse("16").unwrap()).len() * 10
            );
            assert_eq!(province_of("12"), None);
        }
    }
}

#[cfg(test)]
mod props {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn codes_round_trip(i in 0u8..31) {
            let c = ProvinceCode::from_index(i).unwrap();
            prop_assert_eq!(ProvinceCode::parse(c.as_str()).unwrap(), c);
            let persian = crate::text::to_persian_digits(c.as_str());
            prop_assert_eq!(ProvinceCode::parse(&persian).unwrap(), c);
            let p = c.province();
            prop_assert_eq!(Province::by_area_code(p.area_code).unwrap().code, p.code);
        }

        #[test]
        fn any_text_never_panics(s in "\\PC{0,8}") {
            let _ = ProvinceCode::parse(&s);
            let _ = Province::by_area_code(&s);
            let _ = prefixes::province_of(&s);
        }
    }
}

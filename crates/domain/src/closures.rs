//! The days offices are closed: every Friday, and the official holidays of a yearly table (`data/holidays.csv`,
//! compiled in). Lunar holidays follow moon sightings, so they come from the table, never from arithmetic; the
//! operator replaces the table when the official calendar is published (`Holidays::parse_csv`).

use crate::calendar::JalaliDate;
use crate::error::ValidationError;
use std::collections::BTreeMap;

const TABLE: &str = include_str!("../../../data/holidays.csv");

/// Why offices are closed on a day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Closure {
    Friday,
    Holiday { name_fa: String, name_en: String },
}

impl Closure {
    pub fn fa(&self) -> String {
        match self {
            Closure::Friday => "جمعه".into(),
            Closure::Holiday { name_fa, .. } => name_fa.clone(),
        }
    }

    pub fn en(&self) -> String {
        match self {
            Closure::Friday => "Friday".into(),
            Closure::Holiday { name_en, .. } => name_en.clone(),
        }
    }
}

/// The holiday table: a date may have several names (a lunar and a solar holiday can fall together).
#[derive(Debug, Clone, Default)]
pub struct Holidays {
    days: BTreeMap<JalaliDate, (String, String)>,
}

impl Holidays {
    /// The table carried with the product.
    pub fn embedded() -> Self {
        // The embedded table is checked by a test; a broken one must not stop the service.
        Self::parse_csv(TABLE).unwrap_or_default()
    }

    /// Reads `date_jalali,name_fa,name_en` rows after a header.
    pub fn parse_csv(text: &str) -> Result<Self, ValidationError> {
        let mut days: BTreeMap<JalaliDate, (String, String)> = BTreeMap::new();
        for (i, line) in text.lines().enumerate().skip(1) {
            if line.trim().is_empty() {
                continue;
            }
            let mut parts = line.splitn(3, ',');
            let (Some(d), Some(fa), Some(en)) = (parts.next(), parts.next(), parts.next()) else {
                return Err(ValidationError::new(
                    "invalid_holidays",
                    format!("line {}: expected date_jalali,name_fa,name_en", i + 1),
                    format!(
                        "سطر {}: سه ستون تاریخ، نام فارسی و نام انگلیسی لازم است",
                        i + 1
                    ),
                ));
            };
            let date = JalaliDate::parse(d)?;
            let entry = days.entry(date).or_default();
            if !entry.0.is_empty() {
                entry.0.push_str("؛ ");
                entry.1.push_str("; ");
            }
            entry.0.push_str(fa.trim());
            entry.1.push_str(en.trim().trim_matches('"'));
        }
        Ok(Self { days })
    }

    /// Why offices are closed on `date`, or `None` on a working day.
    pub fn closure(&self, date: JalaliDate) -> Option<Closure> {
        if let Some((fa, en)) = self.days.get(&date) {
            return Some(Closure::Holiday {
                name_fa: fa.clone(),
                name_en: en.clone(),
            });
        }
        date.is_friday().then_some(Closure::Friday)
    }

    /// The first year the table does not cover: bookings past it cannot know the lunar holidays.
    pub fn covers(&self, date: JalaliDate) -> bool {
        self.days
            .keys()
            .next_back()
            .is_some_and(|last| date.year() <= last.year())
    }

    pub fn len(&self) -> usize {
        self.days.len()
    }

    pub fn is_empty(&self) -> bool {
        self.days.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> JalaliDate {
        JalaliDate::parse(s).unwrap()
    }

    #[test]
    fn embedded_table_reads_and_closes_nowruz_and_fridays() {
        let h = Holidays::parse_csv(TABLE).expect("embedded holiday table");
        assert!(h.len() > 40);
        assert!(matches!(
            h.closure(d("1405-01-01")),
            Some(Closure::Holiday { .. })
        ));
        assert_eq!(h.closure(d("1405-11-22")).unwrap().en(), "Revolution Day");
        // 1405-08-30 is a Saturday (2026-11-21); the Friday before is 1405-08-29.
        assert_eq!(h.closure(d("1405-08-29")), Some(Closure::Friday));
        assert_eq!(h.closure(d("1405-08-30")), None);
        assert!(h.covers(d("1406-12-29")));
        assert!(!h.covers(d("1407-01-05")));
    }

    #[test]
    fn two_names_on_one_day_are_joined() {
        let h =
            Holidays::parse_csv("date_jalali,name_fa,name_en\n1405-01-01,الف,A\n1405-01-01,ب,B\n")
                .unwrap();
        assert_eq!(h.closure(d("1405-01-01")).unwrap().en(), "A; B");
        assert!(Holidays::parse_csv("h\n1405-13-01,x,y\n").is_err());
    }
}

//! The three calendars people use: Solar Hijri (official, `*_jalali`), Gregorian, and lunar Hijri (`*_hijri`).
//! Conversions go through `icu_calendar` and a day number (Rata Die: 0001-01-01 Gregorian is day 1).
//!
//! Iran's official lunar months follow moon sightings and cannot be computed exactly; the computed (tabular,
//! civil epoch) lunar date may be a day or two off, so a lunar date given by a person is accepted within
//! [`LUNAR_TOLERANCE_DAYS`] of the date computed from the solar one. Lunar holidays come from a table, never from
//! this arithmetic.

use crate::error::ValidationError;
use crate::text::{fold_digits, to_persian_digits};
pub use chrono::Datelike;
use chrono::NaiveDate;
use icu_calendar::cal::hijri::{TabularAlgorithmEpoch, TabularAlgorithmLeapYears};
use icu_calendar::cal::{Hijri, Persian};
use icu_calendar::types::RataDie;
use icu_calendar::Date;
use std::fmt;

pub type GregorianDate = NaiveDate;

/// A person's lunar birth date may differ by this many days from the date computed from the solar one.
pub const LUNAR_TOLERANCE_DAYS: i64 = 2;

/// Years accepted in a Solar Hijri date: the oldest registry records to well past any card's validity.
pub const JALALI_YEARS: std::ops::RangeInclusive<i32> = 1200..=1600;
/// Years accepted in a lunar Hijri date (the same span).
pub const HIJRI_YEARS: std::ops::RangeInclusive<i32> = 1230..=1650;

pub const JALALI_MONTHS_FA: [&str; 12] = [
    "فروردین",
    "اردیبهشت",
    "خرداد",
    "تیر",
    "مرداد",
    "شهریور",
    "مهر",
    "آبان",
    "آذر",
    "دی",
    "بهمن",
    "اسفند",
];
pub const HIJRI_MONTHS_FA: [&str; 12] = [
    "محرم",
    "صفر",
    "ربیع‌الاول",
    "ربیع‌الثانی",
    "جمادی‌الاول",
    "جمادی‌الثانی",
    "رجب",
    "شعبان",
    "رمضان",
    "شوال",
    "ذی‌القعده",
    "ذی‌الحجه",
];
/// Weekday names from Saturday (the first day of the Iranian week).
pub const WEEKDAYS_FA: [&str; 7] = [
    "شنبه",
    "یکشنبه",
    "دوشنبه",
    "سه‌شنبه",
    "چهارشنبه",
    "پنجشنبه",
    "جمعه",
];

const INVALID: &str = "invalid_date";

fn tabular() -> Hijri<icu_calendar::cal::hijri::TabularAlgorithm> {
    Hijri::new_tabular(
        TabularAlgorithmLeapYears::TypeII,
        TabularAlgorithmEpoch::Friday,
    )
}

/// Whether a Solar Hijri year has 366 days, as icu_calendar's Persian calendar counts them. For 1206–1498 that is
/// the 33-year arithmetic rule (`(25·y + 11) mod 33 < 8`), which matches the official list (tested); outside that
/// range the two differ, and dates must agree with the calendar that converts them, so icu decides.
pub fn is_jalali_leap(year: i32) -> bool {
    Date::try_new_persian(year, 12, 30).is_ok()
}

pub fn jalali_month_days(year: i32, month: u8) -> u8 {
    match month {
        1..=6 => 31,
        7..=11 => 30,
        12 if is_jalali_leap(year) => 30,
        _ => 29,
    }
}

/// Splits `YYYY-MM-DD` (also `/`, Persian digits) into numbers.
fn split_ymd(input: &str) -> Option<(i32, u8, u8)> {
    let mut parts = input.trim().split(['-', '/', '\u{2212}']);
    let mut num = |max_len: usize| -> Option<u32> {
        let part = parts.next()?;
        let mut buf = [0u8; 4];
        let n = fold_digits(part, &mut buf).ok()?;
        if n == 0 || n > max_len {
            return None;
        }
        std::str::from_utf8(&buf[..n]).ok()?.parse().ok()
    };
    let (y, m, d) = (num(4)?, num(2)?, num(2)?);
    if parts.next().is_some() {
        return None;
    }
    Some((y as i32, m as u8, d as u8))
}

fn date_error(
    input: &str,
    calendar_en: &str,
    calendar_fa: &str,
    why_en: String,
    why_fa: String,
) -> ValidationError {
    ValidationError::new(
        INVALID,
        format!("{input:?} is not a valid {calendar_en} date: {why_en}"),
        format!("«{input}» تاریخ {calendar_fa} معتبری نیست: {why_fa}"),
    )
}

/// A valid Solar Hijri date.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct JalaliDate {
    year: i32,
    month: u8,
    day: u8,
}

impl JalaliDate {
    pub fn new(year: i32, month: u8, day: u8) -> Result<Self, ValidationError> {
        let s = format!("{year:04}-{month:02}-{day:02}");
        let err = |en: String, fa: String| date_error(&s, "Solar Hijri", "شمسی", en, fa);
        if !JALALI_YEARS.contains(&year) {
            return Err(err(
                format!(
                    "the year must be between {} and {}",
                    JALALI_YEARS.start(),
                    JALALI_YEARS.end()
                ),
                format!(
                    "سال باید میان {} و {} باشد",
                    to_persian_digits(&JALALI_YEARS.start().to_string()),
                    to_persian_digits(&JALALI_YEARS.end().to_string())
                ),
            ));
        }
        if !(1..=12).contains(&month) {
            return Err(err(
                "the month must be 1 to 12".into(),
                "ماه باید از ۱ تا ۱۲ باشد".into(),
            ));
        }
        let max = jalali_month_days(year, month);
        if day < 1 || day > max {
            return Err(err(
                format!(
                    "{} {year} has {max} days",
                    JALALI_MONTHS_EN[month as usize - 1]
                ),
                format!(
                    "{} {} {} روز دارد",
                    JALALI_MONTHS_FA[month as usize - 1],
                    to_persian_digits(&year.to_string()),
                    to_persian_digits(&max.to_string())
                ),
            ));
        }
        Ok(Self { year, month, day })
    }

    /// Parses `1403-08-19`, `1403/8/19` or `۱۴۰۳-۰۸-۱۹`.
    pub fn parse(input: &str) -> Result<Self, ValidationError> {
        let (y, m, d) = split_ymd(input).ok_or_else(|| {
            date_error(
                input,
                "Solar Hijri",
                "شمسی",
                "write it as YYYY-MM-DD, e.g. 1403-08-19".into(),
                "به شکل سال-ماه-روز بنویسید، مثلاً ۱۴۰۳-۰۸-۱۹".into(),
            )
        })?;
        Self::new(y, m, d).map_err(|e| ValidationError {
            message_en: e
                .message_en
                .replacen(&format!("{y:04}-{m:02}-{d:02}"), input, 1),
            ..e
        })
    }

    pub fn year(&self) -> i32 {
        self.year
    }
    pub fn month(&self) -> u8 {
        self.month
    }
    pub fn day(&self) -> u8 {
        self.day
    }

    /// The day number (Rata Die).
    pub fn day_number(&self) -> i64 {
        match Date::try_new_persian(self.year, self.month, self.day) {
            Ok(d) => d.to_rata_die().to_i64_date(),
            // Unreachable for a validated date; keep a defined answer rather than panic.
            Err(_) => 0,
        }
    }

    pub fn from_day_number(rd: i64) -> Result<Self, ValidationError> {
        let d = Date::from_rata_die(RataDie::new(rd), Persian);
        Self::new(
            d.year().extended_year(),
            d.month().ordinal,
            d.day_of_month().0,
        )
    }

    pub fn to_gregorian(&self) -> GregorianDate {
        gregorian_from_day_number(self.day_number())
    }

    pub fn from_gregorian(date: GregorianDate) -> Result<Self, ValidationError> {
        Self::from_day_number(i64::from(date.num_days_from_ce()))
    }

    /// The tabular lunar date of the same day.
    pub fn to_hijri(&self) -> HijriDate {
        HijriDate::from_day_number(self.day_number())
    }

    pub fn add_days(&self, days: i64) -> Result<Self, ValidationError> {
        Self::from_day_number(self.day_number() + days)
    }

    /// The weekday, 0 = Saturday … 6 = Friday.
    pub fn weekday(&self) -> u8 {
        // Day number 0 is a Sunday, so Saturday is 6 (mod 7).
        ((self.day_number() + 1).rem_euclid(7)) as u8
    }

    pub fn is_friday(&self) -> bool {
        self.weekday() == 6
    }

    /// Completed years of age on `today`.
    pub fn age_on(&self, today: JalaliDate) -> i32 {
        let mut age = today.year - self.year;
        if (today.month, today.day) < (self.month, self.day) {
            age -= 1;
        }
        age
    }

    /// `۱۹ آبان ۱۴۰۳`.
    pub fn format_fa(&self) -> String {
        format!(
            "{} {} {}",
            to_persian_digits(&self.day.to_string()),
            JALALI_MONTHS_FA[self.month as usize - 1],
            to_persian_digits(&self.year.to_string())
        )
    }

    /// `۱۴۰۳/۰۸/۱۹`.
    pub fn format_fa_numeric(&self) -> String {
        to_persian_digits(&format!(
            "{:04}/{:02}/{:02}",
            self.year, self.month, self.day
        ))
    }
}

pub const JALALI_MONTHS_EN: [&str; 12] = [
    "Farvardin",
    "Ordibehesht",
    "Khordad",
    "Tir",
    "Mordad",
    "Shahrivar",
    "Mehr",
    "Aban",
    "Azar",
    "Dey",
    "Bahman",
    "Esfand",
];

pub fn gregorian_from_day_number(rd: i64) -> GregorianDate {
    i32::try_from(rd)
        .ok()
        .and_then(NaiveDate::from_num_days_from_ce_opt)
        .unwrap_or(NaiveDate::MIN)
}

/// Parses a Gregorian `YYYY-MM-DD` (Persian digits accepted).
pub fn parse_gregorian(input: &str) -> Result<GregorianDate, ValidationError> {
    let err = |en: &str, fa: &str| date_error(input, "Gregorian", "میلادی", en.into(), fa.into());
    let (y, m, d) = split_ymd(input).ok_or_else(|| {
        err(
            "write it as YYYY-MM-DD, e.g. 2024-11-09",
            "به شکل سال-ماه-روز بنویسید",
        )
    })?;
    if !(1821..=2221).contains(&y) {
        return Err(err(
            "the year must be between 1821 and 2221",
            "سال باید میان ۱۸۲۱ و ۲۲۲۱ باشد",
        ));
    }
    NaiveDate::from_ymd_opt(y, u32::from(m), u32::from(d)).ok_or_else(|| {
        err(
            "that day does not exist in that month",
            "این روز در آن ماه وجود ندارد",
        )
    })
}

/// A lunar Hijri date as a person states it: month 1–12, day 1–30. Because official months follow sightings,
/// day 30 is accepted in every month; the day number counts from the first of the (tabular) month.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct HijriDate {
    year: i32,
    month: u8,
    day: u8,
}

impl HijriDate {
    pub fn new(year: i32, month: u8, day: u8) -> Result<Self, ValidationError> {
        let s = format!("{year:04}-{month:02}-{day:02}");
        let err = |en: &str, fa: &str| date_error(&s, "lunar Hijri", "قمری", en.into(), fa.into());
        if !HIJRI_YEARS.contains(&year) {
            return Err(err(
                "the year is outside 1230–1650",
                "سال بیرون از ۱۲۳۰ تا ۱۶۵۰ است",
            ));
        }
        if !(1..=12).contains(&month) {
            return Err(err("the month must be 1 to 12", "ماه باید از ۱ تا ۱۲ باشد"));
        }
        if !(1..=30).contains(&day) {
            return Err(err(
                "a lunar month has at most 30 days",
                "ماه قمری حداکثر ۳۰ روز دارد",
            ));
        }
        Ok(Self { year, month, day })
    }

    pub fn parse(input: &str) -> Result<Self, ValidationError> {
        let (y, m, d) = split_ymd(input).ok_or_else(|| {
            date_error(
                input,
                "lunar Hijri",
                "قمری",
                "write it as YYYY-MM-DD, e.g. 1446-05-07".into(),
                "به شکل سال-ماه-روز بنویسید، مثلاً ۱۴۴۶-۰۵-۰۷".into(),
            )
        })?;
        Self::new(y, m, d)
    }

    pub fn year(&self) -> i32 {
        self.year
    }
    pub fn month(&self) -> u8 {
        self.month
    }
    pub fn day(&self) -> u8 {
        self.day
    }

    pub fn day_number(&self) -> i64 {
        match Date::try_new_hijri_with_calendar(self.year, self.month, 1, tabular()) {
            Ok(first) => first.to_rata_die().to_i64_date() + i64::from(self.day) - 1,
            Err(_) => 0,
        }
    }

    /// The tabular (computed) lunar date of a day.
    pub fn from_day_number(rd: i64) -> Self {
        let d = Date::from_rata_die(RataDie::new(rd), tabular());
        Self {
            year: d.year().extended_year(),
            month: d.month().ordinal,
            day: d.day_of_month().0,
        }
    }

    /// The Solar Hijri date of the same day (by the tabular reckoning).
    pub fn to_jalali(&self) -> Result<JalaliDate, ValidationError> {
        JalaliDate::from_day_number(self.day_number())
    }

    /// `۷ جمادی‌الاول ۱۴۴۶`.
    pub fn format_fa(&self) -> String {
        format!(
            "{} {} {}",
            to_persian_digits(&self.day.to_string()),
            HIJRI_MONTHS_FA[self.month as usize - 1],
            to_persian_digits(&self.year.to_string())
        )
    }
}

/// Whether a stated lunar birth date agrees with the solar one within [`LUNAR_TOLERANCE_DAYS`].
pub fn lunar_agrees(solar: JalaliDate, lunar: HijriDate) -> bool {
    (lunar.day_number() - solar.day_number()).abs() <= LUNAR_TOLERANCE_DAYS
}

macro_rules! ymd_text_impls {
    ($t:ty) => {
        impl fmt::Display for $t {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
            }
        }
        impl fmt::Debug for $t {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}({})", stringify!($t), self)
            }
        }
        impl serde::Serialize for $t {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.collect_str(self)
            }
        }
        impl<'de> serde::Deserialize<'de> for $t {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
                <$t>::parse(&s).map_err(serde::de::Error::custom)
            }
        }
    };
}
ymd_text_impls!(JalaliDate);
ymd_text_impls!(HijriDate);

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn j(s: &str) -> JalaliDate {
        JalaliDate::parse(s).unwrap()
    }
    fn g(s: &str) -> GregorianDate {
        parse_gregorian(s).unwrap()
    }

    #[test]
    fn nowruz_dates() {
        assert_eq!(j("1399-01-01").to_gregorian(), g("2020-03-20"));
        assert_eq!(j("1403-01-01").to_gregorian(), g("2024-03-20"));
        assert_eq!(j("1404-01-01").to_gregorian(), g("2025-03-21"));
        assert_eq!(j("1348-10-11").to_gregorian(), g("1970-01-01"));
        assert_eq!(
            JalaliDate::from_gregorian(g("2024-11-09")).unwrap(),
            j("1403-08-19")
        );
    }

    #[test]
    fn leap_years_of_the_domain() {
        assert!(is_jalali_leap(1399) && is_jalali_leap(1403) && is_jalali_leap(1408));
        assert!(!is_jalali_leap(1404));
        assert!(JalaliDate::parse("1403-12-30").is_ok());
        let e = JalaliDate::parse("1404-12-30").unwrap_err();
        assert_eq!(e.code, "invalid_date");
        assert!(
            e.message_en.contains("Esfand 1404 has 29 days"),
            "{}",
            e.message_en
        );
    }

    /// The 33-year rule and icu_calendar agree on every year of 1206–1498 (the span the rule is exact for).
    #[test]
    fn icu_agrees_with_33_year_rule() {
        for y in 1206..=1498 {
            let rule = (25 * i64::from(y) + 11).rem_euclid(33) < 8;
            assert_eq!(is_jalali_leap(y), rule, "year {y}");
        }
    }

    /// Every day icu converts is a valid date of ours, also past 1498 where the 33-year rule and icu part ways
    /// (1503-12-30 was once refused).
    #[test]
    fn every_converted_day_is_valid() {
        let first = JalaliDate::new(1300, 1, 1).unwrap().day_number();
        let last = JalaliDate::new(1600, 1, 1).unwrap().day_number();
        for rd in first..last {
            let d = JalaliDate::from_day_number(rd).unwrap();
            assert_eq!(d.day_number(), rd);
        }
        assert!(JalaliDate::new(1503, 12, 30).is_ok());
    }

    #[test]
    fn persian_display() {
        assert_eq!(j("1403-08-19").format_fa(), "۱۹ آبان ۱۴۰۳");
        assert_eq!(j("1403-08-19").format_fa_numeric(), "۱۴۰۳/۰۸/۱۹");
        assert_eq!(j("۱۴۰۳/۸/۱۹"), j("1403-08-19"));
    }

    #[test]
    fn weekdays() {
        // 2024-11-08 was a Friday, 2024-11-09 a Saturday.
        assert!(j("1403-08-18").is_friday());
        assert_eq!(j("1403-08-19").weekday(), 0);
    }

    #[test]
    fn lunar_dates_and_tolerance() {
        // 1 Ramadan 1445 began on 2024-03-11/12 depending on the sighting; the tabular date is within a day.
        let ramadan = HijriDate::parse("1445-09-01").unwrap();
        let greg = gregorian_from_day_number(ramadan.day_number());
        assert!((greg - g("2024-03-11")).num_days().abs() <= 1, "{greg}");
        let solar = j("1403-08-19");
        let computed = solar.to_hijri();
        assert!(lunar_agrees(solar, computed));
        for off in -2i64..=2 {
            let stated = HijriDate::from_day_number(computed.day_number() + off);
            assert!(lunar_agrees(solar, stated), "offset {off}");
        }
        assert!(!lunar_agrees(
            solar,
            HijriDate::from_day_number(computed.day_number() + 3)
        ));
        assert!(!lunar_agrees(
            solar,
            HijriDate::from_day_number(computed.day_number() - 3)
        ));
        assert_eq!(
            HijriDate::parse("1446-05-07").unwrap().format_fa(),
            "۷ جمادی‌الاول ۱۴۴۶"
        );
        // Day 30 is accepted in any month: sightings decide month lengths.
        assert!(HijriDate::parse("1446-02-30").is_ok());
        assert!(HijriDate::parse("1446-02-31").is_err());
    }

    #[test]
    fn bad_dates_are_precise() {
        for bad in [
            "",
            "1403",
            "1403-13-01",
            "1403-00-10",
            "1403-07-31",
            "14033-01-01",
            "1403-01-01-01",
            "abc",
            "1100-01-01",
        ] {
            assert_eq!(
                JalaliDate::parse(bad).unwrap_err().code,
                "invalid_date",
                "{bad}"
            );
        }
        assert!(parse_gregorian("2023-02-29").is_err());
        assert!(parse_gregorian("2024-02-29").is_ok());
    }

    #[test]
    fn ages() {
        let birth = j("1388-05-10");
        assert_eq!(birth.age_on(j("1403-05-09")), 14);
        assert_eq!(birth.age_on(j("1403-05-10")), 15);
    }

    proptest! {
        #[test]
        fn jalali_round_trips_through_gregorian(rd in 700_000i64..800_000) {
            let jd = JalaliDate::from_day_number(rd).unwrap();
            prop_assert_eq!(jd.day_number(), rd);
            prop_assert_eq!(JalaliDate::from_gregorian(jd.to_gregorian()).unwrap(), jd);
            prop_assert_eq!(JalaliDate::parse(&jd.to_string()).unwrap(), jd);
            let persian = crate::text::to_persian_digits(&jd.to_string());
            prop_assert_eq!(JalaliDate::parse(&persian).unwrap(), jd);
        }

        #[test]
        fn hijri_round_trips(rd in 700_000i64..800_000) {
            let h = HijriDate::from_day_number(rd);
            prop_assert_eq!(h.day_number(), rd);
            prop_assert_eq!(HijriDate::parse(&h.to_string()).unwrap(), h);
        }

        #[test]
        fn consecutive_days_are_consecutive(rd in 700_000i64..800_000) {
            let a = JalaliDate::from_day_number(rd).unwrap();
            let b = JalaliDate::from_day_number(rd + 1).unwrap();
            prop_assert!(b > a);
            prop_assert_eq!((a.weekday() + 1) % 7, b.weekday());
        }

        #[test]
        fn any_text_never_panics(s in "\\PC{0,20}") {
            let _ = JalaliDate::parse(&s);
            let _ = HijriDate::parse(&s);
            let _ = parse_gregorian(&s);
        }
    }
}

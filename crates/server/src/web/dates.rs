//! Dates on the pages: stored instants shown as Tehran's Solar Hijri day and time, and the day / month / year
//! `<select>` choices of the birth-date fields (Persian digits and month names shown, ASCII numbers sent).

use chrono::{DateTime, Timelike, Utc};
use domain::calendar::{HIJRI_MONTHS_FA, JALALI_MONTHS_FA, WEEKDAYS_FA};
use domain::text::to_persian_digits;
use domain::JalaliDate;

use crate::state::tehran;
pub use crate::state::tehran_day as day_of;

/// `۱۹ آبان ۱۴۰۳`, or nothing for an instant outside the calendar.
pub fn day_fa(at: DateTime<Utc>) -> String {
    day_of(at).map(|d| d.format_fa()).unwrap_or_default()
}

/// `۰۹:۳۵`, Tehran time.
pub fn time_fa(at: DateTime<Utc>) -> String {
    let t = tehran(at);
    to_persian_digits(&format!("{:02}:{:02}", t.hour(), t.minute()))
}

/// `شنبه ۱۹ آبان ۱۴۰۳`.
pub fn with_weekday(d: JalaliDate) -> String {
    format!(
        "{} {}",
        WEEKDAYS_FA[usize::from(d.weekday())],
        d.format_fa()
    )
}

fn empty(label: &str) -> (String, String) {
    (String::new(), label.to_string())
}

fn numbers(range: impl Iterator<Item = i32>) -> impl Iterator<Item = (String, String)> {
    range.map(|n| (n.to_string(), to_persian_digits(&n.to_string())))
}

/// Days 1 to `last`, after an empty choice.
pub fn day_choices(last: i32) -> Vec<(String, String)> {
    std::iter::once(empty("روز"))
        .chain(numbers(1..=last))
        .collect()
}

fn month_choices(names: &[&str; 12]) -> Vec<(String, String)> {
    std::iter::once(empty("ماه"))
        .chain(
            names
                .iter()
                .enumerate()
                .map(|(i, n)| ((i + 1).to_string(), (*n).to_string())),
        )
        .collect()
}

pub fn solar_month_choices() -> Vec<(String, String)> {
    month_choices(&JALALI_MONTHS_FA)
}

pub fn lunar_month_choices() -> Vec<(String, String)> {
    month_choices(&HIJRI_MONTHS_FA)
}

/// Years from `last` down to `first` (the recent ones first), after an empty choice.
pub fn year_choices(first: i32, last: i32) -> Vec<(String, String)> {
    std::iter::once(empty("سال"))
        .chain(numbers((first..=last).rev()))
        .collect()
}

/// What three date selects hold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Picked {
    Nothing,
    /// Some chosen, some left empty.
    Partly,
    /// `YYYY-MM-DD`, for the domain's parser.
    Date(String),
}

pub fn ymd(year: &str, month: &str, day: &str) -> Picked {
    let parts = [year.trim(), month.trim(), day.trim()];
    match parts.iter().filter(|p| p.is_empty()).count() {
        3 => Picked::Nothing,
        0 => Picked::Date(parts.join("-")),
        _ => Picked::Partly,
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn instants_are_shown_in_tehran() {
        // 20:45 UTC on 8 Nov 2024 is 00:15 on 19 Aban 1403 in Tehran.
        let at = DateTime::parse_from_rfc3339("2024-11-08T20:45:00Z")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(day_fa(at), "۱۹ آبان ۱۴۰۳");
        assert_eq!(time_fa(at), "۰۰:۱۵");
        assert_eq!(with_weekday(day_of(at).unwrap()), "شنبه ۱۹ آبان ۱۴۰۳");
    }

    #[test]
    fn choices_and_partial_dates() {
        let years = year_choices(1300, 1404);
        assert_eq!(years.len(), 106);
        assert_eq!(years[1], ("1404".into(), "۱۴۰۴".into()));
        assert_eq!(years.last().unwrap().0, "1300");
        assert_eq!(lunar_month_choices()[12].1, "ذی‌الحجه");
        assert_eq!(day_choices(31).len(), 32);
        assert_eq!(ymd("1370", "5", "12"), Picked::Date("1370-5-12".into()));
        assert_eq!(ymd("", " ", ""), Picked::Nothing);
        assert_eq!(ymd("1370", "", "12"), Picked::Partly);
    }
}

//! Ages and dates: Iran's population pyramid (the 1980s baby boom now aged about 30–45, the low-fertility
//! cohorts behind it, a smaller recent birth cohort, few elderly), the chance that a registry record is of a
//! deceased person by age, and a precomputed table of Solar Hijri dates as `YYYY-MM-DD` text.

use domain::calendar::jalali_month_days;
use domain::JalaliDate;

/// The oldest age generated.
pub const MAX_AGE: u32 = 95;

/// Five-year age bands (first age, last age, thousands of people), after recent estimates for Iran.
const BANDS: [(u32, u32, u64); 19] = [
    (0, 4, 5_300),
    (5, 9, 6_900),
    (10, 14, 7_000),
    (15, 19, 6_200),
    (20, 24, 5_400),
    (25, 29, 5_600),
    (30, 34, 7_200),
    (35, 39, 8_200),
    (40, 44, 7_300),
    (45, 49, 5_900),
    (50, 54, 4_900),
    (55, 59, 4_200),
    (60, 64, 3_500),
    (65, 69, 2_600),
    (70, 74, 1_600),
    (75, 79, 1_000),
    (80, 84, 600),
    (85, 89, 300),
    (90, MAX_AGE, 100),
];

/// Relative weight of each single year of age `0..=MAX_AGE`.
pub fn age_weights() -> Vec<u64> {
    let mut w = vec![0u64; MAX_AGE as usize + 1];
    for (first, last, thousands) in BANDS {
        let years = u64::from(last - first + 1);
        for age in first..=last {
            w[age as usize] = thousands * 1_000 / years;
        }
    }
    w
}

/// Per mille of records at this age (years since birth) that are of someone already deceased.
pub fn deceased_per_mille(age: u32) -> u32 {
    match age {
        0..=14 => 2,
        15..=39 => 5,
        40..=59 => 20,
        60..=69 => 80,
        70..=79 => 200,
        80..=89 => 400,
        _ => 600,
    }
}

/// Every date from some start day up to `today`, as ASCII `YYYY-MM-DD`, indexed by days since the start.
#[derive(Debug, Clone)]
pub struct DateTable {
    text: String,
    days: usize,
}

impl DateTable {
    /// The `span` days ending with `today` (fewer if the calendar's range ends first).
    pub fn ending(today: JalaliDate, span: usize) -> Self {
        let (mut y, mut m, mut d) = (today.year(), today.month(), today.day());
        let min_year = *domain::calendar::JALALI_YEARS.start();
        let mut backwards: Vec<(i32, u8, u8)> = Vec::with_capacity(span);
        while backwards.len() < span && y >= min_year {
            backwards.push((y, m, d));
            if d > 1 {
                d -= 1;
            } else if m > 1 {
                m -= 1;
                d = jalali_month_days(y, m);
            } else {
                y -= 1;
                m = 12;
                d = jalali_month_days(y, m);
            }
        }
        let mut text = String::with_capacity(backwards.len() * 10);
        for &(y, m, d) in backwards.iter().rev() {
            crate::fmt::push_digits(&mut text, y.unsigned_abs(), 4);
            text.push('-');
            crate::fmt::push_digits(&mut text, u32::from(m), 2);
            text.push('-');
            crate::fmt::push_digits(&mut text, u32::from(d), 2);
        }
        Self {
            text,
            days: backwards.len(),
        }
    }

    /// How many days the table holds; the last is `today`.
    pub fn len(&self) -> usize {
        self.days
    }

    pub fn is_empty(&self) -> bool {
        self.days == 0
    }

    /// The date `back` days before `today` (clamped to the oldest in the table).
    #[inline]
    pub fn days_before_today(&self, back: usize) -> &str {
        let i = self.days.saturating_sub(1).saturating_sub(back);
        self.text.get(i * 10..i * 10 + 10).unwrap_or("")
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a test should fail loudly
mod tests {
    use super::*;

    #[test]
    fn fifteen_plus_is_about_three_quarters() {
        let w = age_weights();
        let total: u64 = w.iter().sum();
        let adults: u64 = w[15..].iter().sum();
        let share = adults as f64 / total as f64;
        assert!((0.74..0.80).contains(&share), "{share}");
    }

    #[test]
    fn table_matches_the_calendar() {
        let today = JalaliDate::new(1404, 1, 1).unwrap();
        let t = DateTable::ending(today, 40_000);
        assert_eq!(t.len(), 40_000);
        assert_eq!(t.days_before_today(0), "1404-01-01");
        assert_eq!(t.days_before_today(1), "1403-12-30"); // 1403 is a leap year
        for back in [0usize, 17, 365, 10_000, 39_999] {
            let expected = JalaliDate::from_day_number(today.day_number() - back as i64).unwrap();
            assert_eq!(t.days_before_today(back), expected.to_string());
        }
        assert_eq!(t.days_before_today(50_000), t.days_before_today(39_999));
    }
}

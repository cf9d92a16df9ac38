//! When production batches are formed: every so often (`batch_every = "10m"`), or once a day after a cut-off in
//! Tehran time (`batch_at = "16:00"`), as the operators set it. Pure: the caller says what time it is (Tehran wall
//! clock) and when batches were last formed.

use crate::ValidationError;
use chrono::{Duration, NaiveDateTime, NaiveTime};

/// The production schedule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BatchSchedule {
    /// Every `Duration` (at least a minute).
    Every(Duration),
    /// Once a day, at or after this time of day (Tehran).
    DailyAt(NaiveTime),
}

impl Default for BatchSchedule {
    fn default() -> Self {
        Self::Every(Duration::minutes(10))
    }
}

fn invalid(en: String, fa: String) -> ValidationError {
    ValidationError::new("invalid_schedule", en, fa)
}

impl BatchSchedule {
    /// `"90s"`, `"10m"`, `"2h"`, `"1d"`: a period of at least a minute.
    pub fn parse_every(s: &str) -> Result<Self, ValidationError> {
        let s = s.trim();
        let split = s.len().saturating_sub(1);
        let (n, unit) = (s.get(..split).unwrap_or(""), s.get(split..).unwrap_or(""));
        let bad = || {
            invalid(
                format!("{s:?}: a period is a number and a unit (s, m, h, d), e.g. \"10m\""),
                format!("«{s}»: دوره عددی است با یکای s، m، h یا d، مانند «10m»"),
            )
        };
        let n: i64 = n.parse().map_err(|_| bad())?;
        let d = match unit {
            "s" => Duration::seconds(n),
            "m" => Duration::minutes(n),
            "h" => Duration::hours(n),
            "d" => Duration::days(n),
            _ => return Err(bad()),
        };
        if d < Duration::minutes(1) || d > Duration::days(7) {
            return Err(invalid(
                format!("{s:?}: batches are formed at most every minute and at least every week"),
                format!("«{s}»: دسته‌ها دست‌کم هر دقیقه و دست‌بالا هر هفته ساخته می‌شوند"),
            ));
        }
        Ok(Self::Every(d))
    }

    /// `"16:00"`: a daily cut-off, Tehran time.
    pub fn parse_at(s: &str) -> Result<Self, ValidationError> {
        NaiveTime::parse_from_str(s.trim(), "%H:%M")
            .map(Self::DailyAt)
            .map_err(|_| {
                invalid(
                    format!("{s:?}: a cut-off is a time of day as HH:MM, e.g. \"16:00\""),
                    format!("«{s}»: ساعت برش به شکل HH:MM است، مانند «16:00»"),
                )
            })
    }

    /// Whether batches are due at `now` (Tehran wall clock), when they were last formed at `last` (the same clock;
    /// `None`: not since the service started).
    pub fn due(&self, last: Option<NaiveDateTime>, now: NaiveDateTime) -> bool {
        match (*self, last) {
            (Self::Every(_), None) => true,
            (Self::Every(d), Some(l)) => now - l >= d,
            (Self::DailyAt(at), last) => {
                let cutoff = now.date().and_time(at);
                now >= cutoff && last.is_none_or(|l| l < cutoff)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn t(d: u32, h: u32, m: u32) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(2026, 12, d)
            .and_then(|x| x.and_hms_opt(h, m, 0))
            .expect("valid")
    }

    #[test]
    fn periods_and_cutoffs_parse_or_say_why_not() {
        assert_eq!(
            BatchSchedule::parse_every("10m"),
            Ok(BatchSchedule::Every(Duration::minutes(10)))
        );
        assert_eq!(
            BatchSchedule::parse_every("2h"),
            Ok(BatchSchedule::Every(Duration::hours(2)))
        );
        for bad in ["", "10", "m", "10x", "-5m", "30s", "8d"] {
            let e = BatchSchedule::parse_every(bad).expect_err(bad);
            assert_eq!(e.code, "invalid_schedule");
        }
        assert!(BatchSchedule::parse_at("16:00").is_ok());
        assert!(BatchSchedule::parse_at("25:00").is_err());
    }

    #[test]
    fn a_period_runs_when_it_has_passed() {
        let every = BatchSchedule::Every(Duration::minutes(10));
        assert!(every.due(None, t(2, 9, 0)));
        assert!(!every.due(Some(t(2, 9, 0)), t(2, 9, 9)));
        assert!(every.due(Some(t(2, 9, 0)), t(2, 9, 10)));
    }

    #[test]
    fn a_cutoff_runs_once_a_day_after_its_time() {
        let daily = BatchSchedule::parse_at("16:00").expect("valid");
        assert!(!daily.due(None, t(2, 15, 59)), "not before the cut-off");
        assert!(daily.due(None, t(2, 16, 0)));
        assert!(!daily.due(Some(t(2, 16, 1)), t(2, 23, 0)), "once that day");
        assert!(
            !daily.due(Some(t(2, 16, 1)), t(3, 9, 0)),
            "next day, before the cut-off"
        );
        assert!(daily.due(Some(t(2, 16, 1)), t(3, 16, 5)));
        assert!(
            daily.due(Some(t(2, 10, 0)), t(2, 16, 0)),
            "a run before the cut-off does not count"
        );
    }
}

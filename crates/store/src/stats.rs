//! Statistics per province: counters of applications per state, kept in the same transactions as the changes
//! they count, and the eligible population (living people aged 15 or more), refreshed from the registry.

use async_trait::async_trait;
use domain::{ApplicationState, JalaliDate};
use std::collections::BTreeMap;

use crate::Result;

/// The counts of one province (`province_code` is `""` for applications whose province is unknown).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProvinceCounts {
    pub province_code: String,
    /// Living people aged 15 or more in the registry, as of the last [`Stats::refresh_eligible`].
    pub eligible: u64,
    /// Applications per state; states with none are left out.
    pub by_state: BTreeMap<ApplicationState, u64>,
}

/// The latest birth date (`YYYY-MM-DD`, Jalali) of someone aged 15 or more on `today`: the same month and day
/// 15 years earlier, Esfand 30 becoming 29 where that year is not leap.
pub fn eligible_cutoff(today: JalaliDate) -> String {
    let (y, m, d) = (today.year() - 15, today.month(), today.day());
    JalaliDate::new(y, m, d)
        .or_else(|_| JalaliDate::new(y, m, 29))
        .map(|c| c.to_string())
        .unwrap_or_else(|_| format!("{y:04}-{m:02}-{:02}", d.min(29)))
}

#[async_trait]
pub trait Stats: Send + Sync {
    /// Recounts the eligible population per province from the registry, as of `today`, in one statement.
    async fn refresh_eligible(&self, today: JalaliDate) -> Result<()>;

    /// The kept counters, one entry per province that has any (ordered by province code).
    async fn province_counts(&self) -> Result<Vec<ProvinceCounts>>;

    /// The same as [`Stats::province_counts`], computed from the applications themselves (slow: for tests and
    /// an operator's check of the counters).
    async fn recount(&self) -> Result<Vec<ProvinceCounts>>;
}

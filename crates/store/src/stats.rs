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

/// How long an uncollected card has been uncollected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum AgeBucket {
    Under30Days,
    Days30To90,
    Days90To365,
    OverAYear,
}

impl AgeBucket {
    pub const ALL: [AgeBucket; 4] = [
        Self::Under30Days,
        Self::Days30To90,
        Self::Days90To365,
        Self::OverAYear,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Under30Days => "under_30_days",
            Self::Days30To90 => "30_to_90_days",
            Self::Days90To365 => "90_to_365_days",
            Self::OverAYear => "over_a_year",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.as_str() == s)
    }

    pub fn fa(self) -> &'static str {
        match self {
            Self::Under30Days => "کمتر از ۳۰ روز",
            Self::Days30To90 => "۳۰ تا ۹۰ روز",
            Self::Days90To365 => "۹۰ روز تا یک سال",
            Self::OverAYear => "بیش از یک سال",
        }
    }

    /// The first days (YYYY-MM-DD, UTC) of the younger buckets as of `today`: a card uncollected since a day on or
    /// after `cutoffs[0]` is under 30 days, on or after `cutoffs[1]` under 90, on or after `cutoffs[2]` under 365.
    pub fn cutoffs(today: chrono::NaiveDate) -> [String; 3] {
        [29, 89, 364].map(|d| {
            (today - chrono::Duration::days(d))
                .format("%Y-%m-%d")
                .to_string()
        })
    }
}

/// Deliveries that took `days` whole days from application, in a province.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct LeadTimeCount {
    pub province_code: String,
    pub days: u32,
    pub n: u64,
}

/// Uncollected cards of a province by reason and age.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct UncollectedCount {
    pub province_code: String,
    pub reason: domain::UncollectedReason,
    pub age: AgeBucket,
    pub n: u64,
}

/// An office's booked places on a day against its capacity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OfficeLoad {
    pub office_id: String,
    pub name: String,
    pub province_code: String,
    pub booked: u64,
    pub capacity: u64,
}

#[async_trait]
pub trait Stats: Send + Sync {
    /// The lead-time histogram (kept counters), per province and day count.
    async fn lead_times(&self) -> Result<Vec<LeadTimeCount>>;

    /// The same, from the applications' histories (slow: for tests and checks).
    async fn recount_lead_times(&self) -> Result<Vec<LeadTimeCount>>;

    /// Uncollected cards by province, reason and age as of `today` (kept counters).
    async fn uncollected(&self, today: chrono::NaiveDate) -> Result<Vec<UncollectedCount>>;

    /// The same, from the cards themselves (slow: for tests and checks).
    async fn recount_uncollected(&self, today: chrono::NaiveDate) -> Result<Vec<UncollectedCount>>;

    /// The offices with the most booked share of their capacity on `day` (Jalali), in one province or all.
    async fn office_load(
        &self,
        day: &str,
        province: Option<&str>,
        limit: u32,
    ) -> Result<Vec<OfficeLoad>>;

    /// Recounts the eligible population per province from the registry, as of `today`, in one statement.
    async fn refresh_eligible(&self, today: JalaliDate) -> Result<()>;

    /// The kept counters, one entry per province that has any (ordered by province code).
    async fn province_counts(&self) -> Result<Vec<ProvinceCounts>>;

    /// The same as [`Stats::province_counts`], computed from the applications themselves (slow: for tests and
    /// an operator's check of the counters).
    async fn recount(&self) -> Result<Vec<ProvinceCounts>>;
}

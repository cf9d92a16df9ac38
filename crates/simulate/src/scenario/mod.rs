//! A scenario: what the simulation is told about demand, offices, vendors, shipping, SMS and pickup. Read from
//! TOML ([`Scenario::from_toml`]) and checked whole before a run; an error names the field and says what is wrong.
//! Dates become day offsets from `start`, so the engine never touches the calendar.

mod live;
mod raw;
mod resolve;

pub use live::{LiveProvince, LiveVendor};

pub use raw::RawCounts as InitialCounts;

use domain::{JalaliDate, ProvinceCode};
use std::fmt;

/// A scenario that failed to read or to pass its checks.
#[derive(Debug, Clone, PartialEq)]
pub struct ScenarioError {
    /// The field at fault (`vendors[1].share`), or empty for a TOML syntax error.
    pub field: String,
    pub message: String,
}

impl ScenarioError {
    pub(crate) fn at(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            message: message.into(),
        }
    }
}

impl fmt::Display for ScenarioError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.field.is_empty() {
            write!(f, "scenario: {}", self.message)
        } else {
            write!(f, "scenario: {}: {}", self.field, self.message)
        }
    }
}

impl std::error::Error for ScenarioError {}

/// One simulated province.
#[derive(Debug, Clone)]
pub struct ProvinceSetup {
    pub code: ProvinceCode,
    pub eligible: u64,
    pub offices: u32,
    pub office_daily_capacity: f64,
    /// Offices' own capacities (from a live installation); when set, `offices` and the mean are ignored.
    pub office_capacities: Option<Vec<u32>>,
    pub apply_per_year: f64,
    pub shipping_days: [u32; 2],
    pub initial: InitialCounts,
}

impl ProvinceSetup {
    /// Applications of any stage on the first day.
    pub fn initial_applied(&self) -> u64 {
        let c = &self.initial;
        c.awaiting_payment
            + c.awaiting_enrollment
            + c.enrolled
            + c.in_production
            + c.in_transit
            + c.ready_at_office
            + c.uncollected
            + c.delivered
            + c.rejected
    }
}

/// A period of raised (or lowered) demand, such as the paper card's end of validity.
#[derive(Debug, Clone)]
pub struct Surge {
    pub from_day: i64,
    pub to_day: i64,
    pub factor: f64,
    pub label: String,
}

#[derive(Debug, Clone)]
pub struct Vendor {
    pub name: String,
    pub share: f64,
    pub daily_capacity: u64,
    pub failure: f64,
    pub works_fridays: bool,
    /// `(first day, days)` with no production (no card bodies, a broken line).
    pub outages: Vec<(i64, u32)>,
    /// `(from day, daily capacity)`, in order.
    pub changes: Vec<(i64, u64)>,
}

impl Vendor {
    /// Cards the vendor can make on `day` if it works that day.
    pub fn capacity_on(&self, day: i64) -> u64 {
        if self
            .outages
            .iter()
            .any(|&(from, n)| day >= from && day < from + i64::from(n))
        {
            return 0;
        }
        self.changes
            .iter()
            .rev()
            .find(|(from, _)| day >= *from)
            .map_or(self.daily_capacity, |c| c.1)
    }
}

#[derive(Debug, Clone)]
pub struct Dedup {
    pub days: u32,
    pub hit_rate: f64,
    pub duplicate_share: f64,
    pub adjudication_days: u32,
}

#[derive(Debug, Clone)]
pub struct Sms {
    pub typed_reach: f64,
    pub linked_reach: f64,
    pub linked_from_day: Option<i64>,
}

impl Sms {
    pub fn reach_on(&self, day: i64) -> f64 {
        match self.linked_from_day {
            Some(from) if day >= from => self.linked_reach,
            _ => self.typed_reach,
        }
    }
}

#[derive(Debug, Clone)]
pub struct Pickup {
    pub notified: Vec<(u32, f64)>,
    pub unnotified_per_day: f64,
    pub reminders: Vec<u32>,
    pub reminder_response: f64,
    pub period_days: u32,
    pub receipt_grace_days: u32,
    pub after_grace_per_day: f64,
}

#[derive(Debug, Clone)]
pub struct People {
    pub deaths_per_year: f64,
    pub moves_per_year: f64,
    pub transfer_share: f64,
    pub transfer_days: u32,
    pub turning_15_per_year: f64,
}

/// A checked scenario. Fields are public so that a lever can be pulled in code as well as in the file.
#[derive(Debug, Clone)]
pub struct Scenario {
    pub name: String,
    pub start: JalaliDate,
    pub days: u32,
    pub seed: u64,
    /// Extra closed days, as offsets from `start`.
    pub closures: Vec<i64>,
    pub provinces: Vec<ProvinceSetup>,
    pub office_capacity_spread: f64,
    pub surges: Vec<Surge>,
    pub payment_failure: f64,
    pub payment_retry: f64,
    pub no_show: f64,
    pub dedup: Dedup,
    pub vendors: Vec<Vendor>,
    pub sms: Sms,
    pub pickup: Pickup,
    pub people: People,
    pub backlog_age_days: u32,
}

/// The most days one run may cover, and the most offices (an office index is kept in 32 bits, but a run this
/// long or this wide is a mistake in the file rather than a question).
pub const MAX_DAYS: u32 = 3 * 366;
pub const MAX_OFFICES: u32 = 100_000;

impl Scenario {
    /// Reads and checks a scenario written in TOML.
    pub fn from_toml(text: &str) -> Result<Self, ScenarioError> {
        let raw: raw::RawScenario = toml::from_str(text)
            .map_err(|e| ScenarioError::at("", e.to_string().trim_end().replace('\n', " | ")))?;
        resolve::resolve(raw)
    }

    /// The day offset of a date inside the run (`None` before `start`).
    pub fn day_of(&self, date: JalaliDate) -> i64 {
        date.day_number() - self.start.day_number()
    }

    /// The date of a day offset.
    pub fn date_of(&self, day: i64) -> JalaliDate {
        self.start.add_days(day).unwrap_or(self.start)
    }

    /// Total eligible population of the simulated provinces.
    pub fn eligible(&self) -> u64 {
        self.provinces.iter().map(|p| p.eligible).sum()
    }

    /// Counter offices over all provinces.
    pub fn offices(&self) -> u64 {
        self.provinces
            .iter()
            .map(|p| {
                p.office_capacities
                    .as_ref()
                    .map_or(u64::from(p.offices), |c| c.len() as u64)
            })
            .sum()
    }
}

//! `shenas simulate`: the card's lifecycle played forward at national scale, by cohorts (per office and day, per
//! vendor and day) rather than by person, so an administrator sees before the fact what a change of vendor
//! capacity, SMS reach, office capacity or pickup rules does to lead times and backlogs.
//!
//! Pure: a scenario goes in (a [`Scenario`] or its TOML text), a [`Report`] comes out, and the report renders
//! itself as JSON, CSV or SVG charts ([`render`]). No files, no clock, no threads; the run is deterministic for a
//! seed. Provinces, the holiday table and the Solar Hijri calendar come from `domain`.

pub mod engine;
mod pickup;
pub mod render;
pub mod report;
mod rng;
pub mod scenario;

pub use engine::{run, Simulation};
pub use report::{ByAge, LeadTimes, Report, Stocks, Summary, VendorWeek, WeekRow};
pub use scenario::{InitialCounts, ProvinceSetup, Scenario, ScenarioError};

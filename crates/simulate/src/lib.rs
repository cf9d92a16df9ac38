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
pub use scenario::{
    InitialCounts, LiveProvince, LiveVendor, ProvinceSetup, Scenario, ScenarioError,
};

/// The scenarios shipped in `docs/scenarios/`, for a page or a test to offer without reading files.
pub mod presets {
    pub const RAZAVI_KHORASAN_1398: &str =
        include_str!("../../../docs/scenarios/razavi-khorasan-1398.toml");
    pub const NATIONAL_1405: &str = include_str!("../../../docs/scenarios/national-1405.toml");

    /// `(key, Persian title, text)`.
    pub const ALL: [(&str, &str, &str); 2] = [
        (
            "razavi-khorasan-1398",
            "خراسان رضوی ۱۳۹۸",
            RAZAVI_KHORASAN_1398,
        ),
        ("national-1405", "کل کشور ۱۴۰۵", NATIONAL_1405),
    ];
}

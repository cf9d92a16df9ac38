//! The scenario file as written (TOML): every table refuses unknown keys, so a misspelt lever is an error rather
//! than a silently ignored line. Defaults here are the programme's usual figures; `docs/simulation.md` lists them.

mod holders;

pub use holders::*;
use serde::Deserialize;
use std::collections::BTreeMap;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawScenario {
    pub name: String,
    /// The first simulated day, Solar Hijri (`1398-01-01`).
    pub start: String,
    #[serde(default = "d_days")]
    pub days: u32,
    #[serde(default = "d_seed")]
    pub seed: u64,
    /// Extra days the offices are closed (beyond Fridays and the embedded holiday table).
    #[serde(default)]
    pub closures: Vec<String>,
    pub provinces: RawProvinces,
    #[serde(default)]
    pub demand: RawDemand,
    #[serde(default)]
    pub payment: RawPayment,
    #[serde(default)]
    pub offices: RawOffices,
    #[serde(default)]
    pub dedup: RawDedup,
    pub vendors: Vec<RawVendor>,
    #[serde(default)]
    pub shipping: RawShipping,
    #[serde(default)]
    pub sms: RawSms,
    #[serde(default)]
    pub pickup: RawPickup,
    #[serde(default)]
    pub people: RawPeople,
    #[serde(default)]
    pub initial: RawInitial,
}

fn d_days() -> u32 {
    365
}
fn d_seed() -> u64 {
    1
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawProvinces {
    /// `"all"` or a list of two-digit codes.
    pub include: IncludeList,
    /// Share of the 2016 census population aged 15 or more, where a province's `eligible` is not given.
    #[serde(default = "d_eligible_share")]
    pub eligible_share: f64,
    /// Counter offices in all included provinces, split by population where a province's own is not given.
    pub offices: u32,
    #[serde(default = "d_capacity")]
    pub office_daily_capacity: f64,
    /// Each office's capacity is drawn uniformly in `mean × [1 − spread, 1 + spread]`.
    #[serde(default = "d_spread")]
    pub office_capacity_spread: f64,
    #[serde(default)]
    pub overrides: BTreeMap<String, RawProvince>,
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub enum IncludeList {
    All(String),
    Codes(Vec<String>),
}

fn d_eligible_share() -> f64 {
    0.76
}
fn d_capacity() -> f64 {
    10.0
}
fn d_spread() -> f64 {
    0.5
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawProvince {
    pub eligible: Option<u64>,
    pub offices: Option<u32>,
    pub office_daily_capacity: Option<f64>,
    pub apply_per_year: Option<f64>,
    pub shipping_days: Option<[u32; 2]>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawDemand {
    /// Share of the eligible who have not applied that apply within a year at the base rate.
    #[serde(default = "d_apply")]
    pub apply_per_year: f64,
    #[serde(default)]
    pub surges: Vec<RawSurge>,
}

impl Default for RawDemand {
    fn default() -> Self {
        Self {
            apply_per_year: d_apply(),
            surges: Vec::new(),
        }
    }
}

fn d_apply() -> f64 {
    0.3
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSurge {
    pub from: String,
    pub to: String,
    pub factor: f64,
    #[serde(default)]
    pub label: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawPayment {
    #[serde(default = "d_pay_fail")]
    pub failure: f64,
    /// Share of those whose payment failed who try again the next day (the rest give up for now).
    #[serde(default = "d_retry")]
    pub retry: f64,
}

impl Default for RawPayment {
    fn default() -> Self {
        Self {
            failure: d_pay_fail(),
            retry: d_retry(),
        }
    }
}

fn d_pay_fail() -> f64 {
    0.06
}
fn d_retry() -> f64 {
    0.8
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawOffices {
    #[serde(default = "d_no_show")]
    pub no_show: f64,
}

impl Default for RawOffices {
    fn default() -> Self {
        Self {
            no_show: d_no_show(),
        }
    }
}

fn d_no_show() -> f64 {
    0.1
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawDedup {
    #[serde(default = "d_dedup_days")]
    pub days: u32,
    #[serde(default = "d_hit")]
    pub hit_rate: f64,
    #[serde(default = "d_dup")]
    pub duplicate_share: f64,
    #[serde(default = "d_adj")]
    pub adjudication_days: u32,
}

impl Default for RawDedup {
    fn default() -> Self {
        Self {
            days: d_dedup_days(),
            hit_rate: d_hit(),
            duplicate_share: d_dup(),
            adjudication_days: d_adj(),
        }
    }
}

fn d_dedup_days() -> u32 {
    2
}
fn d_hit() -> f64 {
    0.003
}
fn d_dup() -> f64 {
    0.3
}
fn d_adj() -> u32 {
    14
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawVendor {
    pub name: String,
    pub share: f64,
    pub daily_capacity: u64,
    #[serde(default = "d_vendor_fail")]
    pub failure: f64,
    #[serde(default)]
    pub works_fridays: bool,
    #[serde(default)]
    pub outages: Vec<RawOutage>,
    #[serde(default)]
    pub changes: Vec<RawChange>,
}

fn d_vendor_fail() -> f64 {
    0.01
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawOutage {
    pub from: String,
    pub days: u32,
    /// For the reader of the file (why the line stopped); the engine does not need it.
    #[serde(default)]
    #[allow(dead_code)]
    pub label: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawChange {
    pub from: String,
    pub daily_capacity: u64,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawShipping {
    /// Days from production to the office, drawn per office uniformly in `[min, max]`.
    #[serde(default = "d_ship")]
    pub days: [u32; 2],
}

impl Default for RawShipping {
    fn default() -> Self {
        Self { days: d_ship() }
    }
}

fn d_ship() -> [u32; 2] {
    [2, 6]
}

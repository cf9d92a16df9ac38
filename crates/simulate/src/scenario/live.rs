//! Starting from a live installation: the queues, vendors and offices read from the store by the `shenas`
//! command (this crate reads nothing itself) replace the scenario's initial state and layout.

use super::{InitialCounts, Scenario, ScenarioError};
use domain::{JalaliDate, ProvinceCode};

/// One province as the installation sees it today.
#[derive(Debug, Clone)]
pub struct LiveProvince {
    pub code: ProvinceCode,
    /// Living people aged 15 or more in the registry.
    pub eligible: u64,
    pub counts: InitialCounts,
    /// Each office's daily capacity (empty: keep the scenario's offices).
    pub office_capacities: Vec<u32>,
}

/// A vendor's share and capacity today.
#[derive(Debug, Clone)]
pub struct LiveVendor {
    pub name: String,
    pub share: f64,
    pub daily_capacity: u64,
}

impl Scenario {
    /// Reads a scenario whose first day is `start` (today, for a run from live state), whatever its file says:
    /// its dated events keep their calendar dates.
    pub fn from_toml_starting(text: &str, start: JalaliDate) -> Result<Self, ScenarioError> {
        let mut value: toml::Table = text.parse().map_err(|e: toml::de::Error| {
            ScenarioError::at("", e.to_string().trim_end().replace('\n', " | "))
        })?;
        value.insert("start".into(), toml::Value::String(start.to_string()));
        Self::from_toml(&value.to_string())
    }

    /// Replaces the initial state of the provinces the installation knows, their eligible population and (where
    /// given) their offices; and the vendors' shares and capacities by name (a live vendor the scenario does not
    /// name is added with the failure rate of the scenario's first). Provinces the scenario does not include are
    /// left out.
    pub fn seed_from_live(
        &mut self,
        provinces: &[LiveProvince],
        vendors: &[LiveVendor],
    ) -> Result<(), ScenarioError> {
        for live in provinces {
            let Some(p) = self.provinces.iter_mut().find(|p| p.code == live.code) else {
                continue;
            };
            p.initial = live.counts.clone();
            p.eligible = live.eligible.max(p.initial_applied());
            if !live.office_capacities.is_empty() {
                p.offices = live.office_capacities.len() as u32;
                p.office_capacities = Some(live.office_capacities.clone());
            }
        }
        if !vendors.is_empty() {
            let total: f64 = vendors.iter().map(|v| v.share).sum();
            if total <= 0.0 {
                return Err(ScenarioError::at(
                    "vendors",
                    "the installation's vendors have no share",
                ));
            }
            let template = self.vendors[0].clone();
            let mut list = Vec::new();
            for live in vendors {
                let mut v = self
                    .vendors
                    .iter()
                    .find(|v| v.name == live.name)
                    .cloned()
                    .unwrap_or_else(|| super::Vendor {
                        name: live.name.clone(),
                        outages: Vec::new(),
                        changes: Vec::new(),
                        ..template.clone()
                    });
                v.share = live.share / total;
                v.daily_capacity = live.daily_capacity;
                list.push(v);
            }
            self.vendors = list;
        }
        Ok(())
    }
}

//! The tables about holders and the first day: SMS reach, pickup behaviour, deaths and moves, initial counts.

use serde::Deserialize;
use std::collections::BTreeMap;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSms {
    /// Share of holders reached at the number they typed when applying.
    #[serde(default = "d_typed")]
    pub typed_reach: f64,
    /// Share reached when Chapar also sends to every number linked to the national code.
    #[serde(default = "d_linked")]
    pub linked_reach: f64,
    /// From this day the SMS goes to the linked numbers (absent: typed number only).
    pub linked_from: Option<String>,
}

impl Default for RawSms {
    fn default() -> Self {
        Self {
            typed_reach: d_typed(),
            linked_reach: d_linked(),
            linked_from: None,
        }
    }
}

fn d_typed() -> f64 {
    0.7
}
fn d_linked() -> f64 {
    0.95
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawPickup {
    /// `[days after the SMS, share collected by then]`, rising: those the SMS reached.
    #[serde(default = "d_curve")]
    pub notified: Vec<(u32, f64)>,
    /// Daily chance that a holder the SMS missed learns by the portal or USSD and comes.
    #[serde(default = "d_unnotified")]
    pub unnotified_per_day: f64,
    /// Days after the SMS when a reminder is sent (to the same numbers).
    #[serde(default)]
    pub reminders: Vec<u32>,
    /// Share of those still away who come within a week of a reminder.
    #[serde(default = "d_reminder")]
    pub reminder_response: f64,
    /// Days at the office after which a ready card counts as uncollected.
    #[serde(default = "d_period")]
    pub period_days: u32,
    /// Days after the card is ready that the enrollment receipt stays valid as identification (0: forever).
    #[serde(default)]
    pub receipt_grace_days: u32,
    /// Daily chance that a holder whose receipt has lapsed comes (on top of the usual).
    #[serde(default = "d_after_grace")]
    pub after_grace_per_day: f64,
}

impl Default for RawPickup {
    fn default() -> Self {
        Self {
            notified: d_curve(),
            unnotified_per_day: d_unnotified(),
            reminders: Vec::new(),
            reminder_response: d_reminder(),
            period_days: d_period(),
            receipt_grace_days: 0,
            after_grace_per_day: d_after_grace(),
        }
    }
}

fn d_curve() -> Vec<(u32, f64)> {
    vec![(7, 0.45), (30, 0.75), (90, 0.86), (365, 0.92)]
}
fn d_unnotified() -> f64 {
    0.004
}
fn d_reminder() -> f64 {
    0.25
}
fn d_period() -> u32 {
    90
}
fn d_after_grace() -> f64 {
    0.03
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawPeople {
    #[serde(default = "d_deaths")]
    pub deaths_per_year: f64,
    /// Moves to another province or abroad.
    #[serde(default = "d_moves")]
    pub moves_per_year: f64,
    /// Share of holders who moved and ask for their card to be sent to their new office.
    #[serde(default = "d_transfer")]
    pub transfer_share: f64,
    #[serde(default = "d_transfer_days")]
    pub transfer_days: u32,
    /// People turning 15 in a year, as a share of the eligible.
    #[serde(default)]
    pub turning_15_per_year: f64,
}

impl Default for RawPeople {
    fn default() -> Self {
        Self {
            deaths_per_year: d_deaths(),
            moves_per_year: d_moves(),
            transfer_share: d_transfer(),
            transfer_days: d_transfer_days(),
            turning_15_per_year: 0.0,
        }
    }
}

fn d_deaths() -> f64 {
    0.006
}
fn d_moves() -> f64 {
    0.02
}
fn d_transfer() -> f64 {
    0.5
}
fn d_transfer_days() -> u32 {
    14
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawInitial {
    /// The cards in production on the first day were requested over this many days before it (oldest first).
    pub backlog_age_days: Option<u32>,
    /// Counts for the whole country, split over the provinces by eligible population (added to their own).
    pub national: Option<RawCounts>,
    #[serde(default)]
    pub provinces: BTreeMap<String, RawCounts>,
}

/// Applications by stage on the first day.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawCounts {
    #[serde(default)]
    pub awaiting_payment: u64,
    #[serde(default)]
    pub awaiting_enrollment: u64,
    #[serde(default)]
    pub enrolled: u64,
    #[serde(default)]
    pub in_production: u64,
    #[serde(default)]
    pub in_transit: u64,
    #[serde(default)]
    pub ready_at_office: u64,
    #[serde(default)]
    pub uncollected: u64,
    #[serde(default)]
    pub delivered: u64,
    #[serde(default)]
    pub rejected: u64,
}

impl RawCounts {
    pub fn values_mut(&mut self) -> [&mut u64; 9] {
        [
            &mut self.awaiting_payment,
            &mut self.awaiting_enrollment,
            &mut self.enrolled,
            &mut self.in_production,
            &mut self.in_transit,
            &mut self.ready_at_office,
            &mut self.uncollected,
            &mut self.delivered,
            &mut self.rejected,
        ]
    }
}

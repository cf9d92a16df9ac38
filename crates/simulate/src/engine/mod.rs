//! The day-by-day engine. People move as cohorts: a cohort is a count of people who applied on the same day and
//! share an office (in an office's queue, in the pipeline, in a vendor's queue, in transit) or a province (at the
//! office, where each cohort's collection days are drawn when the cards arrive). Queues are first in, first out.
//!
//! Every move takes people from one stage and puts them in another; [`Simulation::census`] recounts the stages
//! from the queues themselves, so a test can check that nobody is lost or made up. The engine never reads a
//! clock, a file or the environment: the same scenario and seed give the same run.

mod back;
mod front;
mod setup;
mod weekly;

use crate::pickup::Law;
use crate::report::{Report, Stocks};
use crate::rng::Chance;
use crate::scenario::Scenario;
use std::collections::VecDeque;

/// Stages counted as the engine runs (cards at offices are one stage here; the census splits them by age).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum St {
    NotApplied,
    AwaitingPayment,
    AwaitingEnrollment,
    Enrolled,
    InProduction,
    InTransit,
    AtOffice,
    Delivered,
    Rejected,
    Died,
}

const STAGES: usize = 10;

/// A cohort on its way to a card: applied on `rday` (days from the start; earlier applications are negative),
/// enrolled at `office` (an index into the run's offices).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Cohort {
    pub rday: i32,
    pub office: u32,
    pub count: u32,
}

pub(crate) struct Office {
    pub province: u16,
    pub capacity: u32,
    pub ship_days: u32,
    /// `(request day, people)` waiting to enroll here.
    pub queue: VecDeque<(i32, u32)>,
}

pub(crate) struct ProvinceState {
    pub not_applied: u64,
    /// Payment failed yesterday; `(request day, people)` trying again today.
    pub retry: Vec<(i32, u64)>,
    pub offices: std::ops::Range<usize>,
    pub weights: Vec<f64>,
    pub weight_total: f64,
    /// Daily chance of applying at the base rate.
    pub apply_hazard: f64,
    /// Turning 15 per day, as an expected count.
    pub entering: f64,
    /// Cards at the office by arrival day (offset by [`PAST`]).
    pub waiting: Vec<u64>,
    pub stock: [u64; STAGES],
    /// Everyone ever simulated here: the initial eligible and those who turned 15 since.
    pub population: u64,
}

/// Arrival days before the start kept for cards already at offices on the first day.
pub(crate) const PAST: i64 = 800;
/// Lead times are counted day by day up to this; longer ones fall in the last day.
pub(crate) const LEAD_MAX: usize = 2000;

/// A run in progress.
pub struct Simulation<'s> {
    pub(crate) sc: &'s Scenario,
    pub(crate) chance: Chance,
    pub(crate) day: i64,
    /// Offices open, for every day of the run and the pickup law's horizon after it.
    pub(crate) open: Vec<bool>,
    pub(crate) next_open: Vec<u32>,
    pub(crate) provinces: Vec<ProvinceState>,
    pub(crate) offices: Vec<Office>,
    /// Enrolled cohorts by the day they join a vendor's queue.
    pub(crate) pending: Vec<Vec<Cohort>>,
    pub(crate) vendor_queues: Vec<VecDeque<Cohort>>,
    /// Made cards by the day they reach their office.
    pub(crate) transit: Vec<Vec<Cohort>>,
    /// Collections by day: `(province, arrival day, cards)`.
    pub(crate) pickups: Vec<Vec<(u16, i32, u32)>>,
    pub(crate) notified: Law,
    pub(crate) unnotified: Law,
    pub(crate) weekly: weekly::Weekly,
}

impl<'s> Simulation<'s> {
    /// Lays out offices and vendors and places the scenario's initial applications.
    pub fn new(sc: &'s Scenario) -> Self {
        setup::build(sc)
    }

    /// The day about to be simulated (0 is `start`).
    pub fn day(&self) -> i64 {
        self.day
    }

    pub fn finished(&self) -> bool {
        self.day >= i64::from(self.sc.days)
    }

    /// Moves `n` people of province `p` from one stage to another.
    pub(crate) fn shift(&mut self, p: usize, from: St, to: St, n: u64) {
        let s = &mut self.provinces[p].stock;
        debug_assert!(s[from as usize] >= n, "{from:?} would go below zero");
        s[from as usize] -= n;
        s[to as usize] += n;
    }

    /// Simulates one day.
    pub fn step(&mut self) {
        let t = self.day;
        let open = self.open[t as usize];
        self.population_and_demand(t);
        self.payments(t);
        if open {
            self.enroll(t);
        }
        self.join_vendor_queues(t);
        self.produce(t, open);
        self.arrive(t, open);
        self.collect(t);
        self.weekly.end_of_day(t, open);
        if t % 7 == 6 || t + 1 == i64::from(self.sc.days) {
            let rows = self.snapshot_stocks(t);
            let queues: Vec<u64> = self
                .vendor_queues
                .iter()
                .map(|q| q.iter().map(|c| u64::from(c.count)).sum())
                .collect();
            self.weekly.end_of_week(self.sc, t, rows, &queues);
        }
        self.day += 1;
    }

    /// Runs to the end and reports.
    pub fn run(mut self) -> Report {
        while !self.finished() {
            self.step();
        }
        self.weekly.report(self.sc, &self.provinces)
    }

    /// The stocks per province as the engine keeps them, with cards at offices split by age.
    fn snapshot_stocks(&self, t: i64) -> Vec<(Stocks, crate::report::ByAge)> {
        self.provinces
            .iter()
            .map(|p| {
                let (ready, uncollected, ages) = self.split_waiting(p, t);
                let s = &p.stock;
                debug_assert_eq!(ready + uncollected, s[St::AtOffice as usize]);
                (
                    Stocks {
                        not_applied: s[St::NotApplied as usize],
                        awaiting_payment: s[St::AwaitingPayment as usize],
                        awaiting_enrollment: s[St::AwaitingEnrollment as usize],
                        enrolled: s[St::Enrolled as usize],
                        in_production: s[St::InProduction as usize],
                        in_transit: s[St::InTransit as usize],
                        ready_at_office: ready,
                        uncollected,
                        delivered: s[St::Delivered as usize],
                        rejected: s[St::Rejected as usize],
                        died: s[St::Died as usize],
                    },
                    ages,
                )
            })
            .collect()
    }

    fn split_waiting(&self, p: &ProvinceState, t: i64) -> (u64, u64, crate::report::ByAge) {
        let period = i64::from(self.sc.pickup.period_days);
        let mut ages = crate::report::ByAge::default();
        let (mut ready, mut uncollected) = (0, 0);
        let last = ((t + PAST) as usize).min(p.waiting.len() - 1);
        for (i, &n) in p.waiting[..=last].iter().enumerate() {
            if n == 0 {
                continue;
            }
            let age = t - (i as i64 - PAST);
            ages.add_age(age, n);
            if age >= period {
                uncollected += n;
            } else {
                ready += n;
            }
        }
        (ready, uncollected, ages)
    }

    /// Recounts every stage of every province from the queues, pipelines and offices themselves (not from the
    /// running counters), after the day last simulated. A test compares it with the counters and the population.
    pub fn census(&self) -> Vec<Stocks> {
        let np = self.provinces.len();
        let mut out = vec![Stocks::default(); np];
        let t = self.day - 1;
        for (i, p) in self.provinces.iter().enumerate() {
            let c = &mut out[i];
            c.not_applied = p.not_applied;
            c.awaiting_payment = p.retry.iter().map(|r| r.1).sum();
            c.awaiting_enrollment = self.offices[p.offices.clone()]
                .iter()
                .flat_map(|o| o.queue.iter())
                .map(|q| u64::from(q.1))
                .sum();
            let (ready, uncollected, _) = self.split_waiting(p, t.max(0));
            c.ready_at_office = ready;
            c.uncollected = uncollected;
            c.delivered = p.stock[St::Delivered as usize];
            c.rejected = p.stock[St::Rejected as usize];
            c.died = p.stock[St::Died as usize];
        }
        let prov = |c: &Cohort| self.offices[c.office as usize].province as usize;
        for c in self.pending.iter().flatten() {
            out[prov(c)].enrolled += u64::from(c.count);
        }
        for c in self.vendor_queues.iter().flatten() {
            out[prov(c)].in_production += u64::from(c.count);
        }
        for c in self.transit.iter().flatten() {
            out[prov(c)].in_transit += u64::from(c.count);
        }
        out
    }

    /// The stocks as the engine counts them (for comparison with [`Simulation::census`]).
    pub fn counters(&self) -> Vec<Stocks> {
        self.snapshot_stocks((self.day - 1).max(0))
            .into_iter()
            .map(|r| r.0)
            .collect()
    }

    /// Everyone simulated per province so far: the initial eligible and those who turned 15.
    pub fn population(&self) -> Vec<u64> {
        self.provinces.iter().map(|p| p.population).collect()
    }
}

/// Runs a scenario from its first day to its last.
pub fn run(sc: &Scenario) -> Report {
    Simulation::new(sc).run()
}

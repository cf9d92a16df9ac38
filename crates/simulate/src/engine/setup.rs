//! The first day: the calendar of open days, the offices (capacity and shipping time drawn per office), and the
//! scenario's initial applications placed in the queues they stand in (the production backlog oldest first).

use super::{weekly::Weekly, Cohort, Office, ProvinceState, Simulation, St, PAST, STAGES};
use crate::pickup::{Law, HORIZON};
use crate::rng::Chance;
use crate::scenario::Scenario;
use domain::{Closure, Holidays};
use std::collections::VecDeque;

/// Days past the run kept in the calendar (pickups drawn near the end look this far ahead).
fn calendar(sc: &Scenario) -> (Vec<bool>, Vec<u32>) {
    let holidays = Holidays::embedded();
    let len = sc.days as usize + HORIZON as usize + 400;
    let extra: std::collections::BTreeSet<i64> = sc.closures.iter().copied().collect();
    let base = sc.start.day_number();
    let open: Vec<bool> = (0..len as i64)
        .map(|d| {
            if extra.contains(&d) {
                return false;
            }
            match domain::JalaliDate::from_day_number(base + d) {
                Ok(date) => !matches!(
                    holidays.closure(date),
                    Some(Closure::Friday | Closure::Holiday { .. })
                ),
                Err(_) => true,
            }
        })
        .collect();
    let mut next_open = vec![len as u32; len];
    let mut next = len as u32;
    for d in (0..len).rev() {
        if open[d] {
            next = d as u32;
        }
        next_open[d] = next;
    }
    (open, next_open)
}

pub(super) fn build(sc: &Scenario) -> Simulation<'_> {
    let mut chance = Chance::new(sc.seed);
    let (open, next_open) = calendar(sc);
    let days = sc.days as usize;
    let mut offices = Vec::new();
    let mut provinces = Vec::new();
    for (p, setup) in sc.provinces.iter().enumerate() {
        let first = offices.len();
        let capacities: Vec<u32> = match &setup.office_capacities {
            Some(c) => c.clone(),
            None => (0..setup.offices)
                .map(|_| {
                    let spread = sc.office_capacity_spread * (2.0 * chance.uniform() - 1.0);
                    chance.round(setup.office_daily_capacity * (1.0 + spread)) as u32
                })
                .collect(),
        };
        for capacity in capacities {
            let [lo, hi] = setup.shipping_days;
            let ship_days = lo + (chance.uniform() * f64::from(hi - lo + 1)) as u32;
            offices.push(Office {
                province: p as u16,
                capacity,
                ship_days: ship_days.min(hi),
                queue: VecDeque::new(),
            });
        }
        let range = first..offices.len();
        let weights: Vec<f64> = offices[range.clone()]
            .iter()
            .map(|o| f64::from(o.capacity.max(1)))
            .collect();
        let not_applied = setup.eligible - setup.initial_applied();
        let mut stock = [0u64; STAGES];
        stock[St::NotApplied as usize] = not_applied;
        provinces.push(ProvinceState {
            not_applied,
            retry: Vec::new(),
            offices: range,
            weight_total: weights.iter().sum(),
            weights,
            apply_hazard: -(1.0 - setup.apply_per_year).ln() / 365.0,
            entering: setup.eligible as f64 * sc.people.turning_15_per_year / 365.0,
            waiting: vec![0; PAST as usize + days + 1],
            stock,
            population: setup.eligible,
        });
    }
    let delay = sc.dedup.days.max(sc.dedup.adjudication_days) as usize;
    let mut sim = Simulation {
        sc,
        chance,
        day: 0,
        open,
        next_open,
        provinces,
        offices,
        pending: vec![Vec::new(); days + delay + 2],
        vendor_queues: vec![VecDeque::new(); sc.vendors.len()],
        transit: vec![Vec::new(); days + 400],
        pickups: vec![Vec::new(); days],
        notified: Law::new(&sc.pickup, true),
        unnotified: Law::new(&sc.pickup, false),
        weekly: Weekly::new(sc.provinces.len(), sc.vendors.len(), sc.days),
    };
    place_initial(&mut sim);
    sim
}

impl Simulation<'_> {
    /// An office of province `p`, chosen in proportion to capacity.
    fn pick_office(&mut self, p: usize) -> u32 {
        let ps = &self.provinces[p];
        let mut x = self.chance.uniform() * ps.weight_total;
        for (i, w) in ps.weights.iter().enumerate() {
            if x < *w {
                return (ps.offices.start + i) as u32;
            }
            x -= w;
        }
        (ps.offices.end - 1) as u32
    }

    /// Adds `n` people of province `p` to a stage from outside the engine's flows (the first day only).
    fn seed_stock(&mut self, p: usize, stage: St, n: u64) {
        self.provinces[p].stock[stage as usize] += n;
    }
}

fn place_initial(sim: &mut Simulation<'_>) {
    let sc = sim.sc;
    let age = i64::from(sc.backlog_age_days);
    let shares: Vec<f64> = sc.vendors.iter().map(|v| v.share).collect();
    // The production backlog, oldest first across every province, so vendors work through it in order.
    for a in (1..=age).rev() {
        for (p, setup) in sc.provinces.iter().enumerate() {
            let total = setup.initial.in_production;
            let n = total * (a as u64) / (age as u64) - total * (a as u64 - 1) / (age as u64);
            if n == 0 {
                continue;
            }
            let office = sim.pick_office(p);
            let rday = -a as i32;
            let queues = &mut sim.vendor_queues;
            sim.chance.split(n, &shares, 1.0, |v, k| {
                queues[v].push_back(Cohort {
                    rday,
                    office,
                    count: k as u32,
                })
            });
            sim.seed_stock(p, St::InProduction, n);
        }
    }
    let period = i64::from(sc.pickup.period_days);
    for (p, setup) in sc.provinces.iter().enumerate() {
        let c = setup.initial.clone();
        if c.awaiting_payment > 0 {
            sim.provinces[p].retry.push((-1, c.awaiting_payment));
            sim.seed_stock(p, St::AwaitingPayment, c.awaiting_payment);
        }
        let ps = &sim.provinces[p];
        let (first, total) = (ps.offices.start, ps.weight_total);
        let weights = ps.weights.clone();
        let offices = &mut sim.offices;
        sim.chance
            .split(c.awaiting_enrollment, &weights, total, |i, k| {
                offices[first + i].queue.push_back((-7, k as u32))
            });
        sim.seed_stock(p, St::AwaitingEnrollment, c.awaiting_enrollment);
        let rday = -(age as i32) / 2;
        for (d, k) in spread(c.enrolled, u64::from(sc.dedup.days.max(1))) {
            let office = sim.pick_office(p);
            sim.pending[d].push(Cohort {
                rday,
                office,
                count: k as u32,
            });
        }
        sim.seed_stock(p, St::Enrolled, c.enrolled);
        for (d, k) in spread(c.in_transit, u64::from(setup.shipping_days[1].max(1))) {
            let office = sim.pick_office(p);
            sim.transit[d].push(Cohort {
                rday,
                office,
                count: k as u32,
            });
        }
        sim.seed_stock(p, St::InTransit, c.in_transit);
        sim.seed_stock(p, St::Delivered, c.delivered);
        sim.seed_stock(p, St::Rejected, c.rejected);
        // Cards at offices: those within the pickup period as if they had just arrived; those past it with the
        // law of holders the SMS missed, kept at an age past the period.
        let mut by_day = Vec::new();
        let notified = Law::new(&sc.pickup, true);
        let unnotified = Law::new(&sc.pickup, false);
        let reach = sc.sms.reach_on(0);
        if c.ready_at_office > 0 {
            sim.provinces[p].waiting[PAST as usize] += c.ready_at_office;
            let reached = sim.chance.binomial(c.ready_at_office, reach);
            sim.draw_pickups(p, 0, -30, reached, &notified, 0, &mut by_day);
            sim.draw_pickups(
                p,
                0,
                -30,
                c.ready_at_office - reached,
                &unnotified,
                0,
                &mut by_day,
            );
            sim.flush_pickups(p as u16, 0, &mut by_day);
        }
        if c.uncollected > 0 {
            let arrival = -(period + 60);
            sim.provinces[p].waiting[(arrival + PAST) as usize] += c.uncollected;
            sim.draw_pickups(
                p,
                arrival,
                (arrival - 30) as i32,
                c.uncollected,
                &unnotified,
                0,
                &mut by_day,
            );
            sim.flush_pickups(p as u16, arrival, &mut by_day);
        }
        sim.seed_stock(p, St::AtOffice, c.ready_at_office + c.uncollected);
    }
}

/// `n` spread evenly over `days` days: `(day, count)` for the days that get any.
fn spread(n: u64, days: u64) -> impl Iterator<Item = (usize, u64)> {
    (0..days)
        .map(move |d| (d as usize, n * (d + 1) / days - n * d / days))
        .filter(|x| x.1 > 0)
}

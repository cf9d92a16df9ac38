//! The front of the journey: people turning 15 or dying before they apply, applications (with surges), payment
//! (failures retried the next day or given up), and enrollment at the offices within each office's daily capacity
//! on the days it is open (no-shows book again), then de-duplication (hits wait for a supervisor; duplicates are
//! refused).

use super::{Cohort, Simulation, St};

impl Simulation<'_> {
    pub(super) fn population_and_demand(&mut self, t: i64) {
        let sc = self.sc;
        let factor: f64 = sc
            .surges
            .iter()
            .filter(|s| t >= s.from_day && t <= s.to_day)
            .map(|s| s.factor)
            .product();
        let death = sc.people.deaths_per_year / 365.0;
        for p in 0..self.provinces.len() {
            let entering = self.provinces[p].entering;
            let born = self.chance.round(entering);
            let ps = &mut self.provinces[p];
            ps.population += born;
            ps.not_applied += born;
            ps.stock[St::NotApplied as usize] += born;
            let died = self.chance.binomial(ps.not_applied, death);
            let ps = &mut self.provinces[p];
            ps.not_applied -= died;
            let hazard = 1.0 - (-ps.apply_hazard * factor).exp();
            let applied = self.chance.binomial(ps.not_applied, hazard);
            let ps = &mut self.provinces[p];
            ps.not_applied -= applied;
            ps.retry.push((t as i32, applied));
            self.shift(p, St::NotApplied, St::Died, died);
            self.shift(p, St::NotApplied, St::AwaitingPayment, applied);
            self.weekly.applications[p] += applied;
        }
    }

    /// Today's applicants and yesterday's failed payers try to pay; those who pay join an office's queue.
    pub(super) fn payments(&mut self, _t: i64) {
        let (fail, retry) = (self.sc.payment_failure, self.sc.payment_retry);
        for p in 0..self.provinces.len() {
            let trying = std::mem::take(&mut self.provinces[p].retry);
            let mut again = Vec::new();
            for (rday, n) in trying {
                let failed = self.chance.binomial(n, fail);
                let retrying = self.chance.binomial(failed, retry);
                let gave_up = failed - retrying;
                let paid = n - failed;
                if retrying > 0 {
                    again.push((rday, retrying));
                }
                self.provinces[p].not_applied += gave_up;
                self.shift(p, St::AwaitingPayment, St::NotApplied, gave_up);
                self.shift(p, St::AwaitingPayment, St::AwaitingEnrollment, paid);
                let ps = &self.provinces[p];
                let (first, total) = (ps.offices.start, ps.weight_total);
                let weights = std::mem::take(&mut self.provinces[p].weights);
                let offices = &mut self.offices;
                self.chance.split(paid, &weights, total, |i, k| {
                    offices[first + i].queue.push_back((rday, k as u32));
                });
                self.provinces[p].weights = weights;
            }
            self.provinces[p].retry = again;
        }
    }

    /// Each open office enrolls up to its capacity from the front of its queue.
    pub(super) fn enroll(&mut self, t: i64) {
        let sc = self.sc;
        let dedup_day = (t + i64::from(sc.dedup.days)) as usize;
        let adjudicated_day =
            (t + i64::from(sc.dedup.adjudication_days.max(sc.dedup.days))) as usize;
        let mut no_shows: Vec<(i32, u32)> = Vec::new();
        for o in 0..self.offices.len() {
            let p = self.offices[o].province as usize;
            let mut slots = self.offices[o].capacity;
            let (mut enrolled, mut rejected, mut came) = (0u64, 0u64, 0u64);
            while slots > 0 {
                let Some(front) = self.offices[o].queue.front_mut() else {
                    break;
                };
                let take = front.1.min(slots);
                let rday = front.0;
                front.1 -= take;
                if front.1 == 0 {
                    self.offices[o].queue.pop_front();
                }
                slots -= take;
                let missed = self.chance.binomial(u64::from(take), sc.no_show) as u32;
                if missed > 0 {
                    no_shows.push((rday, missed));
                }
                let here = u64::from(take - missed);
                came += here;
                let hits = self.chance.binomial(here, sc.dedup.hit_rate);
                let duplicates = self.chance.binomial(hits, sc.dedup.duplicate_share);
                let clear = here - hits;
                let cohort = |count: u64| Cohort {
                    rday,
                    office: o as u32,
                    count: count as u32,
                };
                if clear > 0 {
                    self.pending[dedup_day].push(cohort(clear));
                }
                if hits > duplicates {
                    self.pending[adjudicated_day].push(cohort(hits - duplicates));
                }
                enrolled += here - duplicates;
                rejected += duplicates;
            }
            self.offices[o].queue.extend(no_shows.drain(..));
            self.shift(p, St::AwaitingEnrollment, St::Enrolled, enrolled);
            self.shift(p, St::AwaitingEnrollment, St::Rejected, rejected);
            self.weekly.enrollments[p] += came;
        }
    }
}

//! The back of the journey: enrolled cohorts split among the vendors by share, each vendor making up to its day's
//! capacity from the front of its queue (failed cards go to the back to be made again; nothing on outage days),
//! shipping to the office, and collection. When cards reach an office the days on which they will be collected
//! are drawn at once for the whole cohort: holders who died or moved away since applying (some ask for a transfer),
//! the share the SMS reaches, and the pickup law of each group; pickups falling on a closed day move to the next
//! open one.

use super::{Cohort, Simulation, St, LEAD_MAX, PAST};
use crate::pickup::Law;

impl Simulation<'_> {
    pub(super) fn join_vendor_queues(&mut self, t: i64) {
        let cohorts = std::mem::take(&mut self.pending[t as usize]);
        let shares: Vec<f64> = self.sc.vendors.iter().map(|v| v.share).collect();
        for c in cohorts {
            let p = self.offices[c.office as usize].province as usize;
            let queues = &mut self.vendor_queues;
            self.chance.split(u64::from(c.count), &shares, 1.0, |v, k| {
                queues[v].push_back(Cohort {
                    count: k as u32,
                    ..c
                })
            });
            self.shift(p, St::Enrolled, St::InProduction, u64::from(c.count));
        }
    }

    pub(super) fn produce(&mut self, t: i64, open: bool) {
        let mut remake = Vec::new();
        for v in 0..self.vendor_queues.len() {
            let vendor = &self.sc.vendors[v];
            if !open && !vendor.works_fridays {
                continue;
            }
            let mut capacity = vendor.capacity_on(t);
            while capacity > 0 {
                let Some(front) = self.vendor_queues[v].front_mut() else {
                    break;
                };
                let take = u64::from(front.count).min(capacity) as u32;
                let c = Cohort {
                    count: take,
                    ..*front
                };
                front.count -= take;
                if front.count == 0 {
                    self.vendor_queues[v].pop_front();
                }
                capacity -= u64::from(take);
                let failed = self.chance.binomial(u64::from(take), vendor.failure) as u32;
                if failed > 0 {
                    remake.push(Cohort { count: failed, ..c });
                }
                let good = take - failed;
                self.weekly.vendor_made[v] += u64::from(good);
                self.weekly.vendor_failed[v] += u64::from(failed);
                if good > 0 {
                    let office = &self.offices[c.office as usize];
                    let arrive = (t + 1 + i64::from(office.ship_days)) as usize;
                    let p = office.province as usize;
                    let last = self.transit.len() - 1;
                    self.transit[arrive.min(last)].push(Cohort { count: good, ..c });
                    self.shift(p, St::InProduction, St::InTransit, u64::from(good));
                }
            }
            self.vendor_queues[v].extend(remake.drain(..));
        }
    }

    /// Cards reaching offices today (held in transit until the office opens).
    pub(super) fn arrive(&mut self, t: i64, open: bool) {
        let ti = t as usize;
        let arrived = std::mem::take(&mut self.transit[ti]);
        if !open {
            self.transit[ti + 1].extend(arrived);
            return;
        }
        let mut groups: Vec<(u16, i32, u64)> = arrived
            .iter()
            .map(|c| {
                (
                    self.offices[c.office as usize].province,
                    c.rday,
                    u64::from(c.count),
                )
            })
            .collect();
        groups.sort_unstable_by_key(|g| (g.0, g.1));
        let mut merged: Vec<(u16, i32, u64)> = Vec::new();
        for g in groups {
            match merged.last_mut() {
                Some(m) if m.0 == g.0 && m.1 == g.1 => m.2 += g.2,
                _ => merged.push(g),
            }
        }
        let sc = self.sc;
        let reach = sc.sms.reach_on(t);
        let gone_rate = (sc.people.deaths_per_year + sc.people.moves_per_year) / 365.0;
        let moved_share = if gone_rate > 0.0 {
            sc.people.moves_per_year / 365.0 / gone_rate
        } else {
            0.0
        };
        let notified = std::mem::replace(
            &mut self.notified,
            Law {
                bins: vec![],
                never: 1.0,
            },
        );
        let unnotified = std::mem::replace(
            &mut self.unnotified,
            Law {
                bins: vec![],
                never: 1.0,
            },
        );
        let mut by_day = vec![0u64; 0];
        let mut current: Option<u16> = None;
        for (p, rday, n) in merged {
            if current != Some(p) {
                if let Some(q) = current {
                    self.flush_pickups(q, t, &mut by_day);
                }
                current = Some(p);
            }
            let pi = p as usize;
            self.provinces[pi].waiting[(t + PAST) as usize] += n;
            self.shift(pi, St::InTransit, St::AtOffice, n);
            self.weekly.arrived[pi] += n;
            let elapsed = (t - i64::from(rday)).max(0) as f64;
            let gone = self.chance.binomial(n, 1.0 - (-gone_rate * elapsed).exp());
            let moved = self.chance.binomial(gone, moved_share);
            let transfers = self.chance.binomial(moved, sc.people.transfer_share);
            let rest = n - gone;
            let reached = self.chance.binomial(rest, reach);
            self.draw_pickups(pi, t, rday, reached, &notified, 0, &mut by_day);
            self.draw_pickups(pi, t, rday, rest - reached, &unnotified, 0, &mut by_day);
            let delay = sc.people.transfer_days;
            self.draw_pickups(pi, t, rday, transfers, &notified, delay, &mut by_day);
        }
        if let Some(q) = current {
            self.flush_pickups(q, t, &mut by_day);
        }
        self.notified = notified;
        self.unnotified = unnotified;
    }

    /// Splits `n` cards that arrived on `arrival` over the law's bins; records each pickup day and lead time.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn draw_pickups(
        &mut self,
        p: usize,
        arrival: i64,
        rday: i32,
        n: u64,
        law: &Law,
        delay: u32,
        by_day: &mut Vec<u64>,
    ) {
        let days = i64::from(self.sc.days);
        let mut left = n;
        let mut mass = 1.0f64;
        for &(d, prob) in &law.bins {
            if left == 0 {
                break;
            }
            let k = self.chance.binomial(left, (prob / mass).min(1.0));
            mass -= prob;
            left -= k;
            if k == 0 {
                continue;
            }
            let wanted = arrival.max(0) + i64::from(d) + i64::from(delay);
            let Some(&s) = self.next_open.get(wanted as usize) else {
                continue;
            };
            let s = i64::from(s);
            if s >= days {
                continue;
            }
            let slot = (s - arrival.max(0)) as usize;
            if by_day.len() <= slot {
                by_day.resize(slot + 1, 0);
            }
            by_day[slot] += k;
            let lead = ((s - i64::from(rday)).max(0) as usize).min(LEAD_MAX);
            self.weekly.record_lead(p, s, lead, k);
        }
    }

    /// Books the pickups drawn for province `p`'s arrivals of day `arrival`.
    pub(super) fn flush_pickups(&mut self, p: u16, arrival: i64, by_day: &mut [u64]) {
        self.flush_pickups_from(p, arrival, arrival.max(0), by_day);
    }

    pub(super) fn flush_pickups_from(
        &mut self,
        p: u16,
        arrival: i64,
        from: i64,
        by_day: &mut [u64],
    ) {
        for (slot, k) in by_day.iter_mut().enumerate() {
            if *k > 0 {
                let day = from as usize + slot;
                self.pickups[day].push((p, arrival as i32, *k as u32));
                *k = 0;
            }
        }
    }

    /// Today's collections.
    pub(super) fn collect(&mut self, t: i64) {
        let today = std::mem::take(&mut self.pickups[t as usize]);
        for (p, arrival, k) in today {
            let pi = p as usize;
            let slot = &mut self.provinces[pi].waiting[(i64::from(arrival) + PAST) as usize];
            debug_assert!(*slot >= u64::from(k));
            *slot -= u64::from(k);
            self.shift(pi, St::AtOffice, St::Delivered, u64::from(k));
            self.weekly.collected[pi] += u64::from(k);
        }
    }
}

//! The week's flows and lead-time histograms, closed into report rows at each week's end. Pickups are drawn when
//! cards arrive, so a lead time is filed under the week it will be collected in.

use super::{ProvinceState, LEAD_MAX};
use crate::report::{ByAge, LeadTimes, Report, Stocks, Summary, VendorWeek, WeekRow};
use crate::scenario::Scenario;

pub(crate) struct Weekly {
    np: usize,
    pub applications: Vec<u64>,
    pub enrollments: Vec<u64>,
    pub arrived: Vec<u64>,
    pub collected: Vec<u64>,
    pub vendor_made: Vec<u64>,
    pub vendor_failed: Vec<u64>,
    /// Collected cards by province, week of collection and lead days.
    lead: Vec<u32>,
    /// The same over the whole run, by province.
    lead_run: Vec<u64>,
    applications_run: Vec<u64>,
    open_days: u64,
    rows: Vec<WeekRow>,
    vendor_rows: Vec<VendorWeek>,
    last: Vec<(Stocks, ByAge)>,
}

const L: usize = LEAD_MAX + 1;

impl Weekly {
    pub fn new(np: usize, vendors: usize, days: u32) -> Self {
        let weeks = (days as usize).div_ceil(7);
        Self {
            np,
            applications: vec![0; np],
            enrollments: vec![0; np],
            arrived: vec![0; np],
            collected: vec![0; np],
            vendor_made: vec![0; vendors],
            vendor_failed: vec![0; vendors],
            lead: vec![0; np * weeks * L],
            lead_run: vec![0; np * L],
            applications_run: vec![0; np],
            open_days: 0,
            rows: Vec::new(),
            vendor_rows: Vec::new(),
            last: Vec::new(),
        }
    }

    pub fn record_lead(&mut self, p: usize, day: i64, lead: usize, k: u64) {
        let week = (day / 7) as usize;
        self.lead[(week * self.np + p) * L + lead] += k as u32;
        self.lead_run[p * L + lead] += k;
    }

    pub fn end_of_day(&mut self, _t: i64, open: bool) {
        self.open_days += u64::from(open);
    }

    pub fn end_of_week(
        &mut self,
        sc: &Scenario,
        t: i64,
        stocks: Vec<(Stocks, ByAge)>,
        queues: &[u64],
    ) {
        let week = (t / 7) as u32;
        let start = sc.date_of(i64::from(week) * 7).to_string();
        let mut all = WeekRow {
            week,
            start: start.clone(),
            province: "all".into(),
            applications: 0,
            enrollments: 0,
            arrived_at_offices: 0,
            collected: 0,
            stocks: Stocks::default(),
            waiting_by_age: ByAge::default(),
            lead_times: LeadTimes::default(),
        };
        let mut hist_all = vec![0u64; L];
        for (p, (s, ages)) in stocks.iter().enumerate() {
            let base = (week as usize * self.np + p) * L;
            let hist: Vec<u64> = self.lead[base..base + L]
                .iter()
                .map(|&x| u64::from(x))
                .collect();
            for (a, h) in hist_all.iter_mut().zip(&hist) {
                *a += h;
            }
            let row = WeekRow {
                week,
                start: start.clone(),
                province: sc.provinces[p].code.as_str().to_string(),
                applications: self.applications[p],
                enrollments: self.enrollments[p],
                arrived_at_offices: self.arrived[p],
                collected: self.collected[p],
                stocks: *s,
                waiting_by_age: *ages,
                lead_times: LeadTimes::from_histogram(&hist),
            };
            all.applications += row.applications;
            all.enrollments += row.enrollments;
            all.arrived_at_offices += row.arrived_at_offices;
            all.collected += row.collected;
            all.stocks.add(s);
            all.waiting_by_age.add(ages);
            self.applications_run[p] += self.applications[p];
            self.rows.push(row);
        }
        all.lead_times = LeadTimes::from_histogram(&hist_all);
        self.rows.push(all);
        for (v, vendor) in sc.vendors.iter().enumerate() {
            self.vendor_rows.push(VendorWeek {
                week,
                vendor: vendor.name.clone(),
                produced: self.vendor_made[v],
                failed: self.vendor_failed[v],
                queue: queues[v],
            });
        }
        for x in [
            &mut self.applications,
            &mut self.enrollments,
            &mut self.arrived,
            &mut self.collected,
            &mut self.vendor_made,
            &mut self.vendor_failed,
        ] {
            x.iter_mut().for_each(|v| *v = 0);
        }
        self.last = stocks;
    }

    pub fn report(self, sc: &Scenario, _provinces: &[ProvinceState]) -> Report {
        let open_days = self.open_days.max(1) as f64;
        let summary =
            |province: String, name: String, eligible: u64, s: &Stocks, apps: u64, hist: &[u64]| {
                let applied = s.applied();
                Summary {
                    province,
                    name,
                    eligible,
                    applied,
                    delivered: s.delivered,
                    undelivered: applied - s.delivered - s.rejected,
                    at_offices: s.at_offices(),
                    in_production: s.in_the_pipeline(),
                    applications_per_working_day: apps as f64 / open_days,
                    coverage: if eligible > 0 {
                        s.delivered as f64 / eligible as f64
                    } else {
                        0.0
                    },
                    lead_times: LeadTimes::from_histogram(hist),
                    stocks: *s,
                }
            };
        let mut end = Vec::new();
        let mut total = Stocks::default();
        let mut hist_all = vec![0u64; L];
        for (p, (s, _)) in self.last.iter().enumerate() {
            let hist = &self.lead_run[p * L..(p + 1) * L];
            for (a, h) in hist_all.iter_mut().zip(hist) {
                *a += h;
            }
            total.add(s);
            let setup = &sc.provinces[p];
            end.push(summary(
                setup.code.as_str().into(),
                setup.code.province().name_en.into(),
                setup.eligible,
                s,
                self.applications_run[p],
                hist,
            ));
        }
        end.push(summary(
            "all".into(),
            "All simulated provinces".into(),
            sc.eligible(),
            &total,
            self.applications_run.iter().sum(),
            &hist_all,
        ));
        Report {
            scenario: sc.name.clone(),
            seed: sc.seed,
            start: sc.start.to_string(),
            days: sc.days,
            offices: sc.offices(),
            weeks: self.rows,
            vendors: self.vendor_rows,
            end,
        }
    }
}

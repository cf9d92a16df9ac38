//! What a run answers: per province (and for all provinces together) and week, the flows, the people at each
//! stage at the week's end, the cards waiting at offices by age, and the lead time from request to card in hand;
//! per vendor and week, cards made and the queue; and the state at the end of the run.

use serde::Serialize;

/// People at each stage on one day. Every simulated person is in exactly one.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Stocks {
    pub not_applied: u64,
    /// Payment failed; will try again.
    pub awaiting_payment: u64,
    /// Paid; waiting for (or booked at) an office.
    pub awaiting_enrollment: u64,
    /// Enrolled; in de-duplication, adjudication or waiting for a batch.
    pub enrolled: u64,
    /// In a vendor's queue or on its line (failed cards are remade from the queue).
    pub in_production: u64,
    pub in_transit: u64,
    /// At the office for less than the pickup period.
    pub ready_at_office: u64,
    /// At the office past the pickup period.
    pub uncollected: u64,
    pub delivered: u64,
    /// Refused as duplicates.
    pub rejected: u64,
    /// Died before applying.
    pub died: u64,
}

impl Stocks {
    pub const NAMES: [&'static str; 11] = [
        "not_applied",
        "awaiting_payment",
        "awaiting_enrollment",
        "enrolled",
        "in_production",
        "in_transit",
        "ready_at_office",
        "uncollected",
        "delivered",
        "rejected",
        "died",
    ];

    pub fn values(&self) -> [u64; 11] {
        [
            self.not_applied,
            self.awaiting_payment,
            self.awaiting_enrollment,
            self.enrolled,
            self.in_production,
            self.in_transit,
            self.ready_at_office,
            self.uncollected,
            self.delivered,
            self.rejected,
            self.died,
        ]
    }

    pub fn total(&self) -> u64 {
        self.values().iter().sum()
    }

    /// People who have applied and not given up (every stage but `not_applied` and `died`).
    pub fn applied(&self) -> u64 {
        self.total() - self.not_applied - self.died
    }

    /// Cards still being made or on their way: enrolled, in production or in transit.
    pub fn in_the_pipeline(&self) -> u64 {
        self.enrolled + self.in_production + self.in_transit
    }

    /// Cards at offices, collected or not within the pickup period.
    pub fn at_offices(&self) -> u64 {
        self.ready_at_office + self.uncollected
    }

    pub fn add(&mut self, o: &Stocks) {
        self.not_applied += o.not_applied;
        self.awaiting_payment += o.awaiting_payment;
        self.awaiting_enrollment += o.awaiting_enrollment;
        self.enrolled += o.enrolled;
        self.in_production += o.in_production;
        self.in_transit += o.in_transit;
        self.ready_at_office += o.ready_at_office;
        self.uncollected += o.uncollected;
        self.delivered += o.delivered;
        self.rejected += o.rejected;
        self.died += o.died;
    }
}

/// Cards waiting at offices by days since they arrived (the admin statistics' buckets).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct ByAge {
    pub under_30_days: u64,
    pub days_30_to_90: u64,
    pub days_90_to_365: u64,
    pub over_a_year: u64,
}

impl ByAge {
    pub fn add_age(&mut self, age: i64, n: u64) {
        match age {
            i64::MIN..=29 => self.under_30_days += n,
            30..=89 => self.days_30_to_90 += n,
            90..=364 => self.days_90_to_365 += n,
            _ => self.over_a_year += n,
        }
    }

    pub fn add(&mut self, o: &ByAge) {
        self.under_30_days += o.under_30_days;
        self.days_30_to_90 += o.days_30_to_90;
        self.days_90_to_365 += o.days_90_to_365;
        self.over_a_year += o.over_a_year;
    }
}

/// Lead times (request to card in hand) of the cards collected in a period.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct LeadTimes {
    pub collected: u64,
    pub p50_days: Option<u32>,
    pub p90_days: Option<u32>,
    pub p99_days: Option<u32>,
    /// Share collected within 30 days of the request (the programme's aim).
    pub within_30_days: Option<f64>,
}

impl LeadTimes {
    /// From a histogram of collected cards by whole days of lead time.
    pub fn from_histogram(h: &[u64]) -> Self {
        let n: u64 = h.iter().sum();
        if n == 0 {
            return Self::default();
        }
        let at = |q: f64| {
            let want = (q * n as f64).ceil().max(1.0) as u64;
            let mut acc = 0u64;
            for (d, &c) in h.iter().enumerate() {
                acc += c;
                if acc >= want {
                    return Some(d as u32);
                }
            }
            Some(h.len() as u32 - 1)
        };
        let within: u64 = h.iter().take(31).sum();
        Self {
            collected: n,
            p50_days: at(0.5),
            p90_days: at(0.9),
            p99_days: at(0.99),
            within_30_days: Some(within as f64 / n as f64),
        }
    }
}

/// One province (or `"all"`) in one week.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WeekRow {
    pub week: u32,
    /// The week's first day, Solar Hijri.
    pub start: String,
    pub province: String,
    pub applications: u64,
    pub enrollments: u64,
    pub arrived_at_offices: u64,
    pub collected: u64,
    /// At the week's end.
    pub stocks: Stocks,
    pub waiting_by_age: ByAge,
    pub lead_times: LeadTimes,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct VendorWeek {
    pub week: u32,
    pub vendor: String,
    pub produced: u64,
    pub failed: u64,
    /// Cards in its queue at the week's end.
    pub queue: u64,
}

/// A province (or `"all"`) at the end of the run.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Summary {
    pub province: String,
    pub name: String,
    pub eligible: u64,
    pub applied: u64,
    pub delivered: u64,
    /// Applied, neither delivered nor refused.
    pub undelivered: u64,
    pub at_offices: u64,
    pub in_production: u64,
    /// Applications on the days offices were open, divided by those days.
    pub applications_per_working_day: f64,
    pub coverage: f64,
    /// Over every card collected during the run.
    pub lead_times: LeadTimes,
    pub stocks: Stocks,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    pub scenario: String,
    pub seed: u64,
    pub start: String,
    pub days: u32,
    pub offices: u64,
    pub weeks: Vec<WeekRow>,
    pub vendors: Vec<VendorWeek>,
    pub end: Vec<Summary>,
}

impl Report {
    /// The rows of one province (`"all"` for the whole run) in week order.
    pub fn province_weeks<'a>(&'a self, code: &'a str) -> impl Iterator<Item = &'a WeekRow> + 'a {
        self.weeks.iter().filter(move |w| w.province == code)
    }

    pub fn summary(&self, code: &str) -> Option<&Summary> {
        self.end.iter().find(|s| s.province == code)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_from_a_histogram() {
        let mut h = vec![0u64; 100];
        h[10] = 50;
        h[40] = 40;
        h[90] = 10;
        let l = LeadTimes::from_histogram(&h);
        assert_eq!(l.collected, 100);
        assert_eq!(l.p50_days, Some(10));
        assert_eq!(l.p90_days, Some(40));
        assert_eq!(l.p99_days, Some(90));
        assert_eq!(l.within_30_days, Some(0.5));
        assert_eq!(LeadTimes::from_histogram(&[0, 0]).p50_days, None);
    }
}

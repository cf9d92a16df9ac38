//! When a card that has reached its office is collected: a law over the days after the SMS, built from daily
//! hazards (the notified curve, the trickle of those the SMS missed, reminders, the receipt's grace period), then
//! grouped into bins so a cohort is split with a few dozen draws. What is never collected stays at the office.

use crate::scenario::Pickup;

/// Days followed day by day; later days are grouped.
const DAILY_UNTIL: u32 = 60;
const WEEKLY_UNTIL: u32 = 364;
const MONTHLY: u32 = 28;
/// The law's horizon: a card not collected within about three years is counted as never collected.
pub const HORIZON: u32 = WEEKLY_UNTIL + 27 * MONTHLY;

/// `(delay in days, probability)` per bin, and the chance of never coming within [`HORIZON`].
#[derive(Debug, Clone)]
pub struct Law {
    pub bins: Vec<(u32, f64)>,
    #[cfg_attr(not(test), allow(dead_code))]
    pub never: f64,
}

/// The cumulative share collected by `d` days on the piecewise-linear curve through `(0, 0)` and `points`.
fn curve_at(points: &[(u32, f64)], d: u32) -> Option<f64> {
    let mut prev = (0u32, 0.0f64);
    for &(x, y) in points {
        if d <= x {
            let t = f64::from(d - prev.0) / f64::from(x - prev.0);
            return Some(prev.1 + t * (y - prev.1));
        }
        prev = (x, y);
    }
    None
}

/// The chance a holder still away at the start of day `d` (after the SMS) collects that day.
fn hazard(p: &Pickup, notified: bool, d: u32) -> f64 {
    let mut h = if notified {
        match (curve_at(&p.notified, d), curve_at(&p.notified, d + 1)) {
            (Some(a), Some(b)) if a < 1.0 => (b - a) / (1.0 - a),
            _ => p.unnotified_per_day,
        }
    } else {
        p.unnotified_per_day
    };
    let combine = |h: f64, extra: f64| 1.0 - (1.0 - h) * (1.0 - extra);
    if notified && p.reminder_response > 0.0 {
        let per_day = 1.0 - (1.0 - p.reminder_response).powf(1.0 / 7.0);
        for &r in &p.reminders {
            if d >= r && d < r + 7 {
                h = combine(h, per_day);
            }
        }
    }
    if p.receipt_grace_days > 0 && d >= p.receipt_grace_days {
        h = combine(h, p.after_grace_per_day);
    }
    h.clamp(0.0, 1.0)
}

fn bin_of(d: u32) -> (u32, u32) {
    if d < DAILY_UNTIL {
        (d, d)
    } else if d < WEEKLY_UNTIL {
        let s = DAILY_UNTIL + (d - DAILY_UNTIL) / 7 * 7;
        (s, s + 3)
    } else {
        let s = WEEKLY_UNTIL + (d - WEEKLY_UNTIL) / MONTHLY * MONTHLY;
        (s, s + MONTHLY / 2)
    }
}

impl Law {
    pub fn new(p: &Pickup, notified: bool) -> Self {
        let mut bins: Vec<(u32, f64)> = Vec::new();
        let mut current = u32::MAX;
        let mut alive = 1.0f64;
        for d in 0..HORIZON {
            let h = hazard(p, notified, d);
            let mass = alive * h;
            alive -= mass;
            let (start, at) = bin_of(d);
            if start != current {
                bins.push((at, 0.0));
                current = start;
            }
            if let Some(last) = bins.last_mut() {
                last.1 += mass;
            }
        }
        bins.retain(|b| b.1 > 0.0);
        Self {
            bins,
            never: alive.max(0.0),
        }
    }

    /// The share collected within `days`.
    #[cfg(test)]
    pub fn within(&self, days: u32) -> f64 {
        self.bins.iter().filter(|b| b.0 < days).map(|b| b.1).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pickup() -> Pickup {
        Pickup {
            notified: vec![(7, 0.45), (30, 0.75), (90, 0.86), (365, 0.92)],
            unnotified_per_day: 0.004,
            reminders: vec![],
            reminder_response: 0.25,
            period_days: 90,
            receipt_grace_days: 0,
            after_grace_per_day: 0.03,
        }
    }

    #[test]
    fn the_notified_law_follows_its_curve() {
        let law = Law::new(&pickup(), true);
        assert!((law.within(7) - 0.45).abs() < 0.01, "{}", law.within(7));
        assert!((law.within(30) - 0.75).abs() < 0.01);
        assert!((law.within(90) - 0.86).abs() < 0.02);
        let total: f64 = law.bins.iter().map(|b| b.1).sum::<f64>() + law.never;
        assert!((total - 1.0).abs() < 1e-9);
    }

    #[test]
    fn reminders_and_a_grace_period_bring_people_sooner() {
        let base = Law::new(&pickup(), true);
        let mut p = pickup();
        p.reminders = vec![30];
        let reminded = Law::new(&p, true);
        assert!(reminded.within(40) > base.within(40) + 0.03);
        p.reminders.clear();
        p.receipt_grace_days = 45;
        let grace = Law::new(&p, false);
        let plain = Law::new(&pickup(), false);
        assert!(grace.within(120) > plain.within(120) + 0.5 * (1.0 - plain.within(120)));
        assert!(grace.never < plain.never);
    }
}

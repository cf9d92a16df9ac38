//! One CSV row per province (and `all`) and week: flows, stocks at the week's end, cards at offices by age, and
//! lead times of the cards collected that week.

use crate::report::{Report, Stocks};

const FLOWS: [&str; 4] = [
    "applications",
    "enrollments",
    "arrived_at_offices",
    "collected",
];
const AGES: [&str; 4] = [
    "waiting_under_30_days",
    "waiting_30_to_90_days",
    "waiting_90_to_365_days",
    "waiting_over_a_year",
];
const LEADS: [&str; 4] = [
    "lead_p50_days",
    "lead_p90_days",
    "lead_p99_days",
    "within_30_days",
];

fn opt<T: ToString>(v: Option<T>) -> String {
    v.map(|x| x.to_string()).unwrap_or_default()
}

/// The weekly rows.
pub fn weeks(report: &Report) -> String {
    let mut head = vec!["week", "start", "province"];
    head.extend(FLOWS);
    head.extend(Stocks::NAMES);
    head.extend(AGES);
    head.extend(LEADS);
    let mut out = head.join(",");
    out.push('\n');
    for w in &report.weeks {
        let mut cells = vec![w.week.to_string(), w.start.clone(), w.province.clone()];
        cells.extend(
            [
                w.applications,
                w.enrollments,
                w.arrived_at_offices,
                w.collected,
            ]
            .map(|v| v.to_string()),
        );
        cells.extend(w.stocks.values().map(|v| v.to_string()));
        let a = &w.waiting_by_age;
        cells.extend(
            [
                a.under_30_days,
                a.days_30_to_90,
                a.days_90_to_365,
                a.over_a_year,
            ]
            .map(|v| v.to_string()),
        );
        let l = &w.lead_times;
        cells.push(opt(l.p50_days));
        cells.push(opt(l.p90_days));
        cells.push(opt(l.p99_days));
        cells.push(opt(l.within_30_days.map(|s| format!("{s:.4}"))));
        out.push_str(&cells.join(","));
        out.push('\n');
    }
    out
}

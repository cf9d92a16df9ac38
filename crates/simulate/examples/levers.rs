//! `cargo run --release -p shenas-simulate --example levers -- docs/scenarios/razavi-khorasan-1398.toml docs/simulation`
//! Runs a scenario as written and with each of three levers pulled (more vendor capacity, Chapar SMS to linked
//! numbers, a receipt grace period), writes the chart set into the folder, and prints the comparison table and
//! the sensitivity of the end state to each assumed parameter (Markdown, for docs/simulation.md).

use shenas_simulate::render::svg::{self, Metric};
use shenas_simulate::{run, Report, Scenario};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let (Some(path), Some(out)) = (args.get(1), args.get(2)) else {
        return Err("usage: levers SCENARIO.toml OUT_DIR".into());
    };
    let base = Scenario::from_toml(&std::fs::read_to_string(path)?)?;
    let from = base.days as i64 / 4;
    let when = base.date_of(from);
    let mut vendor = base.clone();
    for v in &mut vendor.vendors {
        v.changes.push((from, v.daily_capacity * 3 / 2));
    }
    let mut chapar = base.clone();
    chapar.sms.linked_from_day = Some(from);
    let mut grace = base.clone();
    grace.pickup.receipt_grace_days = 30;
    let mut all = vendor.clone();
    all.sms.linked_from_day = Some(from);
    all.pickup.receipt_grace_days = 30;
    let runs: Vec<(String, Report)> = [
        ("as written".to_string(), &base),
        (format!("vendors +50 % from {when}"), &vendor),
        (format!("Chapar SMS from {when}"), &chapar),
        (
            "receipt valid 30 days after the card is ready".to_string(),
            &grace,
        ),
        ("all three".to_string(), &all),
    ]
    .into_iter()
    .map(|(n, s)| (n, run(s)))
    .collect();
    let refs: Vec<(&str, &Report)> = runs.iter().map(|(n, r)| (n.as_str(), r)).collect();
    std::fs::create_dir_all(out)?;
    let write = |name: &str, svg: String| std::fs::write(format!("{out}/{name}.svg"), svg);
    write("stages", svg::stages(&runs[0].1, "all"))?;
    write("lead-times", svg::lead_times(&runs[0].1, "all"))?;
    write("waiting-by-age", svg::waiting_by_age(&runs[0].1, "all"))?;
    write(
        "levers-lead-p90",
        svg::compare(&refs, "all", Metric::LeadP90),
    )?;
    write(
        "levers-within-month",
        svg::compare(&refs, "all", Metric::WithinMonth),
    )?;
    write(
        "levers-pipeline",
        svg::compare(&refs, "all", Metric::Pipeline),
    )?;
    write(
        "levers-at-offices",
        svg::compare(&refs, "all", Metric::AtOffices),
    )?;

    println!("| run | delivered | in production (end) | at offices (end) | uncollected (end) | lead p50 / p90 (days, last 8 weeks) | within a month (last 8 weeks) |");
    println!("|---|---:|---:|---:|---:|---:|---:|");
    for (name, r) in &runs {
        let s = r.summary("all").ok_or("no summary")?;
        let (p50, p90, within) = last_weeks(r, 8);
        println!(
            "| {name} | {} | {} | {} | {} | {p50} / {p90} | {:.0} % |",
            s.delivered,
            s.in_production,
            s.at_offices,
            s.stocks.uncollected,
            within * 100.0
        );
    }
    println!();
    sensitivity(&base);
    Ok(())
}

/// Median of the weekly p50 and p90 and the share within a month, over the last `n` whole weeks.
fn last_weeks(r: &Report, n: usize) -> (u32, u32, f64) {
    let rows: Vec<_> = r
        .province_weeks("all")
        .filter(|w| w.lead_times.collected > 0)
        .collect();
    let rows = &rows[rows.len().saturating_sub(n + 1)..rows.len().saturating_sub(1)];
    let collected: u64 = rows.iter().map(|w| w.lead_times.collected).sum();
    let avg = |f: &dyn Fn(&shenas_simulate::WeekRow) -> f64| {
        rows.iter()
            .map(|w| f(w) * w.lead_times.collected as f64)
            .sum::<f64>()
            / collected.max(1) as f64
    };
    (
        avg(&|w| f64::from(w.lead_times.p50_days.unwrap_or(0))).round() as u32,
        avg(&|w| f64::from(w.lead_times.p90_days.unwrap_or(0))).round() as u32,
        avg(&|w| w.lead_times.within_30_days.unwrap_or(0.0)),
    )
}

fn sensitivity(base: &Scenario) {
    type Change = Box<dyn Fn(&mut Scenario)>;
    let cases: Vec<(&str, Change)> = vec![
        (
            "demand.apply_per_year −20 %",
            Box::new(|s| s.provinces.iter_mut().for_each(|p| p.apply_per_year *= 0.8)),
        ),
        (
            "demand.apply_per_year +20 %",
            Box::new(|s| {
                s.provinces
                    .iter_mut()
                    .for_each(|p| p.apply_per_year = (p.apply_per_year * 1.2).min(0.99))
            }),
        ),
        (
            "office capacity −20 %",
            Box::new(|s| {
                s.provinces
                    .iter_mut()
                    .for_each(|p| p.office_daily_capacity *= 0.8)
            }),
        ),
        (
            "vendor capacity −10 %",
            Box::new(|s| {
                s.vendors
                    .iter_mut()
                    .for_each(|v| v.daily_capacity = v.daily_capacity * 9 / 10)
            }),
        ),
        (
            "vendor capacity +10 %",
            Box::new(|s| {
                s.vendors
                    .iter_mut()
                    .for_each(|v| v.daily_capacity = v.daily_capacity * 11 / 10)
            }),
        ),
        (
            "no outage",
            Box::new(|s| s.vendors.iter_mut().for_each(|v| v.outages.clear())),
        ),
        (
            "sms.typed_reach 0.8 → 0.6",
            Box::new(|s| s.sms.typed_reach = 0.6),
        ),
        (
            "pickup.unnotified_per_day halved",
            Box::new(|s| s.pickup.unnotified_per_day /= 2.0),
        ),
        (
            "pickup.notified: 7-day share −0.2",
            Box::new(|s| {
                if let Some(p) = s.pickup.notified.first_mut() {
                    p.1 -= 0.2
                }
            }),
        ),
        (
            "people.moves_per_year ×2",
            Box::new(|s| s.people.moves_per_year *= 2.0),
        ),
        ("offices.no_show 0.1 → 0.2", Box::new(|s| s.no_show = 0.2)),
        (
            "payment.failure 0.06 → 0.15",
            Box::new(|s| s.payment_failure = 0.15),
        ),
        (
            "initial delivered −100,000",
            Box::new(|s| {
                s.provinces
                    .iter_mut()
                    .for_each(|p| p.initial.delivered = p.initial.delivered.saturating_sub(100_000))
            }),
        ),
        ("seed 1", Box::new(|s| s.seed = 1)),
    ];
    let b = run(base);
    let bs = b.summary("all").cloned();
    let Some(bs) = bs else { return };
    println!(
        "| change | applied | delivered | at offices | in production | requests per working day |"
    );
    println!("|---|---:|---:|---:|---:|---:|");
    println!(
        "| as written | {} | {} | {} | {} | {:.0} |",
        bs.applied, bs.delivered, bs.at_offices, bs.in_production, bs.applications_per_working_day
    );
    let pct = |a: u64, b: u64| (a as f64 / b.max(1) as f64 - 1.0) * 100.0;
    for (name, change) in cases {
        let mut s = base.clone();
        change(&mut s);
        let r = run(&s);
        let Some(x) = r.summary("all") else { continue };
        println!(
            "| {name} | {:+.1} % | {:+.1} % | {:+.1} % | {:+.1} % | {:+.1} % |",
            pct(x.applied, bs.applied),
            pct(x.delivered, bs.delivered),
            pct(x.at_offices, bs.at_offices),
            pct(x.in_production, bs.in_production),
            (x.applications_per_working_day / bs.applications_per_working_day - 1.0) * 100.0
        );
    }
}

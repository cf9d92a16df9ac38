//! `cargo run --release -p shenas-simulate --example run -- FILE.toml [json|csv]`: runs a scenario and prints
//! the end-of-run summary (or the whole report as JSON or CSV).

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let path = args.get(1).ok_or("usage: run FILE.toml [json|csv]")?;
    let text = std::fs::read_to_string(path)?;
    let scenario = shenas_simulate::Scenario::from_toml(&text)?;
    let started = std::time::Instant::now();
    let report = shenas_simulate::run(&scenario);
    let took = started.elapsed();
    match args.get(2).map(String::as_str) {
        Some("json") => println!("{}", shenas_simulate::render::json(&report)),
        Some("csv") => print!("{}", shenas_simulate::render::csv::weeks(&report)),
        _ => {
            for s in &report.end {
                println!(
                    "{} {:<24} eligible {:>10} applied {:>10} delivered {:>10} undelivered {:>9} at offices {:>8} in production {:>9} apps/working day {:>8.0} lead p50 {:?} p90 {:?} within 30 d {:.3}",
                    s.province, s.name, s.eligible, s.applied, s.delivered, s.undelivered, s.at_offices,
                    s.in_production, s.applications_per_working_day, s.lead_times.p50_days,
                    s.lead_times.p90_days, s.lead_times.within_30_days.unwrap_or(0.0)
                );
            }
            eprintln!(
                "{} days, {} offices, {:.2} s",
                report.days,
                report.offices,
                took.as_secs_f64()
            );
        }
    }
    Ok(())
}

//! One module per command family.

pub mod agencies;
pub mod bench;
pub mod biometrics;
pub mod generate;
pub mod import;
pub mod seed;
pub mod serve;
pub mod users;
pub mod ussd_sim;

/// Today in Iran (UTC+03:30), in the Solar Hijri calendar: the clock lives here, at the edge, not in the domain.
pub fn today() -> anyhow::Result<domain::JalaliDate> {
    let offset = chrono::FixedOffset::east_opt(3 * 3600 + 1800)
        .ok_or_else(|| anyhow::anyhow!("bad offset"))?;
    let local = chrono::Utc::now().with_timezone(&offset).date_naive();
    domain::JalaliDate::from_gregorian(local).map_err(|e| anyhow::anyhow!("today's date: {e}"))
}

/// Prints the report object as the last line of output.
pub fn print_json(value: &serde_json::Value) {
    println!("{value}");
}

//! One module per command family.

pub mod abis;
pub mod agencies;
pub mod bench;
pub mod biometrics;
pub mod generate;
pub mod import;
pub mod kit;
pub mod kits;
pub mod pki;
pub mod production;
pub mod seed;
pub mod serve;
pub mod simulate;
pub mod users;
pub mod ussd_sim;
pub mod vendors;

/// Today in Iran (UTC+03:30), in the Solar Hijri calendar: the clock lives here, at the edge, not in the domain.
pub fn today() -> anyhow::Result<domain::JalaliDate> {
    server::state::tehran_day(chrono::Utc::now())
        .ok_or_else(|| anyhow::anyhow!("today's date is outside the calendar's range"))
}

/// Prints the report object as the last line of output.
pub fn print_json(value: &serde_json::Value) {
    println!("{value}");
}

//! `shenas simulate --scenario FILE.toml`: plays the card lifecycle forward (`shenas-simulate`) and prints the
//! end state per province, or the whole report as JSON; `--csv` and `--charts` write the weekly rows and the SVG
//! chart set. `--from-database` starts today from this installation's queues (the admin statistics' counters per
//! province and state), its offices' capacities and its vendors' shares and capacities.

use crate::config::Config;
use domain::{ApplicationState as S, ProvinceCode};
use shenas_simulate::{render, InitialCounts, LiveProvince, LiveVendor, Scenario};
use std::path::{Path, PathBuf};

pub struct Simulate {
    pub scenario: PathBuf,
    pub json: bool,
    pub csv: Option<PathBuf>,
    pub charts: Option<PathBuf>,
    pub seed: Option<u64>,
    pub from_database: bool,
}

pub async fn run(cfg: &Config, args: Simulate) -> anyhow::Result<()> {
    let text = std::fs::read_to_string(&args.scenario)
        .map_err(|e| anyhow::anyhow!("reading {}: {e}", args.scenario.display()))?;
    let mut scenario = if args.from_database {
        let mut s = Scenario::from_toml_starting(&text, super::today()?)?;
        seed_from_database(cfg, &mut s).await?;
        s
    } else {
        Scenario::from_toml(&text)?
    };
    if let Some(seed) = args.seed {
        scenario.seed = seed;
    }
    let started = std::time::Instant::now();
    let report = shenas_simulate::run(&scenario);
    let seconds = started.elapsed().as_secs_f64();
    if let Some(path) = &args.csv {
        write(path, &render::csv::weeks(&report))?;
    }
    if let Some(dir) = &args.charts {
        std::fs::create_dir_all(dir)
            .map_err(|e| anyhow::anyhow!("creating {}: {e}", dir.display()))?;
        for (name, svg) in [
            ("stages", render::svg::stages(&report, "all")),
            ("lead-times", render::svg::lead_times(&report, "all")),
            (
                "waiting-by-age",
                render::svg::waiting_by_age(&report, "all"),
            ),
        ] {
            write(&dir.join(format!("{name}.svg")), &svg)?;
        }
    }
    if args.json {
        println!("{}", render::json(&report));
        return Ok(());
    }
    println!(
        "{}: {} days from {}, {} provinces, {} offices, {} vendors, seed {} ({seconds:.2} s)",
        report.scenario,
        report.days,
        report.start,
        scenario.provinces.len(),
        report.offices,
        scenario.vendors.len(),
        report.seed
    );
    println!(
        "{:<28} {:>11} {:>11} {:>11} {:>11} {:>10} {:>13} {:>9} {:>9} {:>8}",
        "province",
        "eligible",
        "applied",
        "delivered",
        "undelivered",
        "at offices",
        "in production",
        "req/day",
        "p90 days",
        "≤ 30 d"
    );
    for s in &report.end {
        println!(
            "{:<28} {:>11} {:>11} {:>11} {:>11} {:>10} {:>13} {:>9.0} {:>9} {:>7.1}%",
            format!("{} {}", s.province, s.name),
            s.eligible,
            s.applied,
            s.delivered,
            s.undelivered,
            s.at_offices,
            s.in_production,
            s.applications_per_working_day,
            s.lead_times
                .p90_days
                .map(|d| d.to_string())
                .unwrap_or_else(|| "-".into()),
            s.lead_times.within_30_days.unwrap_or(0.0) * 100.0
        );
    }
    Ok(())
}

fn write(path: &Path, text: &str) -> anyhow::Result<()> {
    std::fs::write(path, text).map_err(|e| anyhow::anyhow!("writing {}: {e}", path.display()))
}

/// The live queues: the statistics counters per province and state, each province's offices, the vendors.
async fn seed_from_database(cfg: &Config, scenario: &mut Scenario) -> anyhow::Result<()> {
    let store = crate::db::open(&cfg.database_url).await?;
    let counts = store.province_counts().await?;
    let mut provinces = Vec::new();
    for c in counts {
        // Applications whose province is unknown cannot be placed at an office; they are left out.
        let Ok(code) = ProvinceCode::parse(&c.province_code) else {
            continue;
        };
        let n = |states: &[S]| {
            states
                .iter()
                .map(|s| c.by_state.get(s).copied().unwrap_or(0))
                .sum::<u64>()
        };
        let initial = InitialCounts {
            awaiting_payment: n(&[S::AwaitingPayment]),
            awaiting_enrollment: n(&[S::AwaitingAppointment, S::AppointmentBooked]),
            enrolled: n(&[S::Enrolled]),
            in_production: n(&[S::InProduction, S::ProductionFailed]),
            in_transit: n(&[S::Dispatched]),
            ready_at_office: n(&[S::ReadyForPickup]),
            uncollected: n(&[S::Uncollected]),
            delivered: n(&[S::Delivered]),
            rejected: n(&[S::Rejected, S::Cancelled, S::Revoked]),
        };
        let offices = store.offices_in_province(code).await?;
        let eligible = match c.eligible {
            // Never refreshed: keep the scenario's figure.
            0 => scenario
                .provinces
                .iter()
                .find(|p| p.code == code)
                .map_or(0, |p| p.eligible),
            e => e,
        };
        provinces.push(LiveProvince {
            code,
            eligible,
            counts: initial,
            office_capacities: offices.iter().map(|o| o.daily_capacity).collect(),
        });
    }
    let vendors: Vec<LiveVendor> = store
        .vendors()
        .await?
        .into_iter()
        .filter(|v| v.share_pct > 0)
        .map(|v| LiveVendor {
            name: v.name,
            share: f64::from(v.share_pct),
            daily_capacity: v.daily_capacity,
        })
        .collect();
    tracing::info!(
        provinces = provinces.len(),
        vendors = vendors.len(),
        "simulation seeded from the database"
    );
    scenario.seed_from_live(&provinces, &vendors)?;
    Ok(())
}

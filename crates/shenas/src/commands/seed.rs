//! `shenas bench seed`: loads applications in bulk for load runs, and writes the request targets a load
//! generator replays. Persons come from the same generator (and seed) as `shenas registry generate`, so the
//! registry must hold that generated registry: the first `--applications` eligible persons get an application
//! (`national_code,tracking_code,state` lines in `--targets`); the next `--bodies` eligible persons are written as
//! ready application bodies (one JSON object a line in `--bodies-out`) for submission runs.

use crate::config::Config;
use domain::{ApplicationState, Channel, Reason, TrackingCode};
use std::io::Write;
use store::journey::{NewApplication, SeedApplication};

pub struct Seed {
    pub applications: u64,
    pub bodies: u64,
    pub seed: u64,
    pub targets: std::path::PathBuf,
    pub bodies_out: Option<std::path::PathBuf>,
    pub json: bool,
}

/// The states seeded applications are spread over (per mille).
const MIX: [(ApplicationState, u32); 8] = [
    (ApplicationState::AwaitingPayment, 100),
    (ApplicationState::AwaitingAppointment, 400),
    (ApplicationState::Enrolled, 100),
    (ApplicationState::InProduction, 150),
    (ApplicationState::Dispatched, 50),
    (ApplicationState::ReadyForPickup, 50),
    (ApplicationState::Delivered, 140),
    (ApplicationState::Cancelled, 10),
];

fn state_for(i: u64) -> ApplicationState {
    let r = (i.wrapping_mul(2_654_435_761) % 1000) as u32;
    let mut acc = 0;
    for (s, w) in MIX {
        acc += w;
        if r < acc {
            return s;
        }
    }
    ApplicationState::AwaitingAppointment
}

pub async fn run(cfg: &Config, s: Seed) -> anyhow::Result<()> {
    let store = crate::db::open(&cfg.database_url).await?;
    let today = super::today()?;
    let mut gen = synth::persons::PersonGenerator::new(s.seed, today);
    let mut targets = std::io::BufWriter::new(std::fs::File::create(&s.targets)?);
    let mut bodies = match &s.bodies_out {
        Some(p) => Some(std::io::BufWriter::new(std::fs::File::create(p)?)),
        None => None,
    };
    let started = std::time::Instant::now();
    let fees = domain::FeeTable::default();
    let (mut seeded, mut written) = (0u64, 0u64);
    let mut batch = Vec::with_capacity(10_000);
    let mut body_no: u64 = 0;
    while seeded < s.applications || written < s.bodies {
        let p = gen.next_person()?;
        let eligible = p.is_alive() && p.birth_date.age_on(today) >= domain::inquiry::MINIMUM_AGE;
        let Some(mobile) = p.mobiles.first().cloned().filter(|_| eligible) else {
            continue;
        };
        if seeded < s.applications {
            let state = state_for(seeded);
            body_no += 1;
            let tc = TrackingCode::from_body(body_no.wrapping_mul(48_271) % 100_000_000_000);
            writeln!(targets, "{},{},{}", p.national_code, tc, state.as_str())?;
            batch.push(SeedApplication {
                application: NewApplication {
                    tracking_code: tc,
                    national_code: p.national_code,
                    reason: Reason::FirstIssue,
                    channel: Channel::Portal,
                    mobile,
                    fee_rials: fees.application_fee(today.year(), Channel::Portal),
                    filing_office: None,
                    province: domain::prefixes::province_of(p.national_code.prefix()),
                    actor: "seed".into(),
                    at: chrono::Utc::now(),
                },
                state,
            });
            seeded += 1;
            if batch.len() == 10_000 {
                store.seed_applications(&batch).await?;
                batch.clear();
            }
        } else if let Some(out) = bodies.as_mut() {
            let body = serde_json::json!({
                "national_code": p.national_code.as_str(),
                "birth_certificate": {
                    "series_letter": p.birth_certificate.series_letter().as_str(),
                    "series_number": p.birth_certificate.series_number(),
                    "serial": p.birth_certificate.serial(),
                },
                "birth_date_jalali": p.birth_date.to_string(),
                "birth_date_hijri": p.birth_date.to_hijri().to_string(),
                "gender": p.gender.as_str(),
                "religion": p.religion.as_str(),
                "mother_name": p.mother_name,
                "mobile": mobile.as_str(),
                "reason": "first_issue",
            });
            writeln!(out, "{body}")?;
            written += 1;
        } else {
            break;
        }
    }
    if !batch.is_empty() {
        store.seed_applications(&batch).await?;
    }
    targets.flush()?;
    if let Some(mut b) = bodies {
        b.flush()?;
    }
    let secs = started.elapsed().as_secs_f64();
    if s.json {
        super::print_json(&serde_json::json!({
            "applications": seeded, "bodies": written, "seconds": secs,
        }));
    } else {
        println!("{seeded} applications seeded, {written} bodies written in {secs:.1} s");
    }
    Ok(())
}

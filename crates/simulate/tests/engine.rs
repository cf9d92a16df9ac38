//! The engine's promises: nobody is lost or made up on any day, a seed gives the same run, and a scenario that
//! cannot be run says why.

use shenas_simulate::{render, run, Scenario, Simulation};

/// Small but with every feature switched on: several provinces, initial applications at every stage, a surge,
/// an outage, a capacity change, people turning 15, reminders, Chapar from mid-run and a receipt grace period.
const SMALL: &str = r#"
name = "small"
start = "1405-01-01"
days = 120
seed = 7
[provinces]
include = ["09", "23", "16"]
offices = 60
office_daily_capacity = 20
[demand]
apply_per_year = 0.5
surges = [{ from = "1405-02-01", to = "1405-02-20", factor = 3.0 }]
[dedup]
hit_rate = 0.05
duplicate_share = 0.5
[[vendors]]
name = "A"
share = 0.6
daily_capacity = 300
failure = 0.05
outages = [{ from = "1405-01-20", days = 10 }]
changes = [{ from = "1405-03-01", daily_capacity = 600 }]
[[vendors]]
name = "B"
share = 0.4
daily_capacity = 200
works_fridays = true
[sms]
linked_from = "1405-02-15"
[pickup]
reminders = [14, 45]
receipt_grace_days = 30
[people]
turning_15_per_year = 0.02
deaths_per_year = 0.05
moves_per_year = 0.1
[initial]
backlog_age_days = 30
[initial.provinces."09"]
awaiting_payment = 100
awaiting_enrollment = 2000
enrolled = 500
in_production = 8000
in_transit = 900
ready_at_office = 1200
uncollected = 700
delivered = 5000
rejected = 20
[provinces.overrides."16"]
eligible = 20000
"#;

fn small(seed: u64) -> Scenario {
    let mut s = Scenario::from_toml(SMALL).expect("the small scenario reads");
    s.seed = seed;
    s
}

#[test]
fn every_person_is_in_exactly_one_stage_every_day() {
    let sc = small(7);
    let mut sim = Simulation::new(&sc);
    let mut moved = 0u64;
    let mut first = None;
    while !sim.finished() {
        sim.step();
        let census = sim.census();
        let counters = sim.counters();
        let population = sim.population();
        for p in 0..census.len() {
            assert_eq!(census[p], counters[p], "day {} province {p}", sim.day());
            assert_eq!(
                census[p].total(),
                population[p],
                "day {} province {p}",
                sim.day()
            );
        }
        let now: Vec<u64> = census
            .iter()
            .map(|c| c.delivered + c.in_production)
            .collect();
        if let Some(f) = &first {
            moved += u64::from(&now != f);
        }
        first = Some(now);
    }
    // The run is not standing still: cards were made and collected on most days.
    assert!(moved > 60, "{moved}");
    let report = run(&sc);
    let all = report.summary("all").expect("a national summary");
    assert!(all.delivered > 5000 && all.stocks.rejected > 20 && all.stocks.died > 0);
    // People turned 15 during the run, so the population grew beyond the first day's eligible.
    assert!(all.stocks.total() > sc.eligible());
}

#[test]
fn a_seed_gives_the_same_run_and_another_seed_another() {
    let a = render::json(&run(&small(7)));
    let b = render::json(&run(&small(7)));
    let c = render::json(&run(&small(8)));
    assert_eq!(a, b);
    assert_ne!(a, c);
}

#[test]
fn outputs_cover_every_province_and_week() {
    let report = run(&small(7));
    // 120 days are 18 weeks (the last one partial); three provinces and "all".
    assert_eq!(report.weeks.len(), 18 * 4);
    assert_eq!(report.vendors.len(), 18 * 2);
    let csv = render::csv::weeks(&report);
    assert_eq!(csv.lines().count(), 1 + 18 * 4);
    let head = csv.lines().next().unwrap_or_default();
    assert!(head.contains("in_production") && head.contains("lead_p90_days"));
    // The outage shows: vendor A made nothing in the week of 1405-01-22.
    assert_eq!(
        report
            .vendors
            .iter()
            .find(|v| v.week == 3 && v.vendor == "A")
            .map(|v| v.produced),
        Some(0)
    );
}

fn error(text: &str) -> String {
    Scenario::from_toml(text)
        .expect_err("must be refused")
        .to_string()
}

#[test]
fn a_bad_scenario_is_refused_with_the_field_and_the_reason() {
    let base = SMALL.replace("seed = 7\n", "seed = 7\nbogus = 1\n");
    assert!(
        error(&base).contains("unknown field `bogus`"),
        "{}",
        error(&base)
    );
    let e = error(&SMALL.replace("share = 0.6", "share = 0.7"));
    assert!(e.contains("vendors: the shares must add up to 1"), "{e}");
    let e = error(&SMALL.replace("share = 0.6", "share = 1.6"));
    assert!(
        e.contains("vendors[0].share: must be a share between 0 and 1 (got 1.6)"),
        "{e}"
    );
    let e = error(&SMALL.replace("1405-01-20", "1405-13-01"));
    assert!(
        e.contains("vendors[0].outages[0].from") && e.contains("month"),
        "{e}"
    );
    let e = error(&SMALL.replace("\"16\"]", "\"31\"]"));
    assert!(
        e.contains("provinces.include[2]") && e.contains("not a province code"),
        "{e}"
    );
    let e = error(&SMALL.replace(
        "overrides.\"16\"]\neligible = 20000",
        "overrides.\"09\"]\neligible = 100",
    ));
    assert!(
        e.contains("initial.provinces.09: holds 18420 applications"),
        "{e}"
    );
    let e = error(&SMALL.replace("reminders = [14, 45]", "notified = [[30, 0.5], [7, 0.6]]"));
    assert!(e.contains("pickup.notified[1]: points must rise"), "{e}");
    let e = error("name = 1");
    assert!(e.starts_with("scenario: ") && e.contains("line 1"), "{e}");
}

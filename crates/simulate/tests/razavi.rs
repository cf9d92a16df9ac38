//! The shipped Razavi Khorasan 1398 scenario keeps reproducing the seeds' figures within 10 %.

use shenas_simulate::{presets, run, Scenario};

fn within_10_percent(name: &str, got: f64, want: f64) {
    let off = (got / want - 1.0).abs();
    assert!(
        off <= 0.10,
        "{name}: {got} is {:.1} % from {want}",
        off * 100.0
    );
}

#[test]
fn razavi_khorasan_1398_reproduces_the_seeds() {
    let scenario =
        Scenario::from_toml(presets::RAZAVI_KHORASAN_1398).expect("the shipped scenario reads");
    let report = run(&scenario);
    let s = report.summary("09").expect("Razavi Khorasan");
    assert_eq!(s.eligible, 4_771_872);
    within_10_percent("applied", s.applied as f64, 3_784_352.0);
    within_10_percent("delivered", s.delivered as f64, 3_088_000.0);
    within_10_percent("undelivered", s.undelivered as f64, 695_000.0);
    within_10_percent("at offices", s.at_offices as f64, 65_000.0);
    within_10_percent("in production", s.in_production as f64, 630_000.0);
    within_10_percent("requests a day", s.applications_per_working_day, 12_000.0);
}

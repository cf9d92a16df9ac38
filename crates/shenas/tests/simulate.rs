//! `shenas simulate`, run as the binary: a shipped scenario, and `--from-database` taking this installation's
//! queues (the statistics counters), offices and vendors as the first day.

#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

use std::process::{Command, Output};

fn shenas(args: &[&str], database: &str) -> Output {
    let out = Command::new(env!("CARGO_BIN_EXE_shenas"))
        .args(args)
        .env("SHENAS_DATABASE_URL", database)
        .env("SHENAS_LOG", "warn")
        .output()
        .expect("run shenas");
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

fn json(out: &Output) -> serde_json::Value {
    let stdout = String::from_utf8_lossy(&out.stdout);
    serde_json::from_str(stdout.lines().last().unwrap_or_default()).unwrap()
}

#[test]
fn a_scenario_file_is_refused_with_its_field() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("bad.toml");
    std::fs::write(&file, "name = \"x\"\nstart = \"1405-01-01\"\n[provinces]\ninclude = \"all\"\noffices = 10\n[[vendors]]\nname = \"A\"\nshare = 2\ndaily_capacity = 1\n").unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_shenas"))
        .args(["simulate", "--scenario", file.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("vendors[0].share: must be a share between 0 and 1 (got 2)"),
        "{err}"
    );
}

#[test]
fn from_database_starts_from_the_live_queues() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("sim.db").display());
    let p = |name: &str| dir.path().join(name).to_str().unwrap().to_string();
    shenas(
        &[
            "registry",
            "generate",
            "--persons",
            "3000",
            "--seed",
            "1403",
            "--out",
            &p("persons.csv"),
        ],
        &db,
    );
    shenas(&["registry", "import", &p("persons.csv")], &db);
    shenas(
        &[
            "offices",
            "generate",
            "--count",
            "200",
            "--out",
            &p("offices.csv"),
        ],
        &db,
    );
    shenas(&["offices", "import", &p("offices.csv")], &db);
    shenas(
        &[
            "vendors",
            "add",
            "--name",
            "Vendor A",
            "--share",
            "100",
            "--daily-capacity",
            "50",
        ],
        &db,
    );
    let seeded = json(&shenas(
        &[
            "bench",
            "seed",
            "--applications",
            "1000",
            "--targets",
            &p("targets.csv"),
            "--json",
        ],
        &db,
    ));
    assert_eq!(seeded["applications"], 1000);
    // Nobody new applies and every payment succeeds, so the applications are exactly the installation's.
    std::fs::write(
        p("one-day.toml"),
        "name = \"today\"\nstart = \"1400-01-01\"\ndays = 1\n[provinces]\ninclude = \"all\"\noffices = 31\n\
[demand]\napply_per_year = 0\n[payment]\nfailure = 0\n[[vendors]]\nname = \"Other\"\nshare = 1\ndaily_capacity = 1\n",
    )
    .unwrap();
    let report = json(&shenas(
        &[
            "simulate",
            "--scenario",
            &p("one-day.toml"),
            "--from-database",
            "--json",
        ],
        &db,
    ));
    let all = report["end"].as_array().unwrap().last().unwrap();
    assert_eq!(all["province"], "all");
    assert_eq!(all["applied"], 1000, "{all}");
    // The first day is today, not the file's; the offices and the vendor are the installation's.
    assert_ne!(report["start"], "1400-01-01");
    assert_eq!(report["offices"], 200);
    assert_eq!(report["vendors"][0]["vendor"], "Vendor A");
    // The registry's eligible people replace the census figures (3,000 persons, some under 15).
    let eligible = all["eligible"].as_u64().unwrap();
    assert!(eligible > 1000 && eligible <= 3000, "{eligible}");
    // Seeded delivered applications stay delivered.
    assert!(all["delivered"].as_u64().unwrap() >= 100, "{all}");
}

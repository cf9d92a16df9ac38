//! The office generator end to end: the CSV round-trips through `Office::from_row`, every province has every
//! kind, and counters follow population.
#![allow(clippy::unwrap_used)] // a test should fail loudly

use domain::office::OFFICE_COLUMNS;
use domain::{Office, OfficeKind, Province};
use std::collections::HashSet;
use synth::{generate_offices, write_offices_csv, DEFAULT_OFFICES};

#[test]
fn default_offices_round_trip_and_spread_over_provinces() {
    let offices = generate_offices(1, DEFAULT_OFFICES);
    assert_eq!(offices.len(), DEFAULT_OFFICES);
    let ids: HashSet<&str> = offices.iter().map(|o| o.id.as_str()).collect();
    assert_eq!(ids.len(), offices.len(), "ids are unique");

    let mut out = Vec::new();
    write_offices_csv(&mut out, &offices).unwrap();
    let mut reader = csv::Reader::from_reader(out.as_slice());
    assert_eq!(reader.headers().unwrap(), OFFICE_COLUMNS.as_slice());
    let parsed: Vec<Office> = reader
        .records()
        .map(|r| {
            let r = r.unwrap();
            let row: [&str; 8] = std::array::from_fn(|i| &r[i]);
            Office::from_row(&row).unwrap_or_else(|e| panic!("{row:?}: {e}"))
        })
        .collect();
    assert_eq!(parsed, offices);

    let total_pop: u64 = Province::all().iter().map(|p| p.population_2016).sum();
    for p in Province::all() {
        let mine: Vec<&Office> = offices
            .iter()
            .filter(|o| o.province.as_str() == p.code)
            .collect();
        for kind in OfficeKind::ALL {
            assert!(
                mine.iter().any(|o| o.kind == kind),
                "{} has no {kind:?}",
                p.name_en
            );
        }
        assert!(mine
            .iter()
            .all(|o| o.id.as_str().starts_with(&format!("{}-", p.code))));
        assert!(mine.iter().any(|o| o.city == p.capital_fa));
        let expected = DEFAULT_OFFICES as f64 * p.population_2016 as f64 / total_pop as f64;
        assert!((mine.len() as f64 - expected).abs() <= 1.0, "{}", p.name_en);
        for o in &mine {
            let range = match o.kind {
                OfficeKind::Counter => 40..=200,
                OfficeKind::Post => 20..=80,
                OfficeKind::Registry => 100..=400,
                OfficeKind::MobileUnit => 10..=40,
            };
            assert!(range.contains(&o.daily_capacity), "{o:?}");
        }
    }
    let counters = offices
        .iter()
        .filter(|o| o.kind == OfficeKind::Counter)
        .count();
    assert!(
        counters * 100 > DEFAULT_OFFICES * 80,
        "mostly counters: {counters}"
    );
    let names: HashSet<&str> = offices.iter().map(|o| o.name.as_str()).collect();
    for name in [
        "دفتر پیشخوان دولت ۱۲۳ تهران",
        "ادارهٔ ثبت احوال شیراز",
        "دفتر پست ۱ مشهد",
        "واحد سیار ثبت‌نام ۱ استان فارس",
    ] {
        assert!(names.contains(name), "{name}");
    }
}

#[test]
fn deterministic_and_small_totals_work() {
    assert_eq!(generate_offices(4, 500), generate_offices(4, 500));
    assert_ne!(generate_offices(4, 500), generate_offices(5, 500));
    for total in [0, 1, 30, 31, 100] {
        assert_eq!(generate_offices(2, total).len(), total);
    }
}

#[test]
fn quoting_keeps_odd_text_intact() {
    let mut offices = generate_offices(1, 31);
    offices[0].name = "دفتر \"نمونه\", شعبهٔ ۱".into();
    let mut out = Vec::new();
    write_offices_csv(&mut out, &offices).unwrap();
    let mut reader = csv::Reader::from_reader(out.as_slice());
    let first = reader.records().next().unwrap().unwrap();
    assert_eq!(&first[1], offices[0].name);
}

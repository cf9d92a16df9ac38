//! The registry generator end to end: the CSV parses, every row passes the registry's validation, codes are
//! unique, and the population looks like Iran's (ages, provinces, deaths, mobiles, religions).
#![allow(clippy::unwrap_used)] // a test should fail loudly

use domain::person::REGISTRY_COLUMNS;
use domain::{JalaliDate, Person, Province, ProvinceCode};
use std::collections::{HashMap, HashSet};
use synth::places::PLACES;
use synth::PersonGenerator;

fn today() -> JalaliDate {
    JalaliDate::new(1404, 8, 30).unwrap()
}

fn generate(seed: u64, count: u64) -> String {
    let mut out = Vec::new();
    PersonGenerator::new(seed, today())
        .write_csv(&mut out, count)
        .unwrap();
    String::from_utf8(out).unwrap()
}

struct Row {
    person: Person,
    raw: [String; 16],
}

fn parse(csv_text: &str) -> Vec<Row> {
    let mut reader = csv::Reader::from_reader(csv_text.as_bytes());
    let header: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
    assert_eq!(header, REGISTRY_COLUMNS);
    reader
        .records()
        .map(|r| {
            let r = r.unwrap();
            assert_eq!(r.len(), 16);
            let raw: [String; 16] = std::array::from_fn(|i| r[i].to_string());
            let refs: [&str; 16] = std::array::from_fn(|i| raw[i].as_str());
            let person = Person::from_row(&refs, today())
                .unwrap_or_else(|e| panic!("invalid row {refs:?}: {e}"));
            Row { person, raw }
        })
        .collect()
}

#[test]
fn header_is_the_contracts_and_no_field_needs_quoting() {
    let text = generate(1, 2_000);
    let mut lines = text.lines();
    assert_eq!(
        lines.next(),
        Some("national_code,first_name,last_name,father_name,mother_name,gender,birth_date_jalali,birth_place,religion,bc_series_letter,bc_series_number,bc_serial,mobiles,postal_code,address,death_date_jalali")
    );
    for line in lines {
        assert_eq!(line.matches(',').count(), 15, "{line}");
        assert!(!line.contains(['"', '\r']), "{line}");
    }
    assert_eq!(text.lines().count(), 2_001);
}

#[test]
fn same_seed_same_bytes() {
    assert_eq!(generate(7, 3_000), generate(7, 3_000));
    assert_ne!(generate(7, 100), generate(8, 100));
}

#[test]
fn every_row_is_valid_and_the_population_is_plausible() {
    const N: usize = 40_000;
    let rows = parse(&generate(42, N as u64));
    assert_eq!(rows.len(), N);
    let share = |n: usize| n as f64 / N as f64;
    let age = |p: &Person| p.birth_date.age_on(today());

    let adults = rows.iter().filter(|r| age(&r.person) >= 15).count();
    assert!(
        (0.70..0.85).contains(&share(adults)),
        "15+: {}",
        share(adults)
    );
    let old = rows.iter().filter(|r| age(&r.person) >= 80).count();
    let bulge = rows
        .iter()
        .filter(|r| (30..45).contains(&age(&r.person)))
        .count();
    assert!(share(old) < 0.03 && share(bulge) > 0.25, "{old} {bulge}");
    assert!(rows.iter().all(|r| (0..=96).contains(&age(&r.person))));

    let dead: Vec<&Row> = rows.iter().filter(|r| !r.person.is_alive()).collect();
    assert!(
        (0.01..0.06).contains(&share(dead.len())),
        "deceased: {}",
        share(dead.len())
    );
    let dead_old = dead.iter().filter(|r| age(&r.person) >= 60).count();
    assert!(
        dead_old * 2 > dead.len(),
        "deaths concentrate among the old"
    );

    let muslims = rows.iter().filter(|r| r.raw[8] == "islam").count();
    assert!(
        (0.985..0.9995).contains(&share(muslims)),
        "{}",
        share(muslims)
    );
    let religions: HashSet<&str> = rows.iter().map(|r| r.raw[8].as_str()).collect();
    assert_eq!(religions.len(), 4);
    let males = rows.iter().filter(|r| r.raw[5] == "male").count();
    assert!((0.48..0.53).contains(&share(males)));

    // Mobiles: some people without, children mostly without, some numbers shared, some people with two.
    let without = rows.iter().filter(|r| r.person.mobiles.is_empty()).count();
    assert!((0.10..0.40).contains(&share(without)), "{}", share(without));
    let children: Vec<&Row> = rows.iter().filter(|r| age(&r.person) < 15).collect();
    let children_without = children
        .iter()
        .filter(|r| r.person.mobiles.is_empty())
        .count();
    assert!(children_without * 10 > children.len() * 6);
    let adults_with = rows
        .iter()
        .filter(|r| (20..60).contains(&age(&r.person)) && !r.person.mobiles.is_empty())
        .count();
    assert!(adults_with > 0);
    let two = rows.iter().filter(|r| r.person.mobiles.len() == 2).count();
    assert!(two > N / 50, "{two}");
    let mut holders: HashMap<&str, usize> = HashMap::new();
    for r in &rows {
        for m in &r.person.mobiles {
            *holders.entry(m.as_str()).or_default() += 1;
        }
    }
    let shared = holders.values().filter(|&&n| n > 1).count();
    assert!(shared > N / 100, "shared numbers: {shared}");
    // A child on a parent's number: same province, and on a father's number his name and surname.
    let province = |r: &Row| domain::prefixes::province_of(r.person.national_code.prefix());
    let mut owner: HashMap<&str, &Row> = HashMap::new();
    for r in rows.iter().filter(|r| age(&r.person) >= 20) {
        for m in &r.person.mobiles {
            owner.entry(m.as_str()).or_insert(r);
        }
    }
    let mut linked = 0;
    for child in children.iter().filter(|r| r.person.mobiles.len() == 1) {
        let Some(parent) = owner.get(child.person.mobiles[0].as_str()) else {
            continue;
        };
        assert_eq!(
            province(child),
            province(parent),
            "{:?} / {:?}",
            child.raw,
            parent.raw
        );
        if parent.raw[5] == "male" && child.raw[3] == parent.raw[1] && child.raw[2] == parent.raw[2]
        {
            linked += 1;
        }
    }
    assert!(
        linked > 100,
        "children carrying their father's names: {linked}"
    );

    let no_postal = rows
        .iter()
        .filter(|r| r.person.postal_code.is_none())
        .count();
    assert!((0.01..0.06).contains(&share(no_postal)));
    let names: HashSet<&str> = rows.iter().map(|r| r.raw[2].as_str()).collect();
    assert!(names.len() > 250, "surnames in use: {}", names.len());
}

#[test]
fn each_record_belongs_to_one_province_and_provinces_follow_population() {
    const N: usize = 40_000;
    let rows = parse(&generate(3, N as u64));
    let mut per_province = [0usize; 31];
    for r in &rows {
        let code = domain::prefixes::province_of(r.person.national_code.prefix()).unwrap();
        per_province[code.index() as usize] += 1;
        let province = code.province();
        let place = &PLACES[code.index() as usize];
        let is_city = |c: &str| c == province.capital_fa || place.cities.contains(&c);
        assert!(
            is_city(&r.person.birth_place),
            "{} in {}",
            r.raw[7],
            province.name_en
        );
        if !r.person.address.is_empty() {
            let city = r.person.address.split('،').next().unwrap();
            assert!(is_city(city), "{} in {}", r.raw[14], province.name_en);
        }
        if let Some(postal) = &r.person.postal_code {
            assert!(place.postal_leads.contains(&&postal.as_str()[..3]));
        }
    }
    let total: u64 = Province::all().iter().map(|p| p.population_2016).sum();
    for (i, p) in Province::all().iter().enumerate() {
        let expected = p.population_2016 as f64 / total as f64;
        let got = per_province[i] as f64 / N as f64;
        let sigma = (expected * (1.0 - expected) / N as f64).sqrt();
        assert!(
            (got - expected).abs() < 5.0 * sigma + 0.001,
            "{}: {got} vs {expected}",
            p.name_en
        );
    }
}

#[test]
fn a_million_codes_are_unique_and_match_their_province() {
    let mut generator = PersonGenerator::new(9, today());
    let mut seen = HashSet::with_capacity(1_000_000);
    for _ in 0..1_000_000 {
        let (province, code): (ProvinceCode, _) = generator.next_code().unwrap();
        assert!(seen.insert(code.as_str().parse::<u64>().unwrap()), "{code}");
        assert_eq!(domain::prefixes::province_of(code.prefix()), Some(province));
    }
}

#[test]
fn next_person_and_odd_todays() {
    let mut generator = PersonGenerator::new(5, today());
    for _ in 0..100 {
        generator.next_person().unwrap();
    }
    for today in [
        JalaliDate::new(1250, 1, 1).unwrap(),
        JalaliDate::new(1600, 12, 29).unwrap(),
    ] {
        let mut generator = PersonGenerator::new(5, today);
        for _ in 0..500 {
            let p = generator.next_person().unwrap();
            assert!(p.birth_date <= today);
        }
    }
}

#[test]
fn code_spaces_hold_fifty_million_persons_with_room_to_spare() {
    let total: u64 = Province::all().iter().map(|p| p.population_2016).sum();
    for p in Province::all() {
        let slots = domain::prefixes::of_province(p.code()).len() as u64 * 1_000_000;
        let expected = 50_000_000 * p.population_2016 / total;
        assert!(
            slots > expected * 10,
            "{}: {slots} for {expected}",
            p.name_en
        );
    }
}

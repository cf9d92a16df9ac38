//! Synthetic offices: about 16,000 nationwide, shared among the 31 provinces by 2016 population (largest
//! remainder). Each province has mostly government counter offices (`دفتر پیشخوان دولت`), some post offices,
//! its civil-registry offices (`ادارهٔ ثبت احوال`, the first in the capital, then one per county town) and a few
//! mobile enrollment units. Ids are `PP-NNNN` (province code, sequence within the province).

use crate::fmt::{fa_number, push_csv_field, push_digits};
use crate::places::{PLACES, STREETS};
use crate::rng::{below, between, chance, gently_popular, Rng};
use domain::office::OFFICE_COLUMNS;
use domain::{Office, OfficeKind, Province};
use rand::SeedableRng;
use std::io::{self, Write};

/// Offices per kind for a province with `n` offices: (registry, mobile units, post, counters).
fn kinds(n: usize) -> [(OfficeKind, usize); 4] {
    let share = |per_mille: usize| (n * per_mille + 500) / 1000;
    let registry = share(25).max(1).min(n);
    let mobile = share(10).max(1).min(n - registry);
    let post = share(100).min(n - registry - mobile);
    let counter = n - registry - mobile - post;
    [
        (OfficeKind::Registry, registry),
        (OfficeKind::Counter, counter),
        (OfficeKind::Post, post),
        (OfficeKind::MobileUnit, mobile),
    ]
}

/// `total` offices split by population with the largest-remainder method.
fn apportion(total: usize) -> Vec<usize> {
    let pops: Vec<u128> = Province::all()
        .iter()
        .map(|p| u128::from(p.population_2016))
        .collect();
    let sum: u128 = pops.iter().sum::<u128>().max(1);
    let exact: Vec<u128> = pops.iter().map(|p| p * total as u128).collect();
    let mut counts: Vec<usize> = exact.iter().map(|e| (e / sum) as usize).collect();
    let mut order: Vec<usize> = (0..pops.len()).collect();
    order.sort_by_key(|&i| std::cmp::Reverse(exact[i] % sum));
    let missing = total - counts.iter().sum::<usize>();
    for &i in order.iter().take(missing) {
        counts[i] += 1;
    }
    counts
}

/// Generates `total` offices (see [`crate::DEFAULT_OFFICES`]); the same seed gives the same offices.
pub fn generate_offices(seed: u64, total: usize) -> Vec<Office> {
    let mut rng = Rng::seed_from_u64(seed ^ 0x0FF1_CE00);
    let mut out = Vec::with_capacity(total);
    for ((province, place), n) in Province::all().iter().zip(&PLACES).zip(apportion(total)) {
        let towns: Vec<&str> = std::iter::once(province.capital_fa)
            .chain(place.cities.iter().copied())
            .collect();
        let mut seq = 0u32;
        // Counter and post offices are numbered per town: `دفتر پیشخوان دولت ۳ اراک` is Arak's third.
        let mut numbered = vec![[0u32; 2]; towns.len()];
        for (kind, count) in kinds(n) {
            for i in 0..count {
                seq += 1;
                let (city, name) = match kind {
                    OfficeKind::Registry => {
                        let city = towns[i % towns.len()];
                        let round = i / towns.len();
                        let name = if round == 0 {
                            format!("ادارهٔ ثبت احوال {city}")
                        } else {
                            format!(
                                "ادارهٔ ثبت احوال {city} ناحیهٔ {}",
                                fa_number(round as u32 + 1)
                            )
                        };
                        (city, name)
                    }
                    OfficeKind::MobileUnit => (
                        towns[i % towns.len()],
                        format!(
                            "واحد سیار ثبت‌نام {} استان {}",
                            fa_number(i as u32 + 1),
                            province.name_fa
                        ),
                    ),
                    OfficeKind::Counter | OfficeKind::Post => {
                        let town = if chance(&mut rng, 450) {
                            0
                        } else {
                            1 + below(&mut rng, place.cities.len() as u32) as usize
                        };
                        let (label, k) = if kind == OfficeKind::Counter {
                            ("دفتر پیشخوان دولت", 0)
                        } else {
                            ("دفتر پست", 1)
                        };
                        numbered[town][k] += 1;
                        let city = towns[town];
                        (
                            city,
                            format!("{label} {} {city}", fa_number(numbered[town][k])),
                        )
                    }
                };
                let street_kind = if chance(&mut rng, 750) {
                    "خیابان"
                } else {
                    "بلوار"
                };
                let address = format!(
                    "{city}، {street_kind} {}، پلاک {}",
                    STREETS[gently_popular(&mut rng, STREETS.len())],
                    fa_number(between(&mut rng, 1, 400))
                );
                let capacity = match kind {
                    OfficeKind::Counter => between(&mut rng, 8, 40),
                    OfficeKind::Post => between(&mut rng, 4, 16),
                    OfficeKind::Registry => between(&mut rng, 20, 80),
                    OfficeKind::MobileUnit => between(&mut rng, 2, 8),
                } * 5;
                let id = format!("{}-{seq:04}", province.code);
                let capacity = capacity.to_string();
                let row = [
                    id.as_str(),
                    name.as_str(),
                    kind.as_str(),
                    province.code,
                    city,
                    province.area_code,
                    address.as_str(),
                    capacity.as_str(),
                ];
                match Office::from_row(&row) {
                    Ok(office) => out.push(office),
                    Err(e) => debug_assert!(false, "generated an invalid office {row:?}: {e}"),
                }
            }
        }
    }
    out
}

/// Writes the offices CSV (header row, then one row per office), quoting text fields where needed.
pub fn write_offices_csv<W: Write>(mut out: W, offices: &[Office]) -> io::Result<()> {
    let mut buf = String::with_capacity(1 << 16);
    buf.push_str(&OFFICE_COLUMNS.join(","));
    buf.push('\n');
    for o in offices {
        push_csv_field(&mut buf, o.id.as_str());
        buf.push(',');
        push_csv_field(&mut buf, &o.name);
        buf.push(',');
        buf.push_str(o.kind.as_str());
        buf.push(',');
        buf.push_str(o.province.as_str());
        buf.push(',');
        push_csv_field(&mut buf, &o.city);
        buf.push(',');
        buf.push_str(o.area_code());
        buf.push(',');
        push_csv_field(&mut buf, &o.address);
        buf.push(',');
        push_digits(&mut buf, o.daily_capacity, 1);
        buf.push('\n');
        if buf.len() >= 1 << 15 {
            out.write_all(buf.as_bytes())?;
            buf.clear();
        }
    }
    out.write_all(buf.as_bytes())?;
    out.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn apportion_sums_and_follows_population() {
        for total in [0, 7, 31, 1_000, 16_000, 16_001] {
            assert_eq!(apportion(total).iter().sum::<usize>(), total);
        }
        let counts = apportion(16_000);
        let tehran = counts[23] as f64 / 16_000.0;
        assert!((0.16..0.17).contains(&tehran), "{tehran}");
    }

    #[test]
    fn kinds_sum_to_n_and_small_provinces_get_a_registry() {
        for n in 0..300 {
            let k = kinds(n);
            assert_eq!(k.iter().map(|(_, c)| c).sum::<usize>(), n);
            if n > 0 {
                assert!(k[0].1 >= 1);
            }
        }
    }
}

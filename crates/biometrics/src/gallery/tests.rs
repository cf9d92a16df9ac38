//! Gallery tests: planted mates are found, removal works, the pre-filter agrees with
//! exhaustive search, and a real FVC mate is found among synthetic distractors.

use super::*;
use crate::synth::{perturb, synthetic_minutiae, synthetic_template, Rng};
use crate::template::TemplateMinutia;

fn person(rng: &mut Rng) -> Vec<Vec<TemplateMinutia>> {
    (0..10).map(|_| synthetic_minutiae(rng)).collect()
}

fn enrol(g: &mut Gallery, id: u64, fingers: &[Vec<TemplateMinutia>]) {
    for (i, m) in fingers.iter().enumerate() {
        g.insert(id, i as u8 + 1, Template::from_minutiae(m.clone()))
            .expect("valid position");
    }
}

fn probe_of(fingers: &[Vec<TemplateMinutia>], rng: &mut Rng) -> Vec<(u8, Template)> {
    fingers
        .iter()
        .enumerate()
        .map(|(i, m)| {
            let p = perturb(m, rng, 0.3, (15.0, -10.0), 2.0, 0.2);
            (i as u8 + 1, Template::from_minutiae(p))
        })
        .collect()
}

#[test]
fn gallery_is_send_and_sync() {
    fn check<T: Send + Sync>() {}
    check::<Gallery>();
    check::<std::sync::RwLock<Gallery>>();
}

#[test]
fn planted_mate_is_found_and_removal_works() {
    let mut rng = Rng::new(11);
    let mut g = Gallery::with_params(SearchParams {
        shortlist: 10,
        vote_keep: 30,
        threads: 2,
    });
    let people: Vec<_> = (0..60).map(|_| person(&mut rng)).collect();
    for (id, p) in people.iter().enumerate() {
        enrol(&mut g, id as u64 + 1000, p);
    }
    assert_eq!(g.len(), 600);
    assert_eq!(g.persons(), 60);
    for target in [0usize, 17, 59] {
        let probe = probe_of(&people[target], &mut rng);
        let found = g.search(&probe, 5);
        assert_eq!(found[0].person_id, target as u64 + 1000, "{found:?}");
        assert!(crate::matcher::Thresholds::calibrated().is_duplicate(found[0].score));
        let exhaustive = g.search_exhaustive(&probe, 5);
        assert_eq!(exhaustive[0], found[0]);
        if found.len() > 1 {
            assert!(found[1].score < found[0].score);
        }
    }
    let probe = probe_of(&people[17], &mut rng);
    assert!(g.remove_person(1017));
    assert!(!g.remove_person(1017));
    assert_eq!(g.len(), 590);
    let found = g.search(&probe, 5);
    assert!(found.iter().all(|c| c.person_id != 1017));
    // Re-enrolment reuses the freed slots.
    enrol(&mut g, 1017, &people[17]);
    assert_eq!(g.search(&probe, 1)[0].person_id, 1017);
    assert_eq!(g.len(), 600);
    assert!(g.get(1017, 3).is_some());
    assert!(g.insert(1, 11, Template::from_minutiae(vec![])).is_err());
}

#[test]
fn real_fvc_mate_found_among_distractors() {
    let Some(dir) = crate::testdata::fingerprints_dir() else {
        return;
    };
    let set = crate::eval::fvc::load_set(&dir, "DB1_B").expect("DB1_B loads");
    let frame = crate::eval::Frame::Stretched;
    let mut g = Gallery::with_params(SearchParams {
        shortlist: 20,
        vote_keep: 100,
        threads: 2,
    });
    let mut rng = Rng::new(5);
    for id in 0..300u64 {
        enrol(&mut g, id, &person(&mut rng));
    }
    // The real person: the ten fingers of DB1_B as positions 1-10, impression 1 enrolled.
    for imp in set.iter().filter(|i| i.impression == 1) {
        g.insert(7777, (imp.finger - 100) as u8, imp.template(frame))
            .expect("position");
    }
    for q in [2u32, 5, 8] {
        let probe: Vec<(u8, Template)> = set
            .iter()
            .filter(|i| i.impression == q)
            .map(|i| ((i.finger - 100) as u8, i.template(frame)))
            .collect();
        let found = g.search(&probe, 3);
        assert_eq!(found[0].person_id, 7777, "impression {q}: {found:?}");
    }
}

type Answer = (Vec<(u64, u32)>, u64, u64);

/// A fixed scenario with removals, re-enrolments and replaced fingers; returns, for each
/// probe, the candidates (id, score bits) and checksums of the two pre-filter tiers' scores.
/// With `compact`, the gallery is compacted before the searches.
fn scenario_answers(compact: bool) -> Vec<Answer> {
    let mut rng = Rng::new(2026);
    let mut g = Gallery::with_params(SearchParams {
        shortlist: 6,
        vote_keep: 15,
        threads: 2,
    });
    let people: Vec<_> = (0..90).map(|_| person(&mut rng)).collect();
    for (id, p) in people.iter().enumerate() {
        enrol(&mut g, id as u64 * 7 + 3, p);
    }
    for id in (0..90u64).filter(|i| i % 3 == 1) {
        assert!(g.remove_person(id * 7 + 3));
    }
    // Some removed persons come back with their own fingers, some with new ones.
    for id in (0..90u64).filter(|i| i % 9 == 1) {
        enrol(&mut g, id * 7 + 3, &people[id as usize]);
    }
    for id in 500..520u64 {
        enrol(&mut g, id, &person(&mut rng));
    }
    // Replaced fingers.
    for id in (0..90u64).filter(|i| i % 5 == 0) {
        let m = synthetic_minutiae(&mut rng);
        g.insert(id * 7 + 3, (id % 10) as u8 + 1, Template::from_minutiae(m))
            .expect("valid position");
    }
    // Both posting tiers are in use and removed fingers were compacted away (1,218 fingers
    // were inserted in all).
    let slots = |g: &Gallery| g.stores.iter().map(|s| s.slots()).sum::<usize>();
    assert!(slots(&g) < 1218 - 100, "no compaction");
    let stores = &g.stores[1..];
    assert!(
        stores.iter().all(|s| s.postings.counts().0 > 0),
        "nothing frozen"
    );
    if compact {
        g.compact();
        assert_eq!((stores_staged(&g), slots(&g)), (0, g.len()));
    } else {
        assert!(stores_staged(&g) > 0, "nothing staged");
    }
    check_postings(&g);
    let checksum = |v: &[f32]| {
        v.iter().enumerate().fold(0u64, |h, (i, x)| {
            (h ^ (i as u64) << 32 ^ u64::from(x.to_bits())).wrapping_mul(0x100_0000_01b3)
        })
    };
    [0usize, 1, 9, 10, 27, 45, 88]
        .iter()
        .map(|&i| {
            let probe = probe_of(&people[i], &mut rng);
            let found = g.search(&probe, 8);
            let (first, second, _) = g.prefilter_scores(&probe, 6);
            (
                found
                    .iter()
                    .map(|c| (c.person_id, c.score.to_bits()))
                    .collect(),
                checksum(&first),
                checksum(&second),
            )
        })
        .collect()
}

fn stores_staged(g: &Gallery) -> usize {
    g.stores.iter().map(|s| s.postings.counts().1).sum()
}

/// Every store's index votes equal those of plain posting lists built from scratch from the
/// live fingers' stored templates (dead slots may keep postings; searches skip them).
fn check_postings(g: &Gallery) {
    let mut rng = Rng::new(99);
    for (pos, store) in g.stores.iter().enumerate() {
        let live: Vec<(u32, Vec<u32>)> = (0..store.slots() as u32)
            .filter(|&s| store.owner[s as usize] != NONE)
            .map(|s| {
                let t = Template::from_bytes(store.template(s)).expect("stored template");
                (s, index::keys(t.cylinders()))
            })
            .collect();
        for (s, keys) in &live {
            assert_eq!(usize::from(store.nkeys[*s as usize]), keys.len());
        }
        let mut probes: Vec<Vec<u32>> = live.iter().take(3).map(|(_, k)| k.clone()).collect();
        probes.push(index::keys(synthetic_template(&mut rng).cylinders()));
        for probe in probes {
            let mut votes = vec![0u16; store.slots()];
            let mut touched = Vec::new();
            store.postings.vote(&probe, &mut votes, &mut touched);
            assert_eq!(touched.len(), votes.iter().filter(|&&v| v > 0).count());
            for (s, keys) in &live {
                let shared = keys
                    .iter()
                    .filter(|k| probe.binary_search(k).is_ok())
                    .count();
                assert_eq!(
                    usize::from(votes[*s as usize]),
                    shared,
                    "position {pos} slot {s}"
                );
            }
        }
    }
}

/// What the gallery answered for [`scenario_answers`] before its storage was compacted
/// (per-block validity masks, delta-coded posting lists, append-only slots): recorded with
/// the earlier layout (per-code 128-bit masks, `Vec<u32>` posting lists, reused slots).
fn recorded() -> Vec<Answer> {
    vec![
        (
            vec![
                (3, 0x4036e34a),
                (17, 0x3cde0f85),
                (505, 0x3cc61704),
                (101, 0x3cb1aaec),
                (612, 0x3c9fbe6d),
                (192, 0x3c9829b2),
                (143, 0x3c837de2),
                (626, 0x3c793759),
            ],
            0x03e3312b2af1651e,
            0x83b6d81c956a0433,
        ),
        (
            vec![
                (10, 0x404c48ba),
                (290, 0x3cb6a555),
                (605, 0x3c850c80),
                (325, 0x3c84b6e2),
                (511, 0x3c6262e2),
                (87, 0x3c5b81ab),
                (437, 0x3c4dc44e),
                (388, 0x3c28fa9b),
            ],
            0x4e188bc5940d5d31,
            0x326a09e3a3205e1a,
        ),
        (
            vec![
                (66, 0x402b2b4c),
                (509, 0x3c838fc6),
                (87, 0x3c807a46),
                (318, 0x3c6fd9a8),
                (143, 0x3c67e4d8),
                (360, 0x3c5a5ce4),
                (311, 0x3c4a6dcb),
                (506, 0x3c3f0e0c),
            ],
            0x38a4f45e6a854760,
            0x5f83e928b4cbdcea,
        ),
        (
            vec![
                (73, 0x4033f3e7),
                (248, 0x3cd27108),
                (605, 0x3c9e2c44),
                (612, 0x3c9d93d4),
                (500, 0x3c97ee51),
                (325, 0x3c85d3e1),
                (185, 0x3c8415ae),
                (511, 0x3c7c1da1),
            ],
            0x4c3cda32e1ef1c01,
            0x9e5ac36f955a0c48,
        ),
        (
            vec![
                (192, 0x403f45ee),
                (512, 0x3ca640b3),
                (129, 0x3c9f4f2a),
                (519, 0x3c8fc301),
                (465, 0x3c8218da),
                (521, 0x3c81b850),
                (486, 0x3c59eb7e),
                (514, 0x3c4bc7fe),
            ],
            0x55baae1dd48dad8c,
            0xd9465f6e00d70fca,
        ),
        (
            vec![
                (318, 0x4024e335),
                (563, 0x3cbf1549),
                (38, 0x3ca84777),
                (255, 0x3c9d97ed),
                (395, 0x3c9c6241),
                (510, 0x3c650bb3),
                (542, 0x3c64212b),
                (502, 0x3c413afe),
            ],
            0xb97baba44d70e451,
            0x1f5a501f4240475c,
        ),
        (
            vec![
                (45, 0x3ca5247e),
                (213, 0x3ca464df),
                (374, 0x3c776f72),
                (10, 0x3c774f2d),
                (423, 0x3c6ca3b4),
                (465, 0x3c6584c5),
                (479, 0x3c3aee9f),
                (451, 0x3c2abbee),
            ],
            0xaf86801d44f87f6b,
            0xc1f00416391842f8,
        ),
    ]
}

#[test]
fn answers_equal_the_earlier_layout() {
    let recorded = recorded();
    let answers = scenario_answers(false);
    assert_eq!(answers, recorded);
    assert_eq!(scenario_answers(true), recorded);
}

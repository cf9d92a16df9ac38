//! Gallery tests: planted mates are found, removal works, the pre-filter agrees with
//! exhaustive search, and a real FVC mate is found among synthetic distractors.

use super::*;
use crate::synth::{perturb, synthetic_minutiae, Rng};
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

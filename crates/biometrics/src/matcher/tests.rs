//! Matcher tests: invariance to rotation and translation, tolerance of missing minutiae and
//! partial overlap, determinism, and genuine above impostor scores on the shared FVC data.

use super::*;
use crate::synth::{perturb, synthetic_minutiae, Rng};
use crate::template::{Template, TemplateMinutia};

fn shifted(m: &[TemplateMinutia], rot: f32, dx: f32, dy: f32) -> Template {
    let mut rng = Rng::new(99);
    Template::from_minutiae(perturb(m, &mut rng, rot, (dx, dy), 0.0, 0.0))
}

#[test]
fn rigid_motion_keeps_the_score_high() {
    let mut rng = Rng::new(21);
    let m = synthetic_minutiae(&mut rng);
    let base = Template::from_minutiae(m.clone());
    let self_score = score(&base, &base);
    for (rot, dx, dy) in [
        (0.0, 40.0, -25.0),
        (0.5, 0.0, 0.0),
        (-0.9, 30.0, 60.0),
        (1.4, -50.0, 10.0),
    ] {
        let s = score(&base, &shifted(&m, rot, dx, dy));
        assert!(s > 0.8 * self_score, "rot {rot}: {s} vs {self_score}");
    }
}

#[test]
fn noisy_partial_mates_beat_impostors() {
    let mut rng = Rng::new(4);
    for _ in 0..10 {
        let m = synthetic_minutiae(&mut rng);
        let a = Template::from_minutiae(m.clone());
        // A quarter of the minutiae missing, as many spurious, jitter, and only the upper
        // two thirds of the print present.
        let mut p = perturb(&m, &mut rng, 0.3, (20.0, 10.0), 3.0, 0.25);
        let cut = p.iter().map(|x| x.y).fold(f32::MIN, f32::max) * 0.66;
        p.retain(|x| x.y < cut);
        let mate = Template::from_minutiae(p);
        let other = Template::from_minutiae(synthetic_minutiae(&mut rng));
        let (g, i) = (score(&a, &mate), score(&a, &other));
        assert!(g > i, "genuine {g} impostor {i}");
        assert!(
            Thresholds::calibrated().verify_match(g),
            "genuine {g} below threshold"
        );
        assert!(
            !Thresholds::calibrated().verify_match(i),
            "impostor {i} above threshold"
        );
    }
}

#[test]
fn deterministic_bounded_and_nearly_symmetric() {
    let mut rng = Rng::new(8);
    let a = Template::from_minutiae(synthetic_minutiae(&mut rng));
    let b = Template::from_minutiae(synthetic_minutiae(&mut rng));
    assert_eq!(score(&a, &b).to_bits(), score(&a, &b).to_bits());
    for s in [score(&a, &b), score(&b, &a), score(&a, &a)] {
        assert!((0.0..=1.0).contains(&s));
    }
    assert!((score(&a, &b) - score(&b, &a)).abs() < 1e-4);
    let empty = Template::from_minutiae(Vec::new());
    assert_eq!(score(&a, &empty), 0.0);
}

#[test]
fn shared_fvc_genuine_pairs_outscore_impostors() {
    let Some(dir) = crate::testdata::fingerprints_dir() else {
        return;
    };
    let set = crate::eval::fvc::load_set(&dir, "DB1_B").expect("DB1_B loads");
    let t: Vec<Template> = set
        .iter()
        .map(|i| i.template(crate::eval::Frame::Stretched))
        .collect();
    let p = crate::eval::fvc::protocol(&set);
    let mean = |pairs: &[(usize, usize)]| {
        pairs
            .iter()
            .map(|&(a, b)| f64::from(score(&t[a], &t[b])))
            .sum::<f64>()
            / pairs.len() as f64
    };
    let (g, i) = (mean(&p.genuine), mean(&p.impostor_all));
    assert!(g > 5.0 * i, "mean genuine {g} vs impostor {i}");
    let g_scores: Vec<f64> = p
        .genuine
        .iter()
        .map(|&(a, b)| f64::from(score(&t[a], &t[b])))
        .collect();
    let i_scores: Vec<f64> = p
        .impostor_all
        .iter()
        .map(|&(a, b)| f64::from(score(&t[a], &t[b])))
        .collect();
    let eer = crate::eval::metrics::eer(&g_scores, &i_scores);
    assert!(eer < 0.06, "DB1_B EER {eer}");
}

//! Matcher tests: invariance to rotation and translation, tolerance of missing minutiae and
//! partial overlap, determinism, and genuine above impostor scores on the shared FVC data.

use super::*;
use crate::synth::{perturb, synthetic_minutiae, Rng};
use crate::template::{Template, TemplateMinutia};

fn shifted(m: &[TemplateMinutia], rot: f32, dx: f32, dy: f32) -> Template {
    let mut rng = Rng::new(99);
    Template::from_minutiae(perturb(m, &mut rng, rot, (dx, dy), 0.0, 0.0))
}

/// Rotations up to about 50 degrees (the direction gate is 60 degrees, minus direction noise;
/// the FVC protocols ask for at most 35) keep the score.
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
        (0.85, -50.0, 10.0),
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

/// The normalisation counts mates only where both prints could show them: a mate that sees
/// only the upper part of the print keeps a high mate ratio, while the same print padded with
/// minutiae that the other lacks inside the common area loses it.
#[test]
fn mate_ratio_counts_the_overlap_only() {
    let mut rng = Rng::new(31);
    let m = synthetic_minutiae(&mut rng);
    let full = Template::from_minutiae(m.clone());
    let cut = m.iter().map(|x| x.y).fold(f32::MIN, f32::max) * 0.55;
    let upper: Vec<TemplateMinutia> = m.iter().copied().filter(|x| x.y < cut).collect();
    let partial = Template::from_minutiae(upper.clone());
    let c = compare(&partial, &full, &MatchParams::DEFAULT);
    // Most of the full print's minutiae lie outside the partial one's extent.
    assert!(c.overlap.1 < m.len(), "{c:?}");
    assert!(
        c.mate_ratio(MatchParams::DEFAULT.min_overlap) > 0.8,
        "{c:?}"
    );
    // The same upper part with as many spurious minutiae inside it: the ratio falls.
    let mut noisy = upper.clone();
    for base in &upper {
        noisy.push(TemplateMinutia {
            x: base.x + 9.0,
            y: base.y - 9.0,
            angle: base.angle + 1.7,
            kind: base.kind,
            quality: 0,
        });
    }
    let n = compare(
        &Template::from_minutiae(noisy),
        &full,
        &MatchParams::DEFAULT,
    );
    assert!(
        n.mate_ratio(MatchParams::DEFAULT.min_overlap) < 0.8 * c.mate_ratio(8.0),
        "{n:?} vs {c:?}"
    );
    let other = Template::from_minutiae(synthetic_minutiae(&mut rng));
    let i = compare(&other, &full, &MatchParams::DEFAULT);
    assert!(i.mate_ratio(8.0) < 0.5, "{i:?}");
    assert!(i.score(&MatchParams::DEFAULT) < c.score(&MatchParams::DEFAULT) / 4.0);
}

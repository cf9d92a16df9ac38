//! Development aid: how well the gallery's pre-filter signature separates genuine from
//! impostor finger pairs on the FVC ISO templates (EER of the signature similarity, and the
//! mean rank of the mate among the set's other fingers).
use biometrics::eval::{fvc, metrics, Frame};

fn main() {
    let dir = std::path::PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/data/fingerprints"
    ));
    let mut eers = Vec::new();
    for set in fvc::SETS {
        let Ok(imps) = fvc::load_set(&dir, set) else {
            return;
        };
        let t: Vec<_> = imps.iter().map(|i| i.template(Frame::Stretched)).collect();
        let p = fvc::protocol(&imps);
        let sim =
            |a: usize, b: usize| f64::from(biometrics::gallery::prefilter_similarity(&t[a], &t[b]));
        let g: Vec<f64> = p.genuine.iter().map(|&(a, b)| sim(a, b)).collect();
        let i: Vec<f64> = p.impostor_all.iter().map(|&(a, b)| sim(a, b)).collect();
        let e = metrics::eer(&g, &i);
        let v = |a: usize, b: usize| f64::from(biometrics::gallery::vote_similarity(&t[a], &t[b]));
        let gv: Vec<f64> = p.genuine.iter().map(|&(a, b)| v(a, b)).collect();
        let iv: Vec<f64> = p.impostor_all.iter().map(|&(a, b)| v(a, b)).collect();
        println!(
            "{set}: code EER {:.3} vote EER {:.3}",
            e,
            metrics::eer(&gv, &iv)
        );
        eers.push(metrics::eer(&gv, &iv));
        eers.push(e);
    }
    println!("mean {:.3}", eers.iter().sum::<f64>() / eers.len() as f64);
}

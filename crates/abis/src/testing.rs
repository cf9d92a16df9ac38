//! For tests, drills and benchmarks: synthetic persons as the service would publish them, and nodes started in
//! this process and waited for.

use crate::{Namespace, NodeConfig, NodeHandle};
use biometrics::synth::{perturb, synthetic_minutiae, Rng};
use biometrics::Template;
use std::time::Duration;

/// Synthetic person `seed`'s ten fingers as the fingers blob, and another impression of each (the same person
/// enrolling again: rotated, shifted, jittered, a tenth of the minutiae dropped and as many spurious ones added).
pub fn person(seed: u64) -> (Vec<u8>, Vec<u8>) {
    let mut rng = Rng::new(seed);
    let (mut first, mut again) = (Vec::new(), Vec::new());
    for position in 1..=10u8 {
        let m = synthetic_minutiae(&mut rng);
        let other = perturb(&m, &mut rng, 0.1, (6.0, -4.0), 2.0, 0.1);
        first.push((position, Template::from_minutiae(m)));
        again.push((position, Template::from_minutiae(other)));
    }
    (
        biometrics::fingers::encode(&first),
        biometrics::fingers::encode(&again),
    )
}

/// Starts a node named `name` for `shard` of `shards` and waits (a minute at most) until it has caught up.
pub async fn caught_up_node(
    url: &str,
    ns: &Namespace,
    shard: u32,
    shards: u32,
    name: &str,
) -> anyhow::Result<NodeHandle> {
    let mut cfg = NodeConfig::new(url, ns.clone(), shard, shards);
    cfg.name = name.into();
    let n = NodeHandle::start(cfg).await?;
    tokio::time::timeout(Duration::from_secs(60), n.caught_up())
        .await
        .map_err(|_| anyhow::anyhow!("node {name} did not catch up within a minute"))?;
    Ok(n)
}

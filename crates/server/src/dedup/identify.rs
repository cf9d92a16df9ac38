//! A 1:N search that enrolls nobody: someone who asks for an identity (a nationality case) is searched against
//! everyone enrolled, and the candidates over the de-duplication threshold are answered. The probe is never added
//! to the gallery: the applicant is not enrolled, and a later enrollment of theirs is searched as anyone's.

use super::{Dedup, Engine};
use crate::state::AppState;

impl Dedup {
    /// The enrolled applications whose fingers match `probe` (the [`biometrics::fingers`] blob) over the
    /// de-duplication threshold, best first, with their scores. Enrollments not yet searched are searched first,
    /// so that someone enrolled a moment ago is in the gallery. With matcher nodes, a search that does not hear
    /// from every shard is an error: no identity is given on half an answer.
    pub async fn identify(
        &self,
        state: &AppState,
        probe: &[u8],
    ) -> anyhow::Result<Vec<(i64, f64)>> {
        let found: Vec<(u64, f32)> = match &self.engine {
            Engine::Local(gallery) => {
                self.run_pending(state).await?;
                let _pass = self.pass.lock().await;
                let probe = biometrics::fingers::decode(probe)
                    .map_err(|e| anyhow::anyhow!("probe templates: {e}"))?;
                let shared = gallery.clone();
                tokio::task::spawn_blocking(move || {
                    let g = shared.read().map_err(|_| anyhow::anyhow!("gallery lock"))?;
                    anyhow::Ok(
                        g.search(&probe, 10)
                            .into_iter()
                            .map(|c| (c.person_id, c.score))
                            .collect(),
                    )
                })
                .await??
            }
            Engine::Nats(abis) => {
                let search = abis.search(probe, None, 10, 0).await?;
                if !search.is_complete() {
                    anyhow::bail!(
                        "ABIS search incomplete (missing shards {:?}): no identity decision on it",
                        search.missing
                    );
                }
                search
                    .candidates
                    .iter()
                    .map(|c| (c.person_id, c.score))
                    .collect()
            }
        };
        Ok(found
            .into_iter()
            .filter(|(_, score)| self.thresholds.is_duplicate(*score))
            .map(|(p, s)| (p as i64, f64::from(s)))
            .collect())
    }
}

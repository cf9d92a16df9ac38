//! The 1:N de-duplication: every new enrollment is searched against everyone enrolled before it. The gallery is
//! held in memory (loaded from the blob store at the first search) and kept up to date as enrollments are
//! searched; a hit never stops the desk, it puts the application in the supervisors' adjudication queue.

pub mod adjudicate;
pub mod api;
pub mod identify;
pub mod pages;
pub mod service;

pub use service::{Dedup, Engine};

use crate::state::AppState;
use biometrics::gallery::Gallery;
use std::sync::{Arc, RwLock};

/// A person's fingers as stored (the [`biometrics::fingers`] blob).
async fn fingers(state: &AppState, key: &str) -> anyhow::Result<Vec<u8>> {
    state
        .services
        .blobs
        .get(key)
        .await?
        .ok_or_else(|| anyhow::anyhow!("templates {key} are missing from the blob store"))
}

async fn templates(state: &AppState, key: &str) -> anyhow::Result<Vec<(u8, biometrics::Template)>> {
    let bytes = fingers(state, key).await?;
    biometrics::fingers::decode(&bytes).map_err(|e| anyhow::anyhow!("templates {key}: {e}"))
}

impl Dedup {
    /// Persons in the in-process gallery (0 with matcher nodes: `shenas abis status` counts theirs).
    pub fn persons(&self) -> usize {
        match &self.engine {
            Engine::Local(gallery) => gallery.read().map(|g| g.persons()).unwrap_or(0),
            Engine::Nats(_) => 0,
        }
    }

    /// Takes a person out of the gallery (a rejected duplicate). With matcher nodes a removal that cannot be
    /// published is logged: the person stays a candidate for later searches, which supervisors then see.
    pub async fn remove(&self, application_id: i64) {
        match &self.engine {
            Engine::Local(gallery) => {
                if let Ok(mut g) = gallery.write() {
                    g.remove_person(application_id as u64);
                }
            }
            Engine::Nats(abis) => {
                if let Err(e) = abis.remove(application_id as u64).await {
                    tracing::error!(application_id, error = %e, "ABIS removal not published");
                }
            }
        }
    }

    /// Searches every enrollment not yet searched; answers how many were decided.
    pub async fn run_pending(&self, state: &AppState) -> anyhow::Result<u64> {
        let mut loaded = self.pass.lock().await;
        match &self.engine {
            Engine::Local(gallery) => {
                if !*loaded {
                    let n = load(gallery, state).await?;
                    tracing::info!(persons = n, "de-duplication gallery loaded");
                    *loaded = true;
                }
                self.run_local(gallery, state).await
            }
            Engine::Nats(abis) => self.run_nats(abis, state).await,
        }
    }

    async fn run_local(
        &self,
        gallery: &Arc<RwLock<Gallery>>,
        state: &AppState,
    ) -> anyhow::Result<u64> {
        let mut searched = 0;
        loop {
            let pending = state.store.dedup_pending(100).await?;
            if pending.is_empty() {
                return Ok(searched);
            }
            for entry in pending {
                let probe = templates(state, &entry.templates_key).await?;
                let shared = gallery.clone();
                let me = entry.application_id as u64;
                let (probe, found) = tokio::task::spawn_blocking(move || {
                    let g = shared.read().map_err(|_| anyhow::anyhow!("gallery lock"))?;
                    let found: Vec<(u64, f32)> = g
                        .search(&probe, 10)
                        .into_iter()
                        .filter(|c| c.person_id != me)
                        .map(|c| (c.person_id, c.score))
                        .collect();
                    anyhow::Ok((probe, found))
                })
                .await??;
                self.record(state, entry.application_id, &found).await?;
                let mut g = gallery
                    .write()
                    .map_err(|_| anyhow::anyhow!("gallery lock"))?;
                for (position, t) in probe {
                    g.insert(me, position, t)?;
                }
                searched += 1;
            }
        }
    }

    /// With matcher nodes: each enrollment is published to the gallery stream first and then searched with the
    /// stream position of its own event, so two people enrolling at once on any instances see each other (the
    /// later of the two events is searched after the earlier one is applied). A search that misses a shard stops
    /// the pass: the application stays pending and is searched again at the next pass.
    async fn run_nats(&self, abis: &abis::Abis, state: &AppState) -> anyhow::Result<u64> {
        let mut searched = 0;
        loop {
            // Leased a few at a time, so that other instances' passes take the others meanwhile; a lease outlives
            // any search's deadline, and runs out if this instance dies holding it.
            let now = chrono::Utc::now();
            let pending = state
                .store
                .dedup_claim(8, now, now + chrono::Duration::seconds(60))
                .await?;
            if pending.is_empty() {
                return Ok(searched);
            }
            let mut leased: Vec<i64> = pending.iter().map(|e| e.application_id).collect();
            for entry in pending {
                let blob = fingers(state, &entry.templates_key).await?;
                let me = entry.application_id as u64;
                let seq = abis.enrol(me, &blob).await?;
                let search = abis.search(&blob, Some(me), 10, seq).await?;
                if !search.is_complete() {
                    tracing::warn!(
                        application_id = entry.application_id,
                        missing_shards = ?search.missing,
                        "ABIS search incomplete: no decision taken, searched again at the next pass"
                    );
                    for id in leased {
                        state.store.dedup_release(id).await?;
                    }
                    return Ok(searched);
                }
                let found: Vec<(u64, f32)> = search
                    .candidates
                    .iter()
                    .map(|c| (c.person_id, c.score))
                    .collect();
                self.record(state, entry.application_id, &found).await?;
                leased.retain(|id| *id != entry.application_id);
                searched += 1;
            }
        }
    }

    /// Records a search's candidates over the de-duplication threshold (none: clear).
    async fn record(
        &self,
        state: &AppState,
        application_id: i64,
        found: &[(u64, f32)],
    ) -> anyhow::Result<()> {
        let hits: Vec<(i64, f64)> = found
            .iter()
            .filter(|(_, score)| self.thresholds.is_duplicate(*score))
            .map(|(p, score)| (*p as i64, f64::from(*score)))
            .collect();
        state
            .store
            .record_dedup(application_id, &hits, chrono::Utc::now())
            .await?;
        if !hits.is_empty() {
            tracing::info!(
                application_id,
                hits = hits.len(),
                "de-duplication hit: waiting for a supervisor"
            );
        }
        Ok(())
    }
}

/// Loads every searched enrollment into the local gallery.
async fn load(gallery: &RwLock<Gallery>, state: &AppState) -> anyhow::Result<usize> {
    let mut after = 0;
    let mut n = 0;
    loop {
        let page = state.store.gallery_page(after, 1000).await?;
        let Some(last) = page.last() else { break };
        after = last.application_id;
        for entry in &page {
            let fingers = templates(state, &entry.templates_key).await?;
            let mut g = gallery
                .write()
                .map_err(|_| anyhow::anyhow!("gallery lock"))?;
            for (position, t) in fingers {
                g.insert(entry.application_id as u64, position, t)?;
            }
            n += 1;
        }
    }
    Ok(n)
}

/// The routes of this feature (the supervisors' queue, its decisions and the photos they compare), with their
/// OpenAPI paths.
pub fn routes() -> utoipa_axum::router::OpenApiRouter<AppState> {
    use axum::routing::{get, post};
    use utoipa_axum::routes;
    utoipa_axum::router::OpenApiRouter::new()
        .routes(routes!(api::photo))
        .routes(routes!(api::list))
        .routes(routes!(api::decide))
        .route("/office/adjudications", get(pages::list))
        .route("/office/adjudications/{tracking_code}", post(pages::decide))
        .route("/office/photos/{file}", get(pages::photo))
}

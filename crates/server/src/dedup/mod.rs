//! The 1:N de-duplication: every new enrollment is searched against everyone enrolled before it. The gallery is
//! held in memory (loaded from the blob store at the first search) and kept up to date as enrollments are
//! searched; a hit never stops the desk, it puts the application in the supervisors' adjudication queue.

pub mod adjudicate;
pub mod api;
pub mod pages;
pub mod service;

pub use service::Dedup;

use crate::state::AppState;

async fn templates(state: &AppState, key: &str) -> anyhow::Result<Vec<(u8, biometrics::Template)>> {
    let bytes = state
        .services
        .blobs
        .get(key)
        .await?
        .ok_or_else(|| anyhow::anyhow!("templates {key} are missing from the blob store"))?;
    crate::cards::templates::decode(&bytes).map_err(|e| anyhow::anyhow!("templates {key}: {e}"))
}

impl Dedup {
    pub fn persons(&self) -> usize {
        self.gallery.read().map(|g| g.persons()).unwrap_or(0)
    }

    /// Takes a person out of the gallery (a rejected duplicate).
    pub fn remove(&self, application_id: i64) {
        if let Ok(mut g) = self.gallery.write() {
            g.remove_person(application_id as u64);
        }
    }

    async fn load(&self, state: &AppState) -> anyhow::Result<usize> {
        let mut after = 0;
        let mut n = 0;
        loop {
            let page = state.store.gallery_page(after, 1000).await?;
            let Some(last) = page.last() else { break };
            after = last.application_id;
            for entry in &page {
                let fingers = templates(state, &entry.templates_key).await?;
                let mut g = self
                    .gallery
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

    /// Searches every enrollment not yet searched; answers how many were searched.
    pub async fn run_pending(&self, state: &AppState) -> anyhow::Result<u64> {
        let mut loaded = self.pass.lock().await;
        if !*loaded {
            let n = self.load(state).await?;
            tracing::info!(persons = n, "de-duplication gallery loaded");
            *loaded = true;
        }
        let mut searched = 0;
        loop {
            let pending = state.store.dedup_pending(100).await?;
            if pending.is_empty() {
                return Ok(searched);
            }
            for entry in pending {
                let probe = templates(state, &entry.templates_key).await?;
                let gallery = self.gallery.clone();
                let me = entry.application_id as u64;
                let thresholds = self.thresholds;
                let (probe, hits) = tokio::task::spawn_blocking(move || {
                    let g = gallery
                        .read()
                        .map_err(|_| anyhow::anyhow!("gallery lock"))?;
                    let hits: Vec<(i64, f64)> = g
                        .search(&probe, 10)
                        .into_iter()
                        .filter(|c| c.person_id != me && thresholds.is_duplicate(c.score))
                        .map(|c| (c.person_id as i64, f64::from(c.score)))
                        .collect();
                    anyhow::Ok((probe, hits))
                })
                .await??;
                state
                    .store
                    .record_dedup(entry.application_id, &hits, chrono::Utc::now())
                    .await?;
                if !hits.is_empty() {
                    tracing::info!(
                        application_id = entry.application_id,
                        hits = hits.len(),
                        "de-duplication hit: waiting for a supervisor"
                    );
                }
                let mut g = self
                    .gallery
                    .write()
                    .map_err(|_| anyhow::anyhow!("gallery lock"))?;
                for (position, t) in probe {
                    g.insert(me, position, t)?;
                }
                searched += 1;
            }
        }
    }
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

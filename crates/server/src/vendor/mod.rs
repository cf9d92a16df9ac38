//! What card manufacturers call, with their API key in `X-Api-Key`: claim the next batch (each card's
//! personalisation data, signed by the issuing authority), report per-card results, and dispatch the cards in
//! shipments per destination office. `GET /api/v1/vendor/signing-key` publishes the key the signatures check with.

pub mod batches;
pub mod key;

use crate::state::AppState;
use utoipa_axum::{router::OpenApiRouter, routes};

/// The routes of this feature, with their OpenAPI paths.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(batches::signing_key))
        .routes(routes!(batches::claim))
        .routes(routes!(batches::results))
        .routes(routes!(batches::dispatch))
}

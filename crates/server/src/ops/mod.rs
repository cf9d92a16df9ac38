//! What operators' monitoring calls: health and the OpenAPI document.

pub mod health;

use crate::state::AppState;
use utoipa_axum::{router::OpenApiRouter, routes};

/// The routes of this feature, with their OpenAPI paths.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(health::healthz))
}

//! What banks and agencies call: `POST /api/v1/verify`, a yes/no check of a person against a receipt (or, once
//! cards exist, a card), with optional attributes each answered yes or no. No personal data leaves. Every call
//! is audited before it is answered; the person can read who verified them on the portal.

pub mod audit;
pub mod cache;
pub mod key;
pub mod verify;

use crate::state::AppState;
use utoipa_axum::{router::OpenApiRouter, routes};

/// The routes of this feature, with their OpenAPI paths.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(verify::verify))
}

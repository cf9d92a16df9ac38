//! What citizens call that is not a feature of its own: the calendar conversion, the offices with free places by
//! area code, and the captcha's pictures. Filing, payment, appointments, status and transfer each have their
//! folder.

pub mod calendar;
pub mod captcha_images;
pub mod offices;

use crate::state::AppState;
use utoipa_axum::{router::OpenApiRouter, routes};

/// The routes of this feature, with their OpenAPI paths.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(calendar::convert))
        .routes(routes!(offices::list))
}

//! What citizens' browsers and the portal's forms call.

pub mod applications;
pub mod appointment;
pub mod calendar;
pub mod captcha_images;
pub mod offices;
pub mod payments;
pub mod status;

use crate::state::AppState;
use utoipa_axum::{router::OpenApiRouter, routes};

/// The routes of this feature, with their OpenAPI paths.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(calendar::convert))
        .routes(routes!(applications::create))
        .routes(routes!(applications::new_captcha))
        .routes(routes!(applications::captcha_image))
        .routes(routes!(payments::start))
        .routes(routes!(payments::callback))
        .routes(routes!(offices::list))
        .routes(routes!(appointment::book, appointment::cancel))
        .routes(routes!(status::status))
}

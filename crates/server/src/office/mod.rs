//! What counter offices call that is not a feature of its own: staff login, walk-in applications and an
//! application's record. Enrollment, adjudication, shipments, pickup and transfers each have their folder. An
//! operator sees and changes only the work of their own office.

pub mod applications;
pub mod login;
pub mod records;
pub mod throttle;

use crate::state::AppState;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// The routes of this feature, with their OpenAPI paths.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(login::login))
        .routes(routes!(applications::create))
        .routes(routes!(records::show))
}

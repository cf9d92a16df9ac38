//! What counter offices call: staff login, walk-in applications, enrollment and receipts, the supervisors'
//! adjudication queue, shipments, pickup, an application's record and transfers. An operator sees and changes
//! only the work of their own office.

pub mod adjudications;
pub mod applications;
pub mod enrollments;
pub mod login;
pub mod records;
pub mod shipments;
pub mod throttle;
pub mod transfers;

use crate::state::AppState;
use utoipa_axum::router::{OpenApiRouter, UtoipaMethodRouterExt};
use utoipa_axum::routes;

/// The routes of this feature, with their OpenAPI paths.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(login::login))
        .routes(routes!(applications::create))
        .routes(routes!(records::show))
        .routes(routes!(records::transfer))
        // A photo of up to 2 MiB and ten images of up to 1 MiB each, in base64: more than the default 2 MB.
        .routes(
            routes!(enrollments::create).layer(axum::extract::DefaultBodyLimit::max(
                crate::ENROLLMENT_BODY_LIMIT,
            )),
        )
        .routes(routes!(enrollments::receipt))
        .routes(routes!(adjudications::photo))
        .routes(routes!(adjudications::list))
        .routes(routes!(adjudications::decide))
        .routes(routes!(shipments::list))
        .routes(routes!(shipments::receive))
}

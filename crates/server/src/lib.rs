//! The Shenas HTTP service. One module per audience: `citizen` (the portal and its API), `ops` (health); the
//! office, vendor, agency, admin and USSD modules join as their issues land. Every handler is annotated for
//! OpenAPI, and [`openapi`] builds the document served at `/api/openapi.json` from those annotations.
//!
//! Handlers never touch SQL: they parse input into domain values and call the [`store::Store`] port.

pub mod citizen;
pub mod error;
pub mod extract;
pub mod metrics;
pub mod ops;

use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use std::sync::Arc;
use std::time::Duration;
use store::DynStore;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::timeout::TimeoutLayer;
use utoipa::OpenApi;

/// Switches that tests and load runs turn off.
#[derive(Debug, Clone)]
pub struct Settings {
    pub captcha: bool,
    pub rate_limits: bool,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            captcha: true,
            rate_limits: true,
        }
    }
}

#[derive(Clone)]
pub struct AppState {
    pub store: DynStore,
    pub settings: Arc<Settings>,
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Shenas",
        description = "The smart national ID card programme: citizen portal, counter offices, card vendors, \
                       agencies and banks, USSD and statistics. Errors share one shape: \
                       `{\"error\": {\"code\", \"message\", \"message_en\", \"field\"}}`.",
        license(name = "AGPL-3.0-or-later")
    ),
    paths(ops::health::healthz, citizen::calendar::convert),
    tags(
        (name = "citizen", description = "The citizen portal and its API"),
        (name = "ops", description = "Health and monitoring"),
    )
)]
struct ApiDoc;

/// The OpenAPI document, generated from the handlers' annotations.
pub fn openapi() -> utoipa::openapi::OpenApi {
    ApiDoc::openapi()
}

async fn openapi_json() -> Json<utoipa::openapi::OpenApi> {
    Json(openapi())
}

async fn not_found() -> error::ApiError {
    error::ApiError::new(
        StatusCode::NOT_FOUND,
        "not_found",
        "چنین نشانی‌ای وجود ندارد",
        "no such path",
    )
}

/// The whole service.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/healthz", get(ops::health::healthz))
        .route("/api/openapi.json", get(openapi_json))
        .route("/api/v1/calendar/convert", get(citizen::calendar::convert))
        .fallback(not_found)
        .method_not_allowed_fallback(|| async {
            error::ApiError::new(
                StatusCode::METHOD_NOT_ALLOWED,
                "method_not_allowed",
                "این روش برای این نشانی مجاز نیست",
                "method not allowed",
            )
        })
        .layer(axum::middleware::from_fn(metrics::track))
        .layer(RequestBodyLimitLayer::new(16 * 1024 * 1024))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            Duration::from_secs(30),
        ))
        .layer(tower_http::trace::TraceLayer::new_for_http())
        .with_state(state)
}

//! The national PKI in the service (`crates/pki` and `crates/chip` wired in): the published certificates and CRLs,
//! the OCSP responder, the holders' certificates that manufacturers ask for, the chip data (ICAO LDS) made for each
//! card once it has a document number, and the housekeeping that keeps caches, CRLs, responders and expiry
//! warnings current. Operation and HTTP handler sit side by side in each file; [`routes`] registers them.
//!
//! No private key is ever logged or answered: keys stay in the key store (sealed files or a PKCS#11 token).

pub mod certificates;
pub mod chip;
pub mod housekeeping;
pub mod ocsp;
pub mod published;
pub mod runtime;

pub use runtime::{PkiFailure, PkiHandle, PkiRuntime};

use crate::error::ApiError;
use crate::state::AppState;
use axum::http::StatusCode;
use axum::routing::get;
use std::sync::Arc;
use utoipa_axum::router::{OpenApiRouter, UtoipaMethodRouterExt};
use utoipa_axum::routes;

/// The routes of this feature, with their OpenAPI paths. `GET /ocsp/{request}` is documented by the service's
/// document (`crate::ApiDoc`): its route catches the rest of the path (`{*request}`), as base64 holds slashes.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(published::file))
        .routes(routes!(ocsp::post).layer(axum::extract::DefaultBodyLimit::max(ocsp::MAX_REQUEST)))
        .route("/ocsp/{*request}", get(ocsp::get))
        .routes(routes!(certificates::issue))
}

/// The loaded PKI, or the error answer when it is not there (not initialised in production, or the store failed).
pub async fn current(state: &AppState) -> Result<Arc<PkiRuntime>, ApiError> {
    state
        .services
        .pki
        .get(&state.store)
        .await
        .map_err(|e| unavailable(&e))
}

/// 503 `pki_unavailable`: the PKI is not initialised or cannot be read (logged with its cause).
pub fn unavailable(e: &PkiFailure) -> ApiError {
    tracing::error!(error = %e, "the PKI is unavailable");
    ApiError::new(
        StatusCode::SERVICE_UNAVAILABLE,
        "pki_unavailable",
        "زیرساخت کلید عمومی در دسترس نیست؛ لطفاً بعداً تلاش کنید",
        "the PKI is not available; try again later",
    )
}

/// After status changes were recorded (a pickup, a loss, a death, new certificates on hold): the OCSP answers and
/// CRLs they make stale are forgotten now, so the next request sees them. Failures are logged; the periodic pass
/// catches up within seconds.
pub async fn status_changed(state: &AppState) {
    if let Some(rt) = state.services.pki.loaded() {
        if let Err(e) = rt.sync(&state.store).await {
            tracing::warn!(error = %e, "certificate status caches not refreshed; the periodic pass will");
        }
    }
}
